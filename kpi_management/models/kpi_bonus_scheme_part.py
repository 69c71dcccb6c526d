from odoo import fields, models

from .kpi_bonus_scheme import check_schemes


class KpiBonusSchemePart(models.AbstractModel):
    """A part of a bonus scheme (a KPI line, a payout level) that must leave its scheme valid.

    Written on its own, the part re-checks its scheme at once; written through the scheme's
    form, the check runs once the whole scheme is written (see ``check_schemes``). The
    models add an ``@api.constrains`` on their own fields that calls ``check_schemes``.
    """

    _name = "kpi.bonus.scheme.part"
    _description = "Part of a bonus scheme"

    scheme_id = fields.Many2one("kpi.bonus.scheme", required=True, ondelete="cascade",
                                index=True)

    def unlink(self):
        schemes = self.scheme_id
        res = super().unlink()
        check_schemes(schemes)
        return res
