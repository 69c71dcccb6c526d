from odoo import api, fields, models

from ..measures import SALE_MEASURES


class KpiTemplate(models.Model):
    _inherit = "kpi.template"

    # uninstalling this addon removes its templates (its data), which rules still using them
    # refuse (``kpi.rule.template_id`` is ``restrict``): paid history is never removed with it
    measure = fields.Selection(
        selection_add=[(m.key, m.label) for m in SALE_MEASURES.values()],
        ondelete=dict.fromkeys(SALE_MEASURES, "cascade"),
    )

    @api.model
    def _measure_registry(self):
        return {**super()._measure_registry(), **SALE_MEASURES}
