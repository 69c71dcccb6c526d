"""Pure arithmetic of period scores and discrepancy findings (no database).

Period score
    The score of a KPI over a calendar period (week, month, quarter, year; see
    ``calendar.period_bounds``), computed the way a bonus sheet computes its period:
    a past-window rule is measured once over the exact period (in the user's timezone), a
    snapshot or future rule averages its daily results of the period (:func:`averaged_score`).

Period in progress (``calendar.elapsed_days``)
    A period that has not ended (in the user's timezone) is measured *so far*: up to the
    moment it was computed (the night's run), "day 23 of 30" being the day of its last daily
    result. It is computed again every night, and once more, final, after it has ended. Its
    target is the whole period's: a count or an amount so far is compared with the target of
    the full period, so its score climbs as the period goes on; an average is not affected.

Period target (``bonus_engine.period_target``, the one definition)
    A count or an amount over a past window keeps its target when the window *is* the period,
    else it is scaled to the period's length (10 deals in 30 days is 2.33 deals a week, 30.33
    in a quarter of 91 days); a ratio or an average keeps its target.

    Snapshot and future rules average the targets of their daily results.

Change (``score_change``)
    This period's score minus the previous period's, in percentage points. A score already
    turns a lower-is-better KPI around (fewer overdue activities score higher), so a rise is
    always an improvement. There is no change when either period had nothing to measure.

Consecutive periods below target (:func:`trailing_run`)
    Periods are consecutive when each one starts the day after the previous one ends. A
    period is below target when it has data and scores below 100%; a period with nothing to
    measure, or a missing one, ends the run.

Suggested target (:func:`suggested_target`)
    The median of the period values of the team (every member holding the rule, the user
    included, with data) over the finding's periods, each brought back to the rule's window
    (the inverse of :func:`period_target`), and never easier than the easiest target in force
    for the team (the rule's target and the individual targets of its members): never below
    the lowest one for a higher-is-better KPI, never above the highest one for a
    lower-is-better KPI. Rounded to 2 decimals.
"""

import datetime
import statistics
from dataclasses import dataclass
from typing import NamedTuple

from .bonus_engine import (  # noqa: F401 - one definition, used by the callers here
    ADDITIVE_UNITS,
    period_target,
    window_value,
)
from .calendar import ONE_DAY, period_days
from .scoring import DIRECTION_LOWER, STATUS_NO_DATA, compute_status

#: a period in progress is compared with the previous one only from this many days measured
#: (before, one or two days say nothing: "too early to compare")
MIN_CHANGE_DAYS = 7
#: how a period's score is compared with the previous period's (:func:`change_basis`)
CHANGE_DIRECT = "direct"
CHANGE_AT_PACE = "pace"
CHANGE_TOO_EARLY = "too_early"


def change_basis(closed, elapsed, days, cumulative):
    """How the score of a period measured for ``elapsed`` of its ``days`` days compares with
    the previous period's final score, like with like: an ended period as it is; a period in
    progress not before :data:`MIN_CHANGE_DAYS` days (``CHANGE_TOO_EARLY``); a ``cumulative``
    KPI (a count or an amount measured over the period so far) at its pace, its score x days /
    elapsed up to the score cap (``CHANGE_AT_PACE``); anything else as it is. The stored
    ``score_change`` of ``kpi.period.result`` is computed this way in SQL."""
    if closed:
        return CHANGE_DIRECT
    if elapsed < min(MIN_CHANGE_DAYS, days):
        return CHANGE_TOO_EARLY
    if cumulative and elapsed < days:
        return CHANGE_AT_PACE
    return CHANGE_DIRECT


class PeriodFigures(NamedTuple):
    """The figures of one user's period score, as ``kpi.period.result`` stores them."""

    value: float | None
    target: float
    score: float | None
    status: str  # scoring.STATUS_*
    has_data: bool
    ids: list  # the records counted (a past-window rule), else empty


def averaged_score(with_data, avg_value, avg_target, avg_score, all_target, warning_threshold):
    """The :class:`PeriodFigures` of a snapshot or future rule over a period: the averages of
    its ``with_data`` daily results with something to measure, value and target rounded to 4
    decimals, score to 2, and the status of that score; without any, no value, no score,
    ``no_data``, and the average target of all the daily results (``all_target``)."""
    has_data = bool(with_data)
    value = round(avg_value, 4) if has_data else None
    target = round((avg_target if has_data else all_target) or 0.0, 4)
    score = round(avg_score, 2) if has_data else None
    status = compute_status(score, warning_threshold) if has_data else STATUS_NO_DATA
    return PeriodFigures(value, target, score, status, has_data, [])


def is_below_target(score, has_data):
    """A period is below target when it was measured and scores under 100%."""
    return bool(has_data) and score is not None and score < 100.0


@dataclass(frozen=True)
class PeriodPoint:
    date_from: datetime.date
    date_to: datetime.date
    score: float | None
    has_data: bool


def trailing_run(points):
    """The periods of the run of consecutive below-target periods that ends with the latest
    of ``points`` (any order), oldest first; empty when the latest one is not below target.
    """
    ordered = sorted(points, key=lambda p: p.date_from)
    run = []
    for point in reversed(ordered):
        if not is_below_target(point.score, point.has_data):
            break
        if run and point.date_to + ONE_DAY != run[-1].date_from:
            break  # a gap: a period without a score ends the run
        run.append(point)
    return run[::-1]


#: what the analysis does with an open finding when it reads the user's closed periods again
#: (:func:`open_finding_step`)
FINDING_UNCHANGED = "unchanged"  # no closed period since the finding's last one: as it is
FINDING_EXTEND = "extend"  # still below target, in a row: the finding takes the new periods
FINDING_INTERRUPTED = "interrupted"  # below target after a period without a score: it ends
FINDING_BACK_ON_TARGET = "back_on_target"  # measured and on target: the finding closes
FINDING_WAIT = "wait"  # nothing to measure in the latest period: the finding waits


def open_finding_step(finding_date_to, latest, run):
    """What becomes of an open finding whose last period ends on ``finding_date_to``, given
    the user's ``latest`` closed period (a :class:`PeriodPoint`) and ``run``, the run of
    below-target periods that ends with it (:func:`trailing_run`): one of ``FINDING_*``.

    A finding only ever takes periods that follow its own without a gap: below target after
    a period without a score, it ends there (``FINDING_INTERRUPTED``) and a new finding opens
    when the new run is long enough."""
    if latest.date_to <= finding_date_to:
        return FINDING_UNCHANGED
    if is_below_target(latest.score, latest.has_data):
        if run[0].date_from <= finding_date_to + ONE_DAY:
            return FINDING_EXTEND
        return FINDING_INTERRUPTED
    if latest.has_data:
        return FINDING_BACK_ON_TARGET
    return FINDING_WAIT


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def team_window_values(periods, window_days, period_type, additive, past):
    """The values behind a finding's suggested target (:func:`suggested_target`), oldest
    first: the team's values of each of ``periods`` (``[(date_from, date_to, values)]``),
    brought back to the rule's window of ``window_days`` days (:func:`window_value`, for a
    count or an amount: ``additive``) when the rule measures a past window (``past``), as they
    are for a snapshot or future rule."""
    return [
        window_value(value, window_days, period_type, period_days(date_from, date_to), additive)
        if past else value
        for date_from, date_to, values in periods for value in values
    ]


def suggested_target(window_values, targets_in_force, direction):
    """The suggested target of a finding (see the module docstring): ``None`` without any
    value of the team."""
    middle = median(window_values)
    if middle is None:
        return None
    targets = [t for t in targets_in_force if t is not None]
    if targets:
        middle = max(middle, min(targets)) if direction != DIRECTION_LOWER else min(middle, max(targets))
    return round(middle, 2)
