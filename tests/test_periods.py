"""Period scores (``kpi.period.result``): the arithmetic of ``period_scores`` and the engine that
stores each KPI's score per week, month, quarter and year from the stored daily results.

The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen (the users' timezone).
"""

import datetime
from unittest import mock

from freezegun import freeze_time

from odoo.addons.kpi_management.models.kpi_period_result import DailySummary
from odoo.addons.kpi_management.tools import bonus_engine, bonus_math, calendar, measures, period_scores
from odoo.addons.kpi_management.tools.scoring import (
    STATUS_NO_DATA,
    STATUS_OFF_TRACK,
    STATUS_REACHED,
    STATUS_WARNING,
)

from .common import NOW, TODAY, KpiCase, local

D = datetime.date


class TestPeriodArithmetic(KpiCase):
    def test_period_target_natural_lengths_and_scaling(self):
        # the window is the period: the rule's target, as the bonus sheet pays a month
        self.assertEqual(period_scores.period_target(10, 30, "month", 31, True), 10)
        self.assertEqual(period_scores.period_target(10, 28, "month", 28, True), 10)
        self.assertEqual(period_scores.period_target(10, 7, "week", 7, True), 10)
        self.assertEqual(period_scores.period_target(10, 91, "quarter", 92, True), 10)
        self.assertEqual(period_scores.period_target(10, 365, "year", 366, True), 10)
        # otherwise scaled to the period's length
        self.assertAlmostEqual(period_scores.period_target(10, 30, "week", 7, True), 70 / 30)
        self.assertAlmostEqual(period_scores.period_target(10, 30, "quarter", 91, True), 910 / 30)
        self.assertAlmostEqual(period_scores.period_target(100000, 30, "year", 365, True),
                               100000 * 365 / 30)
        # a ratio or an average keeps its target
        self.assertEqual(period_scores.period_target(30, 90, "week", 7, False), 30)
        # and back to the window
        self.assertAlmostEqual(period_scores.window_value(14, 30, "quarter", 91, True), 4.6154, 4)
        self.assertEqual(period_scores.window_value(14, 30, "month", 31, True), 14)

    def test_averaged_score_of_a_snapshot_or_future_rule(self):
        F = period_scores.PeriodFigures
        # the averages of the days with something to measure, rounded, and the score's status
        self.assertEqual(period_scores.averaged_score(2, 12.345678, 20.000049, 61.7284, 18.0, 50.0),
                         F(12.3457, 20.0, 61.73, STATUS_WARNING, True, []))
        self.assertEqual(period_scores.averaged_score(3, 30.0, 25.0, 120.0, 25.0, 50.0).status,
                         STATUS_REACHED)
        self.assertEqual(period_scores.averaged_score(1, 5.0, 25.0, 20.0, 25.0, 50.0).status,
                         STATUS_OFF_TRACK)
        # nothing to measure on any day: no value, no score, the average target of all the days
        self.assertEqual(period_scores.averaged_score(0, None, None, None, 18.123456, 50.0),
                         F(None, 18.1235, None, STATUS_NO_DATA, False, []))
        # no target at all: 0
        self.assertEqual(period_scores.averaged_score(0, None, None, None, None, 50.0).target, 0.0)

    def test_trailing_run(self):
        P = period_scores.PeriodPoint
        nov = P(D(2025, 11, 1), D(2025, 11, 30), 50.0, True)
        dec = P(D(2025, 12, 1), D(2025, 12, 31), 80.0, True)
        jan = P(D(2026, 1, 1), D(2026, 1, 31), 99.99, True)
        # any order in, oldest first out, across the year
        self.assertEqual(period_scores.trailing_run([jan, nov, dec]), [nov, dec, jan])
        # the latest on target: no run
        self.assertEqual(period_scores.trailing_run([nov, dec, P(jan.date_from, jan.date_to, 100.0,
                                                                 True)]), [])
        # a period with nothing to measure ends the run, a missing one too
        self.assertEqual(period_scores.trailing_run([nov, P(dec.date_from, dec.date_to, None,
                                                         False), jan]), [jan])
        self.assertEqual(period_scores.trailing_run([nov, jan]), [jan])

    def test_suggested_target(self):
        values = [4, 5, 12, 8, 6, 7]  # median 6.5
        self.assertEqual(period_scores.suggested_target(values, [10, 5], "higher"), 6.5)
        # never below the lowest target in force
        self.assertEqual(period_scores.suggested_target(values, [10, 8], "higher"), 8)
        # lower is better: never above the highest target in force
        self.assertEqual(period_scores.suggested_target([10, 20, 30], [8, 12], "lower"), 12)
        self.assertEqual(period_scores.suggested_target([2, 4, 9], [8, 12], "lower"), 4)
        self.assertIsNone(period_scores.suggested_target([], [10], "higher"))


@freeze_time(NOW)
class TestPeriodScores(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Period = cls.env["kpi.period.result"]

    def store(self, rule, period_type, first, last):
        periods = calendar.periods_between(first, last, period_type)
        ids = self.Period._store_periods(rule, period_type, periods, now=NOW)
        return self.Period.browse(ids)

    def row(self, rule, user, period_type, date_from):
        return self.Period.search([("rule_id", "=", rule.id), ("user_id", "=", user.id),
                                   ("period_type", "=", period_type),
                                   ("date_from", "=", date_from)])

    def test_past_window_measured_over_the_exact_period_in_the_users_timezone(self):
        """A deal won at 00:30 on 1 November in Copenhagen is a November deal, although it
        is still 31 October in UTC; a deal at 23:30 on 31 October is an October deal."""
        rule = self.make_rule("won_deals", target=2, window_days=30)
        october = self.won_lead(self.salesman, local(2026, 10, 31, 23, 30))
        november = self.won_lead(self.salesman, local(2026, 11, 1, 0, 30))
        self.assertEqual(november.kpi_date_won.month, 10)  # 31 October in UTC
        self.won_lead(self.salesman, local(2026, 11, 23, 0, 5))  # today: in so far
        for day in (D(2026, 10, 10), D(2026, 10, 28), D(2026, 11, 10)):
            rule.evaluate(date=day)
        self.store(rule, "month", D(2026, 10, 1), TODAY)
        oct_row = self.row(rule, self.salesman, "month", D(2026, 10, 1))
        nov_row = self.row(rule, self.salesman, "month", D(2026, 11, 1))
        self.assertEqual((oct_row.value, oct_row.target, oct_row.score), (1, 2, 50))
        self.assertEqual(oct_row.record_ids, october.ids)
        self.assertEqual(oct_row.method, "period")
        self.assertTrue(oct_row.closed)
        # November so far (up to now), against the month's target, not final
        self.assertEqual((nov_row.value, nov_row.score), (2, 100))
        self.assertFalse(nov_row.closed)
        # the change compares like with like: 100% by day 10 (the last daily result) is
        # 200% (capped) at this pace, against October's final 50%
        self.assertEqual((nov_row.previous_value, nov_row.previous_score, nov_row.score_change),
                         (1, 50, 150))
        # the drill-down opens exactly the deals of the period
        action = oct_row.action_open_records()
        self.assertEqual(self.env["crm.lead"].search(action["domain"]), october)
        # a week: the target of 2 in 30 days scaled to 7 days
        self.store(rule, "week", D(2026, 10, 26), D(2026, 11, 1))
        week = self.row(rule, self.salesman, "week", D(2026, 10, 26))
        self.assertEqual((week.value, round(week.target, 4)), (2, 0.4667))
        self.assertEqual(week.score, 200)  # capped

    def test_snapshot_rule_averages_its_daily_results_as_the_bonus_sheet(self):
        rule = self.make_rule("open_pipeline", target=100)
        values = {D(2026, 10, 1): 50.0, D(2026, 10, 2): 150.0, D(2026, 10, 3): 80.0}
        Result = self.env["kpi.result"]
        for day, value in values.items():
            score, status = rule._score(value, 100)
            Result.create({"rule_id": rule.id, "user_id": self.salesman.id, "date": day,
                           "value": value, "target": 100, "score": score, "status": status,
                           "team_id": self.team.id})
        # nothing to measure on the 4th: skipped by the averages
        Result.create({"rule_id": rule.id, "user_id": self.salesman.id, "date": D(2026, 10, 4),
                       "target": 100, "status": "no_data", "team_id": self.team.id})
        self.store(rule, "month", D(2026, 10, 1), D(2026, 10, 31))
        row = self.row(rule, self.salesman, "month", D(2026, 10, 1))
        sheet = bonus_math.period_score(
            Result._read_daily([rule.id], [self.salesman.id], D(2026, 10, 1),
                               D(2026, 10, 31))[rule.id, self.salesman.id],
            D(2026, 10, 1), D(2026, 10, 31), "snapshot")
        self.assertEqual((row.value, row.target, row.score), (sheet.value, sheet.target,
                                                              sheet.score))
        self.assertEqual((row.value, row.score), (93.3333, 93.33))
        self.assertEqual(row.days, 4)
        self.assertEqual(row.status, "warning")
        self.assertEqual(row.last_value, 0)  # the last day had nothing to measure
        self.assertEqual(row.team_id, self.team)
        self.assertEqual(row.method, "average")

    def test_a_measured_period_is_scored_against_the_last_days_target_scaled(self):
        """A past-window rule's period: the value found over the period against the target
        recorded on its last day with a result (3, not the rule's 2 of today), scaled to the
        period by the bonus engine."""
        rule = self.make_rule("won_deals", target=2, window_days=30)
        summary = DailySummary(
            user_id=self.salesman.id, date_from=D(2026, 10, 1), count=3, with_data=3,
            avg_value=1.0, avg_target=3.0, avg_score=33.33, all_target=3.0, last_value=1.0,
            last_date=D(2026, 10, 28), team_id=self.team.id, pilot=False,
            partner_id=self.salesman.partner_id.id, tz="Europe/Copenhagen", last_target=3.0)
        F = period_scores.PeriodFigures
        month = bonus_engine.Span(D(2026, 10, 1), D(2026, 10, 31), "month", 31)
        found = measures.MeasureValue(3.0, [7, 8, 9])
        self.assertEqual(self.Period._measured_period_score(rule, found, summary, month),
                         F(3.0, 3.0, 100.0, STATUS_REACHED, True, [7, 8, 9]))
        # a week: 3 in 30 days is 0.7 in 7 days, and the score is capped
        week = bonus_engine.Span(D(2026, 10, 26), D(2026, 11, 1), "week", 7)
        figures = self.Period._measured_period_score(rule, found, summary, week)
        self.assertAlmostEqual(figures.target, 0.7)
        self.assertEqual((figures.score, figures.status), (200.0, STATUS_REACHED))
        # nothing to measure: no score, the target still the period's
        nothing = measures.MeasureValue(0.0, [], has_data=False)
        self.assertEqual(self.Period._measured_period_score(rule, nothing, summary, month),
                         F(0.0, 3.0, None, STATUS_NO_DATA, False, []))

    def test_periods_without_a_daily_result_are_not_scored(self):
        rule = self.make_rule("won_deals", target=2, window_days=30)
        rule.evaluate(date=D(2026, 11, 10))
        self.store(rule, "month", D(2026, 9, 1), TODAY)
        self.assertEqual(self.Period.search([("rule_id", "=", rule.id)]).mapped("date_from"),
                         [D(2026, 11, 1)] * 2)  # the two salespeople, November only

    def count(self, function):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result = function()
        return result, self.env.cr.sql_log_count - before

    def test_reading_the_period_view_does_not_grow_with_the_periods(self):
        rule = self.make_rule("open_pipeline", target=100)
        for month, value in ((7, 10.0), (8, 20.0), (9, 30.0), (10, 45.0)):
            self.env["kpi.result"].create({
                "rule_id": rule.id, "user_id": self.salesman.id, "date": D(2026, month, 5),
                "value": value, "target": 100, "score": value, "status": "off_track"})
        # an average rule: one read and one write, whatever the number of periods
        _rows, one_month = self.count(
            lambda: self.store(rule, "month", D(2026, 10, 1), D(2026, 10, 31)))
        _rows, ten_months = self.count(
            lambda: self.store(rule, "month", D(2026, 7, 1), D(2026, 10, 31)))
        self.assertEqual(one_month, ten_months)
        fields = ["rule_id", "period_label", "value", "score", "has_previous", "previous_score",
                  "score_change"]
        periods = self.Period.with_user(self.salesman)
        periods.search_read([("period_type", "=", "month")], fields, limit=1)  # caches warm
        one, one_count = self.count(lambda: periods.search_read(
            [("period_type", "=", "month"), ("date_from", ">=", D(2026, 10, 1))], fields))
        four, four_count = self.count(lambda: periods.search_read(
            [("period_type", "=", "month")], fields))
        self.assertEqual((len(one), len(four)), (1, 4))
        self.assertEqual(one_count, four_count)
        # the previous period and the change are read with the row, not computed per row
        self.assertEqual([(r["score"], r["has_previous"], r["previous_score"],
                           r["score_change"]) for r in four],
                         [(45, True, 30, 15), (30, True, 20, 10), (20, True, 10, 10),
                          (10, False, 0, 0)])

    def test_each_period_is_compared_with_the_previous_one_whatever_the_order_stored(self):
        """The comparison with the previous period is right when the periods are stored one
        at a time (each night), several at once, or a period before the one after it
        (scored again): the period after is compared again."""
        rule = self.make_rule("won_deals", target=2, window_days=30)
        self.won_lead(self.salesman, local(2026, 9, 15, 12))
        self.won_lead(self.salesman, local(2026, 10, 15, 12))
        for day in (D(2026, 9, 20), D(2026, 10, 20), D(2026, 11, 10)):
            rule.evaluate(date=day)
        # each night one period, in order: compared by the statement that stores it
        self.store(rule, "month", D(2026, 10, 1), D(2026, 10, 31))
        self.store(rule, "month", D(2026, 11, 1), D(2026, 11, 30))
        november = self.row(rule, self.salesman, "month", D(2026, 11, 1))
        self.assertEqual((november.has_previous, november.previous_score), (True, 50))
        self.Period.search([("rule_id", "=", rule.id)]).unlink()
        # November first: nothing to compare with yet
        self.store(rule, "month", D(2026, 11, 1), D(2026, 11, 30))
        november = self.row(rule, self.salesman, "month", D(2026, 11, 1))
        self.assertFalse(november.has_previous)
        # then October: November is compared with it
        self.store(rule, "month", D(2026, 10, 1), D(2026, 10, 31))
        october = self.row(rule, self.salesman, "month", D(2026, 10, 1))
        self.assertFalse(october.has_previous)
        self.assertEqual((november.has_previous, november.previous_score), (True, 50))
        # November again, alone (a night): compared with the stored October
        self.store(rule, "month", D(2026, 11, 1), D(2026, 11, 30))
        self.assertEqual((november.previous_value, november.previous_score), (1, 50))
        # September and October at once: October with the September of the same statement
        self.store(rule, "month", D(2026, 9, 1), D(2026, 10, 31))
        self.assertEqual((october.has_previous, october.previous_score,
                          october.score_change), (True, 50, 0))

    def test_daily_summaries_read_together_are_those_read_one_by_one(self):
        """The nightly job reads the daily results of the rules with the same periods at once,
        over one period (grouped by rule and user) or several (by period too): the same
        summaries as each rule alone, with the last day's value, team and target and the
        first day's mode."""
        rules = self.make_rule("open_pipeline", target=100, name="Pipeline") | self.make_rule(
            "open_pipeline", target=50, name="Pipeline 2")
        other_team = self.env["crm.team"].create({"name": "Other team"})
        Result = self.env["kpi.result"]
        days = [D(2026, 10, 30), D(2026, 10, 31), D(2026, 11, 1), D(2026, 11, 2),
                D(2026, 11, 5)]
        for r, rule in enumerate(rules):
            for u, user in enumerate(self.salesman | self.manager):
                for d, day in enumerate(days):
                    no_data = (d + u + r) % 4 == 3
                    value = 10.0 * (d + 1) + u + r
                    Result.create({
                        "rule_id": rule.id, "user_id": user.id, "date": day,
                        "value": None if no_data else value, "target": 40 + d,
                        "score": None if no_data else value, "team_id": (
                            other_team if d == len(days) - 1 and u else self.team).id,
                        "pilot": d == 0 and r == 0,
                        "status": "no_data" if no_data else "off_track"})
        for period_type, first, last in (("month", D(2026, 11, 1), D(2026, 11, 30)),
                                         ("month", D(2026, 10, 1), D(2026, 11, 30)),
                                         ("week", D(2026, 10, 26), D(2026, 11, 8))):
            periods = calendar.periods_between(first, last, period_type)
            together = self.Period._read_daily_summaries(rules, period_type, periods)
            for rule in rules:
                alone = self.Period._read_daily_summaries(rule, period_type, periods)
                self.assertEqual(together[rule.id], alone[rule.id])
                self.assertEqual(set(together[rule.id]), {p[0] for p in periods})
        november = self.Period._read_daily_summaries(
            rules, "month", [(D(2026, 11, 1), D(2026, 11, 30))])[rules[0].id][D(2026, 11, 1)]
        mine, theirs = november[self.salesman.id], november[self.manager.id]
        self.assertEqual((mine.count, mine.last_date, mine.last_value, mine.last_target),
                         (3, D(2026, 11, 5), 50.0, 44))
        self.assertEqual((theirs.team_id, mine.team_id), (other_team.id, self.team.id))
        october = self.Period._read_daily_summaries(
            rules, "month", [(D(2026, 10, 1), D(2026, 10, 31))])
        self.assertTrue(october[rules[0].id][D(2026, 10, 1)][self.salesman.id].pilot)
        self.assertFalse(october[rules[1].id][D(2026, 10, 1)][self.salesman.id].pilot)
        # the averages skip the days with nothing to measure: the salesman's first rule has
        # none on 2 November (d=3)
        self.assertEqual((mine.with_data, mine.avg_value), (2, (30.0 + 50.0) / 2))

    def test_cron_stores_each_final_period_once_and_the_current_one_every_night(self):
        rule = self.make_rule("won_deals", target=2, window_days=30)
        for day in (D(2026, 10, 10), D(2026, 11, 10)):
            rule.evaluate(date=day)
        no_commit = mock.patch.object(type(self.env["ir.cron"]), "_commit_progress",
                                      return_value=float("inf"))
        with no_commit:
            self.Period._cron_analyse()
        october = self.row(rule, self.salesman, "month", D(2026, 10, 1))
        november = self.row(rule, self.salesman, "month", D(2026, 11, 1))
        self.assertTrue(october.closed)
        self.assertFalse(november.closed)
        types = set(self.Period.search([("rule_id", "=", rule.id)]).mapped("period_type"))
        self.assertEqual(types, {"week", "month", "quarter", "year"})
        # the next night: October is final, not computed again; November is
        self.won_lead(self.salesman, local(2026, 10, 15, 12))
        with freeze_time(NOW + datetime.timedelta(days=1)), no_commit:
            self.Period._cron_analyse()
        self.assertEqual(october.value, 0)  # final when it ended: a late entry does not move it
        self.assertEqual(november.computed_at, NOW + datetime.timedelta(days=1))

    def test_cron_isolates_a_failing_rule(self):
        failing = self.make_rule("won_deals", target=2, window_days=30, name="Failing")
        working = self.make_rule("open_pipeline", target=100)
        for rule in (failing, working):
            rule.evaluate(date=D(2026, 11, 10))
        store = type(self.Period)._store_periods

        def store_or_fail(model, rule, *args, **kwargs):
            if rule == failing:
                raise ValueError("a broken rule")
            return store(model, rule, *args, **kwargs)

        with mock.patch.object(type(self.env["ir.cron"]), "_commit_progress",
                               return_value=float("inf")), \
                mock.patch.object(type(self.Period), "_store_periods", store_or_fail), \
                self.assertLogs("odoo.addons.kpi_management.models.kpi_period_result",
                                level="ERROR"):
            self.Period._cron_analyse()
        self.assertFalse(self.Period.search([("rule_id", "=", failing.id)]))
        self.assertEqual(len(self.Period.search([("rule_id", "=", working.id)])), 2 * 4)

    def test_a_user_sees_their_own_period_scores_a_manager_the_team(self):
        rule = self.make_rule("won_deals", target=2, window_days=30)
        rule.evaluate(date=D(2026, 11, 10))
        self.store(rule, "month", D(2026, 11, 1), TODAY)
        self.assertEqual(self.Period.with_user(self.salesman).search([]).user_id, self.salesman)
        self.assertEqual(self.Period.with_user(self.manager).search([]).user_id, self.salesman)
        self.assertEqual(self.Period.with_user(self.kpi_admin).search([]).user_id,
                         self.salesman | self.salesman2)
