"""Discrepancy analysis (``kpi.discrepancy``): KPIs below target for N consecutive periods,
the team's figures and a suggested target, the working group's review, and who sees what.

The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen (the users' timezone).
"""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.tools import calendar, period_scores
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .common import NOW, TODAY, TZ, KpiCase, local

D = datetime.date


@freeze_time(NOW)
class DiscrepancyCase(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Period = cls.env["kpi.period.result"]
        cls.Finding = cls.env["kpi.discrepancy"]
        cls.salesman3 = cls._user("kpi_t_salesman3", cls.profile_sales)
        cls.team.crm_team_member_ids = [Command.create({"user_id": cls.salesman2.id}),
                                        Command.create({"user_id": cls.salesman3.id})]
        cls.rule = cls.make_rule("won_deals", target=10, window_days=30)
        cls.cause = cls.env.ref("kpi_management.kpi_discrepancy_cause_leads")

    @classmethod
    def _other_team(cls):
        """Another manager's team, with a salesperson of the same profile (the outsider)."""
        cls.other_manager = new_test_user(
            cls.env, login="kpi_t_manager2", tz=TZ,
            groups="sales_team.group_sale_salesman_all_leads,kpi_management.group_kpi_manager")
        cls.outsider = cls._user("kpi_t_outsider", cls.profile_sales)
        cls.env["crm.team"].create({
            "name": "Other team", "user_id": cls.other_manager.id,
            "crm_team_member_ids": [Command.create({"user_id": cls.outsider.id})]})

    def month(self, user, first, value, target=10.0, team=None, closed=True):
        """A stored month score of ``self.rule`` (``value`` None: nothing to measure)."""
        last = calendar.periods_between(first, first, "month")[0][1]
        score, status = self.rule._score(value or 0.0, target, value is not None)
        return self.Period.create({
            "rule_id": self.rule.id, "user_id": user.id, "period_type": "month",
            "date_from": first, "date_to": last, "closed": closed, "method": "period",
            "value": value, "target": target, "score": score, "status": status,
            "team_id": (team or self.team).id,
        })

    def suggest_again(self, finding):
        """Compute the finding's figures again from its periods (as the analysis does)."""
        finding.with_context(lang="en_US")._set_periods([{
            "id": line.period_result_id.id, "user_id": finding.user_id.id,
            "team_id": finding.team_id.id, "date_from": line.date_from,
            "date_to": line.date_to, "value": line.value, "target": line.target,
            "score": line.score, "status": line.status, "pilot": False}
            for line in finding.line_ids], self.rule)
        self.env.invalidate_all()

    def findings(self, user=None, rule=None):
        domain = [("rule_id", "=", (rule or self.rule).id)]
        if user:
            domain.append(("user_id", "=", user.id))
        return self.Finding.search(domain, order="id")


class TestDetection(DiscrepancyCase):
    def test_consecutive_months_across_the_year_boundary(self):
        for first, value in ((D(2025, 11, 1), 4.0), (D(2025, 12, 1), 6.0),
                             (D(2026, 1, 1), 9.0)):
            self.month(self.salesman, first, value)
        self.Finding._analyse(self.rule)
        finding = self.findings(self.salesman)
        self.assertEqual(len(finding), 1)
        self.assertEqual((finding.date_from, finding.date_to, finding.period_count),
                         (D(2025, 11, 1), D(2026, 1, 31), 3))
        self.assertEqual(finding.line_ids.mapped("value"), [4, 6, 9])
        self.assertEqual(finding.line_ids.mapped("target"), [10, 10, 10])
        self.assertEqual(finding.periods_display, "November 2025 – January 2026")
        self.assertEqual(finding.state, "open")
        self.assertEqual(finding.average_score, (40 + 60 + 90) / 3)

    def test_fewer_than_n_periods_or_a_gap_is_no_finding(self):
        self.month(self.salesman, D(2026, 9, 1), 4.0)
        self.month(self.salesman, D(2026, 10, 1), 12.0)  # on target: ends the run
        self.month(self.salesman2, D(2026, 8, 1), 4.0)
        self.month(self.salesman2, D(2026, 10, 1), 4.0)  # September missing: not consecutive
        self.month(self.salesman3, D(2026, 9, 1), None)  # nothing to measure: not below
        self.month(self.salesman3, D(2026, 10, 1), 4.0)
        self.Finding._analyse(self.rule)
        self.assertFalse(self.findings())
        # N per rule: one period is enough when the rule says so
        self.rule.analysis_min_periods = 1
        self.Finding._analyse(self.rule)
        self.assertEqual(self.findings().user_id, self.salesman2 | self.salesman3)

    def test_n_per_rule_is_validated(self):
        with self.assertRaises(ValidationError):
            self.rule.analysis_min_periods = 0

    def test_an_open_period_is_never_analysed(self):
        self.month(self.salesman, D(2026, 10, 1), 4.0)
        self.month(self.salesman, D(2026, 11, 1), 1.0, closed=False)  # so far
        self.Finding._analyse(self.rule)
        self.assertFalse(self.findings())

    def test_closing_when_back_on_target_and_a_new_finding_when_it_falls_again(self):
        self.month(self.salesman, D(2026, 5, 1), 4.0)
        self.month(self.salesman, D(2026, 6, 1), 5.0)
        self.Finding._analyse(self.rule)
        first = self.findings(self.salesman)
        # still below in July: the same finding takes the new month
        self.month(self.salesman, D(2026, 7, 1), 8.0)
        self.Finding._analyse(self.rule)
        self.assertEqual(self.findings(self.salesman), first)
        self.assertEqual((first.period_count, first.date_to), (3, D(2026, 7, 31)))
        # a second analysis of the same periods changes nothing
        self.Finding._analyse(self.rule)
        self.assertEqual(len(first.line_ids), 3)
        # back on target for a full month: closed by itself, with the reason
        self.month(self.salesman, D(2026, 8, 1), 10.0)
        self.Finding._analyse(self.rule)
        self.assertEqual(first.state, "closed")
        self.assertEqual(first.close_reason, "Back on target in August 2026 (100%).")
        self.assertEqual(first.closed_date, TODAY)
        self.assertEqual(first.period_count, 3)  # its periods are kept as they were
        # falls again: a new finding, the old one stays closed
        self.month(self.salesman, D(2026, 9, 1), 3.0)
        self.Finding._analyse(self.rule)
        self.assertEqual(len(self.findings(self.salesman)), 1)  # one month is not enough
        self.month(self.salesman, D(2026, 10, 1), 2.0)
        self.Finding._analyse(self.rule)
        second = self.findings(self.salesman) - first
        self.assertEqual(len(second), 1)
        self.assertEqual((second.date_from, second.date_to, second.state),
                         (D(2026, 9, 1), D(2026, 10, 31), "open"))
        self.assertEqual(first.state, "closed")

    def test_detection_in_the_users_timezone_end_to_end(self):
        """Target 1 deal a month. The only deal of October is won at 00:30 on 1 November in
        Copenhagen (still 31 October in UTC): a November deal, so September and October are
        both below target and there is a finding. In New York the same moment is 19:30 on
        31 October: an October deal, and no finding."""
        rule = self.make_rule("won_deals", target=1, window_days=30,
                              name="Won deals (1 a month)")
        ny = self._user("kpi_t_newyork", self.profile_sales, tz="America/New_York")
        self.team.crm_team_member_ids = [Command.create({"user_id": ny.id})]
        self.won_lead(self.salesman, local(2026, 11, 1, 0, 30))
        self.won_lead(ny, local(2026, 11, 1, 0, 30))  # the same UTC moment
        for day in (D(2026, 9, 15), D(2026, 10, 15), D(2026, 11, 15)):
            rule.evaluate(date=day, users=self.salesman | ny)
        self.Period._store_periods(rule, "month", calendar.periods_between(
            D(2026, 9, 1), TODAY, "month"), now=NOW)
        self.Finding._analyse(rule)
        finding = self.findings(rule=rule)
        self.assertEqual(finding.user_id, self.salesman)
        self.assertEqual(finding.line_ids.mapped("value"), [0, 0])
        self.assertEqual((finding.date_from, finding.date_to), (D(2026, 9, 1), D(2026, 10, 31)))


    def test_changing_the_analysis_period_closes_the_open_finding(self):
        self.month(self.salesman, D(2026, 9, 1), 3.0)
        self.month(self.salesman, D(2026, 10, 1), 4.0)
        self.Finding._analyse(self.rule)
        finding = self.findings(self.salesman)
        self.rule.analysis_period = "week"
        self.Finding._analyse(self.rule)
        self.assertEqual(finding.state, "open")  # no weekly score yet: nothing analysed
        week = self.Period.create({
            "rule_id": self.rule.id, "user_id": self.salesman.id, "period_type": "week",
            "date_from": D(2026, 11, 9), "date_to": D(2026, 11, 15), "closed": True,
            "value": 3.0, "target": 10.0, "score": 30.0, "status": "off_track",
            "team_id": self.team.id})
        self.Finding._analyse(self.rule)
        self.assertEqual((finding.state, finding.close_reason),
                         ("closed", "The analysis period of the KPI changed."))
        self.assertEqual(self.findings(self.salesman), finding)  # one week is not enough
        self.assertTrue(week)


class TestFindingSteps(KpiCase):
    """The decisions of the analysis, as pure arithmetic (``period_scores``)."""

    def test_what_becomes_of_an_open_finding(self):
        P = period_scores.PeriodPoint
        sep, oct_ = P(D(2026, 9, 1), D(2026, 9, 30), 40.0, True), P(D(2026, 10, 1), D(2026, 10, 31),
                                                                     50.0, True)
        step = period_scores.open_finding_step
        # a finding up to September; October is below target, in a row: it takes October
        self.assertEqual(step(sep.date_to, oct_, [sep, oct_]), period_scores.FINDING_EXTEND)
        # nothing closed since its last period (or an older one last): as it is
        self.assertEqual(step(oct_.date_to, oct_, [sep, oct_]), period_scores.FINDING_UNCHANGED)
        self.assertEqual(step(D(2026, 11, 30), oct_, [oct_]), period_scores.FINDING_UNCHANGED)
        # below target after a period without a score (the run starts after a gap): it ends
        self.assertEqual(step(D(2026, 8, 31), oct_, [oct_]), period_scores.FINDING_INTERRUPTED)
        # October measured on target (100% exactly): it closes
        back = P(oct_.date_from, oct_.date_to, 100.0, True)
        self.assertEqual(step(sep.date_to, back, []), period_scores.FINDING_BACK_ON_TARGET)
        # nothing to measure in October: it waits, whatever the score says
        for score in (None, 0.0, 120.0):
            self.assertEqual(step(sep.date_to, P(oct_.date_from, oct_.date_to, score, False), []),
                             period_scores.FINDING_WAIT)

    def test_team_values_brought_back_to_the_rules_window(self):
        q2 = (D(2026, 4, 1), D(2026, 6, 30), [9.1])  # 91 days
        q3 = (D(2026, 7, 1), D(2026, 9, 30), [14.0, 7.0])  # 92 days
        values = period_scores.team_window_values
        # a count over a past window of 30 days: per 30 days of each quarter, oldest first
        self.assertEqual([round(v, 4) for v in values([q2, q3], 30, "quarter", True, True)],
                         [3.0, round(14 * 30 / 92, 4), round(7 * 30 / 92, 4)])
        # a window that is the period (91 days for a quarter), a ratio or an average, a
        # snapshot or future rule: as they are
        self.assertEqual(values([q2, q3], 91, "quarter", True, True), [9.1, 14.0, 7.0])
        self.assertEqual(values([q2, q3], 30, "quarter", False, True), [9.1, 14.0, 7.0])
        self.assertEqual(values([q2, q3], 30, "quarter", True, False), [9.1, 14.0, 7.0])
        self.assertEqual(values([(q2[0], q2[1], [])], 30, "quarter", True, True), [])


class TestSuggestedTarget(DiscrepancyCase):
    def test_suggested_target_on_a_known_team(self):
        """Team values over September and October: 4, 5 (salesman), 12, 8 (salesman2), 6, 7
        (salesman3); median 6.5 deals a month. The targets in force are 10 (the rule) and an
        individual 5 for the salesman: 6.5 is suggested. With an individual 8 instead, the
        suggestion is never below 8."""
        values = {self.salesman: (4.0, 5.0), self.salesman2: (12.0, 8.0),
                  self.salesman3: (6.0, 7.0)}
        for user, (sep, oct_) in values.items():
            self.month(user, D(2026, 9, 1), sep)
            self.month(user, D(2026, 10, 1), oct_)
        target = self.env["kpi.rule.target"].create({
            "rule_id": self.rule.id, "user_id": self.salesman.id, "target": 5.0})
        self.Finding._analyse(self.rule)
        # salesman2 is below in October only: one month, no finding
        self.assertEqual(self.findings().user_id, self.salesman | self.salesman3)
        finding = self.findings(self.salesman)
        self.assertEqual(finding.suggested_target, 6.5)
        sep, oct_ = finding.line_ids
        self.assertEqual((sep.team_median, sep.team_count), (6.0, 3))
        self.assertAlmostEqual(sep.team_average, 22 / 3)
        self.assertEqual(oct_.team_median, 7.0)
        self.assertAlmostEqual(oct_.team_average, 20 / 3)
        self.assertEqual(finding.team_average_score, round((40 + 120 + 60 + 50 + 80 + 70) / 6,
                                                           2))
        self.assertIn("6.5", finding.suggestion_shown)
        self.assertEqual(finding.current_target, 5.0)
        # with an individual target of 8, never below it
        target.target = 8.0
        self.suggest_again(finding)
        self.assertEqual(finding.suggested_target, 8.0)

    def suggest_again(self, finding):
        """Compute the finding's figures again from its periods (as the analysis does)."""
        finding._set_periods([{
            "id": line.period_result_id.id, "user_id": finding.user_id.id,
            "team_id": finding.team_id.id, "date_from": line.date_from,
            "date_to": line.date_to, "value": line.value, "target": line.target,
            "score": line.score, "status": line.status, "pilot": False}
            for line in finding.line_ids], self.rule)

    def test_suggested_target_back_to_the_rules_window(self):
        """Quarters of a rule of 30 days: the team's quarter values are brought back to 30
        days (x 30 / 92 for the last quarter of 2025, x 30 / 90 for the first of 2026)."""
        self.rule.write({"analysis_period": "quarter", "target": 1.0})
        for first, last, value in ((D(2025, 10, 1), D(2025, 12, 31), 2.0),
                                   (D(2026, 1, 1), D(2026, 3, 31), 1.5)):
            days = (last - first).days + 1
            target = period_scores.period_target(1.0, 30, "quarter", days, True)
            score, status = self.rule._score(value, target)
            self.Period.create({
                "rule_id": self.rule.id, "user_id": self.salesman.id, "period_type": "quarter",
                "date_from": first, "date_to": last, "closed": True, "value": value,
                "target": target, "score": score, "status": status, "team_id": self.team.id})
        self.Finding._analyse(self.rule)
        finding = self.findings(self.salesman)
        self.assertEqual([round(t, 4) for t in finding.line_ids.mapped("target")], [3.0667, 3.0])
        # median of 2 x 30 / 92 = 0.652 and 1.5 x 30 / 90 = 0.5: 0.576, below the target 1
        self.assertEqual(finding.suggested_target, 1.0)
        # with a target of 0.5 in force, the median of the team is suggested
        self.rule.target = 0.5
        self.suggest_again(finding)
        self.assertEqual(finding.suggested_target, 0.58)
        self.assertIn("0.58", finding.suggestion_shown)


class TestWhoSeesWhat(DiscrepancyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._other_team()

    def setUp(self):
        super().setUp()
        for user in (self.salesman, self.salesman2, self.outsider):
            self.month(user, D(2026, 9, 1), 3.0)
            self.month(user, D(2026, 10, 1), 4.0)
        self.Finding._analyse(self.rule)
        self.mine = self.findings(self.salesman)
        self.public_note = self.env["kpi.discrepancy.note"].create({
            "finding_id": self.mine.id, "body": "Two weeks of holidays in October."})
        self.internal_note = self.env["kpi.discrepancy.note"].create({
            "finding_id": self.mine.id, "body": "Considering a move to inside sales.",
            "internal": True})

    def test_the_user_sees_their_own_findings_without_internal_notes(self):
        Finding = self.Finding.with_user(self.salesman)
        self.assertEqual(Finding.search([]), self.mine)
        self.env.invalidate_all()  # read as the user, not from the cache of the setup
        self.assertEqual(self.mine.with_user(self.salesman).note_ids, self.public_note)
        Note = self.env["kpi.discrepancy.note"].with_user(self.salesman)
        self.assertEqual(Note.search([]), self.public_note)
        with self.assertRaises(AccessError):
            self.internal_note.with_user(self.salesman).read(["body"])
        with self.assertRaises(AccessError):
            self.mine.with_user(self.salesman).write({"cause_id": self.cause.id})
        with self.assertRaises(AccessError):
            Note.create({"finding_id": self.mine.id, "body": "Not my fault"})
        with self.assertRaises(UserError):
            self.mine.with_user(self.salesman).action_mark_reviewed()
        # the periods and the team's figures of their own findings only
        self.assertEqual(self.env["kpi.discrepancy.period"].with_user(self.salesman)
                         .search([]).finding_id, self.mine)

    def test_the_team_manager_records_the_analysis_and_signs_the_review(self):
        Finding = self.Finding.with_user(self.manager)
        self.assertEqual(Finding.search([]).user_id, self.salesman | self.salesman2)
        mine = self.mine.with_user(self.manager)
        self.assertEqual(mine.note_ids, self.public_note | self.internal_note)
        with self.assertRaises(UserError):
            mine.action_mark_reviewed()  # the cause first
        mine.write({"cause_id": self.cause.id, "action_decided": "Coaching on follow-ups."})
        self.env["kpi.discrepancy.note"].with_user(self.manager).create({
            "finding_id": self.mine.id, "body": "Agreed with Sofie.", "internal": True})
        mine.action_mark_reviewed()
        self.assertEqual(self.mine.reviewed_uid, self.manager)
        self.assertEqual(self.mine.reviewed_date, NOW)
        self.assertIn(self.mine, Finding.search([("reviewed_this_quarter", "=", True)]))
        # the figures are the analysis's
        with self.assertRaises(UserError):
            mine.write({"suggested_target": 1.0})
        with self.assertRaises(UserError):
            mine.write({"reviewed_uid": self.kpi_admin.id})
        # another team's finding: neither read nor written
        theirs = self.findings(self.outsider)
        with self.assertRaises(AccessError):
            theirs.with_user(self.manager).read(["cause_id"])

    def test_nobody_reviews_their_own_finding(self):
        self.team.crm_team_member_ids = [Command.create({"user_id": self.manager.id})]
        self.manager.kpi_profile_id = self.profile_sales
        self.month(self.manager, D(2026, 9, 1), 3.0)
        self.month(self.manager, D(2026, 10, 1), 4.0)
        self.Finding._analyse(self.rule)
        own = self.findings(self.manager)
        self.assertTrue(own)
        internal = self.env["kpi.discrepancy.note"].create({
            "finding_id": own.id, "body": "About the manager", "internal": True})
        with self.assertRaises(AccessError):
            own.with_user(self.manager).write({"cause_id": self.cause.id})
        with self.assertRaises(AccessError):
            internal.with_user(self.manager).read(["body"])
        self.assertFalse(own.with_user(self.manager).can_review)
        # a KPI administrator does it
        own.with_user(self.kpi_admin).write({"cause_id": self.cause.id})
        own.with_user(self.kpi_admin).action_mark_reviewed()
        self.assertEqual(own.reviewed_uid, self.kpi_admin)

    def test_notes_are_changed_and_deleted_by_their_author_only(self):
        note = self.env["kpi.discrepancy.note"].with_user(self.manager).create({
            "finding_id": self.mine.id, "body": "First call together on Monday."})
        self.assertEqual(note.author_id, self.manager)
        with self.assertRaises(UserError):
            self.public_note.with_user(self.manager).write({"body": "Rewritten"})
        with self.assertRaises(UserError):
            self.public_note.with_user(self.manager).unlink()
        with self.assertRaises(UserError):
            note.with_user(self.kpi_admin).unlink()
        note.with_user(self.manager).write({"body": "First call together on Tuesday."})
        note.with_user(self.manager).unlink()
        self.assertFalse(note.exists())

    def test_the_kpi_administrator_sees_all(self):
        Finding = self.Finding.with_user(self.kpi_admin)
        self.assertEqual(Finding.search([]).user_id,
                         self.salesman | self.salesman2 | self.outsider)
        self.assertEqual(self.mine.with_user(self.kpi_admin).note_ids,
                         self.public_note | self.internal_note)
        # the causes are configured by KPI administrators only
        self.env["kpi.discrepancy.cause"].with_user(self.kpi_admin).create({"name": "Pricing"})
        with self.assertRaises(AccessError):
            self.env["kpi.discrepancy.cause"].with_user(self.manager).create({"name": "X"})

    def test_another_manager_sees_only_their_team(self):
        Finding = self.Finding.with_user(self.other_manager)
        self.assertEqual(Finding.search([]).user_id, self.outsider)
        with self.assertRaises(AccessError):
            self.mine.with_user(self.other_manager).read(["name"])
