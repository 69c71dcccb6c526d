"""Bonus sheets remind the people who must act (issue 11): one activity per person and step,
opening the sheet, closed once the step is done or the sheet goes back to draft.

* draft, an employee not assessed on a manual KPI: the team manager and the scheme's assessors;
* submitted: the manager approver;
* approved by the manager: the bonus officers who may give the HR approval (not the submitter,
  not the manager approver, nobody with a line on the sheet).

Each test fails on the code without reminders.
"""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, new_test_user
from odoo.tools.misc import format_date

from .bonus_common import PERIOD_FROM, BonusCase
from .common import NOW, TODAY, TZ, utc

ASSESS = "kpi_management.mail_act_kpi_bonus_assessment"
MANAGER_APPROVAL = "kpi_management.mail_act_kpi_bonus_manager_approval"
HR_APPROVAL = "kpi_management.mail_act_kpi_bonus_hr_approval"


@freeze_time(NOW)
class TestBonusActivities(BonusCase):
    def activities(self, sheet, xmlid=None, done=False):
        """The open (or done) activities of ``sheet``, of the step ``xmlid`` if given."""
        domain = [("res_model", "=", "kpi.bonus.sheet"), ("res_id", "=", sheet.id),
                  ("active", "=", not done)]
        if xmlid:
            domain.append(("activity_type_id", "=", self.env.ref(xmlid).id))
        return self.env["mail.activity"].with_context(active_test=False).search(domain)

    def assertOnePerUser(self, activities, users):
        self.assertEqual(sorted(activities.user_id.ids), sorted(users.ids))
        self.assertEqual(len(activities), len(users), "one activity per person")

    def done_messages(self, sheet, xmlid):
        return sheet.message_ids.filtered(
            lambda m: m.mail_activity_type_id == self.env.ref(xmlid))

    def assess_all(self, sheet):
        self.assess(sheet, self.salesman, self.manager, 90)
        self.assess(sheet, self.salesman2, self.assessor, 80)

    def submitted_sheet(self):
        """A computed sheet, fully assessed, submitted by the officer."""
        self.won_lead(self.salesman, utc(days=-3), revenue=110000)
        self.rule_volume.evaluate()
        sheet = self.new_sheet()
        self.assess_all(sheet)
        sheet.with_user(self.officer).action_compute()
        sheet.with_user(self.officer).action_submit_anyway()
        return sheet

    # ---------------------------------------------------------------- assessments
    def test_a_new_sheet_reminds_the_team_manager_and_each_assessor(self):
        sheet = self.new_sheet()
        assess = self.activities(sheet, ASSESS)
        self.assertOnePerUser(assess, self.manager | self.assessor)
        self.assertEqual(self.activities(sheet), assess)  # nobody else, no other step
        for activity in assess:
            self.assertIn("Customer service", activity.note)
            self.assertIn(sheet.with_user(activity.user_id).display_name, activity.note)
            # the period ended on 22 November: due today, 23 November
            self.assertEqual(activity.date_deadline, TODAY)
        # each finds his own among his activities, as himself
        for user in (self.manager, self.assessor):
            mine = self.env["mail.activity"].with_user(user).search(
                [("user_id", "=", user.id)])
            self.assertEqual(mine, assess.filtered(lambda a, user=user: a.user_id == user))
        # a period not over yet: the assessments are due the day after it ends
        december = self.new_sheet(period_type="month", date_from="2026-12-01")
        self.assertEqual(set(self.activities(december).mapped("date_deadline")),
                         {datetime.date(2027, 1, 1)})
        # a scheme without manual KPI: nothing to assess, nobody reminded
        scheme = self.env["kpi.bonus.scheme"].create({
            "name": "Rules only", "profile_ids": [Command.set(self.profile_sales.ids)],
            "assessor_ids": [Command.set(self.assessor.ids)],
            "line_ids": [Command.create({"rule_id": self.rule_volume.id, "weight": 100})],
        })
        self.assertFalse(self.activities(self.new_sheet(scheme_id=scheme.id)))

    def test_the_last_assessment_closes_the_reminders(self):
        sheet = self.new_sheet()
        self.assess(sheet, self.salesman, self.manager, 90)
        self.assertOnePerUser(self.activities(sheet, ASSESS), self.manager | self.assessor)
        self.assess(sheet, self.salesman2, self.assessor, 80)  # the last one missing
        self.assertFalse(self.activities(sheet))
        done = self.activities(sheet, ASSESS, done=True)
        self.assertOnePerUser(done, self.manager | self.assessor)
        self.assertEqual(set(done.mapped("feedback")),
                         {"Every employee is assessed on every manual KPI."})
        # the chatter keeps who finished the step, and why the reminders closed
        messages = self.done_messages(sheet, ASSESS)
        self.assertEqual(len(messages), 2)
        self.assertEqual(messages.author_id, self.assessor.partner_id)
        for body in messages.mapped("body"):
            self.assertIn("Every employee is assessed on every manual KPI.", body)

    def test_syncing_again_creates_nothing(self):
        sheet = self.new_sheet()
        before = self.activities(sheet)
        sheet._sync_activities()
        sheet.with_user(self.officer)._sync_activities()
        sheet.with_user(self.officer).action_compute()
        self.assess(sheet, self.salesman, self.manager, 90)  # one still missing
        self.assertEqual(self.activities(sheet), before)
        self.assertFalse(self.activities(sheet, done=True))
        self.assess(sheet, self.salesman2, self.assessor, 80)
        sheet.with_user(self.officer).action_compute()
        sheet.with_user(self.officer).action_submit()
        approval = self.activities(sheet)
        sheet._sync_activities()
        sheet._sync_activities()
        self.assertEqual(self.activities(sheet), approval)
        self.assertOnePerUser(approval, self.manager)
        # a duplicate (two syncs at the same moment) is dropped, one is kept
        approval.copy()
        sheet._sync_activities()
        self.assertEqual(self.activities(sheet), approval)
        self.assertFalse(self.activities(sheet, MANAGER_APPROVAL, done=True))

    def test_a_withdrawn_assessment_reopens_the_reminders(self):
        sheet = self.new_sheet()
        self.assess_all(sheet)
        self.assertFalse(self.activities(sheet))
        # the officer withdraws the manager's assessment: somebody is missing again
        sheet.assessment_ids.filtered(lambda a: a.assessor_id == self.manager) \
            .with_user(self.officer).unlink()
        self.assertOnePerUser(self.activities(sheet, ASSESS), self.manager | self.assessor)

    def test_the_schemes_assessors_changed(self):
        sheet = self.new_sheet()
        newcomer = new_test_user(self.env, login="kpi_t_assessor2", tz=TZ,
                                 groups="base.group_user,kpi_management.group_kpi_user")
        self.scheme.with_user(self.officer).assessor_ids = [Command.set(newcomer.ids)]
        self.assertOnePerUser(self.activities(sheet, ASSESS), self.manager | newcomer)
        gone = self.activities(sheet, ASSESS, done=True)
        self.assertOnePerUser(gone, self.assessor)
        self.assertEqual(gone.feedback, "No longer asked to assess this sheet.")

    # ------------------------------------------------------------------ approvals
    def test_submit_reminds_the_manager_approver_only(self):
        self.won_lead(self.salesman, utc(days=-3), revenue=110000)
        self.rule_volume.evaluate()
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        sheet.with_user(self.officer).action_submit_anyway()  # nobody assessed
        self.assertFalse(self.activities(sheet, ASSESS))
        self.assertEqual(set(self.activities(sheet, ASSESS, done=True).mapped("feedback")),
                         {"Sheet submitted for approval."})
        approval = self.activities(sheet)
        self.assertOnePerUser(approval, self.manager)
        self.assertEqual(approval.activity_type_id, self.env.ref(MANAGER_APPROVAL))
        self.assertIn("manager approval", approval.note)
        for user in (self.officer, self.hr, self.assessor, self.salesman):
            self.assertFalse(self.env["mail.activity"].with_user(user).search(
                [("user_id", "=", user.id)]), user.login)
        # the activity opens the sheet, which its manager approver reads
        action = approval.with_user(self.manager).action_open_document()
        self.assertEqual((action["res_model"], action["res_id"]), ("kpi.bonus.sheet", sheet.id))
        self.assertTrue(sheet.with_user(self.manager).is_manager_approver)

    def test_manager_approval_hands_over_to_the_other_officers(self):
        sheet = self.submitted_sheet()
        sheet.with_user(self.manager).action_approve_manager()
        done = self.activities(sheet, MANAGER_APPROVAL, done=True)
        self.assertOnePerUser(done, self.manager)
        self.assertEqual(done.feedback, "Manager approval given by %s." % self.manager.name)
        self.assertEqual(self.done_messages(sheet, MANAGER_APPROVAL).author_id,
                         self.manager.partner_id)
        hr = self.activities(sheet)
        self.assertEqual(hr.activity_type_id, self.env.ref(HR_APPROVAL))
        # every officer who may give the HR approval, once: not the submitter (refused as a
        # second signature), nor the manager
        officers = self.env.ref("kpi_management.group_kpi_bonus_officer").all_user_ids
        self.assertIn(self.hr, hr.user_id)
        self.assertLessEqual(hr.user_id, officers)
        self.assertNotIn(self.officer, hr.user_id)
        self.assertNotIn(self.manager, hr.user_id)
        self.assertEqual(len(hr), len(hr.user_id))
        self.assertEqual(hr.user_id.filtered(lambda u: not u.active or u.share).ids, [])
        # as themselves: the officer who submitted has nothing to do
        self.assertFalse(self.env["mail.activity"].with_user(self.officer).search(
            [("user_id", "=", self.officer.id)]))
        mine = self.env["mail.activity"].with_user(self.hr).search([("user_id", "=", self.hr.id)])
        self.assertEqual(mine, hr.filtered(lambda a: a.user_id == self.hr))

    def test_hr_approval_closes_the_reminders(self):
        sheet = self.submitted_sheet()
        sheet.with_user(self.manager).action_approve_manager()
        recipients = self.activities(sheet).user_id
        sheet.with_user(self.hr).action_approve()
        self.assertFalse(self.activities(sheet))
        done = self.activities(sheet, HR_APPROVAL, done=True)
        self.assertOnePerUser(done, recipients)
        self.assertEqual(set(done.mapped("feedback")), {"HR approval given by %s." % self.hr.name})
        self.assertEqual(self.done_messages(sheet, HR_APPROVAL).author_id, self.hr.partner_id)
        # exported: still nothing to do
        sheet.with_user(self.hr)._mark_exported()
        self.assertFalse(self.activities(sheet))

    def test_the_schemes_approver_is_reminded_when_the_manager_has_a_line(self):
        self.manager.kpi_profile_id = self.profile_sales  # on his own team's sheet
        self.hr.kpi_profile_id = self.profile_sales  # an officer who has a line too
        self.team.crm_team_member_ids = [Command.create({"user_id": self.hr.id})]
        self.scheme.approver_id = self.other_manager
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        sheet.with_user(self.officer).action_submit_anyway()
        approval = self.activities(sheet)
        self.assertOnePerUser(approval, self.other_manager)
        # he opens the sheet his activity points to, and approves it
        action = approval.with_user(self.other_manager).action_open_document()
        self.assertEqual(self.env["kpi.bonus.sheet"].with_user(self.other_manager).browse(
            action["res_id"]).name, sheet.name)
        sheet.with_user(self.other_manager).action_approve_manager()
        hr = self.activities(sheet)
        self.assertTrue(hr)
        self.assertNotIn(self.hr, hr.user_id)  # nobody approves his own bonus
        self.assertNotIn(self.other_manager, hr.user_id)

    def test_back_to_draft_closes_the_approval_reminders(self):
        sheet = self.submitted_sheet()
        sheet.with_user(self.manager).action_approve_manager()
        recipients = self.activities(sheet).user_id
        sheet.with_user(self.hr).action_reset_to_draft()
        self.assertFalse(self.activities(sheet))  # everybody is assessed: nothing to do
        done = self.activities(sheet, HR_APPROVAL, done=True)
        self.assertOnePerUser(done, recipients)
        self.assertEqual(set(done.mapped("feedback")), {"Sheet sent back to draft."})

    def test_back_to_draft_reopens_the_missing_assessments(self):
        sheet = self.new_sheet()
        self.assess(sheet, self.salesman, self.manager, 90)  # salesman2 not assessed
        sheet.with_user(self.officer).action_compute()
        sheet.with_user(self.officer).action_submit_anyway()
        self.assertOnePerUser(self.activities(sheet), self.manager)
        sheet.with_user(self.manager).action_reset_to_draft()
        self.assertEqual(self.activities(sheet, MANAGER_APPROVAL, done=True).feedback,
                         "Sheet sent back to draft.")
        self.assertOnePerUser(self.activities(sheet, ASSESS), self.manager | self.assessor)
        self.assertEqual(self.activities(sheet), self.activities(sheet, ASSESS))

    def test_a_correction_reminds_its_assessors_the_replaced_sheet_nobody(self):
        sheet = self.submitted_sheet()
        self.approve_rest(sheet)
        action = sheet.with_user(self.officer).action_correct()
        correction = self.env["kpi.bonus.sheet"].browse(action["res_id"])
        # a new draft, nobody assessed on it yet
        self.assertOnePerUser(self.activities(correction, ASSESS), self.manager | self.assessor)
        self.assess_all(correction)
        correction.with_user(self.officer).action_compute()
        self.approve(correction)
        self.assertEqual(sheet.state, "replaced")
        self.assertFalse(self.activities(sheet) | self.activities(correction))

    def approve_rest(self, sheet):
        sheet.with_user(self.manager).action_approve_manager()
        sheet.with_user(self.hr).action_approve()

    # ----------------------------------------------------------------- who opens it
    def test_an_assessor_opens_the_sheet_of_his_reminder(self):
        """The assessor is a plain KPI user, not a bonus officer nor a manager: the record
        rules let him read a draft sheet of a scheme he assesses, which his activity opens."""
        self.env["res.lang"]._activate_lang("da_DK")
        self.assessor.lang = "da_DK"
        sheet = self.new_sheet()
        activity = self.env["mail.activity"].with_user(self.assessor).search(
            [("user_id", "=", self.assessor.id)])
        self.assertEqual(len(activity), 1)
        action = activity.action_open_document()
        self.assertEqual((action["res_model"], action["res_id"]), ("kpi.bonus.sheet", sheet.id))
        form = Form(self.env["kpi.bonus.sheet"].with_user(self.assessor).browse(action["res_id"]))
        self.assertEqual(form.name, sheet.name)
        # written for him: the period in his (Danish) date format, not the manager's
        danish = format_date(self.env(context={"lang": "da_DK"}), PERIOD_FROM)
        english = format_date(self.env(context={"lang": "en_US"}), PERIOD_FROM)
        self.assertNotEqual(danish, english)
        self.assertIn(danish, activity.note)
        manager_note = self.activities(sheet).filtered(lambda a: a.user_id == self.manager).note
        self.assertIn(english, manager_note)
        # he assesses from there; the sheet's reminders close once nobody is missing
        self.assess(sheet, self.salesman, self.assessor, 70)
        self.assess(sheet, self.salesman2, self.assessor, 70)
        self.assertFalse(activity.with_user(self.assessor).active)

    def test_nobody_is_reminded_of_a_sheet_they_cannot_open(self):
        """A team manager who is a plain salesperson (not a KPI manager) cannot read the
        draft sheet: no activity leading to an access error."""
        plain = new_test_user(self.env, login="kpi_t_plain_manager", tz=TZ,
                              groups="sales_team.group_sale_salesman")
        self.team.user_id = plain
        sheet = self.new_sheet()
        self.assertFalse(self.env["kpi.bonus.sheet"].with_user(plain).search(
            [("id", "=", sheet.id)]))
        self.assertOnePerUser(self.activities(sheet), self.assessor)
