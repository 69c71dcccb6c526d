from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from . import kpi_bonus_math


class KpiBonusScheme(models.Model):
    """A bonus scheme: weighted KPIs, a base amount and a payout curve.

    See ``kpi_bonus_math`` for the arithmetic and ``get_bonus_preview`` for the estimate shown
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
    profile_ids = fields.Many2many(
        "kpi.profile", "kpi_bonus_scheme_profile_rel", "scheme_id", "profile_id",
        string="Profiles", help="The users holding one of these profiles are on this scheme.",
    )
    line_ids = fields.One2many("kpi.bonus.scheme.line", "scheme_id", string="KPIs", copy=True)
    level_ids = fields.One2many(
        "kpi.bonus.level", "scheme_id", string="Payout Curve", copy=True,
        default=lambda self: [Command.create({"score": s, "payout": p})
                              for s, p in kpi_bonus_math.DEFAULT_LEVELS],
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
    weight_total = fields.Float(compute="_compute_weight_total", string="Total Weight (%)")
    sheet_ids = fields.One2many("kpi.bonus.sheet", "scheme_id", string="Sheets")

    @api.depends("line_ids.weight")
    def _compute_weight_total(self):
        for scheme in self:
            scheme.weight_total = kpi_bonus_math.weights_total(scheme.line_ids.mapped("weight"))

    @api.constrains("line_ids")
    def _check_weights(self):
        for scheme in self:
            weights = scheme.line_ids.mapped("weight")
            if weights and not kpi_bonus_math.weights_valid(weights):
                raise ValidationError(
                    _("The weights of the KPIs of bonus scheme %(name)s add up to %(total)s%%; "
                      "they must add up to 100%%.",
                      name=scheme.name, total=kpi_bonus_math.weights_total(weights)))

    @api.constrains("level_ids", "allow_deduction")
    def _check_levels(self):
        messages = {
            "empty": _("it needs at least one level"),
            "duplicate": _("two levels have the same score"),
            "negative_score": _("a level score cannot be negative"),
            "deduction": _("a negative payout (a deduction) needs 'Allow Deduction'"),
        }
        for scheme in self:
            problems = kpi_bonus_math.check_levels(scheme._get_levels(), scheme.allow_deduction)
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

    # --------------------------------------------------------------- business
    def _get_levels(self):
        self.ensure_one()
        return [(level.score, level.payout) for level in self.level_ids]

    def _check_ready(self):
        """Refuse to compute with a scheme that is not complete."""
        self.ensure_one()
        weights = self.line_ids.mapped("weight")
        if not kpi_bonus_math.weights_valid(weights):
            raise ValidationError(
                _("The weights of the KPIs of bonus scheme %(name)s add up to %(total)s%%; they "
                  "must add up to 100%%.", name=self.name,
                  total=kpi_bonus_math.weights_total(weights)))

    @api.model
    def _get_user_schemes(self, user):
        return self.search([("profile_ids", "in", user.kpi_profile_id.ids),
                            ("company_id", "in", user.company_ids.ids)]) \
            if user.kpi_profile_id else self.browse()

    @api.model
    def get_bonus_preview(self, user_id=None):
        """The bonus the user (default: the current user) is on track for, as an ESTIMATE.

        Figures come from the user's latest stored KPI results (today's scores, which are
        computed every night) and, for manual KPIs, from the assessments of the user's
        latest sheet of the scheme (none yet: counted as 0). The final figure is the one of
        the approved sheet, whose period scores may differ (see ``kpi_bonus_math``).

        Return structure (a list, one dict per scheme of the user's profile)::

            [{
              "scheme_id": int, "scheme": str, "estimate": True, "date": "YYYY-MM-DD",
              "currency": {"id": int, "name": str, "symbol": str, "position": "before"|"after",
                           "decimals": int},
              "base_amount": float, "total_score": float (%), "payout_percent": float,
              "amount": float,
              "lines": [{
                  "scheme_line_id": int, "rule_id": int|False, "name": str,
                  "kind": "rule"|"manual", "pilot": bool, "counts": bool,
                  "value": float, "target": float, "unit": str|False, "unit_label": str|False,
                  "score": float (%), "weight": float (%), "contribution": float (points),
                  "amount": float (this KPI's share of the amount),
                  "hint": {"delta": float, "new_score": float, "amount_delta": float,
                           "text": str} | False,
              }, ...],
            }, ...]
        """
        user = self.env["res.users"].browse(user_id) if user_id else self.env.user
        if user != self.env.user and not self.env.user.has_group(
                "kpi_management.group_kpi_bonus_officer"):
            led = self.env["crm.team"].sudo().search([("user_id", "=", self.env.uid)])
            if not (self.env.user.has_group("kpi_management.group_kpi_manager")
                    and user in led.member_ids):
                raise AccessError(_("You can only preview your own bonus, or the bonus of "
                                    "the members of the teams you lead."))
        schemes = self.sudo()._get_user_schemes(user)
        return [scheme._preview_for(user) for scheme in schemes]

    def _preview_for(self, user):
        self.ensure_one()
        rule_lines = self.line_ids.filtered(lambda line: line.kind == "rule")
        Result = self.env["kpi.result"].sudo()
        latest = {}
        if rule_lines:
            # one query: the latest result of each rule for this user
            for result in Result.search_fetch(
                [("rule_id", "in", rule_lines.rule_id.ids), ("user_id", "=", user.id)],
                ["rule_id", "value", "target", "score", "date"], order="date desc",
            ):
                latest.setdefault(result.rule_id.id, result)
        manual = {}
        sheet = self.env["kpi.bonus.sheet"].sudo().search(
            [("scheme_id", "=", self.id), ("assessment_ids.user_id", "=", user.id)],
            order="date_from desc", limit=1)
        for assessment in sheet.assessment_ids.filtered(lambda a: a.user_id == user):
            manual.setdefault(assessment.scheme_line_id.id, []).append(assessment.score)
        levels = self._get_levels()
        rows, scored = [], []
        for line in self.line_ids:
            counts = line.kind == "manual" or not line.rule_id.pilot
            if line.kind == "rule":
                res = latest.get(line.rule_id.id)
                value = res.value if res else 0.0
                target = res.target if res else line.rule_id._get_user_targets([user.id])[user.id]
                score = res.score if res else 0.0
            else:
                scores = manual.get(line.id, [])
                value = round(sum(scores) / len(scores), 2) if scores else 0.0
                target, score = 100.0, value
            rows.append((line, value, target, score, counts))
            scored.append((score, line.weight, counts))
        total = kpi_bonus_math.weighted_total(scored)
        amount = self.currency_id.round(
            kpi_bonus_math.bonus_amount(self.base_amount, total, levels))
        lines = []
        for index, (line, value, target, score, counts) in enumerate(rows):
            contribution = kpi_bonus_math.contribution(score, line.weight, counts)
            lines.append({
                "scheme_line_id": line.id,
                "rule_id": line.rule_id.id or False,
                "name": line.name,
                "kind": line.kind,
                "pilot": bool(line.rule_id.pilot),
                "counts": counts,
                "value": value,
                "target": target,
                "unit": line.rule_id.unit or False,
                "unit_label": line.rule_id.unit_label or False,
                "score": score,
                "weight": line.weight,
                "contribution": contribution,
                "amount": self.currency_id.round(amount * contribution / total) if total else 0.0,
                "hint": self._preview_hint(line, index, value, target, scored, amount, levels)
                if counts else False,
            })
        currency = self.currency_id
        return {
            "scheme_id": self.id,
            "scheme": self.name,
            "estimate": True,
            "date": fields.Date.to_string(fields.Date.context_today(self)),
            "currency": {"id": currency.id, "name": currency.name, "symbol": currency.symbol,
                         "position": currency.position, "decimals": currency.decimal_places},
            "base_amount": self.base_amount,
            "total_score": total,
            "payout_percent": kpi_bonus_math.payout_percent(total, levels),
            "amount": amount,
            "lines": lines,
        }

    def _preview_hint(self, line, index, value, target, scored, amount, levels):
        """"2 more new clients: +3,000.00": re-score the KPI with value + delta."""
        if line.kind == "manual":
            delta = 10.0 if value < 100 else 0.0
            new_score = min(100.0, value + delta)
        else:
            rule = line.rule_id
            delta = kpi_bonus_math.what_if_delta(value, target, rule.direction, rule.unit)
            new_score = kpi_bonus_math.rescore(value, target, rule.direction, delta)
        if not delta:
            return False
        new_amount = self.currency_id.round(kpi_bonus_math.bonus_after_change(
            scored, index, new_score, self.base_amount, levels))
        amount_delta = self.currency_id.round(new_amount - amount)
        label = line.rule_id.unit_label or (_("points") if line.kind == "manual" else "")
        if line.rule_id.unit == "amount":
            qty = self.currency_id.format(abs(delta))
        else:
            qty = "%g" % round(abs(delta), 2)
        amount_text = ("+" if amount_delta >= 0 else "-") + self.currency_id.format(
            abs(amount_delta))
        if delta > 0:
            text = _("%(qty)s more %(label)s on %(kpi)s: %(amount)s",
                     qty=qty, label=label, kpi=line.name, amount=amount_text)
        else:
            text = _("%(qty)s less %(label)s on %(kpi)s: %(amount)s",
                     qty=qty, label=label, kpi=line.name, amount=amount_text)
        return {"delta": delta, "new_score": new_score, "amount_delta": amount_delta,
                "text": text}

