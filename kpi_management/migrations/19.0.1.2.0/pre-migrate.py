"""Upgrade to 19.0.1.2.0, before the module's data is loaded: rewrite every record rule.

This version restricts who reads the bonus schemes (and their KPIs and payout levels) and adds a
multi-company rule to the sheet details. As in 19.0.1.1.0 (see its ``pre-migrate.py`` for why the
noupdate toggle does not work in Odoo 19), the module's record rules and their xml ids are
deleted here; the data load that follows creates every rule of the XML again, exactly as a fresh
install does.
"""

MODULE = "kpi_management"


def _recreate_record_rules(cr):
    """Delete the module's record rules and their xml ids: the data load creates them again."""
    cr.execute(
        """
        WITH xmlids AS (
            DELETE FROM ir_model_data
             WHERE module = %s AND model = 'ir.rule'
         RETURNING res_id
        )
        DELETE FROM ir_rule WHERE id IN (SELECT res_id FROM xmlids)
        """,
        [MODULE],
    )


def migrate(cr, version):
    """Run before the data of ``kpi_management`` 19.0.1.2.0 is loaded over ``version``."""
    if not version:  # a fresh install has nothing to migrate
        return
    _recreate_record_rules(cr)
