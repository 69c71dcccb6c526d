"""The delivery measures read the deliveries done in the overall window through the index of
``date_done`` that this addon adds, not every transfer of the users' orders (issue 22)."""

import datetime

from freezegun import freeze_time

from odoo.addons.kpi_management.tools import measures
from odoo.addons.kpi_management_sale_stock.measures import STOCK_MEASURES
from odoo.tools import SQL

from .common import NOW, DeliveryCase, local

INDEX = "stock_picking__date_done_index"


def window(user, day, days=30):
    start = datetime.datetime.combine(day, datetime.time.min)
    return measures.Window(
        user.id, user.partner_id.id, day, day - datetime.timedelta(days=days), day,
        start - datetime.timedelta(days=days), start)


def clone(cr, table, record_id, count, values):
    """Insert ``count`` copies of row ``record_id`` of ``table``, with the SQL expressions
    ``values`` (``{column: expression of g}``, g = 1..count) instead of its own values."""
    cr.execute(SQL("SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                   table))
    columns = [c for (c,) in cr.fetchall() if c != "id" and c not in values]
    cr.execute(SQL(
        "INSERT INTO %s (%s) SELECT %s FROM %s t, generate_series(1, %s) g WHERE t.id = %s",
        SQL.identifier(table),
        SQL(", ").join(SQL.identifier(c) for c in [*columns, *values]),
        SQL(", ").join([*(SQL.identifier("t", c) for c in columns), *values.values()]),
        SQL.identifier(table), count, record_id))


@freeze_time(NOW)
class TestDeliveryIndexes(DeliveryCase):
    def test_done_date_index(self):
        self.env.cr.execute(SQL("SELECT indexdef FROM pg_indexes WHERE indexname = %s", INDEX))
        self.assertIn("(date_done) WHERE (date_done IS NOT NULL)", self.env.cr.fetchone()[0])

    def test_uninstall_drops_the_index(self):
        """Odoo keeps an index no field asks for: the addon's uninstall hook drops it."""
        from odoo.addons import kpi_management_sale_stock

        self.assertEqual(kpi_management_sale_stock.DONE_DATE_INDEX, INDEX)
        kpi_management_sale_stock.uninstall_hook(self.env)
        self.env.cr.execute(SQL("SELECT count(*) FROM pg_indexes WHERE indexname = %s", INDEX))
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_deliveries_read_a_range_of_the_done_date_index(self):
        """Two years of deliveries of 600 orders of two salespeople, 6,000 transfers: both
        measures of a 30-day window read the index for the overall window, and count what
        they should. The planner is left to choose."""
        day = datetime.date(2026, 11, 23)
        order = self.order(self.salesman, local(2026, 11, 2, 9))
        picking = self.delivery(order)
        self.deliver(picking, local(2026, 11, 5, 9))
        self.env.flush_all()
        cr = self.env.cr
        clone(cr, "sale_order", order.id, 600, {
            "name": SQL("'KPI' || g"),
            "user_id": SQL("CASE WHEN g %% 2 = 0 THEN %s ELSE %s END",
                           self.salesman.id, self.salesman2.id)})
        cr.execute(SQL("SELECT min(id) FROM sale_order WHERE name LIKE 'KPI%%'"))
        first = cr.fetchone()[0]
        clone(cr, "stock_picking", picking.id, 6000, {
            "name": SQL("'KPI/OUT/' || g"),
            "sale_id": SQL("%s + g %% 600", first),
            "date_done": SQL("%s::timestamp - (g %% 730) * interval '1 day'", day),
            "date_deadline": SQL("%s::timestamp - (g %% 730) * interval '1 day'", day)})
        cr.execute("ANALYZE stock_picking")
        cr.execute("ANALYZE sale_order")
        ctx = measures.MeasureContext(windows=[window(self.salesman, day),
                                               window(self.salesman2, day)])
        for key in ("on_time_delivery", "fulfilment_time"):
            query = STOCK_MEASURES[key].build(ctx)
            cr.execute(SQL("EXPLAIN %s", query))
            plan = "\n".join(row[0] for row in cr.fetchall())
            self.assertIn(INDEX, plan, key)
            self.assertIn("(date_done >= '2026-10-24 00:00:00'::timestamp", plan, key)
            self.assertNotIn("Seq Scan on stock_picking p", plan, key)
        cr.execute(STOCK_MEASURES["on_time_delivery"].build(ctx))
        rows = {user_id: (value, len(ids)) for user_id, value, ids in cr.fetchall()}
        # done 1 to 30 days before the day (g % 730 in 1..30): 8 or 9 per day, on time (their
        # deadline is their day), plus the real one of 5 November (late: promised the 2nd)
        cr.execute(SQL(
            """SELECT so.user_id, count(*) FROM stock_picking p JOIN sale_order so
                                                ON so.id = p.sale_id
                WHERE p.date_done >= %s AND p.date_done < %s GROUP BY so.user_id""",
            day - datetime.timedelta(days=30), day))
        expected = dict(cr.fetchall())
        self.assertEqual({user_id: count for user_id, (_value, count) in rows.items()}, expected)
        self.assertGreater(expected[self.salesman2.id], 80)
        self.assertEqual(rows[self.salesman2.id][0], 100)
        self.assertLess(rows[self.salesman.id][0], 100)
