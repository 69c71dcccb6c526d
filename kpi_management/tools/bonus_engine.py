"""The bonus engine: one pure module that scores a KPI over a period and an employee's bonus.

The bonus sheet (``kpi.bonus.sheet``), My Bonus Estimate (``kpi.bonus.scheme``) and the period
scores (``kpi.period.result``) collect their inputs from the database and call this module;
none of them scores a KPI, shares a weight, totals, pays or prorates by itself. Nothing here
touches the ORM or the database (as OCA ``mis_builder`` keeps its KPI matrix apart from its
models); ``bonus_math`` holds the primitives it composes (payout curve, weighted total,
no-data sharing, average of daily results).

A KPI over a period (:func:`score_kpi`), by how its input was collected (``KpiInput.method``):

``period``
    a past-window rule (won revenue, new clients, ...), measured once over the employee's days
    of the period; scored against the **period target** (:func:`period_target`), prorated to
    the employee's days when they were in the team for part of the period only.
``average``
    a snapshot or next-days rule (open pipeline, meetings planned): the average of its daily
    results of those days (``bonus_math.period_score``); value and target are averaged
    the same way.
``manual``
    the average of the assessments (0 when nobody assessed), against 100.

Period target (:func:`period_target`)
    A past-window rule's target is set for its window ("1,000 in 30 days"). A count or an
    amount keeps it when the window *is* the period (7 days for a week, 28-31 days for a
    month, 89-92 for a quarter, 365-366 for a year, or exactly the period's days for custom
    dates); otherwise it is scaled to the period's length: 1,000 per 30 days over a quarter
    of 92 days is 3,066.67. A ratio or an average (%, hours) keeps its target whatever the
    period. The sheet, the estimate, the period scores and the discrepancy analysis all use
    this one function, so a quarter is never scored against a month's target.

Employee's bonus (:func:`employee_bonus`)
    A pilot KPI is shown and never counted; the weight of a counted KPI with nothing to measure
    and of a pilot KPI is shared pro rata over the counted KPIs that were measured
    (``bonus_math.share_no_data``); the weighted total goes through the payout curve and
    the amount is prorated to the employee's days of the period.
"""

import datetime
from dataclasses import dataclass, replace

from . import bonus_math, calendar
from .scoring import DIRECTION_HIGHER, compute_score

METHOD_PERIOD = "period"
METHOD_AVERAGE = "average"
METHOD_MANUAL = "manual"

#: the periods a bonus scheme is paid for (``kpi.bonus.scheme.period``); a sheet may also
#: cover custom dates
SCHEME_PERIODS = (calendar.MONTH, calendar.QUARTER)

#: the lengths in days of a window that *is* the period (no scaling of its target)
NATURAL_LENGTHS = {
    "week": range(7, 8),
    "month": range(28, 32),
    "quarter": range(89, 93),
    "year": range(365, 367),
}

#: the units whose value adds up over time (their target is scaled to the period's length)
ADDITIVE_UNITS = ("count", "amount")


# ------------------------------------------------------------------------ period target
def target_scale(window_days, period_type, days, additive):
    """The factor from a window's figure to a period's of ``days`` days (see
    :func:`period_target`); ``period_type`` is ``week``, ``month``, ``quarter``, ``year`` or
    anything else for custom dates (natural only when the window has the period's days)."""
    if not additive or window_days <= 0:
        return 1.0
    if window_days in NATURAL_LENGTHS.get(period_type, ()) or window_days == days:
        return 1.0
    return days / window_days


def period_target(target, window_days, period_type, days, additive):
    """The target over a period of ``days`` days of a past-window rule whose ``target`` is
    set for ``window_days`` days (see the module docstring). Not rounded: 2 in 90 days over
    30 days is 2/3, and 1 scores 150%, not the 149.99% of a target rounded to 0.6667 (the
    views round what they show)."""
    scale = target_scale(window_days, period_type, days, additive)
    return target if scale == 1.0 else target * scale


def window_value(value, window_days, period_type, days, additive):
    """A period's ``value`` brought back to the rule's window (the inverse of
    :func:`period_target`), e.g. 14 deals in a quarter of 91 days is 4.62 deals in 30 days."""
    return value / target_scale(window_days, period_type, days, additive)


@dataclass(frozen=True)
class Span:
    """The days of a period an employee is scored on (both included)."""

    date_from: datetime.date
    date_to: datetime.date
    period_type: str  # "week" | "month" | "quarter" | "year" | "custom"
    period_days: int  # days of the whole period
    days: int = 0  # days of the employee in it (0: the whole period)

    @property
    def employee_days(self):
        return self.days or self.period_days

    @property
    def partial(self):
        return self.employee_days < self.period_days


# ------------------------------------------------------------------------ one KPI
@dataclass(frozen=True)
class KpiInput:
    """What was collected for one KPI of one employee over a period."""

    key: object  # the caller's key (a scheme line id)
    method: str  # METHOD_*
    weight: float = 0.0
    pilot: bool = False  # a rule that ran as a pilot for the employee's team: never counted
    direction: str = DIRECTION_HIGHER
    #: METHOD_PERIOD: the value measured over the employee's days, whether there was anything
    #: to measure, the records counted; the rule's target (for its window), window and unit
    value: float = 0.0
    has_data: bool = True
    count: int = 0
    target: float = 0.0
    window_days: int = 0
    additive: bool = False
    #: METHOD_AVERAGE: the daily results (``bonus_math.DailyResult``)
    daily: tuple = ()
    #: METHOD_MANUAL: the scores of the assessments
    assessments: tuple = ()


@dataclass(frozen=True)
class TargetBasis:
    """How a period-measured KPI's target was derived (shown in the sheet's detail)."""

    target: float  # the rule's target, for its window
    window_days: int
    days: int  # days of the period
    scaled: bool  # the target was scaled from the window to the period
    period_target: float
    employee_days: int  # days of the employee (prorated when fewer than ``days``)


@dataclass(frozen=True)
class KpiScore:
    key: object
    method: str
    value: float
    target: float
    score: float  # 0 when there was nothing to measure
    has_data: bool
    counts: bool  # counted in the total (False: a pilot)
    count: int  # records counted, daily results, or assessments
    measured: int = 0  # METHOD_AVERAGE: daily results with something to measure
    weight: float = 0.0
    basis: TargetBasis | None = None


def score_kpi(kpi, span):
    """Score one :class:`KpiInput` over ``span`` (:class:`Span`): a :class:`KpiScore`, not yet
    weighted (see :func:`employee_bonus`)."""
    counts = bonus_math.kpi_counts(
        bonus_math.KIND_MANUAL if kpi.method == METHOD_MANUAL else bonus_math.KIND_RULE,
        kpi.pilot)
    common = {"key": kpi.key, "method": kpi.method, "counts": counts, "weight": kpi.weight}
    if kpi.method == METHOD_PERIOD:
        scale = target_scale(kpi.window_days, span.period_type, span.period_days, kpi.additive)
        target = full_target = period_target(kpi.target, kpi.window_days, span.period_type,
                                             span.period_days, kpi.additive)
        if span.partial:
            target = bonus_math.prorate(target, span.employee_days, span.period_days)
        basis = TargetBasis(kpi.target, kpi.window_days, span.period_days, scale != 1.0,
                            full_target, span.employee_days)
        score = compute_score(kpi.value, target, kpi.direction) if kpi.has_data else 0.0
        return KpiScore(value=kpi.value, target=target, score=score, has_data=kpi.has_data,
                        count=kpi.count, basis=basis, **common)
    if kpi.method == METHOD_AVERAGE:
        ps = bonus_math.period_score(kpi.daily, span.date_from, span.date_to, "snapshot")
        return KpiScore(value=ps.value, target=ps.target, score=ps.score,
                        has_data=not ps.no_data, count=ps.days, measured=ps.measured, **common)
    if kpi.method == METHOD_MANUAL:
        manual = bonus_math.manual_score(kpi.assessments)
        return KpiScore(value=manual.score, target=100.0, score=manual.score, has_data=True,
                        count=manual.count, **common)
    raise ValueError("unknown method %r" % (kpi.method,))


def rescore_value(score, value, direction):
    """``score`` (:class:`KpiScore`) with another ``value`` (a forecast), scored against the
    same target in ``direction``; 0 when there was nothing to measure."""
    return replace(score, value=value,
                   score=compute_score(value, score.target, direction) if score.has_data
                   else 0.0)


# ------------------------------------------------------------------------ one employee
@dataclass(frozen=True)
class WeightedKpi:
    kpi: KpiScore
    weight_used: float
    contribution: float
    amount: float  # this KPI's share of the employee's (prorated) amount


@dataclass(frozen=True)
class EmployeeBonus:
    kpis: tuple  # WeightedKpi, in the order of the inputs
    total_score: float
    payout_percent: float
    amount: float  # prorated to the employee's days, not rounded: the caller rounds


def employee_bonus(scores, base_amount, levels, span=None):
    """The bonus of one employee from their :class:`KpiScore` s: the weights of pilots and of
    KPIs with nothing to measure shared over the measured counted ones, the weighted total,
    the payout on the curve ``levels`` and the amount prorated to the employee's days of
    ``span`` (the whole period when None)."""
    scores = list(scores)
    shared = bonus_math.share_no_data(
        (s.score, s.weight, s.counts, s.has_data) for s in scores)
    result = bonus_math.estimate(shared, base_amount, levels)
    amount = result.amount
    if span is not None:
        amount = bonus_math.prorate(amount, span.employee_days, span.period_days)
    # each KPI's share of the amount, over the exact sum of the contributions (the total is
    # rounded to 2 decimals): the shares add up to the amount
    points = sum(result.contributions)
    kpis = tuple(
        WeightedKpi(score, weight_used, contribution,
                    bonus_math.amount_share(amount, contribution, points))
        for score, (_s, weight_used, _c), contribution in zip(
            scores, shared, result.contributions, strict=True))
    return EmployeeBonus(kpis, result.total_score, bonus_math.payout_percent(
        result.total_score, levels), amount)
