"""Upgrade to 19.0.1.3.0, at the end: "My Bonus Estimate" is no longer a wizard.

It was a transient model (``kpi.bonus.preview`` with its ``.scheme`` and ``.line``) that made a
record on every visit; it is now a screen computed on each visit (the client action
``kpi_management.my_bonus``). Odoo removes the models' metadata when they leave the code, but
leaves their tables: drop them, so that an upgraded database is the same as a fresh install.
"""

TABLES = ("kpi_bonus_preview_line", "kpi_bonus_preview_scheme", "kpi_bonus_preview")


def migrate(cr, version):
    if not version:
        return
    for table in TABLES:
        cr.execute('DROP TABLE IF EXISTS "%s" CASCADE' % table)  # noqa: S608 - constant names
