import logging

from odoo import api, models
from odoo.addons.queue_job.exception import RetryableJobError

from .. import night

_logger = logging.getLogger(__name__)


class CrmTeam(models.Model):
    _inherit = "crm.team"

    @api.model
    def _cron_send_kpi_report_batches(self, team_ids, now):
        """The daily cron queues one job per team whose report is due (channel
        root.kpi.reports, side by side): a report reads the daily results of the period just
        ended, stored on its days, so it waits for no job of the night. A team's report of a
        period is queued once (:func:`night.report_key`).

        :return: 0: nothing is left for ``ir.cron``."""
        if not night.queue_enabled(self.env):
            return super()._cron_send_kpi_report_batches(team_ids, now)
        teams = self.sudo().browse(team_ids)
        keys = {}
        for team in teams:
            period = team._kpi_report_due_period(now)
            if period:
                keys[night.report_key(team.id, period[1])] = team
        queued = night.queued_keys(self.env, keys)
        jobs = [
            team.delayable(
                identity_key=key, max_retries=night.MAX_RETRIES,
                description=self.env._("KPI team report: %(team)s", team=team.name),
            )._kpi_job_send_report(now)
            for key, team in keys.items() if key not in queued]
        night.delay_stages(jobs)
        return 0

    def _kpi_job_send_report(self, now):
        """Job: this team's report due at ``now`` (``_kpi_report_send_due``: nothing when it
        was sent since). A failure is rolled back, logged and the job retried by queue_job
        (a failed job is shown in its Jobs view; a team has no rule to note it on)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                sent = self._kpi_report_send_due(now)
        except Exception as exc:
            if night.is_concurrency_error(exc):
                raise
            _logger.error("KPI team report job of %r (id %s) failed: %s", self.name, self.id,
                          exc, exc_info=exc)
            raise RetryableJobError(str(exc)) from exc
        return self.env._("Report sent") if sent else self.env._("Nothing to send")
