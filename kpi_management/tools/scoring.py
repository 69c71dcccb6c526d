"""Pure scoring and time-window arithmetic of the KPI engine.

Nothing here touches the ORM or the database, so every rule can be tested on its own.

Score
    ``higher`` is better: ``score = value / target x 100``.
    ``lower`` is better (response time, overdue activities): ``score = target / value x 100``;
    a value of 0 reaches the cap when the target is positive, and exactly 100% when the target
    is 0 (any value above a 0 target scores 0).
    Scores are clipped to ``[0, SCORE_CAP]`` (200%) so that one runaway KPI cannot hide the
    others in a weighted total.

No data
    A KPI that is a ratio or an average over a population (conversion rate: leads closed; key
    account coverage: key accounts; response time: leads assigned; share of large deals: deals
    won; data completeness: open opportunities) has nothing to measure when the population is
    empty, and a growth in % has nothing to measure against a baseline of 0. Whatever its
    direction, such a result has no score and the status ``no_data`` (:func:`score_status`): it
    is shown as "no data", left out of the overall score, and in a bonus its weight is shared
    pro rata over the employee's other KPIs (``bonus_math.share_no_data``), in the sheet,
    the estimate and its forecast alike. A count or a sum with nothing counted is a measured 0
    (``measures.Measure.no_data_when_empty``).

Status
    ``reached`` at 100% or more, ``warning`` from the rule's warning threshold (in % of the
    target) up to 100%, ``off_track`` below it; ``no_data`` when there was nothing to measure.

Windows
    Evaluating on local date D in the user's timezone:
    ``past`` windows of N days cover the N full days before D: ``[D - N, D)``;
    ``future`` windows of N days cover D and the N - 1 days after it: ``[D, D + N)``;
    ``snapshot`` measures look at the state of the records (open pipeline, overdue
    activities) and ignore the window.
    The bounds are local midnights converted to naive UTC timestamps, as Odoo stores them.
    A window that leaves the calendar (year 1 to 9999) raises ``ValueError``, never
    ``OverflowError``.

Baselines (growth KPIs)
    A growth KPI compares its window ``[D1, D2)`` (local dates) with a comparison window of the
    same user, chosen on the rule (:func:`baseline_bounds`): ``previous``, the same number of
    days just before, ``[D1 - (D2 - D1), D1)``; ``last_year``, the same dates one year earlier,
    ``[D1 - 1 year, D2 - 1 year)`` (29 February gives 28 February). Both are taken in the
    user's timezone: local midnights converted to UTC, never a shift of the UTC bounds (a
    daylight saving change between the two windows stays right).

Bounds
    Rules, individual targets and templates refuse a window longer than ``MAX_WINDOW_DAYS``
    (10 years) and a target that is not a finite number within ``MAX_TARGET`` in size
    (``target_in_range``); the engine refuses to evaluate stored values outside them.
"""

import datetime
import functools
import math

import pytz
from dateutil.relativedelta import relativedelta

SCORE_CAP = 200.0
MAX_WINDOW_DAYS = 3660
MAX_TARGET = 10**12

WINDOW_PAST = "past"
WINDOW_FUTURE = "future"
WINDOW_SNAPSHOT = "snapshot"

COMPARE_PREVIOUS = "previous"
COMPARE_LAST_YEAR = "last_year"

STATUS_REACHED = "reached"
STATUS_WARNING = "warning"
STATUS_OFF_TRACK = "off_track"
STATUS_NO_DATA = "no_data"

#: ``kpi.rule.direction``: is a higher or a lower value better
DIRECTION_HIGHER = "higher"
DIRECTION_LOWER = "lower"


def compute_score(value, target, direction=DIRECTION_HIGHER, cap=SCORE_CAP):
    """Return the % of target reached, clipped to ``[0, cap]`` (a measured value: see
    :func:`score_status` for a KPI with nothing to measure)."""
    value = value or 0.0
    target = target or 0.0
    if direction != DIRECTION_LOWER:
        if target <= 0:
            raw = cap if value > 0 else 100.0
        else:
            raw = value / target * 100.0
    else:
        if value <= 0:
            raw = cap if target > 0 else 100.0
        elif target <= 0:
            raw = 0.0
        else:
            raw = target / value * 100.0
    return round(max(0.0, min(cap, raw)), 2)


def compute_status(score, warning_threshold):
    """Classify a score: reached (>= 100), warning (>= threshold) or off track."""
    if score >= 100.0:
        return STATUS_REACHED
    if score >= (warning_threshold or 0.0):
        return STATUS_WARNING
    return STATUS_OFF_TRACK


def score_status(value, target, direction, warning_threshold, has_data=True):
    """``(score, status)`` of one result: ``(None, "no_data")`` when there was nothing to
    measure (``has_data`` False), whatever the direction; else the score and its status."""
    if not has_data:
        return None, STATUS_NO_DATA
    score = compute_score(value, target, direction)
    return score, compute_status(score, warning_threshold)


def target_in_range(target):
    """True when ``target`` is a finite number no larger than ``MAX_TARGET`` in size."""
    return math.isfinite(target) and abs(target) <= MAX_TARGET


def day_bounds(day, window_days, window_kind):
    """Local dates ``(first, last_exclusive)`` of the window evaluated on ``day``.

    :raise ValueError: when the window leaves the calendar.
    """
    try:
        if window_kind == WINDOW_FUTURE:
            return day, day + datetime.timedelta(days=window_days)
        if window_kind == WINDOW_PAST:
            return day - datetime.timedelta(days=window_days), day
        # snapshot: the evaluation day alone, bounds are informative only
        return day, day + datetime.timedelta(days=1)
    except OverflowError as exc:
        raise ValueError(
            f"a window of {window_days} days on {day} leaves the calendar") from exc


@functools.lru_cache(maxsize=8192)
def local_midnight_utc(day, tz_name):
    """Naive UTC timestamp of midnight starting ``day`` in timezone ``tz_name`` (cached: a
    night asks it for the same few days and timezones of thousands of users)."""
    try:
        tz = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    local = tz.localize(datetime.datetime.combine(day, datetime.time.min))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def local_today(tz_name, now=None):
    """The current date in timezone ``tz_name`` (``now`` is a naive UTC datetime)."""
    return _local_today(tz_name, now or datetime.datetime.utcnow())


@functools.lru_cache(maxsize=4096)
def _local_today(tz_name, now):
    try:
        tz = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    return pytz.utc.localize(now).astimezone(tz).date()


def window_bounds(day, window_days, window_kind, tz_name):
    """``(day_from, day_to, utc_from, utc_to)`` of the window evaluated on local ``day``.

    The users of a rule share a few days and timezones: the arithmetic is done once per
    ``(day, window, timezone)`` (:func:`_window_bounds`, cached; its values are immutable).

    :raise ValueError: when the window or its UTC bounds leave the calendar.
    """
    return _window_bounds(day, window_days, window_kind, tz_name)


@functools.lru_cache(maxsize=4096)
def _window_bounds(day, window_days, window_kind, tz_name):
    day_from, day_to = day_bounds(day, window_days, window_kind)
    try:
        utc_from = local_midnight_utc(day_from, tz_name)
        utc_to = local_midnight_utc(day_to, tz_name)
    except OverflowError as exc:
        raise ValueError(
            f"a window of {window_days} days on {day} leaves the calendar") from exc
    return day_from, day_to, utc_from, utc_to


def baseline_days(day_from, day_to, comparison):
    """Local dates ``(first, last_exclusive)`` of the comparison window of ``[day_from,
    day_to)`` (see the module's docstring, *Baselines*).

    :raise ValueError: when the comparison window leaves the calendar.
    """
    try:
        if comparison == COMPARE_LAST_YEAR:
            return day_from - relativedelta(years=1), day_to - relativedelta(years=1)
        return day_from - (day_to - day_from), day_from
    except (OverflowError, ValueError) as exc:
        raise ValueError(
            f"the comparison window of [{day_from}, {day_to}) leaves the calendar") from exc


def baseline_bounds(day_from, day_to, comparison, tz_name):
    """``(utc_from, utc_to)`` of the comparison window of the local dates ``[day_from,
    day_to)``: local midnights in ``tz_name`` as naive UTC.

    :raise ValueError: when the comparison window leaves the calendar.
    """
    first, last = baseline_days(day_from, day_to, comparison)
    try:
        return local_midnight_utc(first, tz_name), local_midnight_utc(last, tz_name)
    except OverflowError as exc:
        raise ValueError(
            f"the comparison window of [{day_from}, {day_to}) leaves the calendar") from exc
