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
                           "amount": float},
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
                               "forecast": bool (False: manual, kept as it is)},
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
        currency = self.currency_id
        now = fields.Datetime.now()
        today = scoring.local_today(user.tz, now)
        period = self.period
        period_start, period_end = calendar.period_bounds(today, period)
        # the period in the user's timezone, in days (a DST change makes one 23 or 25 hours)
        start_utc = scoring.local_midnight_utc(period_start, user.tz)
        end_utc = scoring.local_midnight_utc(period_end + datetime.timedelta(days=1),
                                                 user.tz)
        elapsed_days = (now - start_utc).total_seconds() / 86400
        period_days = (end_utc - start_utc).total_seconds() / 86400
        span = bonus_engine.Span(period_start, period_end, period,
                                     (period_end - period_start).days + 1)
        span_so_far = bonus_engine.Span(period_start, today, period,
                                            (today - period_start).days + 1)
        rules = self.line_ids.filtered(lambda line: line.kind == bonus_math.KIND_RULE).rule_id
        past_rules = rules.filtered(lambda rule: rule.window_kind == bonus_math.WINDOW_PAST)
        daily = self.env["kpi.result"]._read_daily(
            (rules - past_rules).ids, user.ids, period_start, today, latest=True)
        recorded = self.env["kpi.result"]._read_recorded(rules.ids,
                                                         {user.id: (period_start, today)})
        row = [(user.id, user.partner_id.id, user.tz)]
        previous = self._estimate_previous_pace(user, past_rules, period_start)
        assessments = self._estimate_assessments(user, today)
        levels = self._get_levels()
        rows, scores, ahead_scores = [], [], []
        for line in self.line_ids:
            rule = line.rule_id
            record = recorded.get((rule.id, user.id)) if rule else None
            # as the sheet will: the mode recorded at the period's start, else today's
            pilot = (record.pilot if record else rule._is_pilot_for(user.sale_team_id,
                                                                    period_start)) \
                if rule else False
            common = {"key": line.id, "weight": line.weight, "pilot": pilot,
                      "direction": rule.direction or scoring.DIRECTION_HIGHER}
            assessed = True
            if rule in past_rules:
                # the whole period cut at now: a growth compares with the same days at the
                # start of its comparison window, like for like (kpi.rule._measure_period)
                found = rule._measure_period(row, period_start, period_end, until=now)[user.id]
                value, ids, has_data = found.value, found.ids, found.has_data
                target = record.target if record else \
                    rule._get_user_targets([user.id])[user.id]
                kpi = bonus_engine.KpiInput(
                    method=bonus_engine.METHOD_PERIOD, value=value, has_data=has_data,
                    count=len(ids), target=target, window_days=rule.window_days,
                    additive=rule.unit in bonus_engine.ADDITIVE_UNITS, **common)
                score = bonus_engine.score_kpi(kpi, span)
                cumulative = bonus_math.cumulative_forecast(
                    value, elapsed_days, period_days, kpi.additive, previous.get(rule.id))
                ahead = dataclasses.replace(score, value=cumulative.value, score=scoring.
                                            compute_score(cumulative.value, score.target,
                                                          rule.direction) if has_data else 0.0)
                points = (today - period_start).days + 1
                basis = self._forecast_note(cumulative, points)
            elif rule:
                history = daily.get((rule.id, user.id), [])
                kpi = bonus_engine.KpiInput(method=bonus_engine.METHOD_AVERAGE,
                                                daily=tuple(history), **common)
                score = bonus_engine.score_kpi(kpi, span_so_far)
                target = history[-1].target if history else \
                    rule._get_user_targets([user.id])[user.id]
                forecast = bonus_math.average_forecast(history, today, period, target,
                                                           rule.direction)
                if not score.measured:
                    # nothing measured in the period yet: the latest result holds (flat)
                    score = dataclasses.replace(score, value=forecast.value,
                                                score=forecast.score or 0.0,
                                                target=target, has_data=forecast.has_data)
                ahead = dataclasses.replace(score, value=forecast.value,
                                            score=forecast.score or 0.0,
                                            has_data=forecast.has_data)
                points = forecast.points
                basis = _("A state, not a sum: today's value is held to the period's end "
                          "(%s daily results so far).", points)
            else:
                given = assessments.get(line.id, [])
                kpi = bonus_engine.KpiInput(method=bonus_engine.METHOD_MANUAL,
                                                assessments=tuple(given), **common)
                score = ahead = bonus_engine.score_kpi(kpi, span)
                assessed, points = bool(given), 0
                basis = _("Assessed by people: kept as it is.")
            rows.append((line, assessed, points, basis))
            scores.append(score)
            ahead_scores.append(ahead)
        bonus = bonus_engine.employee_bonus(scores, self.base_amount, levels)
        later = bonus_engine.employee_bonus(ahead_scores, self.base_amount, levels)
        amount = currency.round(bonus.amount)
        forecast_amount = currency.round(later.amount)
        shared = [(k.kpi.score, k.weight_used, k.kpi.counts) for k in bonus.kpis]
        lines = []
        for index, ((line, assessed, points, basis), now_kpi, ahead_kpi) in enumerate(
                zip(rows, bonus.kpis, later.kpis, strict=True)):
            kpi, forecast_kpi = now_kpi.kpi, ahead_kpi.kpi
            lines.append({
                "scheme_line_id": line.id,
                "rule_id": line.rule_id.id or False,
                "name": line.name,
                "kind": line.kind,
                "pilot": not kpi.counts,
                "counts": kpi.counts,
                "method": kpi.method,
                "no_data": not kpi.has_data,
                "assessed": assessed,
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
                    "points": points,
                    "forecast": line.kind == bonus_math.KIND_RULE,
                    "note": basis,
                },
            })
        return {
            "scheme_id": self.id,
            "scheme": self.name,
            "estimate": True,
            "date": fields.Date.to_string(today),
            "currency": {"id": currency.id, "name": currency.name, "symbol": currency.symbol,
                         "position": currency.position, "decimals": currency.decimal_places},
            "base_amount": self.base_amount,
            "total_score": bonus.total_score,
            "payout_percent": round(bonus.payout_percent, 4),
            "amount": amount,
            "period": period,
            "period_start": fields.Date.to_string(period_start),
            "period_end": fields.Date.to_string(period_end),
            "forecast": {
                "date": fields.Date.to_string(period_end),
                "note": _("If you keep going like this: day %(day)s of %(days)s measured. "
                          "Counts and amounts continue at your pace, leaning on the previous "
                          "periods' pace while few days are measured; ratios, averages and "
                          "states hold their value. A trend, not a promise.",
                          day=(today - period_start).days + 1,
                          days=(period_end - period_start).days + 1),
                "total_score": later.total_score,
                "payout_percent": round(later.payout_percent, 4),
                "amount": forecast_amount,
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
        if line.rule_id.unit == "amount":
            qty = self.currency_id.format(abs(delta))
        elif line.kind == bonus_math.KIND_MANUAL:
            qty = _("%s points", "%g" % round(abs(delta), 2))
        elif line.rule_id.unit == "hours":
            qty = _("%s hours", "%g" % round(abs(delta), 2))
        else:
            qty = "%g" % round(abs(delta), 2)
        amount_text = ("+" if amount_delta >= 0 else "-") + self.currency_id.format(
            abs(amount_delta))
        # "Won deals: 1 more -> +3,000.00" (no plural to get wrong in any language)
        if delta > 0:
            text = _("%(kpi)s: %(qty)s more → %(amount)s",
                     qty=qty, kpi=line.name, amount=amount_text)
        else:
            text = _("%(kpi)s: %(qty)s less → %(amount)s",
                     qty=qty, kpi=line.name, amount=amount_text)
        if below_floor:
            text = _("%(hint)s (the bonus starts above a total of %(floor)s%%)", hint=text,
                     floor="%g" % floor)
        return {"delta": delta, "new_score": new_score, "amount_delta": amount_delta,
                "text": text}

