import datetime

from odoo import models

from . import kpi_measure, kpi_scoring


class KpiRulePeriod(models.Model):
    """Measure a rule over a whole period (the bonus sheets of past-window rules)."""

    _inherit = "kpi.rule"

    def _measure_period(self, rows, date_from, date_to):
        """Compute (without storing) ``{user_id: (value, [ids])}`` over ``date_from ..
        date_to`` (both included) for ``rows`` ``[(user_id, partner_id, tz)]``, in ONE query.

        The sibling of ``_measure_rows`` with the window set to the period instead of the
        rule's N days: it starts at local midnight of ``date_from`` and ends at local midnight
        after ``date_to``, in each user's timezone. Meant for ``past`` windows (cumulative
        counts and sums); the evaluation day of the windows is the day after the period.
        """
        self.ensure_one()
        day_to = date_to + datetime.timedelta(days=1)
        windows = [
            kpi_measure.Window(
                user_id, partner_id, day_to, date_from, day_to,
                kpi_scoring.local_midnight_utc(date_from, tz),
                kpi_scoring.local_midnight_utc(day_to, tz),
            )
            for user_id, partner_id, tz in rows
        ]
        if not windows:
            return {}
        ctx = kpi_measure.MeasureContext(windows=windows, company_id=self.company_id.id or None)
        for model in ("crm.lead", "calendar.event", "calendar.attendee", "res.partner",
                      "mail.activity", "mail.message"):
            self.env[model].flush_model()
        if self.template_id.measure == "custom":
            self.env[self.template_id.model_id.model].flush_model()
        measured = kpi_measure.run_measure(self.env.cr, self.template_id._get_measure_query(ctx))
        return {w.user_id: measured.get(w.user_id, (0.0, [])) for w in windows}

    def _score_period(self, users, date_from, date_to):
        """``{user_id: (value, target, score, [ids])}``: this rule measured over the period
        for ``users`` and scored against each user's target (``_get_user_targets``). Users the
        rule does not apply to (profile, company) are left out."""
        self.ensure_one()
        rows = self._get_assignments(users).get(self.id, [])
        measured = self._measure_period(rows, date_from, date_to)
        targets = self._get_user_targets(list(measured))
        return {
            user_id: (value, targets[user_id],
                      kpi_scoring.compute_score(value, targets[user_id], self.direction), ids)
            for user_id, (value, ids) in measured.items()
        }

