from odoo import _, api, fields, models

#: 3-5 KPIs motivate, 10 do not, 20 demotivate (source material).
MOTIVATING_KPI_COUNT = 5


class KpiProfile(models.Model):
    _name = "kpi.profile"
    _description = "KPI Profile"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    rule_ids = fields.Many2many(
        "kpi.rule",
        "kpi_rule_profile_rel",
        "profile_id",
        "rule_id",
        string="KPI Rules",
    )
    user_ids = fields.One2many("res.users", "kpi_profile_id", string="Users")
    rule_count = fields.Integer(compute="_compute_counts")
    user_count = fields.Integer(compute="_compute_counts")
    kpi_count_warning = fields.Char(compute="_compute_counts")

    _name_unique = models.Constraint("UNIQUE(name)", "A KPI profile with this name already exists.")

    @api.depends("rule_ids", "rule_ids.active", "user_ids")
    def _compute_counts(self):
        for profile in self:
            active_rules = profile.rule_ids.filtered("active")
            profile.rule_count = len(active_rules)
            profile.user_count = len(profile.user_ids)
            profile.kpi_count_warning = (
                _(
                    "This profile has %s KPIs. 3-5 KPIs motivate a person, 10 do not, 20 "
                    "demotivate: keep the few that matter.",
                    len(active_rules),
                )
                if len(active_rules) > MOTIVATING_KPI_COUNT
                else False
            )
