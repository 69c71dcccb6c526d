"""Reminders: an off-track KPI gives its user one activity stating the gap, closed when the KPI
recovers (issue 11). The crash of a run is tested on committed cursors in test_cron.py."""

import datetime
from contextlib import contextmanager
from unittest import mock

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.sql_db import Cursor
from odoo.tools import SQL

from .common import NOW, TODAY, KpiCase, load_danish, utc

ONE_DAY = datetime.timedelta(days=1)


@contextmanager
def queries_run():
    """The SQL run by any cursor inside the block, as text (as ``BaseCase.assertQueries``)."""
    run = []
    execute = Cursor.execute

    def spy(cr, query, params=None, log_exceptions=True):
        run.append(query.code if isinstance(query, SQL) else str(query))
        return execute(cr, query, params, log_exceptions)

    with mock.patch.object(Cursor, "execute", spy):
        yield run


def no_commit(self, processed=0, *, remaining=None, deactivate=False):
    """``ir.cron._commit_progress`` outside a cron commits: not in a TransactionCase."""
    return float("inf")


@freeze_time(NOW)
class TestReminders(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the source example: 10 meetings planned in the next 14 days, 6 found: 60%, off track
        cls.rule = cls.make_rule("meetings_planned", name="Meetings planned", target=10,
                                 window_days=14)
        cls.reminder_type = cls.env.ref("kpi_management.mail_activity_type_kpi_off_track")
        for day in range(1, 7):
            cls.event(cls.salesman, utc(days=day, hours=10))
        for day in range(1, 11):
            cls.event(cls.salesman2, utc(days=day, hours=10))

    def run_cron(self):
        cron = type(self.env["ir.cron"])
        with mock.patch.object(cron, "_commit_progress", no_commit):
            self.env["kpi.rule"]._cron_evaluate()

    def reminders(self, user=None, active=True):
        return self.env["mail.activity"].with_context(active_test=False).search([
            ("activity_type_id", "=", self.reminder_type.id),
            ("active", "in", [active] if active is not None else [True, False]),
            *([("user_id", "=", user.id)] if user else [])])

    def test_off_track_user_gets_one_activity_stating_the_gap(self):
        self.run_cron()
        result = self.result(self.rule, self.salesman, TODAY)
        self.assertEqual((result.status, result.value), ("off_track", 6.0))
        reminder = self.reminders(self.salesman)
        self.assertEqual(len(reminder), 1)
        self.assertEqual((reminder.res_model, reminder.res_id), ("kpi.result", result.id))
        self.assertEqual(reminder.date_deadline, TODAY)
        self.assertIn("Plan 4 more meetings in the next 14 days to reach 10.", reminder.note)
        self.assertIn("Meetings planned", reminder.summary)
        # the colleague at 10 of 10 gets nothing
        self.assertFalse(self.reminders(self.salesman2))
        # the user sees it, opens the result and marks it done himself
        mine = self.env["mail.activity"].with_user(self.salesman).search(
            [("activity_type_id", "=", self.reminder_type.id)])
        self.assertEqual(mine, reminder)
        self.assertEqual(self.env["kpi.result"].with_user(self.salesman).browse(
            reminder.res_id).rule_id, self.rule)
        mine.action_feedback(feedback="Called three clients")
        self.assertFalse(reminder.active)
        # a colleague can neither see nor close it
        self.assertFalse(self.env["mail.activity"].with_user(self.salesman2).search(
            [("id", "=", reminder.id)]))

    def test_no_duplicate_over_several_runs_and_the_text_follows_the_gap(self):
        self.run_cron()
        self.run_cron()  # the next hourly run: nothing new
        first = self.reminders(self.salesman)
        self.assertEqual(len(first), 1)
        with freeze_time(NOW + ONE_DAY):
            # one meeting more tomorrow: still off track (7 of 10), the same reminder
            self.event(self.salesman, utc(days=7, hours=10))
            self.run_cron()
            self.run_cron()
        self.assertEqual(len(self.result(self.rule, self.salesman)), 2)
        self.assertEqual(self.reminders(self.salesman), first)
        self.assertEqual(first.date_deadline, TODAY, "due the day it went off track")
        self.assertIn("Plan 3 more meetings", first.note)
        # a re-run of the same day (Evaluate now + sync) changes nothing either
        results = self.rule.evaluate()
        self.env["kpi.result"]._sync_reminders(results.ids)
        self.assertEqual(self.reminders(self.salesman, active=None), first)

    def test_marked_done_when_the_kpi_recovers(self):
        self.run_cron()
        reminder = self.reminders(self.salesman)
        result = self.env["kpi.result"].browse(reminder.res_id)
        with freeze_time(NOW + ONE_DAY):
            for day in range(2, 7):
                self.event(self.salesman, utc(days=day, hours=15))
            self.run_cron()
        self.assertEqual(self.result(self.rule, self.salesman, TODAY + ONE_DAY).status,
                         "reached")
        self.assertFalse(reminder.active)
        self.assertEqual(reminder.feedback, "Back on track.")
        self.assertTrue(result.message_ids.filtered(lambda m: "Back on track" in m.body))
        self.assertFalse(self.reminders(self.salesman))

    def test_an_ignored_reminder_is_not_an_overdue_activity(self):
        overdue = self.make_rule("overdue_activities", name="Overdue", target=0)
        self.run_cron()
        self.assertEqual(len(self.reminders(self.salesman)), 1)
        # an ordinary overdue activity of the salesman counts
        partner = self.env["res.partner"].create({"name": "Client"})
        partner.activity_schedule("mail.mail_activity_data_todo", date_deadline=TODAY,
                                  user_id=self.salesman.id)
        with freeze_time(NOW + 3 * ONE_DAY):
            results = overdue.evaluate(users=self.salesman)
        self.assertEqual(results.value, 1.0, "the to-do counts, the ignored reminder does not")

    def test_pilot_and_rules_without_reminders_never_remind(self):
        self.rule.pilot = True
        self.run_cron()
        self.assertTrue(self.result(self.rule, self.salesman, TODAY).pilot)
        self.assertFalse(self.reminders())
        self.rule.write({"pilot": False, "reminder": False})
        with freeze_time(NOW + ONE_DAY):
            self.run_cron()
        self.assertEqual(self.result(self.rule, self.salesman, TODAY + ONE_DAY).status,
                         "off_track")
        self.assertFalse(self.reminders())
        # turned on again: reminded; turned off: the open reminder is closed
        self.rule.reminder = True
        with freeze_time(NOW + 2 * ONE_DAY):
            self.run_cron()
        reminder = self.reminders(self.salesman)
        self.assertEqual(len(reminder), 1)
        self.rule.reminder = False
        self.assertFalse(reminder.active)
        self.assertEqual(reminder.feedback, "Reminders are turned off for this KPI.")

    def test_a_team_turned_pilot_closes_its_reminder(self):
        self.run_cron()
        reminder = self.reminders(self.salesman)
        with freeze_time(NOW + ONE_DAY):
            self.rule.with_user(self.kpi_admin)._set_team_mode(self.team, "pilot",
                                                               TODAY + ONE_DAY)
            self.run_cron()
        self.assertFalse(reminder.active)
        self.assertIn("pilot", reminder.feedback)

    def test_a_team_turned_pilot_today_closes_its_reminder_at_once(self):
        """Run as a pilot in the team from today, after tonight's evaluation: today's result
        becomes a pilot and its open reminder is closed now, saying why (was: left open, off
        track on a pilot, until the next night)."""
        self.run_cron()
        reminder = self.reminders(self.salesman)
        self.assertTrue(reminder.active)
        self.rule.with_user(self.kpi_admin)._set_team_mode(self.team, "pilot", TODAY)
        self.assertTrue(self.result(self.rule, self.salesman, TODAY).pilot)
        self.assertFalse(reminder.active)
        self.assertIn("pilot", reminder.feedback)
        # live again from today: reminded again at once, with today's figures
        self.rule.with_user(self.kpi_admin)._set_team_mode(self.team, "live", TODAY)
        again = self.reminders(self.salesman)
        self.assertEqual(len(again), 1)
        self.assertIn("Plan 4 more meetings", again.note)

    def test_a_roll_out_step_elsewhere_leaves_a_dismissed_reminder_alone(self):
        """The salesman marks today's reminder done; the rule is then made a pilot in another
        team from today: his result's mode does not change, and no reminder is opened again
        for him before the next night."""
        self.run_cron()
        self.reminders(self.salesman).with_user(self.salesman).action_feedback(feedback="Done")
        other = self.env["crm.team"].create({"name": "Other team"})
        self.rule.with_user(self.kpi_admin)._set_team_mode(other, "pilot", TODAY)
        self.assertFalse(self.result(self.rule, self.salesman, TODAY).pilot)
        self.assertFalse(self.reminders(self.salesman))

    # -------------------------------------------- the KPI no longer applies (issue 20)
    def test_profile_changed_closes_the_reminder_at_once(self):
        """The evaluation stores no result for a rule the user no longer has: the change of
        profile closes its reminder, saying why, instead of leaving it to go overdue."""
        self.run_cron()
        reminder = self.reminders(self.salesman)
        result = self.env["kpi.result"].browse(reminder.res_id)
        self.salesman.kpi_profile_id = self.profile_kam
        self.assertFalse(reminder.active)
        self.assertEqual(reminder.feedback, "The KPI no longer applies to you (your KPI "
                                            "profile or the KPI's profiles changed).")
        self.assertTrue(result.message_ids.filtered(lambda m: "no longer applies" in m.body))
        with freeze_time(NOW + ONE_DAY):
            self.run_cron()
        self.assertFalse(self.result(self.rule, self.salesman, TODAY + ONE_DAY))
        self.assertFalse(reminder.active)
        # the colleague's reminder of a rule that still applies is left alone
        self.assertFalse(self.reminders(self.salesman2))

    def test_profile_changed_in_sql_closes_the_reminder_in_the_nightly_run(self):
        """A change no write announces (an import in SQL) is caught by the first run of the
        next day, which has results to compute."""
        self.run_cron()
        reminder = self.reminders(self.salesman)
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_users SET kpi_profile_id = %s WHERE id = %s",
                            [self.profile_kam.id, self.salesman.id])
        self.salesman.invalidate_recordset(["kpi_profile_id"])
        self.run_cron()  # the same day: nothing to compute, no reminder read
        self.assertTrue(reminder.active)
        with freeze_time(NOW + ONE_DAY):
            self.run_cron()
        self.assertFalse(reminder.active)
        self.assertEqual(reminder.feedback, "The KPI no longer applies to you (your KPI "
                                            "profile or the KPI's profiles changed).")

    def test_a_configuration_change_closes_the_reminders_it_concerns_at_once(self):
        """A profile archived, the rule's profiles changed, a company left: each closes the
        reminders of the KPIs that no longer apply, when written."""
        kam_rule = self.make_rule("meetings_planned", name="KAM meetings", target=10,
                                  window_days=14, profiles=self.profile_kam)
        self.run_cron()
        reminder, kam_reminder = self.reminders(self.salesman), self.reminders(self.kam)
        self.assertTrue(reminder and kam_reminder)
        # the KAM profile is archived: its holder's reminder closes, the salesman's stays
        self.profile_kam.with_user(self.kpi_admin).action_archive()
        self.assertFalse(kam_reminder.active)
        self.assertTrue(reminder.active)
        # the rule no longer applies to the sales profile
        self.rule.with_user(self.kpi_admin).profile_ids = kam_rule.profile_ids
        self.assertFalse(reminder.active)
        self.assertEqual(reminder.feedback, "The KPI no longer applies to you (your KPI "
                                            "profile or the KPI's profiles changed).")

    def test_company_left_closes_the_reminder_at_once(self):
        company = self.env["res.company"].create({"name": "KPI other company"})
        self.rule.company_id = self.company
        self.run_cron()
        reminder = self.reminders(self.salesman)
        self.salesman.write({"company_ids": [(6, 0, company.ids)], "company_id": company.id})
        self.assertFalse(reminder.active)

    # ------------------------------------------ a run with nothing to compute reads no reminder
    def test_a_run_with_nothing_to_compute_reads_no_reminder(self):
        """23 of 24 hourly runs have nothing to compute: they never read the open reminders
        (not one query on mail_activity); the first run of the next day checks them again."""
        result_model = type(self.env["kpi.result"])
        self.run_cron()  # the night's run: results to compute, the reminders checked
        self.assertEqual(len(self.reminders(self.salesman)), 1)
        with mock.patch.object(result_model, "_sync_open_reminders", autospec=True,
                               side_effect=result_model._sync_open_reminders) as sync, \
                queries_run() as run:
            self.run_cron()  # an hour later
        self.assertFalse(sync.called)
        self.assertFalse([query for query in run if "mail_activity" in query], run)
        self.assertEqual(len(self.reminders(self.salesman)), 1)  # left as it was
        with mock.patch.object(result_model, "_sync_open_reminders", autospec=True,
                               side_effect=result_model._sync_open_reminders) as sync, \
                freeze_time(NOW + ONE_DAY):
            self.run_cron()  # the next night: results to compute
            self.run_cron()  # an hour later: nothing
        self.assertEqual(sync.call_count, 1)

    def test_rule_archived_closes_the_reminder_saying_so(self):
        self.run_cron()
        reminder = self.reminders(self.salesman)
        self.rule.with_user(self.kpi_admin).action_archive()
        self.assertFalse(reminder.active)
        self.assertEqual(reminder.feedback, "The KPI was archived: it no longer applies.")

    def test_rule_archived_without_its_hook_is_closed_in_the_nightly_run(self):
        """A reminder left open by an archive that bypassed ``kpi.rule.write`` (an import in
        SQL, a version before this one) is closed by the next run."""
        self.run_cron()
        reminder = self.reminders(self.salesman)
        self.env.flush_all()
        self.env.cr.execute("UPDATE kpi_rule SET active = FALSE WHERE id = %s", [self.rule.id])
        self.rule.invalidate_recordset(["active"])
        with freeze_time(NOW + ONE_DAY):
            self.run_cron()
        self.assertFalse(reminder.active)
        self.assertEqual(reminder.feedback, "The KPI was archived: it no longer applies.")

    def test_user_archived_closes_the_reminder_at_once(self):
        """Archived by a write (Odoo's own *Archive* button deletes the user's activities)."""
        self.run_cron()
        reminder = self.reminders(self.salesman)
        self.salesman.active = False
        self.assertFalse(reminder.active)
        self.assertEqual(reminder.feedback, "The user was archived: the KPI no longer applies.")

    def test_the_open_reminders_sync_never_stops_the_evaluation(self):
        self.run_cron()
        result_model = type(self.env["kpi.result"])
        with mock.patch.object(result_model, "_sync_open_reminders",
                               side_effect=RuntimeError("boom")), \
                freeze_time(NOW + ONE_DAY), \
                self.assertLogs("odoo.addons.kpi_management.models.kpi_rule", "ERROR"):
            self.run_cron()
        self.assertTrue(self.result(self.rule, self.salesman, TODAY + ONE_DAY))

    def test_only_kpi_administrators_turn_reminders_off(self):
        with self.assertRaises(AccessError):
            self.rule.with_user(self.manager).reminder = False

    def test_sync_query_count_does_not_grow_with_users(self):
        """Set-based: as many queries for 2 users as for 6 (creation and recovery)."""
        more = self.env["res.users"]
        for index in range(4):
            more |= self._user("kpi_t_more%s" % index, self.profile_sales)

        def queries(users, day):
            with freeze_time(datetime.datetime.combine(day, datetime.time(10))):
                results = self.rule.evaluate(users=users)
                self.env.flush_all()
                self.env.invalidate_all()
                start = self.cr.sql_log_count
                self.env["kpi.result"]._sync_reminders(results.ids)
                self.env.flush_all()
                return self.cr.sql_log_count - start

        two = queries(self.salesman | self.kam | self.no_profile | self.salesman2,
                      TODAY + ONE_DAY)
        self.assertEqual(len(self.reminders(self.salesman)), 1)
        six = queries(self.salesman | self.salesman2 | more, TODAY + 2 * ONE_DAY)
        self.assertEqual(len(self.reminders()), 5)
        self.assertLessEqual(six, two + 2, (two, six))


@freeze_time(NOW)
class TestReminderLanguage(KpiCase):
    def test_the_reminder_is_in_the_users_language(self):
        load_danish(self.env)
        self.salesman.lang = "da_DK"
        rule = self.make_rule("meetings_planned", name="Meetings planned", target=10,
                              window_days=14)
        rule.evaluate()
        result = self.result(rule, self.salesman, TODAY)
        self.env["kpi.result"]._sync_reminders(result.ids)
        reminder = self.env["mail.activity"].search([("res_id", "=", result.id),
                                                     ("res_model", "=", "kpi.result")])
        self.assertIn("Planlæg 10 møder mere i de næste 14 dage for at nå 10.", reminder.note)
