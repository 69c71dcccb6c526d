from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.bonus_math import KIND_MANUAL, KIND_RULE
from .kpi_bonus_scheme import check_schemes

LINE_KIND_SELECTION = [(KIND_RULE, "KPI rule"), (KIND_MANUAL, "Manual assessment")]


class KpiBonusSchemeLine(models.Model):
    _name = "kpi.bonus.scheme.line"
    _inherit = ["kpi.bonus.scheme.part"]
    _description = "KPI Bonus Scheme Line"
    _order = "scheme_id, sequence, id"

    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        LINE_KIND_SELECTION, required=True, default=KIND_RULE,
        help="KPI rule: scored by the engine. Manual assessment: a measure the CRM cannot "
        "count (on-time delivery, customer satisfaction), scored 0-100% by the assessors.",
    )
    rule_id = fields.Many2one("kpi.rule", string="KPI Rule", ondelete="restrict", index=True)
    name = fields.Char(required=True, help="Defaults to the name of the KPI rule.")
    weight = fields.Float(string="Weight (%)", required=True)
    description = fields.Text(translate=True, help="How the KPI is assessed or measured.")

    _scheme_rule_unique = models.Constraint(
        "UNIQUE(scheme_id, rule_id)", "A KPI rule appears only once in a bonus scheme."
    )

    @api.onchange("rule_id")
    def _onchange_rule_id(self):
        if self.rule_id:
            self.name = self.rule_id.name

    @api.constrains("kind", "rule_id", "weight")
    def _check_line(self):
        for line in self:
            if line.kind == KIND_RULE and not line.rule_id:
                raise ValidationError(_("KPI %s of the bonus scheme needs a KPI rule.", line.name))
            if line.kind == KIND_MANUAL and line.rule_id:
                raise ValidationError(
                    _("The manual KPI %s cannot have a KPI rule.", line.name))
            if not 0 < line.weight <= 100:
                raise ValidationError(
                    _("The weight of %s must be more than 0 and at most 100%%.", line.name))

    @api.constrains("weight", "scheme_id")
    def _check_scheme_weights(self):
        """A line written on its own leaves its scheme valid (weights add up to 100%); through
        the scheme's form the check runs once the whole scheme is written."""
        check_schemes(self.scheme_id)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("name") and vals.get("rule_id"):
                vals["name"] = self.env["kpi.rule"].browse(vals["rule_id"]).name
        return super().create(vals_list)
