import logging

from odoo import api, fields, models
from odoo.tools import format_date, formatLang

from ..tools import calendar, scoring, team_report
from .kpi_result import OFF_TRACK_STREAK_ALERT

_logger = logging.getLogger(__name__)

REPORT_FREQUENCY_SELECTION = [
    (team_report.FREQUENCY_OFF, "Off"),
    *calendar.selection_of(calendar.FREQUENCY_SELECTION, team_report.FREQUENCIES),
]

#: the mail template of the team report (see ``data/mail_template_data.xml``)
REPORT_TEMPLATE = "kpi_management.mail_template_kpi_team_report"
#: Team KPIs filtered on one team (needs the team as active_id)
REPORT_ACTION = "kpi_management.kpi_result_action_team_report"


class CrmTeam(models.Model):
    _inherit = "crm.team"

    kpi_report_frequency = fields.Selection(
        REPORT_FREQUENCY_SELECTION, string="KPI Report", required=True,
        default=team_report.FREQUENCY_OFF,
        help="The team leader receives the KPIs of the team by e-mail after each week (on "
        "Monday) or month (on the 1st), in their language and timezone.",
    )
    kpi_report_last_date = fields.Date(
        string="KPI Report Sent Up To", readonly=True, copy=False,
        help="Last day of the last period whose KPI report was sent: a period is never "
        "reported twice.",
    )

    # --------------------------------------------------------- business methods
    def _kpi_report_due_period(self, now=None):
        """``(first_day, last_day)`` of the period just ended in the leader's timezone when this
        team's report for it is due, else None (report off, no active leader, or sent)."""
        self.ensure_one()
        leader = self.user_id
        if self.kpi_report_frequency not in team_report.FREQUENCIES or not leader.active:
            return None
        today = scoring.local_today(leader.tz, now or fields.Datetime.now())
        period = calendar.last_period(today, self.kpi_report_frequency)
        if self.kpi_report_last_date and period[1] <= self.kpi_report_last_date:
            return None
        return period

    def _kpi_report_reader(self):
        """The leader's environment for ``kpi.result``: their rights (record rules, companies)
        and language."""
        self.ensure_one()
        leader = self.user_id
        return self.env["kpi.result"].with_user(leader).with_context(
            lang=leader.lang or "en_US", allowed_company_ids=leader.company_ids.ids)

    def _kpi_report_lines(self, period):
        """The :class:`~.team_report.ReportLine` of ``period``, read as the leader: the
        latest result of each KPI and member of the team dated in the period, with the score
        of the latest result of the same KPI and member in the previous period."""
        self.ensure_one()
        Result = self._kpi_report_reader()
        current = Result._latest_of([
            ("team_id", "=", self.id), ("date", ">=", period[0]), ("date", "<=", period[1]),
        ])
        if not current:
            return []
        previous_from, previous_to = calendar.previous_period(
            period[0], self.kpi_report_frequency)
        previous = Result._latest_of([
            ("rule_id", "in", current.rule_id.ids), ("user_id", "in", current.user_id.ids),
            ("date", ">=", previous_from), ("date", "<=", previous_to),
        ])
        previous_scores = {
            (result.rule_id.id, result.user_id.id):
                None if result.status == scoring.STATUS_NO_DATA else result.score
            for result in previous
        }
        status_labels = dict(Result._fields["status"]._description_selection(Result.env))
        current = current.sorted(lambda r: (r.rule_id.sequence, r.rule_id.name, r.rule_id.id))
        return [
            team_report.ReportLine(
                user_id=result.user_id.id,
                user_name=result.user_id.name,
                kpi=result.rule_id.name,
                value_display=result.value_display,
                status=result.status,
                status_label=status_labels.get(result.status, ""),
                score=None if result.status == scoring.STATUS_NO_DATA else result.score,
                off_track_streak=result.off_track_streak,
                pilot=result.pilot,
                previous_score=previous_scores.get((result.rule_id.id, result.user_id.id)),
            )
            for result in current
        ]

    def _kpi_report_url(self):
        """Absolute link to Team KPIs filtered on this team."""
        self.ensure_one()
        return "%s/odoo/crm.team/%s/action-%s" % (self.get_base_url(), self.id, REPORT_ACTION)

    def _kpi_report_render_values(self, report):
        """What the mail template shows besides ``object`` (the team), formatted in the
        leader's language."""
        self.ensure_one()
        env = self._kpi_report_reader().env

        def score(number):
            return "" if number is None else "%s\N{NARROW NO-BREAK SPACE}%%" % formatLang(
                env, number, digits=0)

        def trend(number):
            if number is None:
                return ""
            text = formatLang(env, abs(number), digits=0)
            if text == formatLang(env, 0, digits=0):
                return "="
            return ("+%s" if number > 0 else "\N{MINUS SIGN}%s") % text

        return {
            "report": report,
            "period_label": "%s \N{EN DASH} %s" % (format_date(env, report.date_from),
                                                   format_date(env, report.date_to)),
            "format_score": score,
            "format_trend": trend,
            "team_kpis_url": self._kpi_report_url(),
            "streak_alert": OFF_TRACK_STREAK_ALERT,
        }

    def _kpi_report_send(self, period):
        """Send this team's report of ``period`` to its leader and log it on the team; mark the
        period as reported (in the same transaction). Nothing is sent when the leader reads no
        result of the team in the period.

        The report goes to the leader alone (a notification only they can read, by e-mail or
        in their Odoo inbox as they chose): its figures are read with their rights, and the
        team's chatter is open to every salesperson. The chatter logs that it was sent.

        :return: the report's message, or None
        """
        self.ensure_one()
        leader = self.user_id
        if not self._kpi_report_reader().has_access("read"):
            return None
        lines = self._kpi_report_lines(period)
        if not lines:
            _logger.info("KPI team report of %s for %s: nothing to report", self.name, period)
            return None
        report = team_report.build_team_report(period[0], period[1], lines)
        values = self._kpi_report_render_values(report)
        lang = leader.lang or "en_US"
        template = self.env.ref(REPORT_TEMPLATE).with_context(
            lang=lang, kpi_report_period=values["period_label"])
        subject = template._render_field("subject", self.ids, set_lang=lang,
                                         add_context=values)[self.id]
        body = template._render_field("body_html", self.ids, set_lang=lang,
                                      add_context=values)[self.id]
        message = self.message_notify(
            partner_ids=leader.partner_id.ids, subject=subject, body=body,
            email_layout_xmlid="mail.mail_notification_light", force_send=False,
        )
        team = self.with_context(lang=lang)
        team.message_post(
            body=team.env._("%(subject)s: sent to %(leader)s.", subject=subject,
                            leader=leader.name),
            subtype_xmlid="mail.mt_note",
        )
        self.sudo().kpi_report_last_date = period[1]
        return message

    def _kpi_report_send_due(self, now=None):
        """Send the due report of each team of ``self``: ``{team: message}`` of those sent."""
        sent = {}
        for team in self:
            period = team._kpi_report_due_period(now)
            if period and (message := team._kpi_report_send(period)):
                sent[team] = message
        return sent

    # -------------------------------------------------------------- daily job
    @api.model
    def _cron_send_kpi_reports(self):
        """Daily job: send the reports due (see :meth:`_kpi_report_due_period`), one team per
        batch (:meth:`_cron_send_kpi_report_batches`). A run after the reports went out sends
        nothing."""
        now = fields.Datetime.now()
        teams = self.sudo().search([
            ("kpi_report_frequency", "in", list(team_report.FREQUENCIES)),
            ("user_id", "!=", False),
        ])
        due = teams.filtered(lambda team: team._kpi_report_due_period(now))
        return self._cron_send_kpi_report_batches(due.ids, now)

    @api.model
    def _cron_send_kpi_report_batches(self, team_ids, now):
        """Send the due report of each team of ``team_ids`` at ``now`` (one batch per team:
        :meth:`_kpi_report_send_due`, which sends nothing for a team reported since), one
        commit each (``ir.cron._kpi_commit_batches``). A team whose report fails is rolled back
        to its savepoint, logged, and tried again at the next run. The addon
        kpi_management_queue queues them as jobs instead.

        :return: the number of teams left for the next run because time ran out."""

        def log_failure(team, _exc):
            _logger.exception("KPI team report of %r (id %s) failed; retried at the next run",
                              team.name, team.id)
            return 0

        return self.env["ir.cron"]._kpi_commit_batches(
            self.sudo().browse(team_ids), lambda team: team._kpi_report_send_due(now),
            log_failure, out_of_time="KPI team reports: out of time, %s teams left")
