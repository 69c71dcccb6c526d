"""Pure bonus arithmetic (no database)."""

import datetime

import pytest

from odoo.addons.kpi_management.tools import bonus_math as m

LEVELS = m.DEFAULT_LEVELS  # 0 -> 0, 50 -> 0, 100 -> 100, 150 -> 150


@pytest.mark.parametrize(
    ("score", "payout"),
    [(0, 0), (30, 0), (50, 0), (75, 50), (90, 80), (100, 100), (120, 120), (150, 150),
     (180, 150), (200, 150)],
)
def test_payout_curve_interpolates_and_stops_at_last_level(score, payout):
    assert m.payout_percent(score, LEVELS) == pytest.approx(payout)


def test_payout_curve_unsorted_levels_and_deduction():
    levels = [(100, 100), (0, -20), (80, 0)]
    assert m.payout_percent(0, levels) == -20
    assert m.payout_percent(40, levels) == pytest.approx(-10)
    assert m.payout_percent(90, levels) == pytest.approx(50)
    assert m.payout_percent(500, levels) == 100
    assert m.payout_percent(50, []) == 0


def test_check_levels():
    assert m.check_levels(LEVELS) == []
    assert m.check_levels([]) == ["empty"]
    assert m.check_levels([(0, 0), (0, 10)]) == ["duplicate"]
    assert m.check_levels([(0, -10), (100, 100)]) == ["deduction"]
    assert m.check_levels([(0, -10), (100, 100)], allow_deduction=True) == []
    assert m.check_levels([(-5, 0)]) == ["negative_score"]


def test_weights():
    assert m.weights_valid([30, 30, 40])
    assert m.weights_valid([33.3, 33.3, 33.4])
    assert not m.weights_valid([30, 30, 30])
    assert not m.weights_valid([])


def test_weighted_total_source_scheme_and_pilot():
    # sales volume 30% at 120, new clients 30% at 50, customer service 40% at 95
    assert m.weighted_total([(120, 30, True), (50, 30, True), (95, 40, True)]) == 89.0
    # a pilot rule never counts
    assert m.weighted_total([(120, 30, True), (200, 70, False)]) == 36.0


def test_bonus_amount():
    assert m.bonus_amount(10000, 89.0, LEVELS) == pytest.approx(7800)
    assert m.bonus_amount(10000, 40.0, LEVELS) == 0


D = datetime.date


def daily(*rows):
    return [m.DailyResult(D(2026, 11, day), value, target, score)
            for day, value, target, score in rows]


def test_period_score_refuses_past_windows():
    """Past windows are measured over the period by the engine, never averaged or shifted."""
    rows = daily((1, 1, 2, 50), (15, 3, 2, 150), (30, 4, 2, 200))
    with pytest.raises(ValueError):
        m.period_score(rows, D(2026, 11, 1), D(2026, 11, 30), m.WINDOW_PAST)


def test_period_score_snapshot_averages_daily_results():
    rows = daily((1, 2, 0, 100), (2, 4, 0, 0), (3, 0, 0, 100), (30, 9, 9, 9))
    ps = m.period_score(rows, D(2026, 11, 1), D(2026, 11, 3), "snapshot")
    assert (ps.value, ps.target, ps.score, ps.days, ps.measured) == (2, 0, 66.67, 3, 3)
    assert not ps.no_data


def test_period_score_without_results_is_zero():
    ps = m.period_score([], D(2026, 11, 1), D(2026, 11, 30), "future")
    assert (ps.score, ps.days, ps.measured, ps.no_data) == (0, 0, 0, False)


@pytest.mark.parametrize(
    ("value", "target", "direction", "unit", "delta"),
    [(0, 2, "higher", "count", 2), (1.5, 2, "higher", "count", 1), (3, 2, "higher", "count", 1),
     (60000, 100000, "higher", "amount", 40000), (120000, 100000, "higher", "amount", 10000),
     (12, 8, "lower", "hours", -4), (6, 8, "lower", "hours", 0)],
)
def test_what_if_delta(value, target, direction, unit, delta):
    assert m.what_if_delta(value, target, direction, unit) == pytest.approx(delta)


def test_bonus_after_change_two_more_new_clients():
    lines = [(100, 30, True), (0, 30, True), (100, 40, True)]
    before = m.bonus_amount(10000, m.weighted_total(lines), LEVELS)
    after = m.bonus_after_change(lines, 1, m.rescore(0, 2, "higher", 2), 10000, LEVELS)
    assert (before, after) == (pytest.approx(4000), pytest.approx(10000))


def test_estimate_source_scheme():
    # volume 110% x 30, new clients 50% x 30, service 95% x 40 = 33 + 15 + 38 = 86 -> 72%
    est = m.estimate([(110.0, 30, True), (50.0, 30, True), (95.0, 40, True)], 10000,
                     m.DEFAULT_LEVELS)
    assert (est.total_score, est.payout_percent, est.amount) == (86.0, 72.0, 7200.0)
    assert est.contributions == (33.0, 15.0, 38.0)
    # each KPI's share of the amount, as the bonus engine gives it (bonus_engine.employee_bonus)
    shares = [m.amount_share(est.amount, c, sum(est.contributions)) for c in est.contributions]
    assert [round(s, 2) for s in shares] == [2762.79, 1255.81, 3181.4]
    assert sum(shares) == pytest.approx(7200)
    nothing = m.estimate([(0.0, 100, True)], 10000, m.DEFAULT_LEVELS)
    assert (nothing.total_score, nothing.amount, nothing.contributions) == (0.0, 0.0, (0.0,))
    assert m.amount_share(nothing.amount, 0.0, sum(nothing.contributions)) == 0.0


def _daily(day, value, target=4, direction="higher", has_data=True):
    from odoo.addons.kpi_management.tools.scoring import compute_score
    return m.DailyResult(day, value, target, compute_score(value, target, direction), has_data)


def test_average_forecast_holds_todays_state():
    """A state (meetings planned) does not accumulate: the days left hold the latest value
    (before: a least-squares line through 3 days, which ran on for 20 days)."""
    D = datetime.date
    day = D(2026, 11, 10)
    results = [_daily(D(2026, 11, 1), 0), _daily(D(2026, 11, 6), 1), _daily(D(2026, 11, 10), 2)]
    line = m.average_forecast(results, day, "month", 4, "higher")
    # the period average: 3 measured days and the 20 days left (11th..30th) at 2
    assert line.points == 3
    assert line.value == pytest.approx((0 + 1 + 2 + 2 * 20) / 23, abs=1e-4)
    assert line.score == pytest.approx((0 + 25 + 50 + 50 * 20) / 23, abs=0.01)
    assert line.has_data
    # nothing in the period: the latest value holds
    flat = m.average_forecast([_daily(D(2026, 10, 30), 3), _daily(D(2026, 10, 31), 2)],
                              day, "month", 4, "higher")
    assert (flat.value, flat.score, flat.points) == (2.0, 50.0, 0)


def test_cumulative_forecast_by_kind_of_kpi():
    # a ratio or an average holds its value: 1.5 h of response time stays 1.5 h
    held = m.cumulative_forecast(1.5, 4, 31, additive=False, previous=(2.0, 90))
    assert (held.value, held.basis) == (1.5, m.BASIS_HELD)
    # one deal of 612 on the 1st, no previous period: not extrapolated before 7 days
    early = m.cumulative_forecast(612, 1, 31)
    assert (early.value, early.basis) == (612, m.BASIS_TOO_EARLY)
    # the same deal, with 90 previous days at 100 a day: leans on that pace
    blended = m.cumulative_forecast(612, 1, 31, previous=(9000, 90))
    pace = (612 + 100 * m.PRIOR_DAYS) / (1 + m.PRIOR_DAYS)
    assert blended.value == pytest.approx(612 + 30 * pace)
    assert (blended.basis, blended.prior_days) == (m.BASIS_PACE, 90)
    # never an order of magnitude from one event: far below 612 x 31
    assert blended.value < 612 * 31 / 3
    # late in the period the period's own pace dominates
    late = m.cumulative_forecast(2500, 25, 31, previous=(9000, 90))
    assert late.value == pytest.approx(2500 + 6 * (2500 + 700) / 32)
    # no previous period, enough days: the pace so far
    assert m.cumulative_forecast(700, 7, 28).value == pytest.approx(2800)
    # the period is over: what was measured
    assert m.cumulative_forecast(3, 31, 31, previous=(1, 1)).basis == m.BASIS_FINAL


def test_the_hint_below_the_paying_level_says_what_reaches_it():
    levels = m.DEFAULT_LEVELS  # pays above a total of 50
    assert m.first_paying_score(levels) == 50
    assert m.first_paying_score([(0, 10), (100, 100)]) is None  # pays from the start
    assert m.first_paying_score([(0, 0), (100, 0)]) is None  # never pays
    # two KPIs of 50% weight: meetings at 62.5% (31.25 points), deals at 0: total 31.25
    lines = [(62.5, 50.0, True), (0.0, 50.0, True)]
    # deals: target 4; the total passes 50 when deals score more than 37.5%: 2 deals (50%)
    delta = m.delta_to_pay(lines, 1, 0, 4, "higher", "count", 10000, levels)
    assert delta == 2
    assert m.bonus_after_change(lines, 1, m.rescore(0, 4, "higher", delta), 10000, levels) > 0
    assert m.bonus_after_change(lines, 1, m.rescore(0, 4, "higher", 1), 10000, levels) == 0
    # an amount: the smallest amount that pays (scores and the total are rounded to cents)
    amount = m.delta_to_pay(lines, 1, 0, 1000, "higher", "amount", 10000, levels)
    assert 375 < amount <= 375.2
    assert m.bonus_after_change(lines, 1, m.rescore(0, 1000, "higher", amount), 10000,
                                levels) > 0
    assert m.bonus_after_change(lines, 1, m.rescore(0, 1000, "higher", amount - 0.1), 10000,
                                levels) == 0
    # lower is better (overdue activities, target 2, 8 today: 25%)
    low = [(25.0, 50.0, True), (60.0, 50.0, True)]
    cut = m.delta_to_pay(low, 0, 8, 2, "lower", "count", 10000, levels)
    assert cut < 0
    assert m.bonus_after_change(low, 0, m.rescore(8, 2, "lower", cut), 10000, levels) > 0
    # a KPI that cannot lift the total alone (10% weight, capped at 200%)
    small = [(0.0, 90.0, True), (0.0, 10.0, True)]
    assert m.delta_to_pay(small, 1, 0, 4, "higher", "count", 10000, levels) is None


def test_forecast_of_nothing_to_measure_is_no_data_for_every_direction():
    """Before, ``forecast_line`` scored a KPI without history at 200% (lower is better) while
    today's figure was 0%: no history, or only results with nothing to measure, is no data."""
    D = datetime.date
    day = D(2026, 11, 10)
    for direction in ("higher", "lower"):
        line = m.average_forecast([], day, "month", 8, direction)
        assert (line.score, line.has_data) == (None, False)
        empty = [_daily(D(2026, 11, 9), 0, 8, direction, has_data=False)]
        assert not m.average_forecast(empty, day, "month", 8, direction).has_data


def test_a_flat_run_of_zero_is_forecast_as_scored_today():
    """Zero overdue activities every day: the forecast scores what today scores (before:
    100% today, 200% forecast)."""
    D = datetime.date
    day = D(2026, 11, 10)
    zeros = [_daily(D(2026, 11, d), 0, 2, "lower") for d in range(1, 11)]
    assert zeros[-1].score == m.average_forecast(zeros, day, "month", 2, "lower").score == 200.0


def test_pace_forecast():
    # 3 deals in the first 10 days of November (30 days): 9 at the end at that pace
    assert m.pace_forecast(3, 10, 30) == pytest.approx(9.0)
    assert m.pace_forecast(3, 30, 30) == 3
    # a quarter (92 days from October): 23 days elapsed
    assert m.pace_forecast(23, 23, 92) == pytest.approx(92.0)
    # one deal in the first hour of the month counts as a day's pace, not 720 hours'
    assert m.pace_forecast(1, 1 / 24, 30) == 30


def test_share_no_data_spreads_the_weight_pro_rata():
    # 30 / 30 / 40; the 30% conversion rate has nothing to measure
    lines = [(110.0, 30, True, True), (0.0, 30, True, False), (95.0, 40, True, True)]
    shared = m.share_no_data(lines)
    assert shared == [(110.0, 42.8571, True), (0.0, 0.0, True), (95.0, 57.1429, True)]
    assert sum(w for _s, w, _c in shared) == pytest.approx(100, abs=1e-3)
    # the total is the weighted average of what was measured
    assert m.weighted_total(shared) == pytest.approx((110 * 30 + 95 * 40) / 70, abs=0.01)
    # nothing to share: unchanged
    assert m.share_no_data([(50.0, 100, True, True)]) == [(50.0, 100, True)]
    # a pilot never counts: its weight goes to the counted KPIs, as for no data
    assert m.share_no_data([(50.0, 80, True, True), (70.0, 20, False, True)]) == \
        [(50.0, 100.0, True), (70.0, 0.0, False)]
    assert m.weighted_total(m.share_no_data(
        [(120.0, 30, True, True), (0.0, 30, False, True), (95.0, 40, True, True)])) == \
        pytest.approx((120 * 30 + 95 * 40) / 70, abs=0.01)
    # nothing measured at all: a total of 0
    assert m.weighted_total(m.share_no_data([(0.0, 100, True, False)])) == 0.0


def test_period_score_ignores_days_with_nothing_to_measure():
    D = datetime.date
    rows = [_daily(D(2026, 11, 1), 2), _daily(D(2026, 11, 2), 0, has_data=False),
            _daily(D(2026, 11, 3), 4)]
    ps = m.period_score(rows, D(2026, 11, 1), D(2026, 11, 30), "snapshot")
    assert (ps.value, ps.score, ps.days, ps.measured, ps.no_data) == (3.0, 75.0, 3, 2, False)
    none = m.period_score(rows[1:2], D(2026, 11, 1), D(2026, 11, 30), "snapshot")
    assert none.no_data and none.days == 1


def test_one_rule_for_counting_and_manual_scores():
    assert m.kpi_counts("manual", False) and m.kpi_counts("rule", False)
    assert not m.kpi_counts("rule", True)
    assert m.kpi_counts("manual", True)  # a manual KPI has no pilot
    assert m.manual_score([]) == m.ManualScore(0.0, 0)
    assert m.manual_score([90, 100]) == m.ManualScore(95.0, 2)
    assert m.manual_score(iter([70, 80, 81])) == m.ManualScore(77.0, 3)


def test_prorate_to_the_days_worked():
    assert m.prorate(7200, 15, 30) == 3600
    assert m.prorate(7200, 30, 30) == 7200
    assert m.prorate(7200, 31, 30) == 7200  # never more than the whole period
    assert m.prorate(7200, 0, 30) == 0


def test_fingerprint_names_what_changed():
    before = m.fingerprint({"period": ["2026-10-01", "2026-10-31"], "assessments": [(1, 90)]})
    same = m.fingerprint({"assessments": [(1, 90)], "period": ["2026-10-01", "2026-10-31"]})
    assert before == same
    after = m.fingerprint({"period": ["2026-10-01", "2026-10-31"], "assessments": [(1, 91)]})
    assert m.changed_parts(before, after) == ["assessments"]
    assert m.changed_parts(None, after) == ["period", "assessments"]
    assert m.changed_parts(before, {"period": before["period"]}) == ["assessments"]


def test_ranks_by_total_then_amount_then_order():
    """The sheet's ranks, in the order of its employees: the highest total first, the higher
    amount between equal totals, the sheet's order between equal both."""
    totals = [(80.0, 500.0), (95.0, 900.0), (80.0, 700.0), (80.0, 500.0), (0.0, 0.0)]
    assert m.ranks(totals) == [3, 1, 2, 4, 5]
    assert m.ranks([]) == []
