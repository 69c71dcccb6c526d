from odoo import fields, models


class KpiBonusLevel(models.Model):
    _name = "kpi.bonus.level"
    _description = "KPI Bonus Payout Level"
    _order = "scheme_id, score"

    scheme_id = fields.Many2one("kpi.bonus.scheme", required=True, ondelete="cascade",
                                index=True)
    score = fields.Float(string="Total Score (%)", required=True)
    payout = fields.Float(string="Payout (%)", required=True,
                          help="% of the base amount paid at this total score.")
