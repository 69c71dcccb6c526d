from odoo import api, fields, models

from ..measures import STOCK_MEASURES


class KpiTemplate(models.Model):
    _inherit = "kpi.template"

    # uninstalling this addon removes its templates (its data), which rules still using them
    # refuse (``kpi.rule.template_id`` is ``restrict``): paid history is never removed with it
    measure = fields.Selection(
        selection_add=[(m.key, m.label) for m in STOCK_MEASURES.values()],
        ondelete=dict.fromkeys(STOCK_MEASURES, "cascade"),
    )
    # an average of durations in days (fulfilment time): like a % or hours, not additive (a
    # period keeps its target, a bonus estimate holds the value instead of a pace), which the
    # unit "count" would be (``bonus_engine.ADDITIVE_UNITS``)
    unit = fields.Selection(
        selection_add=[("days", "Days")],
        ondelete={"days": "set default"},
    )

    @api.model
    def _measure_registry(self):
        return {**super()._measure_registry(), **STOCK_MEASURES}
