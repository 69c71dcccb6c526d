"""The explanation of a suggested target in the reader's language (issue 20, "Danish
everywhere"): the analysis stores the facts of the explanation (``suggestion_facts``), never its
sentences, and every reader reads them worded in their own language and number format; the
person the finding is about still never reads a colleague's individual target, in any
language. A finding analysed before the facts were stored keeps its stored words.

Each test fails on the code that stored English sentences when the (English) nightly analysis
ran. The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen.
"""

import datetime

from freezegun import freeze_time
from markupsafe import Markup

from odoo import Command
from odoo.addons.kpi_management.models import kpi_discrepancy

from .common import NOW, load_danish
from .test_discrepancy import DiscrepancyCase

D = datetime.date

EN_MEDIAN = ("Median of the 8 period values of the team over these periods, per window of 30 "
             "days: %s.")
DA_MEDIAN = "Median af teamets 8 periodeværdier over disse perioder, pr. vindue på 30 dage: %s."
EN_BOUND = "Never easier than the easiest target in force in the team (%s): %s."
DA_BOUND = "Aldrig lettere end det letteste mål, der gælder i teamet (%s): %s."


@freeze_time(NOW)
class TestSuggestionInTheReadersLanguage(DiscrepancyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_danish(cls.env)
        cls.salesman4 = cls._user("kpi_t_salesman4", cls.profile_sales)
        cls.team.crm_team_member_ids = [Command.create({"user_id": cls.salesman4.id})]
        cls.salesman.lang = "da_DK"  # the person the finding is about reads Danish
        cls.manager.lang = "da_DK"  # so does the team's manager
        cls.kpi_admin.lang = "en_US"  # the administrator reads English

    def analyse(self, values, lang="en_US"):
        """The salesman's finding over September and October, ``values`` per user, analysed
        as the nightly job does, in ``lang``."""
        for user, (sep, oct_) in values.items():
            self.month(user, D(2026, 9, 1), sep)
            self.month(user, D(2026, 10, 1), oct_)
        self.Finding.with_context(lang=lang)._analyse(self.rule)
        finding = self.findings(self.salesman)
        self.assertEqual(len(finding), 1)
        self.env.invalidate_all()
        return finding

    def read_as(self, finding, user, lang=None):
        """``finding`` as ``user`` reads it in the web client (the context has their
        language)."""
        return finding.with_user(user).with_context(lang=lang or user.lang)

    def test_analysed_in_english_read_in_danish(self):
        """Team values 4, 5 (salesman), 12, 8, 6, 7, 6, 8: median 6.5 deals a month; the
        easiest target in force is the salesman's own 5.5, hers to read: everybody reads the
        whole explanation, each in their own language and number format."""
        self.env["kpi.rule.target"].create({
            "rule_id": self.rule.id, "user_id": self.salesman.id, "target": 5.5})
        finding = self.analyse({
            self.salesman: (4.0, 5.0), self.salesman2: (12.0, 8.0),
            self.salesman3: (6.0, 7.0), self.salesman4: (6.0, 8.0)})
        self.assertEqual(finding.suggested_target, 6.5)
        # the facts are stored, not the English sentences
        self.assertEqual(finding.suggestion_facts, {
            "code": "median", "count": 8, "median": 6.5, "days": 30, "bound": 5.5,
            "suggested": 6.5, "currency_id": None, "bound_shown": True})
        self.assertFalse(finding.suggestion)
        self.assertFalse(finding.suggestion_subject)
        english = "%s %s" % (EN_MEDIAN % "6.5", EN_BOUND % ("5.5", "6.5"))
        danish = "%s %s" % (DA_MEDIAN % "6,5", DA_BOUND % ("5,5", "6,5"))
        self.assertEqual(self.read_as(finding, self.kpi_admin).suggestion_shown, english)
        self.assertEqual(self.read_as(finding, self.manager).suggestion_shown, danish)
        mine = self.read_as(finding, self.salesman)
        self.assertTrue(mine.suggested_target_known)
        self.assertEqual(mine.suggestion_shown, danish)
        # the same reader switching language reads the other words (nothing cached across)
        self.assertEqual(self.read_as(finding, self.salesman, "en_US").suggestion_shown,
                         english)
        self.assertEqual(self.read_as(finding, self.salesman, "da_DK").read(
            ["suggestion_shown"])[0]["suggestion_shown"], danish)

    def test_the_facts_do_not_depend_on_the_language_of_the_analysis(self):
        """Analysed in Danish, the same facts as in English: nothing stored is worded."""
        self.env["kpi.rule.target"].create({
            "rule_id": self.rule.id, "user_id": self.salesman.id, "target": 5.5})
        finding = self.analyse({
            self.salesman: (4.0, 5.0), self.salesman2: (12.0, 8.0),
            self.salesman3: (6.0, 7.0), self.salesman4: (6.0, 8.0)}, lang="da_DK")
        self.assertEqual(finding.suggestion_facts["median"], 6.5)
        self.assertFalse(finding.suggestion)
        self.assertEqual(self.read_as(finding, self.kpi_admin).suggestion_shown,
                         "%s %s" % (EN_MEDIAN % "6.5", EN_BOUND % ("5.5", "6.5")))

    def test_the_subject_never_reads_a_colleagues_target_in_either_language(self):
        """Four members around 4 deals (median 4.25), the rule's target 10, an individual 6.25
        for salesman3: the suggestion is salesman3's target. The salesman reads that it is
        bounded, not the number, in Danish and in English; the manager reads it. With 4 for
        salesman3 instead, 4.25 is suggested: the salesman reads it, never the bound."""
        target = self.env["kpi.rule.target"].create({
            "rule_id": self.rule.id, "user_id": self.salesman3.id, "target": 6.25})
        finding = self.analyse({
            self.salesman: (4.0, 5.0), self.salesman2: (4.5, 5.5),
            self.salesman3: (3.0, 4.0), self.salesman4: (5.0, 3.5)})
        self.assertEqual(finding.suggested_target, 6.25)
        self.assertTrue(finding.suggestion_private)
        for lang, median, bounded in (
                ("da_DK", DA_MEDIAN % "4,25", "Begrænset af de mål, der gælder i teamet: det "
                 "foreslåede mål er arbejdsgruppens."),
                ("en_US", EN_MEDIAN % "4.25", "Bounded by the targets in force in the team: "
                 "the suggested target is the working group's.")):
            mine = self.read_as(finding, self.salesman, lang)
            self.assertFalse(mine.suggested_target_known)
            self.assertEqual(mine.suggestion_shown, "%s %s" % (median, bounded))
            everything = repr(mine.read())
            self.assertNotIn("6,25", everything)
            self.assertNotIn("6.25", everything)
        self.assertEqual(self.read_as(finding, self.manager).suggestion_shown,
                         "%s %s" % (DA_MEDIAN % "4,25", DA_BOUND % ("6,25", "6,25")))
        self.assertEqual(self.read_as(finding, self.kpi_admin).suggestion_shown,
                         "%s %s" % (EN_MEDIAN % "4.25", EN_BOUND % ("6.25", "6.25")))
        # salesman3's target 4, below the median: the median is suggested, the bound unsaid
        target.target = 4.0
        self.suggest_again(finding)
        self.assertEqual(finding.suggested_target, 4.25)
        self.assertFalse(finding.suggestion_private)
        for lang, median, never in (
                ("da_DK", DA_MEDIAN % "4,25", "Aldrig lettere end de mål, der gælder i "
                 "teamet: 4,25."),
                ("en_US", EN_MEDIAN % "4.25", "Never easier than the targets in force in the "
                 "team: 4.25.")):
            mine = self.read_as(finding, self.salesman, lang)
            self.assertTrue(mine.suggested_target_known)
            self.assertEqual(mine.suggestion_shown, "%s %s" % (median, never))
            self.assertNotIn("(4)", repr(mine.read()))
        self.assertEqual(self.read_as(finding, self.manager).suggestion_shown,
                         "%s %s" % (DA_MEDIAN % "4,25", DA_BOUND % ("4", "4,25")))

    def test_the_hidden_figures_are_explained_in_the_readers_language(self):
        """A team of two: the salesman reads why the figures are hidden, in Danish."""
        finding = self.analyse({self.salesman: (4.0, 5.0), self.salesman2: (17.25, 13.75)})
        mine = self.read_as(finding, self.salesman)
        self.assertFalse(mine.team_figures_shown)
        self.assertEqual(mine.suggestion_shown, "Teamets tal og det foreslåede mål vises for "
                         "dig, når mindst 3 andre medlemmer af teamet har en værdi i hver "
                         "periode.")

    def test_why_a_finding_closed_is_read_in_the_readers_language(self):
        """Back on target in November, analysed in English: the Danish salesman reads the
        reason in Danish, the English administrator in English, and the chatter says it in
        the language of the person the finding is about; a finding closed before the facts
        keeps its words."""
        finding = self.analyse({self.salesman: (4.0, 5.0)})
        self.month(self.salesman, D(2026, 11, 1), 10.0)
        self.Finding.with_context(lang="en_US")._analyse(self.rule)
        self.env.invalidate_all()
        self.assertEqual(finding.state, "closed")
        self.assertEqual(finding.close_facts["code"], kpi_discrepancy.CLOSE_BACK_ON_TARGET)
        self.assertEqual(self.read_as(finding, self.salesman).close_reason_shown,
                         "Målet nået igen i november 2026 (100%).")
        self.assertEqual(self.read_as(finding, self.kpi_admin).close_reason_shown,
                         "Back on target in November 2026 (100%).")
        self.assertEqual(finding.message_ids[:1].body,
                         Markup("<p>Målet nået igen i november 2026 (100%).</p>"))
        finding.sudo().write({"close_facts": False, "close_reason": "As stored."})
        self.assertEqual(self.read_as(finding, self.salesman).close_reason_shown, "As stored.")

    def test_a_finding_analysed_before_the_facts_keeps_its_words(self):
        """No facts stored: the stored text is shown as it was, in every language; the next
        analysis of the finding stores the facts."""
        target = self.env["kpi.rule.target"].create({
            "rule_id": self.rule.id, "user_id": self.salesman3.id, "target": 6.25})
        finding = self.analyse({
            self.salesman: (4.0, 5.0), self.salesman2: (4.5, 5.5),
            self.salesman3: (3.0, 4.0), self.salesman4: (5.0, 3.5)})
        finding.sudo().write({"suggestion_facts": False, "suggestion": "As stored (6.25).",
                       "suggestion_subject": "As stored, for her."})
        self.env.invalidate_all()
        for lang in ("da_DK", "en_US"):
            self.assertEqual(self.read_as(finding, self.manager, lang).suggestion_shown,
                             "As stored (6.25).")
            self.assertEqual(self.read_as(finding, self.salesman, lang).suggestion_shown,
                             "As stored, for her.")
        target.target = 6.5
        self.suggest_again(finding)
        self.assertEqual(finding.suggestion_facts["bound"], 6.5)
        self.assertFalse(finding.suggestion)
        self.assertEqual(self.read_as(finding, self.manager).suggestion_shown,
                         "%s %s" % (DA_MEDIAN % "4,25", DA_BOUND % ("6,5", "6,5")))


class TestRenderSuggestion(DiscrepancyCase):
    """The words of each kind of facts (``kpi_discrepancy.render_suggestion``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_danish(cls.env)

    def render(self, facts, lang):
        return kpi_discrepancy.render_suggestion(self.env(context={"lang": lang}), facts)

    def test_no_value_of_the_team(self):
        facts = kpi_discrepancy.suggestion_facts([], {1: 10.0}, None, "higher", 10.0, 1)
        self.assertEqual(facts, {"code": "none"})
        self.assertEqual(self.render(facts, "da_DK"), (
            "Ingen værdi for teamet over disse perioder: intet forslag.",) * 2)
        self.assertEqual(self.render(facts, "en_US"), (
            "No value of the team over these periods: no suggestion.",) * 2)

    def test_a_snapshot_amount_in_thousands(self):
        """A snapshot rule (no window), amounts: thousands and decimals as the reader writes
        them, the currency where it belongs."""
        currency = self.env.company.currency_id
        facts = kpi_discrepancy.suggestion_facts(
            [1000.0, 1469.0], {1: 1000.0, 2: 1200.0}, 1234.5, "higher", 1200.0, 2,
            currency_id=currency.id)
        self.assertEqual((facts["median"], facts["bound"], facts["days"]), (1234.5, 1000.0,
                                                                            None))
        self.assertFalse(facts["bound_shown"])  # user 1's individual target
        self.assertFalse(kpi_discrepancy.suggestion_private(facts))  # the median, above it
        full, subject = self.render(facts, "da_DK")
        self.assertTrue(full.startswith(
            "Median af teamets 2 periodeværdier over disse perioder: "), full)
        self.assertIn("1.234,5", full)
        self.assertIn(currency.symbol, full)
        self.assertIn("1.000", full)
        self.assertNotIn("1.000", subject)
        self.assertIn("Aldrig lettere end de mål, der gælder i teamet: ", subject)
        self.assertIn("1.234,5", subject)
        full, subject = self.render(facts, "en_US")
        self.assertIn("1,234.5", full)
        self.assertNotIn("1,000", subject)

    def test_lower_is_better(self):
        """A KPI where lower is better: the bound is the highest target in force."""
        facts = kpi_discrepancy.suggestion_facts([3.0, 5.0], {1: 6.0, 2: 4.0}, 4.0, "lower",
                                                 6.0, 2)
        self.assertEqual((facts["bound"], facts["bound_shown"]), (6.0, True))
