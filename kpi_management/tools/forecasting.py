"""Pure forecast arithmetic of the "My KPIs" dashboard (no database).

Forecast
    The forecast of a KPI to the end of the current calendar period (``calendar.period_bounds``)
    continues from the last measured value at the trend of the period, **damped**: the slope of
    a straight line fitted by least squares through the daily values measured since the start of
    that period (one point per evaluation day, ``x`` = days since the period start), each
    further day adding :data:`DAMPING` times the previous day's change (Gardner's damped trend),
    so that the whole forecast moves by at most ``slope x DAMPING / (1 - DAMPING)`` (4 days of
    the trend): a KPI's daily value is a state over a rolling window, which does not run on to 0
    or to infinity because it fell or rose for a week. It never jumps away from today's figure
    (a line through the mean would start at the period's average, not where the user stands).
    With fewer than :data:`MIN_TREND_POINTS` points the line is flat (the value stays as it is:
    a few days say nothing of a trend); with no point there is no forecast. Forecast values are
    never below ``minimum`` (by default 0: a count or an amount cannot become negative). It is
    a trend, not a promise: the dashboard says so next to the graph.
"""

import datetime

from .calendar import period_bounds

#: fewer daily values than this in the period: no trend, the value holds
MIN_TREND_POINTS = 7
#: each day ahead continues this share of the previous day's change (damped trend)
DAMPING = 0.8


def linear_fit(points):
    """Least-squares ``(slope, intercept)`` of ``[(x, y)]``; flat through the mean for < 2 x."""
    n = len(points)
    if not n:
        raise ValueError("no points to fit")
    mean_x = sum(x for x, _y in points) / n
    mean_y = sum(y for _x, y in points) / n
    var_x = sum((x - mean_x) ** 2 for x, _y in points)
    if not var_x:
        return 0.0, mean_y
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / var_x
    return slope, mean_y - slope * mean_x


def forecast(history, day, period="month", minimum=0.0):
    """Forecast a KPI to the end of the period containing ``day``.

    :param history: ``[(date, value)]`` daily values (any order; other periods are ignored).
    :param day: the current day (usually the date of the latest result).
    :return: ``[(date, value)]`` from the last measured day of the period up to ``day``
        (included, with its measured value, so that the line joins the history) to the
        period's last day, at the slope of the period's least-squares line; ``[]`` when
        nothing was measured in the period.
    """
    start, end = period_bounds(day, period)
    points = sorted(((d - start).days, float(v)) for d, v in history if start <= d <= day)
    if not points:
        return []
    slope = linear_fit(points)[0] if len(points) >= MIN_TREND_POINTS else 0.0
    last_x, last_value = points[-1]
    result = []
    current = start + datetime.timedelta(days=last_x)
    while current <= end:
        ahead = (current - start).days - last_x
        # sum of DAMPING^k for k = 1..ahead: the damped number of days of trend
        days_of_trend = DAMPING * (1 - DAMPING ** ahead) / (1 - DAMPING)
        value = last_value + slope * days_of_trend
        if minimum is not None:
            value = max(minimum, value)
        result.append((current, round(value, 2)))
        current += datetime.timedelta(days=1)
    return result
