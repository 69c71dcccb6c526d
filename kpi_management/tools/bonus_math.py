"""Pure bonus arithmetic: payout curve, weighted total, period scores, what-if hints.

Nothing here touches the ORM or the database; the bonus models are thin glue around it.

Payout curve
    A scheme gives levels ``(score %, payout %)``, like Odoo's commission plans. Between two
    levels the payout is interpolated linearly; below the first level it is the first level's
    payout, above the last level it is the last level's payout ("nothing above"). A negative
    payout (a deduction) is only accepted when the scheme explicitly allows it.

Weighted total
    ``total = sum(score_i x weight_i) / 100`` where the weights (in %) add up to 100. Pilot rules
    are shown with a weight but contribute 0 (they never count).

Period score
    ``past`` windows (cumulative counts and sums: won revenue, new clients, meetings held) are
    NOT derived from the daily results: the rule's measure is run once over the exact period
    (``kpi.rule._measure_period``: from local midnight of the first day to local midnight after
    the last, in each user's timezone) and scored against the user's target. A rolling N-day
    result only equals the period when N is the period's length; measuring the period counts
    every deal in exactly one sheet, whatever the window, the month's length or the period type.
    ``snapshot`` and ``future`` windows (states: open pipeline, overdue activities, meetings
    planned ahead): the AVERAGE of the daily results dated ``first .. last`` (see
    :func:`period_score`): a state held for the whole period counts, not a single lucky or
    unlucky day. Value and target are averaged the same way, so a figure always comes with the
    figures it was derived from. Days without a result and days with nothing to measure
    (``no_data``) are ignored; no result at all gives a score of 0 (and the sheet names the
    missing days); results that all had nothing to measure make the period ``no_data``.

No data (see ``scoring``)
    A KPI with nothing to measure in the period (no lead closed for a conversion rate, no key
    account, no lead to answer) does not score 0: its weight is shared pro rata over the
    employee's other counted KPIs (:func:`share_no_data`), so the total is the weighted average
    of what could be measured. Nothing measurable at all gives a total of 0.

Bonus amount
    ``amount = base x payout(total) / 100``, rounded to the currency by the caller. The share of
    one KPI in the amount (shown in the estimate) is ``amount x contribution / total``.

Estimate (My KPIs, My Bonus Estimate): the sheet, early
    The estimate computes today what the sheet of the scheme's current period (month or
    quarter, ``kpi.bonus.scheme.period``) will compute, in the employee's timezone:

    * ``past`` windows: measured from the period's first day up to now, the way the sheet
      measures the whole period, against the full period's target; a count or an amount is
      forecast to the period's end at a pace blended with the previous periods' (a ratio or
      an average holds its value; :func:`cumulative_forecast`);
    * ``snapshot`` and ``future`` windows: the average of the daily results of the period so far
      (:func:`period_score`); the forecast holds today's state for the days left
      (:func:`average_forecast`);
    * manual KPIs: the assessments of the period's sheet that the viewer may read (none: not
      assessed yet, 0 as on the sheet); they are not forecast.

    No data is treated as on the sheet. It is a trend, not a promise.
"""

import datetime
import hashlib
import json
import math
from dataclasses import dataclass

from .calendar import period_bounds
from .scoring import DIRECTION_LOWER, WINDOW_PAST, compute_score

#: ``kpi.bonus.scheme.line.kind``: a KPI rule scored by the engine, or a manual assessment
KIND_RULE = "rule"
KIND_MANUAL = "manual"

DEFAULT_LEVELS = ((0.0, 0.0), (50.0, 0.0), (100.0, 100.0), (150.0, 150.0))


def check_levels(levels, allow_deduction=False):
    """Return a list of problems (plain English keys) with ``levels``; empty when valid.

    Problems: ``"empty"``, ``"duplicate"`` (two levels with the same score), ``"negative_score"``,
    ``"deduction"`` (a negative payout without ``allow_deduction``).
    """
    problems = []
    if not levels:
        problems.append("empty")
    scores = [score for score, _payout in levels]
    if len(set(scores)) != len(scores):
        problems.append("duplicate")
    if any(score < 0 for score in scores):
        problems.append("negative_score")
    if not allow_deduction and any(payout < 0 for _score, payout in levels):
        problems.append("deduction")
    return problems


def payout_percent(score, levels):
    """Payout % of ``score`` on the curve ``levels`` [(score, payout)], linear in between."""
    if not levels:
        return 0.0
    points = sorted(levels)
    if score <= points[0][0]:
        return float(points[0][1])
    for (s0, p0), (s1, p1) in zip(points, points[1:], strict=False):
        if score <= s1:
            return float(p0 + (p1 - p0) * (score - s0) / (s1 - s0))
    return float(points[-1][1])


def weights_total(weights):
    return round(sum(weights), 6)


def weights_valid(weights):
    """The weights of a scheme must add up to 100 (%), within a rounding tolerance."""
    return bool(weights) and math.isclose(weights_total(weights), 100.0, abs_tol=1e-6)


def contribution(score, weight, counts=True):
    """Points that one KPI adds to the weighted total."""
    return round(score * weight / 100.0, 4) if counts else 0.0


def weighted_total(lines):
    """``lines``: iterable of ``(score, weight, counts)``; the weighted total score in %."""
    return round(sum(contribution(score, weight, counts) for score, weight, counts in lines), 2)


def bonus_amount(base_amount, total_score, levels):
    return base_amount * payout_percent(total_score, levels) / 100.0


@dataclass(frozen=True)
class DailyResult:
    date: datetime.date
    value: float
    target: float
    score: float
    has_data: bool = True  # False: the result had nothing to measure (status no_data)
    currency_id: int | None = None  # of the amounts, as recorded (None: not recorded)


@dataclass(frozen=True)
class PeriodScore:
    value: float
    target: float
    score: float
    days: int  # number of daily results in the period (with or without data)
    measured: int = 0  # number of those results that had something to measure

    @property
    def no_data(self):
        """Every result of the period had nothing to measure."""
        return bool(self.days) and not self.measured


def period_score(results, date_from, date_to, window_kind):
    """Average the daily ``results`` (DailyResult) of one snapshot or future rule and user over
    the period ``date_from .. date_to`` (both included).

    ``results`` may hold rows outside the period (they are filtered here). Past windows are
    measured over the period instead (``kpi.rule._measure_period``): refused here.
    """
    if window_kind == WINDOW_PAST:
        raise ValueError("past windows are measured over the period, not averaged")
    in_period = sorted((r for r in results if date_from <= r.date <= date_to),
                       key=lambda r: r.date)
    rows = [r for r in in_period if r.has_data]
    if not rows:
        target = (round(sum(r.target for r in in_period) / len(in_period), 4)
                  if in_period else 0.0)
        return PeriodScore(0.0, target, 0.0, len(in_period), 0)
    n = len(rows)
    return PeriodScore(
        round(sum(r.value for r in rows) / n, 4),
        round(sum(r.target for r in rows) / n, 4),
        round(sum(r.score for r in rows) / n, 2),
        len(in_period), n,
    )


def share_no_data(lines):
    """``lines`` [(score, weight, counts, has_data)] -> [(score, weight used, counts)].

    The weight of a KPI that does not score is shared over the counted KPIs that were
    measured, pro rata of their weights, and it keeps a weight of 0: a counted KPI with
    nothing to measure (score 0), and a pilot KPI (``counts`` False: a rule that is still a
    pilot for the team, shown with its score, never counted), so that a team piloting a KPI
    is paid on the scheme's other KPIs, neither less nor more. When no counted KPI was
    measured, every weight is 0 (a total of 0).
    """
    lines = list(lines)
    measured = sum(w for _s, w, counts, has_data in lines if counts and has_data)
    missing = sum(w for _s, w, counts, has_data in lines if not (counts and has_data))
    factor = (measured + missing) / measured if measured else 0.0
    shared = []
    for score, weight, counts, has_data in lines:
        if not counts:
            shared.append((score, 0.0, counts))
        elif not has_data:
            shared.append((0.0, 0.0, counts))
        else:
            shared.append((score, round(weight * factor, 4) if missing else weight, counts))
    return shared


def kpi_counts(kind, pilot):
    """Whether a KPI of a scheme counts in the total: manual assessments always do, a KPI rule
    unless it is a pilot (shown, never counted). The one place that decides it, for the sheet,
    the estimate and its forecast."""
    return kind == KIND_MANUAL or not pilot


@dataclass(frozen=True)
class ManualScore:
    score: float  # the average of the assessments, 0 when nobody assessed
    count: int  # number of assessments


def manual_score(scores):
    """The score of a manual KPI: the average of its assessments (0-100%), rounded to 2
    decimals; 0 with ``count`` 0 when nobody assessed it."""
    scores = list(scores)
    if not scores:
        return ManualScore(0.0, 0)
    return ManualScore(round(sum(scores) / len(scores), 2), len(scores))


def prorate(amount, days_in, days_total):
    """``amount`` for ``days_in`` of the ``days_total`` days of a period (an employee who
    joined or left the team during the period); unchanged for the whole period."""
    if days_total <= 0 or days_in >= days_total:
        return amount
    return amount * max(days_in, 0) / days_total


def ranks(totals):
    """The rank (1 = first) of each employee of a sheet, in the order of ``totals``
    ``[(total_score, amount)]``: the highest total first, the higher amount between equal
    totals, then the order given (the sheet's order of employees) between equal both."""
    order = sorted(range(len(totals)), key=lambda i: (-totals[i][0], -totals[i][1]))
    ranked = [0] * len(totals)
    for rank, index in enumerate(order, start=1):
        ranked[index] = rank
    return ranked


def fingerprint(components):
    """``{name: digest}`` of ``components`` ``{name: JSON-serialisable data}``.

    A bonus sheet stores the fingerprint of everything its figures were computed from (the
    period, the team, the scheme, the targets, the assessments, the values measured); the
    digests are compared part by part to name what changed since (:func:`changed_parts`).
    """
    return {
        name: hashlib.sha256(
            json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()
        ).hexdigest()
        for name, data in components.items()
    }


def changed_parts(stored, current):
    """The names of the parts whose digest differs between two fingerprints (in the order of
    ``current``, then the parts only ``stored`` has)."""
    stored = stored or {}
    names = [name for name, digest in current.items() if stored.get(name) != digest]
    return names + [name for name in stored if name not in current]


def what_if_delta(value, target, direction, unit):
    """The change of value worth showing: what is missing to reach the target, else one step.

    Counts move by whole units; other units by the gap to the target or 10% of it.
    Returns 0 when no change can be suggested (e.g. a lower-is-better KPI already at 0).
    """
    if direction == DIRECTION_LOWER:
        if value <= target or value <= 0:
            return 0.0
        return -(value - target)
    gap = target - value
    if unit == "count":
        return float(max(1, math.ceil(gap))) if gap > 0 else 1.0
    if gap > 0:
        return gap
    return target * 0.1 if target > 0 else 0.0


def rescore(value, target, direction, delta):
    """Score of the KPI if its value moved by ``delta``."""
    return compute_score(max(0.0, value + delta), target, direction)


def bonus_after_change(lines, index, new_score, base_amount, levels):
    """Bonus amount if line ``index`` of ``lines`` [(score, weight, counts)] scored
    ``new_score``."""
    changed = [
        (new_score if i == index else score, weight, counts)
        for i, (score, weight, counts) in enumerate(lines)
    ]
    return bonus_amount(base_amount, weighted_total(changed), levels)


def first_paying_score(levels):
    """The total score above which the curve ``levels`` pays something (the score of the
    last level paying nothing before the first that pays); None when no level pays."""
    points = sorted(levels)
    for index, (_score, payout) in enumerate(points):
        if payout > 0:
            return points[index - 1][0] if index else None
    return None


def delta_to_pay(lines, index, value, target, direction, unit, base_amount, levels):
    """The smallest change of the value of KPI ``index`` of ``lines`` [(score, weight used,
    counts)] that makes the bonus more than 0, when it is 0 today (below the first paying
    level); None when this KPI alone cannot get there (its score is capped) or nothing is
    to gain. Counts move by whole units."""
    def pays(delta):
        score = rescore(value, target, direction, delta)
        return bonus_after_change(lines, index, score, base_amount, levels) > 0

    if direction == DIRECTION_LOWER:
        low, high = -value, 0.0  # fewer is better: at most down to 0
        if not pays(low):
            return None
        for _step in range(50):  # the smallest cut that pays
            middle = (low + high) / 2
            low, high = (middle, high) if pays(middle) else (low, middle)
        delta = low
        return float(math.floor(delta)) if unit == "count" else round(delta, 2)
    high = max(target, 1.0) * 4 + abs(value)  # beyond the score cap: nothing more to gain
    if not pays(high):
        return None
    low = 0.0
    for _step in range(50):
        middle = (low + high) / 2
        low, high = (low, middle) if pays(middle) else (middle, high)
    return float(math.ceil(high)) if unit == "count" else round(high + 0.005, 2)


def amount_share(amount, contribution_points, total_score):
    """Share of one KPI (its ``contribution_points``) in ``amount`` (0 when the total is 0)."""
    return amount * contribution_points / total_score if total_score else 0.0


@dataclass(frozen=True)
class Estimate:
    total_score: float
    payout_percent: float
    amount: float  # not rounded: the caller rounds to its currency
    contributions: tuple


def estimate(lines, base_amount, levels):
    """The bonus of ``lines`` [(score, weight, counts)]: total, payout, amount and each line's
    contribution (its share of the amount: :func:`amount_share`)."""
    lines = list(lines)
    total = weighted_total(lines)
    amount = bonus_amount(base_amount, total, levels)
    contributions = tuple(contribution(score, weight, counts) for score, weight, counts in lines)
    return Estimate(total, round(payout_percent(total, levels), 4), amount, contributions)


@dataclass(frozen=True)
class ForecastLine:
    value: float
    score: float | None  # None: nothing to measure
    points: int  # daily values the forecast was fitted through (0: none)
    has_data: bool = True


def pace_forecast(value, elapsed_days, period_days):
    """The value a cumulative KPI (a ``past`` window measured from the period's start up to
    now, ``elapsed_days`` into a period of ``period_days``) reaches at the period's end at the
    pace so far: ``value x period_days / elapsed_days``. At least one day counts as elapsed, so
    that a deal won in the first hour of the period is not multiplied by hundreds."""
    elapsed = max(elapsed_days, 1.0)
    return value if elapsed >= period_days else value * period_days / elapsed


#: how many days of the previous periods' pace weigh in a cumulative forecast (its prior):
#: on day 1 the forecast rests mostly on the previous periods, by the end on the period itself
PRIOR_DAYS = 7
#: below this many days measured, and without previous periods to lean on, a cumulative
#: forecast does not extrapolate: it says what is measured so far
MIN_PACE_DAYS = 7

#: how a forecast was made (``CumulativeForecast.basis``)
BASIS_FINAL = "final"  # the period has ended: the value measured
BASIS_HELD = "held"  # not cumulative (a ratio, an average, a share): the value holds
BASIS_PACE = "pace"  # the pace so far, blended with the previous periods' pace
BASIS_TOO_EARLY = "too_early"  # too few days and no previous period: the value so far


@dataclass(frozen=True)
class CumulativeForecast:
    value: float
    basis: str  # BASIS_*
    days: float  # days of the period measured so far
    prior_days: float = 0.0  # days of previous periods the pace leaned on (0: none)


def cumulative_forecast(value, elapsed_days, period_days, additive=True, previous=None):
    """What a past-window KPI measured since the period's start (``value``, ``elapsed_days``
    into a period of ``period_days``) reaches at the period's end if the employee keeps going
    like this.

    * Only counts and amounts accumulate (``additive``): a ratio, an average, a share or a
      growth in % holds its value (:data:`BASIS_HELD`).
    * A count or an amount continues at a pace that blends the pace so far with the pace of
      the previous periods (``previous``: ``(value, days)`` measured over them, None when the
      employee was not measured then): ``pace = (value + previous pace x PRIOR_DAYS) /
      (elapsed + PRIOR_DAYS)``, so that one deal on the first day moves the forecast by what a
      day is worth, not by the whole period, and the period's own pace takes over as its days
      add up.
    * Without previous periods, fewer than :data:`MIN_PACE_DAYS` days are not extrapolated:
      the forecast is the value so far (:data:`BASIS_TOO_EARLY`), and says so.
    """
    elapsed = max(float(elapsed_days), 0.0)
    if elapsed >= period_days:
        return CumulativeForecast(value, BASIS_FINAL, period_days)
    if not additive:
        return CumulativeForecast(value, BASIS_HELD, elapsed)
    remaining = period_days - elapsed
    prior_value, prior_days = previous or (0.0, 0.0)
    if prior_days <= 0:
        if elapsed < MIN_PACE_DAYS:
            return CumulativeForecast(value, BASIS_TOO_EARLY, elapsed)
        return CumulativeForecast(pace_forecast(value, elapsed, period_days), BASIS_PACE,
                                  elapsed)
    prior_pace = prior_value / prior_days
    pace = (value + prior_pace * PRIOR_DAYS) / (elapsed + PRIOR_DAYS)
    return CumulativeForecast(value + remaining * max(pace, 0.0), BASIS_PACE, elapsed,
                              prior_days)


def average_forecast(results, day, period, target, direction):
    """The period score a ``snapshot``/``future`` KPI is on course for at the end of the
    calendar ``period`` containing ``day``: a state does not accumulate, so "keep going like
    this" is today's state held to the period's end.

    The average (like :func:`period_score`) of the daily ``results`` (DailyResult) of the
    period up to ``day`` that had data and, for each day after ``day``, of the latest value
    measured, scored against ``target``. Without any result with data in the period, the
    latest earlier one holds (flat); without any at all, nothing to measure (``has_data``
    False).
    """
    start, end = period_bounds(day, period)
    measured = [r for r in results if r.has_data and r.date <= day]
    in_period = sorted((r for r in measured if start <= r.date), key=lambda r: r.date)
    if not in_period:
        if not measured:
            return ForecastLine(0.0, None, 0, has_data=False)
        latest = max(measured, key=lambda r: r.date)
        return ForecastLine(latest.value, compute_score(latest.value, target, direction), 0)
    days_left = max((end - day).days, 0)
    last = in_period[-1].value
    values = [r.value for r in in_period] + [last] * days_left
    scores = [r.score for r in in_period] + [compute_score(last, target, direction)] * days_left
    return ForecastLine(round(sum(values) / len(values), 4),
                        round(sum(scores) / len(scores), 2), len(in_period))
