"""Reminders in their reader's language, and figures worded without plurals to get wrong
(issue 20).

A reminder (``mail.activity`` of type *KPI Off Track*) is read by its user: its text follows
the user's language when it changes, and the reason it is closed is in that language too, not
in that of whoever runs the nightly job. A count of one has its own sentence ("1 more meeting",
"1 record counted"); the rule preview shows amounts with their currency. Each test fails on
the code before issue 20.
"""

import datetime
from unittest import mock

from freezegun import freeze_time

from odoo.addons.kpi_management.models import kpi_result_reminder
from odoo.addons.kpi_management.tools import bonus_notes, scoring

from .common import NOW, TODAY, KpiCase, load_danish, utc

ONE_DAY = datetime.timedelta(days=1)


def no_commit(self, processed=0, *, remaining=None, deactivate=False):
    """``ir.cron._commit_progress`` outside a cron commits: not in a TransactionCase."""
    return float("inf")


@freeze_time(NOW)
class TestReminderLanguage(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_danish(cls.env)
        # 10 meetings planned in the next 14 days, 6 found: off track, 4 to plan
        cls.rule = cls.make_rule("meetings_planned", name="Meetings planned", target=10,
                                 window_days=14)
        cls.reminder_type = cls.env.ref("kpi_management.mail_activity_type_kpi_off_track")
        for day in range(1, 7):
            cls.event(cls.salesman, utc(days=day, hours=10))

    def run_cron(self):
        cron = type(self.env["ir.cron"])
        with mock.patch.object(cron, "_commit_progress", no_commit):
            self.env["kpi.rule"]._cron_evaluate()

    def my_reminder(self, user, active=True):
        """The reminder as its user reads it."""
        return self.env["mail.activity"].with_user(user).with_context(active_test=False).search(
            [("activity_type_id", "=", self.reminder_type.id), ("active", "=", active)])

    def test_the_reminder_follows_its_user_to_danish_the_same_day(self):
        self.run_cron()
        reminder = self.my_reminder(self.salesman)
        self.assertIn("Plan 4 more meetings in the next 14 days to reach 10.", reminder.note)
        # the change of language writes it again at once (the next hourly run of the same
        # day evaluates nothing again and reads no reminder)
        self.salesman.lang = "da_DK"
        reminder.invalidate_recordset(["note", "summary"])
        self.assertIn("Planlæg 4 møder mere i de næste 14 dage for at nå 10.", reminder.note)
        self.assertIn('lang="da-DK"', reminder.note)
        self.run_cron()
        reminder.invalidate_recordset(["note", "summary"])
        self.assertIn('lang="da-DK"', reminder.note)
        # and back to English
        self.salesman.lang = "en_US"
        reminder.invalidate_recordset(["note", "summary"])
        self.assertIn("Plan 4 more meetings", reminder.note)

    def test_a_language_set_on_the_partner_is_followed_the_next_night(self):
        """A change no write of the user announces (the partner's language) is caught by the
        first run of the next day."""
        self.run_cron()
        reminder = self.my_reminder(self.salesman)
        self.salesman.partner_id.lang = "da_DK"
        with freeze_time(NOW + datetime.timedelta(days=1)):
            self.run_cron()
        reminder.invalidate_recordset(["note", "summary"])
        self.assertIn('lang="da-DK"', reminder.note)

    def test_a_language_change_rewrites_the_latest_figures(self):
        """Off track since yesterday, one meeting more planned today: the reminder says 3 to
        plan; the user switches to Danish: the Danish text says 3 too (was: 4, the figures of
        the day the reminder opened)."""
        with freeze_time(NOW - ONE_DAY):
            self.run_cron()
        self.event(self.salesman, utc(days=7, hours=10))
        self.run_cron()
        reminder = self.my_reminder(self.salesman)
        self.assertIn("Plan 3 more meetings", reminder.note)
        self.salesman.lang = "da_DK"
        reminder.invalidate_recordset(["note", "summary"])
        self.assertIn("Planlæg 3 møder mere", reminder.note)

    def test_the_reason_it_is_closed_is_in_its_users_language(self):
        """The job runs in English (superuser); the Danish user reads a Danish reason."""
        self.salesman.lang = "da_DK"
        self.run_cron()
        reminder = self.my_reminder(self.salesman)
        with freeze_time(NOW + ONE_DAY):
            for day in range(2, 7):
                self.event(self.salesman, utc(days=day, hours=15))
            self.run_cron()
        self.assertEqual(self.my_reminder(self.salesman, active=False), reminder)
        self.assertEqual(reminder.feedback, "På sporet igen.")

    def test_a_gap_of_one_is_singular(self):
        env = self.env(user=self.salesman)
        self.assertEqual(
            kpi_result_reminder.gap_sentence(env, "meetings", "higher", 9, 10,
                                      scoring.WINDOW_FUTURE, 14, "count", ""),
            "Plan 1 more meeting in the next 14 days to reach 10.")
        self.assertEqual(
            kpi_result_reminder.gap_sentence(env, "won_deals", "higher", 4, 5,
                                      scoring.WINDOW_PAST, 30, "count", ""),
            "Win 1 more deal: 4 in the last 30 days, the target is 5.")
        self.assertEqual(
            kpi_result_reminder.gap_sentence(env, "won_deals", "higher", 3, 5,
                                      scoring.WINDOW_PAST, 30, "count", ""),
            "Win 2 more deals: 3 in the last 30 days, the target is 5.")
        overdue = self.make_rule("overdue_activities", name="Overdue", target=0)
        self.env["res.partner"].create({"name": "Client"}).activity_schedule(
            "mail.mail_activity_data_todo", date_deadline=TODAY - ONE_DAY,
            user_id=self.salesman.id)
        results = overdue.evaluate(users=self.salesman)
        self.env["kpi.result"]._sync_reminders(results.ids)
        reminder = self.my_reminder(self.salesman).filtered(
            lambda a: a.res_id == results.id)
        self.assertIn("Close or reschedule 1 overdue activity to get down to 0.",
                      reminder.note)


class TestNotesWithoutPlurals(KpiCase):
    def note(self, facts):
        env = self.env(user=self.salesman)
        return bonus_notes.render_kpi_note(env, facts)

    def test_one_record_counted(self):
        day = datetime.date(2026, 11, 1)
        whole = self.note(bonus_notes.measured(day, day, 1, False))
        self.assertTrue(whole.endswith("timezone: 1 record counted."), whole)
        partial = self.note(bonus_notes.measured(day, day, 1, True))
        self.assertTrue(partial.endswith("target prorated: 1 record counted."), partial)
        self.assertTrue(self.note(bonus_notes.measured(day, day, 2, False)).endswith(
            ": 2 records counted."))

    def test_one_daily_result(self):
        self.assertEqual(self.note(bonus_notes.daily(1, 1)), "Average of 1 daily result.")
        self.assertEqual(self.note(bonus_notes.daily(3, 3)), "Average of 3 daily results.")
        self.assertEqual(self.note(bonus_notes.daily(15, 14)),
                         "Average of the daily results with something to measure: 14; days "
                         "with nothing to measure left out: 1.")
        self.assertEqual(self.note(bonus_notes.daily(15, 8)),
                         "Average of 8 daily results (7 days with nothing to measure left "
                         "out).")


@freeze_time(NOW)
class TestPreviewCurrency(KpiCase):
    def test_amounts_show_their_currency(self):
        rule = self.make_rule("won_revenue", name="Volume", target=100000, window_days=30)
        preview = self.env["kpi.rule.preview"].with_user(self.kpi_admin).create(
            {"rule_id": rule.id, "user_id": self.salesman.id})
        preview.action_compute()
        currency = self.salesman.company_id.currency_id
        self.assertIn(currency.symbol, preview.figures)
        self.assertIn("100,000", preview.figures)
        # a count has no currency
        meetings = self.make_rule("meetings_planned", name="Meetings", target=10,
                                  window_days=14)
        preview = self.env["kpi.rule.preview"].with_user(self.kpi_admin).create(
            {"rule_id": meetings.id, "user_id": self.salesman.id})
        preview.action_compute()
        self.assertNotIn(currency.symbol, preview.figures)
        self.assertTrue(preview.figures.startswith("0 / 10"), preview.figures)
