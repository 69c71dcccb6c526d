"""The one bulk upsert (``tools/bulk.py``) on a table of its own: rows inserted from arrays,
updated on conflict except the conflict's and creation columns and the columns kept."""

from odoo.addons.kpi_management.tools import bulk
from odoo.tests import TransactionCase
from odoo.tools import SQL


class TestBulkUpsert(TransactionCase):
    test_tags = {"standard", "at_install"}

    def setUp(self):
        super().setUp()
        self.env.cr.execute("""
            CREATE TEMPORARY TABLE kpi_bulk_test (
                id serial PRIMARY KEY, k int NOT NULL, day date NOT NULL, v float, note varchar,
                create_uid int, create_date timestamp, write_uid int, write_date timestamp,
                UNIQUE (k, day))""")

    def upsert(self, keys, values, notes, uid, now, keep_note=False):
        self.env.cr.execute(bulk.upsert(
            "kpi_bulk_test", ("k", "day"),
            [("k", SQL("x.k")), ("day", SQL("%s::date", "2026-11-01")), ("v", SQL("x.v")),
             ("note", SQL("x.n")), *bulk.audit_columns(uid, now)],
            [("k", "int", keys), ("v", "float", values), ("n", "varchar", notes)],
            update={"note": SQL("kpi_bulk_test.note")} if keep_note else None,
        ))
        return [row[0] for row in self.env.cr.fetchall()]

    def rows(self):
        self.env.cr.execute("""SELECT k, v, note, create_uid, create_date::text, write_uid,
                                      write_date::text
                                 FROM kpi_bulk_test ORDER BY k""")
        return self.env.cr.fetchall()

    def test_insert_then_update_on_conflict(self):
        first = self.upsert([1, 2], [1.5, None], ["a", "b"], 7, "2026-11-01 10:00:00")
        self.assertEqual(len(first), 2)
        again = self.upsert([2, 3], [4.0, 5.0], ["B", "c"], 8, "2026-11-02 10:00:00")
        self.assertEqual(again[0], first[1], "the conflicting row is updated, not duplicated")
        self.assertEqual(self.rows(), [
            (1, 1.5, "a", 7, "2026-11-01 10:00:00", 7, "2026-11-01 10:00:00"),
            # updated: the values and the writer; the creator and creation date stay
            (2, 4.0, "B", 7, "2026-11-01 10:00:00", 8, "2026-11-02 10:00:00"),
            (3, 5.0, "c", 8, "2026-11-02 10:00:00", 8, "2026-11-02 10:00:00"),
        ])

    def test_a_column_kept_on_conflict(self):
        self.upsert([1], [1.0], ["recorded"], 7, "2026-11-01 10:00:00")
        self.upsert([1], [2.0], ["today"], 8, "2026-11-02 10:00:00", keep_note=True)
        self.assertEqual(self.rows()[0][:3], (1, 2.0, "recorded"))

    def test_each_column_is_named_once(self):
        query = bulk.upsert("t", ("a",), [("a", SQL("x.a")), ("b", SQL("x.b"))],
                            [("a", "int", [1]), ("b", "int", [2])])
        code = query.code
        self.assertEqual(code.count('"b" = EXCLUDED."b"'), 1)
        self.assertNotIn('"a" = EXCLUDED', code)
