"""Upgrade to 19.0.1.4.0: pilot roll-out per sales team.

Until this version ``pilot`` was one flag on the rule, shown on every result of the rule as it
is now. From this version each result stores the mode of its own day (``kpi.result.pilot``,
computed by the nightly run from the rule's roll-out steps per team, ``kpi.rule.rollout``). The
results computed before get the mode their rule has at the upgrade: the only one known. Runs in
the upgrade's transaction.
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL(
        """UPDATE kpi_result r SET pilot = COALESCE(ru.pilot, FALSE)
             FROM kpi_rule ru
            WHERE ru.id = r.rule_id AND r.pilot IS DISTINCT FROM COALESCE(ru.pilot, FALSE)"""))
