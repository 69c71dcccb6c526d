from odoo import fields, models


class KpiBonusSheetLine(models.Model):
    """One employee on a bonus sheet: stored figures, never recomputed once submitted."""

    _name = "kpi.bonus.sheet.line"
    _inherit = ["kpi.bonus.frozen.mixin"]
    _description = "KPI Bonus Sheet Line"
    _order = "sheet_id, rank, id"
    _rec_name = "user_id"

    sheet_id = fields.Many2one("kpi.bonus.sheet", required=True, ondelete="cascade", index=True)
    state = fields.Selection(related="sheet_id.state")
    company_id = fields.Many2one(related="sheet_id.company_id", store=True)
    currency_id = fields.Many2one(related="sheet_id.currency_id")
    user_id = fields.Many2one("res.users", string="Employee", required=True, index=True,
                              ondelete="restrict")
    employee_name = fields.Char(string="Name", readonly=True,
                                help="The employee's name when the figures were computed.")
    login = fields.Char(readonly=True)
    profile_name = fields.Char(string="Profile", readonly=True)
    team_name = fields.Char(string="Sales Team", readonly=True)
    worked_from = fields.Date(string="In Team From", readonly=True)
    worked_to = fields.Date(string="In Team To", readonly=True)
    presence_note = fields.Char(
        string="Part of the Period", readonly=True,
        help="Why the employee is paid for part of the period only (joined, left, archived).")
    no_data_note = fields.Char(
        string="No Data", readonly=True,
        help="The KPIs that had nothing to measure in the period, whose weight was shared pro "
        "rata over the employee's other KPIs.")
    rank = fields.Integer(readonly=True)
    total_score = fields.Float(string="Weighted Score (%)", readonly=True)
    payout_percent = fields.Float(string="Payout (%)", readonly=True)
    amount = fields.Monetary(string="Bonus", currency_field="currency_id", readonly=True)
    detail_ids = fields.One2many("kpi.bonus.sheet.detail", "line_id", string="KPIs",
                                 readonly=True)

    def _get_bonus_sheets(self):
        return self.sheet_id
