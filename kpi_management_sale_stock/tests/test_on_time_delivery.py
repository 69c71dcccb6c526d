"""On-time delivery (``on_time_delivery``) against its definition (``measures``): the deliveries
of the user's confirmed orders done in the window, on time when done by the promised day in
the user's timezone; the promise is the delivery's deadline, which rescheduling does not move.
"""

import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tools import SQL

from .common import NOW, NY, TODAY, DeliveryCase, local

ONE_DAY = datetime.timedelta(days=1)


@freeze_time(NOW)
class TestOnTimeDelivery(DeliveryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule("on_time_delivery")

    def measured(self, user=None, rule=None):
        rule = rule or self.rule
        rule.evaluate(date=TODAY)
        return self.result(rule, user or self.salesman)

    def shipped(self, user, confirmed, done, commitment=None, **vals):
        """An order confirmed at ``confirmed``, promised for ``commitment``, delivered at
        ``done``: its delivery."""
        order = self.order(user, confirmed, commitment=commitment, **vals)
        picking = self.delivery(order)
        self.deliver(picking, done)
        return picking

    def test_template(self):
        template = self.template("on_time_delivery")
        self.assertEqual((template.measure, template.unit, template.default_target,
                          template.default_direction, template.window_kind,
                          template.default_window_days),
                         ("on_time_delivery", "percent", 95, "higher", "past", 30))
        self.assertEqual(self.rule.unit, "percent")

    def test_window_edges_in_the_users_timezone(self):
        """Done at 23:30 on the window's last day (Copenhagen) counts, at 00:30 the next day
        not; at 00:10 on its first day counts, at 23:50 the day before not."""
        promise = local(2026, 12, 31, 12)
        inside = [
            self.shipped(self.salesman, local(2026, 10, 20, 9), local(2026, 10, 24, 0, 10),
                         commitment=promise),
            self.shipped(self.salesman, local(2026, 11, 1, 9), local(2026, 11, 22, 23, 30),
                         commitment=promise),
        ]
        self.shipped(self.salesman, local(2026, 10, 20, 9), local(2026, 10, 23, 23, 50),
                     commitment=promise)
        self.shipped(self.salesman, local(2026, 11, 1, 9), local(2026, 11, 23, 0, 30),
                     commitment=promise)
        result = self.measured()
        self.assertEqual((result.status, result.value), ("reached", 100))
        self.assertEqual(sorted(result.record_ids), sorted(p.id for p in inside))

    def test_two_timezones(self):
        """The same instant, 04:30 UTC on 23 November, is 22 November at 23:30 in New York
        (in the window of the New York salesperson) and 23 November at 05:30 in Copenhagen
        (today: not in the window). On-time is taken by the local day of each: promised for
        20 November 23:00 UTC, which is 21 November in Copenhagen and 20 November in New
        York, a delivery done at 21 November 12:00 UTC is on time in Copenhagen, a day late
        in New York."""
        instant = datetime.datetime(2026, 11, 23, 4, 30)
        promise = datetime.datetime(2026, 11, 20, 23, 0)
        self.assertEqual(local(2026, 11, 22, 23, 30, tz=NY), instant)
        ny_late = self.shipped(self.ny, local(2026, 11, 2, 9), instant, commitment=promise)
        self.shipped(self.salesman, local(2026, 11, 2, 9), instant, commitment=promise)
        cph = self.shipped(self.salesman, local(2026, 11, 2, 9),
                           datetime.datetime(2026, 11, 21, 12), commitment=promise)
        ny = self.shipped(self.ny, local(2026, 11, 2, 9),
                          datetime.datetime(2026, 11, 21, 12), commitment=promise)
        mine, theirs = self.measured(), self.result(self.rule, self.ny)
        self.assertEqual((mine.value, mine.record_ids), (100, cph.ids))
        self.assertEqual((theirs.value, sorted(theirs.record_ids)),
                         (0, sorted((ny | ny_late).ids)))

    def test_on_time_by_the_promised_day_with_a_delivery_date(self):
        """Promised for 10 November (the order's Delivery Date, 00:00 in Copenhagen): done in
        the afternoon of the 10th is on time, at 00:30 on the 11th late."""
        promise = local(2026, 11, 10, 0, 0)
        on_time = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 10, 16),
                               commitment=promise)
        late = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 11, 0, 30),
                            commitment=promise)
        self.assertEqual(on_time.date_deadline, promise)
        result = self.measured()
        self.assertEqual(result.value, 50)
        self.assertEqual(sorted(result.record_ids), sorted((on_time | late).ids))
        self.assertEqual(result.status, "off_track")

    def test_without_a_delivery_date_the_promise_is_the_customer_lead_time(self):
        """No Delivery Date: the promise is the confirmation plus the product's customer lead
        time (3 days): confirmed 2 November at 15:00, promised 5 November."""
        slow = self._product("Made to order", lead=3)
        on_time = self.shipped(self.salesman, local(2026, 11, 2, 15), local(2026, 11, 5, 20),
                               products=slow)
        late = self.shipped(self.salesman, local(2026, 11, 2, 15), local(2026, 11, 6, 8),
                            products=slow)
        self.assertEqual(on_time.date_deadline, local(2026, 11, 5, 15))
        result = self.measured()
        self.assertEqual((result.value, len(result.record_ids)), (50, 2))
        self.assertEqual(self.result(self.rule, self.salesman).record_ids,
                         sorted((on_time | late).ids))

    def test_rescheduling_the_delivery_does_not_move_the_promise(self):
        """Promised for 10 November: the warehouse reschedules the delivery to the 12th and
        ships it then: late all the same."""
        order = self.order(self.salesman, local(2026, 11, 2, 9),
                           commitment=local(2026, 11, 10, 12))
        picking = self.delivery(order)
        picking.scheduled_date = local(2026, 11, 12, 12)
        self.assertEqual(picking.date_deadline, local(2026, 11, 10, 12))
        self.deliver(picking, local(2026, 11, 12, 12))
        self.assertEqual(self.measured().value, 0)

    def test_a_new_delivery_date_is_a_new_promise(self):
        """The customer agrees to a new Delivery Date (the 15th) before the delivery leaves:
        Odoo moves the open delivery's deadline, and the delivery on the 14th is on time."""
        order = self.order(self.salesman, local(2026, 11, 2, 9),
                           commitment=local(2026, 11, 10, 12))
        order.commitment_date = local(2026, 11, 15, 12)
        picking = self.delivery(order)
        self.assertEqual(picking.date_deadline, local(2026, 11, 15, 12))
        self.deliver(picking, local(2026, 11, 14, 12))
        self.assertEqual(self.measured().value, 100)

    def test_a_delivery_without_deadline_falls_back_on_the_order(self):
        """A delivery without deadline (cleared in SQL, as a transfer made by hand has none)
        is measured against the order's Delivery Date, else against the expected date of the
        lines it delivers (confirmation + customer lead time)."""
        slow = self._product("Made to order", lead=3)
        dated = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 11, 9),
                             commitment=local(2026, 11, 10, 9))
        lead_on_time = self.shipped(self.salesman, local(2026, 11, 2, 9),
                                    local(2026, 11, 5, 22), products=slow)
        lead_late = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 6, 9),
                                 products=slow)
        pickings = dated | lead_on_time | lead_late
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE stock_picking SET date_deadline = NULL WHERE id = ANY(%s)",
                                pickings.ids))
        self.env.cr.execute(SQL("UPDATE stock_move SET date_deadline = NULL WHERE picking_id = ANY(%s)",
                                pickings.ids))
        self.env.invalidate_all()
        result = self.measured()
        # dated: late (the 11th for the 10th); by the lead time: on time, then late
        self.assertEqual((len(result.record_ids), round(result.value, 2)), (3, 33.33))

    def test_partial_delivery_and_backorder_each_with_its_promise(self):
        """10 ordered for the 10th: 6 leave on the 9th, the backorder of 4 on the 12th. Two
        deliveries, the backorder keeping the promise of its moves: 1 of 2 on time. A third
        order delivered in two steps on time: 3 of 4."""
        order = self.order(self.salesman, local(2026, 11, 2, 9),
                           commitment=local(2026, 11, 10, 12))
        first = self.delivery(order)
        backorder = self.deliver(first, local(2026, 11, 9, 12), qty=6)
        self.assertEqual(backorder.date_deadline, local(2026, 11, 10, 12))
        backorder.scheduled_date = local(2026, 11, 12, 8)  # rescheduled: same promise
        self.deliver(backorder, local(2026, 11, 12, 12))
        self.assertEqual(len(order.picking_ids), 2)
        result = self.measured()
        self.assertEqual((result.value, sorted(result.record_ids)), (50, sorted(order.picking_ids.ids)))
        other = self.order(self.salesman, local(2026, 11, 2, 9),
                           commitment=local(2026, 11, 20, 12))
        rest = self.deliver(self.delivery(other), local(2026, 11, 9, 12), qty=6)
        self.deliver(rest, local(2026, 11, 20, 23))
        self.assertEqual(self.measured().value, 75)

    def test_cancelled_orders_and_transfers_never_count(self):
        """A backorder cancelled is no delivery; a cancelled order counts nowhere, its
        delivery done before the cancellation included; a quotation has no delivery."""
        order = self.order(self.salesman, local(2026, 11, 2, 9),
                           commitment=local(2026, 11, 10, 12))
        done = self.delivery(order)
        rest = self.deliver(done, local(2026, 11, 9, 12), qty=6)
        rest.action_cancel()
        self.assertEqual(rest.state, "cancel")
        cancelled = self.order(self.salesman, local(2026, 11, 2, 9),
                               commitment=local(2026, 11, 10, 12))
        shipped = self.delivery(cancelled)
        self.deliver(shipped, local(2026, 11, 12, 12), qty=6)  # late
        cancelled._action_cancel()
        self.assertEqual((cancelled.state, shipped.state), ("cancel", "done"))
        result = self.measured()
        self.assertEqual((result.value, result.record_ids), (100, done.ids))

    def test_a_return_is_no_delivery(self):
        """The customer sends 2 back (a receipt, done late): one delivery, on time."""
        picking = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 9, 12),
                               commitment=local(2026, 11, 10, 12))
        returned = self.return_of(picking, local(2026, 11, 15, 12), qty=2)
        self.assertEqual(returned.sale_id, picking.sale_id)
        result = self.measured()
        self.assertEqual((result.value, result.record_ids), (100, picking.ids))

    def test_a_return_of_the_delivery_type_is_no_delivery(self):
        """Without a return type, Odoo returns with the delivery's own type, to stock: not a
        delivery (its destination is not a customer's)."""
        picking = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 9, 12),
                               commitment=local(2026, 11, 10, 12))
        picking.picking_type_id.return_picking_type_id = False
        returned = self.return_of(picking, local(2026, 11, 15, 12), qty=2)
        self.assertEqual(returned.picking_type_id, picking.picking_type_id)
        self.assertEqual(self.measured().record_ids, picking.ids)

    def test_another_companys_orders(self):
        """A salesperson of both companies: a rule of the first company counts its orders
        only, a rule of every company both."""
        other = self.env["res.company"].create({"name": "KPI Delivery B"})
        self.salesman.company_ids |= other
        for warehouse in self.env["stock.warehouse"].search([("company_id", "=", other.id)]):
            self.env["stock.quant"]._update_available_quantity(
                self.product, warehouse.lot_stock_id, 100)
        mine = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 9, 12),
                            commitment=local(2026, 11, 10, 12))
        theirs = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 12, 12),
                              commitment=local(2026, 11, 10, 12), company=other)
        self.assertEqual(theirs.company_id, other)
        self.assertEqual(self.rule.company_id, self.company)  # the default
        company_rule = self.rule
        everywhere_rule = self.make_rule("on_time_delivery", name="On time", company_id=False)
        self.assertEqual((self.measured(rule=company_rule).value,
                          self.result(company_rule, self.salesman).record_ids),
                         (100, mine.ids))
        everywhere = self.measured(rule=everywhere_rule)
        self.assertEqual((everywhere.value, sorted(everywhere.record_ids)),
                         (50, sorted((mine | theirs).ids)))

    def test_no_delivery_no_data(self):
        """No delivery done in the window: no data (a delivery still open, one done before
        the window, and a colleague's do not make it measured)."""
        self.order(self.salesman, local(2026, 11, 2, 9), commitment=local(2026, 11, 10, 12))
        self.shipped(self.salesman, local(2026, 10, 1, 9), local(2026, 10, 10, 12))
        self.shipped(self.salesman2, local(2026, 11, 2, 9), local(2026, 11, 9, 12),
                     commitment=local(2026, 11, 10, 12))
        result = self.measured()
        self.assertEqual((result.status, result.record_ids or []), ("no_data", []))
        self.assertEqual(self.result(self.rule, self.salesman2).value, 100)

    def test_the_orders_salesperson_is_whose_delivery_it_is(self):
        """The order's salesperson, not the transfer's responsible: an order handed over to a
        colleague is the colleague's."""
        picking = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 9, 12))
        picking.user_id = self.salesman
        picking.sale_id.user_id = self.salesman2
        self.assertEqual(self.measured(self.salesman2).record_ids, picking.ids)
        self.assertEqual(self.result(self.rule, self.salesman).status, "no_data")

    def test_drill_downs_open_the_right_records(self):
        """Counted: the deliveries done in the window. Still to do: the user's deliveries still
        open whose promised day is over (today's promise is not late yet; a colleague's late
        delivery is not mine). A colleague can open neither."""
        done = self.shipped(self.salesman, local(2026, 11, 2, 9), local(2026, 11, 12, 12),
                            commitment=local(2026, 11, 10, 12))
        late = self.delivery(self.order(self.salesman, local(2026, 11, 2, 9),
                                        commitment=local(2026, 11, 20, 12)))
        late_too = self.deliver(self.delivery(self.order(
            self.salesman, local(2026, 11, 2, 9), commitment=local(2026, 11, 22, 23, 30))),
            local(2026, 11, 20, 12), qty=4)
        self.delivery(self.order(self.salesman, local(2026, 11, 2, 9),
                                 commitment=local(2026, 11, 23, 23, 0)))  # due today
        self.delivery(self.order(self.salesman2, local(2026, 11, 2, 9),
                                 commitment=local(2026, 11, 20, 12)))
        result = self.measured()
        mine = result.with_user(self.salesman)
        self.assertEqual(self.env["stock.picking"].with_user(self.salesman).search(
            mine.action_open_records()["domain"]), done | late_too.backorder_id)
        self.assertEqual((mine.todo_count, mine.todo_label),
                         (2, "2 late deliveries still to ship"))
        todo = mine.action_open_todo()
        self.assertEqual(todo["res_model"], "stock.picking")
        self.assertEqual(self.env["stock.picking"].search(todo["domain"]), late | late_too)
        with self.assertRaises(AccessError):
            result.with_user(self.salesman2).action_open_records()
        with self.assertRaises(AccessError):
            result.with_user(self.salesman2).action_open_todo()

    def test_query_count_independent_of_users(self):
        rules = self.rule | self.make_rule("fulfilment_time")
        rules.reminder = False  # the reminders' own count is the core's (test_reminders)

        def count():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            rules.evaluate(date=TODAY)
            return self.env.cr.sql_log_count - before

        count()  # warm-up: caches of templates and fields
        few = count()
        for index in range(12):
            user = self._user("kpi_d_bulk%s" % index, tz=NY if index % 2 else "Asia/Tokyo")
            self.shipped(user, local(2026, 11, 2, 9), local(2026, 11, 9 + index % 5, 12),
                         commitment=local(2026, 11, 11, 12))
        many = count()
        results = self.env["kpi.result"].search([("rule_id", "in", rules.ids),
                                                 ("date", "=", TODAY)])
        self.assertEqual(len(results), 2 * 15)
        self.assertEqual(len(results.filtered(lambda r: r.status != "no_data")), 2 * 12)
        self.assertEqual(many, few, "queries with 3 users: %s, with 15 users: %s" % (few, many))
