"""Benchmark of the nightly KPI evaluation against its physical floor and Odoo gamification:
figures and ratios, not a test.

Builds, in a transaction rolled back at the end, the users of a scale (one KPI profile, their
timezones taken in turn among Europe/Copenhagen, America/New_York, Asia/Tokyo and UTC), customer
companies (one in three a key account with a salesperson), two years of leads (about 25% won,
35% lost, 40% open, in real CRM stages) and of meetings (organised by a user, attended by them
and a customer contact; about 3% cancelled), all with bulk SQL (``INSERT ... SELECT
generate_series``; the users alone are created by the ORM), and the 3 rules of the run (won
deals, won revenue, meetings planned). Then it measures, each line the best of 3 runs, every
run from the same state (a savepoint rolled back after it: a "new day" for the engine):

* per template: its **floor**, the bare aggregate read written out below (one GROUP BY per
  timezone group with the fixed UTC bounds of that timezone's window, nothing stored) plus an
  unindexed bulk insert of as many rows into a temporary table; the engine
  (``kpi.rule.evaluate()`` of that rule alone) and the ratio engine / floor; a sanity line
  counts the users whose stored value differs from the floor's (must be 0);
* Odoo gamification on the same goals (when the ``gamification`` module is installed: the
  benchmark installs nothing), batch mode and per-user mode: goal definitions on ``crm.lead``
  and ``calendar.event``, one challenge, a goal per user and definition; ``update_goal()`` of
  all goals is timed, and the values are compared with the engine's on the users whose
  timezone is UTC (gamification ignores timezones);
* the whole night: ``kpi.rule._cron_evaluate()`` end to end (reminders included) and
  ``kpi.period.result._cron_analyse()`` (period scores and discrepancy analysis).
  ``ir.cron._commit_progress`` commits when it is not called from a cron worker: the benchmark
  patches it to a no-op so that everything stays in the rolled-back transaction.

Every line also shows its number of queries (``cr.sql_log_count``, one run) and its peak
memory: how far the resident memory of the process rose above where it was when the line
started (the peak is reset through ``/proc/self/clear_refs``; elsewhere the process's peak,
``resource.getrusage``, which only shows growth beyond everything before).
The table is printed and written to ``bench/RESULTS.md`` (one section per scale, replaced on
each run, with the machine's description and the date).

Usage::

    .venv/bin/python bench/bench_engine.py -c .odoo/odoo.conf -d kpi_test [--scale small]
        [--users N] [--leads N] [--meetings N] [--no-write]

``--scale``: tiny (20 users, 2,000 leads, 500 meetings: what the test suite runs), small
(100 users, 100,000 leads, 30,000 meetings; the default), medium (1,000 / 300,000 / 100,000),
large (3,000 / 1,000,000 / 300,000). ``--users``, ``--leads`` and ``--meetings`` override the
scale's figures. ``make bench BENCH_ARGS="--scale medium"`` passes them through.
"""

import argparse
import datetime
import os
import platform
import resource
import time
from collections import defaultdict
from contextlib import contextmanager
from unittest import mock

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tools import SQL

SCALES = {
    "tiny": (20, 2_000, 500),
    "small": (100, 100_000, 30_000),
    "medium": (1_000, 300_000, 100_000),
    "large": (3_000, 1_000_000, 300_000),
}
TIMEZONES = ("Europe/Copenhagen", "America/New_York", "Asia/Tokyo", "UTC")
TEMPLATES = ("won_deals", "won_revenue", "meetings_planned")
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")
REPEAT = 3
ONE_DAY = datetime.timedelta(days=1)


# ------------------------------------------------------------------------------ data
def build_data(env, n_users, n_leads, n_meetings):
    """Users, customer companies, leads and meetings of the run, and its 3 rules."""
    profile = env["kpi.profile"].create({"name": "Bench profile"})
    group = env.ref("sales_team.group_sale_salesman")
    users = env["res.users"].with_context(no_reset_password=True, tracking_disable=True).create([
        {"name": "Bench user %s" % i, "login": "bench_user_%s" % i,
         "tz": TIMEZONES[i % len(TIMEZONES)],
         "kpi_profile_id": profile.id, "group_ids": [Command.set([group.id])]}
        for i in range(n_users)
    ])
    env.flush_all()
    cr = env.cr
    cr.execute("SELECT setseed(0.22)")
    # customer companies, one in three a key account of a salesperson
    cr.execute(SQL(
        """INSERT INTO res_partner (name, complete_name, is_company, active, type, user_id,
                                    create_date, write_date)
           SELECT 'Bench customer ' || g, 'Bench customer ' || g, TRUE, TRUE, 'contact',
                  CASE WHEN g %% 3 = 0 THEN (%(users)s::int[])[1 + g %% %(n)s] END,
                  now() at time zone 'utc', now() at time zone 'utc'
             FROM generate_series(1, %(companies)s) g
           RETURNING id""",
        users=users.ids, n=n_users, companies=max(10, 3 * n_users)))
    companies = [row[0] for row in cr.fetchall()]
    cr.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
                   companies))
    stages = env["crm.stage"].search([])
    won_stage = stages.filtered("is_won")[:1] or stages[-1:]
    open_stages = (stages - won_stage).ids or won_stage.ids
    # two years of leads: ~25% won, ~35% lost (archived, as Odoo does), ~40% open
    cr.execute(SQL(
        """INSERT INTO crm_lead (name, type, active, user_id, partner_id, stage_id, won_status,
                                 probability, date_closed, kpi_date_won, expected_revenue,
                                 company_id, create_date, write_date, date_open)
           SELECT 'Bench lead ' || g, 'opportunity', s <> 'lost',
                  (%(users)s::int[])[1 + floor(random() * %(n)s)::int],
                  (%(companies)s::int[])[1 + floor(random() * %(nc)s)::int],
                  CASE WHEN s = 'won' THEN %(won_stage)s
                       ELSE (%(open_stages)s::int[])[1 + g %% %(no)s] END,
                  s, CASE s WHEN 'won' THEN 100 WHEN 'lost' THEN 0 ELSE 10 + g %% 80 END,
                  CASE WHEN s <> 'pending' THEN d END, CASE WHEN s = 'won' THEN d END,
                  round((500 + random() * 50000)::numeric, 2), %(company)s,
                  d - interval '20 days', d, d - interval '20 days'
             FROM (SELECT g, CASE WHEN r < 0.25 THEN 'won' WHEN r < 0.60 THEN 'lost'
                                  ELSE 'pending' END AS s,
                          date_trunc('second', now() at time zone 'utc'
                                     - random() * interval '730 days') AS d
                     FROM (SELECT g, random() AS r FROM generate_series(1, %(leads)s) g) x) y""",
        users=users.ids, n=n_users, companies=companies, nc=len(companies),
        won_stage=won_stage.id, open_stages=open_stages, no=len(open_stages),
        company=env.company.id, leads=n_leads))
    # two years of meetings (the last month ahead), organised by a user, who attends it,
    # with a customer contact
    cr.execute(SQL(
        """WITH ev AS (
             INSERT INTO calendar_event (name, show_as, start, stop, user_id, active, allday,
                                         privacy, create_date, write_date)
             SELECT 'Bench meeting ' || g, 'busy', d, d + interval '1 hour',
                    (%(users)s::int[])[1 + floor(random() * %(n)s)::int], random() > 0.03, FALSE,
                    'public', now() at time zone 'utc', now() at time zone 'utc'
               FROM (SELECT g, date_trunc('hour', now() at time zone 'utc' + interval '30 days'
                                                  - random() * interval '730 days') AS d
                       FROM generate_series(1, %(meetings)s) g) x
             RETURNING id, user_id)
           INSERT INTO calendar_attendee (event_id, partner_id, state)
           SELECT ev.id, u.partner_id, 'accepted' FROM ev JOIN res_users u ON u.id = ev.user_id
           UNION ALL
           SELECT ev.id, (%(companies)s::int[])[1 + floor(random() * %(nc)s)::int], 'needsAction'
             FROM ev""",
        users=users.ids, n=n_users, companies=companies, nc=len(companies),
        meetings=n_meetings))
    env.invalidate_all()
    rules = env["kpi.rule"].create([
        {"name": "bench " + code, "target": 10,
         "template_id": env.ref("kpi_management.kpi_template_%s" % code).id,
         "profile_ids": [Command.set(profile.ids)]}
        for code in TEMPLATES
    ])
    env.flush_all()
    cr.execute("ANALYZE crm_lead; ANALYZE calendar_event; ANALYZE calendar_attendee; "
               "ANALYZE res_partner; ANALYZE res_users")
    return users, rules


# ----------------------------------------------------------------------------- timing
class Line:
    """One line of the table: best time of the runs, queries of one run, peak memory growth."""

    def __init__(self, name, seconds, queries, rss_mib, floor=None, note=""):
        self.name, self.seconds, self.queries, self.rss_mib = name, seconds, queries, rss_mib
        self.floor, self.note = floor, note


def _status_mib(key):
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith(key + ":"):
                return int(row.split()[1]) / 1024
    raise OSError(key)


def reset_peak_memory():
    """The resident memory now (MiB), the process's peak reset to it where Linux allows it
    (``/proc/self/clear_refs``), else the peak so far (``getrusage``)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return _status_mib("VmRSS")
    except OSError:
        return peak_memory()


def peak_memory():
    """Peak resident memory of the process (MiB)."""
    try:
        return _status_mib("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(env, name, fn, repeat=REPEAT, keep=False, floor=None, note=""):
    """Run ``fn`` ``repeat`` times, each from the same state (a savepoint rolled back after
    it; the last run is kept when ``keep``): :class:`Line` and what the last run returned."""
    cr = env.cr
    best, queries, out = None, 0, None
    rss = reset_peak_memory()
    for i in range(repeat):
        savepoint = cr.savepoint()
        q0 = cr.sql_log_count
        start = time.perf_counter()
        out = fn()
        env.flush_all()
        elapsed = time.perf_counter() - start
        queries = cr.sql_log_count - q0
        best = elapsed if best is None else min(best, elapsed)
        savepoint.close(rollback=not (keep and i == repeat - 1))
        env.invalidate_all(flush=False)
    return Line(name, best, queries, max(peak_memory() - rss, 0.0), floor, note), out


@contextmanager
def no_commit(env):
    """``ir.cron._commit_progress`` commits outside a cron worker: a no-op here."""
    with mock.patch.object(type(env["ir.cron"]), "_commit_progress",
                           lambda self, processed=0, remaining=None, deactivate=False: float("inf")):
        yield


# ------------------------------------------------------------------------------ floor
def code(rule):
    """The template of a rule of the run (``TEMPLATES``)."""
    return rule.name.removeprefix("bench ")


def tz_windows(rule, rows, now):
    """``{tz: (day, day_from, day_to, utc_from, utc_to, [user ids])}``: the users of ``rows``
    grouped by timezone; all users of a timezone share the same window."""
    from odoo.addons.kpi_management.tools import scoring

    users = defaultdict(list)
    for user_id, _partner, tz in rows:
        users[tz or "UTC"].append(user_id)
    out = {}
    for tz, user_ids in users.items():
        day = scoring.local_today(tz, now)
        bounds = scoring.window_bounds(day, rule.window_days, rule.template_id.window_kind, tz)
        out[tz] = (day, *bounds, user_ids)
    return out


FLOOR_SQL = {
    "won_deals": """SELECT user_id, count(*) FROM crm_lead
                     WHERE active AND won_status = 'won' AND user_id = ANY(%(users)s)
                       AND kpi_date_won >= %(utc_from)s AND kpi_date_won < %(utc_to)s
                     GROUP BY user_id""",
    "won_revenue": """SELECT user_id, sum(expected_revenue) FROM crm_lead
                       WHERE active AND won_status = 'won' AND user_id = ANY(%(users)s)
                         AND kpi_date_won >= %(utc_from)s AND kpi_date_won < %(utc_to)s
                       GROUP BY user_id""",
    # the events the user attends (not declined), and those the user organises without being
    # an attendee (an organiser who declined has a declined attendee row): read from the
    # events of the window (``calendar_event.start`` is indexed)
    "meetings_planned": """
        SELECT user_id, count(*) FROM (
            SELECT u.id AS user_id, e.id FROM calendar_event e
              JOIN calendar_attendee a ON a.event_id = e.id
                                      AND a.state IS DISTINCT FROM 'declined'
              JOIN res_users u ON u.partner_id = a.partner_id AND u.id = ANY(%(users)s)
             WHERE e.active AND %(in_window)s
            UNION
            SELECT e.user_id, e.id FROM calendar_event e
             WHERE e.active AND e.user_id = ANY(%(users)s) AND %(in_window)s
               AND NOT EXISTS (SELECT 1 FROM calendar_attendee d
                                 JOIN res_users du ON du.partner_id = d.partner_id
                                WHERE d.event_id = e.id AND du.id = e.user_id)) x
         GROUP BY user_id""",
}


def floor_read(env, rule, windows):
    """The bare aggregate read of ``rule``: ``{user_id: value}``, one query per timezone."""
    values = {}
    for _day, day_from, day_to, utc_from, utc_to, user_ids in windows.values():
        # an all-day event starts at 08:00 of its day (``calendar.event._inverse_dates``):
        # within a day of the window's UTC bounds, which lets PostgreSQL use the index
        in_window = SQL(
            """e.start >= %s AND e.start < %s
               AND CASE WHEN e.allday THEN e.start_date >= %s AND e.start_date < %s
                        ELSE e.start >= %s AND e.start < %s END""",
            utc_from - ONE_DAY, utc_to + ONE_DAY, day_from, day_to, utc_from, utc_to)
        env.cr.execute(SQL(FLOOR_SQL[code(rule)], users=user_ids,
                           utc_from=utc_from, utc_to=utc_to, in_window=in_window))
        values.update((user_id, float(value)) for user_id, value in env.cr.fetchall())
    return values


def floor_store(env, rule, windows, values):
    """The bulk insert of as many rows as the rule has users into an unindexed table."""
    user_ids, days, vals = [], [], []
    for day, *_bounds, users in windows.values():
        for user_id in users:
            user_ids.append(user_id)
            days.append(day)
            vals.append(values.get(user_id, 0.0))
    env.cr.execute(SQL(
        """INSERT INTO bench_floor_copy (rule_id, user_id, date, value, score)
           SELECT %s, u, d, v, v / %s * 100
             FROM unnest(%s::int[], %s::date[], %s::float[]) AS x(u, d, v)""",
        rule.id, rule.target, user_ids, days, vals))


def stored_values(env, rule, windows):
    """``{user_id: value}`` of the engine's results of the users' today."""
    days = sorted({w[0] for w in windows.values()})
    env["kpi.result"].flush_model()
    env.cr.execute(SQL(
        "SELECT user_id, date, value FROM kpi_result WHERE rule_id = %s AND date = ANY(%s)",
        rule.id, days))
    today = {user_id: w[0] for w in windows.values() for user_id in w[5]}
    return {user_id: value or 0.0 for user_id, day, value in env.cr.fetchall()
            if today.get(user_id) == day}


def differences(left, right, user_ids):
    return sum(1 for u in user_ids if abs((left.get(u) or 0.0) - (right.get(u) or 0.0)) > 1e-6)


# ------------------------------------------------------------------------ gamification
GAMIFICATION = {
    # template: (model, date field, computation, value field, per-user domain, batch domain)
    "won_deals": ("crm.lead", "kpi_date_won", "count", None,
                  "[('user_id', '=', user.id), ('won_status', '=', 'won')]",
                  "[('won_status', '=', 'won')]"),
    "won_revenue": ("crm.lead", "kpi_date_won", "sum", "expected_revenue",
                    "[('user_id', '=', user.id), ('won_status', '=', 'won')]",
                    "[('won_status', '=', 'won')]"),
    # the bench's meetings are attended by their organiser and a customer: organised = planned
    "meetings_planned": ("calendar.event", "start", "count", None,
                         "[('user_id', '=', user.id)]", "[]"),
}


def gamification_installed(env):
    module = env["ir.module.module"].search([("name", "=", "gamification")])
    return module.state == "installed"


def gamification_goals(env, rules, assignments, now, batch):
    """One goal definition per rule, one challenge, one goal per user and definition, with the
    dates of the user's window taken in UTC (gamification has no timezones)."""
    from odoo.addons.kpi_management.tools import scoring

    Field = env["ir.model.fields"]
    definitions = env["gamification.goal.definition"]
    for rule in rules:
        model, date_field, mode, value_field, domain, batch_domain = GAMIFICATION[
            code(rule)]
        definitions |= definitions.create({
            "name": "Bench %s (%s)" % (rule.name, "batch" if batch else "per user"),
            "computation_mode": mode,
            "model_id": env["ir.model"]._get_id(model),
            "field_id": Field._get(model, value_field).id if value_field else False,
            "field_date_id": Field._get(model, date_field).id,
            "domain": batch_domain if batch else domain,
            "batch_mode": batch,
            "batch_distinctive_field": Field._get(model, "user_id").id if batch else False,
            "batch_user_expression": "user.id" if batch else False,
        })
    challenge = env["gamification.challenge"].create({
        "name": "Bench challenge (%s)" % ("batch" if batch else "per user"),
        "period": "once", "report_message_frequency": "never",
        "user_ids": [Command.set(list({u for rows in assignments.values() for u, _p, _t in rows}))],
        "line_ids": [Command.create({"definition_id": d.id, "target_goal": 10})
                     for d in definitions],
    })
    goals = []
    for rule, definition, line in zip(rules, definitions, challenge.line_ids, strict=True):
        day = scoring.local_today("UTC", now)
        day_from, day_to = scoring.day_bounds(day, rule.window_days, rule.template_id.window_kind)
        for user_id, _partner, _tz in assignments[rule.id]:
            goals.append({"definition_id": definition.id, "user_id": user_id, "line_id": line.id,
                          "start_date": day_from, "end_date": day_to - datetime.timedelta(days=1),
                          "target_goal": 10, "state": "inprogress"})
    return env["gamification.goal"].create(goals), dict(zip(definitions.ids, rules.ids, strict=True))


def goal_values(goals, rule_definitions):
    values = defaultdict(dict)
    for goal in goals:
        values[rule_definitions[goal.definition_id.id]][goal.user_id.id] = goal.current
    return values


# --------------------------------------------------------------------------------- run
def run(env, scale="small", n_users=None, n_leads=None, n_meetings=None, out=print):
    """Build the data of ``scale``, measure, print the table and return ``(lines, sanity)``:
    ``sanity`` is ``{check: number of users whose values differ}`` (all must be 0). Everything
    stays in ``env``'s transaction, which the caller rolls back."""
    env = env(su=True, context=dict(env.context, tracking_disable=True, tz="UTC",
                                     mail_notrack=True))
    default = SCALES[scale]
    n_users, n_leads, n_meetings = (n_users or default[0], n_leads or default[1],
                                    n_meetings or default[2])
    out("Scale %s: building %s users, %s leads, %s meetings (rolled back at the end)..."
        % (scale, n_users, n_leads, n_meetings))
    start = time.perf_counter()
    users, rules = build_data(env, n_users, n_leads, n_meetings)
    out("data built in %.1f s" % (time.perf_counter() - start))
    env.cr.execute("CREATE TEMPORARY TABLE bench_floor_copy (rule_id int, user_id int, "
                   "date date, value float, score float)")
    now = fields.Datetime.now()
    assignments = rules._get_assignments()
    lines, sanity, floors = [], {}, {}
    engine_values = {}
    for rule in rules:
        windows = tz_windows(rule, assignments[rule.id], now)
        key = code(rule)
        read, values = measure(env, "floor read " + key, lambda r=rule, w=windows: floor_read(env, r, w))
        store, _ = measure(env, "floor store " + key,
                           lambda r=rule, w=windows, v=values: floor_store(env, r, w, v))
        floors[rule.id] = read.seconds + store.seconds
        engine, _ = measure(env, "engine " + key, lambda r=rule: r.evaluate(), keep=True,
                            floor=floors[rule.id])
        lines += [read, store, engine]
        engine_values[rule.id] = stored_values(env, rule, windows)
        all_users = [u for w in windows.values() for u in w[5]]
        sanity["engine vs floor %s (%d users, %d with a value)" % (
            key, len(all_users), sum(1 for u in all_users if values.get(u)))] = differences(
            engine_values[rule.id], values, all_users)
    floor_total = sum(floors.values())
    # the 3 rules at once, a new day (the results stored above are removed in a savepoint)
    def evaluate_all():
        env.cr.execute(SQL("DELETE FROM kpi_result WHERE rule_id = ANY(%s)", rules.ids))
        env.invalidate_all()
        return rules.evaluate()

    engine_all, _ = measure(env, "engine: the %s rules" % len(rules), evaluate_all,
                            floor=floor_total)
    lines.append(engine_all)

    if gamification_installed(env):
        utc_users = {u for rows in assignments.values() for u, _p, tz in rows if tz == "UTC"}
        for batch in (True, False):
            mode = "batch" if batch else "per-user"
            goals, definitions = gamification_goals(env, rules, assignments, now, batch)

            def update(goals=goals):
                env.cr.execute(SQL("UPDATE gamification_goal SET current = 0 WHERE id = ANY(%s)",
                                   goals.ids))
                env.invalidate_all()
                return goals.update_goal()

            line, _ = measure(env, "gamification %s (%s goals)" % (mode, len(goals)), update,
                              keep=True, floor=floor_total)
            line.note = "%.1fx the time of the engine's %s rules" % (
                line.seconds / engine_all.seconds, len(rules))
            lines.append(line)
            found = goal_values(goals, definitions)
            for rule in rules:
                sanity["engine vs gamification %s %s (%d UTC users, %d with a value)" % (
                    mode, code(rule), len(utc_users),
                    sum(1 for u in utc_users if found[rule.id].get(u)))] = differences(
                    engine_values[rule.id], found[rule.id], sorted(utc_users))
    else:
        out("gamification not installed: skipped")

    def cron_evaluate():
        env.cr.execute(SQL("DELETE FROM kpi_result WHERE rule_id = ANY(%s)", rules.ids))
        env.invalidate_all()
        return env["kpi.rule"]._cron_evaluate()

    with no_commit(env):
        lines.append(measure(env, "nightly cron _cron_evaluate()", cron_evaluate, keep=True,
                             floor=floor_total, note="commits patched out")[0])
        lines.append(measure(env, "period scores + analysis _cron_analyse()",
                             lambda: env["kpi.period.result"]._cron_analyse(),
                             note="commits patched out; no floor (one day of results)")[0])
    env.cr.execute("DROP TABLE bench_floor_copy")
    env.cr.execute("SHOW server_version")
    pg_version = "PostgreSQL " + env.cr.fetchone()[0]
    table = format_table(scale, n_users, n_leads, n_meetings, lines, sanity, pg_version)
    out(table)
    return lines, sanity, table


def format_table(scale, n_users, n_leads, n_meetings, lines, sanity, pg_version):
    rows = ["| line | seconds | x floor | queries | peak memory (MiB) | note |",
            "|---|---:|---:|---:|---:|---|"]
    for line in lines:
        ratio = "%.1fx" % (line.seconds / line.floor) if line.floor else ""
        rows.append("| %s | %.3f | %s | %d | %.1f | %s |" % (
            line.name, line.seconds, ratio, line.queries, line.rss_mib, line.note))
    rows.append("")
    rows.append("Sanity (users whose values differ, must be 0):")
    rows.append("")
    rows += ["- %s: %d" % (check, count) for check, count in sanity.items()]
    return "\n".join([
        "## Scale %s: %s users, %s leads, %s meetings" % (scale, n_users, n_leads, n_meetings),
        "", machine(pg_version), "", *rows, ""])


def machine(pg_version):
    try:
        with open("/proc/meminfo") as meminfo:
            ram = int(meminfo.readline().split()[1]) / 1024 / 1024
    except OSError:
        ram = 0
    return "Machine: %s; %s CPUs, %.1f GiB RAM; %s; Python %s; run on %s (UTC)" % (
        platform.platform(), os.cpu_count(), ram, pg_version, platform.python_version(),
        datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"))


def write_results(table, scale):
    """Replace the section of ``scale`` in ``bench/RESULTS.md``; the other scales' sections are
    kept, and after them the sections of other benchmarks (``## Storage``, bench_storage.py)."""
    header = ("# Benchmark results\n\nWritten by `bench/bench_engine.py` (see its docstring): "
              "the best of 3 runs per line; \"x floor\" is the ratio to the floor (the bare "
              "read plus the unindexed insert) of the same templates.\n")
    sections, others = {}, []
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            for part in f.read().split("\n## ")[1:]:
                section = "## " + part.rstrip("\n") + "\n"
                if part.startswith("Scale "):
                    sections[part.removeprefix("Scale ").split(":", 1)[0]] = section
                else:
                    others.append(section)
    sections[scale] = table
    order = [s for s in SCALES if s in sections] + [s for s in sections if s not in SCALES]
    with open(RESULTS, "w") as f:
        f.write(header + "\n" + "\n".join([sections[s] for s in order] + others))


def main():
    import odoo
    from odoo.modules.registry import Registry

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--users", type=int)
    parser.add_argument("--leads", type=int)
    parser.add_argument("--meetings", type=int)
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            _lines, _sanity, table = run(env, args.scale, args.users, args.leads, args.meetings)
        finally:
            cr.rollback()
    if not args.no_write:
        write_results(table, args.scale)
        print("written to %s" % RESULTS)


if __name__ == "__main__":
    main()
