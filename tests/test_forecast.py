"""Pure period and forecast arithmetic of the My KPIs dashboard (no database)."""

import datetime

import pytest

from odoo.addons.kpi_management.tools import forecasting as f

D = datetime.date


def test_linear_fit():
    assert f.linear_fit([(0, 1), (1, 3), (2, 5)]) == pytest.approx((2.0, 1.0))
    assert f.linear_fit([(4, 7)]) == (0.0, 7.0)  # one point: flat
    assert f.linear_fit([(1, 2), (1, 4)]) == (0.0, 3.0)  # same x: flat through the mean
    with pytest.raises(ValueError):
        f.linear_fit([])


def damped(days):
    return f.DAMPING * (1 - f.DAMPING ** days) / (1 - f.DAMPING)


def test_forecast_extends_the_trend_damped_to_the_end_of_the_month():
    # +1 a day from 2 on the 1st: 23 on the 22nd; the damped line adds at most 4 days' worth
    history = [(D(2026, 11, day), day + 1) for day in range(1, 23)]
    result = f.forecast(history, D(2026, 11, 22), "month")
    assert result[0] == (D(2026, 11, 22), 23.0)  # joins the last measured day
    assert result[1] == (D(2026, 11, 23), 23.8)
    assert result[-1] == (D(2026, 11, 30), round(23 + damped(8), 2))
    assert result[-1][1] < 23 + f.DAMPING / (1 - f.DAMPING)
    assert len(result) == 9


def test_forecast_ignores_other_periods_and_is_flat_with_one_point():
    history = [(D(2026, 10, 31), 100.0), (D(2026, 11, 1), 6.0)]
    # Sunday 1 November is the last day of its week: the forecast is that day only
    assert f.forecast(history, D(2026, 11, 1), "week") == [(D(2026, 11, 1), 6.0)]
    result = f.forecast(history, D(2026, 11, 1), "month")
    assert {v for _d, v in result} == {6.0}
    assert result[-1][0] == D(2026, 11, 30)


def test_a_few_days_make_no_trend():
    """Meetings planned fell from 10 to 5 in the first 4 days: before, the line reached 0 by
    the 6th and stayed there; with fewer than MIN_TREND_POINTS days the value holds."""
    history = [(D(2026, 11, day), 12 - day - (day > 2) * 2) for day in range(1, 5)]
    result = f.forecast(history, D(2026, 11, 4), "month")
    assert {v for _d, v in result} == {history[-1][1]}


def test_forecast_never_runs_to_zero_on_a_week_of_decline():
    # 10 meetings planned falling by 1 a day for 8 days: 3 on the 8th; the damped trend
    # stops near 3 - 4 = -1 -> clipped at 0 only by the end; an undamped one was 0 on the 11th
    history = [(D(2026, 11, day), 11.0 - day) for day in range(1, 9)]
    result = dict(f.forecast(history, D(2026, 11, 8), "month"))
    assert result[D(2026, 11, 11)] == round(3 - damped(3), 2) > 0
    assert f.forecast([], D(2026, 11, 2), "month") == []
    unclipped = f.forecast(history, D(2026, 11, 8), "month", minimum=None)[-1][1]
    assert unclipped == pytest.approx(3 - damped(22), abs=0.01)
    assert unclipped > 3 - f.DAMPING / (1 - f.DAMPING)


def test_forecast_continues_from_the_last_measured_value():
    # won revenue jumps around: the least-squares line is at 124,000 today while the user
    # sees 120,000; the forecast starts at 120,000 and follows the period's damped trend
    values = [50000, 60000, 130000, 90000, 120000, 110000, 120000]
    history = [(D(2026, 11, 14 + i), v) for i, v in enumerate(values)]
    slope, _intercept = f.linear_fit([(13 + i, v) for i, v in enumerate(values)])
    result = f.forecast(history, D(2026, 11, 20), "month")
    assert result[0] == (D(2026, 11, 20), 120000.0)
    assert result[1][1] == pytest.approx(120000 + slope * f.DAMPING, abs=0.01)
    assert result[-1] == (D(2026, 11, 30), pytest.approx(120000 + damped(10) * slope,
                                                         abs=0.01))


def test_forecast_starts_at_the_last_measured_day():
    # the latest day had nothing to measure: the line starts where the values stop
    history = [(D(2026, 11, day), 3.0 * day) for day in range(1, 9)]
    result = f.forecast(history, D(2026, 11, 10), "month")
    assert result[:3] == [(D(2026, 11, 8), 24.0), (D(2026, 11, 9), 26.4),
                          (D(2026, 11, 10), round(24 + 3 * damped(2), 2))]
