"""The growth of sold and invoiced revenue, with the semantics of won revenue growth: the
difference with the user's baseline, or its % (no data for a baseline of 0 or less), against
the previous period or the same dates a year earlier, in each user's timezone.

Evaluated today (23 November 2026) over 30 days: the window is [24 Oct, 23 Nov) local, the
previous period [24 Sep, 24 Oct), the same period last year [24 Oct 2025, 23 Nov 2025).
"""

from freezegun import freeze_time

from .common import NOW, TZ, D, SaleKpiCase, local


@freeze_time(NOW)
class TestSalesGrowth(SaleKpiCase):
    def known_orders(self):
        """500 confirmed in the window (its first and last seconds), 410 in the previous period
        (its first and last seconds); salesman2 50 in the window and nothing before."""
        window = (self.order(self.salesman, 300, local(2026, 10, 24))
                  | self.order(self.salesman, 200, local(2026, 11, 22, 23, 59, 59)))
        self.order(self.salesman, 250, local(2026, 9, 24))
        self.order(self.salesman, 160, local(2026, 10, 23, 23, 59, 59))
        self.order(self.salesman, 999, local(2026, 9, 23, 23, 59, 59))  # before both
        cancelled = self.order(self.salesman, 5000, local(2026, 10, 1, 12))
        cancelled._action_cancel()
        first = self.order(self.salesman2, 50, local(2026, 11, 20, 12))
        return window, first

    def test_growth_amount_and_percent(self):
        amount = self.make_rule("sales_confirmed_growth", target=100)
        percent = self.make_rule("sales_confirmed_growth_pct", target=20)
        self.assertEqual((amount.growth_comparison, amount.unit, percent.unit),
                         ("previous", "amount", "percent"))
        window, first = self.known_orders()
        (amount | percent).evaluate()
        result = self.result(amount, self.salesman)
        self.assertEqual((result.value, result.baseline, result.score), (90, 410, 90.0))
        self.assertEqual(sorted(result.record_ids), sorted(window.ids))
        self.assertTrue(result.is_growth)
        self.assertEqual(self.counted(result), window)
        pct = self.result(percent, self.salesman)
        self.assertEqual((pct.value, pct.baseline, pct.score), (21.95, 410, 109.75))
        # a first sale against a baseline of 0: a growth of its amount, no % of it
        self.assertEqual((self.result(amount, self.salesman2).value,
                          self.result(amount, self.salesman2).record_ids), (50, first.ids))
        zero = self.result(percent, self.salesman2)
        self.assertEqual((zero.status, zero.baseline), ("no_data", 0))
        self.env.cr.execute("SELECT value, score FROM kpi_result WHERE id = %s", [zero.id])
        self.assertEqual(self.env.cr.fetchone(), (None, None))

    def test_same_period_last_year(self):
        rule = self.make_rule("sales_confirmed_growth", target=100,
                              growth_comparison="last_year")
        self.known_orders()
        self.order(self.salesman, 400, local(2025, 10, 24))  # first second: in
        self.order(self.salesman, 7, local(2025, 11, 23))  # its end: out
        result = self.evaluate(rule, self.salesman)
        self.assertEqual((result.value, result.baseline), (100, 400))


@freeze_time(NOW)
class TestInvoicedGrowth(SaleKpiCase):
    def invoiced(self, user, amount, invoice_date):
        confirmed = local(invoice_date.year, invoice_date.month, invoice_date.day, 9)
        return self.invoice(self.order(user, amount, confirmed), invoice_date)

    def test_growth_by_invoice_dates(self):
        """500 invoiced on 24 October and 22 November against 410 on 24 September and 23
        October; salesman2 invoiced 100 and credited 150 in the previous period (a baseline of
        -50), 20 in the window: +70, and no % of a negative baseline."""
        amount = self.make_rule("invoiced_revenue_growth", target=100)
        percent = self.make_rule("invoiced_revenue_growth_pct", target=20)
        window = (self.invoiced(self.salesman, 300, D(2026, 10, 24))
                  | self.invoiced(self.salesman, 200, D(2026, 11, 22)))
        self.invoiced(self.salesman, 250, D(2026, 9, 24))
        self.invoiced(self.salesman, 160, D(2026, 10, 23))
        self.invoiced(self.salesman, 7, D(2026, 9, 23))  # before both
        self.invoiced(self.salesman, 7, D(2026, 11, 23))  # today
        baseline = self.invoiced(self.salesman2, 100, D(2026, 9, 30))
        self.refund(baseline, D(2026, 10, 10), price_unit=150)
        self.invoiced(self.salesman2, 20, D(2026, 11, 1))
        (amount | percent).evaluate()
        result = self.result(amount, self.salesman)
        self.assertEqual((result.value, result.baseline, sorted(result.record_ids)),
                         (90, 410, sorted(window.ids)))
        self.assertEqual(self.counted(result), window)
        self.assertEqual((self.result(percent, self.salesman).value,
                          self.result(percent, self.salesman).baseline), (21.95, 410))
        negative = self.result(amount, self.salesman2)
        self.assertEqual((negative.value, negative.baseline), (70, -50))
        self.assertEqual(self.result(percent, self.salesman2).status, "no_data")

    def test_same_dates_last_year(self):
        rule = self.make_rule("invoiced_revenue_growth", target=100,
                              growth_comparison="last_year")
        self.invoiced(self.salesman, 500, D(2026, 11, 1))
        self.invoiced(self.salesman, 300, D(2025, 10, 24))  # in
        self.invoiced(self.salesman, 100, D(2025, 11, 22))  # in
        self.invoiced(self.salesman, 7, D(2025, 10, 23))  # out
        self.invoiced(self.salesman, 7, D(2025, 11, 23))  # out
        result = self.evaluate(rule, self.salesman)
        self.assertEqual((result.value, result.baseline), (100, 400))

    def test_the_period_so_far_against_as_many_days_of_the_previous_one(self):
        """The estimate measures November so far (1 - 23 November: 23 days have begun by
        11:00 on the 23rd); the previous 30 days start on 2 October: its first 23 days, 2 -
        24 October, are the baseline."""
        rule = self.make_rule("invoiced_revenue_growth", target=100)
        self.invoiced(self.salesman, 1000, D(2026, 11, 23))  # today: in the period so far
        self.invoiced(self.salesman, 300, D(2026, 10, 2))  # in
        self.invoiced(self.salesman, 500, D(2026, 10, 24))  # in
        self.invoiced(self.salesman, 7, D(2026, 10, 25))  # out
        self.invoiced(self.salesman, 7, D(2026, 10, 1))  # out
        rows = [(self.salesman.id, self.salesman.partner_id.id, TZ)]
        cut = rule._measure_period(rows, D(2026, 11, 1), D(2026, 11, 30),
                                   until=NOW)[self.salesman.id]
        self.assertEqual((cut.value, cut.baseline), (200, 800))
        whole = rule._measure_period(rows, D(2026, 11, 1), D(2026, 11, 30))[self.salesman.id]
        self.assertEqual((whole.value, whole.baseline), (193, 807))
