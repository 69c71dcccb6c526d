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

    def test_meetings_read_a_range_of_the_start_index(self):
        """Two years of meetings, a few all-day: the meetings measure of the next 14 days reads
        the index on ``start`` for the overall window widened by a day (an all-day event is
        stored at 08:00 UTC of its date, a day at most from any local window's bounds), not
        the whole table (was: an OR on the unindexed ``start_date``, a sequential scan); the
        all-day events of the window's edge days are counted by their date, in the user's
        timezone."""
        day = datetime.date(2026, 3, 10)
        self.env.cr.execute(SQL(
            """INSERT INTO calendar_event (name, start, stop, start_date, stop_date, allday,
                                           user_id, active, privacy, show_as)
               SELECT 'index ' || g, %(day)s::timestamp + (g - 365) * interval '1 day'
                                     + interval '8 hours',
                      %(day)s::timestamp + (g - 365) * interval '1 day' + interval '9 hours',
                      %(day)s::date + (g - 365), %(day)s::date + (g - 365), g %% 10 = 0,
                      %(user)s, TRUE, 'public', 'busy'
                 FROM generate_series(1, 730) g""",
            day=day, user=self.salesman.id))
        self.env.cr.execute("ANALYZE calendar_event")
        start = datetime.datetime.combine(day, datetime.time.min)
        # Tokyo (UTC+9): the local window of 14 days from 10 March starts at 15:00 UTC on 9 March
        tokyo = measures.Window(
            self.salesman.id, self.salesman.partner_id.id, day, day,
            day + datetime.timedelta(days=14), start - datetime.timedelta(hours=9),
            start + datetime.timedelta(days=14, hours=-9))
        ctx = measures.MeasureContext(windows=[tokyo])
        query = measures.BUILTIN_MEASURES["meetings"].build(ctx)
        self.env.cr.execute(SQL("EXPLAIN %s", query))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("calendar_event__start_index", plan)
        self.assertNotIn("Seq Scan on calendar_event", plan)
        # the events of 10 to 23 March (g = 366..379), at 08:00 UTC (17:00 in Tokyo), the
        # all-day ones by their date: 14, and none of 9 or 24 March
        measured = measures.run_measure(self.env.cr, query, [self.salesman.id])
        self.assertEqual(measured[self.salesman.id].value, 14)

    def test_the_measure_runs_without_jit(self):
        """PostgreSQL's JIT compiled the currency conversions of the open pipeline for 0.49 s
        of its 0.60 s at 100 users: a measure runs with it off (until the transaction ends,
        never beyond)."""
        from unittest import mock

        rule = self.make_rule("open_pipeline", name="Pipeline", target=1000)
        self.env.cr.execute("SET LOCAL jit = on")
        seen = []
        run_measure = measures.run_measure

        def spy(cr, *args, **kwargs):
            cr.execute("SHOW jit")
            seen.append(cr.fetchone()[0])
            return run_measure(cr, *args, **kwargs)

        with mock.patch.object(measures, "run_measure", spy):
            rule.evaluate(users=self.salesman)
        self.assertEqual(seen, ["off"])
