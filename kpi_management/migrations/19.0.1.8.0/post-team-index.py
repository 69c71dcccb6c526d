"""Upgrade to 19.0.1.8.0: the results' index on the team becomes a (team, date) index
(``kpi.result._team_date_idx``, created by the update): the index on the team alone, which
Odoo keeps when its field no longer asks for it, is dropped here."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL("DROP INDEX IF EXISTS kpi_result__team_id_index"))
