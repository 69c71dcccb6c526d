"""Invoiced revenue, against its definition (``kpi_management_sale.measures``): the untaxed
amount of the posted customer invoices and credit notes of the lines that come from the
salesperson's orders, by invoice date in the user's days, credit notes negative on their own
date, in the company's currency converted at the rates of the invoice date."""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError

from .common import NOW, D, SaleKpiCase, local

#: 2 December 2026, 11:00 in Copenhagen: the 30-day windows evaluated on 1 November and
#: 1 December cover [2 Oct, 1 Nov) and [1 Nov, 1 Dec), "October" and "November" below
DEC2 = datetime.datetime(2026, 12, 2, 10, 0, 0)
OCTOBER = D(2026, 11, 1)
NOVEMBER = D(2026, 12, 1)


@freeze_time(DEC2)
class TestRefundsOnTheirOwnDate(SaleKpiCase):
    def test_a_credit_note_lowers_the_period_it_is_issued_in(self):
        """Invoiced 1,000 on 20 October, credited 400 on 5 November: October keeps its 1,000
        (already paid), November is 300 invoiced - 400 credited = -100."""
        rule = self.make_rule("invoiced_revenue", target=1000)
        order_a = self.order(self.salesman, 1000, local(2026, 10, 5, 12))
        invoice_a = self.invoice(order_a, D(2026, 10, 20))
        refund_a = self.refund(invoice_a, D(2026, 11, 5), price_unit=400)
        order_b = self.order(self.salesman, 300, local(2026, 11, 2, 12))
        invoice_b = self.invoice(order_b, D(2026, 11, 10))
        self.assertEqual((refund_a.move_type, refund_a.state, refund_a.amount_untaxed),
                         ("out_refund", "posted", 400))
        self.assertEqual(refund_a.invoice_line_ids.sale_line_ids, order_a.order_line)
        october = self.evaluate(rule, self.salesman, OCTOBER)
        november = self.evaluate(rule, self.salesman, NOVEMBER)
        self.assertEqual((october.value, october.record_ids), (1000, invoice_a.ids))
        self.assertEqual((november.value, november.score, november.status), (-100, 0, "off_track"))
        self.assertEqual(sorted(november.record_ids), sorted((invoice_b | refund_a).ids))
        self.assertEqual(november.res_model, "account.move")
        self.assertEqual(self.counted(november), invoice_b | refund_a)

    def test_only_posted_customer_invoices_of_the_users_orders(self):
        """A manual invoice of the salesperson (no order), a draft, a cancelled invoice, and
        the invoice of a colleague's order that names the salesperson do not count for him;
        the colleague's does, by the order's salesperson."""
        rule = self.make_rule("invoiced_revenue", target=1000)
        day = D(2026, 11, 10)
        counted = self.invoice(self.order(self.salesman, 100, local(2026, 11, 2, 12)), day)
        manual = self.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": self.customer.id,
            "invoice_user_id": self.salesman.id, "invoice_date": day,
            "invoice_line_ids": [Command.create({"product_id": self.product.id,
                                                 "quantity": 1, "price_unit": 5000})],
        })
        manual.action_post()
        draft = self.order(self.salesman, 200, local(2026, 11, 2, 12))._create_invoices()
        draft.invoice_date = day
        cancelled = self.invoice(self.order(self.salesman, 400, local(2026, 11, 2, 12)), day)
        cancelled.button_draft()
        cancelled.button_cancel()
        theirs = self.order(self.salesman2, 800, local(2026, 11, 2, 12))
        their_invoice = theirs._create_invoices()
        their_invoice.write({"invoice_user_id": self.salesman.id, "invoice_date": day})
        their_invoice.action_post()
        self.assertEqual((manual.state, draft.state, cancelled.state),
                         ("posted", "draft", "cancel"))
        rule.evaluate(date=NOVEMBER)
        mine = self.result(rule, self.salesman, NOVEMBER)
        self.assertEqual((mine.value, mine.record_ids), (100, counted.ids))
        colleague = self.result(rule, self.salesman2, NOVEMBER)
        self.assertEqual((colleague.value, colleague.record_ids), (800, their_invoice.ids))

    def test_the_lines_of_the_order_only_and_untaxed(self):
        """An invoice with a line from the order and a line added by hand counts the order's
        line, untaxed (the product carries the company's sales tax)."""
        rule = self.make_rule("invoiced_revenue", target=1000)
        order = self.order(self.salesman, 1000, local(2026, 11, 2, 12))
        invoice = order._create_invoices()
        invoice.write({"invoice_date": D(2026, 11, 10), "invoice_line_ids": [Command.create({
            "product_id": self.product.id, "quantity": 1, "price_unit": 5000})]})
        invoice.action_post()
        self.assertEqual(invoice.amount_untaxed, 6000)
        self.assertTrue(invoice.amount_tax, "the sales tax is on the invoice, left out")
        self.assertEqual(self.evaluate(rule, self.salesman, NOVEMBER).value, 1000)


@freeze_time(NOW)
class TestInvoiceDates(SaleKpiCase):
    def test_window_edges_are_the_users_dates(self):
        """Evaluated on 23 November over 30 days: invoices dated 24 October to 22 November."""
        rule = self.make_rule("invoiced_revenue", target=1000)
        day = local(2026, 10, 20, 12)
        counted = (self.invoice(self.order(self.salesman, 100, day), D(2026, 10, 24))
                   | self.invoice(self.order(self.salesman, 200, day), D(2026, 11, 22)))
        self.invoice(self.order(self.salesman, 7, day), D(2026, 10, 23))
        self.invoice(self.order(self.salesman, 7, day), D(2026, 11, 23))
        result = self.evaluate(rule, self.salesman)
        self.assertEqual((result.value, sorted(result.record_ids)), (300, sorted(counted.ids)))

    def test_tokyo_and_new_york(self):
        """At 02:00 UTC on 23 November it is 11:00 on the 23rd in Tokyo and 21:00 on the 22nd
        in New York: Tokyo's window is 24 October - 22 November, New York's 23 October - 21
        November."""
        tokyo = self.user("kpi_s_tokyo", tz="Asia/Tokyo")
        new_york = self.user("kpi_s_new_york", tz="America/New_York")
        rule = self.make_rule("invoiced_revenue", target=1000)
        day = local(2026, 10, 20, 12)
        tokyo_in = self.invoice(self.order(tokyo, 100, day), D(2026, 11, 22))
        self.invoice(self.order(tokyo, 7, day), D(2026, 10, 23))
        ny_in = self.invoice(self.order(new_york, 200, day), D(2026, 10, 23))
        self.invoice(self.order(new_york, 7, day), D(2026, 11, 22))
        with freeze_time(datetime.datetime(2026, 11, 23, 2, 0)):
            rule.evaluate()
        self.assertEqual((self.result(rule, tokyo).date, self.result(rule, new_york).date),
                         (D(2026, 11, 23), D(2026, 11, 22)))
        self.assertEqual((self.result(rule, tokyo).value, self.result(rule, tokyo).record_ids),
                         (100, tokyo_in.ids))
        self.assertEqual(
            (self.result(rule, new_york).value, self.result(rule, new_york).record_ids),
            (200, ny_in.ids))

    def test_in_the_companys_currency_at_the_rate_of_the_invoice_date(self):
        """1,000 EUR ordered on 5 November (2,000 USD then) and invoiced on 15 November, when
        1 USD = 0.80 EUR: 1,250 USD, the invoice's amount in the company's currency."""
        rule = self.make_rule("invoiced_revenue", target=1000)
        order = self.order(self.salesman, 1000, pricelist_id=self.eur_pricelist.id)
        with freeze_time(local(2026, 11, 5, 12)):
            order.action_confirm()
        invoice = self.invoice(order, D(2026, 11, 15))
        self.assertEqual((invoice.currency_id, invoice.amount_untaxed_signed), (self.eur, 1250))
        self.assertAlmostEqual(self.evaluate(rule, self.salesman).value, 1250, places=6)

    def test_another_companys_invoices(self):
        """A rule of the company counts the invoices of that company only."""
        company_b = self.env["res.company"].create({"name": "KPI Invoicing B",
                                                    "currency_id": self.usd.id})
        self.env["account.chart.template"].try_loading("generic_coa", company_b,
                                                       install_demo=False)
        self.salesman.write({"company_ids": [Command.link(company_b.id)]})
        ours = self.make_rule("invoiced_revenue", company_id=self.company.id)
        every = self.make_rule("invoiced_revenue", name="Invoiced, every company",
                               company_id=False)
        day = local(2026, 11, 2, 12)
        mine = self.invoice(self.order(self.salesman, 100, day), D(2026, 11, 10))
        order_b = self.order(self.salesman, 40, company_id=company_b.id)
        order_b = order_b.with_company(company_b)
        with freeze_time(day):
            order_b.action_confirm()
        theirs = self.invoice(order_b, D(2026, 11, 10))
        self.assertEqual(theirs.company_id, company_b)
        (ours | every).evaluate()
        self.assertEqual((self.result(ours, self.salesman).value,
                          self.result(ours, self.salesman).record_ids), (100, mine.ids))
        self.assertEqual(self.result(every, self.salesman).value, 140)

    def test_a_salesperson_opens_his_own_invoices_only(self):
        rule = self.make_rule("invoiced_revenue", target=1000)
        day = local(2026, 11, 2, 12)
        mine = self.invoice(self.order(self.salesman, 100, day), D(2026, 11, 10))
        theirs = self.invoice(self.order(self.salesman2, 800, day), D(2026, 11, 10))
        rule.evaluate()
        self.assertEqual(self.counted(self.result(rule, self.salesman).with_user(self.salesman)),
                         mine)
        other = self.result(rule, self.salesman2)
        with self.assertRaises(AccessError):
            other.with_user(self.salesman).action_open_records()
        action = other.action_open_records()
        self.assertEqual(self.env["account.move"].search(action["domain"]), theirs)
        self.assertFalse(self.env["account.move"].with_user(self.salesman).search(
            action["domain"]))
