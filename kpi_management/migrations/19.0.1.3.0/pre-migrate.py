"""Upgrade to 19.0.1.3.0, before the module's models are loaded: the notes of bonus sheets.

Until this version a sheet stored the "how it was derived" notes as English sentences, written
at compute time. From this version it stores their facts (``note_facts`` on the details,
``presence_facts`` on the lines, see ``models/kpi_bonus_notes.py``) and renders the sentences
when they are read, in the reader's language; ``note``, ``presence_note`` and ``no_data_note``
become computed fields, not stored.

The sheets computed before keep what they showed, never rewritten (an approved sheet never
changes): the columns holding the sentences are renamed to the stored fields that keep them
(``legacy_note``, ``legacy_presence_note``), which the notes show when there are no facts. The
facts are not guessed from the English text.

``no_data_note`` (new in 19.0.1.2.0) is dropped: it was derived from the details (their name,
weight, ``no_data`` and ``counted``, stored and frozen with it), from which it is now rendered,
word for word the same sentence in English.

Renamed and dropped here, before the models are loaded: the ORM would otherwise create the new
columns empty beside the old ones. Releases without a column (19.0.1.0.0 had no
``presence_note``) are skipped. Everything runs in the upgrade's transaction.
"""

from odoo.tools import sql

#: (table, old column, new column): the stored sentences kept for the sheets computed before
RENAMED = (
    ("kpi_bonus_sheet_detail", "note", "legacy_note"),
    ("kpi_bonus_sheet_line", "presence_note", "legacy_presence_note"),
)
#: (table, column): stored sentences rendered from other stored figures from now on
DROPPED = (("kpi_bonus_sheet_line", "no_data_note"),)


def _keep_stored_notes(cr):
    """Rename the columns of the stored sentences to the fields that keep them."""
    for table, old, new in RENAMED:
        if sql.column_exists(cr, table, old) and not sql.column_exists(cr, table, new):
            sql.rename_column(cr, table, old, new)


def _drop_derived_notes(cr):
    for table, column in DROPPED:
        if sql.column_exists(cr, table, column):
            cr.execute(sql.SQL("ALTER TABLE %s DROP COLUMN %s", sql.SQL.identifier(table),
                               sql.SQL.identifier(column)))


def migrate(cr, version):
    """Run before the models of ``kpi_management`` 19.0.1.3.0 are loaded over ``version``."""
    if not version:  # a fresh install has nothing to migrate
        return
    _keep_stored_notes(cr)
    _drop_derived_notes(cr)
