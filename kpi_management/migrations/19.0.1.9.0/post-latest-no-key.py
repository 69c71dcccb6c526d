"""Upgrade to 19.0.1.9.0: ``kpi.result.latest.result_id`` is a plain integer, no longer a
foreign key to ``kpi_result`` (issue 22: its check, run for every result the night writes, was
planned once per session, as a sequential scan when ``kpi_result`` was empty). Odoo leaves the
constraint and the index of the former many2one in place: they are dropped here."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL("ALTER TABLE kpi_result_latest "
                   "DROP CONSTRAINT IF EXISTS kpi_result_latest_result_id_fkey"))
    cr.execute(SQL("DROP INDEX IF EXISTS kpi_result_latest__result_id_index"))
