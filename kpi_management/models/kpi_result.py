from odoo import _, api, fields, models

STATUS_SELECTION = [
    ("reached", "Reached"),
    ("warning", "Warning"),
    ("off_track", "Off Track"),
]


class KpiResult(models.Model):
    _name = "kpi.result"
    _description = "KPI Result"
    _order = "date desc, rule_id, user_id"
    _rec_name = "rule_id"

    rule_id = fields.Many2one(
        "kpi.rule", string="KPI", required=True, ondelete="cascade", index=True, readonly=True
    )
    template_id = fields.Many2one(related="rule_id.template_id", string="Template")
    user_id = fields.Many2one(
        "res.users", string="User", required=True, ondelete="cascade", index=True, readonly=True
    )
    date = fields.Date(required=True, index=True, readonly=True)
    value = fields.Float(readonly=True, aggregator="avg")
    target = fields.Float(readonly=True, aggregator="avg", help="The target as it was that day.")
    score = fields.Float(
        string="Score (%)", readonly=True, aggregator="avg",
        help="% of the target reached (inverse for lower-is-better KPIs), capped at 200%.",
    )
    status = fields.Selection(STATUS_SELECTION, readonly=True, index=True)
    unit = fields.Selection(related="rule_id.unit")
    pilot = fields.Boolean(related="rule_id.pilot")
    record_ids = fields.Json(readonly=True, help="The records that were counted.")
    res_model = fields.Char(readonly=True)
    record_count = fields.Integer(compute="_compute_record_count")
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    computed_at = fields.Datetime(readonly=True)

    _rule_user_date_unique = models.Constraint(
        "UNIQUE(rule_id, user_id, date)", "There is one KPI result per rule, user and date."
    )

    @api.depends("record_ids")
    def _compute_record_count(self):
        for result in self:
            result.record_count = len(result.record_ids or [])

    def action_open_records(self):
        """Open exactly the records that were counted for this result."""
        self.ensure_one()
        model_name = self.env["ir.model"]._get(self.res_model).name if self.res_model else ""
        return {
            "type": "ir.actions.act_window",
            "name": _("%(kpi)s: %(model)s counted on %(date)s",
                      kpi=self.rule_id.name, model=model_name, date=self.date),
            "res_model": self.res_model,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self.record_ids or [])],
            "context": {"active_test": False, "create": False},
        }
