from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    kpi_profile_id = fields.Many2one(
        "kpi.profile",
        string="KPI Profile",
        index="btree_not_null",
        ondelete="set null",
        help="The KPI rules of this profile are evaluated for the user every night.",
    )
