"""Evaluation behaviour: idempotent re-runs, nothing freezes, companies, timezones, queries."""

import datetime
from unittest import mock

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user

from .common import NOW, TODAY, KpiCase, utc


@freeze_time(NOW)
class TestEvaluation(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule("meetings_planned", target=2, window_days=14)

    def test_rerun_same_day_replaces(self):
        self.event(self.salesman, utc(days=1))
        first = self.rule.evaluate()
        self.assertEqual(len(first), 2)  # salesman and salesman2
        self.assertEqual(self.result(self.rule, self.salesman).value, 1)
        self.event(self.salesman, utc(days=2))
        second = self.rule.evaluate()
        self.assertEqual(second, first, "the same rows are updated, never duplicated")
        results = self.result(self.rule, self.salesman)
        self.assertEqual(len(results), 1)
        self.assertEqual((results.value, results.score, results.status), (2, 100.0, "reached"))

    def test_a_past_day_is_past_in_the_users_timezone(self):
        """The users whose evaluated day keeps what its first evaluation recorded: a day
        before their own today (10:00 UTC on 23 November is 00:00 on the 24th at Kiritimati,
        UTC+14); none for their today, a day to come or the default day."""
        rows = [(1, 11, "Europe/Copenhagen"), (2, 12, "Pacific/Kiritimati")]
        kept = self.rule._kept_users
        self.assertEqual(kept(rows, TODAY, NOW), [2])
        self.assertEqual(kept(rows, TODAY - datetime.timedelta(days=1), NOW), [1, 2])
        self.assertEqual(kept(rows, TODAY + datetime.timedelta(days=1), NOW), [])
        self.assertEqual(kept(rows, None, NOW), [])

    def test_reached_kpi_is_evaluated_again_next_day(self):
        self.event(self.salesman, utc(days=1))
        self.event(self.salesman, utc(days=2))
        self.rule.evaluate()
        self.assertEqual(self.result(self.rule, self.salesman, TODAY).status, "reached")
        # the next night both meetings are still ahead, then one is cancelled
        self.env["calendar.event"].search([("user_id", "=", self.salesman.id)])[:1].active = False
        with freeze_time(NOW + datetime.timedelta(days=1)):
            self.rule.evaluate()
        tomorrow = self.result(self.rule, self.salesman, TODAY + datetime.timedelta(days=1))
        self.assertEqual((tomorrow.value, tomorrow.status), (1, "off_track"))
        # history is kept
        self.assertEqual(len(self.result(self.rule, self.salesman)), 2)
        self.assertEqual(self.result(self.rule, self.salesman, TODAY).value, 2)

    def test_user_loses_value_gets_zero_not_stale(self):
        event = self.event(self.salesman, utc(days=1))
        self.rule.evaluate()
        event.unlink()
        with freeze_time(NOW + datetime.timedelta(days=1)):
            self.rule.evaluate()
        result = self.result(self.rule, self.salesman, TODAY + datetime.timedelta(days=1))
        self.assertEqual((result.value, result.score), (0, 0))

    def test_target_is_stored_as_it_was(self):
        self.rule.evaluate()
        self.rule.target = 5
        with freeze_time(NOW + datetime.timedelta(days=1)):
            self.rule.evaluate()
        results = self.result(self.rule, self.salesman)
        self.assertEqual(sorted(results.mapped("target")), [2, 5])

    def test_explicit_date_and_users(self):
        self.rule.evaluate(date=datetime.date(2026, 11, 20), users=self.salesman)
        results = self.env["kpi.result"].search([("rule_id", "=", self.rule.id)])
        self.assertEqual(results.user_id, self.salesman)
        self.assertEqual(results.date, datetime.date(2026, 11, 20))

    def test_today_is_taken_in_the_user_timezone(self):
        """23:30 UTC on 23 Nov is already 24 Nov in Copenhagen but still 23 Nov in New York."""
        ny = self._user("kpi_t_newyork", self.profile_sales, tz="America/New_York")
        with freeze_time("2026-11-23 23:30:00"):
            self.rule.evaluate()
        self.assertTrue(self.result(self.rule, self.salesman, datetime.date(2026, 11, 24)))
        self.assertTrue(self.result(self.rule, ny, datetime.date(2026, 11, 23)))

    def test_hourly_job_evaluates_each_user_after_local_midnight(self):
        """The job runs every hour: a user is evaluated in the first run after midnight in
        their own timezone, then skipped for the rest of their local day."""
        ny = self._user("kpi_t_ny_cron", self.profile_sales, tz="America/New_York")
        self.salesman2.kpi_profile_id = False
        Rule = self.env["kpi.rule"]
        no_commit = mock.patch.object(type(self.env["ir.cron"]), "_commit_progress",
                                      return_value=float("inf"))

        def dates(user):
            return sorted(self.result(self.rule, user).mapped("date"))

        with no_commit:
            # 22 Nov, 23:30 UTC: 00:30 on the 23rd in Copenhagen, 18:30 on the 22nd in New York
            with freeze_time("2026-11-22 23:30:00"):
                Rule._cron_evaluate()
            self.assertEqual(dates(self.salesman), [datetime.date(2026, 11, 23)])
            self.assertEqual(dates(ny), [datetime.date(2026, 11, 22)])
            # 04:30 UTC: still the 22nd in New York, nothing to do for anybody
            with freeze_time("2026-11-23 04:30:00"):
                self.assertEqual(Rule._cron_evaluate(), 0)
            self.assertEqual(len(self.result(self.rule, self.salesman)), 1)
            self.assertEqual(len(self.result(self.rule, ny)), 1)
            # 05:30 UTC: 00:30 on the 23rd in New York: its turn
            with freeze_time("2026-11-23 05:30:00"):
                Rule._cron_evaluate()
            self.assertEqual(dates(ny), [datetime.date(2026, 11, 22), datetime.date(2026, 11, 23)])
            self.assertEqual(len(self.result(self.rule, self.salesman)), 1)

    def test_archived_rule_profile_and_user_are_skipped(self):
        other = self.make_rule("won_deals", target=1, window_days=30)
        other.active = False
        self.assertFalse(self.env["kpi.rule"].search([("id", "=", other.id)]))
        self.salesman2.active = False
        self.rule.evaluate()
        self.assertFalse(self.result(self.rule, self.salesman2))
        self.profile_sales.active = False
        self.env["kpi.result"].search([]).unlink()
        self.rule.evaluate()
        self.assertFalse(self.env["kpi.result"].search([("rule_id", "=", self.rule.id)]))

    def test_profile_change_applies_next_evaluation(self):
        self.rule.evaluate()
        self.assertTrue(self.result(self.rule, self.salesman))
        self.salesman.kpi_profile_id = self.profile_kam
        with freeze_time(NOW + datetime.timedelta(days=1)):
            self.rule.evaluate()
        self.assertFalse(self.result(self.rule, self.salesman, TODAY + datetime.timedelta(days=1)))


@freeze_time(NOW)
class TestCompanies(KpiCase):
    def test_two_companies(self):
        company_b = self.env["res.company"].create({"name": "KPI Company B"})
        user_b = new_test_user(self.env, login="kpi_t_user_b", groups="sales_team.group_sale_salesman",
                               company_id=company_b.id, company_ids=[Command.set(company_b.ids)],
                               tz="Europe/Copenhagen")
        user_b.kpi_profile_id = self.profile_sales
        # salesman works in both companies
        self.salesman.company_ids = [Command.link(company_b.id)]
        rule_a = self.make_rule("won_revenue", target=100, window_days=30, company_id=self.company.id)
        rule_all = self.make_rule("won_revenue", target=100, window_days=30, company_id=False,
                                  name="Won revenue, all companies")
        self.won_lead(self.salesman, utc(days=-2), 100, company_id=self.company.id)
        self.won_lead(self.salesman, utc(days=-2), 40, company_id=company_b.id)
        self.won_lead(user_b, utc(days=-2), 70, company_id=company_b.id)
        (rule_a | rule_all).evaluate()
        # rule of company A: B's lead not counted, the user of company B not evaluated
        self.assertEqual(self.result(rule_a, self.salesman).value, 100)
        self.assertFalse(self.result(rule_a, user_b))
        # a rule without company counts everywhere
        self.assertEqual(self.result(rule_all, self.salesman).value, 140)
        self.assertEqual(self.result(rule_all, user_b).value, 70)
        self.assertEqual(self.result(rule_a, self.salesman).company_id, self.company)
        # a user of company B cannot read company A's results
        visible = self.env["kpi.result"].with_user(user_b).search([])
        self.assertEqual(visible.rule_id, rule_all)


@freeze_time(NOW)
class TestQueryCount(KpiCase):
    """The number of queries of an evaluation does not grow with the number of users."""

    def _count_queries(self, rules):
        rules.env.invalidate_all()
        before = self.env.cr.sql_log_count
        rules.evaluate()
        return self.env.cr.sql_log_count - before

    def test_query_count_independent_of_users(self):
        codes = ["meetings_planned", "meetings_held", "won_deals", "won_revenue", "new_clients",
                 "kam_coverage", "conversion_rate", "response_time", "overdue_activities",
                 "open_pipeline", "net_profit"]
        rules = self.env["kpi.rule"]
        for code in codes:
            rules |= self.make_rule(code, target=5 if code != "overdue_activities" else 0)
        self._count_queries(rules)  # warm-up: caches of templates and fields
        few = self._count_queries(rules)
        users = self.env["res.users"]
        for i in range(40):
            users |= self._user("kpi_t_bulk_%s" % i, self.profile_sales)
            self.event(users[-1], utc(days=1))
            self.won_lead(users[-1], utc(days=-1), 10)
        many = self._count_queries(rules)
        self.assertEqual(
            self.env["kpi.result"].search_count([("rule_id", "in", rules.ids)]),
            len(rules) * 42,
        )
        self.assertEqual(many, few, "queries with 2 users: %s, with 42 users: %s" % (few, many))
        # and it is bounded per rule: JIT off, measure, individual targets, first-result
        # check, upsert
        self.assertLessEqual(few, 5 * len(rules) + 5)
