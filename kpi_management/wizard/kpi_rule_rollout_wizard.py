"""Pilot or promote a KPI rule in some teams from a day (a step of ``kpi.rule.rollout``)."""

from odoo import api, fields, models

from ..models.kpi_rule_rollout import MODE_SELECTION


class KpiRuleRolloutWizard(models.TransientModel):
    _name = "kpi.rule.rollout.wizard"
    _description = "KPI Rule Roll-out"

    rule_id = fields.Many2one("kpi.rule", string="KPI Rule", required=True, readonly=True,
                              ondelete="cascade")
    mode = fields.Selection(MODE_SELECTION, required=True, readonly=True)
    team_ids = fields.Many2many(
        "crm.team", string="Sales Teams", compute="_compute_team_ids", store=True,
        readonly=False, required=True)
    date = fields.Date(string="From", required=True, default=fields.Date.context_today)

    @api.depends("rule_id", "mode")
    def _compute_team_ids(self):
        """Promoting proposes the teams that run the rule as a pilot today."""
        for wizard in self:
            wizard.team_ids = wizard.rule_id.pilot_team_ids if wizard.mode == "live" else False

    def action_confirm(self):
        self.ensure_one()
        self.rule_id._set_team_mode(self.team_ids, self.mode, self.date)
        return {"type": "ir.actions.act_window_close"}
