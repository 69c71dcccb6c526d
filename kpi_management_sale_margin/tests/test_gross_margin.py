"""Gross margin, against its definition (``kpi_management_sale_margin.measures``): Odoo's
margin of the salesperson's orders confirmed in the window (exactly those of Sales
confirmed), converted at the rates of the confirmation day; and its place in the registry."""

from freezegun import freeze_time

from odoo.addons.kpi_management_sale.tests.common import (
    NOW,
    TZ,
    SaleKpiCase,
    load_danish,
    local,
    po_terms,
)
from odoo.addons.kpi_management_sale.tests.test_registry import RegistryChecks
from odoo.addons.kpi_management_sale_margin.measures import MARGIN_MEASURES
from odoo.tests import TransactionCase


@freeze_time(NOW)
class TestGrossMargin(SaleKpiCase):
    def test_margin_of_the_orders_confirmed_in_the_window(self):
        """1,000 sold for a cost of 600 (the product's cost): 400 each; two lines of the same
        order add up; an order sold below cost lowers it; quotations, cancelled orders and
        orders out of the window do not count."""
        rule = self.make_rule("gross_margin", target=2000)
        counted = (self.order(self.salesman, 1000, local(2026, 11, 22, 23, 30))
                   | self.order(self.salesman, 1000, local(2026, 10, 24), qty=2)
                   | self.order(self.salesman, 500, local(2026, 11, 5, 12)))  # a loss of 100
        self.order(self.salesman, 1000)  # a quotation
        cancelled = self.order(self.salesman, 1000, local(2026, 11, 5, 12))
        cancelled._action_cancel()
        self.order(self.salesman, 1000, local(2026, 11, 23))  # today
        self.order(self.salesman, 1000, local(2026, 10, 23, 23, 59, 59))  # before
        self.assertEqual(counted.mapped("margin"), [400, 800, -100])
        result = self.evaluate(rule, self.salesman)
        self.assertEqual((result.value, result.score), (1100, 55.0))
        self.assertEqual(sorted(result.record_ids), sorted(counted.ids))
        self.assertEqual(self.counted(result.with_user(self.salesman)), counted)
        self.assertEqual(self.result(rule, self.salesman2).value, 0)

    def test_an_order_in_euros(self):
        """The margin in EUR of an order confirmed on 15 November, when 1 USD = 0.80 EUR."""
        rule = self.make_rule("gross_margin", target=2000)
        with freeze_time(local(2026, 11, 15, 9)):
            order = self.order(self.salesman, 1000, local(2026, 11, 15, 12),
                               pricelist_id=self.eur_pricelist.id)
        self.assertEqual(order.currency_id, self.eur)
        self.assertTrue(order.margin)
        self.assertAlmostEqual(self.evaluate(rule, self.salesman).value, order.margin / 0.8,
                               places=6)

    def test_query_count_independent_of_users(self):
        rule = self.make_rule("gross_margin", target=2000)
        self.order(self.salesman, 1000, local(2026, 11, 2, 12))

        def count():
            rule.env.invalidate_all()
            before = self.env.cr.sql_log_count
            rule.evaluate()
            return self.env.cr.sql_log_count - before

        count()
        few = count()
        for i in range(18):
            user = self.user("kpi_m_bulk_%s" % i, tz=("Asia/Tokyo", TZ)[i % 2])
            self.order(user, 1000, local(2026, 11, 2, 12))
        self.assertEqual(count(), few)
        self.assertEqual(len(self.env["kpi.result"].search([("rule_id", "=", rule.id)])), 20)

    def test_the_reminder_in_danish(self):
        load_danish(self.env, ("kpi_management", "kpi_management_sale",
                               "kpi_management_sale_margin"))
        rule = self.make_rule("gross_margin", target=2000, reminder=True)
        self.order(self.salesman, 1000, local(2026, 11, 2, 12))
        self.salesman.lang = "da_DK"
        result = self.evaluate(rule, self.salesman)
        text = result._reminder_texts()[result.id][1]
        self.assertIn("Tjen %s mere i avance for at nå %s: %s på ordrerne bekræftet de sidste "
                      "30 dage." % tuple(self.money_da(v) for v in (1600, 2000, 400)), text)
        self.assertTrue(po_terms("kpi_management_sale_margin")["Gross margin"])

    def money_da(self, amount):
        """``amount`` in the company's currency as Danish writes it (1.600)."""
        return self.money(amount).replace(",", ".")


class TestMarginRegistry(RegistryChecks, TransactionCase):
    addon = "kpi_management_sale_margin"
    bridge_measures = MARGIN_MEASURES
