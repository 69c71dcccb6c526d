"""The path between the figures and the payment: figures belong to what they were computed for,
signatures are real, an approved sheet never changes, leavers are paid for their days."""

import datetime
import io

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.tools import bonus_math
from odoo.exceptions import AccessError, UserError, ValidationError

from .bonus_common import PERIOD_FROM, PERIOD_TO, BonusCase
from .common import NOW, utc

OCTOBER = {"period_type": "month", "date_from": "2026-10-01"}


@freeze_time(NOW)
class TestFiguresBelongToTheirPeriod(BonusCase):
    def setUp(self):
        super().setUp()
        self.won_lead(self.salesman, utc(days=-40), revenue=110000)  # 14 October
        self.Officer = self.env["kpi.bonus.sheet"].with_user(self.officer)

    def full_sheet(self, **vals):
        """A computed sheet with every employee assessed (nothing missing)."""
        sheet = self.new_sheet(**vals)
        self.assess(sheet, self.salesman, self.manager, 80)
        self.assess(sheet, self.salesman2, self.manager, 80)
        sheet.with_user(self.officer).action_compute()
        return sheet

    def test_a_computed_sheet_moved_to_another_period_loses_its_figures(self):
        october = self.full_sheet(**OCTOBER)
        self.assertTrue(october.line_ids)
        october.with_user(self.officer).write({"date_from": "2026-09-01"})
        self.assertFalse(october.line_ids)
        self.assertFalse(october.computed_at)
        with self.assertRaises(UserError):  # the October figures never go out as September's
            october.with_user(self.officer).action_submit()
        self.assertIn("Figures cleared", " ".join(october.message_ids.mapped("body")))
        # the same for the team or the scheme
        other_team = self.env["crm.team"].search([("name", "=", "Other team")])
        other_scheme = self.scheme.copy({"name": "Copy"})
        for vals in ({"team_id": other_team.id}, {"scheme_id": other_scheme.id}):
            october.with_user(self.officer).write({"team_id": self.team.id,
                                                   "scheme_id": self.scheme.id})
            october.with_user(self.officer).action_compute()
            self.assertTrue(october.line_ids)
            october.with_user(self.officer).write(vals)
            self.assertFalse(october.line_ids)

    def test_an_assessment_changed_after_compute_makes_the_sheet_stale(self):
        sheet = self.full_sheet(**OCTOBER)
        self.assertFalse(sheet.stale_reason)
        assessment = sheet.assessment_ids.filtered(lambda a: a.user_id == self.salesman)
        for change in (lambda: assessment.with_user(self.manager).write({"score": 100}),
                       lambda: assessment.with_user(self.manager).unlink(),
                       lambda: self.assess(sheet, self.salesman, self.assessor, 10)):
            change()
            sheet.invalidate_recordset(["stale_reason"])
            self.assertIn("manual assessments", sheet.stale_reason)
            with self.assertRaises(UserError) as caught:
                sheet.with_user(self.officer).action_submit()
            self.assertIn("manual assessments", str(caught.exception))
            sheet.with_user(self.officer).action_compute()  # up to date again
            self.assertFalse(sheet.stale_reason)
        sheet.with_user(self.officer).action_submit()
        self.assertEqual(sheet.state, "to_approve")

    def test_hr_approval_recomputes_and_names_what_changed(self):
        sheet = self.full_sheet(**OCTOBER)
        sheet.with_user(self.officer).action_submit()
        sheet.with_user(self.manager).action_approve_manager()
        # a deal of October entered late, and a new individual target
        self.won_lead(self.salesman, utc(days=-45), revenue=5000)
        with self.assertRaises(UserError) as caught:
            sheet.with_user(self.hr).action_approve()
        self.assertIn("KPI results", str(caught.exception))
        self.env["kpi.rule.target"].create({"rule_id": self.rule_volume.id,
                                            "user_id": self.salesman2.id, "target": 1000})
        with self.assertRaises(UserError) as caught:
            sheet.with_user(self.hr).action_approve()
        self.assertIn("targets", str(caught.exception))
        self.scheme.base_amount = 20000
        with self.assertRaises(UserError) as caught:
            sheet.with_user(self.hr).action_approve()
        self.assertIn("scheme", str(caught.exception))
        self.assertEqual(sheet.state, "to_approve")
        # back to draft, compute again: the new figures are the ones approved
        sheet.with_user(self.officer).action_reset_to_draft()
        sheet.with_user(self.officer).action_compute()
        self.approve(sheet)
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        self.assertEqual(line.detail_ids.filtered(lambda d: d.rule_id).mapped("value")[0],
                         115000)
        self.assertEqual(sheet.base_amount, 20000)

    def test_rule_archived_or_removed_from_the_profiles(self):
        # (a rule made a pilot is shown, not counted: tests/test_rollout.py)
        for change, word in (({"active": False}, "archived"),
                             ({"profile_ids": [Command.clear()]}, "profile")):
            sheet = self.new_sheet(**OCTOBER)
            with self.env.cr.savepoint() as savepoint:
                self.rule_new.write(change)
                with self.assertRaises(ValidationError) as caught:
                    sheet.with_user(self.officer).action_compute()
                message = str(caught.exception)
                self.assertIn(self.rule_new.name, message)
                self.assertIn(self.scheme.name, message)
                self.assertIn(word, message)
                self.assertFalse(sheet.line_ids)
                savepoint.rollback()
            sheet.unlink()

    def test_missing_figures_are_listed_and_submitting_anyway_is_recorded(self):
        pipeline = self.make_rule("open_pipeline", name="Pipeline", target=100)
        self.scheme.write({"line_ids": [
            Command.update(self.scheme.line_ids[0].id, {"weight": 20}),
            Command.create({"rule_id": pipeline.id, "weight": 10})]})
        for day in range(1, 32):  # every day of October but one for salesman
            if day != 15:
                self.env["kpi.result"].create({
                    "rule_id": pipeline.id, "user_id": self.salesman.id,
                    "date": datetime.date(2026, 10, day), "value": 100, "target": 100,
                    "score": 100})
        sheet = self.new_sheet(period_type="month", date_from="2026-10-01")
        self.assess(sheet, self.salesman, self.manager, 80)
        sheet.with_user(self.officer).action_compute()
        self.assertIn("Customer service: %s: not assessed" % self.salesman2.name,
                      sheet.missing_figures)
        self.assertIn("%s: 1 of 31 days without a nightly result" % self.salesman.name,
                      sheet.missing_figures)
        self.assertIn("%s: 31 of 31 days" % self.salesman2.name, sheet.missing_figures)
        with self.assertRaises(UserError) as caught:
            sheet.with_user(self.officer).action_submit()
        self.assertIn("not assessed", str(caught.exception))
        self.assertEqual(sheet.state, "draft")
        sheet.with_user(self.officer).action_submit_anyway()
        self.assertEqual(sheet.state, "to_approve")
        note = sheet.message_ids.filtered(lambda m: "missing figures" in (m.body or ""))
        self.assertTrue(note)
        self.assertIn(self.officer.name, note.body)
        self.assertIn("not assessed", note.body)

    def test_a_period_not_over_is_a_provisional_preview(self):
        # 1-30 November: in Copenhagen it ends on 29 November 23:00 UTC, later than now;
        # an employee in Honolulu ends it even later
        self.salesman2.tz = "Pacific/Honolulu"
        sheet = self.new_sheet(period_type="month", date_from="2026-11-01")
        sheet.with_user(self.officer).action_compute()
        self.assertTrue(sheet.provisional)
        self.assertIn("Provisional", " ".join(sheet.message_ids.mapped("body")))
        with self.assertRaises(UserError) as caught:
            sheet.with_user(self.officer).action_submit_anyway()
        self.assertIn("provisional", str(caught.exception))
        self.assertIn("2026-12-01 10:00:00", str(caught.exception))  # Honolulu's midnight
        # once it has ended everywhere, it is computed again and may be submitted
        with freeze_time("2026-12-01 10:00:01"):
            sheet.with_user(self.officer).action_compute()
            self.assertFalse(sheet.provisional)
            sheet.with_user(self.officer).action_submit_anyway()
        self.assertEqual(sheet.state, "to_approve")


@freeze_time(NOW)
class TestApprovedSheetsNeverChange(BonusCase):
    def setUp(self):
        super().setUp()
        self.won_lead(self.salesman, utc(days=-3), revenue=110000)
        self.sheet = self.new_sheet()
        self.sheet.with_user(self.officer).action_compute()
        self.approve(self.sheet)

    def test_names_are_those_of_the_approval(self):
        name = self.sheet.name
        old_name = self.salesman.name
        self.scheme.name = "Renamed scheme"
        self.team.name = "Renamed team"
        self.salesman.name = "Renamed salesman"
        self.manager.name = "Renamed manager"
        self.env.flush_all()
        self.sheet.invalidate_recordset()
        self.assertEqual(self.sheet.name, name)
        self.assertIn("Sales bonus", name)
        self.sheet.with_user(self.officer).action_export_xlsx()
        content = self.sheet.with_user(self.officer)._get_xlsx_content()
        cells = [c.value for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()
                 for c in row]
        for expected in ("Sales bonus", "KPI test team", old_name,
                         self.sheet.approval_names["manager"]):
            self.assertIn(expected, cells)
        for renamed in ("Renamed scheme", "Renamed team", "Renamed salesman", "Renamed manager"):
            self.assertNotIn(renamed, cells)

    def test_a_mistake_is_corrected_by_a_sheet_that_replaces_it(self):
        old = self.sheet
        with self.assertRaises(UserError):
            old.with_user(self.officer).write({"date_to": "2026-11-20"})
        with self.assertRaises(AccessError):
            old.with_user(self.manager).action_correct()
        action = old.with_user(self.officer).action_correct()
        correction = self.env["kpi.bonus.sheet"].browse(action["res_id"])
        self.assertEqual((correction.state, correction.replaces_id), ("draft", old))
        self.assertEqual((correction.date_from, correction.date_to, correction.team_id),
                         (old.date_from, old.date_to, old.team_id))
        with self.assertRaises(UserError):  # one correction at a time
            old.with_user(self.officer).action_correct()
        with self.assertRaises(UserError):  # a correction covers the same period
            correction.with_user(self.officer).write({"date_to": "2026-11-21"})
        # the mistake: a deal that was missing
        self.won_lead(self.salesman2, utc(days=-4), revenue=110000)
        self.assess(correction, self.salesman, self.manager, 100)
        self.assess(correction, self.salesman2, self.manager, 100)
        correction.with_user(self.officer).action_compute()  # the old sheet does not block it
        amounts = {ln.user_id: ln.amount for ln in old.line_ids}
        self.approve(correction)
        self.assertEqual((old.state, old.replaced_by_id), ("replaced", correction))
        self.assertEqual({ln.user_id: ln.amount for ln in old.line_ids}, amounts)
        self.assertGreater(correction.line_ids.filtered(
            lambda ln: ln.user_id == self.salesman2).amount, amounts[self.salesman2])
        # a replaced sheet is not to be paid: its workbook says so; it stays frozen
        content = old.with_user(self.officer)._get_xlsx_content()
        cells = [c.value for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()
                 for c in row]
        # named with its period in the exporting user's date format (US English here)
        self.assertIn(correction._get_localized_name(), cells)
        self.assertIn("10/24/2026 - 11/22/2026", correction._get_localized_name())
        with self.assertRaises(UserError):
            old.with_user(self.officer).write({"team_id": self.team.id})
        # the salesperson still reads both of his lines, the replaced one marked
        lines = self.env["kpi.bonus.sheet.line"].with_user(self.salesman).search([])
        self.assertEqual(lines.sheet_id, old | correction)


@freeze_time(NOW)
class TestSignatures(BonusCase):
    def test_an_assessment_is_signed_by_its_author(self):
        sheet = self.new_sheet()
        Assessment = self.env["kpi.bonus.assessment"]
        vals = {"sheet_id": sheet.id, "scheme_line_id": self.service.id,
                "user_id": self.salesman.id, "score": 100}
        with self.assertRaises(AccessError):  # HR cannot sign in the manager's name
            Assessment.with_user(self.officer).create(dict(vals, assessor_id=self.manager.id))
        self.assertFalse(sheet.assessment_ids)
        own = Assessment.with_user(self.officer).create(vals)  # HR, in its own name
        self.assertEqual(own.assessor_id, self.officer)
        manager = self.assess(sheet, self.salesman, self.manager, 60)
        with self.assertRaises(AccessError):  # nor changes the manager's score
            manager.with_user(self.officer).write({"score": 100})
        with self.assertRaises(AccessError):  # nor does another assessor
            manager.with_user(self.assessor).write({"score": 100})
        self.assertEqual(manager.score, 60)
        sheet.with_user(self.officer).action_compute()
        service = sheet.line_ids.filtered(
            lambda ln: ln.user_id == self.salesman).detail_ids.filtered(lambda d: d.kind == "manual")
        self.assertIn("%s: 60%%" % self.manager.name, service.note)
        self.assertIn("%s: 100%%" % self.officer.name, service.note)
        # HR may withdraw an assessment: the chatter keeps who withdrew what
        manager.with_user(self.officer).unlink()
        self.assertIn("withdrawn by %s" % self.officer.name,
                      " ".join(sheet.message_ids.mapped("body")))


@freeze_time(NOW)
class TestLeaversAndMovers(BonusCase):
    def _days(self, user, first, last, team):
        rule = self.rule_volume
        day = first
        while day <= last:
            self.env["kpi.result"].create({
                "rule_id": rule.id, "user_id": user.id, "date": day, "value": 0,
                "target": rule.target, "score": 0, "team_id": team.id,
                "profile_id": user.kpi_profile_id.id})
            day += datetime.timedelta(days=1)

    def test_paid_for_the_days_in_the_team(self):
        other_team = self.env["crm.team"].search([("name", "=", "Other team")])
        # salesman2 worked until 7 November, then was archived
        self._days(self.salesman2, PERIOD_FROM, datetime.date(2026, 11, 7), self.team)
        self.won_lead(self.salesman2, utc(days=-20), revenue=55000)  # 3 November
        self.salesman2.active = False
        # salesman moved to the other team after 12 November
        self._days(self.salesman, PERIOD_FROM, datetime.date(2026, 11, 12), self.team)
        self._days(self.salesman, datetime.date(2026, 11, 13), PERIOD_TO, other_team)
        self.team.crm_team_member_ids.filtered(
            lambda m: m.user_id == self.salesman).unlink()
        other_team.crm_team_member_ids = [Command.create({"user_id": self.salesman.id})]
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        lines = {ln.user_id: ln for ln in sheet.line_ids}
        self.assertEqual(set(lines), {self.salesman, self.salesman2})
        archived = lines[self.salesman2]
        self.assertEqual((archived.worked_from, archived.worked_to),
                         (PERIOD_FROM, datetime.date(2026, 11, 7)))
        self.assertIn("Archived", archived.presence_note)
        self.assertIn("15 of the 30 days", archived.presence_note)
        volume = archived.detail_ids.filtered(lambda d: d.rule_id == self.rule_volume)
        # 55,000 against the target prorated to 15 of 30 days: 55,000 -> 100%
        self.assertEqual((volume.value, volume.target, volume.score), (55000, 55000, 100))
        full = bonus_math.bonus_amount(10000, archived.total_score,
                                           self.scheme._get_levels())
        self.assertEqual(archived.amount, round(full * 15 / 30, 2))
        moved = lines[self.salesman]
        self.assertEqual(moved.worked_to, datetime.date(2026, 11, 12))
        self.assertIn("Other team", moved.presence_note)
        self.assertIn("20 of the 30 days", moved.presence_note)
        # the other team's sheet pays him from 13 November: each team for its own days
        other = self.new_sheet(team_id=other_team.id)
        other.with_user(self.officer).action_compute()
        joined = other.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        self.assertEqual((joined.worked_from, joined.worked_to),
                         (datetime.date(2026, 11, 13), PERIOD_TO))
        # in the reader's date format (US English here)
        self.assertIn("Joined the team on 11/13/2026", joined.presence_note)
        self.assertIn("10 of the 30 days", joined.presence_note)
