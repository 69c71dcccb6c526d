import dataclasses
import datetime
from contextlib import contextmanager

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..tools import bonus_engine, bonus_math, calendar, scoring
from ..tools.groups import MANAGER_GROUP, OFFICER_GROUP

_DEFERRED = "kpi_bonus_scheme_deferred_checks"
#: how many of the scheme's periods before the current one give the previous pace of a
#: cumulative forecast (My Bonus Estimate)
PREVIOUS_PERIODS = 3


@contextmanager
def deferred_scheme_checks(env):
    """While a scheme is created or written (its form writes its lines and levels one by one),
    the lines' and levels' own checks of their scheme are deferred: they collect the scheme ids,
    validated once the whole write is done. Kept on the cursor, which no RPC caller can reach
    (unlike the context). Yields the set of collected ids, or None in a nested call."""
    state = env.cr.cache.setdefault(_DEFERRED, {"depth": 0, "ids": set()})
    state["depth"] += 1
    try:
        yield state["ids"] if state["depth"] == 1 else None
    finally:
        state["depth"] -= 1
        if not state["depth"]:
            env.cr.cache.pop(_DEFERRED, None)


def check_schemes(schemes):
    """Validate the weights and the payout curve of ``schemes`` (whose lines or levels were
    written on their own), now or at the end of the scheme's write that is changing them."""
    state = schemes.env.cr.cache.get(_DEFERRED)
    if state and state["depth"]:
        state["ids"].update(schemes.ids)
        return
    schemes.exists()._check_definition()


@dataclasses.dataclass(frozen=True)
class EstimateClock:
    """The scheme's current period for one user, in the user's timezone (My Bonus Estimate,
    :meth:`KpiBonusScheme._estimate_clock`)."""

    now: datetime.datetime  # naive UTC
    today: datetime.date  # in the user's timezone
    period: str  # the scheme's period: "month" | "quarter"
    start: datetime.date  # the period's first day
    end: datetime.date  # the period's last day
    elapsed_days: float  # from the period's start to now
    period_days: float  # the period's length in days (a DST change makes one 23 or 25 hours)
    span: object  # bonus_engine.Span: the whole period
    span_so_far: object  # bonus_engine.Span: the period's first day to today


@dataclasses.dataclass(frozen=True)
class EstimateSources:
    """What an estimate is collected from (:meth:`KpiBonusScheme._estimate_sources`)."""

    past_rules: object  # kpi.rule: the past-window rules, measured over the period
    daily: dict  # {(rule_id, user_id): [bonus_math.DailyResult]}, with the latest result
    recorded: dict  # {(rule_id, user_id): kpi_result.Recorded}
    row: list  # [(user_id, partner_id, tz)]: the user, as the measures take them
    previous: dict  # {rule_id: (value, days)}: the previous periods' pace
    assessments: dict  # {scheme_line_id: [score]} the caller may read


@dataclasses.dataclass(frozen=True)
class EstimatedKpi:
    """One KPI of an estimate, today and at the period's end."""

    score: object  # bonus_engine.KpiScore today
    ahead: object  # bonus_engine.KpiScore forecast at the period's end
    assessed: bool  # manual KPIs: an assessment the caller may read exists (else True)
    points: int  # the days measured or daily results fitted (0: manual)
    note: str  # how the forecast was made, in the reader's words


class KpiBonusScheme(models.Model):
    """A bonus scheme: weighted KPIs, a base amount and a payout curve.

    See ``bonus_math`` for the arithmetic and ``get_bonus_estimate`` for the estimate shown
    to the salesperson.
    """

    _name = "kpi.bonus.scheme"
    _description = "KPI Bonus Scheme"
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    description = fields.Html(translate=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company,
                                 required=True, index=True)
    period = fields.Selection(
        calendar.selection_of(calendar.FREQUENCY_SELECTION, bonus_engine.SCHEME_PERIODS),
        required=True, default=calendar.MONTH,
        tracking=True,
        help="The period the bonus is paid for: its monthly or quarterly sheets, and the end of "
        "the period the estimate is forecast to.",
    )
    profile_ids = fields.Many2many(
        "kpi.profile", "kpi_bonus_scheme_profile_rel", "scheme_id", "profile_id",
        string="Profiles", help="The users holding one of these profiles are on this scheme.",
    )
    line_ids = fields.One2many("kpi.bonus.scheme.line", "scheme_id", string="KPIs", copy=True)
    level_ids = fields.One2many(
        "kpi.bonus.level", "scheme_id", string="Payout Curve", copy=True,
        default=lambda self: [Command.create({"score": s, "payout": p})
                              for s, p in bonus_math.DEFAULT_LEVELS],
        help="Levels (total score % -> payout % of the base amount), interpolated linearly in "
        "between; below the first level its payout applies, above the last level nothing more.",
    )
    base_amount = fields.Monetary(
        currency_field="currency_id", tracking=True,
        help="The bonus paid at a payout of 100%.",
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, tracking=True,
        default=lambda self: self.env.company.currency_id,
    )
    allow_deduction = fields.Boolean(
        tracking=True,
        help="Allow negative payout levels: a poor score then costs money (a deduction).",
    )
    assessor_ids = fields.Many2many(
        "res.users", "kpi_bonus_scheme_assessor_rel", "scheme_id", "user_id",
        string="Assessors", domain=[("share", "=", False)],
        help="Besides each employee's sales team manager, these users may enter the manual "
        "assessments (on-time delivery, customer satisfaction...).",
    )
    approver_id = fields.Many2one(
        "res.users", string="Approver for Managers", domain=[("share", "=", False)],
        tracking=True, check_company=True,
        help="Gives the manager approval of the sheets of a team without a manager, and of "
        "the sheets holding the team manager's own line (nobody approves their own bonus).",
    )
    weight_total = fields.Float(compute="_compute_weight_total", string="Total Weight (%)")
    sheet_ids = fields.One2many("kpi.bonus.sheet", "scheme_id", string="Sheets")

    @api.depends("line_ids.weight")
    def _compute_weight_total(self):
        for scheme in self:
            scheme.weight_total = bonus_math.weights_total(scheme.line_ids.mapped("weight"))

    @api.constrains("line_ids")
    def _check_weights(self, allow_empty=True):
        """Weights add up to 100% (a scheme being set up may have no KPI yet)."""
        for scheme in self:
            weights = scheme.line_ids.mapped("weight")
            if (weights or not allow_empty) and not bonus_math.weights_valid(weights):
                raise ValidationError(
                    _("The weights of the KPIs of bonus scheme %(name)s add up to %(total)s%%; "
                      "they must add up to 100%%.",
                      name=scheme.name, total=bonus_math.weights_total(weights)))

    @api.constrains("level_ids", "allow_deduction")
    def _check_levels(self):
        messages = {
            "empty": _("it needs at least one level"),
            "duplicate": _("two levels have the same score"),
            "negative_score": _("a level score cannot be negative"),
            "deduction": _("a negative payout (a deduction) needs 'Allow Deduction'"),
        }
        for scheme in self:
            problems = bonus_math.check_levels(scheme._get_levels(), scheme.allow_deduction)
            if problems:
                raise ValidationError(
                    _("The payout curve of bonus scheme %(name)s is not valid: %(problems)s.",
                      name=scheme.name, problems=", ".join(messages[p] for p in problems)))

    @api.constrains("base_amount")
    def _check_base_amount(self):
        for scheme in self:
            if scheme.base_amount < 0:
                raise ValidationError(
                    _("The base amount of bonus scheme %s cannot be negative.", scheme.name))

    # ------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        with deferred_scheme_checks(self.env) as collected:
            schemes = super().create(vals_list)
        if collected is not None:
            self.browse(collected).exists()._check_definition()
        return schemes

    def write(self, vals):
        if "period" in vals:
            changed = self.filtered(lambda scheme: scheme.period != vals["period"])
            if changed.sudo().with_context(active_test=False).sheet_ids:
                raise ValidationError(_(
                    "Bonus scheme %s already has sheets for its period: its period cannot "
                    "change (its base amount is paid per period). Create a new scheme instead.",
                    changed[:1].name))
        with deferred_scheme_checks(self.env) as collected:
            res = super().write(vals)
        if collected is not None:
            (self.browse(collected) | self).exists()._check_definition()
        if {"assessor_ids", "approver_id", "line_ids"} & set(vals):
            # other assessors, manual KPIs or approver: other people must act on its sheets
            self.env["kpi.bonus.sheet"].sudo().search([
                ("scheme_id", "in", self.ids), ("state", "in", ("draft", "to_approve")),
            ])._sync_activities()
        return res

    def _check_definition(self):
        """Weights add up to 100% and the payout curve is valid."""
        self._check_weights()
        self._check_levels()

    # --------------------------------------------------------------- business
    def _get_levels(self):
        self.ensure_one()
        return [(level.score, level.payout) for level in self.level_ids]

    def _check_ready(self):
        """Refuse to compute with a scheme that is not complete, or whose KPI rules no longer
        score its employees: a rule archived or no longer applying to one of the scheme's
        profiles would silently score 0 on every sheet. (A rule that is a pilot for a team is
        shown, not counted, on that team's sheets: see ``kpi.bonus.sheet._collect_figures``.)"""
        self.ensure_one()
        self._check_weights(allow_empty=False)
        self._check_levels()
        for line in self.line_ids.filtered(lambda line: line.kind == bonus_math.KIND_RULE):
            rule = line.rule_id.with_context(active_test=False)
            problem = None
            if not rule.active:
                problem = _("it is archived")
            elif self.profile_ids - rule.profile_ids:
                problem = _("it no longer applies to the profile(s) %s",
                            ", ".join((self.profile_ids - rule.profile_ids).mapped("name")))
            elif rule.company_id and rule.company_id != self.company_id:
                problem = _("it belongs to company %s", rule.company_id.name)
            if problem:
                raise ValidationError(_(
                    "KPI rule %(rule)s of bonus scheme %(scheme)s cannot be scored: %(problem)s. "
                    "Its weight would silently score 0; fix the rule or the scheme first.",
                    rule=rule.name, scheme=self.name, problem=problem))

    @api.model
    def _get_user_schemes(self, user):
        return self.search([("profile_ids", "in", user.kpi_profile_id.ids),
                            ("company_id", "in", user.company_ids.ids)]) \
            if user.kpi_profile_id else self.browse()

    def _kpi_common(self, line, record, team, day):
        """The engine's input fields every KPI of scheme line ``line`` has, whatever how it is
        collected (``bonus_engine.KpiInput``): its key, weight and direction, and whether it
        runs as a pilot: the mode the nightly results recorded (``record``,
        ``kpi.result._read_recorded``), else the rule's mode for ``team`` on ``day`` (the
        first day of the employee's period); a manual KPI never is. The sheet and the
        estimate both decide it here."""
        rule = line.rule_id
        pilot = (record.pilot if record else rule._is_pilot_for(team, day)) if rule else False
        return {"key": line.id, "weight": line.weight, "pilot": pilot,
                "direction": rule.direction or scoring.DIRECTION_HIGHER}

    def _period_input(self, rule, found, target, common):
        """The engine's input of past-window ``rule`` measured once over the employee's days
        (``found``, the rule's measure of one user) against ``target``, the rule's target for
        its window; ``common`` from :meth:`_kpi_common`."""
        return bonus_engine.KpiInput(
            method=bonus_engine.METHOD_PERIOD, value=found.value, has_data=found.has_data,
            count=len(found.ids), target=target, window_days=rule.window_days,
            additive=rule.unit in bonus_engine.ADDITIVE_UNITS, **common)

    @api.model
    def get_bonus_estimate(self, user_id=None):
        """The bonus the user (default: the current user) is on course for, as an ESTIMATE:
        the sheet of each of the user's schemes computed early (``bonus_math``, *Estimate*).

        For the scheme's current period (``period``: month or quarter) in the user's own
        timezone: past-window KPIs are measured from the period's first day up to now against
        the full period's target, other KPI rules average their daily results of the period so
        far, and manual KPIs take the assessments of the period's sheet that the caller may
        read (none: not assessed yet, 0 as on the sheet). KPIs with nothing to measure have no
        score and their weight is shared over the others, as on the sheet. Next to it, the
        forecast at the end of the period (:meth:`_estimate_for`). A fixed number of queries
        per scheme and KPI, whatever the length of the history.

        Return structure (a list, one dict per scheme of the user's profile, by name)::

            [{
              "scheme_id": int, "scheme": str, "estimate": True, "date": "YYYY-MM-DD",
              "currency": {"id": int, "name": str, "symbol": str, "position": "before"|"after",
                           "decimals": int},
              "base_amount": float, "total_score": float (%), "payout_percent": float,
              "amount": float,
              "period": "month"|"quarter", "period_start": "YYYY-MM-DD",
              "period_end": "YYYY-MM-DD",
              "forecast": {"date": period_end, "total_score": float, "payout_percent": float,
                           "amount": float, "note": str (the day of the period it stands on
                           and how forecasts are made)},
              "lines": [{
                  "scheme_line_id": int, "rule_id": int|False, "name": str,
                  "kind": "rule"|"manual", "pilot": bool, "counts": bool,
                  "method": "period"|"average"|"manual", "no_data": bool,
                  "assessed": bool (manual KPIs: an assessment the caller may read exists),
                  "value": float|None, "target": float, "unit": str|False,
                  "unit_label": str|False, "score": float|None (%), "weight": float (%),
                  "weight_used": float (%), "contribution": float (points),
                  "amount": float (this KPI's share of the amount),
                  "hint": {"delta": float, "new_score": float, "amount_delta": float,
                           "text": str} | False,
                  "forecast": {"value": float|None, "score": float|None, "no_data": bool,
                               "weight_used": float, "contribution": float, "amount": float,
                               "points": int (daily values fitted),
                               "forecast": bool (False: manual, kept as it is),
                               "note": str|False (how this KPI's forecast was made)},
              }, ...],
            }, ...]
        """
        user = self.env["res.users"].browse(user_id) if user_id else self.env.user
        if user != self.env.user and not self.env.user.has_group(
                OFFICER_GROUP):
            # the teams he leads now: no context of the caller's widens them (active_test)
            led = self.env["crm.team"].sudo().with_context(active_test=True).search(
                [("user_id", "=", self.env.uid)])
            if not (self.env.user.has_group(MANAGER_GROUP)
                    and user in led.member_ids):
                raise AccessError(_("You can only estimate your own bonus, or the bonus of "
                                    "the members of the teams you lead."))
        schemes = self.sudo()._get_user_schemes(user)
        return [scheme._estimate_for(user) for scheme in schemes]

    def _estimate_for(self, user):
        """The estimate of this scheme for ``user`` (see :meth:`get_bonus_estimate`): the inputs
        the sheet of the current period will collect, collected so far, through the same bonus
        engine (``bonus_engine``), then forecast to the period's end.

        Run as superuser on the scheme; the assessments are read with the caller's rights."""
        self.ensure_one()
        user = user.sudo()
        clock = self._estimate_clock(user)
        sources = self._estimate_sources(user, clock)
        levels = self._get_levels()
        scheme_lines = self.line_ids
        estimated = [self._estimate_kpi(line, user, clock, sources) for line in scheme_lines]
        bonus = bonus_engine.employee_bonus([kpi.score for kpi in estimated], self.base_amount,
                                            levels)
        later = bonus_engine.employee_bonus([kpi.ahead for kpi in estimated], self.base_amount,
                                            levels)
        amount = self.currency_id.round(bonus.amount)
        shared = [(k.kpi.score, k.weight_used, k.kpi.counts) for k in bonus.kpis]
        lines = [
            self._estimate_line_vals(line, index, kpi, now_kpi, ahead_kpi, shared, amount,
                                     levels)
            for index, (line, kpi, now_kpi, ahead_kpi) in enumerate(
                zip(scheme_lines, estimated, bonus.kpis, later.kpis, strict=True))]
        return self._estimate_vals(clock, bonus, later, amount, lines)

    def _estimate_clock(self, user):
        """The scheme's current period for ``user`` (an :class:`EstimateClock`): today and the
        period's first and last days in the user's own timezone, the days elapsed and in the
        period (a DST change makes one 23 or 25 hours), and the spans the engine scores."""
        now = fields.Datetime.now()
        today = scoring.local_today(user.tz, now)
        period = self.period
        period_start, period_end = calendar.period_bounds(today, period)
        start_utc = scoring.local_midnight_utc(period_start, user.tz)
        end_utc = scoring.local_midnight_utc(period_end + datetime.timedelta(days=1), user.tz)
        return EstimateClock(
            now=now, today=today, period=period, start=period_start, end=period_end,
            elapsed_days=(now - start_utc).total_seconds() / 86400,
            period_days=(end_utc - start_utc).total_seconds() / 86400,
            span=bonus_engine.Span(period_start, period_end, period,
                                   (period_end - period_start).days + 1),
            span_so_far=bonus_engine.Span(period_start, today, period,
                                          (today - period_start).days + 1))

    def _estimate_sources(self, user, clock):
        """What the estimate of ``user`` is collected from (an :class:`EstimateSources`), in
        this order: the daily results of the period so far and the latest of the rules that
        are not past-window, what the nightly results recorded (target and mode), the
        previous periods' pace of the past-window rules (:meth:`_estimate_previous_pace`)
        and the assessments the caller may read (:meth:`_estimate_assessments`)."""
        rules = self.line_ids.filtered(lambda line: line.kind == bonus_math.KIND_RULE).rule_id
        past_rules = rules.filtered(lambda rule: rule.window_kind == bonus_math.WINDOW_PAST)
        daily = self.env["kpi.result"]._read_daily(
            (rules - past_rules).ids, user.ids, clock.start, clock.today, latest=True)
        recorded = self.env["kpi.result"]._read_recorded(rules.ids,
                                                         {user.id: (clock.start, clock.today)})
        return EstimateSources(
            past_rules=past_rules, daily=daily, recorded=recorded,
            row=[(user.id, user.partner_id.id, user.tz)],
            previous=self._estimate_previous_pace(user, past_rules, clock.start),
            assessments=self._estimate_assessments(user, clock.today))

    def _estimate_kpi(self, line, user, clock, sources):
        """Scheme line ``line`` of ``user``, today and at the period's end (an
        :class:`EstimatedKpi`), collected as the sheet will collect it: with the mode
        recorded at the period's start, else today's (:meth:`_kpi_common`)."""
        rule = line.rule_id
        record = sources.recorded.get((rule.id, user.id)) if rule else None
        common = self._kpi_common(line, record, user.sale_team_id, clock.start)
        if rule in sources.past_rules:
            return self._estimate_past_kpi(rule, record, user, clock, sources, common)
        if rule:
            return self._estimate_daily_kpi(rule, user, clock, sources, common)
        return self._estimate_manual_kpi(line, clock, sources, common)

    def _estimate_past_kpi(self, rule, record, user, clock, sources, common):
        """A past-window KPI: the whole period cut at now, against the full period's target (a
        growth compares with the same days at the start of its comparison window, like for
        like: ``kpi.rule._measure_period``); forecast at the user's pace, blended with the
        previous periods' (``bonus_math.cumulative_forecast``), and scored again."""
        found = rule._measure_period(sources.row, clock.start, clock.end,
                                     until=clock.now)[user.id]
        target = record.target if record else rule._get_user_targets([user.id])[user.id]
        kpi = self._period_input(rule, found, target, common)
        score = bonus_engine.score_kpi(kpi, clock.span)
        cumulative = bonus_math.cumulative_forecast(
            found.value, clock.elapsed_days, clock.period_days, kpi.additive,
            sources.previous.get(rule.id))
        ahead = bonus_engine.rescore_value(score, cumulative.value, rule.direction)
        points = (clock.today - clock.start).days + 1
        return EstimatedKpi(score, ahead, True, points, self._forecast_note(cumulative, points))

    def _estimate_daily_kpi(self, rule, user, clock, sources, common):
        """A snapshot or next-days KPI: the average of its daily results of the period so far;
        with nothing measured yet, the latest result holds (flat). Forecast: today's state
        held to the period's end (``bonus_math.average_forecast``)."""
        history = sources.daily.get((rule.id, user.id), [])
        kpi = bonus_engine.KpiInput(method=bonus_engine.METHOD_AVERAGE,
                                    daily=tuple(history), **common)
        score = bonus_engine.score_kpi(kpi, clock.span_so_far)
        target = history[-1].target if history else rule._get_user_targets([user.id])[user.id]
        forecast = bonus_math.average_forecast(history, clock.today, clock.period, target,
                                               rule.direction)
        if not score.measured:
            # nothing measured in the period yet: the latest result holds (flat)
            score = dataclasses.replace(score, value=forecast.value,
                                        score=forecast.score or 0.0,
                                        target=target, has_data=forecast.has_data)
        ahead = dataclasses.replace(score, value=forecast.value, score=forecast.score or 0.0,
                                    has_data=forecast.has_data)
        note = _("A state, not a sum: today's value is held to the period's end "
                 "(%s daily results so far).", forecast.points)
        return EstimatedKpi(score, ahead, True, forecast.points, note)

    def _estimate_manual_kpi(self, line, clock, sources, common):
        """A manual KPI: the assessments the caller may read (none: not assessed, 0 as on the
        sheet); not forecast."""
        given = sources.assessments.get(line.id, [])
        kpi = bonus_engine.KpiInput(method=bonus_engine.METHOD_MANUAL,
                                    assessments=tuple(given), **common)
        score = bonus_engine.score_kpi(kpi, clock.span)
        return EstimatedKpi(score, score, bool(given), 0,
                            _("Assessed by people: kept as it is."))

    def _estimate_line_vals(self, line, index, estimated, now_kpi, ahead_kpi, shared, amount,
                            levels):
        """One line of the estimate (see :meth:`get_bonus_estimate`, ``lines``): the KPI today
        (``now_kpi``, ``bonus_engine.WeightedKpi``), its what-if hint
        (:meth:`_estimate_hint`, for a counted KPI with data) and its forecast
        (``ahead_kpi``)."""
        currency = self.currency_id
        kpi, forecast_kpi = now_kpi.kpi, ahead_kpi.kpi
        return {
            "scheme_line_id": line.id,
            "rule_id": line.rule_id.id or False,
            "name": line.name,
            "kind": line.kind,
            "pilot": not kpi.counts,
            "counts": kpi.counts,
            "method": kpi.method,
            "no_data": not kpi.has_data,
            "assessed": estimated.assessed,
            "value": kpi.value if kpi.has_data else None,
            "target": kpi.target,
            "unit": line.rule_id.unit or False,
            "unit_label": line.rule_id.unit_label or False,
            "score": kpi.score if kpi.has_data else None,
            "weight": line.weight,
            "weight_used": now_kpi.weight_used,
            "contribution": now_kpi.contribution,
            "amount": currency.round(now_kpi.amount),
            "hint": self._estimate_hint(line, index, kpi.value, kpi.target, shared, amount,
                                        levels)
            if kpi.counts and kpi.has_data else False,
            "forecast": {
                "value": forecast_kpi.value if forecast_kpi.has_data else None,
                "score": forecast_kpi.score if forecast_kpi.has_data else None,
                "no_data": not forecast_kpi.has_data,
                "weight_used": ahead_kpi.weight_used,
                "contribution": ahead_kpi.contribution,
                "amount": currency.round(ahead_kpi.amount),
                "points": estimated.points,
                "forecast": line.kind == bonus_math.KIND_RULE,
                "note": estimated.note,
            },
        }

    def _estimate_vals(self, clock, bonus, later, amount, lines):
        """The estimate of this scheme (see :meth:`get_bonus_estimate`): today's ``bonus``
        (``amount`` rounded to the currency), the forecast ``later`` at the period's end, and
        the ``lines`` (:meth:`_estimate_line_vals`)."""
        currency = self.currency_id
        return {
            "scheme_id": self.id,
            "scheme": self.name,
            "estimate": True,
            "date": fields.Date.to_string(clock.today),
            "currency": {"id": currency.id, "name": currency.name, "symbol": currency.symbol,
                         "position": currency.position, "decimals": currency.decimal_places},
            "base_amount": self.base_amount,
            "total_score": bonus.total_score,
            "payout_percent": round(bonus.payout_percent, 4),
            "amount": amount,
            "period": clock.period,
            "period_start": fields.Date.to_string(clock.start),
            "period_end": fields.Date.to_string(clock.end),
            "forecast": {
                "date": fields.Date.to_string(clock.end),
                "note": _("If you keep going like this: day %(day)s of %(days)s measured. "
                          "Counts and amounts continue at your pace, leaning on the previous "
                          "periods' pace while few days are measured; ratios, averages and "
                          "states hold their value. A trend, not a promise.",
                          day=(clock.today - clock.start).days + 1,
                          days=(clock.end - clock.start).days + 1),
                "total_score": later.total_score,
                "payout_percent": round(later.payout_percent, 4),
                "amount": currency.round(later.amount),
            },
            "lines": lines,
        }

    def _estimate_previous_pace(self, user, rules, period_start):
        """``{rule_id: (value, days)}``: what each of the past-window ``rules`` measured for
        ``user`` over the previous periods (up to :data:`PREVIOUS_PERIODS` of the scheme's
        period before ``period_start``, from the user's first result of the rule): the prior
        of a cumulative forecast (``bonus_math.cumulative_forecast``). A rule the user
        was not measured on before the period is left out. One query for the first results,
        one measure per rule."""
        self.ensure_one()
        rules = rules.filtered(lambda rule: rule.unit in bonus_engine.ADDITIVE_UNITS)
        if not rules:
            return {}
        start = period_start
        for _step in range(PREVIOUS_PERIODS):
            start = calendar.previous_period(start, self.period)[0]
        self.env["kpi.result"].flush_model(["rule_id", "user_id", "date"])
        self.env.cr.execute(SQL(
            """SELECT rule_id, min(date) FROM kpi_result
                WHERE user_id = %s AND rule_id = ANY(%s) AND date < %s GROUP BY rule_id""",
            user.id, rules.ids, period_start))
        first = dict(self.env.cr.fetchall())
        row = [(user.id, user.partner_id.id, user.tz)]
        last = period_start - datetime.timedelta(days=1)
        previous = {}
        for rule in rules.filtered(lambda rule: rule.id in first):
            date_from = max(start, first[rule.id])
            value = rule._measure_period(row, date_from, last)[user.id].value
            previous[rule.id] = (value, (period_start - date_from).days)
        return previous

    def _forecast_note(self, cumulative, day):
        """How the forecast of a past-window KPI was made, in the reader's words."""
        if cumulative.basis == bonus_math.BASIS_HELD:
            return _("A ratio or an average, not a sum: today's value is held.")
        if cumulative.basis == bonus_math.BASIS_TOO_EARLY:
            return _("Only %s days measured and no previous period to lean on: not "
                     "extrapolated, the value so far.", day)
        if cumulative.basis == bonus_math.BASIS_PACE and cumulative.prior_days:
            return _("Your pace over %(days)s days, blended with your pace over the previous "
                     "%(prior)s days.", days=day, prior=int(cumulative.prior_days))
        if cumulative.basis == bonus_math.BASIS_PACE:
            return _("Your pace over the %s days measured.", day)
        return _("The period has ended: the value measured.")

    def _estimate_assessments(self, user, day):
        """``{scheme_line_id: [score]}``: the assessments of ``user`` on this scheme's sheet
        covering ``day`` (not replaced), as far as the CALLER may read them (a salesperson
        reads the assessments of approved sheets only): an estimate never shows what its
        reader could not see on the sheet."""
        self.ensure_one()
        Assessment = self.env["kpi.bonus.assessment"].sudo(False)
        if not Assessment.has_access("read"):
            return {}
        found = Assessment.search_fetch([
            ("user_id", "=", user.id), ("sheet_id.scheme_id", "=", self.id),
            ("sheet_id.state", "!=", "replaced"),
            ("sheet_id.date_from", "<=", day), ("sheet_id.date_to", ">=", day),
        ], ["scheme_line_id", "score"])
        scores = {}
        for assessment in found:
            scores.setdefault(assessment.scheme_line_id.id, []).append(assessment.score)
        return scores

    def _estimate_hint(self, line, index, value, target, scored, amount, levels):
        """"2 more new clients: +3,000.00": re-score the KPI with value + delta."""
        if line.kind == bonus_math.KIND_MANUAL:
            delta = 10.0 if value < 100 else 0.0
            new_score = min(100.0, value + delta)
        else:
            rule = line.rule_id
            delta = bonus_math.what_if_delta(value, target, rule.direction, rule.unit)
            new_score = bonus_math.rescore(value, target, rule.direction, delta)
        if not delta:
            return False
        new_amount = self.currency_id.round(bonus_math.bonus_after_change(
            scored, index, new_score, self.base_amount, levels))
        amount_delta = self.currency_id.round(new_amount - amount)
        floor = bonus_math.first_paying_score(levels)
        below_floor = not amount and not amount_delta and floor is not None
        if below_floor and line.kind == bonus_math.KIND_MANUAL:
            return False  # a step of an assessment below the paying level changes nothing
        if below_floor:
            # below the first paying level a step changes nothing: say what reaches it
            rule = line.rule_id
            delta = bonus_math.delta_to_pay(scored, index, value, target, rule.direction,
                                                rule.unit, self.base_amount, levels)
            if not delta:
                return {"delta": 0.0, "new_score": scored[index][0], "amount_delta": 0.0,
                        "text": _("%(kpi)s alone cannot lift the total above %(floor)s%%, "
                                  "where the bonus starts.", kpi=line.name,
                                  floor="%g" % floor)}
            new_score = bonus_math.rescore(value, target, rule.direction, delta)
            amount_delta = self.currency_id.round(bonus_math.bonus_after_change(
                scored, index, new_score, self.base_amount, levels))
        return {"delta": delta, "new_score": new_score, "amount_delta": amount_delta,
                "text": self._estimate_hint_text(line, delta, amount_delta,
                                                 floor if below_floor else None)}

    def _estimate_hint_quantity(self, line, delta):
        """"$ 3,000.00", "2 hours", "1": how much more (or less) of the KPI of ``line`` a
        hint says, ``delta`` in the KPI's unit (a bridge's unit, e.g. days, says its own)."""
        if line.rule_id.unit == "amount":
            return self.currency_id.format(abs(delta))
        if line.kind == bonus_math.KIND_MANUAL:
            return _("%s points", "%g" % round(abs(delta), 2))
        if line.rule_id.unit == "hours":
            return _("%s hours", "%g" % round(abs(delta), 2))
        return "%g" % round(abs(delta), 2)

    def _estimate_hint_text(self, line, delta, amount_delta, floor=None):
        """"Won deals: 1 more → +$ 3,000.00" in the reader's words (no plural to get wrong in
        any language); below the payout curve's first paying level (``floor``), saying where
        the bonus starts."""
        qty = self._estimate_hint_quantity(line, delta)
        amount_text = ("+" if amount_delta >= 0 else "-") + self.currency_id.format(
            abs(amount_delta))
        if delta > 0:
            text = _("%(kpi)s: %(qty)s more → %(amount)s",
                     qty=qty, kpi=line.name, amount=amount_text)
        else:
            text = _("%(kpi)s: %(qty)s less → %(amount)s",
                     qty=qty, kpi=line.name, amount=amount_text)
        if floor is not None:
            text = _("%(hint)s (the bonus starts above a total of %(floor)s%%)", hint=text,
                     floor="%g" % floor)
        return text

