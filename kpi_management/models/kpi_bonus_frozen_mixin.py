from odoo import _, api, models
from odoo.exceptions import UserError


class KpiBonusFrozenMixin(models.AbstractModel):
    """Figures stored on a bonus sheet: written in draft only.

    Only the sheet's own compute stores them, as superuser (``sudo()``): the access rights give
    nobody else write, create or unlink on them, and anything but the superuser is refused once
    the sheet has left draft (never authorised by the context, which any RPC caller can send).
    """

    _name = "kpi.bonus.frozen.mixin"
    _description = "Bonus sheet figures, editable in draft only"

    def _get_bonus_sheets(self):
        """The sheets the records belong to."""
        raise NotImplementedError

    def _check_editable(self):
        if self.env.su:
            return
        if any(sheet.state != "draft" for sheet in self._get_bonus_sheets()):
            raise UserError(_("The figures of a bonus sheet that is submitted or approved "
                              "cannot be edited."))

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._check_editable()
        return records

    def write(self, vals):
        self.check_access("write")
        self._check_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_if_draft(self):
        self._check_editable()
