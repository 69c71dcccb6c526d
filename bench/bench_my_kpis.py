"""Benchmark: loading "My KPIs" for a user with 10 rules and a year of daily history.

Usage::

    .venv/bin/python bench/bench_my_kpis.py -c .odoo/odoo.conf -d kpi_test [--users 50]
        [--days 365] [--runs 30]

The data (users, profile, 10 rules, a year of daily results for the measured user and for
``--users`` colleagues) is created inside one transaction that is rolled back at the end:
the database is left as it was. Prints the server time per load (median and 95th percentile,
the ORM record cache emptied before each load, the ormcaches warm as in a running server), the
number of queries, and
the ratio against a naive baseline measured in the same run: one ORM ``search`` per rule over
the user's whole history, then the latest and the week-old result picked in Python.
These are figures, not a test: nothing fails when they are slow. The target is < 150 ms.
"""

import argparse
import datetime
import statistics
import time

from odoo import api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import SQL, config


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--users", type=int, default=50, help="colleagues with the same history")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rules", type=int, default=10)
    parser.add_argument("--runs", type=int, default=30)
    return parser.parse_args()


def build(env, n_users, n_rules, days):
    profile = env["kpi.profile"].create({"name": "Bench My KPIs profile"})
    users = env["res.users"].with_context(no_reset_password=True).create([{
        "name": "Bench user %s" % i,
        "login": "bench_my_kpis_%s" % i,
        "kpi_profile_id": profile.id,
        "group_ids": [Command.set([env.ref("sales_team.group_sale_salesman").id])],
    } for i in range(n_users + 1)])
    templates = env["kpi.template"].search([("measure", "!=", "custom")])
    rules = env["kpi.rule"].create([{
        "name": "Bench rule %s" % i,
        "template_id": templates[i % len(templates)].id,
        "target": 10,
        "profile_ids": [Command.set(profile.ids)],
    } for i in range(n_rules)])
    env.flush_all()
    today = datetime.date.today()
    env.cr.execute(SQL(
        """INSERT INTO kpi_result (rule_id, user_id, date, value, target, score, status,
                                   record_ids, res_model, computed_at, profile_id,
                                   off_track_streak)
           SELECT r, u, %(today)s::date - d, (d * r + u) %% 13, 10, ((d * r + u) %% 13) * 10,
                  CASE WHEN (d * r + u) %% 13 >= 10 THEN 'reached'
                       WHEN (d * r + u) %% 13 >= 8 THEN 'warning' ELSE 'off_track' END,
                  '[1, 2, 3]', 'crm.lead', now() at time zone 'utc', %(profile)s, 0
             FROM unnest(%(rules)s::int[]) r, unnest(%(users)s::int[]) u,
                  generate_series(0, %(days)s - 1) d""",
        today=today, rules=rules.ids, users=users.ids, days=days, profile=profile.id,
    ))
    env.cr.execute("ANALYZE kpi_result")
    return users[0], rules


def naive_load(env):
    """What a first version would do: an ORM search per rule over the whole history."""
    Result = env["kpi.result"]
    uid = env.uid
    rules = Result.search([("user_id", "=", uid)]).rule_id
    cards = []
    for rule in rules:
        history = Result.search([("user_id", "=", uid), ("rule_id", "=", rule.id)],
                                order="date desc")
        latest = history[0]
        before = history.filtered(lambda r, d=latest.date: r.date == d - datetime.timedelta(7))
        cards.append({
            "name": rule.name, "unit_label": rule.unit_label, "value": latest.value,
            "target": latest.target, "score": latest.score, "status": latest.status,
            "delta": latest.value - before.value if before else None,
            "computed_at": latest.computed_at, "record_count": len(latest.record_ids or []),
        })
    return cards


def measure(env, load, runs):
    times, queries = [], []
    for _i in range(runs + 3):
        env.invalidate_all()  # no record in the ORM cache; ormcaches (access rules) stay warm
        count = env.cr.sql_log_count
        start = time.perf_counter()
        result = load()
        elapsed = (time.perf_counter() - start) * 1000
        if _i >= 3:  # warm-up: the first loads fill the caches of the access rules
            times.append(elapsed)
            queries.append(env.cr.sql_log_count - count)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "queries": max(queries),
        "result": result,
    }


def main():
    args = parse_args()
    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        try:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            start = time.perf_counter()
            user, rules = build(env, args.users, args.rules, args.days)
            total = env["kpi.result"].search_count([])
            print("data: %s rules x %s days x %s users = %s results in the table (%.1f s)" % (
                len(rules), args.days, args.users + 1, total, time.perf_counter() - start))
            uenv = env(user=user.id)
            # the user's rights: record rules apply
            mine = measure(uenv, uenv["kpi.result"].get_my_kpis, args.runs)
            history = measure(uenv, lambda: uenv["kpi.result"].get_kpi_history(
                rules[0].id, period="year"), args.runs)
            naive = measure(uenv, lambda: naive_load(uenv), args.runs)
            assert len(mine["result"]["cards"]) == len(rules) == len(naive["result"])
            print("get_my_kpis      : %7.1f ms median, %7.1f ms p95, %3d queries per load" % (
                mine["median"], mine["p95"], mine["queries"]))
            print("get_kpi_history  : %7.1f ms median, %7.1f ms p95, %3d queries (1 rule, year)"
                  % (history["median"], history["p95"], history["queries"]))
            print("naive baseline   : %7.1f ms median, %7.1f ms p95, %3d queries per load" % (
                naive["median"], naive["p95"], naive["queries"]))
            print("ratio naive / get_my_kpis: %.1fx time, %.1fx queries" % (
                naive["median"] / mine["median"], naive["queries"] / mine["queries"]))
            print("target < 150 ms per load: %s" % (
                "met" if mine["median"] < 150 else "NOT met"))
        finally:
            cr.rollback()


if __name__ == "__main__":
    main()
