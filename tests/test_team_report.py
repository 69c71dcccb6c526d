"""The team report by e-mail (issue 11) and the KPI figures of Odoo's digest.

The clock is on Monday 23 November 2026: the weekly report due covers Monday 16 - Sunday 22
November, the previous one 9 - 15 November. The team (leader ``manager``, Danish) has:

* salesman: meetings planned off track on 20, 21 and 22 November (streak 3, score 40; 50 on
  15 November: trend -10), won revenue reached (110; 100 on 15 November: trend +10);
* salesman2: meetings planned reached (100), won revenue with nothing to measure, and the
  pilot "overdue activities" off track 5 times in a row with a score of 0 (shown, not counted);
* kam: left the team; his result of 22 November still carries the team, but the leader's
  record rules no longer let him read it (it must not be in the report).

Counted, as the leader: (40 + 110 + 100) / 3 = 83.3, one person off track.
"""

import datetime
from unittest import mock

import pytest
from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.models.crm_team import REPORT_ACTION
from odoo.addons.kpi_management.tools import team_report
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import NOW, TZ, KpiCase, load_danish

D = datetime.date


def test_totals_leave_pilot_lines_out():
    def line(user, score, status, pilot=False, streak=0, previous=None):
        return team_report.ReportLine(user, "u%s" % user, "k", "", status, status, score,
                                          streak, pilot, previous)

    report = team_report.build_team_report(D(2026, 11, 16), D(2026, 11, 22), [
        line(1, 40.0, "off_track", streak=3, previous=50.0),
        line(1, 110.0, "reached", previous=None),
        line(2, None, "no_data"),
        line(2, 0.0, "off_track", pilot=True, streak=5),
        line(3, 70.0, "off_track", streak=1),
    ])
    assert report.average == pytest.approx((40 + 110 + 70) / 3)
    assert report.off_track_count == 2
    assert [(r.user_id, r.off_track_streak) for r in report.off_track_lines] == [(1, 3), (3, 1)]
    assert [r.trend for r in report.members[0].lines] == [-10.0, None]


# ------------------------------------------------------------------ the report
class TeamReportCase(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_danish(cls.env)
        cls.manager.write({"lang": "da_DK", "email": "leader@example.com"})
        cls.team.write({
            "kpi_report_frequency": "week",
            "crm_team_member_ids": [Command.create({"user_id": cls.salesman2.id})],
        })
        cls.other_company = cls.env["res.company"].create({"name": "KPI other company"})
        cls.meetings = cls.make_rule("meetings_planned", name="Meetings planned", target=10,
                                     window_days=14)
        cls.revenue = cls.make_rule("won_revenue", name="Won revenue", target=150000,
                                    window_days=30)
        cls.overdue = cls.make_rule("overdue_activities", name="Overdue activities",
                                    pilot=True, target=0)
        cls.results = {}
        for key, rule, user, day, value, target, score, status, streak, extra in [
            ("m20", cls.meetings, cls.salesman, 20, 4, 10, 40, "off_track", 1, {}),
            ("m21", cls.meetings, cls.salesman, 21, 4, 10, 40, "off_track", 2, {}),
            ("m22", cls.meetings, cls.salesman, 22, 4, 10, 40, "off_track", 3, {}),
            ("m15", cls.meetings, cls.salesman, 15, 5, 10, 50, "warning", 0, {}),
            ("r22", cls.revenue, cls.salesman, 22, 165000, 150000, 110, "reached", 0, {}),
            ("r15", cls.revenue, cls.salesman, 15, 150000, 150000, 100, "reached", 0, {}),
            ("m22b", cls.meetings, cls.salesman2, 22, 10, 10, 100, "reached", 0, {}),
            ("r22b", cls.revenue, cls.salesman2, 22, False, 150000, False, "no_data", 0, {}),
            ("o22b", cls.overdue, cls.salesman2, 22, 3, 0, 0, "off_track", 5, {}),
            # left the team; a rule without company: the result belongs to his company
            ("m22k", cls.meetings, cls.kam, 22, 2, 10, 20, "off_track", 1,
             {"company_id": False}),
            # another company's result
            ("m19o", cls.meetings, cls.salesman2, 19, 1, 10, 10, "off_track", 1,
             {"company_id": cls.other_company.id}),
        ]:
            cls.results[key] = cls.env["kpi.result"].create({
                "rule_id": rule.id, "user_id": user.id, "date": D(2026, 11, day),
                "value": value, "target": target, "score": score, "status": status,
                "off_track_streak": streak, "team_id": cls.team.id,
                "company_id": cls.company.id, "pilot": rule.pilot, **extra,
            })

    def report_mails(self, team=None):
        team = team or self.team
        return self.env["mail.mail"].search([("model", "=", "crm.team"),
                                             ("res_id", "=", team.id)])

    def sent_notes(self, team=None):
        team = team or self.team
        return self.env["mail.message"].search([
            ("model", "=", "crm.team"), ("res_id", "=", team.id),
            ("subtype_id", "=", self.env.ref("mail.mt_note").id),
            ("message_type", "!=", "user_notification"),
        ])

    def run_cron(self):
        """The daily job, its commits left out (TransactionCase)."""
        IrCron = type(self.env["ir.cron"])
        with mock.patch.object(IrCron, "_commit_progress", autospec=True,
                               return_value=float("inf")):
            self.env["crm.team"]._cron_send_kpi_reports()


@freeze_time(NOW)
class TestTeamReport(TeamReportCase):
    def test_report_as_the_danish_leader(self):
        self.run_cron()
        [mail] = self.report_mails()
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, self.manager.partner_id)
        message = mail.mail_message_id
        self.assertEqual(message.message_type, "user_notification")
        # the period in the leader's language (Danish dates: 16.11.2026)
        self.assertIn("16.11.2026", message.subject)
        self.assertIn("22.11.2026", message.subject)
        self.assertIn(self.team.name, message.subject)
        body = str(message.body)
        self.assertIn("16.11.2026", body)
        # the members, their KPIs, the streak of 3, the trends; Danish numbers and statuses
        for text in (self.salesman.name, self.salesman2.name, "Meetings planned",
                     "Won revenue", "Overdue activities", "165.000", "Ikke på sporet",
                     "\N{MINUS SIGN}10", "+10"):
            self.assertIn(text, body)
        self.assertIn('<span class="o_kpi_report_streak">3</span>', body)
        # the team average of the counted results (83,3 -> 83 %), one person off track
        self.assertRegex(body, r'class="o_kpi_report_average">83\N{NARROW NO-BREAK SPACE}%<')
        self.assertIn('class="o_kpi_report_off_track">1<', body)
        # the pilot is marked and left out of the totals
        self.assertIn("(pilot)", body)
        # the link to Team KPIs of the team, absolute
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        self.assertIn('href="%s/odoo/crm.team/%s/action-%s"' % (base_url, self.team.id,
                                                               REPORT_ACTION), body)
        self.assertTrue(self.env.ref(REPORT_ACTION))
        # the leader's record rules: kam left the team, his result is not in the report
        self.assertNotIn(self.kam.name, body)
        # the template's own words in Danish (da.po translates its body as one term, as Odoo
        # translates mail templates)
        self.assertIn("Teamets gennemsnitlige score", body)
        self.assertIn("gange i træk", body)
        for english in ("Team average score", "People off track", "Open Team KPIs"):
            self.assertNotIn(english, body)
        # logged on the team; the period is marked as reported
        self.assertEqual(len(self.sent_notes()), 1)
        self.assertIn(self.manager.name, str(self.sent_notes().body))
        self.assertEqual(self.team.kpi_report_last_date, D(2026, 11, 22))

    def test_report_lines_read_as_the_leader(self):
        period = self.team._kpi_report_due_period()
        self.assertEqual(period, (D(2026, 11, 16), D(2026, 11, 22)))
        lines = self.team._kpi_report_lines(period)
        self.assertEqual({line.user_id for line in lines}, {self.salesman.id,
                                                            self.salesman2.id})
        report = team_report.build_team_report(*period, lines)
        self.assertAlmostEqual(report.average, (40 + 110 + 100) / 3)
        self.assertEqual(report.off_track_count, 1)
        [off] = report.off_track_lines
        self.assertEqual((off.user_id, off.kpi, off.off_track_streak, off.trend),
                         (self.salesman.id, "Meetings planned", 3, -10.0))
        pilot = next(line for line in lines if line.pilot)
        self.assertEqual((pilot.kpi, pilot.off_track_streak), ("Overdue activities", 5))
        # a KPI administrator reads kam's result too: the rules are the reader's
        self.team.user_id = self.kpi_admin
        self.assertIn(self.kam.id, {line.user_id for line in self.team._kpi_report_lines(period)})

    def test_only_the_leader_reads_the_report(self):
        self.team.message_subscribe(partner_ids=self.salesman.partner_id.ids)
        self.run_cron()
        report = self.report_mails().mail_message_id
        Message = self.env["mail.message"]
        self.assertEqual(Message.with_user(self.manager).search([("id", "=", report.id)]),
                         report)
        # a member (follower of the team) neither receives it nor finds it on the team
        self.assertFalse(Message.with_user(self.salesman).search([("id", "=", report.id)]))
        with self.assertRaises(AccessError):
            report.with_user(self.salesman).read(["body"])
        self.assertEqual(self.report_mails().recipient_ids, self.manager.partner_id)
        self.assertNotIn(report, self.team.with_user(self.salesman).message_ids)
        self.assertNotIn("Ikke på sporet", str(self.sent_notes().body))

    def test_never_twice_for_a_period(self):
        self.run_cron()
        self.run_cron()
        self.assertEqual(len(self.report_mails()), 1)
        self.assertEqual(len(self.sent_notes()), 1)
        # later the same week, still nothing
        with freeze_time(NOW + datetime.timedelta(days=3)):
            self.run_cron()
        self.assertEqual(len(self.report_mails()), 1)
        # the next Monday, the week of 23 - 29 November
        self.env["kpi.result"].create({
            "rule_id": self.meetings.id, "user_id": self.salesman.id, "date": D(2026, 11, 29),
            "value": 8, "target": 10, "score": 80, "status": "warning",
            "team_id": self.team.id, "company_id": self.company.id})
        with freeze_time(NOW + datetime.timedelta(days=7)):
            self.run_cron()
            self.run_cron()
        self.assertEqual(len(self.report_mails()), 2)
        self.assertEqual(self.team.kpi_report_last_date, D(2026, 11, 29))

    def test_off_by_default_and_without_leader(self):
        team = self.env["crm.team"].create({"name": "New team", "user_id": self.manager.id})
        self.assertEqual(team.kpi_report_frequency, "off")
        self.team.kpi_report_frequency = "off"
        self.run_cron()
        self.assertFalse(self.report_mails())
        self.assertFalse(self.team.kpi_report_last_date)
        # on, but the leader is archived
        self.team.kpi_report_frequency = "week"
        self.manager.active = False
        self.run_cron()
        self.assertFalse(self.report_mails())
        self.assertFalse(self.sent_notes())

    def test_monthly_and_the_leaders_timezone(self):
        self.team.kpi_report_frequency = "month"
        self.assertEqual(self.team._kpi_report_due_period(),
                         (D(2026, 10, 1), D(2026, 10, 31)))
        self.team.kpi_report_frequency = "week"
        # Monday 00:30 in Copenhagen, still Sunday in UTC
        sunday_night = datetime.datetime(2026, 11, 22, 23, 30)
        self.assertEqual(self.team._kpi_report_due_period(sunday_night),
                         (D(2026, 11, 16), D(2026, 11, 22)))
        self.manager.tz = "UTC"
        self.assertEqual(self.team._kpi_report_due_period(sunday_night),
                         (D(2026, 11, 9), D(2026, 11, 15)))


# ------------------------------------------------------------------ digest
@freeze_time(NOW)
class TestDigest(TeamReportCase):
    """Last 24 hours: 22 November; last 7 days: 16 - 22 November (the digest's timeframes at
    10:00 UTC on 23 November)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kpi_admin.company_ids |= cls.other_company
        cls.digest = cls.env["digest.digest"].create({
            "name": "KPI digest", "company_id": cls.company.id,
            "kpi_kpi_average_score": True, "kpi_kpi_off_track": True,
        })

    def kpis(self, user, company=None):
        company = company or self.company
        self.digest.company_id = company
        return {kpi["kpi_name"]: (kpi["kpi_col1"]["value"], kpi["kpi_col2"]["value"])
                for kpi in self.digest._compute_kpis(company, user)}

    def test_company_figures_for_a_kpi_administrator(self):
        kpis = self.kpis(self.kpi_admin)
        # 22 Nov: 40, 110, 100, 20 (kam's result has no company: his); pilot and no data out
        # 16-22 Nov: 40 x 3, 110, 100, 20; the other company's result out
        self.assertEqual(kpis["kpi_kpi_average_score"], ("67.50", "%.2f" % (350 / 6)))
        # salesman and kam off track at the end; salesman2's pilot does not count
        self.assertEqual(kpis["kpi_kpi_off_track"], (2, 2))
        other = self.kpis(self.kpi_admin, self.other_company)
        self.assertEqual(other["kpi_kpi_average_score"], ("0.00", "10.00"))
        self.assertEqual(other["kpi_kpi_off_track"], (0, 1))

    def test_team_manager_sees_his_teams_and_salespeople_nothing(self):
        kpis = self.kpis(self.manager)
        self.assertEqual(kpis["kpi_kpi_average_score"], ("83.33", "66.00"))
        self.assertEqual(kpis["kpi_kpi_off_track"], (1, 1))
        self.assertNotIn("kpi_kpi_average_score", self.kpis(self.salesman))
        self.assertNotIn("kpi_kpi_off_track", self.kpis(self.salesman))

    def test_digest_form_shows_the_kpis_to_kpi_managers(self):
        sales_admin = new_test_user(
            self.env, login="kpi_t_sales_admin", tz=TZ,
            groups="base.group_erp_manager,kpi_management.group_kpi_manager")
        arch = self.env["digest.digest"].with_user(sales_admin).get_view(
            self.env.ref("digest.digest_digest_view_form").id)["arch"]
        self.assertIn('name="kpi_kpi_average_score"', arch)
        self.assertIn('name="kpi_kpi_off_track"', arch)
