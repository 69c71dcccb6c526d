"""The sales KPIs in the rest of the product, as every built-in one: one query per rule
whatever the number of users, period scores and their drill-down, bonus sheets and the
estimate, the reminder in its reader's language."""

from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.tools import calendar
from odoo.tests import new_test_user

from .common import NOW, TODAY, TZ, D, SaleKpiCase, load_danish, local, po_terms

#: every template of this addon and the parameters its rule needs
RULES = {
    "sales_confirmed": {},
    "invoiced_revenue": {},
    "large_orders": {"min_amount": 500},
    "large_orders_share": {"min_amount": 500, "target": 50},
    "sales_confirmed_growth": {},
    "sales_confirmed_growth_pct": {"target": 10},
    "invoiced_revenue_growth": {},
    "invoiced_revenue_growth_pct": {"target": 10},
}


@freeze_time(NOW)
class TestQueryCount(SaleKpiCase):
    """The number of queries of an evaluation does not grow with the number of users."""

    def count_queries(self, rules):
        rules.env.invalidate_all()
        before = self.env.cr.sql_log_count
        rules.evaluate()
        return self.env.cr.sql_log_count - before

    def sell(self, user):
        order = self.order(user, 1000, local(2026, 11, 2, 12))
        self.invoice(order, D(2026, 11, 3))
        self.order(user, 800, local(2026, 10, 2, 12))  # the baseline

    def test_query_count_independent_of_users(self):
        rules = self.env["kpi.rule"]
        for code, vals in RULES.items():
            rules |= self.make_rule(code, **vals)
        self.sell(self.salesman)
        self.count_queries(rules)  # warm-up: caches of templates and fields
        few = self.count_queries(rules)
        users = self.env["res.users"]
        for i in range(18):
            users |= self.user("kpi_s_bulk_%s" % i, tz=("Asia/Tokyo", TZ)[i % 2])
            self.sell(users[-1])
        many = self.count_queries(rules)
        self.assertEqual(
            self.env["kpi.result"].search_count([("rule_id", "in", rules.ids)]),
            len(rules) * 20)
        self.assertEqual(many, few, "queries with 2 users: %s, with 20 users: %s" % (few, many))
        self.assertLessEqual(few, 5 * len(rules) + 5)
        # and they measured: each salesperson confirmed 1,000 and invoiced 1,000
        confirmed = rules.filtered(lambda r: r.template_id.code == "sales_confirmed")
        self.assertEqual(set(self.env["kpi.result"].search(
            [("rule_id", "=", confirmed.id), ("user_id", "in", users.ids)]).mapped("value")),
            {1000})


@freeze_time(NOW)
class TestPeriodScores(SaleKpiCase):
    def test_a_month_is_measured_over_its_dates_with_its_drill_down(self):
        """October's invoiced revenue: the invoices dated 1 - 31 October, a credit note of
        November lowering November; November so far."""
        rule = self.make_rule("invoiced_revenue", target=1000)
        october = self.invoice(self.order(self.salesman, 700, local(2026, 10, 1, 12)),
                               D(2026, 10, 31))
        self.invoice(self.order(self.salesman, 7, local(2026, 9, 1, 12)), D(2026, 9, 30))
        november = self.refund(october, D(2026, 11, 1), price_unit=200)
        for day in (D(2026, 10, 10), D(2026, 11, 10)):
            rule.evaluate(date=day)
        Period = self.env["kpi.period.result"]
        Period._store_periods(rule, "month",
                              calendar.periods_between(D(2026, 10, 1), TODAY, "month"), now=NOW)
        rows = {row.date_from: row for row in Period.search(
            [("rule_id", "=", rule.id), ("user_id", "=", self.salesman.id),
             ("period_type", "=", "month")])}
        oct_row, nov_row = rows[D(2026, 10, 1)], rows[D(2026, 11, 1)]
        self.assertEqual((oct_row.method, oct_row.value, oct_row.record_ids),
                         ("period", 700, october.ids))
        self.assertEqual(self.counted(oct_row), october)
        self.assertEqual((nov_row.value, nov_row.record_ids), (-200, november.ids))


@freeze_time(NOW)
class TestBonus(SaleKpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="kpi_s_officer", tz=TZ,
            groups="base.group_user,kpi_management.group_kpi_bonus_officer")
        cls.rule = cls.make_rule("sales_confirmed", name="Sales volume", target=1000)

    def scheme(self):
        return self.env["kpi.bonus.scheme"].create({
            "name": "Sales bonus", "base_amount": 10000, "period": "month",
            "profile_ids": [Command.set(self.profile.ids)],
            "line_ids": [Command.create({"rule_id": self.rule.id, "weight": 100})],
        })

    def test_a_sheet_measures_the_sales_of_its_period(self):
        """Period 24 October - 22 November in Copenhagen: 600 + 400 confirmed in it."""
        scheme = self.scheme()
        self.order(self.salesman, 600, local(2026, 10, 24, 0, 30))
        self.order(self.salesman, 400, local(2026, 11, 22, 23, 30))
        self.order(self.salesman, 7, local(2026, 10, 23, 23, 30))  # before
        self.order(self.salesman, 7, local(2026, 11, 23, 0, 30))  # after
        self.rule.evaluate()
        sheet = self.env["kpi.bonus.sheet"].with_user(self.officer).create({
            "scheme_id": scheme.id, "team_id": self.team.id, "period_type": "custom",
            "date_from": D(2026, 10, 24), "date_to": D(2026, 11, 22)})
        sheet.with_user(self.officer).action_compute()
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        detail = line.detail_ids.filtered(lambda d: d.rule_id == self.rule)
        self.assertEqual((detail.value, detail.target, detail.score), (1000, 1000, 100.0))
        self.assertEqual(line.amount, 10000)

    def test_the_estimate_measures_the_month_so_far(self):
        self.scheme()
        self.order(self.salesman, 300, local(2026, 11, 1, 0, 30))
        self.order(self.salesman, 200, local(2026, 11, 23, 9))  # this morning: so far
        self.order(self.salesman, 7, local(2026, 10, 31, 23, 30))  # October
        self.rule.evaluate()
        estimates = self.env["kpi.bonus.scheme"].with_user(self.salesman).get_bonus_estimate()
        line = next(line for line in estimates[0]["lines"] if line["name"] == "Sales volume")
        self.assertEqual(line["value"], 500)


@freeze_time(NOW)
class TestReminderInDanish(SaleKpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_danish(cls.env)

    def test_the_reminder_speaks_danish(self):
        """Two orders of at least 1,500 of a target of 5: three more to confirm, said in the
        salesperson's language."""
        rule = self.make_rule("large_orders", target=5, min_amount=1500,
                              reminder=True)
        self.order(self.salesman, 2000, local(2026, 11, 5, 12))
        self.order(self.salesman, 1500, local(2026, 11, 6, 12))
        self.salesman.lang = "da_DK"
        result = self.evaluate(rule, self.salesman)
        self.assertEqual(result.status, "off_track")
        source = ("Confirm %(gap)s more orders at or above the minimum amount: %(value)s in "
                  "the last %(days)s days, the target is %(target)s.")
        danish = po_terms("kpi_management_sale")[source]
        text = result._reminder_texts()[result.id][1]
        self.assertIn(danish % {"gap": 3, "value": 2, "days": 30, "target": 5}, text)
        self.assertTrue(danish.startswith("Bekræft"))
        self.salesman.lang = "en_US"
        result.invalidate_recordset()
        self.assertIn(source % {"gap": 3, "value": 2, "days": 30, "target": 5},
                      result._reminder_texts()[result.id][1])

    def test_the_templates_and_their_sentences_in_danish(self):
        template = self.template("sales_confirmed").with_context(lang="da_DK")
        da = po_terms("kpi_management_sale")
        self.assertEqual(template.name, da["Sales confirmed"])
        self.assertEqual(template.description, da[self.template("sales_confirmed").description])
