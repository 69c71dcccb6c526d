"""Sales confirmed and the minimum contract, against their definitions
(``kpi_management_sale.measures``): the untaxed amount of the salesperson's orders confirmed
in the window, at the time Odoo confirmed them, in the user's timezone, of the rule's company,
converted at the rates of the confirmation day; quotations and cancelled orders never count.
"""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError

from .common import NOW, TODAY, SaleKpiCase, local


@freeze_time(NOW)
class TestSalesConfirmed(SaleKpiCase):
    def test_window_edges_in_the_users_timezone(self):
        """[24 Oct 00:00, 23 Nov 00:00) in Copenhagen: 23:30 on the last day counts, midnight
        after it does not; the first second counts, the second before it does not."""
        rule = self.make_rule("sales_confirmed", target=10000)
        counted = (self.order(self.salesman, 1000, local(2026, 11, 22, 23, 30))
                   | self.order(self.salesman, 2000, local(2026, 10, 24, 0, 0))
                   | self.order(self.salesman, 400, local(2026, 11, 5, 12)))
        self.order(self.salesman, 7, local(2026, 11, 23, 0, 0))  # today: out
        self.order(self.salesman, 7, local(2026, 10, 23, 23, 59, 59))  # the day before: out
        self.assertEqual(counted[0].date_order, local(2026, 11, 22, 23, 30),
                         "Odoo dates a confirmed order at its confirmation")
        result = self.evaluate(rule, self.salesman)
        self.assertEqual((result.value, result.target, result.score), (3400, 10000, 34.0))
        self.assertEqual(sorted(result.record_ids), sorted(counted.ids))
        self.assertEqual(result.res_model, "sale.order")
        self.assertEqual(result.currency_id, self.usd)

    def test_the_salesperson_of_the_order_and_the_state(self):
        """Quotations (sent or not) and cancelled orders never count; a locked order does; an
        order counts for its salesperson, not for whoever confirmed it."""
        rule = self.make_rule("sales_confirmed")
        day = local(2026, 11, 10, 12)
        confirmed = self.order(self.salesman, 100, day)
        locked = self.order(self.salesman, 200, day)
        locked.action_lock()
        self.order(self.salesman, 1000)  # a quotation
        sent = self.order(self.salesman, 2000)
        sent.action_quotation_sent()
        cancelled = self.order(self.salesman, 4000, day)
        cancelled._action_cancel()
        other = self.order(self.salesman2, 8000)
        with freeze_time(day):
            other.with_user(self.salesman).sudo().action_confirm()
        self.assertEqual((locked.state, locked.locked, sent.state, cancelled.state),
                         ("sale", True, "sent", "cancel"))
        result = self.evaluate(rule, self.salesman)
        self.assertEqual((result.value, sorted(result.record_ids)),
                         (300, sorted((confirmed | locked).ids)))
        self.assertEqual(self.result(rule, self.salesman2).value, 8000)

    def test_nothing_confirmed_is_a_measured_zero(self):
        rule = self.make_rule("sales_confirmed")
        self.order(self.salesman, 1000)  # a quotation only
        result = self.evaluate(rule, self.salesman)
        self.assertEqual((result.value, result.status, result.record_ids), (0, "off_track", []))

    def test_tokyo_and_new_york(self):
        """At 10:00 UTC on 23 November it is 19:00 in Tokyo and 05:00 in New York: the same
        day, but not the same midnights. An order confirmed at 23:30 on 22 November in Tokyo
        (14:30 UTC) is Tokyo's; one at 21:00 on 22 November in New York (02:00 UTC on the 23rd)
        is New York's, and already today in Tokyo."""
        tokyo = self.user("kpi_s_tokyo", tz="Asia/Tokyo")
        new_york = self.user("kpi_s_new_york", tz="America/New_York")
        rule = self.make_rule("sales_confirmed")
        at_tokyo_2330 = local(2026, 11, 22, 23, 30, tz="Asia/Tokyo")
        at_ny_2100 = local(2026, 11, 22, 21, 0, tz="America/New_York")
        tokyo_in = self.order(tokyo, 100, at_tokyo_2330)
        self.order(tokyo, 7, at_ny_2100)  # 11:00 on the 23rd in Tokyo: today, out
        ny_in = self.order(new_york, 200, at_ny_2100)
        ny_first = self.order(new_york, 50, local(2026, 10, 24, 0, 0, tz="America/New_York"))
        # 23:30 on 23 October in New York is 13:30 on the 24th in Tokyo: out for New York
        self.order(new_york, 7, local(2026, 10, 23, 23, 30, tz="America/New_York"))
        rule.evaluate()
        self.assertEqual(self.result(rule, tokyo).record_ids, tokyo_in.ids)
        self.assertEqual(self.result(rule, tokyo).value, 100)
        self.assertEqual(sorted(self.result(rule, new_york).record_ids),
                         sorted((ny_in | ny_first).ids))
        self.assertEqual(self.result(rule, new_york).value, 250)

    def test_an_order_in_euros_at_the_rate_of_its_confirmation_day(self):
        """1 USD = 0.50 EUR before 10 November, 0.80 EUR from then: 1,000 EUR confirmed on 5
        November is 2,000 USD, 1,000 EUR confirmed on 15 November 1,250 USD, whatever the
        rate of the day the order was created or of the evaluation."""
        rule = self.make_rule("sales_confirmed")
        before = self.order(self.salesman, 1000, pricelist_id=self.eur_pricelist.id)
        with freeze_time(local(2026, 11, 5, 12)):
            before.action_confirm()
        with freeze_time(local(2026, 11, 1, 12)):  # created before the change, confirmed after
            after = self.order(self.salesman, 1000, pricelist_id=self.eur_pricelist.id)
        with freeze_time(local(2026, 11, 15, 12)):
            after.action_confirm()
        self.assertEqual((before.currency_id, before.amount_untaxed), (self.eur, 1000))
        result = self.evaluate(rule, self.salesman)
        self.assertAlmostEqual(result.value, 3250, places=6)
        self.assertEqual(result.currency_id, self.usd)

    def test_another_companys_orders(self):
        """A rule of the company counts its orders only; a rule of every company counts
        both."""
        company_b = self.env["res.company"].create({"name": "KPI Sales B",
                                                    "currency_id": self.usd.id})
        self.salesman.write({"company_ids": [Command.link(company_b.id)]})
        ours = self.make_rule("sales_confirmed", company_id=self.company.id)
        every = self.make_rule("sales_confirmed", name="Sales confirmed, every company",
                               company_id=False)
        day = local(2026, 11, 10, 12)
        mine = self.order(self.salesman, 100, day)
        theirs = self.order(self.salesman, 40, day, company_id=company_b.id)
        self.assertEqual(theirs.company_id, company_b)
        (ours | every).evaluate()
        self.assertEqual((self.result(ours, self.salesman).value,
                          self.result(ours, self.salesman).record_ids), (100, mine.ids))
        self.assertEqual(self.result(every, self.salesman).value, 140)


@freeze_time(NOW)
class TestMinimumContract(SaleKpiCase):
    def test_large_orders_at_the_threshold(self):
        """Minimum 1,500: an order of exactly 1,500 counts, one of 1,499.99 does not; the
        amount is the converted one (1,000 EUR on 5 November is 2,000 USD)."""
        rule = self.make_rule("large_orders", target=3, min_amount=1500)
        share = self.make_rule("large_orders_share", target=50, min_amount=1500)
        day = local(2026, 11, 5, 12)
        at = self.order(self.salesman, 1500, day)
        self.order(self.salesman, 1499.99, day)
        euros = self.order(self.salesman, 1000, pricelist_id=self.eur_pricelist.id)
        with freeze_time(day):
            euros.action_confirm()
        self.order(self.salesman, 9999)  # a quotation: out
        self.order(self.salesman, 10, day)
        result = self.evaluate(rule, self.salesman)
        self.assertEqual((result.value, sorted(result.record_ids)), (2, sorted((at | euros).ids)))
        self.assertEqual(result.res_model, "sale.order")
        share.evaluate()
        share_result = self.result(share, self.salesman)
        self.assertEqual((share_result.value, share_result.score), (50, 100))
        self.assertEqual(sorted(share_result.record_ids), sorted((at | euros).ids))

    def test_the_share_has_no_data_without_an_order(self):
        share = self.make_rule("large_orders_share", target=50, min_amount=1500)
        count = self.make_rule("large_orders", target=1, min_amount=1500)
        self.order(self.salesman2, 5000)  # a quotation
        self.order(self.salesman2, 100, local(2026, 11, 5, 12))
        (share | count).evaluate()
        self.assertEqual(self.result(share, self.salesman).status, "no_data")
        self.assertEqual((self.result(share, self.salesman2).value,
                          self.result(share, self.salesman2).status), (0, "off_track"))
        self.assertEqual((self.result(count, self.salesman).value,
                          self.result(count, self.salesman).status), (0, "off_track"))

    def test_the_minimum_amount_is_required(self):
        rule = self.make_rule("large_orders", target=1, min_amount=1500)
        self.assertTrue(rule.needs_min_amount)
        self.assertTrue(self.make_rule("large_orders_share", min_amount=1).needs_min_amount)
        self.assertFalse(self.make_rule("sales_confirmed").needs_min_amount)
        with self.assertRaises(ValidationError) as caught:
            rule.min_amount = 0
        self.assertIn("must be greater than 0", str(caught.exception))


@freeze_time(NOW)
class TestDrillDownAndAccess(SaleKpiCase):
    def test_the_drill_down_opens_exactly_the_orders_counted(self):
        rule = self.make_rule("sales_confirmed")
        day = local(2026, 11, 10, 12)
        mine = self.order(self.salesman, 100, day) | self.order(self.salesman, 200, day)
        self.order(self.salesman, 300)  # a quotation
        self.order(self.salesman, 400, local(2026, 9, 1, 12))  # before the window
        theirs = self.order(self.salesman2, 800, day)
        rule.evaluate()
        own = self.result(rule, self.salesman).with_user(self.salesman)
        self.assertEqual(self.counted(own), mine)
        # the manager of the team opens them too
        self.assertEqual(self.counted(self.result(rule, self.salesman).with_user(self.manager)),
                         mine)
        # a salesperson reads neither a colleague's result nor, given its records, the orders
        other = self.result(rule, self.salesman2)
        with self.assertRaises(AccessError):
            other.with_user(self.salesman).read(["record_ids"])
        with self.assertRaises(AccessError):
            other.with_user(self.salesman).action_open_records()
        action = other.action_open_records()
        self.assertEqual(self.env["sale.order"].search(action["domain"]), theirs)
        self.assertFalse(self.env["sale.order"].with_user(self.salesman).search(
            action["domain"]))
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman).read(["amount_untaxed"])

    def test_today_in_a_preview(self):
        """The rule preview measures without storing, as the results."""
        rule = self.make_rule("sales_confirmed")
        self.order(self.salesman, 100, local(2026, 11, 10, 12))
        preview = self.env["kpi.rule.preview"].create({"rule_id": rule.id,
                                                       "user_id": self.salesman.id})
        preview.action_compute()
        self.assertEqual(preview.value, 100)
        self.assertFalse(self.result(rule, self.salesman, TODAY))
