import logging

from odoo import api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError

from .. import night

_logger = logging.getLogger(__name__)

#: the plan job waits for the evaluation jobs queued before it: it looks again after a tenth
#: of the time waited so far, within these bounds (seconds)
PLAN_WAIT = (10, 300)


class KpiPeriodResult(models.Model):
    _inherit = "kpi.period.result"

    @api.model
    def _cron_analyse(self):
        """The daily cron queues one job, the plan of the night's period scores and analysis
        (:meth:`_kpi_job_plan_periods`, channel root.kpi.periods): the periods to compute are
        listed once the evaluation jobs queued before it are done, not now.

        :return: 0: nothing is left for ``ir.cron``."""
        if not night.queue_enabled(self.env):
            return super()._cron_analyse()
        now = fields.Datetime.now()
        key = night.plan_key(now)
        if not night.queued_keys(self.env, [key]):
            self.delayable(
                identity_key=key, max_retries=night.MAX_RETRIES,
                description=self.env._("KPI period scores and analysis: plan of %(date)s",
                                       date=night.night_of(now)),
            )._kpi_job_plan_periods(now).delay()
        return 0

    @api.model
    def _kpi_job_plan_periods(self, now):
        """Job: the plan of the period scores and the discrepancy analysis of the run at
        ``now``. A period is scored after its days are evaluated: while an evaluation job
        queued before this one has not finished, this job is postponed (``RetryableJobError``
        without counting a retry; :data:`PLAN_WAIT`). Then it queues the period batches
        (``_period_batches``, channel root.kpi.periods) side by side, and after all of them
        (a ``chain``) the analysis of each rule whose analysis periods they store (channel
        root.kpi.analysis): the order of the cron, ``_cron_analyse_batches``. A batch whose
        identity key is queued already is not queued again."""
        # queued before this job (its creation; ``now`` out of a stored job)
        before = night.running_job(self.env).date_created or now
        waiting = self.env["queue.job"].sudo().search_count([
            ("model_name", "=", "kpi.rule"), ("method_name", "=", "_kpi_job_evaluate"),
            ("state", "in", list(night.NOT_DONE)), ("date_created", "<=", before)])
        if waiting:
            waited = (fields.Datetime.now() - now).total_seconds()
            raise RetryableJobError(
                "%s evaluation jobs queued before %s have not finished" % (waiting, now),
                seconds=int(min(max(waited / 10, PLAN_WAIT[0]), PLAN_WAIT[1])),
                ignore_retry=True)
        Rule = self.env["kpi.rule"].sudo()
        batches = self._period_batches(now)
        keys = {night.periods_key(*batch, now): batch for batch in batches}
        queued = night.queued_keys(self.env, keys)
        period_jobs = [
            Rule.browse(batch.rule_ids)._kpi_periods_delayable(batch.period_type,
                                                               batch.periods, now, key)
            for key, batch in keys.items() if key not in queued]
        # the rules whose analysis period is among the batches: analysed after all of them
        analyse = list(dict.fromkeys(
            rule.id for batch in batches for rule in Rule.browse(batch.rule_ids)
            if rule.analysis_period == batch.period_type))
        keys = {night.analysis_key(rule_id, now): rule_id for rule_id in analyse}
        queued = night.queued_keys(self.env, keys)
        analysis_jobs = [
            Rule.browse(rule_id).delayable(
                identity_key=key, max_retries=night.MAX_RETRIES,
                description=self.env._("KPI discrepancy analysis: %(rule)s",
                                       rule=Rule.browse(rule_id).name),
            )._kpi_job_analyse(now)
            for key, rule_id in keys.items() if key not in queued]
        count = night.delay_stages(period_jobs, analysis_jobs)
        _logger.info("KPI period scores: %s period batches and %s analyses queued",
                     len(period_jobs), len(analysis_jobs))
        return self.env._("%(count)s jobs queued: %(periods)s period batches, then %(analyses)s "
                          "analyses", count=count, periods=len(period_jobs),
                          analyses=len(analysis_jobs))
