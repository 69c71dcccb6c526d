from odoo import api, fields, models

from ..tools import bonus_notes
from .kpi_bonus_scheme_line import LINE_KIND_SELECTION


class KpiBonusSheetDetail(models.Model):
    """The figures of one KPI for one employee on a bonus sheet, as they were computed."""

    _name = "kpi.bonus.sheet.detail"
    _inherit = ["kpi.bonus.frozen.mixin"]
    _description = "KPI Bonus Sheet Detail"
    _order = "line_id, id"

    line_id = fields.Many2one("kpi.bonus.sheet.line", required=True, ondelete="cascade",
                              index=True)
    sheet_id = fields.Many2one(related="line_id.sheet_id", store=True, index=True)
    user_id = fields.Many2one(related="line_id.user_id", store=True)
    company_id = fields.Many2one(related="line_id.company_id", store=True)
    scheme_line_id = fields.Many2one("kpi.bonus.scheme.line", string="Scheme KPI",
                                     ondelete="restrict")
    rule_id = fields.Many2one("kpi.rule", string="KPI Rule", ondelete="set null")
    name = fields.Char(string="KPI", readonly=True)
    kind = fields.Selection(LINE_KIND_SELECTION, readonly=True)
    value = fields.Float(readonly=True)
    target = fields.Float(readonly=True)
    score = fields.Float(string="Score (%)", readonly=True)
    weight = fields.Float(string="Weight (%)", readonly=True, help="The weight in the scheme.")
    weight_used = fields.Float(
        string="Weight Used (%)", readonly=True,
        help="The weight the score counted with: the scheme's, unless a KPI of the employee had "
        "nothing to measure, whose weight is then shared pro rata over the others (0 for it).")
    counted = fields.Boolean(readonly=True, help="Pilot rules are shown but never counted.")
    no_data = fields.Boolean(
        string="No Data", readonly=True,
        help="Nothing to measure in the period (e.g. no lead closed for a conversion rate): "
        "no score, and the weight goes to the employee's other KPIs.")
    contribution = fields.Float(string="Points", readonly=True,
                                help="Score x weight used / 100: the points added to the total.")
    result_count = fields.Integer(string="Results / Assessments", readonly=True)
    note_facts = fields.Json(
        string="How (Facts)", readonly=True,
        help="What the note says, as computed: how the score was derived, or who assessed "
        "what.")
    legacy_note = fields.Char(
        string="How (Stored Text)", readonly=True,
        help="The note of a sheet computed before version 19.0.1.3.0, in the words it was "
        "stored with.")
    note = fields.Char(string="How", compute="_compute_note",
                       help="How the score was derived, or who assessed what.")

    @api.depends("note_facts", "legacy_note", "counted", "no_data")
    @api.depends_context("lang")
    def _compute_note(self):
        """The note in the reader's language, rendered from the stored facts (the stored text
        of a sheet computed before the facts were stored)."""
        for detail in self:
            detail.note = (bonus_notes.render_kpi_note(
                detail.env, detail.note_facts, detail.counted, detail.no_data)
                if detail.note_facts else detail.legacy_note) or False

    def _get_bonus_sheets(self):
        return self.line_id.sheet_id
