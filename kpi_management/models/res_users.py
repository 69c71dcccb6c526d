from odoo import fields, models

#: the fields of a user whose change may stop a KPI from applying to them or change the
#: language their reminders are written in (``kpi.result._sync_open_reminders``)
REMINDER_FIELDS = ("kpi_profile_id", "active", "company_ids", "lang")


class ResUsers(models.Model):
    _inherit = "res.users"

    kpi_profile_id = fields.Many2one(
        "kpi.profile",
        string="KPI Profile",
        index="btree_not_null",
        ondelete="set null",
        help="The KPI rules of this profile are evaluated for the user every night.",
    )

    def write(self, vals):
        res = super().write(vals)
        if any(name in vals for name in REMINDER_FIELDS):
            # a KPI that no longer applies closes its reminder now, and an open reminder
            # follows its user's language, not the next night
            self.env["kpi.result"].sudo()._sync_open_reminders(users=self)
        return res
