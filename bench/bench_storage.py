"""Storage study of ``kpi_result`` (issue 22): a year of daily results, how big it is, how fast
it is written, read and vacuumed, and what each index and foreign key costs. Figures, not a
test.

It WRITES TO AND REMOVES FROM the database it is given, and therefore refuses any database whose
name does not start with ``kpi_bench`` or ``kpi_stor``: a year of results for 3,000 users does
not fit comfortably in one rolled-back transaction. It builds, with bulk SQL and committed in
chunks of a month:

* a few sales teams (``Storage bench team N``; their first member leads the team and is a KPI
  manager), one KPI profile, the users (``bench_stor_N``, created by the ORM) and the rules
  (``storage bench rule N``, on the built-in templates taken in turn);
* one ``kpi_result`` row per rule, user and day of the last ``--days`` days up to yesterday,
  with the columns the engine stores: value, target, score and status (about 10% no data, the
  rest reached / warning / off track as the value falls), the records counted (``record_ids``,
  a JSON array of as many ids as the value, 0 to 15), the profile, the team, the company of the
  rule, pilot false, the off-track streak, ``computed_at``, ``res_model`` and the audit columns.

and removes all of it at the end (in a ``finally``: also after an error or Ctrl-C), as well as
what an interrupted earlier run left (found by the names above). Then it measures, each line the
best of 3 runs from the same state (a savepoint rolled back after it):

* sizes: the heap, TOAST, each index, bytes per row, the share of ``record_ids`` and of the
  audit columns (``_log_access``), and ``record_ids`` as ``int[]`` instead of ``jsonb`` (on a
  sample);
* one night's write: the engine's own upsert (``kpi.rule._upsert_results`` of every rule, the
  columns built as ``_result_columns`` builds them, for the users' new day), against its floor,
  the same rows inserted into an unindexed temporary table;
* the reads: My KPIs (``get_my_kpis`` and ``get_kpi_history``, median of 20 loads as the user),
  the Team KPIs screens (the latest results of one team, the month's pivot by user and KPI, as
  the team leader), the period scores of a month and of a night (the week, month, quarter and
  year in progress: the daily results of every rule read at once, then
  ``kpi.period.result._store_periods`` of each rule, as ``_cron_analyse`` runs them), the bonus
  reads of a quarter for all users
  (``kpi.result._read_recorded`` and ``_read_daily``);
* VACUUM (plain) after a night's write was committed and after that night was written again
  (the ON CONFLICT update: one dead row per result), and VACUUM ANALYZE;
* the index scans of each read per index (``pg_stat_user_indexes``, committed between the
  reads so that the counters are flushed), the cost of each secondary index and of each foreign
  key on the night's write (dropped in a savepoint, the night replayed, rolled back), and what
  deleting a user costs in the triggers of the foreign keys of ``kpi_result``;
* compaction: an ESTIMATE, from ``pg_column_size``, of what clearing ``record_ids`` (or deleting
  the rows) older than 90 days would free.

The tables are printed and written to ``bench/RESULTS.md`` in a section of its own (``##
Storage: ...``, replaced on each run, the other sections kept).

Usage::

    .venv/bin/python bench/bench_storage.py -c .odoo/odoo.conf -d kpi_bench [--scale small]
        [--users N] [--rules N] [--days N] [--no-write]

``--scale``: tiny (20 users x 5 rules x 30 days: what the test suite runs, in its transaction,
without committing), small (300 x 20 x 365 = 2.2M rows; the default), large (3,000 x 20 x 365 =
21.9M rows, the issue's figure: long). ``make bench-storage BENCH_ARGS="--scale large"``.
"""

import argparse
import datetime
import json
import os
import random
import signal
import statistics
import sys
import time
from collections import defaultdict

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tools import SQL

SCALES = {
    "tiny": (20, 5, 30),
    "small": (300, 20, 365),
    "large": (3_000, 20, 365),
}
DATABASE_PREFIXES = ("kpi_bench", "kpi_stor")
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")
SECTION = "## Storage"
REPEAT = 3
#: the costs of the indexes and foreign keys are differences of a few percent: more runs
COST_REPEAT = 5
LOADS = 20
CHUNK_DAYS = 31
COMPACT_DAYS = 90
RULE_PREFIX = "storage bench rule "
LOGIN_PREFIX = "bench_stor_"
TEAM_PREFIX = "Storage bench team "
PROFILE_NAME = "Storage bench profile"
ONE_DAY = datetime.timedelta(days=1)
MIB = 1024 * 1024


class Line:
    """One figure: a time (``seconds``) or a size (``value`` bytes), with a note."""

    def __init__(self, name, seconds=None, note="", value=None, queries=None):
        self.name, self.seconds, self.note, self.value = name, seconds, note, value
        self.queries = queries


def check_database(dbname):
    if not dbname.startswith(DATABASE_PREFIXES):
        raise SystemExit(
            "bench_storage writes and removes its data in the database it is given: refused on "
            "%r, whose name does not start with %s" % (dbname, " or ".join(DATABASE_PREFIXES)))


# ------------------------------------------------------------------------------ data
def template_xmlids(env):
    """The built-in templates (``kpi_management.kpi_template_*``), in a fixed order."""
    data = env["ir.model.data"].search([("module", "=", "kpi_management"),
                                        ("model", "=", "kpi.template"),
                                        ("name", "=like", "kpi_template_%")], order="name")
    return [env["kpi.template"].browse(d.res_id) for d in data]


def cleanup(env, commit=False):
    """Remove everything a run created (found by its names): results, rules, users and their
    partners, teams, profile. Returns the number of results deleted.

    With ``commit``, the results are deleted and committed, then vacuumed, before the users:
    deleting a user checks the ``create_uid`` / ``write_uid`` foreign keys of ``kpi_result``,
    which no index serves (a scan of the whole table, dead rows included, per user)."""
    cr = env.cr
    env.flush_all()
    rules = env["kpi.rule"].with_context(active_test=False).search(
        [("name", "=like", RULE_PREFIX + "%")])
    users = env["res.users"].with_context(active_test=False).search(
        [("login", "=like", LOGIN_PREFIX + "%")])
    cr.execute(SQL("DELETE FROM kpi_result WHERE rule_id = ANY(%s) OR user_id = ANY(%s)",
                   rules.ids, users.ids))
    deleted = cr.rowcount
    env.invalidate_all()
    if commit and deleted:
        cr.commit()
        vacuum(env, "VACUUM kpi_result")
    rules.unlink()
    if users:
        partners = users.partner_id
        env["crm.team.member"].with_context(active_test=False).search(
            [("user_id", "in", users.ids)]).unlink()
        users.unlink()
        partners.unlink()
    env["crm.team"].with_context(active_test=False).search(
        [("name", "=like", TEAM_PREFIX + "%")]).unlink()
    env["kpi.profile"].with_context(active_test=False).search(
        [("name", "=", PROFILE_NAME)]).unlink()
    env.flush_all()
    return deleted


def build_data(env, n_users, n_rules, n_days, commit, out):
    """Teams, profile, users, rules, then the results of the ``n_days`` days up to yesterday,
    one INSERT ... SELECT per month (committed after each when ``commit``), in the order the
    nightly job writes them (day, then rule, then user: one statement per rule and night), so
    that a rule's rows of a day lie together in the table as they do in a real database."""
    cr = env.cr
    n_teams = max(2, min(10, n_users // 30))
    teams = env["crm.team"].create([{"name": TEAM_PREFIX + str(i)} for i in range(n_teams)])
    profile = env["kpi.profile"].create({"name": PROFILE_NAME})
    salesman = env.ref("sales_team.group_sale_salesman")
    manager = env.ref("kpi_management.group_kpi_manager")
    per_team = -(-n_users // n_teams)
    users = env["res.users"].with_context(no_reset_password=True, tracking_disable=True).create([
        {"name": "Storage bench user %s" % i, "login": LOGIN_PREFIX + str(i), "tz": "UTC",
         "kpi_profile_id": profile.id,
         "group_ids": [Command.set([salesman.id] + ([manager.id] if i % per_team == 0 else []))]}
        for i in range(n_users)])
    env["crm.team.member"].create([{"crm_team_id": teams[i // per_team].id, "user_id": user.id}
                                   for i, user in enumerate(users)])
    for i, team in enumerate(teams):
        team.user_id = users[i * per_team]
    templates = template_xmlids(env)
    rules = env["kpi.rule"].create([
        {"name": RULE_PREFIX + str(i), "target": 10, "min_amount": 10_000,
         "template_id": templates[i % len(templates)].id,
         "profile_ids": [Command.set(profile.ids)]}
        for i in range(n_rules)])
    env.flush_all()
    user_teams = {u.id: u.sale_team_id.id for u in users}
    cr.execute("SELECT setseed(0.22)")
    # the records counted: an array of v ids for a value v (0..15), 64 variants per length
    cr.execute("DROP TABLE IF EXISTS pg_temp.stor_ids")
    cr.execute(
        """CREATE TEMPORARY TABLE stor_ids AS
           SELECT k, (SELECT COALESCE(jsonb_agg(100000 + floor(random() * 900000)::int
                                                ORDER BY i), '[]'::jsonb)
                        FROM generate_series(1, k / 64) i) AS ids
             FROM generate_series(0, 16 * 64 - 1) k""")
    last = fields.Date.context_today(env["kpi.result"]) - ONE_DAY
    first = last - datetime.timedelta(days=n_days - 1)
    if commit:
        cr.commit()
    start, rows = first, 0
    while start <= last:
        end = min(start + datetime.timedelta(days=CHUNK_DAYS - 1), last)
        cr.execute(SQL(
            """INSERT INTO kpi_result (rule_id, user_id, date, value, target, score, status,
                                       record_ids, res_model, company_id, computed_at,
                                       profile_id, team_id, pilot, off_track_streak)
               SELECT x.rule_id, x.user_id, x.day, CASE WHEN NOT x.nd THEN x.v END, 10,
                      CASE WHEN NOT x.nd THEN least(x.v * 10.0, 200) END,
                      CASE WHEN x.nd THEN 'no_data' WHEN x.v >= 10 THEN 'reached'
                           WHEN x.v >= 8 THEN 'warning' ELSE 'off_track' END,
                      CASE WHEN x.nd THEN '[]'::jsonb ELSE i.ids END,
                      x.res_model, x.company_id, x.at, %(profile)s, x.team_id, FALSE,
                      CASE WHEN NOT x.nd AND x.v < 8 THEN 1 + (x.day - date '2000-01-01') %% 5
                           ELSE 0 END
                 FROM (SELECT y.*, random() < 0.1 AS nd, y.v * 64 + floor(random() * 64)::int AS k
                         FROM (SELECT r.rule_id, r.res_model, r.company_id, u.user_id, u.team_id,
                                      d::date AS day, d + interval '1 hour' AS at,
                                      floor(random() * 16)::int AS v
                                 FROM generate_series(%(first)s::timestamp, %(last)s::timestamp,
                                                      interval '1 day') d,
                                      unnest(%(rules)s::int[], %(models)s::varchar[],
                                             %(companies)s::int[]) r(rule_id, res_model, company_id),
                                      unnest(%(users)s::int[], %(teams)s::int[]) u(user_id, team_id)
                              ) y
                      ) x
                 JOIN stor_ids i ON i.k = x.k
                ORDER BY x.day, x.rule_id, x.user_id""",
            profile=profile.id, uid=env.uid, first=start, last=end, rules=rules.ids,
            models=[r.template_id._get_res_model() for r in rules],
            companies=[r.company_id.id or None for r in rules],
            users=users.ids, teams=[user_teams[u] or None for u in users.ids]))
        rows += cr.rowcount
        if commit:
            cr.commit()
        out("  results up to %s: %s rows" % (end, rows))
        start = end + ONE_DAY
    cr.execute("DROP TABLE stor_ids")
    # the latest result of each rule and user, as the upgrade to 19.0.1.8.0 fills it
    env["kpi.result.latest"]._rebuild(None)
    if commit:
        cr.commit()
    return teams, users, rules, first, last, rows


# ----------------------------------------------------------------------------- timing
def best_of(env, fn, repeat=REPEAT, setup=None):
    """Best time of ``repeat`` runs of ``fn``, each rolled back (savepoint) and each after
    ``setup`` (not timed), and the queries of one run."""
    cr = env.cr
    best, queries = None, 0
    for _i in range(repeat):
        savepoint = cr.savepoint()
        if setup:
            setup()
        q0 = cr.sql_log_count
        start = time.perf_counter()
        fn()
        env.flush_all()
        elapsed = time.perf_counter() - start
        queries = cr.sql_log_count - q0
        best = elapsed if best is None else min(best, elapsed)
        savepoint.close(rollback=True)
        env.invalidate_all(flush=False)
    return best, queries


def median_of(env, fn, loads=LOADS, warmup=3):
    """Median time of ``loads`` calls (after ``warmup``), the ORM cache emptied before each."""
    times, queries = [], 0
    for i in range(loads + warmup):
        env.invalidate_all()
        q0 = env.cr.sql_log_count
        start = time.perf_counter()
        fn()
        if i >= warmup:
            times.append(time.perf_counter() - start)
            queries = env.cr.sql_log_count - q0
    return statistics.median(times), queries


# --------------------------------------------------------------------------- the night
def night_columns(rules, user_ids, day):
    """``{rule_id: (columns, res_model)}``: one new day for every user, as ``_result_columns``
    builds them (value 0..15, as many record ids, about 10% without data)."""
    rng = random.Random(22)
    nights = {}
    for rule in rules:
        columns = defaultdict(list)
        currency_id = (rule.company_id or rule.env.company).currency_id.id
        for user_id in user_ids:
            value = rng.randrange(16)
            has_data = rng.random() >= 0.1
            score, status = rule._score(value, 10.0, has_data)
            columns["user"].append(user_id)
            columns["day"].append(day)
            columns["value"].append(value if has_data else None)
            columns["target"].append(10.0)
            columns["score"].append(score)
            columns["status"].append(status)
            columns["ids"].append(json.dumps(
                sorted(rng.randrange(100000, 1000000) for _ in range(value)) if has_data else []))
            columns["baseline"].append(None)
            columns["currency"].append(currency_id)
        nights[rule.id] = (columns, rule.template_id._get_res_model())
    return nights


def write_night(env, rules, nights, now):
    for rule in rules:
        columns, res_model = nights[rule.id]
        rule._upsert_results(columns, res_model, [], now)


def write_floor(env, rules, nights, now):
    """The same rows into an unindexed temporary table: no conflict, no streak, no FK."""
    for rule in rules:
        columns, res_model = nights[rule.id]
        env.cr.execute(SQL(
            """INSERT INTO stor_floor (rule_id, user_id, date, value, target, score, status,
                                       record_ids, res_model, company_id, currency_id,
                                       computed_at, profile_id, team_id, pilot,
                                       off_track_streak)
               SELECT %(rule)s, x.u, x.d, x.v, x.t, x.s, x.st, x.ids::jsonb, %(model)s,
                      %(company)s, x.cur, %(now)s, u.kpi_profile_id, u.sale_team_id, FALSE, 0
                 FROM unnest(%(users)s::int[], %(days)s::date[], %(values)s::float[],
                             %(targets)s::float[], %(scores)s::float[], %(statuses)s::varchar[],
                             %(ids)s::text[], %(currencies)s::int[])
                      AS x(u, d, v, t, s, st, ids, cur)
                 JOIN res_users u ON u.id = x.u""",
            rule=rule.id, model=res_model, company=rule.company_id.id or None, now=now,
            uid=env.uid, users=columns["user"], days=columns["day"], values=columns["value"],
            targets=columns["target"], scores=columns["score"], statuses=columns["status"],
            ids=columns["ids"], currencies=columns["currency"]))


# ------------------------------------------------------------------------------ sizes
def size_lines(env, rule_ids, first, last):
    cr = env.cr
    cr.execute("""SELECT pg_relation_size(c.oid), COALESCE(pg_total_relation_size(c.reltoastrelid), 0),
                         pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
                    FROM pg_class c WHERE c.oid = 'kpi_result'::regclass""")
    heap, toast, indexes, total = cr.fetchone()
    cr.execute("SELECT count(*) FROM kpi_result")
    table_rows = cr.fetchone()[0]
    per_row = total / table_rows if table_rows else 0
    lines = [
        Line("heap", value=heap), Line("TOAST", value=toast),
        Line("all indexes", value=indexes), Line("total", value=total,
                                                 note="%.0f bytes per row (%s rows in the table)"
                                                 % (per_row, table_rows)),
    ]
    cr.execute("""SELECT i.indexrelid::regclass::text, pg_relation_size(i.indexrelid)
                    FROM pg_index i WHERE i.indrelid = 'kpi_result'::regclass ORDER BY 1""")
    lines += [Line("index " + name, value=size) for name, size in cr.fetchall()]
    cr.execute(SQL(
        """SELECT count(*), sum(pg_column_size(record_ids)),
                  0,  -- no log-access columns since 19.0.1.7.0
                  avg(jsonb_array_length(record_ids)),
                  count(*) FILTER (WHERE date < %(old)s),
                  sum(pg_column_size(record_ids)) FILTER (WHERE date < %(old)s),
                  sum(pg_column_size(kpi_result.*)) FILTER (WHERE date < %(old)s),
                  sum(pg_column_size(kpi_result.*))
             FROM kpi_result WHERE rule_id = ANY(%(rules)s)""",
        rules=rule_ids, old=last - datetime.timedelta(days=COMPACT_DAYS - 1)))
    rows, ids_bytes, audit_bytes, avg_ids, old_rows, old_ids, old_tuples, tuples = cr.fetchone()
    ids_bytes, audit_bytes, old_ids = ids_bytes or 0, audit_bytes or 0, old_ids or 0
    old_tuples, tuples = old_tuples or 0, tuples or 0
    lines += [
        Line("rows of the run", value=rows, note="users x rules x days"),
        Line("tuples' data (the run's rows)", value=tuples,
             note="sum(pg_column_size(row)): %.0f bytes per row, without the 24-byte tuple "
             "header and 4-byte line pointer" % (tuples / rows if rows else 0)),
        Line("record_ids (jsonb)", value=ids_bytes, note="%.1f%% of the heap, %.0f bytes per row, "
             "%.1f ids per row on average" % (100 * ids_bytes / heap if heap else 0,
                                             ids_bytes / rows if rows else 0, avg_ids or 0)),
        Line("audit columns (_log_access)", value=audit_bytes,
             note="none since 19.0.1.7.0 (were create_uid/date, write_uid/date: 24 bytes "
             "per row, 9% of the heap, and two foreign keys checked on every write)"),
    ]
    # record_ids as int[] instead of jsonb, on a sample of about 100,000 rows
    percent = min(100.0, 100.0 * 100_000 / rows) if rows else 100.0
    cr.execute(SQL(
        """SELECT count(*), sum(pg_column_size(record_ids)),
                  sum(pg_column_size(ARRAY(SELECT jsonb_array_elements_text(record_ids)::int)))
             FROM kpi_result TABLESAMPLE SYSTEM (%s) REPEATABLE (22)
            WHERE rule_id = ANY(%s)""", percent, rule_ids))
    sample, as_jsonb, as_array = cr.fetchone()
    if sample:
        lines.append(Line("record_ids as int[] (estimate)", value=int(as_array / sample * rows),
                          note="ESTIMATE on a %s-row sample: %.0f bytes per row as int[] against "
                          "%.0f as jsonb" % (sample, as_array / sample, as_jsonb / sample)))
    old_share = old_tuples / tuples if tuples else 0
    lines += [
        Line("compaction: record_ids NULL before %s days (estimate)" % COMPACT_DAYS, value=old_ids,
             note="ESTIMATE (pg_column_size, not measured after VACUUM): %s rows older than %s "
             "days; the space is reused by new rows after VACUUM, the files do not shrink"
             % (old_rows, COMPACT_DAYS)),
        Line("retention: rows older than %s days deleted (estimate)" % COMPACT_DAYS,
             value=int(total * old_share),
             note="ESTIMATE: their share of the tuples' bytes (%.0f%%) of the total size, "
             "indexes included" % (100 * old_share)),
    ]
    return lines


# ------------------------------------------------------------------------------ reads
def read_workloads(env, rules, teams, users, first, last):
    """``[(name, fn, median, note[, floor])]``: the reads of the screens and jobs, as their
    users; ``floor``: the name of an earlier line that is this one's floor (its ratio goes into
    the note)."""
    Result = env["kpi.result"]
    user = users[len(users) // 2]
    leader = teams[0].user_id
    uenv = env(user=user.id, su=False)
    lenv = env(user=leader.id, su=False)
    month_from, month_to = _period(last - datetime.timedelta(days=min(30, (last - first).days)),
                                   "month", first, last)
    quarter_from, quarter_to = _period(last - datetime.timedelta(days=min(91, (last - first).days)),
                                       "quarter", first, last)
    team = teams[0].id
    spans = dict.fromkeys(users.ids, (quarter_from, quarter_to))

    def period_scores(periods_of):
        """What the nightly job does for each period type (``_cron_analyse``): the daily
        results of every rule read at once, then each rule's scores stored."""
        Period = env["kpi.period.result"]
        now = fields.Datetime.now()
        for period_type, periods in periods_of:
            daily = Period._read_daily_summaries(rules, period_type, periods)
            for rule in rules:
                Period._store_periods(rule, period_type, periods, now=now,
                                      daily=daily.get(rule.id, {}))

    # a night's periods in progress: the week, month, quarter and year of the last day
    night = [(period_type, [_period(last, period_type, first, last)])
             for period_type in ("week", "month", "quarter", "year")]

    def period_floor():
        """The floor of a night's period scores: each period's sums per rule and user (the
        figures an average needs) written into an unindexed table, one statement per period
        type, nothing else."""
        for i, (_period_type, periods) in enumerate(night):
            env.cr.execute(SQL(
                """CREATE TEMPORARY TABLE %s AS
                   SELECT rule_id, user_id, count(*) AS n, avg(value) AS v, avg(target) AS t,
                          avg(score) AS s, max(date) AS d
                     FROM kpi_result
                    WHERE rule_id = ANY(%s) AND date BETWEEN %s AND %s
                    GROUP BY rule_id, user_id""",
                SQL.identifier("stor_period_floor_%s" % i), rules.ids, periods[0][0],
                periods[0][1]))

    def daily_floor():
        """The floor of the bonus's daily read: the same rows fetched by the cursor."""
        env.cr.execute(SQL(
            """SELECT rule_id, user_id, date, value, target, score, status FROM kpi_result
                WHERE rule_id = ANY(%s) AND user_id = ANY(%s) AND date BETWEEN %s AND %s""",
            rules.ids, users.ids, quarter_from, quarter_to))
        env.cr.fetchall()

    return [
        ("My KPIs get_my_kpis (1 user)", lambda: uenv["kpi.result"].get_my_kpis(), True,
         "median of %s loads, as the user" % LOADS),
        ("My KPIs get_kpi_history (1 rule, year)",
         lambda: uenv["kpi.result"].get_kpi_history(rules[0].id, period="year"), True,
         "median of %s loads, as the user" % LOADS),
        ("Team KPIs: latest of one team",
         lambda: lenv["kpi.result"].search_read(
             [("team_id", "=", team), ("is_latest", "=", True)],
             ["rule_id", "user_id", "date", "value", "target", "score", "status",
              "off_track_streak", "pilot"]), True,
         "median of %s loads, as the team leader (record rules apply)" % LOADS),
        ("Team KPIs: pivot user x KPI, %s" % month_from.strftime("%B %Y"),
         lambda: lenv["kpi.result"].formatted_read_group(
             [("team_id", "=", team), ("date", ">=", month_from), ("date", "<=", month_to)],
             ["user_id", "rule_id"], ["score:avg", "__count"]), True,
         "median of %s loads, as the team leader" % LOADS),
        ("period scores: %s, all users (_store_periods)" % month_from.strftime("%B %Y"),
         lambda: period_scores([("month", [(month_from, month_to)])]), False,
         "every rule, rolled back"),
        ("period scores: floor of a night, the sums of each period into an unindexed table",
         period_floor, False, "one GROUP BY per period type, rolled back"),
        ("period scores: a night (week, month, quarter, year in progress), all users",
         lambda: period_scores(night), False,
         "what _cron_analyse stores each night; every rule, rolled back",
         "period scores: floor of a night, the sums of each period into an unindexed table"),
        ("bonus: _read_recorded, %s..%s, all users" % (quarter_from, quarter_to),
         lambda: Result._read_recorded(rules.ids, spans), False, ""),
        ("bonus: floor of _read_daily, the same rows fetched", daily_floor, False, ""),
        ("bonus: _read_daily, %s..%s, all users" % (quarter_from, quarter_to),
         lambda: Result._read_daily(rules.ids, users.ids, quarter_from, quarter_to), False, "",
         "bonus: floor of _read_daily, the same rows fetched"),
    ]


def _period(day, period_type, first, last):
    from odoo.addons.kpi_management.tools import calendar

    date_from, date_to = calendar.period_bounds(day, period_type)
    return max(date_from, first), min(date_to, last)


def index_scans(env):
    """``({index: idx_scan}, seq_scan)`` of ``kpi_result`` as the statistics show them now."""
    cr = env.cr
    cr.execute("SELECT pg_stat_clear_snapshot()")
    cr.execute("""SELECT indexrelname, idx_scan FROM pg_stat_user_indexes
                   WHERE relid = 'kpi_result'::regclass""")
    scans = dict(cr.fetchall())
    cr.execute("SELECT seq_scan FROM pg_stat_user_tables WHERE relid = 'kpi_result'::regclass")
    return scans, cr.fetchone()[0]


def flush_stats(env):
    """Commit, which makes this backend report its statistics (forced: PostgreSQL 15+)."""
    env.cr.execute("SELECT pg_stat_force_next_flush()")
    env.cr.commit()


# ----------------------------------------------------------------------------- vacuum
def vacuum(env, statement):
    """Time ``statement`` (VACUUM ...) on a connection of its own in autocommit mode."""
    from odoo.sql_db import db_connect

    cr = db_connect(env.cr.dbname).cursor()
    try:
        cr._cnx.autocommit = True
        start = time.perf_counter()
        cr.execute(statement)
        return time.perf_counter() - start
    finally:
        cr.close()


def dead_rows(env):
    env.cr.execute("SELECT pg_stat_clear_snapshot()")
    env.cr.execute("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'kpi_result'::regclass")
    return env.cr.fetchone()[0]


# ------------------------------------------------------------------------------ costs
def secondary_indexes(env):
    env.cr.execute("""SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                       WHERE i.indrelid = 'kpi_result'::regclass AND NOT i.indisprimary
                         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                       ORDER BY 1""")
    return [row[0] for row in env.cr.fetchall()]


def foreign_keys(env):
    env.cr.execute("""SELECT conname, confdeltype FROM pg_constraint
                       WHERE conrelid = 'kpi_result'::regclass AND contype = 'f' ORDER BY 1""")
    kinds = {"c": "cascade", "n": "set null", "r": "restrict", "a": "no action", "d": "set default"}
    return [(name, kinds.get(kind, kind)) for name, kind in env.cr.fetchall()]


def without(env, statements, fn):
    """``(base, variant)``: the best times of ``fn`` as it is and after ``statements`` (not
    timed), :data:`COST_REPEAT` runs of each taken in turn (the load of the machine drifts
    alike for both), all rolled back."""
    def setup():
        for statement in statements:
            env.cr.execute(statement)
    base, variant = [], []
    for _i in range(COST_REPEAT):
        base.append(best_of(env, fn, repeat=1)[0])
        variant.append(best_of(env, fn, repeat=1, setup=setup)[0])
    return min(base), min(variant)


def delete_user_triggers(env, user_id):
    """The time of the triggers of ``kpi_result``'s foreign keys when ``user_id`` is deleted
    (EXPLAIN ANALYZE of the DELETE, rolled back), or the error that prevents it."""
    cr = env.cr
    savepoint = cr.savepoint()
    try:
        cr.execute(SQL("EXPLAIN (ANALYZE, FORMAT JSON) DELETE FROM res_users WHERE id = %s",
                       user_id))
        plan = cr.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        triggers = plan[0].get("Triggers", [])
        return {t.get("Constraint Name", t.get("Trigger Name")): t["Time"] / 1000
                for t in triggers if t.get("Relation") == "kpi_result"
                or str(t.get("Constraint Name", "")).startswith("kpi_result_")}, None
    except Exception as exc:  # noqa: BLE001 - reported as a figure's note
        return {}, str(exc).splitlines()[0]
    finally:
        savepoint.close(rollback=True)


# --------------------------------------------------------------------------------- run
def run(env, scale="small", n_users=None, n_rules=None, n_days=None, out=print, commit=True):
    """Build the data of ``scale``, measure, print the tables and return ``(lines, table)``.

    With ``commit`` (the script), the data is committed in chunks, the VACUUM lines and the
    index scans per read are measured, and everything is removed and committed at the end;
    only on a database named ``kpi_bench*`` or ``kpi_stor*``. Without (the test suite),
    nothing is committed: the VACUUM lines and the index scans are skipped, and what the run
    created is removed all the same."""
    if commit:
        check_database(env.cr.dbname)
    env = env(su=True, context=dict(env.context, tracking_disable=True, tz="UTC",
                                     mail_notrack=True, mail_create_nolog=True))
    default = SCALES[scale]
    n_users, n_rules, n_days = n_users or default[0], n_rules or default[1], n_days or default[2]
    lines = []
    # without committing, an error rolls back to here: the cleanup could not run in an aborted
    # transaction, and the rollback removes the run's data as well
    savepoint = None if commit else env.cr.savepoint()
    failed = False
    try:
        leftover = cleanup(env, commit)
        if commit:
            env.cr.commit()
        if leftover:
            out("removed %s results left by an earlier run" % leftover)
        out("Scale %s: %s users x %s rules x %s days (%s)..." % (
            scale, n_users, n_rules, n_days,
            "committed, removed at the end" if commit else "not committed"))
        start = time.perf_counter()
        teams, users, rules, first, last, rows = build_data(env, n_users, n_rules, n_days,
                                                            commit, out)
        lines.append(Line("bulk load (INSERT ... SELECT, %s chunks)" % -(-n_days // CHUNK_DAYS),
                          time.perf_counter() - start, "%s rows, users and rules included" % rows))
        if commit:
            lines.append(Line("first VACUUM ANALYZE after the load",
                              vacuum(env, "VACUUM ANALYZE kpi_result"), "one run"))
        else:
            env.cr.execute("ANALYZE kpi_result")
        lines += measure_all(env, teams, users, rules, first, last, commit, out)
        table = format_tables(scale, n_users, n_rules, n_days, rows, lines, env)
        out(table)
        return lines, table
    except BaseException:
        failed = True
        raise
    finally:
        if commit:
            env.cr.rollback()
        env.invalidate_all(flush=False)
        if savepoint and failed:
            savepoint.close(rollback=True)
            out("rolled back")
        else:
            start = time.perf_counter()
            deleted = cleanup(env, commit)
            if savepoint:
                savepoint.close(rollback=False)
            if commit:
                env.cr.commit()
                vacuum(env, "VACUUM ANALYZE kpi_result")
            out("cleanup: %s results and the run's rules, users and teams removed (%.1f s)"
                % (deleted, time.perf_counter() - start))


def measure_all(env, teams, users, rules, first, last, commit, out):
    cr = env.cr
    lines = size_lines(env, rules.ids, first, last)
    now = fields.Datetime.now()
    day = last + ONE_DAY
    env["res.users"].flush_model(["kpi_profile_id", "sale_team_id"])
    env["kpi.rule.rollout"].flush_model()
    nights = night_columns(rules, users.ids, day)
    night_rows = len(rules) * len(users)
    cr.execute("CREATE TEMPORARY TABLE stor_floor AS SELECT * FROM kpi_result LIMIT 0")
    floor, _queries = best_of(env, lambda: write_floor(env, rules, nights, now))
    night, queries = best_of(env, lambda: write_night(env, rules, nights, now))
    lines += [
        Line("night: floor, unindexed insert", floor, "%s rows" % night_rows),
        Line("night: engine upsert (_upsert_results x %s rules)" % len(rules), night,
             "%s rows, %.1fx the floor, %.1f us per row" % (night_rows, night / floor,
                                                            night / night_rows * 1e6),
             queries=queries),
    ]
    # reads, and the index scans of each (committed between them: the counters are flushed
    # at the end of a transaction)
    scans = {}
    if commit:
        flush_stats(env)
        vacuum(env, "VACUUM kpi_result")  # the rows of the rolled-back runs
    measured = {}
    for name, fn, is_screen, note, *floor in read_workloads(env, rules, teams, users, first,
                                                            last):
        before = index_scans(env) if commit else None
        if is_screen:
            seconds, queries = median_of(env, fn)
        else:
            seconds, queries = best_of(env, fn)
        measured[name] = seconds
        if floor:
            note = "; ".join(filter(None, [note, "%.1fx its floor" % (seconds
                                                                       / measured[floor[0]])]))
        lines.append(Line(name, seconds, note, queries=queries))
        if commit:
            flush_stats(env)
            after = index_scans(env)
            scans[name] = ({k: v - before[0].get(k, 0) for k, v in after[0].items()},
                           after[1] - before[1])
        out("  %s: %.4f s" % (name, seconds))
    # the write's cost of each secondary index and each foreign key, each against the write as
    # it is measured in turn with it
    if commit:
        vacuum(env, "VACUUM kpi_result")  # the rows of the rolled-back runs so far
    indexes = secondary_indexes(env)
    fks = foreign_keys(env)
    variants = [("index %s" % index, "the index", [SQL("DROP INDEX %s", SQL.identifier(index))])
                for index in indexes]
    variants.append(("any secondary index", "they", [SQL("DROP INDEX %s", SQL.identifier(i))
                                                      for i in indexes]))
    drop = "ALTER TABLE kpi_result DROP CONSTRAINT %s"
    variants += [("FK %s (on delete %s)" % (fk, kind), "the FK", [SQL(drop, SQL.identifier(fk))])
                 for fk, kind in fks]
    variants.append(("any FK", "they", [SQL(drop, SQL.identifier(fk)) for fk, _kind in fks]))
    for name, subject, statements in variants:
        base, seconds = without(env, statements, lambda: write_night(env, rules, nights, now))
        lines.append(Line("night without %s" % name, seconds,
                          "%s cost %+.1f%% of the write (%.4f s with, in turn, best of %s)" % (
                              subject, 100 * (base - seconds) / base, base, COST_REPEAT)))
    triggers, error = delete_user_triggers(env, users[-1].id)
    if error:
        lines.append(Line("delete a user: kpi_result FK triggers", None, "not measured: " + error))
    for constraint, seconds in sorted(triggers.items()):
        lines.append(Line("delete a user: trigger %s" % constraint, seconds,
                          "EXPLAIN ANALYZE, one run, %s results of the user" % (
                              len(rules) * (last - first + ONE_DAY).days)))
    cr.execute("DROP TABLE stor_floor")
    if commit:
        lines += vacuum_lines(env, rules, nights, now, night_rows)
    else:
        out("VACUUM and index scans per read: measured only when committing (the script)")
    lines.append(Line("index scans per read", None, "", value=scans))
    return lines


def vacuum_lines(env, rules, nights, now, night_rows):
    cr = env.cr
    lines = []
    vacuum(env, "VACUUM kpi_result")  # the rows of the rolled-back runs
    write_night(env, rules, nights, now)
    cr.commit()
    lines.append(Line("VACUUM after a night's insert (committed)",
                      vacuum(env, "VACUUM kpi_result"), "one run, %s new rows" % night_rows))
    write_night(env, rules, nights, now)  # the same night again: ON CONFLICT DO UPDATE
    flush_stats(env)  # commits, the dead rows counted
    dead = dead_rows(env)
    lines.append(Line("VACUUM after the night written again",
                      vacuum(env, "VACUUM kpi_result"),
                      "one run, %s dead rows before (the night's rows updated)" % dead))
    lines.append(Line("VACUUM ANALYZE", vacuum(env, "VACUUM ANALYZE kpi_result"), "one run"))
    day = next(iter(nights.values()))[0]["day"][0]
    cr.execute(SQL("DELETE FROM kpi_result WHERE rule_id = ANY(%s) AND date = %s", rules.ids, day))
    cr.commit()
    return lines


# ----------------------------------------------------------------------------- output
def _mib(value):
    return "%.1f MiB" % (value / MIB)


def format_tables(scale, n_users, n_rules, n_days, rows, lines, env):
    env.cr.execute("SHOW server_version")
    pg_version = "PostgreSQL " + env.cr.fetchone()[0]
    sizes = [line for line in lines if line.seconds is None and isinstance(line.value, int)]
    times = [line for line in lines if line.seconds is not None]
    out = ["%s: %s users x %s rules x %s days (%s rows)" % (SECTION, n_users, n_rules, n_days, rows),
           "", "Scale %s. %s" % (scale, machine(pg_version)), "",
           "Written by `bench/bench_storage.py` (see its docstring): the best of 3 runs per line "
           "(screens: the median of %s loads); VACUUM lines one run." % LOADS, "",
           "| size | bytes | MiB | note |", "|---|---:|---:|---|"]
    out += ["| %s | %s | %.1f | %s |" % (line.name, line.value, line.value / MIB, line.note)
            if line.name != "rows of the run" else "| %s | %s | | %s |" % (line.name, line.value, line.note)
            for line in sizes]
    out += ["", "| line | seconds | queries | note |", "|---|---:|---:|---|"]
    out += ["| %s | %.4f | %s | %s |" % (line.name, line.seconds,
                                          "" if line.queries is None else line.queries, line.note)
            for line in times]
    out += ["| %s | | | %s |" % (line.name, line.note) for line in lines
            if line.seconds is None and line.value is None]
    scans = next((line.value for line in lines if line.name == "index scans per read"), None)
    if scans:
        reads = list(scans)
        indexes = sorted({index for by_index, _seq in scans.values() for index in by_index})
        out += ["", "Index scans of each read (pg_stat_user_indexes, all its runs):", "",
                "| index | " + " | ".join(reads) + " |",
                "|---|" + "---:|" * len(reads)]
        out += ["| %s | %s |" % (index, " | ".join(str(scans[r][0].get(index, 0)) for r in reads))
                for index in indexes]
        out.append("| (sequential scans of the table) | %s |" % " | ".join(
            str(scans[r][1]) for r in reads))
    return "\n".join(out + [""])


def engine_bench():
    """``bench/bench_engine.py``, loaded from beside this file (the benchmarks are scripts, not
    a package): its description of the machine and its writer of ``bench/RESULTS.md``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_engine", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "bench_engine.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def machine(pg_version):
    return engine_bench().machine(pg_version)


def write_results(table, path=RESULTS):
    """Replace the ``## Storage`` section of ``bench/RESULTS.md`` (or add it after the
    others); every other section is kept as it is."""
    engine_bench().write_section(table, lambda section: section.startswith(SECTION), path)


def main():
    import odoo
    from odoo.modules.registry import Registry

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--users", type=int)
    parser.add_argument("--rules", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()
    check_database(args.database)
    # a kill (SIGTERM) ends the run as Ctrl-C does: through the cleanup
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    # not compacted first, unlike the engine benchmark (``bench_engine.compact``): the study
    # measures writes into tables it does not commit (the period scores), and statistics of
    # those tables taken empty made PostgreSQL join 240,000 period rows row by row (a night's
    # period scores ran for over 20 minutes instead of 25 s, 5 December)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        _lines, table = run(env, args.scale, args.users, args.rules, args.days)
    if not args.no_write:
        write_results(table)
        print("written to %s" % RESULTS)


if __name__ == "__main__":
    main()
