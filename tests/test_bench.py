"""The engine benchmark at its tiny scale, so that it does not rot: it runs inside the test's
transaction (it commits nothing: ``ir.cron._commit_progress`` is patched out), every built-in
template has a floor, every sanity line reports 0 (the engine of each template against its
floor's SQL, no data included, and against gamification when that module is installed; every
built-in template stores a result for every user and measures something on the bench's data)
and it leaves no table behind. The evaluation of every built-in template
issues as many queries for 10 users as for 20."""

from unittest import mock

from odoo.tests import TransactionCase

from .common import load_bench


class TestBench(TransactionCase):
    test_tags = {"standard", "at_install"}

    def test_tiny_scale(self):
        self._check_tiny_scale(load_bench("bench_engine"))

    def test_tiny_scale_without_gamification(self):
        bench = load_bench("bench_engine")
        with mock.patch.object(bench, "gamification_installed", return_value=False):
            self._check_tiny_scale(bench)

    def _check_tiny_scale(self, bench):
        printed = []
        with mock.patch.object(type(self.env.cr), "commit", side_effect=AssertionError("commit")), \
                mock.patch.object(bench, "write_results", side_effect=AssertionError("written")):
            lines, sanity, table = bench.run(self.env, "tiny", out=printed.append)
        self.assertIn(table, printed)
        templates = self.env["ir.model.data"].search_count(
            [("module", "=", "kpi_management"), ("model", "=", "kpi.template")])
        self.assertGreaterEqual(templates, 20)
        # every built-in template has a floor, written out in the benchmark, and a sanity line
        codes = self.env["kpi.template"].browse(self.env["ir.model.data"].search(
            [("module", "=", "kpi_management"), ("model", "=", "kpi.template")]
        ).mapped("res_id")).mapped("code")
        self.assertEqual(set(bench.FLOOR_SQL), set(codes))
        self.assertEqual(set(bench.TEMPLATES + bench.EXTRA_FLOORS), set(codes))
        checks = [check for check in sanity if check.startswith("engine vs floor")]
        self.assertEqual(sorted(check.split()[3] for check in checks), sorted(codes))
        self.assertIn("every template: results missing (%d rules x 20 users)" % templates, sanity)
        self.assertIn("every template: rules whose values are all 0", sanity)
        if bench.gamification_installed(self.env):
            self.assertTrue(any("gamification" in check for check in sanity))
        else:
            self.assertIn("gamification not installed: skipped", printed)
        self.assertEqual({check: n for check, n in sanity.items() if n}, {})
        names = [line.name for line in lines]
        self.assertIn("nightly cron _cron_evaluate()", names)
        self.assertIn("engine: every built-in template (%d rules)" % templates, names)
        # the rules of every template against the sum of every template's floor
        by_name = {line.name: line for line in lines}
        every_floor = by_name["floor: every built-in template (%d templates)" % templates]
        self.assertAlmostEqual(every_floor.seconds, sum(
            line.seconds for line in lines if line.name.startswith(("floor read ", "floor store "))))
        self.assertEqual(
            by_name["engine: every built-in template (%d rules)" % templates].floor,
            every_floor.seconds)
        for template in codes:
            self.assertIsNotNone(by_name["engine %s" % template].floor, template)
        self.assertIn("peak Python memory (MiB)", table)
        # the traced run measures what Python allocates: never nothing for the ORM's lines
        self.assertTrue(all(line.peak_mib > 0 for line in lines if "engine" in line.name))
        self.assertTrue(all(line.seconds >= 0 and line.queries > 0 for line in lines))
        # the values compared are not all 0: the tiny data has won deals and meetings
        rules = self.env["kpi.rule"].search([("name", "like", "bench %")])
        self.assertEqual(len(rules), len(bench.TEMPLATES))
        for rule in rules:
            results = self.env["kpi.result"].search([("rule_id", "=", rule.id)])
            self.assertTrue(any(results.mapped("value")), rule.name)
        self.env.cr.execute("SELECT to_regclass('pg_temp.bench_floor_copy')")
        self.assertIsNone(self.env.cr.fetchone()[0])

    def test_every_template_queries_do_not_grow_with_users(self):
        bench = load_bench("bench_engine")
        queries = {}
        for n_users in (10, 20):
            savepoint = self.env.cr.savepoint()
            with mock.patch.object(bench, "gamification_installed", return_value=False):
                lines, sanity, _table = bench.run(self.env, "tiny", n_users=n_users,
                                                  out=lambda *args: None)
            savepoint.close(rollback=True)
            self.env.invalidate_all(flush=False)
            self.assertEqual({check: n for check, n in sanity.items() if n}, {})
            [line] = [line for line in lines if line.name.startswith("engine: every built-in")]
            queries[n_users] = line.queries
        self.assertGreater(queries[10], 0)
        self.assertEqual(queries[10], queries[20])
