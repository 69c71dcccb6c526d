"""Benchmark of the nightly KPI evaluation: figures and ratios, not a test.

Builds N users with a KPI profile and M leads / events in a transaction that is rolled back at
the end, then measures in the same run:

* ``bare SQL``: one hand-written GROUP BY per rule, nothing stored (the floor);
* ``engine``: ``kpi.rule.evaluate()``: set-based measure + upsert of every result;
* ``per-user ORM``: the gamification per-user style, one ``_read_group`` per user and rule
  plus one write per result (what the engine replaces);
* period scores (``kpi.period.result._store_periods``) of the current month for every rule
  and user, against measuring each user's month on its own (one query per user and rule).

Usage: .venv/bin/python bench/bench_engine.py -c .odoo/odoo.conf -d kpi_test [--users 1000]
       [--leads 200000]   (``make bench`` does this)
"""

import argparse
import datetime
import time

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import SQL


def timed(fn, repeat=3):
    best = None
    for _i in range(repeat):
        start = time.perf_counter()
        out = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, out


def build_data(env, n_users, n_leads):
    profile = env["kpi.profile"].create({"name": "Bench profile"})
    group = env.ref("sales_team.group_sale_salesman")
    users = env["res.users"].with_context(no_reset_password=True, tracking_disable=True).create([
        {"name": "Bench user %s" % i, "login": "bench_user_%s" % i, "tz": "Europe/Copenhagen",
         "kpi_profile_id": profile.id, "group_ids": [Command.set([group.id])]}
        for i in range(n_users)
    ])
    env.cr.execute(SQL(
        """INSERT INTO crm_lead (name, type, active, user_id, won_status, date_closed,
                                 kpi_date_won, expected_revenue, company_id, create_date)
           SELECT 'bench ' || g, 'opportunity', TRUE, (%(users)s::int[])[1 + g %% %(n)s],
                  CASE WHEN g %% 3 = 0 THEN 'won' ELSE 'pending' END,
                  now() at time zone 'utc' - (g %% 120) * interval '1 day',
                  CASE WHEN g %% 3 = 0
                       THEN now() at time zone 'utc' - (g %% 120) * interval '1 day' END,
                  (g %% 1000) * 10, %(company)s, now() at time zone 'utc'
             FROM generate_series(1, %(leads)s) g""",
        users=users.ids, n=n_users, company=env.company.id, leads=n_leads,
    ))
    env.cr.execute(SQL(
        """WITH ev AS (
             INSERT INTO calendar_event (name, show_as, start, stop, user_id, active)
             SELECT 'bench ' || g, 'busy',
                    now() at time zone 'utc' + (g %% 30) * interval '1 day',
                    now() at time zone 'utc' + (g %% 30) * interval '1 day' + interval '1 hour',
                    (%(users)s::int[])[1 + g %% %(n)s], TRUE
               FROM generate_series(1, %(events)s) g
             RETURNING id, user_id)
           INSERT INTO calendar_attendee (event_id, partner_id, state)
           SELECT ev.id, u.partner_id, 'accepted' FROM ev JOIN res_users u ON u.id = ev.user_id""",
        users=users.ids, n=n_users, events=n_leads // 4,
    ))
    env.invalidate_all()
    rules = env["kpi.rule"].create([
        {"name": "bench " + code, "target": 10,
         "template_id": env.ref("kpi_management.kpi_template_%s" % code).id,
         "profile_ids": [Command.set(profile.ids)]}
        for code in ("won_revenue", "won_deals", "meetings_planned")
    ])
    return users, rules


def bare_sql(env, rules):
    """The floor: one GROUP BY per rule with fixed UTC bounds, nothing stored."""
    now = datetime.datetime.utcnow()
    for rule in rules:
        if rule.template_id.measure == "meetings":
            env.cr.execute(SQL(
                """SELECT user_id, count(*) FROM calendar_event
                    WHERE active AND start >= %s AND start < %s GROUP BY user_id""",
                now, now + datetime.timedelta(days=rule.window_days)))
        else:
            agg = "sum(expected_revenue)" if rule.template_id.measure == "won_revenue" else "count(*)"
            env.cr.execute(SQL(
                """SELECT user_id, %s FROM crm_lead
                    WHERE active AND won_status = 'won' AND kpi_date_won >= %s
                      AND kpi_date_won < %s
                    GROUP BY user_id""",
                SQL(agg), now - datetime.timedelta(days=rule.window_days), now))
        env.cr.fetchall()


def per_user_orm(env, rules, users):
    """Gamification's per-user mode: one aggregate per user and rule, one write per result."""
    now = datetime.datetime.utcnow()
    Lead, Event, Result = env["crm.lead"], env["calendar.event"], env["kpi.result"]
    day = datetime.date.today() + datetime.timedelta(days=3650)  # a date of its own
    for rule in rules:
        for user in users:
            if rule.template_id.measure == "meetings":
                value = Event.search_count([
                    ("user_id", "=", user.id), ("start", ">=", now),
                    ("start", "<", now + datetime.timedelta(days=rule.window_days))])
            else:
                agg = "expected_revenue:sum" if rule.template_id.measure == "won_revenue" else "__count"
                value = Lead._read_group([
                    ("user_id", "=", user.id), ("won_status", "=", "won"),
                    ("kpi_date_won", ">=", now - datetime.timedelta(days=rule.window_days)),
                    ("kpi_date_won", "<", now)], [], [agg])[0][0] or 0
            existing = Result.search([("rule_id", "=", rule.id), ("user_id", "=", user.id),
                                      ("date", "=", day)])
            vals = {"value": value, "score": value / rule.target * 100}
            if existing:
                existing.write(vals)
            else:
                env.cr.execute(SQL(
                    "INSERT INTO kpi_result (rule_id, user_id, date, value, score)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    rule.id, user.id, day, value, vals["score"]))
        env.flush_all()


def period_bounds(day, period):
    # imported once the configuration has put the addon on the addons path
    from odoo.addons.kpi_management.tools.calendar import period_bounds as bounds

    return bounds(day, period)


def period_engine(env, rules):
    month = period_bounds(datetime.date.today(), "month")
    return sum(len(env["kpi.period.result"]._store_periods(rule, "month", [month]))
               for rule in rules)


def period_per_user(env, rules, users):
    """The month of each user measured on its own (nothing stored)."""
    first, last = period_bounds(datetime.date.today(), "month")
    for rule in rules:
        for user in users:
            rule._measure_period([(user.id, user.partner_id.id, user.tz)], first, last)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--leads", type=int, default=200000)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        print("Building %s users, %s leads, %s events (rolled back at the end)..."
              % (args.users, args.leads, args.leads // 4))
        users, rules = build_data(env, args.users, args.leads)
        cr.execute("ANALYZE crm_lead; ANALYZE calendar_event; ANALYZE calendar_attendee")

        t_bare, _ = timed(lambda: bare_sql(env, rules))
        q0 = cr.sql_log_count
        t_engine, results = timed(lambda: rules.evaluate())
        q_engine = (cr.sql_log_count - q0) // 3
        t_orm, _ = timed(lambda: per_user_orm(env, rules, users), repeat=1)

        print()
        print("%d rules x %d users = %d results per evaluation" % (len(rules), len(users), len(results)))
        print("%-28s %10s %12s" % ("", "seconds", "vs bare SQL"))
        print("%-28s %10.3f %12s" % ("bare SQL (no storing)", t_bare, "1.0x"))
        print("%-28s %10.3f %11.1fx   (%d queries)" % ("engine evaluate()", t_engine,
                                                      t_engine / t_bare, q_engine))
        print("%-28s %10.3f %11.1fx   (%d+ queries)" % ("per-user ORM (baseline)", t_orm,
                                                       t_orm / t_bare, 2 * len(rules) * len(users)))
        print()
        print("engine is %.1fx faster than the per-user baseline" % (t_orm / t_engine))

        past = rules.filtered(lambda r: r.window_kind == "past")
        t_period, stored = timed(lambda: period_engine(env, rules))
        t_period_user, _ = timed(lambda: period_per_user(env, past, users), repeat=1)
        print()
        print("period scores of the month: %d rows (%d past-window rules measured)"
              % (stored, len(past)))
        print("%-28s %10.3f" % ("engine _store_periods()", t_period))
        print("%-28s %10.3f %11.1fx   (past rules only, nothing stored)"
              % ("per-user measure (baseline)", t_period_user, t_period_user / t_period))
        cr.rollback()


if __name__ == "__main__":
    main()
