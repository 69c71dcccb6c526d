import logging

from odoo import api, models

_logger = logging.getLogger(__name__)


class IrCron(models.Model):
    _inherit = "ir.cron"

    @api.model
    def _kpi_commit_batches(self, batches, run, on_error, size=None, out_of_time=None):
        """The batch loop of the addon's daily jobs: ``run(batch)`` for each of ``batches`` in a
        savepoint of its own, committed one by one with :meth:`_commit_progress`, so that a job
        that crashes or runs out of time is finished by the next run.

        A batch that raises is rolled back to its savepoint and handed to
        ``on_error(batch, exc)`` (called in the ``except`` block: it may log the exception),
        which returns how many of its items count as processed; the other batches go on.

        :param size: ``size(batch)``, the number of items of a batch (1 by default)
        :param out_of_time: the message logged when time runs out (``%s``: the items left)
        :return: the number of items left for the next run because time ran out
        """
        size = size or (lambda _batch: 1)
        remaining = sum(size(batch) for batch in batches)
        self._commit_progress(remaining=remaining)
        for batch in batches:
            processed = size(batch)
            try:
                with self.env.cr.savepoint():
                    run(batch)
            except Exception as exc:  # noqa: BLE001 - one bad batch must not stop the others
                processed = on_error(batch, exc)
            remaining -= size(batch)
            if not self._commit_progress(processed, remaining=remaining):
                if out_of_time:
                    _logger.info(out_of_time, remaining)
                break
        return remaining
