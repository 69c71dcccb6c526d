"""The bonus sheet in the reader's language: its notes store facts and are worded when read.

A sheet computed by an English-speaking officer is read by a Danish HR officer: the notes of
the form (how each KPI was derived, why an employee is paid for part of the period, which KPIs
had nothing to measure) and of the XLSX are Danish, with Danish dates and numbers, while what
is stored does not depend on anybody's language. The XLSX writes its period in the exporting
user's date format. Each test fails on the code that stored English sentences at compute time
and wrote the period in ISO.
"""

import datetime
import io

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.tools import bonus_notes

from .bonus_common import PERIOD_FROM, PERIOD_TO, BonusCase
from .common import NOW, load_danish

ARCHIVED_ON = datetime.date(2026, 11, 7)  # salesman2's last day: 15 of the 30 days


def read(content):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def info(ws, label):
    """The value right of ``label`` in the header block (column A)."""
    row = next(r for r in range(1, 30) if ws.cell(r, 1).value == label)
    return ws.cell(row, 2).value


def notes_of(ws, login):
    """The Notes cell of the employee with ``login`` (the summary: name, login, profile,
    notes...)."""
    row = next(r for r in ws.iter_rows(values_only=True) if r[1] == login)
    return row[3]


def hows_of(ws, name):
    """The How cells (how each KPI was derived) of the employee ``name`` in the details."""
    details = ws.parent.worksheets[1]
    return [r[-1] for r in details.iter_rows(values_only=True) if r[0] == name]


@freeze_time(NOW)
class TestBonusSheetLanguages(BonusCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_danish(cls.env)
        cls.hr.lang = "da_DK"  # reads, approves and exports in Danish
        cls.officer.lang = "en_US"  # computes in English
        cls.rule_conversion = cls.make_rule("conversion_rate", name="Conversion", target=50,
                                            window_days=30)
        cls.rule_pipeline = cls.make_rule("open_pipeline", name="Open pipeline",
                                          target=100000)
        cls.scheme.line_ids = [
            Command.clear(),
            Command.create({"rule_id": cls.rule_volume.id, "weight": 30}),
            Command.create({"rule_id": cls.rule_conversion.id, "weight": 12.5}),
            Command.create({"rule_id": cls.rule_pipeline.id, "weight": 17.5}),
            Command.create({"kind": "manual", "name": "Customer service", "weight": 40}),
        ]
        cls.service = cls.scheme.line_ids.filtered(lambda line: line.kind == "manual")

    def setUp(self):
        super().setUp()
        # salesman2 worked in the team until 7 November, then was archived; his pipeline had
        # something to measure on 8 of those 15 days; he closed no lead (conversion: no data)
        for offset in range((ARCHIVED_ON - PERIOD_FROM).days + 1):
            measured = not offset % 2
            self.env["kpi.result"].create({
                "rule_id": self.rule_pipeline.id, "user_id": self.salesman2.id,
                "date": PERIOD_FROM + datetime.timedelta(days=offset),
                "value": 50000 if measured else 0, "target": 100000,
                "score": 50 if measured else 0, "status": "warning" if measured else "no_data",
                "team_id": self.team.id, "profile_id": self.profile_sales.id})
        # salesman was in the team all along: the nightly results recorded it each day
        self.env["kpi.result"].create([{
            "rule_id": self.rule_volume.id, "user_id": self.salesman.id,
            "date": PERIOD_FROM + datetime.timedelta(days=offset), "value": 0,
            "target": self.rule_volume.target, "score": 0, "status": "off_track",
            "team_id": self.team.id, "profile_id": self.profile_sales.id}
            for offset in range((PERIOD_TO - PERIOD_FROM).days + 1)])
        self.salesman2.active = False
        # computed by the English officer, the assessments given in between
        self.sheet = self.computed_sheet()
        self.assess(self.sheet, self.salesman2, self.manager, 87.5)
        self.sheet.with_user(self.officer).with_context(lang="en_US").action_compute()

    def as_reader(self, user, lang):
        return self.sheet.with_user(user).with_context(lang=lang)

    def line_of(self, sheet, user):
        return sheet.line_ids.filtered(lambda line: line.user_id == user)

    def details_of(self, sheet, user):
        return {d.name: d.note for d in self.line_of(sheet, user).detail_ids}

    def stored_facts(self):
        """The stored facts of the sheet's notes, as the database holds them."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT l.user_id, l.presence_facts, array_agg(d.note_facts ORDER BY d.id)
              FROM kpi_bonus_sheet_line l JOIN kpi_bonus_sheet_detail d ON d.line_id = l.id
             WHERE l.sheet_id = %s GROUP BY l.id ORDER BY l.user_id""", [self.sheet.id])
        return self.env.cr.fetchall()

    def test_computed_in_english_read_in_danish(self):
        manager = self.manager.name
        # the English officer reads English, US dates
        english = self.as_reader(self.officer, "en_US")
        leaver = self.line_of(english, self.salesman2)
        self.assertEqual(leaver.presence_note, "Archived: last day in the team 11/07/2026. "
                         "Paid for 15 of the 30 days of the period.")
        self.assertEqual(leaver.no_data_note, "Nothing to measure for Conversion (12.5%): "
                         "weight shared pro rata over the other KPIs.")
        self.assertEqual(self.details_of(english, self.salesman2)["Customer service"],
                         "%s: 87.5%%" % manager)
        # the Danish HR officer reads the same sheet in Danish, Danish dates and numbers
        danish = self.as_reader(self.hr, "da_DK")
        leaver = self.line_of(danish, self.salesman2)
        self.assertEqual(leaver.presence_note, "Arkiveret: sidste dag i teamet 07.11.2026. "
                         "Betalt for 15 af periodens 30 dage.")
        self.assertEqual(leaver.no_data_note, "Intet at måle for Conversion (12,5%): vægten "
                         "fordeles forholdsmæssigt på de andre KPI'er.")
        notes = self.details_of(danish, self.salesman2)
        self.assertEqual(notes["Sales volume"],
                         "Målt over medarbejderens dage i teamet 24.10.2026 - 07.11.2026, mål "
                         "forholdsmæssigt reduceret: 0 poster talt med.")
        self.assertTrue(notes["Conversion"].startswith(
            "Ingen data: intet at måle i perioden; dens vægt fordeles forholdsmæssigt på de "
            "andre KPI'er. Målt over medarbejderens dage i teamet 24.10.2026 - 07.11.2026"),
            notes["Conversion"])
        self.assertEqual(notes["Open pipeline"], "Gennemsnit af 8 daglige resultater (7 dage "
                         "uden noget at måle er udeladt).")
        self.assertEqual(notes["Customer service"], "%s: 87,5%%" % manager)
        notes = self.details_of(danish, self.salesman)
        self.assertEqual(notes["Sales volume"],
                         "Målt over hele perioden 24.10.2026 - 22.11.2026 i medarbejderens "
                         "tidszone: 1 post talt med.")
        self.assertEqual(notes["Open pipeline"], "Intet resultat i perioden.")
        self.assertEqual(notes["Customer service"], "Ikke vurderet.")
        self.assertFalse(self.line_of(danish, self.salesman).presence_note)
        self.assertFalse(self.line_of(danish, self.salesman).no_data_note)

    def test_the_form_reads_danish(self):
        """What the form loads (``web_read`` of the sheet with its lines and their KPIs)."""
        danish = self.as_reader(self.hr, "da_DK")
        [data] = danish.web_read({"line_ids": {"fields": {
            "user_id": {}, "presence_note": {}, "no_data_note": {},
            "detail_ids": {"fields": {"name": {}, "note": {}}}}}})
        leaver = next(line for line in data["line_ids"]
                      if line["user_id"] == self.salesman2.id)
        self.assertEqual(leaver["presence_note"], "Arkiveret: sidste dag i teamet 07.11.2026. "
                         "Betalt for 15 af periodens 30 dage.")
        self.assertTrue(leaver["no_data_note"].startswith("Intet at måle for Conversion"))
        notes = {detail["name"]: detail["note"] for detail in leaver["detail_ids"]}
        self.assertEqual(notes["Customer service"], "%s: 87,5%%" % self.manager.name)
        self.assertTrue(notes["Open pipeline"].startswith("Gennemsnit af 8 daglige"))

    def test_the_stored_facts_do_not_depend_on_the_language(self):
        computed_in_english = self.stored_facts()
        leaver = self.line_of(self.sheet, self.salesman2)
        self.assertEqual(leaver.presence_facts, [
            {"code": "archived", "date": "2026-11-07"},
            {"code": "prorated", "days": 15, "total": 30}])
        facts = {d.name: d.note_facts for d in leaver.detail_ids}
        self.assertEqual(facts["Sales volume"], {"code": "measured", "from": "2026-10-24",
                                                 "to": "2026-11-07", "count": 0,
                                                 "partial": True})
        self.assertEqual(facts["Open pipeline"], {"code": "daily", "days": 15, "measured": 8})
        assessment = self.sheet.assessment_ids
        self.assertEqual(facts["Customer service"], {"code": "assessed", "assessments": [
            {"assessor_id": self.manager.id, "assessor": self.manager.name, "score": 87.5}]})
        self.assertEqual(assessment.assessor_id, self.manager)
        # computed again by a Danish officer: the same facts
        self.officer.lang = "da_DK"
        self.sheet.with_user(self.officer).with_context(lang="da_DK").action_compute()
        self.assertEqual(self.stored_facts(), computed_in_english)
        # and still English for an English reader
        self.assertTrue(self.line_of(self.as_reader(self.officer, "en_US"), self.salesman2)
                        .presence_note.startswith("Archived: last day in the team 11/07/2026."))

    def test_a_sheet_stored_before_the_facts_shows_its_stored_text(self):
        """Sheets computed before 19.0.1.3.0 have no facts: their stored sentences are shown
        as they were, in every language (an approved sheet never changes)."""
        leaver = self.line_of(self.sheet, self.salesman2)
        detail = leaver.detail_ids[0]
        self.env.flush_all()
        self.env.cr.execute("UPDATE kpi_bonus_sheet_detail SET note_facts = NULL, "
                            "legacy_note = 'Average of 3 daily results.' WHERE id = %s",
                            [detail.id])
        self.env.cr.execute("UPDATE kpi_bonus_sheet_line SET presence_facts = NULL, "
                            "legacy_presence_note = 'Paid for 15 of the 30 days of the "
                            "period.' WHERE id = %s", [leaver.id])
        self.env.invalidate_all()
        for user, lang in ((self.hr, "da_DK"), (self.officer, "en_US")):
            line = self.line_of(self.as_reader(user, lang), self.salesman2)
            self.assertEqual(line.presence_note, "Paid for 15 of the 30 days of the period.")
            self.assertEqual(line.detail_ids[0].note, "Average of 3 daily results.")

    def test_pilot_and_no_data_warnings_come_first(self):
        """A rule that is a pilot for the sheet's team is said first; then no data."""
        env = self.env(context=dict(self.env.context, lang="da_DK"))
        facts = bonus_notes.daily(3, 3)
        self.assertEqual(bonus_notes.render_kpi_note(env, facts, counted=False),
                         "Pilot for teamet, som registreret på medarbejderens første dag: "
                         "vises, tæller aldrig med; dens vægt fordeles forholdsmæssigt på de "
                         "andre KPI'er. Gennemsnit af 3 daglige resultater.")
        self.assertTrue(bonus_notes.render_kpi_note(env, facts, no_data=True).startswith(
            "Ingen data: intet at måle i perioden"))
        self.assertEqual(bonus_notes.render_presence_note(env, [
            bonus_notes.joined(datetime.date(2026, 11, 13)),
            bonus_notes.left(False, datetime.date(2026, 11, 20))]),
            "Kom ind i teamet den 13.11.2026. Har forladt teamet (nu intet team): sidste dag "
            "i det 20.11.2026.")

    def test_the_workbook_in_the_exporting_users_language_and_date_format(self):
        self.approve(self.sheet)
        # the Danish HR officer exports: Danish notes, the period in Danish dates
        ws = read(self.sheet.with_user(self.hr)._get_xlsx_content())
        self.assertEqual(info(ws, "Periode"), "24.10.2026 - 22.11.2026")
        self.assertEqual(ws.oddHeader.right.text, "24.10.2026 - 22.11.2026")
        self.assertIn("Bonusark Sales bonus / KPI test team / 24.10.2026 - 22.11.2026",
                      ws.cell(1, 1).value)
        self.assertEqual(notes_of(ws, self.salesman2.login),
                         "Arkiveret: sidste dag i teamet 07.11.2026. Betalt for 15 af periodens "
                         "30 dage. Intet at måle for Conversion (12,5%): vægten fordeles "
                         "forholdsmæssigt på de andre KPI'er.")
        # how each KPI was derived, in the details: Danish too
        line = self.sheet.line_ids.filtered(lambda line: line.user_id == self.salesman2)
        hows = hows_of(ws, line.employee_name)
        self.assertEqual(sorted(hows), sorted(
            line.detail_ids.with_context(lang="da_DK").mapped(lambda d: d.note or "")))
        self.assertTrue([how for how in hows if how.startswith("Ingen data")])
        # the English officer exports the same sheet: English notes, US dates
        ws = read(self.sheet.with_user(self.officer)._get_xlsx_content())
        self.assertEqual(info(ws, "Period"), "10/24/2026 - 11/22/2026")
        self.assertEqual(ws.oddHeader.right.text, "10/24/2026 - 11/22/2026")
        self.assertEqual(notes_of(ws, self.salesman2.login),
                         "Archived: last day in the team 11/07/2026. Paid for 15 of the 30 days "
                         "of the period. Nothing to measure for Conversion (12.5%): weight "
                         "shared pro rata over the other KPIs.")
        # no date written as ISO text anywhere in the workbook (both sheets)
        texts = [c.value for sheet in ws.parent.worksheets for row in sheet.iter_rows()
                 for c in row if isinstance(c.value, str)]
        self.assertFalse([text for text in texts if "2026-1" in text])

    def test_a_correction_names_the_sheets_in_the_users_date_format(self):
        self.approve(self.sheet)
        correction = self.env["kpi.bonus.sheet"].browse(
            self.sheet.with_user(self.officer).action_correct()["res_id"])
        self.assess(correction, self.salesman2, self.manager, 87.5)
        correction.with_user(self.officer).action_compute()
        self.approve(correction)
        ws = read(self.sheet.with_user(self.hr)._get_xlsx_content())
        self.assertEqual(info(ws, "Erstattet af (skal ikke udbetales)"),
                         "Sales bonus / KPI test team / 24.10.2026 - 22.11.2026")
        # and in red under the title, on every printed page of both sheets
        warning = ("Erstattet af (skal ikke udbetales): Sales bonus / KPI test team / "
                   "24.10.2026 - 22.11.2026")
        for sheet in ws.parent.worksheets:
            self.assertEqual(sheet.cell(2, 1).value, warning)
            self.assertIn(warning, sheet.oddHeader.left.text)
