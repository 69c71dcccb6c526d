from odoo import models


class IrUiMenu(models.Model):
    _inherit = "ir.ui.menu"

    def _load_menus_blacklist(self):
        """Hide "My KPIs" from users who have no KPI result (see README, "Using it").

        Menus are cached per user: the engine clears the cache when a user gets a first result.
        """
        res = super()._load_menus_blacklist()
        if not self.env["kpi.result"]._user_has_results():
            menu = self.env.ref("kpi_management.kpi_result_menu_my_kpis", raise_if_not_found=False)
            if menu:
                res.append(menu.id)
        return res
