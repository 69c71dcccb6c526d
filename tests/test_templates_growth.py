"""Growth templates: won revenue and won deals against each user's baseline.

"Increase sales volume: sales increase by 100 thousand; the star gets 20% growth, the rest 10%
each." The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen (the users'
timezone). A past window of 30 days evaluated today is [24 Oct 00:00, 23 Nov 00:00) local; its
previous period is [24 Sep 00:00, 24 Oct 00:00) local and the same period last year
[24 Oct 2025 00:00, 23 Nov 2025 00:00) local. The history below is counted by hand:

* the salesman won 300,000 at the first second of the window and 200,000 at its last second:
  500,000; in the previous period 250,000 at its first second and 160,000 at its last second:
  410,000. Growth: +90,000, +21.95%;
* the salesman2 won 50,000 three days ago and nothing before: a baseline of 0.
"""

import datetime
from unittest import mock

import pytest
from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.tools import scoring
from odoo.addons.kpi_management.tools.measures import MeasureValue

from .bonus_common import PERIOD_FROM, PERIOD_TO, BonusCase
from .common import NOW, TZ, KpiCase, RefusedMixin, local, utc

NBSP = "\N{NO-BREAK SPACE}"
MINUS = "\N{MINUS SIGN}"


# ------------------------------------------------------------------- pure window arithmetic
@pytest.mark.parametrize("window, comparison, expected", [
    # previous period: the same number of days just before
    (("2026-10-24", "2026-11-23"), "previous", ("2026-09-24", "2026-10-24")),
    (("2026-10-01", "2026-11-01"), "previous", ("2026-08-31", "2026-10-01")),
    # last year: the same dates; 29 February gives 28 February
    (("2026-10-24", "2026-11-23"), "last_year", ("2025-10-24", "2025-11-23")),
    (("2028-02-29", "2028-03-01"), "last_year", ("2027-02-28", "2027-03-01")),
])
def test_baseline_days(window, comparison, expected):
    day = datetime.date.fromisoformat
    assert scoring.baseline_days(day(window[0]), day(window[1]), comparison) == \
        (day(expected[0]), day(expected[1]))


def test_baseline_leaving_the_calendar_is_a_value_error():
    with pytest.raises(ValueError):
        scoring.baseline_days(datetime.date(1, 3, 1), datetime.date(1, 4, 1), "last_year")
    with pytest.raises(ValueError):
        scoring.baseline_days(datetime.date(1, 1, 5), datetime.date(1, 1, 31), "previous")


def test_baseline_bounds_are_local_midnights():
    """26 October 2025 00:00 in Copenhagen is still summer time (UTC+2), 26 October 2026 is
    winter time (UTC+1): a shift of the UTC bounds by a year would be an hour off."""
    assert scoring.baseline_bounds(datetime.date(2026, 10, 26), datetime.date(2026, 10, 27),
                                       "last_year", TZ) == (
        datetime.datetime(2025, 10, 25, 22, 0), datetime.datetime(2025, 10, 26, 23, 0))


# ------------------------------------------------------------------------------- the engine
class GrowthCase(KpiCase):
    def known_history(self):
        """The module's docstring: the deals counted, by user."""
        window = (self.won_lead(self.salesman, utc(days=-30), 300000)  # first second: in
                  | self.won_lead(self.salesman, utc(seconds=-1), 200000))  # last second: in
        self.won_lead(self.salesman, utc(days=-60), 250000)  # first second of the baseline
        self.won_lead(self.salesman, utc(days=-30, seconds=-1), 160000)  # its last second
        self.won_lead(self.salesman, utc(days=-60, seconds=-1), 999)  # before both: out
        self.won_lead(self.salesman, utc(hours=9), 777)  # today: not a full day yet, out
        lost = self.lost_lead(self.salesman, utc(days=-40), expected_revenue=5000)  # lost: out
        lost.invalidate_recordset()
        archived = self.won_lead(self.salesman, utc(days=-45), 5000)  # archived: out
        archived.active = False
        first = self.won_lead(self.salesman2, utc(days=-3), 50000)
        return window, first

    def currency(self, amount, signed=False):
        """``amount`` as the results show it in the company's currency (USD here)."""
        currency = self.env.company.currency_id
        sign = ""
        if signed and amount:
            sign, amount = ("+" if amount > 0 else MINUS), abs(amount)
        text = f"{amount:,.0f}"
        text = ("%s%s%s" % (text, NBSP, currency.symbol) if currency.position == "after"
                else "%s%s%s" % (currency.symbol, NBSP, text))
        return sign + text


@freeze_time(NOW)
class TestRevenueGrowth(GrowthCase):
    def test_growth_amount_against_the_previous_period(self):
        """+90,000 of +100,000, baseline 410,000: 90%, a warning."""
        rule = self.make_rule("won_revenue_growth", target=100000, window_days=30)
        self.assertEqual((rule.growth_comparison, rule.unit, rule.direction),
                         ("previous", "amount", "higher"))
        window, first = self.known_history()
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.baseline, result.target, result.score,
                          result.status), (90000, 410000, 100000, 90.0, "warning"))
        # the records counted are the deals won in the window, not those of the baseline
        self.assertEqual(sorted(result.record_ids), sorted(window.ids))
        action = result.action_open_records()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]), window)
        self.assertTrue(result.is_growth)
        self.assertEqual(result.value_display, "%s / %s, baseline %s" % (
            self.currency(90000, True), self.currency(100000, True), self.currency(410000)))
        # a first sale against a baseline of 0 is a growth of its amount
        newcomer = self.result(rule, self.salesman2)
        self.assertEqual((newcomer.value, newcomer.baseline, newcomer.score, newcomer.record_ids),
                         (50000, 0, 50.0, first.ids))

    def test_growth_percent_and_the_zero_baseline(self):
        """+21.95% of +20% is reached; a % of a baseline of 0 has nothing to measure."""
        rule = self.make_rule("won_revenue_growth_pct", target=20, window_days=30)
        self.assertEqual((rule.unit, rule.unit_label), ("percent", "%"))
        window, _first = self.known_history()
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.baseline, result.score, result.status),
                         (21.95, 410000, 109.75, "reached"))
        self.assertEqual(sorted(result.record_ids), sorted(window.ids))
        self.assertEqual(result.value_display,
                         "+21.95 / +20 %%, baseline %s" % self.currency(410000))
        zero = self.result(rule, self.salesman2)
        self.assertEqual((zero.status, zero.baseline, zero.value_display),
                         ("no_data", 0, "no data / +20 %%, baseline %s" % self.currency(0)))
        self.env.cr.execute("SELECT value, score FROM kpi_result WHERE id = %s", [zero.id])
        self.assertEqual(self.env.cr.fetchone(), (None, None))
        # nothing won at all, before or now: no data either
        self.assertEqual(self.result(rule, self.kam), self.env["kpi.result"])  # not his rule
        nobody = self.make_rule("won_revenue_growth_pct", name="KAM growth",
                                profiles=self.profile_kam, target=10, window_days=30)
        nobody.evaluate()
        self.assertEqual(self.result(nobody, self.kam).status, "no_data")

    def test_the_star_grows_20_percent_the_others_10(self):
        """Individual targets on a growth rule: the star's 21.95% is scored against 20%, the
        colleague's 25% against the rule's 10%."""
        rule = self.make_rule("won_revenue_growth_pct", target=10, window_days=30)
        self.env["kpi.rule.target"].create({"rule_id": rule.id, "user_id": self.salesman.id,
                                            "target": 20, "note": "star: +20% growth"})
        self.known_history()
        self.won_lead(self.salesman2, utc(days=-50), 40000)  # 50,000 against 40,000: +25%
        rule.evaluate()
        star, other = self.result(rule, self.salesman), self.result(rule, self.salesman2)
        self.assertEqual((star.value, star.target, star.score), (21.95, 20, 109.75))
        self.assertEqual((other.value, other.target, other.score), (25.0, 10, 200.0))

    def test_a_fall_is_a_negative_growth_that_scores_0(self):
        amount = self.make_rule("won_revenue_growth", target=100000, window_days=30)
        percent = self.make_rule("won_revenue_growth_pct", target=10, window_days=30)
        self.won_lead(self.salesman2, utc(days=-45), 200000)
        self.won_lead(self.salesman2, utc(days=-3), 50000)
        (amount | percent).evaluate()
        fall = self.result(amount, self.salesman2)
        self.assertEqual((fall.value, fall.baseline, fall.score, fall.status),
                         (-150000, 200000, 0.0, "off_track"))
        self.assertEqual(fall.value_display, "%s / %s, baseline %s" % (
            self.currency(-150000, True), self.currency(100000, True), self.currency(200000)))
        fall_pct = self.result(percent, self.salesman2)
        self.assertEqual((fall_pct.value, fall_pct.score, fall_pct.status),
                         (-75.0, 0.0, "off_track"))
        # the reminder states the gap, the figures signed as the result shows them
        self.assertIn(
            "Win %s more revenue to reach a growth of %s against your baseline (now %s over "
            "the last 30 days)." % (self.currency(250000), self.currency(100000, True),
                                    self.currency(-150000, True)),
            fall._reminder_texts()[fall.id][1])
        self.assertIn("Raise your growth by 85 points to reach +10%% against your baseline "
                      "(now %s75%% over the last 30 days)." % MINUS,
                      fall_pct._reminder_texts()[fall_pct.id][1])

    def test_same_period_last_year(self):
        """[24 Oct 2025, 23 Nov 2025) local: 400,000 against this year's 500,000."""
        rule = self.make_rule("won_revenue_growth", target=100000, window_days=30,
                              growth_comparison="last_year")
        pct = self.make_rule("won_revenue_growth_pct", target=20, window_days=30,
                             growth_comparison="last_year")
        self.known_history()
        last_year = (self.won_lead(self.salesman, local(2025, 10, 24), 300000)  # first second
                     | self.won_lead(self.salesman, local(2025, 11, 22, 23, 59, 59), 100000))
        self.won_lead(self.salesman, local(2025, 10, 23, 23, 59, 59), 7)  # the day before: out
        self.won_lead(self.salesman, local(2025, 11, 23), 7)  # the window's end: out
        (rule | pct).evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.baseline, result.score), (100000, 400000, 100.0))
        self.assertNotIn(last_year[0].id, result.record_ids)
        self.assertEqual((self.result(pct, self.salesman).value,
                          self.result(pct, self.salesman).baseline), (25.0, 400000))

    def test_last_year_in_the_users_timezone_across_daylight_saving(self):
        """Evaluated on 27 October 2026 over 1 day: 26 October, winter time this year, summer
        time on 26 October 2025. A deal at 00:30 local on 26 October 2025 is in the baseline
        (a shift of this year's UTC bounds would start it an hour later, without that deal)."""
        rule = self.make_rule("won_revenue_growth", target=100, window_days=1,
                              growth_comparison="last_year")
        self.won_lead(self.salesman, local(2026, 10, 26, 12), 1000)
        self.won_lead(self.salesman, local(2025, 10, 26, 0, 30), 400)
        self.won_lead(self.salesman, local(2025, 10, 25, 23, 59, 59), 7)  # the day before
        self.won_lead(self.salesman, local(2025, 10, 27), 7)  # the day after
        day = datetime.date(2026, 10, 27)
        rule.evaluate(date=day)
        result = self.result(rule, self.salesman, day)
        self.assertEqual((result.value, result.baseline), (600, 400))

    def test_my_kpis_card_shows_the_growth_and_its_baseline(self):
        rule = self.make_rule("won_revenue_growth_pct", target=20, window_days=30)
        self.known_history()
        rule.evaluate()
        data = self.env["kpi.result"].with_user(self.salesman).get_my_kpis()
        card = data["cards"][0]
        self.assertEqual((card["growth"], card["value"], card["target"], card["baseline"]),
                         (True, 21.95, 20, 410000))
        self.assertEqual(card["baseline_label"],
                         "Baseline: %s (previous period)" % self.currency(410000))
        other = self.env["kpi.result"].with_user(self.salesman2).get_my_kpis()["cards"][0]
        self.assertEqual((other["status"], other["value"], other["baseline"]),
                         ("no_data", None, 0))
        # a KPI that is not a growth shows no baseline
        plain = self.make_rule("won_revenue", target=1000, window_days=30)
        plain.evaluate()
        cards = self.env["kpi.result"].with_user(self.salesman).get_my_kpis()["cards"]
        plain_card = next(c for c in cards if c["rule_id"] == plain.id)
        self.assertEqual((plain_card["growth"], plain_card["baseline"],
                          plain_card["baseline_label"]), (False, None, ""))
        self.assertFalse(self.result(plain, self.salesman).is_growth)

    def test_preview_shows_the_baseline(self):
        rule = self.make_rule("won_revenue_growth", target=100000, window_days=30)
        self.known_history()
        preview = self.env["kpi.rule.preview"].create({"rule_id": rule.id,
                                                       "user_id": self.salesman.id})
        preview.action_compute()
        self.assertEqual((preview.value, preview.baseline, preview.is_growth),
                         (90000, 410000, True))
        self.assertFalse(self.result(rule, self.salesman))  # nothing stored


@freeze_time(NOW)
class TestDealsGrowth(GrowthCase):
    def test_won_deals_growth_count_and_percent(self):
        """3 deals won in the window against 2 in the previous period: +1, +50%."""
        count = self.make_rule("won_deals_growth", target=2, window_days=30)
        pct = self.make_rule("won_deals_growth_pct", target=10, window_days=30)
        self.assertEqual((count.unit, count.unit_label), ("count", "deals"))
        window = (self.won_lead(self.salesman, utc(days=-30))
                  | self.won_lead(self.salesman, utc(days=-10))
                  | self.won_lead(self.salesman, utc(seconds=-1)))
        self.won_lead(self.salesman, utc(days=-60))
        self.won_lead(self.salesman, utc(days=-30, seconds=-1))
        self.won_lead(self.salesman, utc(days=-60, seconds=-1))  # out
        (count | pct).evaluate()
        result = self.result(count, self.salesman)
        self.assertEqual((result.value, result.baseline, result.score), (1, 2, 50.0))
        self.assertEqual(sorted(result.record_ids), sorted(window.ids))
        self.assertEqual(result.value_display, "+1 / +2 deals, baseline 2")
        self.assertEqual((self.result(pct, self.salesman).value,
                          self.result(pct, self.salesman).score), (50.0, 200.0))
        # no deal at all: 0 growth (count), nothing to measure (%)
        self.assertEqual(self.result(count, self.salesman2).value_display,
                         "0 / +2 deals, baseline 0")
        self.assertEqual(self.result(pct, self.salesman2).status, "no_data")


@freeze_time(NOW)
class TestGrowthRuleInput(RefusedMixin, KpiCase):
    def test_comparison_is_required_and_offered_only_for_growth(self):
        rule = self.make_rule("won_revenue_growth", target=1000)
        self.assertTrue(rule.needs_growth_comparison)
        self.assertFalse(rule.needs_min_amount or rule.needs_activity_types
                         or rule.needs_lead_fields)
        with self.refused("choose what to compare with"):
            rule.growth_comparison = False
        self.assertFalse(self.make_rule("won_revenue", target=1).needs_growth_comparison)

    def test_growth_template_needs_a_past_window(self):
        template = self.template("won_deals_growth")
        with self.refused("Past days"):
            template.window_kind = "snapshot"
        with self.refused("Past days"):
            template.copy({"code": "growth_ahead", "window_kind": "future"})


# ------------------------------------------------------------------------ the bonus sheets
@freeze_time(NOW)
class TestGrowthOverAPeriod(BonusCase):
    """Bonus sheets measure past windows over their exact period (``_measure_period``)."""

    def setUp(self):
        super().setUp()
        self.growth = self.make_rule("won_revenue_growth", name="Sales increase", target=100000,
                                     window_days=30)
        self.rows = [(self.salesman.id, self.salesman.partner_id.id, TZ)]

    def measure(self, date_from, date_to, rule=None, until=None):
        found = (rule or self.growth)._measure_period(self.rows, date_from, date_to,
                                                      until=until)[self.salesman.id]
        return (found.value, found.ids, found.has_data), found.baseline

    def test_sheet_of_a_growth_rule(self):
        """Period 24 Oct - 22 Nov (30 days) against 24 Sep - 23 Oct: +90,000 of +100,000."""
        scheme = self.env["kpi.bonus.scheme"].create({
            "name": "Growth bonus", "base_amount": 1000,
            "profile_ids": [Command.set(self.profile_sales.ids)],
            "line_ids": [Command.create({"rule_id": self.growth.id, "weight": 100})],
        })
        self.won_lead(self.salesman, self.local(2026, 10, 24, 0, 30), revenue=300000)
        self.won_lead(self.salesman, self.local(2026, 11, 22, 23, 30), revenue=200000)
        self.won_lead(self.salesman, self.local(2026, 9, 24, 0, 30), revenue=250000)
        self.won_lead(self.salesman, self.local(2026, 10, 23, 23, 30), revenue=160000)
        self.won_lead(self.salesman, self.local(2026, 9, 23, 23, 30), revenue=7)  # before
        self.won_lead(self.salesman, self.local(2026, 11, 23, 0, 30), revenue=7)  # after
        sheet = self.new_sheet(scheme_id=scheme.id)
        self.assertEqual((sheet.date_from, sheet.date_to), (PERIOD_FROM, PERIOD_TO))
        detail = self.volume_of_growth(sheet)
        self.assertEqual((detail.value, detail.target, detail.score, detail.result_count),
                         (90000, 100000, 90.0, 2))

    def volume_of_growth(self, sheet):
        sheet.with_user(self.officer).action_compute()
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        return line.detail_ids.filtered(lambda d: d.rule_id == self.growth)

    def test_previous_period_of_the_same_length(self):
        """October (31 days) against the 31 days before it: 31 August - 30 September."""
        self.won_lead(self.salesman, self.local(2026, 10, 15, 12), revenue=1000)
        self.won_lead(self.salesman, self.local(2026, 8, 31, 0, 0, 0), revenue=300)  # first second
        self.won_lead(self.salesman, self.local(2026, 9, 30, 23, 59, 59), revenue=200)  # last
        self.won_lead(self.salesman, self.local(2026, 8, 30, 23, 59, 59), revenue=7)  # before
        (value, ids, has_data), baseline = self.measure(datetime.date(2026, 10, 1),
                                                        datetime.date(2026, 10, 31))
        self.assertEqual((value, len(ids), has_data, baseline), (500, 1, True, 500))
        # one typed value per user: the figures, the baseline and their currency together
        self.assertEqual(self.growth._measure_period(self.rows, datetime.date(2026, 10, 1),
                                                     datetime.date(2026, 10, 31)),
                         {self.salesman.id: MeasureValue(
                             500, ids, True, 500, currency_id=self.company.currency_id.id)})

    def test_same_dates_last_year(self):
        self.growth.growth_comparison = "last_year"
        self.won_lead(self.salesman, self.local(2026, 10, 15, 12), revenue=1000)
        self.won_lead(self.salesman, self.local(2025, 10, 1, 0, 0, 0), revenue=600)  # in
        self.won_lead(self.salesman, self.local(2025, 9, 30, 23, 59, 59), revenue=7)  # out
        self.won_lead(self.salesman, self.local(2025, 11, 1, 0, 0, 0), revenue=7)  # out
        (value, _ids, _has_data), baseline = self.measure(datetime.date(2026, 10, 1),
                                                          datetime.date(2026, 10, 31))
        self.assertEqual((value, baseline), (400, 600))

    def test_period_so_far_against_as_much_of_the_previous_one(self):
        """The estimate measures November up to now (22 days 11 hours after 1 November 00:00
        local); the previous 30 days start on 2 October 00:00 local (UTC+2): the baseline ends
        22 days 11 hours later, 24 October 09:00 UTC."""
        self.won_lead(self.salesman, self.local(2026, 11, 10, 12), revenue=1000)
        self.won_lead(self.salesman, NOW + datetime.timedelta(hours=1), revenue=7)  # to come
        self.won_lead(self.salesman, datetime.datetime(2026, 10, 24, 8, 59, 59), revenue=800)
        self.won_lead(self.salesman, datetime.datetime(2026, 10, 24, 9, 0, 0), revenue=7)
        (value, _ids, _has_data), baseline = self.measure(
            datetime.date(2026, 11, 1), datetime.date(2026, 11, 30), until=NOW)
        self.assertEqual((value, baseline), (200, 800))

    def test_percent_growth_over_a_period_without_baseline_has_no_data(self):
        pct = self.make_rule("won_revenue_growth_pct", target=10, window_days=30)
        self.won_lead(self.salesman, self.local(2026, 10, 15, 12), revenue=1000)
        (value, ids, has_data), baseline = self.measure(
            datetime.date(2026, 10, 1), datetime.date(2026, 10, 31), rule=pct)
        self.assertEqual((value, has_data, baseline, len(ids)), (0, False, 0, 1))

    def test_the_windows_carry_the_comparison_windows_dates(self):
        """A measure of a date column (an invoice date, in kpi_management_sale) compares it
        with the local dates of the comparison window (``Window.base_day_from`` /
        ``base_day_to``): the previous period's, the same dates last year, and for a period so
        far as many days as have begun in the period (1 - 23 November, 11:00 on the 23rd: 23
        days, 2 - 24 October); none for a rule that is not a growth."""
        windows = []

        def run(rule, found, days=None, currencies=None):
            windows.append(found[0])
            return {}

        D = datetime.date
        with mock.patch.object(type(self.growth), "_run_measure", run):
            self.growth._measure_rows(self.rows)
            self.growth._measure_period(self.rows, D(2026, 10, 1), D(2026, 10, 31))
            self.growth._measure_period(self.rows, D(2026, 11, 1), D(2026, 11, 30), until=NOW)
            self.growth.growth_comparison = "last_year"
            self.growth._measure_rows(self.rows)
            self.rule_volume._measure_rows(self.rows)
        self.assertEqual([(w.day_from, w.base_day_from, w.base_day_to) for w in windows], [
            (D(2026, 10, 24), D(2026, 9, 24), D(2026, 10, 24)),
            (D(2026, 10, 1), D(2026, 8, 31), D(2026, 10, 1)),
            (D(2026, 11, 1), D(2026, 10, 2), D(2026, 10, 25)),
            (D(2026, 10, 24), D(2025, 10, 24), D(2025, 11, 23)),
            (D(2026, 10, 24), None, None),
        ])
