"""One bulk upsert: many rows written in one ``INSERT ... SELECT FROM unnest(...) ... ON
CONFLICT DO UPDATE`` statement, each column named once.

The nightly evaluation (``kpi.rule._upsert_results``, table ``kpi_result``) and the period
scores (``kpi.period.result._upsert_period_columns``) store their rows this way: the values
travel as one array per column (``unnest``), never one statement per row.
"""

from odoo.tools import SQL

#: columns an upsert never updates on conflict (besides the conflict's own)
CREATE_COLUMNS = ("create_uid", "create_date")


def upsert(table, conflict, columns, arrays, joins=None, update=None, returning=None):
    """The statement that inserts one row per element of ``arrays`` into ``table``, or updates
    the row that has the same ``conflict`` columns, and returns the ids.

    :param table: the table's name
    :param conflict: the columns of the unique constraint the rows may collide on
    :param columns: ``[(column, SQL)]``: each column inserted and its value, an expression over
        the arrays' elements (``x.<alias>``), the ``joins`` and parameters
    :param arrays: ``[(alias, type, values)]``: one PostgreSQL array per alias, of the given
        element type (``int``, ``float``, ``date``...), all of the same length
    :param joins: SQL after ``FROM unnest(...) AS x(...)`` (e.g. ``JOIN res_users u ON ...``)
    :param update: ``{column: SQL}``: on conflict, these columns take the expression given
        (e.g. the stored value kept) instead of the new one (``EXCLUDED.<column>``); the
        conflict's columns and ``create_uid`` / ``create_date`` are never updated
    :param returning: the columns returned (SQL), ``id`` by default
    :rtype: SQL
    """
    update = update or {}
    kept = set(conflict) | set(CREATE_COLUMNS)
    sets = [SQL("%s = %s", SQL.identifier(column),
                update.get(column) or SQL("EXCLUDED.%s", SQL.identifier(column)))
            for column, _value in columns if column not in kept]
    return SQL(
        """INSERT INTO %(table)s (%(columns)s)
           SELECT %(values)s
             FROM unnest(%(arrays)s) AS x(%(aliases)s) %(joins)s
           ON CONFLICT (%(conflict)s) DO UPDATE SET %(sets)s
           RETURNING %(returning)s""",
        table=SQL.identifier(table),
        returning=returning or SQL("id"),
        columns=SQL(", ").join(SQL.identifier(column) for column, _value in columns),
        values=SQL(", ").join(value for _column, value in columns),
        arrays=SQL(", ").join(SQL("%s::%s[]", values, SQL(kind)) for _alias, kind, values in arrays),
        aliases=SQL(", ").join(SQL.identifier(alias) for alias, _kind, _values in arrays),
        joins=joins or SQL(),
        conflict=SQL(", ").join(SQL.identifier(column) for column in conflict),
        sets=SQL(", ").join(sets),
    )


def audit_columns(uid, now):
    """The ``create_uid`` / ``create_date`` / ``write_uid`` / ``write_date`` columns of an
    :func:`upsert` written by ``uid`` at ``now``."""
    return [("create_uid", SQL("%s", uid)), ("create_date", SQL("%s", now)),
            ("write_uid", SQL("%s", uid)), ("write_date", SQL("%s", now))]
