from odoo import _, models
from odoo.addons.kpi_management.tools import bonus_math


class KpiBonusScheme(models.Model):
    _inherit = "kpi.bonus.scheme"

    def _estimate_hint_quantity(self, line, delta):
        """A KPI in days says its days: "Order fulfilment time: 1.5 days less → ..."."""
        if line.kind != bonus_math.KIND_MANUAL and line.rule_id.unit == "days":
            return _("%s days", "%g" % round(abs(delta), 2))
        return super()._estimate_hint_quantity(line, delta)
