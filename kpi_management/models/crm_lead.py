from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    cost_price = fields.Monetary(
        currency_field="company_currency",
        help="Cost price of the goods or services sold, without the extra costs.",
    )
    extra_cost_hours = fields.Float(
        string="Extra Hours",
        help="Hours spent by other departments for this deal (e.g. technical adaptations).",
    )
    extra_cost_hour_rate = fields.Monetary(
        string="Cost per Extra Hour", currency_field="company_currency"
    )
    extra_cost_other = fields.Monetary(string="Other Extra Costs", currency_field="company_currency")
    extra_costs = fields.Monetary(
        compute="_compute_net_profit",
        store=True,
        currency_field="company_currency",
        help="Extra hours x cost per hour + other extra costs.",
    )
    net_profit = fields.Monetary(
        compute="_compute_net_profit",
        store=True,
        currency_field="company_currency",
        help="Expected revenue - cost price - extra costs.",
    )

    @api.depends("expected_revenue", "cost_price", "extra_cost_hours", "extra_cost_hour_rate",
                 "extra_cost_other")
    def _compute_net_profit(self):
        for lead in self:
            lead.extra_costs = (
                lead.extra_cost_hours * lead.extra_cost_hour_rate + lead.extra_cost_other
            )
            lead.net_profit = lead.expected_revenue - lead.cost_price - lead.extra_costs
