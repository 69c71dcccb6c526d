"""Order fulfilment time (``fulfilment_time``) against its definition (``measures``): the average
days from an order's confirmation to its last delivery done, over the user's orders whose
deliveries are all done or cancelled and whose last one was done in the window; lower is
better."""

from freezegun import freeze_time

from odoo.exceptions import AccessError

from .common import NOW, NY, TODAY, DeliveryCase, local


@freeze_time(NOW)
class TestFulfilmentTime(DeliveryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule("fulfilment_time")

    def measured(self, user=None, rule=None):
        rule = rule or self.rule
        rule.evaluate(date=TODAY)
        return self.result(rule, user or self.salesman)

    def delivered(self, user, confirmed, *steps, **vals):
        """An order confirmed at ``confirmed`` and delivered in ``steps``: ``(at, qty)``
        each, ``qty`` None for the rest."""
        order = self.order(user, confirmed, **vals)
        picking = self.delivery(order)
        for at, qty in steps:
            picking = self.deliver(picking, at, qty=qty)
        return order

    def test_template(self):
        template = self.template("fulfilment_time")
        self.assertEqual((template.measure, template.unit, template.unit_label,
                          template.default_target, template.default_direction,
                          template.window_kind, template.default_window_days),
                         ("fulfilment_time", "days", "days", 4, "lower", "past", 30))
        self.assertEqual(self.rule.direction, "lower")

    def test_the_last_delivery_counts(self):
        """Delivered in two steps (6 on the 5th, the backorder of 4 on the 9th at 21:00):
        7.5 days from the confirmation on the 2nd at 09:00; in one step: 1.5 days; begun
        before the window and finished in it: 11 days. Average 6.67 days, against 4: 59.97%."""
        two_steps = self.delivered(self.salesman, local(2026, 11, 2, 9),
                                   (local(2026, 11, 5, 9), 6), (local(2026, 11, 9, 21), None))
        self.assertEqual(len(two_steps.picking_ids), 2)
        one_step = self.delivered(self.salesman, local(2026, 11, 10, 9),
                                  (local(2026, 11, 11, 21), None))
        across = self.delivered(self.salesman, local(2026, 10, 15, 11),
                                (local(2026, 10, 20, 9), 5), (local(2026, 10, 26, 10), None))
        result = self.measured()
        self.assertEqual(result.value, 6.67)
        self.assertEqual(sorted(result.record_ids), sorted((two_steps | one_step | across).ids))
        self.assertEqual((result.score, result.status), (59.97, "off_track"))
        self.assertEqual(result.res_model, "sale.order")

    def test_an_order_still_partially_delivered_is_not_counted(self):
        """6 of 10 delivered, the backorder still open: not counted (no data), until the rest
        leaves, in the window in which it leaves."""
        order = self.order(self.salesman, local(2026, 11, 2, 9))
        rest = self.deliver(self.delivery(order), local(2026, 11, 5, 9), qty=6)
        self.assertEqual(order.delivery_status, "partial")
        self.assertEqual(self.measured().status, "no_data")
        self.deliver(rest, local(2026, 11, 23, 9))  # today: the next window's
        self.assertEqual(self.measured().status, "no_data")
        self.rule.evaluate(date=TODAY.replace(day=24))
        later = self.result(self.rule, self.salesman, TODAY.replace(day=24))
        self.assertEqual((later.value, later.record_ids), (21, order.ids))

    def test_an_order_whose_rest_was_cancelled_is_complete(self):
        """6 of 10 delivered on the 14th, no backorder: complete then, 2 days."""
        order = self.order(self.salesman, local(2026, 11, 12, 9))
        self.assertFalse(self.deliver(self.delivery(order), local(2026, 11, 14, 9), qty=6,
                                      backorder=False))
        result = self.measured()
        self.assertEqual((result.value, result.record_ids), (2, order.ids))

    def test_window_edges_in_the_users_timezone(self):
        """Last delivery at 23:30 on the window's last day (Copenhagen): counted; at 00:30 the
        next day: not. The New York salesperson's window ends 6 hours later."""
        edge = self.delivered(self.salesman, local(2026, 11, 20, 23, 30),
                              (local(2026, 11, 22, 23, 30), None))
        self.delivered(self.salesman, local(2026, 11, 20, 23, 30),
                       (local(2026, 11, 23, 0, 30), None))
        ny = self.delivered(self.ny, local(2026, 11, 20, 23, 30),
                            (local(2026, 11, 23, 0, 30), None))
        result = self.measured()
        self.assertEqual((result.value, result.record_ids), (2, edge.ids))
        theirs = self.result(self.rule, self.ny)
        self.assertEqual((theirs.value, theirs.record_ids), (2.04, ny.ids))
        self.assertEqual(local(2026, 11, 23, 0, 30), local(2026, 11, 22, 18, 30, tz=NY))

    def test_returns_cancelled_orders_and_other_companies(self):
        """A return after the delivery changes nothing (its receipt is no delivery); a
        cancelled order is not counted; a rule of the first company leaves the second's
        orders out."""
        order = self.delivered(self.salesman, local(2026, 11, 2, 9), (local(2026, 11, 4, 9), None))
        self.return_of(order.picking_ids, local(2026, 11, 10, 9), qty=3)
        cancelled = self.order(self.salesman, local(2026, 11, 2, 9))
        self.deliver(self.delivery(cancelled), local(2026, 11, 3, 9), qty=6)
        cancelled._action_cancel()
        other = self.env["res.company"].create({"name": "KPI Delivery B"})
        self.salesman.company_ids |= other
        for warehouse in self.env["stock.warehouse"].search([("company_id", "=", other.id)]):
            self.env["stock.quant"]._update_available_quantity(
                self.product, warehouse.lot_stock_id, 100)
        theirs = self.delivered(self.salesman, local(2026, 11, 2, 9),
                                (local(2026, 11, 8, 9), None), company=other)
        result = self.measured()
        self.assertEqual((result.value, result.record_ids), (2, order.ids))
        everywhere = self.make_rule("fulfilment_time", name="Fulfilment", company_id=False)
        result = self.measured(rule=everywhere)
        self.assertEqual((result.value, sorted(result.record_ids)),
                         (4, sorted((order | theirs).ids)))

    def test_no_order_completed_no_data(self):
        self.order(self.salesman, local(2026, 11, 2, 9))  # not delivered yet
        self.delivered(self.salesman, local(2026, 10, 1, 9), (local(2026, 10, 2, 9), None))
        result = self.measured()
        self.assertEqual((result.status, result.record_ids or []), ("no_data", []))

    def test_drill_downs_open_the_right_records(self):
        """Counted: the orders completed in the window. Still to do: the user's orders with a
        delivery still open (a partly delivered one included, a colleague's not)."""
        done = self.delivered(self.salesman, local(2026, 11, 2, 9), (local(2026, 11, 4, 9), None))
        open_order = self.order(self.salesman, local(2026, 11, 2, 9))
        partly = self.order(self.salesman, local(2026, 11, 2, 9))
        self.deliver(self.delivery(partly), local(2026, 11, 3, 9), qty=6)
        self.order(self.salesman2, local(2026, 11, 2, 9))
        result = self.measured()
        mine = result.with_user(self.salesman)
        self.assertEqual(self.env["sale.order"].with_user(self.salesman).search(
            mine.action_open_records()["domain"]), done)
        self.assertEqual((mine.todo_count, mine.todo_label), (2, "2 orders still to deliver"))
        self.assertEqual(self.env["sale.order"].search(mine.action_open_todo()["domain"]),
                         open_order | partly)
        with self.assertRaises(AccessError):
            result.with_user(self.salesman2).action_open_records()
