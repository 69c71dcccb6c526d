"""Upgrade to 19.0.1.7.0: the daily results lose their create/write user and date, and three
indexes that no read used (issue 22, bench/RESULTS.md, "Storage").

``kpi.result`` is written by the nightly job in SQL, a row per rule, user and day; from this
version it has no log-access columns (``_log_access = False``, see the model). Odoo leaves the
columns of removed fields in place, with their foreign keys checked on every row written: they
are dropped here (instant in PostgreSQL, the space is reused as rows are rewritten). Runs in the
upgrade's transaction. Odoo keeps an index whose field no longer asks for it: the indexes on
the rule (led by the unique (rule, user, date) one), the status and the mode are dropped here.
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL(
        """ALTER TABLE kpi_result DROP COLUMN IF EXISTS create_uid,
                                  DROP COLUMN IF EXISTS create_date,
                                  DROP COLUMN IF EXISTS write_uid,
                                  DROP COLUMN IF EXISTS write_date"""))
    cr.execute(SQL(
        """DROP INDEX IF EXISTS kpi_result__rule_id_index, kpi_result__status_index,
                                kpi_result__pilot_index"""))
