"""Pure period and forecast arithmetic of the "My KPIs" dashboard (no database).

Periods
    ``day``, ``week`` (Monday to Sunday), ``month``, ``quarter`` and ``year``: the calendar
    period containing a date, as inclusive ``(first_day, last_day)`` bounds.

Forecast
    The forecast of a KPI to the end of the current period is a straight line fitted by least
    squares through the daily values measured since the start of that period (one point per
    evaluation day, ``x`` = days since the period start), extended day by day to the period's
    last day. With a single point the line is flat (the value stays as it is); with no point
    there is no forecast. Forecast values are clipped to ``[minimum, maximum]`` (by default
    not below 0: a count or an amount cannot become negative). It is a trend, not a promise:
    the dashboard says so next to the graph.
"""

import datetime

PERIODS = ("day", "week", "month", "quarter", "year")


def period_bounds(day, period="month"):
    """``(first_day, last_day)`` (inclusive) of the calendar ``period`` containing ``day``."""
    if period == "day":
        return day, day
    if period == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
    elif period == "quarter":
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    elif period == "year":
        start = day.replace(month=1, day=1)
    else:
        raise ValueError("unknown period %r" % (period,))
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    month_index = start.month - 1 + months
    next_start = start.replace(year=start.year + month_index // 12, month=month_index % 12 + 1)
    return start, next_start - datetime.timedelta(days=1)


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


def forecast(history, day, period="month", minimum=0.0, maximum=None):
    """Forecast a KPI to the end of the period containing ``day``.

    :param history: ``[(date, value)]`` daily values (any order; other periods are ignored).
    :param day: the current day (usually the date of the latest result).
    :return: ``[(date, value)]`` for every day after ``day`` up to the period's last day,
        starting with ``(day, fitted value at day)`` so that the line joins the history;
        ``[]`` when nothing was measured in the period.
    """
    start, end = period_bounds(day, period)
    points = [((d - start).days, float(v)) for d, v in history if start <= d <= day]
    if not points:
        return []
    slope, intercept = linear_fit(points)
    result = []
    current = day
    while current <= end:
        value = slope * (current - start).days + intercept
        if minimum is not None:
            value = max(minimum, value)
        if maximum is not None:
            value = min(maximum, value)
        result.append((current, round(value, 2)))
        current += datetime.timedelta(days=1)
    return result
