from odoo import api, fields, models

from .kpi_bonus_scheme import check_schemes


class KpiBonusLevel(models.Model):
    _name = "kpi.bonus.level"
    _inherit = ["kpi.bonus.scheme.part"]
    _description = "KPI Bonus Payout Level"
    _order = "scheme_id, score"

    score = fields.Float(string="Total Score (%)", required=True)
    payout = fields.Float(string="Payout (%)", required=True,
                          help="% of the base amount paid at this total score.")

    @api.constrains("score", "payout", "scheme_id")
    def _check_scheme_levels(self):
        """A level written on its own leaves its scheme's payout curve valid (no deduction
        without 'Allow Deduction'...); through the scheme's form the check runs once the whole
        scheme is written."""
        check_schemes(self.scheme_id)
