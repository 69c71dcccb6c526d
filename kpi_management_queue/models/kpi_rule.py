import logging

from odoo import api, models
from odoo.addons.queue_job.exception import RetryableJobError

from .. import night

_logger = logging.getLogger(__name__)


class KpiRule(models.Model):
    _inherit = "kpi.rule"

    # ------------------------------------------------------------ evaluation
    @api.model
    def _cron_evaluate_batches(self, batches, now):
        """The hourly cron queues its evaluation batches as jobs (channel root.kpi.evaluate,
        side by side: a ``group``) instead of running them; a user already in an evaluation
        job that has not finished is left to it, and a batch whose identity key is queued is
        not queued again (:func:`night.evaluation_key`). The open reminders were synced by the
        cron before (``_cron_evaluate``).

        :return: 0: nothing is left for ``ir.cron``, the job queue has it all."""
        if not night.queue_enabled(self.env):
            return super()._cron_evaluate_batches(batches, now)
        queued_users = self._kpi_queued_evaluations()
        batches = [batch for batch in (
            batch._replace(user_ids=tuple(user for user in batch.user_ids
                                          if (batch.rule_id, user) not in queued_users))
            for batch in batches) if batch.user_ids]
        keys = {night.evaluation_key(batch, now): batch for batch in batches}
        queued_keys = night.queued_keys(self.env, keys)
        jobs = [
            self.browse(batch.rule_id).delayable(
                identity_key=key, max_retries=night.MAX_RETRIES,
                description=self.env._("KPI evaluation: %(rule)s, %(count)s users (%(first)s-%(last)s)",
                                       rule=self.browse(batch.rule_id).name, count=len(batch.user_ids),
                                       first=batch.user_ids[0], last=batch.user_ids[-1]),
            )._kpi_job_evaluate(list(batch.user_ids), now)
            for key, batch in keys.items() if key not in queued_keys
        ]
        queued = night.delay_stages(jobs)
        _logger.info("KPI nightly evaluation: %s batches queued (%s results)", queued,
                     sum(len(batch.user_ids) for key, batch in keys.items()
                         if key not in queued_keys))
        return 0

    @api.model
    def _kpi_queued_evaluations(self):
        """``{(rule_id, user_id)}`` of the evaluation jobs that have not finished (one query
        over their records and arguments)."""
        jobs = self.env["queue.job"].sudo().search_fetch(
            [("model_name", "=", self._name), ("method_name", "=", "_kpi_job_evaluate"),
             ("state", "in", list(night.NOT_DONE))], ["records", "args"])
        return {(rule_id, user_id) for job in jobs for rule_id in job.records.ids
                for user_id in (job.args[0] if job.args else ())}

    def _kpi_job_evaluate(self, user_ids, now):
        """Job: one batch of the nightly evaluation of this rule at ``now``
        (``kpi.rule._evaluate_batch``: the users of ``user_ids`` without a result for their
        today, and their reminders). A failure rolls the batch back, is noted on the rule and
        raises ``RetryableJobError``: queue_job runs it again later (:meth:`_kpi_job_failed`)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                result_ids = self._evaluate_batch(user_ids, now)
        except Exception as exc:
            self._kpi_job_failed(exc, "evaluation", count=len(user_ids))
        return self.env._("%(count)s results stored", count=len(result_ids))

    # --------------------------------------------------------- period scores
    def _kpi_job_store_periods(self, period_type, periods, now):
        """Job: one batch of period scores, these rules over ``periods`` of ``period_type``
        at ``now`` (``kpi.period.result._store_period_batch``: their daily results read once).
        A rule that fails is rolled back alone and queued again as a job of its own, which
        queue_job retries; the others are stored. When the batch is that one rule, or the
        batch fails as a whole, the failure is noted and the job retried
        (:meth:`_kpi_job_failed`)."""
        Period = self.env["kpi.period.result"]
        try:
            with self.env.cr.savepoint():
                _analyse, failed = Period._store_period_batch(period_type, periods, self.ids,
                                                              now)
        except Exception as exc:
            self._kpi_job_failed(exc, "periods", period_type=period_type)
        if failed and len(self) == 1:
            # the rule alone (logged with its traceback by _store_period_batch)
            self._kpi_job_failed(RuntimeError(failed[self.id]), "periods",
                                 period_type=period_type)
        for rule in self.browse(failed):
            rule._kpi_delay_periods(period_type, periods, now)
        return self.env._("%(stored)s rules stored, %(failed)s queued again alone",
                          stored=len(self) - len(failed), failed=len(failed))

    def _kpi_delay_periods(self, period_type, periods, now):
        """Queue the job of these rules' ``periods`` of ``period_type`` at ``now``
        (:meth:`_kpi_job_store_periods`), as a single job (a rule queued again alone).
        :return: the delayable, not yet delayed, or None when its key is queued already."""
        key = night.periods_key(period_type, periods, self.ids, now)
        if night.queued_keys(self.env, [key]):
            return None
        delayable = self._kpi_periods_delayable(period_type, periods, now, key)
        delayable.delay()
        return delayable

    def _kpi_periods_delayable(self, period_type, periods, now, key):
        label = self.env["kpi.period.result"]._period_type_label(period_type)
        return self.delayable(
            identity_key=key, max_retries=night.MAX_RETRIES,
            description=self.env._("KPI period scores: %(period)s %(first)s to %(last)s, %(count)s rules",
                                   period=label, first=periods[0][0], last=periods[-1][1],
                                   count=len(self)),
        )._kpi_job_store_periods(period_type, [list(bounds) for bounds in periods], now)

    # -------------------------------------------------------------- analysis
    def _kpi_job_analyse(self, now):
        """Job: the discrepancy analysis of this rule at ``now``, after its period scores
        (``kpi.discrepancy._analyse_batch``). A failure is noted and the job retried."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                findings = self.env["kpi.discrepancy"]._analyse_batch(self.id, now)
        except Exception as exc:
            self._kpi_job_failed(exc, "analysis")
        return self.env._("%(count)s findings opened or changed", count=len(findings))

    # --------------------------------------------------------------- failures
    def _kpi_job_failed(self, exc, step, count=0, period_type=None):
        """A job of the night failed on these rules (its work rolled back to its savepoint):
        log it, note it on the rules' chatter at the job's first attempt and at its last one
        (the note says what happens next), and raise ``RetryableJobError`` so that queue_job
        runs it again after the retry pattern's delay, or marks it failed after the last
        attempt. A concurrency error is raised as it is: queue_job retries it by itself."""
        if night.is_concurrency_error(exc):
            raise exc
        _logger.error("KPI %s job failed for rules %s: %s", step, self.ids, exc, exc_info=exc)
        attempt, max_retries = night.job_attempt(self.env)
        last = night.is_last_attempt(attempt, max_retries)
        if attempt == 1 or last:
            for rule in self:
                night.note_failure(rule, rule._kpi_job_failure_note(
                    step, str(exc), last, attempt, count=count, period_type=period_type))
        raise RetryableJobError(str(exc)) from exc

    def _kpi_job_failure_note(self, step, error, last, attempts, count=0, period_type=None):
        """The note of a failed job on this rule: what failed, and whether the job queue tries
        again or gave up (then the next run of the cron queues it again)."""
        period = (self.env["kpi.period.result"]._period_type_label(period_type)
                  if period_type else "")
        if step == "evaluation":
            if last:
                return self.env._("The nightly evaluation of this KPI failed for %(count)s users "
                                  "%(attempts)s times and the job queue gave up; the next hourly run "
                                  "queues them again: %(error)s",
                                  count=count, attempts=attempts, error=error)
            return self.env._("The nightly evaluation of this KPI failed for %(count)s users and is "
                              "retried by the job queue: %(error)s", count=count, error=error)
        if step == "periods":
            if last:
                return self.env._("The period scores of this KPI (%(period)s) failed %(attempts)s "
                                  "times and the job queue gave up; the next daily run computes them "
                                  "again: %(error)s", period=period, attempts=attempts, error=error)
            return self.env._("The period scores of this KPI (%(period)s) failed and are retried by "
                              "the job queue: %(error)s", period=period, error=error)
        if last:
            return self.env._("The discrepancy analysis of this KPI failed %(attempts)s times and the "
                              "job queue gave up; the next daily run analyses it again: %(error)s",
                              attempts=attempts, error=error)
        return self.env._("The discrepancy analysis of this KPI failed and is retried by the job "
                          "queue: %(error)s", error=error)
