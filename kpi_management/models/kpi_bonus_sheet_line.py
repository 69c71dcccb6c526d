from odoo import api, fields, models

from ..tools import bonus_notes
from ..tools.groups import MANAGER_GROUP
from .kpi_bonus_sheet import TEAM_FIGURES_GROUPS

#: who reads an employee's rank on the sheet (the others' relative standing): HR and the
#: managers, who read every line of their teams' sheets
RANK_GROUPS = ",".join((TEAM_FIGURES_GROUPS, MANAGER_GROUP))


class KpiBonusSheetLine(models.Model):
    """One employee on a bonus sheet: stored figures, never recomputed once submitted."""

    _name = "kpi.bonus.sheet.line"
    _inherit = ["kpi.bonus.frozen.mixin"]
    _description = "KPI Bonus Sheet Line"
    # the rank's order (kpi.bonus.sheet: by weighted score, then amount), without reading the
    # rank, which only HR and the managers may read
    _order = "sheet_id, total_score desc, amount desc, id"
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
    presence_facts = fields.Json(
        string="Part of the Period (Facts)", readonly=True,
        help="Why the employee is paid for part of the period only, as computed: the days "
        "they joined or left the team, the days paid.")
    legacy_presence_note = fields.Char(
        string="Part of the Period (Stored Text)", readonly=True,
        help="The note of a sheet computed before version 19.0.1.3.0, in the words it was "
        "stored with.")
    presence_note = fields.Char(
        string="Part of the Period", compute="_compute_presence_note",
        help="Why the employee is paid for part of the period only (joined, left, archived).")
    no_data_note = fields.Char(
        string="No Data", compute="_compute_no_data_note",
        help="The KPIs that had nothing to measure in the period, whose weight was shared pro "
        "rata over the employee's other KPIs.")
    rank = fields.Integer(
        readonly=True, groups=RANK_GROUPS,
        help="The employee's place on the sheet by weighted score: the colleagues' relative "
        "standing, for the team's managers and HR only.")
    total_score = fields.Float(string="Weighted Score (%)", readonly=True)
    payout_percent = fields.Float(string="Payout (%)", readonly=True)
    amount = fields.Monetary(string="Bonus", currency_field="currency_id", readonly=True)
    detail_ids = fields.One2many("kpi.bonus.sheet.detail", "line_id", string="KPIs",
                                 readonly=True)

    @api.depends("presence_facts", "legacy_presence_note")
    @api.depends_context("lang")
    def _compute_presence_note(self):
        """In the reader's language, rendered from the stored facts (the stored text of a sheet
        computed before the facts were stored)."""
        for line in self:
            line.presence_note = (
                bonus_notes.render_presence_note(line.env, line.presence_facts)
                if line.presence_facts else line.legacy_presence_note) or False

    @api.depends("detail_ids.no_data", "detail_ids.counted", "detail_ids.name",
                 "detail_ids.weight")
    @api.depends_context("lang")
    def _compute_no_data_note(self):
        """In the reader's language, from the stored details: the counted KPIs with nothing to
        measure, with their weight in the scheme."""
        for line in self:
            kpis = [(detail.name, detail.weight) for detail in line.detail_ids
                    if detail.no_data and detail.counted]
            line.no_data_note = bonus_notes.render_no_data_note(line.env, kpis) or False

    def _get_bonus_sheets(self):
        return self.sheet_id
