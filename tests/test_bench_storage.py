"""The storage benchmark at its tiny scale, so that it does not rot: it runs inside the test's
transaction without committing, stores users x rules x days results, reports sizes, and removes
everything it created; its RESULTS.md section replaces only its own."""

import os
import tempfile
from unittest import mock

from odoo.tests import TransactionCase

from .common import load_bench


class TestBenchStorage(TransactionCase):
    test_tags = {"standard", "at_install"}

    def test_tiny_scale(self):
        bench = load_bench("bench_storage")
        users, rules, days = bench.SCALES["tiny"]
        printed = []
        with mock.patch.object(type(self.env.cr), "commit", side_effect=AssertionError("commit")), \
                mock.patch.object(bench, "write_results", side_effect=AssertionError("written")), \
                mock.patch.object(bench, "vacuum", side_effect=AssertionError("vacuum")):
            lines, table = bench.run(self.env, "tiny", out=printed.append, commit=False)
        self.assertIn(table, printed)
        by_name = {line.name: line for line in lines}
        self.assertEqual(by_name["rows of the run"].value, users * rules * days)
        self.assertIn("%s rows" % (users * rules * days), table.splitlines()[0])
        for size in ("heap", "all indexes", "total", "record_ids (jsonb)"):
            self.assertGreater(by_name[size].value, 0, size)
        # kpi.result has no log-access columns (19.0.1.7.0)
        self.assertEqual(by_name["audit columns (_log_access)"].value, 0)
        self.assertTrue(any(name.startswith("index kpi_result") for name in by_name))
        for name in ("night: floor, unindexed insert", "My KPIs get_my_kpis (1 user)",
                     "night without any secondary index", "night without any FK"):
            self.assertGreaterEqual(by_name[name].seconds, 0, name)
        engine = next(line for line in lines if line.name.startswith("night: engine upsert"))
        self.assertGreater(engine.queries, 0)
        for prefix in ("Team KPIs: latest", "Team KPIs: pivot", "period scores:",
                       "bonus: _read_recorded", "bonus: _read_daily",
                       "night without index kpi_result__user_id_index",
                       "night without FK kpi_result_user_id_fkey"):
            self.assertTrue(any(name.startswith(prefix) for name in by_name), prefix)
        self.assertFalse(any(name.startswith("VACUUM") for name in by_name))
        # nothing left behind, in this mode too
        self.assertFalse(self.env["kpi.rule"].search([("name", "=like", bench.RULE_PREFIX + "%")]))
        self.assertFalse(self.env["res.users"].with_context(active_test=False).search(
            [("login", "=like", bench.LOGIN_PREFIX + "%")]))
        self.assertFalse(self.env["crm.team"].search([("name", "=like", bench.TEAM_PREFIX + "%")]))
        self.env.cr.execute("SELECT count(*) FROM kpi_result r JOIN kpi_rule k ON k.id = r.rule_id"
                            " WHERE k.name->>'en_US' LIKE %s", [bench.RULE_PREFIX + "%"])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.env.cr.execute("SELECT count(*) FROM kpi_result r JOIN res_users u ON u.id = r.user_id"
                            " WHERE u.login LIKE %s", [bench.LOGIN_PREFIX + "%"])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.env.cr.execute("SELECT to_regclass('pg_temp.stor_floor'), to_regclass('pg_temp.stor_ids')")
        self.assertEqual(self.env.cr.fetchone(), (None, None))

    def test_refuses_other_databases(self):
        bench = load_bench("bench_storage")
        with self.assertRaises(SystemExit):
            bench.check_database("kpi_demo")
        bench.check_database("kpi_bench")
        bench.check_database("kpi_stor_x")

    def test_results_sections_kept(self):
        """The storage section replaces only itself; the engine's write keeps it."""
        storage, engine = load_bench("bench_storage"), load_bench("bench_engine")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "RESULTS.md")
            with open(path, "w") as f:
                f.write("# Benchmark results\n\nintro\n\n## Scale small: 1 users\n\nsmall table\n\n"
                        "## Storage: 1 users x 1 rules x 1 days (1 rows)\n\nold storage\n\n"
                        "## Scale large: 3 users\n\nlarge table\n")
            storage.write_results("## Storage: 2 users x 2 rules x 2 days (8 rows)\n\nnew\n", path)
            with open(path) as f:
                text = f.read()
            self.assertNotIn("old storage", text)
            self.assertIn("small table", text)
            self.assertIn("large table", text)
            self.assertEqual(text.count("## Storage"), 1)
            with mock.patch.object(engine, "RESULTS", path):
                engine.write_results("## Scale small: 1 users\n\nnew small\n", "small")
            with open(path) as f:
                text = f.read()
            self.assertIn("new small", text)
            self.assertNotIn("small table", text)
            self.assertIn("large table", text)
            self.assertIn("## Storage: 2 users x 2 rules x 2 days (8 rows)\n\nnew\n", text)
