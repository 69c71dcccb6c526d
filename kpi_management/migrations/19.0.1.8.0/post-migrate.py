"""Upgrade to 19.0.1.8.0: each daily result and period score records the currency its amounts
were measured in (``kpi.score.mixin.currency_id``).

Until this version the currency was derived when read, from today's configuration: the rule's
company, else (a rule of every company) the user's main company of today, so a salesperson who
moved to a company in another currency saw their past results in the new currency's symbol and
a bonus sheet paid them as if measured in it. From this version the nightly run stores the
currency with the figures. The rows computed before get the best information the upgrade has,
the same rule as the measure used then: the currency of the result's company (the rule's, as
recorded with the result), else of the user's main company at the upgrade. One UPDATE per
table, in the upgrade's transaction.
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    for table in ("kpi_result", "kpi_period_result"):
        cr.execute(SQL(
            """UPDATE %(table)s r
                  SET currency_id = c.currency_id
                 FROM res_users u, res_company c
                WHERE u.id = r.user_id AND c.id = COALESCE(r.company_id, u.company_id)
                  AND r.currency_id IS NULL""",
            table=SQL.identifier(table)))
