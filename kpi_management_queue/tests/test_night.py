"""The same night through the crons and through the jobs stores the same rows."""

from collections import Counter

from freezegun import freeze_time

from .common import NOW, TODAY, NightCase


@freeze_time(NOW)
class TestSameNight(NightCase):
    def cron_snapshot(self):
        """The rows of the night run by the crons' own batches, undone afterwards."""
        with self.undone():
            self.cron_night()
            return self.snapshot()

    def test_cron_and_jobs_store_the_same_rows(self):
        before = self.snapshot()
        by_cron = self.cron_snapshot()
        self.assertEqual(self.snapshot(), before, "the cron's night is undone")
        performed = self.job_night()
        by_jobs = self.snapshot()
        for table, rows in by_cron.items():
            self.assertEqual(by_jobs[table], rows, "%s differ" % table)
        # the night wrote something of every kind, so that the comparison means something
        self.assertEqual(len(by_cron["results"]) - len(before["results"]), 3 * 6,
                         "today's results of 3 rules x 6 users")
        for table in ("periods", "reminders", "findings", "finding periods", "messages"):
            self.assertGreater(len(by_cron[table]), len(before[table]), table)
        self.assertEqual(by_cron["team"], [(TODAY.replace(day=22),)], "last week reported")
        findings = self.env["kpi.discrepancy"].search([("rule_id", "in", self.rules.ids)])
        self.assertEqual(findings.rule_id, self.rules, "every rule has findings")
        reminded = self.env["kpi.result"].browse(self.env["mail.activity"].search(
            [("res_model", "=", "kpi.result")]).mapped("res_id"))
        self.assertEqual(reminded.rule_id, self.rules, "every rule has reminders")
        # through the jobs of every step: 3 rules x 3 batches of 2 users; the plan; the
        # weeks since the 2nd (2 rules), since the 9th (revenue), the month, the quarter and
        # the year of the 3 rules; the analysis of each rule; the team's report
        self.assertEqual(Counter(job.method_name for job in performed), {
            "_kpi_job_evaluate": 9, "_kpi_job_plan_periods": 1, "_kpi_job_store_periods": 5,
            "_kpi_job_analyse": 3, "_kpi_job_send_report": 1})
        self.assertEqual({job.channel for job in performed}, {
            "root.kpi.evaluate", "root.kpi.periods", "root.kpi.analysis", "root.kpi.reports"})

    def night_without_one(self, method):
        """The snapshot of the job path's night with the first job of ``method`` left out,
        undone afterwards."""
        left_out = []

        def skip_one(job):
            if job.method_name == method and not left_out:
                left_out.append(job)
            return job in left_out

        with self.undone():
            self.job_night(skip=skip_one)
            self.assertEqual(len(left_out), 1, method)
            return self.snapshot()

    def test_a_batch_left_out_is_seen(self):
        """The comparison sees a night that misses any one of its batches: the rows that batch
        writes differ."""
        by_cron = self.cron_snapshot()
        without = self.night_without_one("_kpi_job_evaluate")
        self.assertEqual(len(by_cron["results"]) - len(without["results"]), 2,
                         "the 2 users of the batch left out have no result today")
        for method, table in (("_kpi_job_store_periods", "periods"),
                              ("_kpi_job_analyse", "findings"),
                              ("_kpi_job_send_report", "messages")):
            self.assertNotEqual(by_cron[table], self.night_without_one(method)[table], method)
