"""Nothing about a colleague (issue 20): no finding, suggestion, note or bonus line shows a
person's figures to somebody who may not read them. Run as the salesperson the finding is
about, the team's manager and another team's manager.

The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen (the users' timezone).
"""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.models.kpi_discrepancy import TEAM_FIGURES_MIN_OTHERS
from odoo.exceptions import AccessError, UserError

from .bonus_common import BonusCase
from .common import NOW
from .test_discrepancy import DiscrepancyCase

D = datetime.date


def _texts(records):
    """Every value the reader gets from ``read()`` of ``records``, as one string."""
    return repr(records.read())


@freeze_time(NOW)
class TestTeamFiguresOfAFinding(DiscrepancyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman4 = cls._user("kpi_t_salesman4", cls.profile_sales)
        cls._other_team()

    def finding_of(self, values):
        """The salesman's finding over September and October, ``values`` per user."""
        for user, (sep, oct_) in values.items():
            self.month(user, D(2026, 9, 1), sep)
            self.month(user, D(2026, 10, 1), oct_)
        self.Finding._analyse(self.rule)
        finding = self.findings(self.salesman)
        self.assertEqual(len(finding), 1)
        self.env.invalidate_all()
        return finding

    def test_the_subject_of_a_team_of_two_never_reads_the_team_figures(self):
        """Salesman 4 and 5, the colleague 17.25 and 13.75: the team's average of September
        (10.625) gives the colleague's value away (2 x 10.625 - 4); hidden from the salesman,
        as the average score and the median behind the suggested target."""
        self.assertEqual(TEAM_FIGURES_MIN_OTHERS, 3)
        finding = self.finding_of({self.salesman: (4.0, 5.0), self.salesman2: (17.25, 13.75)})
        self.assertEqual(finding.line_ids.mapped("team_others"), [1, 1])
        mine = finding.with_user(self.salesman)
        self.assertFalse(mine.team_figures_shown)
        self.assertFalse(mine.suggested_target_known)
        self.assertEqual((mine.team_average_score_shown, mine.suggested_target_shown),
                         (0.0, 0.0))
        self.assertIn("at least 3 other members", mine.suggestion_shown)
        for line in mine.line_ids:
            self.assertFalse(line.team_figures_shown)
            self.assertEqual((line.team_average_shown, line.team_median_shown), (0.0, 0.0))
        # not readable at all: neither the stored figures nor the working group's sentence
        for field in ("team_average_score", "suggested_target", "suggestion",
                      "suggestion_subject", "suggestion_facts"):
            with self.assertRaises(AccessError):
                mine.read([field])
        for field in ("team_average", "team_median"):
            with self.assertRaises(AccessError):
                mine.line_ids.read([field])
        everything = _texts(mine) + _texts(mine.line_ids)
        for figure in ("17.25", "13.75", "10.625", "9.375", "10.63", "9.38"):
            self.assertNotIn(figure, everything)
        # the form loads for the salesman, without the stored team figures
        arch = mine.get_views([(False, "form"), (False, "list")])["views"]
        for view in arch.values():
            self.assertNotIn('name="team_average"', view["arch"])
            self.assertNotIn('name="suggestion"', view["arch"])
        # the team's manager reads them all
        theirs = finding.with_user(self.manager)
        self.assertTrue(theirs.team_figures_shown)
        self.assertEqual(theirs.line_ids[0].team_average_shown, 10.625)
        self.assertEqual(theirs.team_average_score_shown, finding.team_average_score)
        self.assertEqual(theirs.suggestion_shown, finding._suggestion_texts()[0])
        # another team's manager reads nothing of it
        with self.assertRaises(AccessError):
            finding.with_user(self.other_manager).read(["team_average_score_shown"])

    def test_the_subject_reads_the_figures_of_four_members(self):
        """Three other members with a value in every period: the salesman reads the team's
        average, median and the suggestion (no individual target of anybody else in it)."""
        self.team.crm_team_member_ids = [Command.create({"user_id": self.salesman4.id})]
        finding = self.finding_of({
            self.salesman: (4.0, 5.0), self.salesman2: (12.0, 8.0),
            self.salesman3: (6.0, 7.0), self.salesman4: (11.0, 12.0)})
        mine = finding.with_user(self.salesman)
        self.assertTrue(mine.team_figures_shown)
        self.assertTrue(mine.suggested_target_known)
        self.assertEqual(mine.line_ids[0].team_average_shown, (4 + 12 + 6 + 11) / 4)
        self.assertEqual(mine.line_ids[0].team_median_shown, 8.5)
        self.assertEqual(mine.suggested_target_shown, finding.suggested_target)
        self.assertEqual(mine.suggestion_shown, finding._suggestion_texts()[0])
        # one period with two other members only: the finding's figures are hidden again
        self.month(self.salesman, D(2026, 11, 1), 3.0, closed=True)
        self.month(self.salesman2, D(2026, 11, 1), 20.0, closed=True)
        self.Finding._analyse(self.rule)
        self.env.invalidate_all()
        self.assertEqual(finding.period_count, 3)
        self.assertFalse(mine.team_figures_shown)
        self.assertEqual([line.team_figures_shown for line in mine.line_ids],
                         [True, True, False])
        self.assertTrue(finding.with_user(self.manager).team_figures_shown)

    def test_the_suggestion_never_states_a_colleagues_individual_target(self):
        """Four members around 4 deals, the rule's target 10, an individual 6.25 for
        salesman3: the suggestion is bounded by salesman3's target. The salesman reads that it
        is bounded, not the number; the manager reads it; the salesman's own target is
        hers to read."""
        self.team.crm_team_member_ids = [Command.create({"user_id": self.salesman4.id})]
        target = self.env["kpi.rule.target"].create({
            "rule_id": self.rule.id, "user_id": self.salesman3.id, "target": 6.25})
        finding = self.finding_of({
            self.salesman: (4.0, 5.0), self.salesman2: (4.5, 5.5),
            self.salesman3: (3.0, 4.0), self.salesman4: (5.0, 3.5)})
        self.assertEqual(finding.suggested_target, 6.25)
        mine = finding.with_user(self.salesman)
        self.assertTrue(mine.team_figures_shown)  # the median is the team's, shown
        self.assertFalse(mine.suggested_target_known)
        self.assertEqual(mine.suggested_target_shown, 0.0)
        self.assertNotIn("6.25", mine.suggestion_shown)
        self.assertIn("Bounded by the targets in force in the team", mine.suggestion_shown)
        self.assertNotIn("6.25", _texts(mine))
        theirs = finding.with_user(self.manager)
        self.assertIn("(6.25)", theirs.suggestion_shown)
        self.assertEqual(theirs.suggested_target_shown, 6.25)
        # the same bound as the salesman's own target: hers to read
        target.user_id = self.salesman
        self.suggest_again(finding)
        self.assertIn("(6.25)", mine.suggestion_shown)
        self.assertEqual(mine.suggested_target_shown, 6.25)


@freeze_time(NOW)
class TestNotesStayOnTheirFinding(DiscrepancyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._other_team()
        cls.team.crm_team_member_ids = [Command.create({"user_id": cls.manager.id})]
        cls.manager.kpi_profile_id = cls.profile_sales

    def test_a_note_cannot_be_moved_to_another_finding(self):
        for user in (self.salesman, self.salesman2, self.outsider, self.manager):
            self.month(user, D(2026, 9, 1), 3.0)
            self.month(user, D(2026, 10, 1), 4.0)
        self.Finding._analyse(self.rule)
        mine, second = self.findings(self.salesman), self.findings(self.salesman2)
        theirs, own = self.findings(self.outsider), self.findings(self.manager)
        self.assertTrue(mine and second and theirs and own)
        note = self.env["kpi.discrepancy.note"].with_user(self.manager).create({
            "finding_id": mine.id, "body": "Coaching on Mondays.", "internal": True})
        for target in (theirs, own, second):  # another team's, his own, even his team's
            with self.assertRaises(UserError):
                note.with_user(self.manager).write({"finding_id": target.id})
        with self.assertRaises(UserError):  # through the other finding's notes
            second.with_user(self.manager).write({"note_ids": [Command.link(note.id)]})
        self.assertEqual(note.finding_id, mine)
        # the same finding written again, and the body, stay allowed
        note.with_user(self.manager).write({"finding_id": mine.id, "body": "On Tuesdays."})
        self.assertEqual(note.body, "On Tuesdays.")
        self.assertFalse(self.env["kpi.discrepancy.note"].with_user(self.salesman).search([]))


@freeze_time(NOW)
class TestBonusFiguresOfColleagues(BonusCase):
    def test_a_withdrawn_assessment_leaves_no_score_on_the_sheet(self):
        sheet = self.computed_sheet()
        assessment = self.assess(sheet, self.salesman, self.manager, 37)
        assessment.with_user(self.officer).unlink()
        bodies = " ".join(sheet.message_ids.mapped("body"))
        self.assertIn("withdrawn by %s" % self.officer.name, bodies)
        self.assertIn("%s -&gt; %s (Customer service)" % (self.manager.name,
                                                         self.salesman.name), bodies)
        self.assertNotIn("37", bodies)

    def test_the_rank_is_for_managers_and_hr(self):
        sheet = self.approve(self.computed_sheet())
        Line = self.env["kpi.bonus.sheet.line"]
        own = Line.with_user(self.salesman).search([])
        self.assertEqual(own.user_id, self.salesman)
        self.assertTrue(own.read(["total_score", "amount"]))
        with self.assertRaises(AccessError):
            own.read(["rank"])
        self.assertNotIn("'rank'", _texts(own))
        # the views of "My Bonuses" and of the sheet load, without the rank
        for model in ("kpi.bonus.sheet.line", "kpi.bonus.sheet"):
            views = self.env[model].with_user(self.salesman).get_views(
                [(False, "list"), (False, "form")])["views"]
            for view in views.values():
                self.assertNotIn('name="rank"', view["arch"])
        views = Line.with_user(self.salesman).get_views([(False, "form")])
        fields = views["models"]["kpi.bonus.sheet.line"]["fields"]
        self.assertNotIn("rank", fields)
        self.assertTrue(own.web_read({name: {} for name in fields if name != "detail_ids"}))
        # the team's manager and HR read it
        for user in (self.manager, self.officer):
            lines = Line.with_user(user).search([("sheet_id", "=", sheet.id)])
            self.assertEqual(sorted(lines.mapped("rank")), [1, 2])
            self.assertEqual(lines.mapped("rank"), [1, 2])  # in the rank's order
            views = self.env["kpi.bonus.sheet"].with_user(user).get_views(
                [(False, "form")])["views"]
            self.assertIn('name="rank"', views["form"]["arch"])
        self.assertFalse(Line.with_user(self.other_manager).search([]))
