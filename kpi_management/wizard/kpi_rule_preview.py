from odoo import _, api, fields, models

from ..models.kpi_score_mixin import STATUS_SELECTION, counted_records_action


class KpiRulePreview(models.TransientModel):
    _name = "kpi.rule.preview"
    _description = "KPI Rule Preview"

    rule_id = fields.Many2one("kpi.rule", string="KPI Rule", required=True, ondelete="cascade")
    user_id = fields.Many2one(
        "res.users", string="User", required=True, ondelete="cascade",
        domain=[("share", "=", False)],
        default=lambda self: self.env.user,
        help="Whose value to compute; any internal user, with or without the rule's profile.",
    )
    date = fields.Date(
        help="Evaluation day; leave empty for the user's today (in the user's timezone).",
    )
    computed = fields.Boolean(readonly=True)
    value = fields.Float(readonly=True)
    target = fields.Float(readonly=True)
    score = fields.Float(string="Score (%)", readonly=True)
    status = fields.Selection(STATUS_SELECTION, readonly=True)
    unit_label = fields.Char(related="rule_id.unit_label")
    evaluated_date = fields.Date(string="Evaluated On", readonly=True)
    baseline = fields.Float(
        readonly=True, help="Growth KPIs: the value of the window the growth is measured against.")
    is_growth = fields.Boolean(readonly=True)
    record_ids = fields.Json(readonly=True)
    record_count = fields.Integer(readonly=True)
    res_model = fields.Char(readonly=True)
    currency_id = fields.Many2one(
        "res.currency", readonly=True,
        help="The currency the amounts were measured in, as the result would record it.")
    figures = fields.Char(
        string="Value / Target", compute="_compute_figures",
        help="As the KPI's result shows them: amounts in the currency they are measured in, "
        "a growth signed, with its baseline.")

    @api.depends("computed", "value", "target", "baseline", "status", "currency_id", "rule_id",
                 "user_id")
    def _compute_figures(self):
        """The figures as a stored result would show them (``kpi.score.mixin._figures_text``):
        one definition of how a KPI's value, target and currency read."""
        for preview in self:
            if not preview.computed:
                preview.figures = False
                continue
            result = self.env["kpi.result"].new({
                "rule_id": preview.rule_id.id, "user_id": preview.user_id.id,
                "company_id": preview.rule_id.company_id.id,
                "currency_id": preview.currency_id.id, "value": preview.value,
                "target": preview.target, "baseline": preview.baseline,
                "status": preview.status,
            })
            preview.figures = result._figures_text()

    @api.onchange("rule_id", "user_id", "date")
    def _onchange_reset(self):
        self.computed = False

    def action_compute(self):
        """Compute the rule's value for the user now, without storing any result."""
        self.ensure_one()
        rule = self.rule_id.sudo()
        user = self.user_id.sudo()
        rows = [(user.id, user.partner_id.id, user.tz)]
        # as the nightly job: a past day keeps the target and the currency its result recorded
        measured, targets, _keep = rule._measure_day(rows, date=self.date or None,
                                                     now=fields.Datetime.now())
        found, target = measured[user.id], targets[user.id]
        score, status = rule._score(found.value, target, found.has_data)
        self.write({
            "computed": True,
            "evaluated_date": found.day,
            "value": found.value,
            "target": target,
            "score": score,
            "status": status,
            "baseline": found.baseline or 0.0,
            "is_growth": found.baseline is not None,
            "record_ids": found.ids,
            "record_count": len(found.ids),
            "res_model": rule.template_id._get_res_model(),
            "currency_id": found.currency_id,
        })
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "name": _("Preview: %s", self.rule_id.name),
        }

    def action_open_records(self):
        """The records the preview counted."""
        self.ensure_one()
        return counted_records_action(
            _("%(kpi)s: records counted for %(user)s", kpi=self.rule_id.name,
              user=self.user_id.name),
            self.res_model, self.record_ids)
