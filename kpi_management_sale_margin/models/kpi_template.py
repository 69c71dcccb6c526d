from odoo import api, fields, models

from ..measures import MARGIN_MEASURES


class KpiTemplate(models.Model):
    _inherit = "kpi.template"

    # as in kpi_management_sale: uninstalling removes the template, which rules still using it
    # refuse (``kpi.rule.template_id`` is ``restrict``)
    measure = fields.Selection(
        selection_add=[(m.key, m.label) for m in MARGIN_MEASURES.values()],
        ondelete=dict.fromkeys(MARGIN_MEASURES, "cascade"),
    )

    @api.model
    def _measure_registry(self):
        return {**super()._measure_registry(), **MARGIN_MEASURES}
