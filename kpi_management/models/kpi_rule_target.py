from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang

from ..tools.scoring import DIRECTION_HIGHER, MAX_TARGET, target_in_range


class KpiRuleTarget(models.Model):
    """A per-user target of a rule (the "star" grows sales 20%, the others 10%).

    The engine stores the user's own target in ``kpi.result.target`` and scores against it
    (see ``kpi.rule._get_user_targets``).
    """

    _name = "kpi.rule.target"
    _description = "KPI Individual Target"
    _order = "rule_id, user_id"

    rule_id = fields.Many2one("kpi.rule", string="KPI", required=True, ondelete="cascade",
                              index=True)
    user_id = fields.Many2one("res.users", string="User", required=True, ondelete="cascade",
                              index=True, domain=[("share", "=", False)])
    target = fields.Float(required=True)
    direction = fields.Selection(related="rule_id.direction")
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    note = fields.Char(help="Why this user has an own target, e.g. 'star: +20%'.")

    _rule_user_unique = models.Constraint(
        "UNIQUE(rule_id, user_id)", "A user has at most one individual target per KPI rule."
    )

    @api.constrains("target", "rule_id")
    def _check_target(self):
        for line in self:
            if not target_in_range(line.target):
                raise ValidationError(
                    _("The individual target of %(user)s on %(rule)s must be a finite number "
                      "of at most %(max)s.",
                      user=line.user_id.name, rule=line.rule_id.name,
                      max=formatLang(self.env, MAX_TARGET, digits=0)))
            if line.rule_id.direction == DIRECTION_HIGHER and line.target <= 0:
                raise ValidationError(
                    _("The individual target of %(user)s on %(rule)s must be greater than 0.",
                      user=line.user_id.name, rule=line.rule_id.name))
            if line.target < 0:
                raise ValidationError(
                    _("The individual target of %(user)s on %(rule)s cannot be negative.",
                      user=line.user_id.name, rule=line.rule_id.name))
