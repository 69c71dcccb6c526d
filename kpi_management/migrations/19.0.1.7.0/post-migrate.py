"""Upgrade to 19.0.1.7.0: the daily results lose their create/write user and date.

``kpi.result`` is written by the nightly job in SQL, a row per rule, user and day; from this
version it has no log-access columns (``_log_access = False``, see the model). Odoo leaves the
columns of removed fields in place, with their foreign keys checked on every row written: they
are dropped here (instant in PostgreSQL, the space is reused as rows are rewritten). Runs in the
upgrade's transaction.
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
