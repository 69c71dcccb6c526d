"""Upgrade to 19.0.1.1.0, before the module's data is loaded: rewrite every record rule.

The record rules of ``security/kpi_security.xml`` are ``noupdate``: ``-u kpi_management`` never
touches an existing one, so a database installed before this version would keep the old rules.
This script deletes the module's record rules and their xml ids; the data load that follows
creates every rule of the XML again, exactly as a fresh install does (domain, groups,
permissions, ``noupdate``), and a rule the XML no longer declares is not created again.

Not the openupgradelib pattern (``set_xml_ids_noupdate_value(..., False)`` here, ``True`` in
post-migrate): in Odoo 19, ``xml_import._tag_record`` (odoo/tools/convert.py) skips an existing
record inside ``<data noupdate="1">`` in update mode whatever ``ir_model_data.noupdate`` says, so
no rule would be rewritten (tests/test_upgrade.py fails with it); reloading the file in ``init``
mode instead would keep the groups and permissions the XML no longer names (``Command.link``
only adds, an omitted ``perm_*`` keeps its value).

Nothing references a rule but its groups (``rule_group_rel``, deleted in cascade), and all of it
happens in the upgrade's transaction. A change an administrator made to one of these rules is
overwritten, as the new guarantees require.

Access rights (``security/ir.model.access.csv``) are not ``noupdate``: the upgrade rewrites them
and ``ir.model.data._process_end`` deletes those the file no longer declares.
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
    """Run before the data of ``kpi_management`` 19.0.1.1.0 is loaded over ``version``."""
    if not version:  # a fresh install has nothing to migrate
        return
    _recreate_record_rules(cr)
