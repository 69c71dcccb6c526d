from odoo import _, api, fields, models
from odoo.exceptions import UserError


class KpiBonusSheetLine(models.Model):
    """One employee on a bonus sheet: stored figures, never recomputed once submitted."""

    _name = "kpi.bonus.sheet.line"
    _description = "KPI Bonus Sheet Line"
    _order = "sheet_id, rank, id"
    _rec_name = "user_id"

    sheet_id = fields.Many2one("kpi.bonus.sheet", required=True, ondelete="cascade", index=True)
    state = fields.Selection(related="sheet_id.state")
    company_id = fields.Many2one(related="sheet_id.company_id", store=True)
    currency_id = fields.Many2one(related="sheet_id.currency_id")
    user_id = fields.Many2one("res.users", string="Employee", required=True, index=True,
                              ondelete="restrict")
    login = fields.Char(readonly=True)
    profile_name = fields.Char(string="Profile", readonly=True)
    team_name = fields.Char(string="Sales Team", readonly=True)
    rank = fields.Integer(readonly=True)
    total_score = fields.Float(string="Weighted Score (%)", readonly=True)
    payout_percent = fields.Float(string="Payout (%)", readonly=True)
    amount = fields.Monetary(string="Bonus", currency_field="currency_id", readonly=True)
    detail_ids = fields.One2many("kpi.bonus.sheet.detail", "line_id", string="KPIs",
                                 readonly=True)

    def _check_editable(self):
        if self.env.context.get("kpi_bonus_transition"):
            return
        if any(line.sheet_id.state != "draft" for line in self):
            raise UserError(_("The figures of a bonus sheet that is submitted or approved "
                              "cannot be edited."))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_editable()
        return lines

    def write(self, vals):
        self.check_access("write")
        self._check_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_if_draft(self):
        self._check_editable()
