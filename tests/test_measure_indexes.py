"""The measures read a range of their date column, through the module's index (issue 22)."""

import datetime

from odoo.addons.kpi_management.models.crm_lead import KPI_DATE_WON_INDEX
from odoo.addons.kpi_management.tools import measures
from odoo.tools import SQL, sql

from .common import KpiCase


def window(user, day, days=30):
    start = datetime.datetime.combine(day, datetime.time.min)
    return measures.Window(
        user.id, user.partner_id.id, day, day - datetime.timedelta(days=days), day,
        start - datetime.timedelta(days=days), start)


class TestMeasureIndexes(KpiCase):
    def test_won_date_index_leaves_the_other_leads_out(self):
        definition, _comment = sql.index_definition(self.env.cr, KPI_DATE_WON_INDEX)
        self.assertIn("(kpi_date_won) WHERE (kpi_date_won IS NOT NULL)", definition)

    def test_span_is_the_overall_window(self):
        day = datetime.date(2026, 3, 10)
        first, second = window(self.salesman, day), window(self.salesman2, day, days=90)
        self.assertEqual(measures.span([first, second]), (second.utc_from, first.utc_to))
        self.assertEqual(measures.span([first, second], "day_from", "day_to"),
                         (second.day_from, first.day_to))
        # a comparison window the windows do not have: nothing to bound by
        self.assertEqual(measures.span([first], "base_from", "base_to"), (None, None))
        self.assertEqual(measures.span([]), (None, None))

    def test_won_deals_read_a_range_of_the_won_date_index(self):
        """Two years of deals, 1 of 3 won: the won-deals measure of a 30-day window reads the
        won date's index for the overall window, not the whole table (without that bound,
        joined to the per-user windows only, PostgreSQL scans the table: checked), and counts
        what it should. The planner is left to choose (the sequential scan is not switched
        off)."""
        day = datetime.date(2026, 3, 10)
        self.env.cr.execute(SQL(
            """INSERT INTO crm_lead (name, type, active, user_id, won_status, kpi_date_won,
                                     expected_revenue, company_id)
               SELECT 'index ' || g, 'opportunity', TRUE, %(user)s,
                      CASE WHEN g %% 3 = 0 THEN 'won' ELSE 'pending' END,
                      CASE WHEN g %% 3 = 0 THEN %(day)s::timestamp - (g %% 730) * interval '1 day'
                      END, 10, %(company)s
                 FROM generate_series(1, 6000) g""",
            user=self.salesman.id, day=day, company=self.company.id))
        self.env.cr.execute("ANALYZE crm_lead")
        ctx = measures.MeasureContext(windows=[window(self.salesman, day),
                                               window(self.salesman2, day)])
        query = measures.BUILTIN_MEASURES["won_deals"].build(ctx)
        self.env.cr.execute(SQL("EXPLAIN %s", query))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn(KPI_DATE_WON_INDEX, plan)
        # the index is read for the overall window (a literal), not per user only
        self.assertIn("(kpi_date_won >= '2026-02-08 00:00:00'::timestamp", plan)
        self.assertNotIn("Seq Scan on crm_lead", plan)
        # deals won 1 to 30 days before the day (g % 730 in 1..30, g % 3 = 0): 10 per 30 days
        measured = measures.run_measure(self.env.cr, query, [self.salesman.id, self.salesman2.id])
        expected = sum(1 for g in range(1, 6001) if g % 3 == 0 and 1 <= g % 730 <= 30)
        self.assertEqual(measured[self.salesman.id].value, expected)
        self.assertEqual(measured[self.salesman2.id].value, 0)
