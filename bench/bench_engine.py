"""Benchmark of the nightly KPI evaluation against its physical floor and Odoo gamification:
figures and ratios, not a test.

Builds, in a transaction rolled back at the end, the users of a scale (one KPI profile, their
timezones taken in turn among Europe/Copenhagen, America/New_York, Asia/Tokyo and UTC), customer
companies (one in three a key account with a salesperson), two years of leads (about 25% won,
35% lost, 40% open, in real CRM stages) and of meetings (organised by a user, attended by them
and a customer contact; about 3% cancelled), all with bulk SQL (``INSERT ... SELECT
generate_series``; the users alone are created by the ORM), and the 3 rules of the run (won
deals, won revenue, meetings planned). What the other built-in templates read comes with it,
in bulk SQL too, in volumes proportional to the leads (:func:`build_activity`):

* on every lead: a cost price and extra hours (net profit, stored as Odoo computes it), an
  e-mail (9 leads in 10), a phone (5 in 6), an expected closing date (3 in 4) and a last stage
  change up to 29 days before its last update; the open stages rot after 30 days;
* new clients: one deal in five won in the last 60 days goes to a customer company of its own
  that never had a deal before;
* one open activity per 4 open leads (call, e-mail, meeting or to-do of the salesperson), due
  from 20 days ago to 19 days ahead: about half overdue;
* on the leads assigned in the last 90 days (about 10% of the leads: messages only there, to
  keep the build short): a customer e-mail each; the salesperson's note or message within 72
  hours on half of them; a done activity (a call, one in four an e-mail) on another half,
  overlapping, done between the assignment and now, with the notification it posts (an
  answer too); a quarter of them unanswered. About 2 messages and 0.5 done activity per lead.

Before the build, the database is compacted (:func:`compact`: ``VACUUM (FULL, ANALYZE)`` of its
tables of more than 1 MiB): each run starts from the same state, whatever an earlier run or the
storage study left behind. Then it measures, each line the best of 3 runs, every run from the
same state (a savepoint rolled back after it: a "new day" for the engine):

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
  ``kpi.period.result._cron_analyse()`` (period scores and discrepancy analysis) of the 3
  rules. ``ir.cron._commit_progress`` commits when it is not called from a cron worker: the
  benchmark patches it to a no-op so that everything stays in the rolled-back transaction;
* every built-in template (after the nightly lines, which stay those of the 3 rules): one
  rule per template of ``data/kpi_template_data.xml`` for every user, with the parameters its
  measure needs (large deals from 40,000; Call activities, the default required fields and
  growth against the previous period, the rules' defaults); the floors of the 17 other
  templates (:data:`EXTRA_FLOORS`: same kind of read and insert, written out per template in
  :data:`FLOOR_SQL`, with their sanity lines: a user with nothing to measure, a ratio or an
  average over nothing or a % growth against 0, must have no data on both sides) and their
  rules alone; a floor line summing the floors of every template, against the rules of every
  template in one ``evaluate()``, a new day. Its sanity lines count the results missing (each
  rule must store one per user) and the rules whose values are all 0 (the data misses what
  they measure).

Every line also shows its number of queries (``cr.sql_log_count``, one run) and its peak Python
memory: the peak of the memory Python allocated during one extra run of the line, untimed and
from the same state as the others (``tracemalloc``: started, its peak reset, the run, the peak
read, stopped; tracing slows Python down, so the timed runs are not traced). It counts what
Python allocates (records, caches, fetched rows: what grows when record ids travel through
Python one by one), not the memory of PostgreSQL nor the process's resident size.
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
import time
import tracemalloc
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
#: the other templates (every other built-in one has a floor, :data:`FLOOR_SQL`), measured among
#: the rules of every built-in template, in the templates' order
EXTRA_FLOORS = ("meetings_held", "new_clients", "kam_coverage", "conversion_rate",
                "response_time", "overdue_activities", "open_pipeline", "net_profit",
                "won_revenue_growth", "won_revenue_growth_pct", "won_deals_growth",
                "won_deals_growth_pct", "large_deals", "large_deals_share", "calls_made",
                "data_completeness", "rotting_opportunities")
#: the minimum amount of the large deals templates (the leads' revenue: 500 to 50,500)
MIN_AMOUNT = 40_000
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")
REPEAT = 3
ONE_DAY = datetime.timedelta(days=1)


# ------------------------------------------------------------------------------ data
def compact(registry, out=print):
    """Start from a compact database: ``VACUUM (FULL, ANALYZE)`` of its tables of more than
    1 MiB, in a connection of its own (VACUUM cannot run in a transaction), before the build.

    Every run leaves its rolled-back rows behind as dead rows, and the storage study (which
    deletes its year of results) and a large build leave tables and indexes hundreds of MiB
    long with nothing alive in them: scans then read the empty pages, and autovacuum cleans
    them while the next run measures. On 5 December the first of three identical small runs,
    started on a database left by a large run (``crm_lead`` 572 MiB and ``kpi_result``
    2,465 MiB holding no live row, autovacuum working on both during the run), measured the
    rules of every template at 0.998 s, the two next 0.498 and 0.564 s: the variance of that
    line between builds came from the database's state, not from the engine. Returns
    ``(MiB before, MiB after, tables)``."""
    with registry.cursor() as cr:
        cr.execute("""SELECT c.relname, pg_total_relation_size(c.oid)
                        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relkind = 'r'
                         AND pg_total_relation_size(c.oid) > 1024 * 1024
                       ORDER BY 2 DESC""")
        tables = cr.fetchall()
        cr.rollback()
        cr._cnx.autocommit = True  # VACUUM runs outside a transaction block
        try:
            for name, _size in tables:
                cr.execute(SQL("VACUUM (FULL, ANALYZE) %s", SQL.identifier(name)))
        finally:
            cr._cnx.autocommit = False
        cr.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                   "WHERE c.relname = ANY(%s) AND c.relkind = 'r'", [[n for n, _s in tables]])
        after = cr.fetchone()[0] or 0
    before = sum(size for _n, size in tables)
    mib = 1024 * 1024
    out("database compacted before the build: %d tables, %.0f MiB -> %.0f MiB"
        % (len(tables), before / mib, after / mib))
    return before / mib, after / mib, len(tables)


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
    cr.execute("SELECT COALESCE(max(id), 0) FROM crm_lead")
    first_lead = cr.fetchone()[0] + 1
    # two years of leads: ~25% won, ~35% lost (archived, as Odoo does), ~40% open; what the
    # other templates read is derived from each lead without drawing more random numbers
    # (the leads, meetings and attendees stay those drawn before it was added): net profit,
    # the fields of data_completeness, the last stage change
    cr.execute(SQL(
        """INSERT INTO crm_lead (name, type, active, user_id, partner_id, stage_id, won_status,
                                 probability, date_closed, kpi_date_won, expected_revenue,
                                 company_id, create_date, write_date, date_open,
                                 cost_price, extra_cost_hours, extra_cost_hour_rate,
                                 extra_cost_other, extra_costs, net_profit, email_from, phone,
                                 date_deadline, date_last_stage_update)
           SELECT name, type, active, user_id, partner_id, stage_id, won_status, probability,
                  date_closed, kpi_date_won, revenue, company_id, create_date, write_date,
                  date_open, cost, hours, 60, 0, hours * 60, revenue - cost - hours * 60,
                  CASE WHEN g %% 10 <> 0 THEN 'bench.lead' || g || '@example.com' END,
                  CASE WHEN g %% 6 <> 0 THEN '+45 7010 ' || lpad((g %% 10000)::text, 4, '0') END,
                  CASE WHEN g %% 4 <> 0 THEN (write_date + interval '45 days')::date END,
                  write_date - (g %% 30) * interval '1 day'
             FROM (
           SELECT g, 'Bench lead ' || g AS name, 'opportunity' AS type, s <> 'lost' AS active,
                  (%(users)s::int[])[1 + floor(random() * %(n)s)::int] AS user_id,
                  (%(companies)s::int[])[1 + floor(random() * %(nc)s)::int] AS partner_id,
                  CASE WHEN s = 'won' THEN %(won_stage)s
                       ELSE (%(open_stages)s::int[])[1 + g %% %(no)s] END AS stage_id,
                  s AS won_status,
                  CASE s WHEN 'won' THEN 100 WHEN 'lost' THEN 0 ELSE 10 + g %% 80 END
                      AS probability,
                  CASE WHEN s <> 'pending' THEN d END AS date_closed,
                  CASE WHEN s = 'won' THEN d END AS kpi_date_won,
                  round((500 + random() * 50000)::numeric, 2) AS revenue,
                  %(company)s AS company_id, d - interval '20 days' AS create_date,
                  d AS write_date, d - interval '20 days' AS date_open,
                  round((200 + (g %% 40) * 500)::numeric, 2) AS cost, g %% 20 AS hours
             FROM (SELECT g, CASE WHEN r < 0.25 THEN 'won' WHEN r < 0.60 THEN 'lost'
                                  ELSE 'pending' END AS s,
                          date_trunc('second', now() at time zone 'utc'
                                     - random() * interval '730 days') AS d
                     FROM (SELECT g, random() AS r FROM generate_series(1, %(leads)s) g) x) y
                  ) z""",
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
    build_activity(env, first_lead, open_stages)
    env.invalidate_all()
    rules = env["kpi.rule"].create([
        {"name": "bench " + code, "target": 10,
         "template_id": env.ref("kpi_management.kpi_template_%s" % code).id,
         "profile_ids": [Command.set(profile.ids)]}
        for code in TEMPLATES
    ])
    env.flush_all()
    cr.execute("ANALYZE crm_lead; ANALYZE calendar_event; ANALYZE calendar_attendee; "
               "ANALYZE res_partner; ANALYZE res_users; ANALYZE mail_activity; "
               "ANALYZE mail_message; ANALYZE mail_followers")
    return users, rules


def build_activity(env, first_lead, open_stages):
    """What the other built-in templates read, on the leads of the run (from ``first_lead``):
    rotting thresholds on the open stages, new customers, open and done activities, messages
    (see the module's docstring for the volumes)."""
    cr = env.cr
    now = SQL("(now() at time zone 'utc')")
    # rotting_opportunities: Odoo's stages have no threshold by default
    cr.execute(SQL("UPDATE crm_stage SET rotting_threshold_days = 30 WHERE id = ANY(%s)",
                   open_stages))
    # new_clients: one deal won in the last 60 days in five goes to a company of its own,
    # which never had a deal before
    # (the leads picked get their new company's id from the partners' sequence first: joining
    # the inserted partners back to their leads by name made the build quadratic in the leads)
    cr.execute(SQL(
        """CREATE TEMPORARY TABLE bench_new_client ON COMMIT DROP AS
           SELECT id AS lead_id, nextval('res_partner_id_seq') AS partner_id FROM crm_lead
            WHERE id >= %(first)s AND won_status = 'won'
              AND kpi_date_won >= %(now)s - interval '60 days' AND id %% 5 = 0""",
        first=first_lead, now=now))
    cr.execute(SQL(
        """INSERT INTO res_partner (id, name, complete_name, is_company, active, type,
                                    create_date, write_date)
           SELECT partner_id, 'Bench new customer ' || lead_id, 'Bench new customer ' || lead_id,
                  TRUE, TRUE, 'contact', %(now)s, %(now)s
             FROM bench_new_client""", now=now))
    cr.execute("ANALYZE bench_new_client")
    cr.execute("""UPDATE crm_lead l SET partner_id = b.partner_id
                    FROM bench_new_client b WHERE l.id = b.lead_id""")
    cr.execute("DROP TABLE bench_new_client")
    cr.execute("""UPDATE res_partner SET commercial_partner_id = id
                   WHERE commercial_partner_id IS NULL AND name LIKE 'Bench new customer %'""")
    # followers: Odoo subscribes the salesperson of every lead they are given (what a real
    # database holds, one row per lead; the night subscribes each user to their results). Left
    # out, the compacted table was nearly empty when PostgreSQL first planned the check of
    # its foreign key from the followers' subtypes, a sequential scan it kept for the run:
    # the nightly cron at 1,000 users took 3.2 s instead of 1.1 (see :func:`compact`)
    cr.execute(SQL(
        """INSERT INTO mail_followers (res_model, res_id, partner_id)
           SELECT 'crm.lead', l.id, u.partner_id FROM crm_lead l JOIN res_users u ON u.id = l.user_id
            WHERE l.id >= %s
           ON CONFLICT DO NOTHING""", first_lead))
    model_id = env["ir.model"]._get_id("crm.lead")
    types = [env.ref("mail.mail_activity_data_%s" % name).id
             for name in ("call", "email", "meeting", "todo")]
    call, email = types[0], types[1]
    # open activities: one per 4 open leads, due from 20 days ago to 19 days ahead (about
    # half overdue), of the 4 usual types, assigned to the salesperson
    cr.execute(SQL(
        """INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name, activity_type_id,
                                      summary, user_id, date_deadline, active, create_date,
                                      write_date)
           SELECT %(model)s, 'crm.lead', id, name, (%(types)s::int[])[1 + id %% 4],
                  'Bench activity', user_id, (%(now)s)::date + (id %% 40 - 20), TRUE,
                  create_date, create_date
             FROM crm_lead
            WHERE id >= %(first)s AND active AND won_status = 'pending' AND id %% 4 = 0""",
        model=model_id, types=types, now=now, first=first_lead))
    # the leads assigned in the last 90 days (response_time, calls_made): a customer e-mail on
    # each (about 2 messages per lead in all); the salesperson's note or message within 72
    # hours on half of them; on another half, overlapping, a call (one in four an e-mail)
    # done between the assignment and now, which posts its notification, an answer too
    # (the only one, often late, for a quarter of the leads); a quarter unanswered
    cr.execute(SQL(
        """CREATE TEMPORARY TABLE bench_recent ON COMMIT DROP AS
           SELECT l.id, l.name, l.user_id, u.partner_id AS user_partner, l.partner_id,
                  l.date_open,
                  l.date_open + random() * interval '12 hours' AS customer_at,
                  LEAST(l.date_open + random() * interval '72 hours', %(now)s) AS answer_at,
                  l.date_open + random() * (%(now)s - l.date_open) AS done_at
             FROM crm_lead l JOIN res_users u ON u.id = l.user_id
            WHERE l.id >= %(first)s AND l.date_open >= %(now)s - interval '90 days'""",
        now=now, first=first_lead))
    # statistics for the planner, which otherwise joins the temporary table row by row
    cr.execute("ANALYZE bench_recent")
    cr.execute(SQL(
        """WITH done AS (
               INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name,
                                          activity_type_id, summary, user_id, date_deadline,
                                          active, date_done, kpi_date_done, create_date,
                                          write_date)
               SELECT %(model)s, 'crm.lead', id, name,
                      CASE WHEN id %% 8 = 1 THEN %(email)s ELSE %(call)s END, 'Bench call',
                      user_id, done_at::date, FALSE, done_at::date, done_at, date_open, done_at
                 FROM bench_recent WHERE id %% 2 = 1
               RETURNING res_id, activity_type_id, kpi_date_done)
           INSERT INTO mail_message (model, res_id, message_type, subtype_id,
                                     mail_activity_type_id, author_id, date, body,
                                     create_date, write_date)
           SELECT 'crm.lead', r.id, 'notification', %(activities)s,
                  done.activity_type_id, r.user_partner, done.kpi_date_done,
                  '<p>Bench call done</p>', done.kpi_date_done, done.kpi_date_done
             FROM done JOIN bench_recent r ON r.id = done.res_id
           UNION ALL
           SELECT 'crm.lead', id, 'email', %(comment)s, NULL, partner_id, customer_at,
                  '<p>Bench customer e-mail</p>', customer_at, customer_at
             FROM bench_recent
           UNION ALL
           SELECT 'crm.lead', id, 'comment',
                  CASE WHEN id %% 4 = 2 THEN %(comment)s ELSE %(note)s END, NULL, user_partner,
                  answer_at, '<p>Bench answer</p>', answer_at, answer_at
             FROM bench_recent WHERE id %% 4 IN (1, 2)""",
        model=model_id, email=email, call=call,
        activities=env.ref("mail.mt_activities").id, comment=env.ref("mail.mt_comment").id,
        note=env.ref("mail.mt_note").id))
    cr.execute("DROP TABLE bench_recent")


# ----------------------------------------------------------------------------- timing
class Line:
    """One line of the table: best time of the runs, queries of one run, peak Python memory of
    the traced run (MiB)."""

    def __init__(self, name, seconds, queries, peak_mib, floor=None, note=""):
        self.name, self.seconds, self.queries, self.peak_mib = name, seconds, queries, peak_mib
        self.floor, self.note = floor, note


def traced_peak(fn):
    """``(peak MiB, result)``: the peak of the memory Python allocated while ``fn`` ran
    (``tracemalloc``; a tracing already under way, ``python -X tracemalloc``, is kept on)."""
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        out = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not tracing:
            tracemalloc.stop()
    return peak / 1024 / 1024, out


def measure(env, name, fn, repeat=REPEAT, keep=False, floor=None, note=""):
    """Run ``fn`` once traced (its peak Python memory), then ``repeat`` times timed, each run
    from the same state (a savepoint rolled back after it; the last timed run is kept when
    ``keep``): :class:`Line` and what the last run returned."""
    cr = env.cr

    def run_once():
        out = fn()
        env.flush_all()
        return out

    savepoint = cr.savepoint()
    peak_mib, _out = traced_peak(run_once)
    savepoint.close(rollback=True)
    env.invalidate_all(flush=False)
    best, queries, out = None, 0, None
    for i in range(repeat):
        savepoint = cr.savepoint()
        q0 = cr.sql_log_count
        start = time.perf_counter()
        out = run_once()
        elapsed = time.perf_counter() - start
        queries = cr.sql_log_count - q0
        best = elapsed if best is None else min(best, elapsed)
        savepoint.close(rollback=not (keep and i == repeat - 1))
        env.invalidate_all(flush=False)
    return Line(name, best, queries, peak_mib, floor, note), out


@contextmanager
def no_commit(env):
    """``ir.cron._commit_progress`` commits outside a cron worker: a no-op here."""
    with mock.patch.object(type(env["ir.cron"]), "_commit_progress",
                           lambda self, processed=0, remaining=None, deactivate=False: float("inf")):
        yield


# ------------------------------------------------------------------------------ floor
def code(rule):
    """The template of a rule of the run (``TEMPLATES``, ``EXTRA_FLOORS``)."""
    return rule.template_id.code


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


#: the events the users attend (not declined), and those a user organises without being an
#: attendee (an organiser who declined has a declined attendee row): ``(user_id, id)`` pairs read
#: from the events of the window (``calendar_event.start`` is indexed)
USER_EVENTS = """
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
                                WHERE d.event_id = e.id AND du.id = e.user_id)"""

#: a won deal (alias ``l``) of the users in the window
WON_IN_WINDOW = """l.active AND l.won_status = 'won' AND l.user_id = ANY(%(users)s)
                   AND l.kpi_date_won >= %(utc_from)s AND l.kpi_date_won < %(utc_to)s"""

#: the users' won deals of the window and of the comparison window, read as one range of the
#: won date from the first bound to the last, each summed apart (growth templates)
WON_GROWTH = """SELECT user_id,
                       {agg} FILTER (WHERE kpi_date_won >= %(utc_from)s
                                       AND kpi_date_won < %(utc_to)s) AS cur,
                       {agg} FILTER (WHERE kpi_date_won >= %(base_from)s
                                       AND kpi_date_won < %(base_to)s) AS base
                  FROM crm_lead
                 WHERE active AND won_status = 'won' AND user_id = ANY(%(users)s)
                   AND kpi_date_won >= %(lo)s AND kpi_date_won < %(hi)s
                 GROUP BY user_id"""

#: an open opportunity (alias ``l``) of the users
OPEN_OPPORTUNITY = """l.active AND l.type = 'opportunity' AND l.won_status = 'pending'
                      AND l.user_id = ANY(%(users)s)"""

#: the floor of every built-in template: the bare aggregate read of its values, ``(user_id,
#: value)``, for the users of one timezone with the fixed bounds of its window (see
#: :func:`floor_read` for the parameters). A user without a row has the value of
#: :data:`FLOOR_EMPTY` (0 unless said otherwise)
FLOOR_SQL = {
    "meetings_planned": "SELECT user_id, count(*) FROM (%s) x GROUP BY user_id" % USER_EVENTS,
    "meetings_held": "SELECT user_id, count(*) FROM (%s) x GROUP BY user_id" % USER_EVENTS,
    "won_deals": """SELECT user_id, count(*) FROM crm_lead
                     WHERE active AND won_status = 'won' AND user_id = ANY(%(users)s)
                       AND kpi_date_won >= %(utc_from)s AND kpi_date_won < %(utc_to)s
                     GROUP BY user_id""",
    "won_revenue": """SELECT user_id, sum(expected_revenue) FROM crm_lead
                       WHERE active AND won_status = 'won' AND user_id = ANY(%(users)s)
                         AND kpi_date_won >= %(utc_from)s AND kpi_date_won < %(utc_to)s
                       GROUP BY user_id""",
    # a deal of the window that is its company's first deal with a won date (any lead, archived,
    # lost or reopened since; ties broken by id): one per company
    "new_clients": """SELECT l.user_id, count(DISTINCT p.commercial_partner_id) FROM crm_lead l
                        JOIN res_partner p ON p.id = l.partner_id
                       WHERE %s
                         AND NOT EXISTS (
                             SELECT 1 FROM crm_lead e JOIN res_partner ep ON ep.id = e.partner_id
                              WHERE ep.commercial_partner_id = p.commercial_partner_id
                                AND (e.kpi_date_won, e.id) < (l.kpi_date_won, l.id))
                       GROUP BY l.user_id""" % WON_IN_WINDOW,
    # the user's active companies, and among them those whose people attended (not declined)
    # an event of the user in the window
    "kam_coverage": """
        WITH met AS (
            SELECT DISTINCT ev.user_id, ap.commercial_partner_id AS partner_id
              FROM (%s) ev
              JOIN calendar_attendee a ON a.event_id = ev.id
                                      AND a.state IS DISTINCT FROM 'declined'
              JOIN res_partner ap ON ap.id = a.partner_id)
        SELECT p.user_id, 100.0 * count(met.partner_id) / count(*) FROM res_partner p
          LEFT JOIN met ON met.user_id = p.user_id AND met.partner_id = p.id
         WHERE p.is_company AND p.active AND p.user_id = ANY(%%(users)s)
         GROUP BY p.user_id""" % USER_EVENTS,
    # won leads by their won date, lost (archived) ones by their closing date
    "conversion_rate": """
        SELECT user_id, 100.0 * count(*) FILTER (WHERE won_status = 'won') / count(*) FROM (
            SELECT user_id, won_status FROM crm_lead
             WHERE active AND won_status = 'won' AND user_id = ANY(%(users)s)
               AND kpi_date_won >= %(utc_from)s AND kpi_date_won < %(utc_to)s
            UNION ALL
            SELECT user_id, won_status FROM crm_lead
             WHERE NOT active AND won_status = 'lost' AND user_id = ANY(%(users)s)
               AND date_closed >= %(utc_from)s AND date_closed < %(utc_to)s) x
         GROUP BY user_id""",
    # per lead assigned in the window (lost ones too): the hours to the user's first e-mail,
    # note or done activity on it since, or to the window's end (LEAST ignores a NULL)
    "response_time": """
        SELECT l.user_id, round(avg(EXTRACT(EPOCH FROM (LEAST((
                   SELECT min(m.date) FROM mail_message m
                    WHERE m.model = 'crm.lead' AND m.res_id = l.id AND m.author_id = u.partner_id
                      AND m.date >= COALESCE(l.date_open, l.create_date)
                      AND (m.message_type IN ('comment', 'email', 'email_outgoing')
                           OR (m.message_type = 'notification'
                               AND m.mail_activity_type_id IS NOT NULL))),
                   %(utc_to)s) - COALESCE(l.date_open, l.create_date))) / 3600.0)::numeric, 2)
          FROM crm_lead l JOIN res_users u ON u.id = l.user_id
         WHERE (l.active OR l.won_status = 'lost') AND l.user_id = ANY(%(users)s)
           AND COALESCE(l.date_open, l.create_date) >= %(utc_from)s
           AND COALESCE(l.date_open, l.create_date) < %(utc_to)s
         GROUP BY l.user_id""",
    # KPI reminders excluded, as the measure does
    "overdue_activities": """SELECT user_id, count(*) FROM mail_activity
                              WHERE active AND user_id = ANY(%(users)s)
                                AND date_deadline < %(day)s
                                AND activity_type_id IS DISTINCT FROM %(reminder_type)s
                              GROUP BY user_id""",
    "open_pipeline": """SELECT user_id, sum(expected_revenue) FROM crm_lead
                         WHERE active AND type = 'opportunity' AND won_status = 'pending'
                           AND user_id = ANY(%(users)s)
                         GROUP BY user_id""",
    "net_profit": """SELECT user_id, sum(net_profit) FROM crm_lead
                      WHERE active AND won_status = 'won' AND user_id = ANY(%(users)s)
                        AND kpi_date_won >= %(utc_from)s AND kpi_date_won < %(utc_to)s
                      GROUP BY user_id""",
    "won_revenue_growth": """SELECT user_id, COALESCE(cur, 0) - COALESCE(base, 0)
                               FROM (%s) x""" % WON_GROWTH.format(agg="sum(expected_revenue)"),
    "won_revenue_growth_pct": """
        SELECT user_id, CASE WHEN base > 0 THEN
                   round((100.0 * (COALESCE(cur, 0) - base) / base)::numeric, 2) END
          FROM (%s) x""" % WON_GROWTH.format(agg="sum(expected_revenue)"),
    "won_deals_growth": """SELECT user_id, cur - base FROM (%s) x"""
                        % WON_GROWTH.format(agg="count(*)"),
    "won_deals_growth_pct": """
        SELECT user_id, CASE WHEN base > 0 THEN
                   round((100.0 * (cur - base) / base)::numeric, 2) END
          FROM (%s) x""" % WON_GROWTH.format(agg="count(*)"),
    "large_deals": """SELECT user_id, count(*) FROM crm_lead
                       WHERE active AND won_status = 'won' AND user_id = ANY(%(users)s)
                         AND kpi_date_won >= %(utc_from)s AND kpi_date_won < %(utc_to)s
                         AND expected_revenue >= %(min_amount)s
                       GROUP BY user_id""",
    "large_deals_share": """
        SELECT user_id, 100.0 * count(*) FILTER (WHERE expected_revenue >= %(min_amount)s)
                        / count(*)
          FROM crm_lead
         WHERE active AND won_status = 'won' AND user_id = ANY(%(users)s)
           AND kpi_date_won >= %(utc_from)s AND kpi_date_won < %(utc_to)s
         GROUP BY user_id""",
    # done (archived) activities of the rule's types, at the time they were done (else noon
    # UTC of their done date)
    "calls_made": """SELECT user_id, count(*) FROM mail_activity
                      WHERE NOT active AND user_id = ANY(%(users)s)
                        AND activity_type_id = ANY(%(activity_types)s)
                        AND COALESCE(kpi_date_done, date_done + time '12:00') >= %(utc_from)s
                        AND COALESCE(kpi_date_done, date_done + time '12:00') < %(utc_to)s
                      GROUP BY user_id""",
    # the default required fields (DATA_COMPLETENESS_FIELDS): customer, e-mail and phone not
    # blank, expected revenue not 0, expected closing
    "data_completeness": r"""
        SELECT l.user_id, 100.0 * count(*) FILTER (
                   WHERE l.partner_id IS NOT NULL AND l.email_from ~ '\S' AND l.phone ~ '\S'
                     AND l.expected_revenue <> 0 AND l.date_deadline IS NOT NULL) / count(*)
          FROM crm_lead l
         WHERE %s
         GROUP BY l.user_id""" % OPEN_OPPORTUNITY,
    # rotting at the user's local midnight: the stage's threshold after the last stage change
    "rotting_opportunities": """
        SELECT l.user_id, count(*) FROM crm_lead l
          JOIN crm_stage s ON s.id = l.stage_id AND s.rotting_threshold_days <> 0
         WHERE %s
           AND COALESCE(l.date_last_stage_update, l.create_date)
               + s.rotting_threshold_days * interval '1 day' < %%(utc_from)s
         GROUP BY l.user_id""" % OPEN_OPPORTUNITY,
}
#: the value of a user without a row in the floor's read: the ratios and averages over an
#: empty population and the % growths have no data (None), the counts and sums are 0
FLOOR_EMPTY = dict.fromkeys(
    ("kam_coverage", "conversion_rate", "response_time", "won_revenue_growth_pct",
     "won_deals_growth_pct", "large_deals_share", "data_completeness"), None)
#: the required fields the floor of data_completeness is written for (the rule's defaults)
DATA_COMPLETENESS_FIELDS = ("date_deadline", "email_from", "expected_revenue", "partner_id",
                            "phone")


def floor_read(env, rule, windows, reminder_type=None):
    """The bare aggregate read of ``rule``: ``{user_id: value}`` (``None``: no data), one query
    per timezone (``reminder_type``: the id of the KPI reminders' activity type, for overdue
    activities). The parameters of :data:`FLOOR_SQL`: the users, their day and window
    (``utc_from``, ``utc_to``; ``in_window`` for events), a growth rule's comparison window
    (``base_from``, ``base_to``; ``lo``, ``hi`` the range of both), :data:`MIN_AMOUNT` and the
    rule's activity types."""
    from odoo.addons.kpi_management.tools import scoring

    key = code(rule)
    if key == "data_completeness":
        fields_read = tuple(sorted(rule.lead_field_ids.mapped("name")))
        if fields_read != DATA_COMPLETENESS_FIELDS:
            raise ValueError("the floor of data_completeness is written for the fields %s, "
                             "not %s" % (DATA_COMPLETENESS_FIELDS, fields_read))
    comparison = rule._growth_comparison()
    values = {}
    for tz, (day, day_from, day_to, utc_from, utc_to, user_ids) in windows.items():
        # an all-day event starts at 08:00 of its day (``calendar.event._inverse_dates``):
        # within a day of the window's UTC bounds, which lets PostgreSQL use the index
        in_window = SQL(
            """e.start >= %s AND e.start < %s
               AND CASE WHEN e.allday THEN e.start_date >= %s AND e.start_date < %s
                        ELSE e.start >= %s AND e.start < %s END""",
            utc_from - ONE_DAY, utc_to + ONE_DAY, day_from, day_to, utc_from, utc_to)
        base_from, base_to = (scoring.baseline_bounds(day_from, day_to, comparison, tz)
                              if comparison else (utc_from, utc_to))
        env.cr.execute(SQL(FLOOR_SQL[key], users=user_ids, day=day,
                           utc_from=utc_from, utc_to=utc_to, in_window=in_window,
                           base_from=base_from, base_to=base_to,
                           lo=min(utc_from, base_from), hi=max(utc_to, base_to),
                           min_amount=MIN_AMOUNT, reminder_type=reminder_type,
                           activity_types=rule.activity_type_ids.ids))
        values.update((user_id, None if value is None else float(value))
                      for user_id, value in env.cr.fetchall())
    return values


def floor_store(env, rule, windows, values):
    """The bulk insert of as many rows as the rule has users into an unindexed table."""
    empty = FLOOR_EMPTY.get(code(rule), 0.0)
    user_ids, days, vals = [], [], []
    for day, *_bounds, users in windows.values():
        for user_id in users:
            user_ids.append(user_id)
            days.append(day)
            vals.append(values.get(user_id, empty))
    env.cr.execute(SQL(
        """INSERT INTO bench_floor_copy (rule_id, user_id, date, value, score)
           SELECT %s, u, d, v, v / NULLIF(%s, 0) * 100
             FROM unnest(%s::int[], %s::date[], %s::float[]) AS x(u, d, v)""",
        rule.id, rule.target, user_ids, days, vals))


def stored_values(env, rule, windows):
    """``{user_id: value}`` of the engine's results of the users' today (``None``: no data)."""
    days = sorted({w[0] for w in windows.values()})
    env["kpi.result"].flush_model()
    env.cr.execute(SQL(
        "SELECT user_id, date, value FROM kpi_result WHERE rule_id = %s AND date = ANY(%s)",
        rule.id, days))
    today = {user_id: w[0] for w in windows.values() for user_id in w[5]}
    return {user_id: value for user_id, day, value in env.cr.fetchall()
            if today.get(user_id) == day}


def differences(left, right, user_ids, empty=0.0):
    """The number of ``user_ids`` whose values differ in ``left`` and ``right`` (``{user_id:
    value}``, ``None``: no data; a user missing has the value ``empty``)."""
    def differ(a, b):
        if a is None or b is None:
            return (a is None) != (b is None)
        return abs(a - b) > 1e-6

    return sum(1 for u in user_ids if differ(left.get(u, empty), right.get(u, empty)))


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
        floors[key] = (read, store)
        engine, _ = measure(env, "engine " + key, lambda r=rule: r.evaluate(), keep=True,
                            floor=read.seconds + store.seconds)
        lines += [read, store, engine]
        engine_values[rule.id] = stored_values(env, rule, windows)
        all_users = [u for w in windows.values() for u in w[5]]
        sanity["engine vs floor %s (%d users, %d with a value)" % (
            key, len(all_users), sum(1 for u in all_users if values.get(u)))] = differences(
            engine_values[rule.id], values, all_users)
    floor_total = sum(read.seconds + store.seconds for read, store in floors.values())
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
    every_lines, every_sanity = measure_every_template(env, rules.profile_ids[:1], now, floors)
    at = next(i for i, line in enumerate(lines) if line is engine_all) + 1
    lines[at:at] = every_lines
    sanity.update(every_sanity)
    env.cr.execute("DROP TABLE bench_floor_copy")
    env.cr.execute("SHOW server_version")
    pg_version = "PostgreSQL " + env.cr.fetchone()[0]
    table = format_table(scale, n_users, n_leads, n_meetings, lines, sanity, pg_version)
    out(table)
    return lines, sanity, table


def every_template_rules(env, profile):
    """One rule per built-in template (``data/kpi_template_data.xml``) for the users of
    ``profile``, each with its template's defaults and the parameters its measure needs
    (growth against the previous period, Call activities and the default required fields of
    an opportunity are the rule's defaults; large deals from :data:`MIN_AMOUNT`)."""
    from odoo.addons.kpi_management.tools import measures

    data = env["ir.model.data"].search([("module", "=", "kpi_management"),
                                         ("model", "=", "kpi.template")])
    templates = env["kpi.template"].browse(data.mapped("res_id")).sorted("sequence")
    return env["kpi.rule"].create([
        {"name": "every template: " + template.code, "template_id": template.id,
         "min_amount": MIN_AMOUNT if measures.PARAM_MIN_AMOUNT in measures.BUILTIN_MEASURES[
             template.measure].params else 0,
         "profile_ids": [Command.set(profile.ids)]}
        for template in templates
    ])


def measure_every_template(env, profile, now, floors):
    """The rules of every built-in template: the floors of :data:`EXTRA_FLOORS` and their
    rules alone, then all of them in one ``evaluate()`` (a new day) against the sum of every
    template's floor (when a template has no floor: the templates with one in one
    ``evaluate()`` against the sum of their floors, and every template without a ratio).
    ``floors``: ``{template: (read line, store line)}`` of the 3 rules of the run. Returns
    ``(lines, sanity)``: the sanity lines count the users whose value differs from the
    floor's, the results missing (a result per rule and user) and the rules whose values are
    all 0 (the data misses what they measure)."""
    rules = every_template_rules(env, profile)
    env.flush_all()
    assignments = rules._get_assignments()
    lines, sanity, floors = [], {}, dict(floors)
    reminder_type = env.ref("kpi_management.mail_activity_type_kpi_off_track").id
    for rule in rules.filtered(lambda r: code(r) in EXTRA_FLOORS):
        windows = tz_windows(rule, assignments[rule.id], now)
        key = code(rule)
        read, values = measure(env, "floor read " + key,
                               lambda r=rule, w=windows: floor_read(env, r, w, reminder_type))
        store, _ = measure(env, "floor store " + key,
                           lambda r=rule, w=windows, v=values: floor_store(env, r, w, v))
        floors[key] = (read, store)
        lines += [read, store, measure(env, "engine " + key, lambda r=rule: r.evaluate(),
                                       keep=True, floor=read.seconds + store.seconds)[0]]
        all_users = [u for w in windows.values() for u in w[5]]
        no_data = (", %d with no data" % sum(1 for u in all_users if values.get(u) is None)
                   if key in FLOOR_EMPTY else "")
        sanity["engine vs floor %s (%d users, %d with a value%s)" % (
            key, len(all_users), sum(1 for u in all_users if values.get(u)), no_data)] = (
            differences(stored_values(env, rule, windows), values, all_users,
                        FLOOR_EMPTY.get(key, 0.0)))

    def evaluate(subset):
        env.cr.execute(SQL("DELETE FROM kpi_result WHERE rule_id = ANY(%s)", subset.ids))
        env.invalidate_all()
        return subset.evaluate()

    def floor_line(name, subset, note):
        parts = [line for rule in subset for line in floors[code(rule)]]
        return Line(name, sum(line.seconds for line in parts),
                    sum(line.queries for line in parts), max(line.peak_mib for line in parts),
                    note=note)

    with_floor = rules.filtered(lambda r: code(r) in floors)
    every_floor = None
    if with_floor == rules:
        every_floor = floor_line(
            "floor: every built-in template (%d templates)" % len(rules), rules,
            "the sum of their floor lines")
        lines.append(every_floor)
    elif with_floor:
        subset_floor = floor_line(
            "floor: the %d templates with one" % len(with_floor), with_floor,
            "the sum of their floor lines; no floor for the %d others: %s" % (
                len(rules - with_floor), ", ".join(code(r) for r in rules - with_floor)))
        lines.append(subset_floor)
        lines.append(measure(env, "engine: the %d templates with a floor" % len(with_floor),
                             lambda: evaluate(with_floor), floor=subset_floor.seconds)[0])
    lines.append(measure(env, "engine: every built-in template (%d rules)" % len(rules),
                         lambda: evaluate(rules), keep=True,
                         floor=every_floor.seconds if every_floor else None,
                         note="a new day: one evaluate() of the %d rules" % len(rules))[0])
    env["kpi.result"].flush_model()
    env.cr.execute(SQL(
        """SELECT r.id, count(DISTINCT k.user_id), COALESCE(bool_or(k.value <> 0), FALSE)
             FROM kpi_rule r LEFT JOIN kpi_result k ON k.rule_id = r.id
            WHERE r.id = ANY(%s) GROUP BY r.id""", rules.ids))
    found = {rule_id: (users, nonzero) for rule_id, users, nonzero in env.cr.fetchall()}
    n_users = len({u for rows in assignments.values() for u, _p, _t in rows})
    sanity["every template: results missing (%d rules x %d users)" % (len(rules), n_users)] = (
        sum(n_users - found[rule.id][0] for rule in rules))
    zero = [code(rule) for rule in rules if not found[rule.id][1]]
    sanity["every template: rules whose values are all 0%s" % (
        " (%s)" % ", ".join(zero) if zero else "")] = len(zero)
    return lines, sanity


def format_table(scale, n_users, n_leads, n_meetings, lines, sanity, pg_version):
    rows = ["| line | seconds | x floor | queries | peak Python memory (MiB) | note |",
            "|---|---:|---:|---:|---:|---|"]
    for line in lines:
        ratio = "%.1fx" % (line.seconds / line.floor) if line.floor else ""
        rows.append("| %s | %.3f | %s | %d | %.2f | %s |" % (
            line.name, line.seconds, ratio, line.queries, line.peak_mib, line.note))
    rows.append("")
    rows.append("Sanity (each must be 0: users whose values differ, results missing, rules "
                "that measured nothing):")
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


HEADER = ("# Benchmark results\n\nWritten by `bench/bench_engine.py` (the scales) and "
          "`bench/bench_storage.py` (the storage study): see their docstrings. The engine's "
          "lines are the best of 3 runs; \"x floor\" is the ratio to the floor (the bare read "
          "plus the unindexed insert) of the same templates.\n")


def write_section(table, replaces, path=None):
    """Write ``table`` into ``bench/RESULTS.md`` (or ``path``) in place of the sections for which
    ``replaces(section)`` is true, keeping the others: the scales' sections first, in the order
    of ``SCALES``, then the other benchmarks' (``## Storage``, bench_storage.py)."""
    path = path or RESULTS
    sections = []
    if os.path.exists(path):
        with open(path) as f:
            sections = ["## " + part.rstrip("\n") + "\n" for part in f.read().split("\n## ")[1:]]
    sections = [section for section in sections if not replaces(section)]
    sections.append(table.rstrip("\n") + "\n")
    scales = ["## Scale %s:" % scale for scale in SCALES]

    def rank(section):
        return next((i for i, prefix in enumerate(scales) if section.startswith(prefix)),
                    len(scales))

    with open(path, "w") as f:
        f.write(HEADER + "\n" + "\n".join(sorted(sections, key=rank)))


def write_results(table, scale):
    """Replace the section of ``scale`` in ``bench/RESULTS.md``."""
    write_section(table, lambda section: section.startswith("## Scale %s:" % scale))


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
    compact(registry)
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
