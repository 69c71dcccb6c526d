"""The jobs of the night: their channels and retries, identity keys, the plan's wait for the
evaluation, a failure noted on the rule and retried, and who may call them."""

from freezegun import freeze_time

from odoo.addons.kpi_management_queue import night
from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.job import DONE, WAIT_DEPENDENCIES, Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError
from odoo.service.model import get_public_method
from odoo.tools import SQL, mute_logger

from .common import NOW, TODAY, NightCase

#: each job method of the night and its channel
JOB_METHODS = {
    ("kpi.rule", "_kpi_job_evaluate"): "root.kpi.evaluate",
    ("kpi.period.result", "_kpi_job_plan_periods"): "root.kpi.periods",
    ("kpi.rule", "_kpi_job_store_periods"): "root.kpi.periods",
    ("kpi.rule", "_kpi_job_analyse"): "root.kpi.analysis",
    ("crm.team", "_kpi_job_send_report"): "root.kpi.reports",
}
LOGGER = "odoo.addons.kpi_management_queue.models.kpi_rule"


@freeze_time(NOW)
class TestJobs(NightCase):
    def jobs(self, method=None):
        domain = [("model_name", "in", ["kpi.rule", "kpi.period.result", "crm.team"])]
        if method:
            domain.append(("method_name", "=", method))
        return self.env["queue.job"].search(domain, order="id")

    def notes(self, rule):
        """The notes on ``rule``'s chatter, read from the database (a failed job posts them
        from a cursor of its own)."""
        return self.env["mail.message"].search([
            ("model", "=", "kpi.rule"), ("res_id", "=", rule.id),
            ("subtype_id", "=", self.env.ref("mail.mt_note").id)], order="id").mapped("body")

    def raised(self, exception, function):
        """The ``exception`` that ``function()`` raises. Not ``assertRaises``: it runs the block
        in a savepoint rolled back on the exception, which would take the failure note with it
        (posted from a cursor of its own, which the registry's test mode nests in the test's
        transaction)."""
        try:
            function()
        except exception as caught:
            return caught
        self.fail("%s not raised" % exception.__name__)

    def break_rule(self, rule):
        """A window of 1,000,000 days, written in SQL (the constraint refuses it): every
        evaluation of the rule fails."""
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE kpi_rule SET window_days = 1000000 WHERE id = %s",
                                rule.id))
        rule.invalidate_recordset(["window_days"])

    # ------------------------------------------------------------- configuration
    def test_each_job_method_on_its_channel_with_a_retry_pattern(self):
        Function = self.env["queue.job.function"]
        for (model, method), channel in JOB_METHODS.items():
            config = Function.job_config(Function.job_function_name(model, method))
            self.assertEqual(config.channel, channel, method)
            self.assertEqual(config.retry_pattern, {1: 60, 2: 300, 3: 900, 4: 3600}, method)
        # the backoff: a job failed once waits a minute, four times an hour
        job = Job(self.rules[0]._kpi_job_evaluate, args=([1], NOW))
        waits = []
        for job.retry in range(1, 5):
            waits.append(job._get_retry_seconds())
        self.assertEqual(waits, [60, 300, 900, 3600])

    def test_job_methods_cannot_be_called_remotely(self):
        """The job methods are private: no RPC reaches them (JSON-2, JSON-RPC, XML-RPC all go
        through get_public_method), and a salesperson cannot read or make jobs."""
        for (model, method) in JOB_METHODS:
            with self.assertRaises(AccessError):
                get_public_method(self.env[model], method)
        salesman = self.users[0]
        with self.assertRaises(AccessError):
            self.env["queue.job"].with_user(salesman).search([])
        with self.assertRaises(AccessError):
            self.env["queue.job"].with_user(salesman).create({"uuid": "x", "state": "pending"})

    # ------------------------------------------------------------ queue or not
    def test_turned_off_the_crons_run_their_batches(self):
        self.set_queue(False)
        self.cron_night()
        self.assertFalse(self.jobs())
        self.assertEqual(self.env["kpi.result"].search_count(
            [("rule_id", "in", self.rules.ids), ("date", "=", TODAY)]), 18)

    def test_the_crons_only_queue(self):
        self.set_queue(True)
        env = self.cron_env
        self.assertEqual(env["kpi.rule"]._cron_evaluate(batch_size=2), 0)
        self.assertEqual(env["kpi.period.result"]._cron_analyse(), 0)
        self.assertEqual(env["crm.team"]._cron_send_kpi_reports(), 0)
        self.assertFalse(self.env["kpi.result"].search_count(
            [("rule_id", "in", self.rules.ids), ("date", "=", TODAY)]), "nothing computed")
        self.assertEqual(len(self.jobs("_kpi_job_evaluate")), 9)
        self.assertEqual(len(self.jobs("_kpi_job_plan_periods")), 1)
        self.assertEqual(len(self.jobs("_kpi_job_send_report")), 1)
        evaluation = self.jobs("_kpi_job_evaluate").filtered(
            lambda job: job.identity_key == "kpi.evaluate:2026-11-23:%s:%s-%s" % (
                self.rules[0].id, self.users[0].id, self.users[1].id))
        self.assertEqual(evaluation.records, self.rules[0])
        self.assertEqual(tuple(evaluation.args), (self.users[:2].ids, NOW))
        self.assertEqual(evaluation.channel, "root.kpi.evaluate")

    # --------------------------------------------------------------- identity
    def test_a_batch_is_never_queued_twice(self):
        """The hourly cron again, while the night's jobs wait: nothing new. A user already in
        an evaluation job that has not finished is not queued again, even in another slice
        (one of them gave up: only they are queued again); the plan of the day and a team's
        report of a period are queued once."""
        self.set_queue(True)
        env = self.cron_env
        for _run in range(2):
            env["kpi.rule"]._cron_evaluate(batch_size=2)
            env["kpi.period.result"]._cron_analyse()
            env["crm.team"]._cron_send_kpi_reports()
        self.assertEqual(len(self.jobs("_kpi_job_evaluate")), 9)
        self.assertEqual(len(self.jobs("_kpi_job_plan_periods")), 1)
        self.assertEqual(len(self.jobs("_kpi_job_send_report")), 1)
        # slices of 4 users now: the users stay in the jobs they are in
        env["kpi.rule"]._cron_evaluate(batch_size=4)
        self.assertEqual(len(self.jobs("_kpi_job_evaluate")), 9)
        # the first batch failed for good: its 2 users alone are queued again
        first = self.jobs("_kpi_job_evaluate")[0]
        first.write({"state": "failed"})
        env["kpi.rule"]._cron_evaluate(batch_size=4)
        again = self.jobs("_kpi_job_evaluate")[9:]
        self.assertEqual(len(again), 1)
        self.assertEqual((again.records, again.args[0]), (first.records, first.args[0]))
        self.assertEqual(again.identity_key, first.identity_key,
                         "the same batch, queued again once the first gave up")

    # ----------------------------------------------------------------- the plan
    def test_periods_are_planned_after_the_evaluation_jobs(self):
        self.set_queue(True)
        env = self.cron_env
        env["kpi.rule"]._cron_evaluate(batch_size=2)
        env["kpi.period.result"]._cron_analyse()
        plan = self.jobs("_kpi_job_plan_periods")
        with self.assertRaises(RetryableJobError) as wait:
            Job.load(self.env, plan.uuid).perform()
        self.assertTrue(wait.exception.ignore_retry, "waiting is not a failure")
        self.assertEqual(wait.exception.seconds, 10)
        self.assertFalse(self.jobs("_kpi_job_store_periods"))
        # the evaluation jobs ran
        for job in self.jobs("_kpi_job_evaluate"):
            Job.load(self.env, job.uuid).perform()
            job.state = DONE
        Job.load(self.env, plan.uuid).perform()
        periods, analyses = self.jobs("_kpi_job_store_periods"), self.jobs("_kpi_job_analyse")
        self.assertEqual((len(periods), len(analyses)), (5, 3))
        self.assertEqual(set(periods.mapped("channel")), {"root.kpi.periods"})
        self.assertEqual(set(analyses.mapped("channel")), {"root.kpi.analysis"})
        # a chain: the period batches side by side, each analysis after all of them
        self.assertEqual(set(periods.mapped("state")), {"pending"})
        self.assertEqual(set(analyses.mapped("state")), {WAIT_DEPENDENCIES})
        for analysis in analyses:
            self.assertEqual(analysis.dependency_ids, periods)
        self.assertEqual(len(set((periods | analyses).mapped("graph_uuid"))), 1)
        self.assertEqual(self.env["kpi.rule"].union(*analyses.mapped("records")), self.rules)

    # ---------------------------------------------------------------- failures
    @mute_logger(LOGGER, "odoo.addons.kpi_management.models.kpi_period_result")
    def test_a_failing_batch_is_noted_on_the_rule_and_retried(self):
        broken, working = self.rules[0], self.rules[1]
        self.break_rule(broken)
        self.set_queue(True)
        with trap_jobs() as trap:
            self.cron_env["kpi.rule"]._cron_evaluate(batch_size=2)
            failed = []
            for job in trap.enqueued_jobs:
                try:
                    job.perform()
                except RetryableJobError:  # not assertRaises: see raised()
                    failed.append(job)
        self.assertEqual({job.recordset for job in failed}, {broken})
        self.assertEqual(len(failed), 3, "its 3 batches fail")
        results = self.env["kpi.result"].search([("date", "=", TODAY)])
        self.assertEqual(results.rule_id, self.rules - broken, "a failed batch is rolled back")
        notes = self.notes(broken)
        self.assertEqual(len(notes), 3, "one note per batch at its first attempt")
        self.assertIn("failed for 2 users and is retried by the job queue", notes[0])
        self.assertIn("3660", notes[0])
        self.assertFalse(self.notes(working))

    @mute_logger(LOGGER)
    def test_a_batch_failing_at_its_last_attempt_is_noted_as_given_up(self):
        broken = self.rules[0]
        self.break_rule(broken)
        self.set_queue(True)
        self.cron_env["kpi.rule"]._cron_evaluate(batch_size=2)
        record = self.jobs("_kpi_job_evaluate").filtered(lambda j: j.records == broken)[0]
        # a middle attempt: logged and retried, not noted again
        record.retry = 2
        self.raised(RetryableJobError, Job.load(self.env, record.uuid).perform)
        self.assertFalse(self.notes(broken))
        # the last one: queue_job turns it into a failure, the rule says so
        record.retry = night.MAX_RETRIES - 1
        self.raised(FailedJobError, Job.load(self.env, record.uuid).perform)
        notes = self.notes(broken)
        self.assertEqual(len(notes), 1)
        self.assertIn("failed for 2 users 5 times and the job queue gave up; the next hourly "
                      "run queues them again", notes[0])

    @mute_logger(LOGGER, "odoo.addons.kpi_management.models.kpi_period_result")
    def test_a_rule_failing_in_a_period_batch_is_queued_again_alone(self):
        """The others of its batch are stored; the rule alone is queued again, and that job
        is noted and retried when it fails."""
        self.job_night()
        Period = self.env["kpi.period.result"]
        broken = self.rules[1]
        store = type(Period)._store_periods

        def store_or_fail(model, rule, *args, **kwargs):
            if rule == broken:
                raise ValueError("a broken rule")
            return store(model, rule, *args, **kwargs)

        self.patch(type(Period), "_store_periods", store_or_fail)
        month = [(TODAY.replace(day=1), TODAY.replace(day=30))]
        Period.search([("period_type", "=", "month")]).unlink()
        with trap_jobs() as trap:
            self.rules._kpi_job_store_periods("month", month, NOW)
            self.assertEqual(Period.search([("period_type", "=", "month")]).rule_id,
                             self.rules - broken)
            self.assertEqual(len(trap.enqueued_jobs), 1)
            alone = trap.enqueued_jobs[0]
            self.assertEqual(alone.recordset, broken)
            self.assertEqual(alone.identity_key, night.periods_key(
                "month", month, broken.ids, NOW))
            self.assertFalse(self.notes(broken), "the job alone notes its failure")
            self.raised(RetryableJobError, alone.perform)
        notes = self.notes(broken)
        self.assertEqual(len(notes), 1)
        self.assertIn("The period scores of this KPI (Month) failed and are retried by the job "
                      "queue: a broken rule", notes[0])
