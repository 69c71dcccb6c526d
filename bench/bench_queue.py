"""Benchmark of the KPI night on OCA queue_job (issue 23): the crons alone in one process, then
the jobs run by an Odoo server with one and with two workers. Figures, not a test.

It CREATES the database it is given (``kpi_management_queue`` and ``queue_job`` installed, the
data committed: the Odoo workers are other processes) and DROPS it at the end, also after an
error, Ctrl-C or a kill; it refuses a database that exists unless an interrupted run of its own
left it (its marker, a system parameter). The data is ``bench/bench_engine.py``'s of the scale
(``build_data``: the users in four timezones, two years of leads and meetings, what the other
templates read) with one rule per built-in template for every user
(``bench_engine.every_template_rules``; the 3 rules of ``build_data`` archived). Then the night,
three times from the same state (the night's rows deleted and the tables vacuumed before each):

* **cron**: ``kpi.rule._cron_evaluate()`` then ``kpi.period.result._cron_analyse()`` in this
  process, the queue turned off (``kpi_management_queue.enabled`` False): the crons run their
  batches with a commit each, as kpi_management alone does;
* **jobs, N workers** (``--workers``, default 1 and 2): an Odoo server started for the run in
  multi-worker mode (``--workers=N --max-cron-threads=0 --load=base,web,queue_job``, its
  configuration with ``[queue_job] channels = root:N``, port ``--port``) whose job runner
  dispatches the jobs to its workers; the same two crons, called here, only queue; each step
  ends when every job of the ``root.kpi`` channels is done (the evaluation, then the plan of the
  period scores, the period batches and the analyses: called once the evaluation jobs are done,
  as the daily cron runs hours after the hourly one, so that the plan never waits).

For each run it prints the wall time of each step and of the night, the jobs per method (count,
average and longest run, from ``queue_job``), the job-seconds against the wall time (how many
jobs ran side by side), and where the time goes, sampled every 0.2 s by a process of its own:
the CPU seconds of the PostgreSQL backends of the database and of the Odoo processes (this
process for the cron run; the server and its workers for the jobs: the enqueuing cron calls of
this process are counted apart), and what the backends were doing (``pg_stat_activity``:
running, waiting for a lock and which, idle in a transaction while Python works, I/O). Sanity:
every run must store the same numbers of results, period scores, reminders and findings, and
no job may fail. The tables go to the ``## Queue`` section of ``bench/RESULTS.md``.

Usage::

    .venv/bin/python bench/bench_queue.py -c .odoo/odoo.conf -d kpi_bench_queue
        [--scale large] [--users N] [--leads N] [--meetings N] [--workers 1,2] [--port 8073]
        [--no-write]

``--scale``: bench_engine's (tiny, small, medium, large; default small). ``make bench-queue
BENCH_ARGS="--scale large"`` passes them through (database ``$KPI_BENCH_DB`` + ``_queue``).
"""

import argparse
import configparser
import contextlib
import datetime
import importlib.util
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict

import psutil
import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "RESULTS.md")
SECTION = "## Queue"
#: the system parameter that marks a database as this benchmark's (dropped at the end)
MARKER = "kpi_bench_queue.created"
QUEUE_PARAM = "kpi_management_queue.enabled"
SAMPLE_SECONDS = 0.2
NOT_DONE = ("wait_dependencies", "pending", "enqueued", "started")
HZ = os.sysconf("SC_CLK_TCK")
#: the advisory lock queue_job's runner holds on a database it serves (jobrunner/runner.py)
RUNNER_LOCK = 2293787760715711918


def engine_bench():
    """``bench/bench_engine.py`` (the benchmarks are scripts, not a package): its data, its
    scales, its description of the machine and its writer of ``bench/RESULTS.md``."""
    spec = importlib.util.spec_from_file_location("bench_engine",
                                                  os.path.join(HERE, "bench_engine.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------ database
def pg_connect(conf, dbname):
    options = conf["options"]
    return psycopg2.connect(dbname=dbname, host=options.get("db_host") or None,
                            port=options.get("db_port") or None,
                            user=options.get("db_user") or None,
                            password=options.get("db_password") or None)


def database_state(conf, dbname):
    """None when ``dbname`` does not exist, True when it is this benchmark's, else False."""
    with contextlib.closing(pg_connect(conf, "postgres")) as cnx, cnx.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        if not cr.fetchone():
            return None
    try:
        with contextlib.closing(pg_connect(conf, dbname)) as cnx, cnx.cursor() as cr:
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [MARKER])
            return bool(cr.fetchone())
    except psycopg2.Error:
        return False


def drop_database(conf, dbname):
    with contextlib.closing(pg_connect(conf, "postgres")) as cnx:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            # the connections left are this benchmark's (its server is stopped first)
            cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % dbname)


def odoo_bin():
    return os.path.join(os.path.dirname(sys.executable), "odoo")


def create_database(config_path, conf, dbname, out):
    state = database_state(conf, dbname)
    if state is False:
        raise SystemExit("bench_queue creates and drops its database: %r exists and is not one "
                         "of its own (no %s parameter)" % (dbname, MARKER))
    if state:
        out("dropping %s, left by an interrupted run" % dbname)
        drop_database(conf, dbname)
    out("creating %s with kpi_management_queue (and queue_job)..." % dbname)
    subprocess.run([odoo_bin(), "-c", config_path, "-d", dbname, "-i", "kpi_management_queue",
                    "--stop-after-init", "--log-level=warn"], check=True)
    with contextlib.closing(pg_connect(conf, dbname)) as cnx, cnx.cursor() as cr:
        cr.execute("INSERT INTO ir_config_parameter (key, value) VALUES (%s, '1')", [MARKER])
        cnx.commit()


# ---------------------------------------------------------------------------- data
def build(env, engine, scale, n_users, n_leads, n_meetings, out):
    """The scale's data and one rule per built-in template, committed. :return: the rules."""
    default = engine.SCALES[scale]
    n_users, n_leads, n_meetings = (n_users or default[0], n_leads or default[1],
                                    n_meetings or default[2])
    out("building %s users, %s leads, %s meetings (committed)..." % (n_users, n_leads,
                                                                    n_meetings))
    start = time.perf_counter()
    _users, rules = engine.build_data(env, n_users, n_leads, n_meetings)
    rules.active = False  # the night runs the rules of every template
    every = engine.every_template_rules(env, rules.profile_ids[:1])
    env.cr.commit()
    out("data built in %.1f s: %s rules" % (time.perf_counter() - start, len(every)))
    return every, (n_users, n_leads, n_meetings)


def reset(env, conf, dbname):
    """The state before the night: no result, period score, finding, reminder or job (the
    database holds the benchmark's data only), the tables vacuumed and analysed."""
    cr = env.cr
    cr.execute("DELETE FROM mail_activity WHERE res_model = 'kpi.result'")
    cr.execute("DELETE FROM mail_followers WHERE res_model IN ('kpi.result', 'kpi.discrepancy')")
    cr.execute("DELETE FROM mail_message WHERE model IN ('kpi.result', 'kpi.discrepancy')")
    for table in ("kpi_discrepancy", "kpi_period_result", "kpi_result_latest", "kpi_result",
                  "queue_job_lock", "queue_job"):
        cr.execute("DELETE FROM %s" % table)
    cr.commit()
    env.invalidate_all()
    env.registry.clear_cache()
    with contextlib.closing(pg_connect(conf, dbname)) as cnx:
        cnx.autocommit = True
        with cnx.cursor() as vcr:
            for table in ("kpi_result", "kpi_result_latest", "kpi_period_result",
                          "kpi_discrepancy", "mail_activity", "mail_followers", "mail_message",
                          "queue_job"):
                vcr.execute("VACUUM ANALYZE %s" % table)


def counts(env):
    """What the night stored: the sanity line of a run."""
    cr = env.cr
    cr.execute("""SELECT (SELECT count(*) FROM kpi_result),
                         (SELECT count(*) FROM kpi_period_result),
                         (SELECT count(*) FROM mail_activity
                           WHERE res_model = 'kpi.result' AND active),
                         (SELECT count(*) FROM kpi_discrepancy)""")
    return dict(zip(("results", "period scores", "open reminders", "findings"), cr.fetchone(),
                    strict=True))


# ------------------------------------------------------------------------- sampling
def read_ticks(pid):
    """CPU time (user + system, clock ticks) of process ``pid``, None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def odoo_pids(root_pid):
    """The Odoo server ``root_pid`` and its workers (the job runner among them)."""
    try:
        root = psutil.Process(root_pid)
        return [root_pid] + [child.pid for child in root.children(recursive=True)]
    except psutil.Error:
        return []


def sample(conf, dbname, odoo_root, stop, results):
    """The sampler's process: every :data:`SAMPLE_SECONDS` until ``stop`` is set, what the
    backends of ``dbname`` do (``pg_stat_activity``) and the CPU of the backends and of the
    Odoo processes (``odoo_root`` and its children). Puts its figures in ``results``."""
    states, waits = Counter(), Counter()
    pg_cpu, odoo_cpu = {}, {}  # pid: [first ticks, last ticks]
    samples = 0
    with contextlib.closing(pg_connect(conf, dbname)) as cnx:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            while not stop.is_set():
                cr.execute("""SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity
                               WHERE datname = %s AND pid <> pg_backend_pid()""", [dbname])
                samples += 1
                for pid, state, wait_type, wait_event in cr.fetchall():
                    if wait_type == "Lock":
                        states["waiting for a lock"] += 1
                        waits["Lock:%s" % wait_event] += 1
                    elif state == "active" and wait_type in (None, "", "CPU"):
                        states["running"] += 1
                    elif state in ("idle in transaction", "idle in transaction (aborted)"):
                        states["idle in transaction (the client works)"] += 1
                    elif state == "active":
                        states["waiting (%s)" % wait_type] += 1
                        waits["%s:%s" % (wait_type, wait_event)] += 1
                    ticks = read_ticks(pid)
                    if ticks is not None:
                        pg_cpu.setdefault(pid, [ticks, ticks])[1] = ticks
                for pid in odoo_pids(odoo_root):
                    if pid == os.getpid():
                        continue  # this sampler, a child of the benchmark's process
                    ticks = read_ticks(pid)
                    if ticks is not None:
                        odoo_cpu.setdefault(pid, [ticks, ticks])[1] = ticks
                time.sleep(SAMPLE_SECONDS)
    results.put({
        "samples": samples,
        "states": dict(states),
        "waits": dict(waits),
        "pg_cpu": sum(last - first for first, last in pg_cpu.values()) / HZ,
        "odoo_cpu": sum(last - first for first, last in odoo_cpu.values()) / HZ,
    })


@contextlib.contextmanager
def sampling(conf, dbname, odoo_root):
    """Sample while the block runs; yields a dict filled with the figures at its end."""
    context = multiprocessing.get_context("fork")
    stop, results = context.Event(), context.Queue()
    process = context.Process(target=sample, args=(conf, dbname, odoo_root, stop, results),
                              daemon=True)
    process.start()
    figures = {}
    try:
        yield figures
    finally:
        stop.set()
        figures.update(results.get(timeout=60))
        process.join(timeout=30)


# -------------------------------------------------------------------------- server
def start_server(config_path, dbname, workers, port, logfile):
    """An Odoo server in multi-worker mode with queue_job's job runner (channels root:N),
    ready when its runner listens to the database."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config_path)
    if not parser.has_section("queue_job"):
        parser.add_section("queue_job")
    parser.set("queue_job", "channels", "root:%d" % workers)
    handle, server_conf = tempfile.mkstemp(prefix="bench_queue_", suffix=".conf")
    with os.fdopen(handle, "w") as f:
        parser.write(f)
    command = [odoo_bin(), "-c", server_conf, "-d", dbname, "--db-filter", "^%s$" % dbname,
               "--workers", str(workers), "--max-cron-threads", "0",
               "--load", "base,web,queue_job", "--http-port", str(port),
               "--gevent-port", str(port + 1), "--limit-time-real", "7200",
               "--limit-time-cpu", "7200", "--limit-memory-soft", str(4 << 30),
               "--limit-memory-hard", str(6 << 30), "--log-level", "warn",
               "--logfile", logfile]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    return process, server_conf


def wait_ready(conf, dbname, process, port, timeout=180):
    """Wait until the server answers and its job runner serves the database."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the Odoo server stopped (exit %s)" % process.returncode)
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/web/health" % port, timeout=5):
                pass
            # the runner holds its master lock on the database once it listens to it
            with contextlib.closing(pg_connect(conf, dbname)) as cnx, cnx.cursor() as cr:
                cr.execute("""SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                               WHERE d.datname = %s AND l.locktype = 'advisory' AND l.granted
                                 AND (l.classid::bigint << 32) | l.objid::bigint = %s""",
                           [dbname, RUNNER_LOCK])
                if cr.fetchone():
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError("the Odoo server or its job runner is not ready after %s s" % timeout)


def stop_server(process, server_conf):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(OSError):
        os.unlink(server_conf)


# ----------------------------------------------------------------------------- runs
def wait_jobs(env, since, timeout=7200):
    """Wait until no job of the root.kpi channels is left to run. :return: the time the last
    of those queued from ``since`` (epoch seconds) was done, or now when none was; the number
    of failed jobs."""
    cr = env.cr
    deadline = time.monotonic() + timeout
    created = datetime.datetime.fromtimestamp(since, datetime.timezone.utc).replace(tzinfo=None)
    while time.monotonic() < deadline:
        cr.execute("""SELECT count(*) FILTER (WHERE state IN %s),
                             count(*) FILTER (WHERE state = 'failed'),
                             EXTRACT(EPOCH FROM max(date_done) FILTER (WHERE date_created >= %s)
                                                AT TIME ZONE 'UTC')
                        FROM queue_job WHERE channel LIKE 'root.kpi%%'""", [NOT_DONE, created])
        left, failed, last_done = cr.fetchone()
        cr.commit()
        if not left:
            return float(last_done) if last_done else time.time(), failed
        time.sleep(0.2)
    raise RuntimeError("jobs still running after %s s" % timeout)


def bench_process_ticks():
    times = os.times()
    return times.user + times.system


def run_cron(env, conf, dbname):
    """The night through the crons, in this process."""
    env["ir.config_parameter"].set_param(QUEUE_PARAM, "False")
    env.cr.commit()
    steps = {}
    with sampling(conf, dbname, os.getpid()) as where:
        start = time.time()
        env["kpi.rule"]._cron_evaluate()
        env.cr.commit()
        steps["evaluation"] = time.time() - start
        mid = time.time()
        env["kpi.period.result"]._cron_analyse()
        env.cr.commit()
        steps["periods + analysis"] = time.time() - mid
    steps["night"] = sum(steps.values())
    return {"name": "cron, one process", "steps": steps, "where": where, "jobs": {},
            "counts": counts(env), "failed": 0}


def run_jobs(env, conf, config_path, dbname, workers, port, out):
    """The night through the jobs of a server with ``workers`` workers."""
    env["ir.config_parameter"].set_param(QUEUE_PARAM, "True")
    env.cr.commit()
    logfile = os.path.join(tempfile.gettempdir(), "bench_queue_%s_%d.log" % (dbname, workers))
    process, server_conf = start_server(config_path, dbname, workers, port, logfile)
    try:
        wait_ready(conf, dbname, process, port)
        out("server ready (%d workers, log %s)" % (workers, logfile))
        steps, failed, enqueue = {}, 0, 0.0
        bench_before = bench_process_ticks()
        with sampling(conf, dbname, process.pid) as where:
            for step, cron in (("evaluation", env["kpi.rule"]._cron_evaluate),
                               ("periods + analysis", env["kpi.period.result"]._cron_analyse)):
                start = time.time()
                cron()
                env.cr.commit()
                enqueue += time.time() - start
                last_done, step_failed = wait_jobs(env, start)
                steps[step] = last_done - start
                failed += step_failed
        steps["night"] = sum(steps.values())
        where["bench_cpu"] = bench_process_ticks() - bench_before
        where["enqueue"] = enqueue
        return {"name": "jobs, %d worker%s" % (workers, "s" if workers > 1 else ""),
                "steps": steps, "where": where, "jobs": job_figures(env),
                "counts": counts(env), "failed": failed}
    finally:
        stop_server(process, server_conf)


def job_figures(env):
    """``{method: (count, average, longest, total)}`` of the run's jobs (seconds)."""
    env.cr.execute("""SELECT method_name, exec_time FROM queue_job
                       WHERE channel LIKE 'root.kpi%' AND state = 'done'""")
    by_method = defaultdict(list)
    for method, exec_time in env.cr.fetchall():
        by_method[method].append(exec_time or 0.0)
    return {method: (len(times), statistics.mean(times), max(times), sum(times))
            for method, times in sorted(by_method.items())}


# ---------------------------------------------------------------------------- table
def format_tables(engine, scale, sizes, n_rules, runs, pg_version):
    n_users, n_leads, n_meetings = sizes
    out = ["%s: the night of %s users x %s rules (every built-in template), %s leads, %s "
           "meetings (scale %s)" % (SECTION, n_users, n_rules, n_leads, n_meetings, scale), "",
           engine.machine(pg_version), "",
           "Written by `bench/bench_queue.py` (see its docstring): one run each, from the same "
           "state; the jobs' steps are timed from the cron's call to the last job done.", "",
           "| run | evaluation (s) | periods + analysis (s) | night (s) | jobs | job-seconds | "
           "side by side | Odoo CPU (s) | PostgreSQL CPU (s) | both CPUs busy |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        steps, where = run["steps"], run["where"]
        job_seconds = sum(figures[3] for figures in run["jobs"].values())
        jobs = sum(figures[0] for figures in run["jobs"].values())
        cpu = where["odoo_cpu"] + where["pg_cpu"] + where.get("bench_cpu", 0.0)
        out.append("| %s | %.1f | %.1f | %.1f | %s | %s | %s | %.1f | %.1f | %.0f%% |" % (
            run["name"], steps["evaluation"], steps["periods + analysis"], steps["night"],
            jobs or "", "%.1f" % job_seconds if jobs else "",
            "%.2f" % (job_seconds / steps["night"]) if jobs else "",
            where["odoo_cpu"] + where.get("bench_cpu", 0.0), where["pg_cpu"],
            100 * cpu / (steps["night"] * (os.cpu_count() or 1))))
    out += ["", "Jobs (count, average and longest run in seconds, from `queue_job.exec_time`):",
            "", "| run | method | jobs | average | longest | total |",
            "|---|---|---:|---:|---:|---:|"]
    for run in runs:
        for method, (count, mean, longest, total) in run["jobs"].items():
            out.append("| %s | %s | %d | %.2f | %.2f | %.1f |" % (run["name"], method, count,
                                                                   mean, longest, total))
    out += ["", "Where the time goes (the backends of the database, sampled every %.1f s: the "
            "average number of backends in each state; CPU from /proc):" % SAMPLE_SECONDS, "",
            "| run | samples | running | waiting for a lock | idle in transaction (the client "
            "works) | other waits | what they waited for (samples) | Odoo CPU (s) | of which "
            "the cron calls (s) | PostgreSQL CPU (s) |",
            "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for run in runs:
        where = run["where"]
        samples = max(where["samples"], 1)
        states = where["states"]
        named = ("running", "waiting for a lock", "idle in transaction (the client works)")
        other = sum(count for state, count in states.items() if state not in named)
        out.append("| %s | %d | %.2f | %.3f | %.2f | %.3f | %s | %.1f | %s | %.1f |" % (
            run["name"], where["samples"], states.get("running", 0) / samples,
            states.get("waiting for a lock", 0) / samples,
            states.get("idle in transaction (the client works)", 0) / samples,
            other / samples,
            ", ".join("%s %d" % item for item in sorted(
                where["waits"].items(), key=lambda item: (-item[1], item[0]))[:6]) or "none",
            where["odoo_cpu"] + where.get("bench_cpu", 0.0),
            "%.1f" % where["bench_cpu"] if "bench_cpu" in where else "",
            where["pg_cpu"]))
    out += ["", "Sanity (every run stores the same rows, no job fails):", ""]
    for run in runs:
        out.append("- %s: %s; failed jobs %d" % (
            run["name"], ", ".join("%s %s" % item for item in run["counts"].items()),
            run["failed"]))
    same = len({tuple(sorted(run["counts"].items())) for run in runs}) == 1
    out.append("- the runs store the same numbers of rows: %s" % ("yes" if same else "NO"))
    return "\n".join(out + [""])


def write_results(engine, table, path=RESULTS):
    """Replace the ``## Queue`` section of ``bench/RESULTS.md`` (or add it after the others)."""
    engine.write_section(table, lambda section: section.startswith(SECTION), path)


# ----------------------------------------------------------------------------- main
def run(env, conf, config_path, dbname, engine, args, out=print):
    rules, sizes = build(env, engine, args.scale, args.users, args.leads, args.meetings, out)
    runs = []
    reset(env, conf, dbname)
    runs.append(run_cron(env, conf, dbname))
    out("cron: %s" % runs[-1]["steps"])
    for workers in args.workers:
        reset(env, conf, dbname)
        runs.append(run_jobs(env, conf, config_path, dbname, workers, args.port, out))
        out("%s: %s" % (runs[-1]["name"], runs[-1]["steps"]))
    env.cr.execute("SHOW server_version")
    pg_version = "PostgreSQL " + env.cr.fetchone()[0]
    table = format_tables(engine, args.scale, sizes, len(rules), runs, pg_version)
    out(table)
    return runs, table


def main():
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    engine = engine_bench()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--scale", choices=list(engine.SCALES), default="small")
    parser.add_argument("--users", type=int)
    parser.add_argument("--leads", type=int)
    parser.add_argument("--meetings", type=int)
    parser.add_argument("--workers", default="1,2",
                        type=lambda value: [int(n) for n in value.split(",")])
    parser.add_argument("--port", type=int, default=8073,
                        help="the HTTP port of the server of the job runs (and the next one, "
                        "its gevent port)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(args.config)
    # a kill (SIGTERM) ends the run as Ctrl-C does: through the drop of the database
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    create_database(args.config, conf, args.database, print)
    try:
        odoo.tools.config.parse_config(["-c", args.config, "-d", args.database,
                                        "--log-level=warn"])
        registry = Registry(args.database)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "tz": "UTC",
                                                     "mail_notrack": True})
            _runs, table = run(env, conf, args.config, args.database, engine, args)
        if not args.no_write:
            write_results(engine, table)
            print("written to %s" % RESULTS)
    finally:
        with contextlib.suppress(Exception):
            odoo.sql_db.close_all()
        drop_database(conf, args.database)
        print("database %s dropped" % args.database)


if __name__ == "__main__":
    main()
