"""The calendar periods of the addon, on ``odoo.tools.date_utils`` (pure, no database).

Periods
    ``day``, ``week`` (Monday to Sunday), ``month``, ``quarter`` (calendar quarters, from
    1 January, April, July and October) and ``year``: the period containing a date, as
    inclusive ``(first_day, last_day)`` bounds of :class:`datetime.date` (:func:`period_bounds`).

Previous and last period
    The period before the one starting on a day (:func:`previous_period`) and the period that
    ended before today (:func:`last_period`: last week, last month, last quarter).

Length
    A period's number of days, both ends included (:func:`period_days`), and how many of them a
    period in progress has measured (:func:`elapsed_days`: "day 23 of 30").
"""

import datetime

from odoo.tools import date_utils

DAY = "day"
WEEK = "week"
MONTH = "month"
QUARTER = "quarter"
YEAR = "year"

#: the calendar periods (the "My KPIs" dashboard's periods and the results' "Period" filter)
PERIODS = (DAY, WEEK, MONTH, QUARTER, YEAR)
#: the periods a KPI is scored over (``kpi.period.result.period_type``)
PERIOD_TYPES = (WEEK, MONTH, QUARTER, YEAR)
#: the longest length in days of each period
MAX_DAYS = {DAY: 1, WEEK: 7, MONTH: 31, QUARTER: 92, YEAR: 366}

# The selections of the period fields, the one list of each kind of label; a field offering
# fewer periods takes its part with :func:`selection_of`.
#: a period as such (``kpi.period.result.period_type``, ``kpi.rule.analysis_period``, ...)
PERIOD_TYPE_SELECTION = [(WEEK, "Week"), (MONTH, "Month"), (QUARTER, "Quarter"), (YEAR, "Year")]
#: how often something happens (``kpi.bonus.scheme.period``, ``crm.team.kpi_report_frequency``)
FREQUENCY_SELECTION = [(WEEK, "Weekly"), (MONTH, "Monthly"), (QUARTER, "Quarterly")]

ONE_DAY = datetime.timedelta(days=1)


def selection_of(selection, periods):
    """The items of ``selection`` whose period is one of ``periods``, in their order."""
    return [(key, label) for key, label in selection if key in periods]


def period_bounds(day, period=MONTH):
    """``(first_day, last_day)`` (inclusive) of the calendar ``period`` containing ``day``."""
    if period not in PERIODS:
        raise ValueError("unknown period %r" % (period,))
    return date_utils.start_of(day, period), date_utils.end_of(day, period)


def previous_period(date_from, period):
    """``(first_day, last_day)`` of the period just before the one starting on ``date_from``."""
    return period_bounds(date_from - ONE_DAY, period)


def last_period(today, period):
    """``(first_day, last_day)`` of the last ``period`` that ended before ``today``."""
    return previous_period(period_bounds(today, period)[0], period)


def periods_between(first_day, last_day, period):
    """The ``(first_day, last_day)`` of every ``period`` that contains a day of
    ``first_day .. last_day``, oldest first."""
    if period not in PERIOD_TYPES:
        raise ValueError("unknown period %r" % (period,))
    periods = []
    start, end = period_bounds(first_day, period)
    while start <= last_day:
        periods.append((start, end))
        start, end = period_bounds(end + ONE_DAY, period)
    return periods


def period_days(date_from, date_to):
    """Number of days of ``date_from .. date_to`` (both included)."""
    return (date_to - date_from).days + 1


def elapsed_days(date_from, date_to, last_day):
    """How many days of the period ``date_from .. date_to`` were measured when its last daily
    result was that of ``last_day``: "day 23 of 30" (between 1 and the period's length)."""
    if not last_day:
        return 1
    return max(1, min(period_days(date_from, date_to), period_days(date_from, last_day)))
