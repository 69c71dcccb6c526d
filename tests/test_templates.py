"""Every built-in template against hand-counted fixtures.

The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen (the users' timezone): the
future window of 14 days is [23 Nov 00:00, 7 Dec 00:00) local, the past window of 30 days is
[24 Oct 00:00, 23 Nov 00:00) local.
"""

from freezegun import freeze_time

from odoo import Command

from .common import NOW, TODAY, KpiCase, utc


@freeze_time(NOW)
class TestMeetings(KpiCase):
    def test_source_example_six_of_ten_meetings(self):
        """'10 meetings planned in the next 14 days'; 6 found: value 6, score 60%."""
        rule = self.make_rule("meetings_planned", target=10, window_days=14)
        for day in (0, 1, 3, 5, 8, 13):
            self.event(self.salesman, utc(days=day, hours=9))
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual(len(result), 1)
        self.assertEqual(result.date, TODAY)
        self.assertEqual(result.value, 6)
        self.assertEqual(result.target, 10)
        self.assertEqual(result.score, 60.0)
        self.assertEqual(result.status, "off_track")

    def test_planned_window_edges_and_exclusions(self):
        rule = self.make_rule("meetings_planned", target=10, window_days=14)
        counted = (
            self.event(self.salesman, utc(days=0))  # exactly local midnight today: in
            | self.event(self.salesman, utc(days=14, seconds=-1))  # last second: in
            # organised by somebody else, the salesman attends
            | self.event(self.salesman2, utc(days=2),
                         attendees=self.salesman.partner_id | self.salesman2.partner_id)
        )
        self.event(self.salesman, utc(days=14))  # exactly the end of the window: out
        self.event(self.salesman, utc(seconds=-1))  # yesterday 23:59:59 local: out
        self.event(self.salesman, utc(days=3)).active = False  # archived (cancelled): out
        self.event(self.salesman2, utc(days=4))  # another user's meeting: out
        declined = self.event(self.salesman2, utc(days=5),
                              attendees=self.salesman.partner_id | self.salesman2.partner_id)
        declined.attendee_ids.filtered(
            lambda a: a.partner_id == self.salesman.partner_id).state = "declined"
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual(result.value, 3)
        self.assertEqual(sorted(result.record_ids), sorted(counted.ids))
        action = result.action_open_records()
        self.assertEqual(action["res_model"], "calendar.event")
        self.assertEqual(self.env["calendar.event"].search(action["domain"]), counted)
        # the salesman2 has his own meeting on day 4 and attends/organises days 2 and 5
        self.assertEqual(self.result(rule, self.salesman2).value, 3)

    def test_all_day_meetings_count_by_their_date(self):
        """Odoo stores all-day events at 08:00 UTC: in Honolulu (UTC-10) that is the day
        before, so all-day events are compared by date."""
        hawaii = self._user("kpi_t_hawaii", self.profile_sales, tz="Pacific/Honolulu")
        rule = self.make_rule("meetings_planned", target=10, window_days=14)
        Event = self.env["calendar.event"]
        today = Event.create({"name": "Fair", "allday": True, "user_id": hawaii.id,
                              "start": "2026-11-23 08:00:00", "stop": "2026-11-23 18:00:00",
                              "partner_ids": [Command.set(hawaii.partner_id.ids)]})
        Event.create({"name": "Too late", "allday": True, "user_id": hawaii.id,
                      "start": "2026-12-07 08:00:00", "stop": "2026-12-07 18:00:00",
                      "partner_ids": [Command.set(hawaii.partner_id.ids)]})
        self.assertEqual(str(today.start_date), "2026-11-23")
        with freeze_time("2026-11-23 20:00:00"):  # 10:00 on the 23rd in Honolulu
            rule.evaluate()
        result = self.result(rule, hawaii)
        self.assertEqual((result.date, result.record_ids), (TODAY, today.ids))

    def test_meetings_held_past_window(self):
        rule = self.make_rule("meetings_held", target=4, window_days=30)
        self.event(self.salesman, utc(days=-30))  # first second of the window: in
        self.event(self.salesman, utc(days=-1, hours=10))  # yesterday: in
        self.event(self.salesman, utc(days=-30, seconds=-1))  # before the window: out
        self.event(self.salesman, utc(hours=8))  # today: not held yet, out
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.score, result.status), (2, 50.0, "off_track"))

    def test_user_without_profile_gets_no_result_and_others_get_zero(self):
        rule = self.make_rule("meetings_planned", target=10, window_days=14)
        self.event(self.no_profile, utc(days=1))
        rule.evaluate()
        self.assertFalse(self.result(rule, self.no_profile))
        zero = self.result(rule, self.salesman2)
        self.assertEqual((zero.value, zero.score, zero.status, zero.record_ids),
                         (0, 0, "off_track", []))


@freeze_time(NOW)
class TestDeals(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Acme", "is_company": True})
        cls.acme_contact = Partner.create({"name": "Acme buyer", "parent_id": cls.acme.id})
        cls.globex = Partner.create({"name": "Globex", "is_company": True})
        cls.initech = Partner.create({"name": "Initech", "is_company": True})

    def test_won_deals_and_revenue(self):
        deals = self.make_rule("won_deals", target=4, window_days=30)
        revenue = self.make_rule("won_revenue", target=1000, window_days=30)
        counted = (
            self.won_lead(self.salesman, utc(days=-1), 300)
            | self.won_lead(self.salesman, utc(days=-30), 200)  # first second of window
        )
        self.won_lead(self.salesman, utc(days=-30, seconds=-1), 1000)  # before: out
        self.won_lead(self.salesman, utc(hours=9), 1000)  # today: not a full day yet, out
        self.won_lead(self.salesman2, utc(days=-2), 5000)  # other user's: out
        self.lost_lead(self.salesman, utc(days=-3), expected_revenue=700)  # lost: out
        self.env["crm.lead"].create({"name": "Open", "type": "opportunity",
                                     "user_id": self.salesman.id, "expected_revenue": 900})
        (deals | revenue).evaluate()
        self.assertEqual(self.result(deals, self.salesman).value, 2)
        self.assertEqual(self.result(deals, self.salesman).score, 50.0)
        result = self.result(revenue, self.salesman)
        self.assertEqual((result.value, result.score, result.status), (500, 50.0, "off_track"))
        self.assertEqual(sorted(result.record_ids), sorted(counted.ids))
        self.assertEqual(self.result(revenue, self.salesman2).value, 5000)

    def test_new_clients(self):
        rule = self.make_rule("new_clients", target=2, window_days=90)
        # Acme: first won deal ever, twice in the window (via a contact too): 1 new client
        self.won_lead(self.salesman, utc(days=-10), 100, partner=self.acme)
        self.won_lead(self.salesman, utc(days=-5), 100, partner=self.acme_contact)
        # Globex already won by somebody else before the window: not new
        self.won_lead(self.salesman2, utc(days=-200), 100, partner=self.globex)
        self.won_lead(self.salesman, utc(days=-4), 100, partner=self.globex)
        # Initech: lost before, won now: new
        self.lost_lead(self.salesman, utc(days=-150), partner=self.initech)
        self.won_lead(self.salesman, utc(days=-3), 100, partner=self.initech)
        # a won deal without customer does not make a client
        self.won_lead(self.salesman, utc(days=-3), 100)
        # Hooli: first won by salesman2 inside the window, then by the salesman: new only once
        hooli = self.env["res.partner"].create({"name": "Hooli", "is_company": True})
        first_hooli = self.won_lead(self.salesman2, utc(days=-10), 100, partner=hooli)
        self.won_lead(self.salesman, utc(days=-3), 100, partner=hooli)
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.score, result.status), (2, 100.0, "reached"))
        # the records counted are each new client's first won deal: Acme's and Initech's
        first_acme = self.env["crm.lead"].search(
            [("partner_id", "=", self.acme.id), ("user_id", "=", self.salesman.id)],
            order="date_closed", limit=1)
        self.assertEqual(len(result.record_ids), 2)
        self.assertIn(first_acme.id, result.record_ids)
        other = self.result(rule, self.salesman2)
        self.assertEqual((other.value, other.record_ids), (1, first_hooli.ids))

    def test_conversion_rate(self):
        rule = self.make_rule("conversion_rate", target=50, window_days=90)
        for days in (-1, -20, -80):
            self.won_lead(self.salesman, utc(days=days))
        self.lost_lead(self.salesman, utc(days=-2))
        self.lost_lead(self.salesman, utc(days=-100))  # closed before the window: out
        self.lost_lead(self.salesman2, utc(days=-2))  # other user: out
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual(result.value, 75.0)
        self.assertEqual(result.score, 150.0)
        self.assertEqual(len(result.record_ids), 4)
        self.assertEqual(self.result(rule, self.salesman2).value, 0)

    def test_net_profit_source_example(self):
        """Vasily: 400,000 - 150,000 - 100 h x 1,500 = 100,000; Valery: 250,000."""
        rule = self.make_rule("net_profit", profiles=self.profile_sales, target=200000,
                              window_days=30)
        vasily = self.won_lead(self.salesman, utc(days=-3), 400000, cost_price=150000,
                               extra_cost_hours=100, extra_cost_hour_rate=1500)
        valery = self.won_lead(self.salesman2, utc(days=-3), 400000, cost_price=150000)
        self.assertEqual((vasily.extra_costs, vasily.net_profit), (150000, 100000))
        self.assertEqual((valery.extra_costs, valery.net_profit), (0, 250000))
        rule.evaluate()
        self.assertEqual(self.result(rule, self.salesman).value, 100000)
        self.assertEqual(self.result(rule, self.salesman).score, 50.0)
        self.assertEqual(self.result(rule, self.salesman2).value, 250000)
        self.assertEqual(self.result(rule, self.salesman2).status, "reached")

    def test_open_pipeline_snapshot(self):
        rule = self.make_rule("open_pipeline", target=1000)
        Lead = self.env["crm.lead"]
        Lead.create({"name": "A", "type": "opportunity", "user_id": self.salesman.id,
                     "expected_revenue": 400, "stage_id": self.stage_new.id})
        Lead.create({"name": "B", "type": "opportunity", "user_id": self.salesman.id,
                     "expected_revenue": 200, "stage_id": self.stage_new.id})
        Lead.create({"name": "lead, not opportunity", "type": "lead",
                     "user_id": self.salesman.id, "expected_revenue": 999})
        self.won_lead(self.salesman, utc(days=-1), 5000)
        self.lost_lead(self.salesman, utc(days=-1), expected_revenue=5000)
        rule.evaluate()
        self.assertEqual(self.result(rule, self.salesman).value, 600)
        self.assertEqual(self.result(rule, self.salesman).score, 60.0)


@freeze_time(NOW)
class TestKeyAccounts(KpiCase):
    def test_kam_coverage(self):
        """4 key accounts of the KAM, 1 met in the last 90 days: 25%."""
        rule = self.make_rule("kam_coverage", profiles=self.profile_kam, target=100,
                              window_days=90)
        Partner = self.env["res.partner"]
        accounts = Partner.create([
            {"name": "Key %s" % i, "is_company": True, "user_id": self.kam.id} for i in range(4)
        ])
        Partner.create({"name": "Archived key", "is_company": True, "user_id": self.kam.id,
                        "active": False})
        Partner.create({"name": "Other KAM's", "is_company": True, "user_id": self.salesman.id})
        contact0 = Partner.create({"name": "Buyer 0", "parent_id": accounts[0].id})
        contact1 = Partner.create({"name": "Buyer 1", "parent_id": accounts[1].id})
        # met through a contact person, inside the window
        self.event(self.kam, utc(days=-89), attendees=self.kam.partner_id | contact0)
        # met too long ago
        self.event(self.kam, utc(days=-91), attendees=self.kam.partner_id | contact1)
        # a meeting with account 2 the KAM did not attend
        self.event(self.salesman, utc(days=-5), attendees=self.salesman.partner_id | accounts[2])
        rule.evaluate()
        result = self.result(rule, self.kam)
        self.assertEqual((result.value, result.score, result.status), (25.0, 25.0, "off_track"))
        self.assertEqual(result.record_ids, accounts[0].ids)
        self.assertEqual(result.action_open_records()["res_model"], "res.partner")


@freeze_time(NOW)
class TestActivity(KpiCase):
    def test_response_time(self):
        rule = self.make_rule("response_time", target=8, window_days=30)
        Lead = self.env["crm.lead"]
        answered = Lead.create({"name": "answered", "user_id": self.salesman.id})
        unanswered = Lead.create({"name": "unanswered", "user_id": self.salesman.id})
        older = Lead.create({"name": "too old", "user_id": self.salesman.id})
        for lead, created in ((answered, utc(days=-2)), (unanswered, utc(hours=-20)),
                              (older, utc(days=-40))):
            self.set_lead_dates(lead, created)
        Lead.invalidate_model()
        # another user's note does not count, the salesman's first note after 4 hours does
        other = answered.message_post(body="not mine", message_type="comment",
                                      author_id=self.salesman2.partner_id.id)
        other.date = utc(days=-2, hours=1)
        first = answered.message_post(body="Called", message_type="comment",
                                      author_id=self.salesman.partner_id.id)
        first.date = utc(days=-2, hours=4)
        second = answered.message_post(body="Again", message_type="comment",
                                       author_id=self.salesman.partner_id.id)
        second.date = utc(days=-2, hours=6)
        self.env["mail.message"].flush_model()
        rule.evaluate()
        result = self.result(rule, self.salesman)
        # (4 h + 20 h unanswered up to the end of the window) / 2 = 12 h
        self.assertEqual(result.value, 12.0)
        self.assertEqual(result.score, round(8 / 12 * 100, 2))
        self.assertEqual(sorted(result.record_ids), sorted((answered | unanswered).ids))
        # no lead to answer: nothing to measure, neither 100% "reached" nor 0%
        idle = self.result(rule, self.salesman2)
        self.assertEqual((idle.status, idle.record_ids, idle.value_display),
                         ("no_data", [], "no data / 8 hours"))
        self.env.cr.execute("SELECT value, score FROM kpi_result WHERE id = %s", [idle.id])
        self.assertEqual(self.env.cr.fetchone(), (None, None))  # averages skip it

    def test_response_time_counts_a_completed_activity(self):
        """Marking a call done posts a notification authored by the salesman: it is an action."""
        rule = self.make_rule("response_time", target=8, window_days=30)
        lead = self.env["crm.lead"].create({"name": "called", "user_id": self.salesman.id})
        self.set_lead_dates(lead, utc(days=-2))
        lead.invalidate_recordset()
        call = self.env.ref("mail.mail_activity_data_call")
        activity = lead.activity_schedule(activity_type_id=call.id, user_id=self.salesman.id)
        activity.with_user(self.salesman).action_feedback(feedback="Reached the buyer")
        done = self.env["mail.message"].search(
            [("model", "=", "crm.lead"), ("res_id", "=", lead.id),
             ("mail_activity_type_id", "=", call.id)])
        self.assertEqual(done.author_id, self.salesman.partner_id)
        done.date = utc(days=-2, hours=2)
        self.env["mail.message"].flush_model()
        rule.evaluate()
        self.assertEqual(self.result(rule, self.salesman).value, 2.0)

    def test_response_time_starts_at_assignment_and_keeps_lost_leads(self):
        rule = self.make_rule("response_time", target=8, window_days=30)
        Lead = self.env["crm.lead"]
        # created 5 days ago for salesman2, who answered; reassigned to the salesman 2 days ago
        moved = Lead.create({"name": "moved", "user_id": self.salesman2.id})
        answer = moved.message_post(body="Hi", message_type="comment",
                                    author_id=self.salesman2.partner_id.id)
        answer.date = utc(days=-5, hours=1)
        moved.user_id = self.salesman
        # a lead the salesman marked lost without answering it, assigned 10 hours before midnight
        dropped = Lead.create({"name": "dropped", "user_id": self.salesman.id})
        dropped.action_set_lost()
        self.set_lead_dates(moved, utc(days=-5), utc(days=-2))
        self.set_lead_dates(dropped, utc(hours=-10))
        reply = moved.message_post(body="Taking over", message_type="comment",
                                   author_id=self.salesman.partner_id.id)
        reply.date = utc(days=-2, hours=3)
        self.env["mail.message"].flush_model()
        rule.evaluate()
        result = self.result(rule, self.salesman)
        # moved: 3 hours after the reassignment; dropped: 10 hours unanswered, lost or not
        self.assertEqual(result.value, 6.5)
        self.assertEqual(sorted(result.record_ids), sorted((moved | dropped).ids))
        # salesman2 no longer holds the lead: nothing counted for him
        self.assertEqual(self.result(rule, self.salesman2).record_ids, [])

    def test_overdue_activities(self):
        rule = self.make_rule("overdue_activities", target=0)
        lead = self.env["crm.lead"].create({"name": "L", "user_id": self.salesman.id})
        todo = self.env.ref("mail.mail_activity_data_todo")
        for deadline in ("2026-11-20", "2026-11-22", "2026-11-23", "2026-11-30"):
            lead.activity_schedule(activity_type_id=todo.id, date_deadline=deadline,
                                   user_id=self.salesman.id)
        lead.activity_schedule(activity_type_id=todo.id, date_deadline="2026-11-01",
                               user_id=self.salesman2.id)
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.score, result.status), (2, 0.0, "off_track"))
        self.assertEqual(self.result(rule, self.salesman2).value, 1)
        # nothing overdue is a measured 0, scored like any value: against a tolerance of 3 it
        # scores at least as well as 1 overdue (before: 100%, below the 200% of 1 overdue)
        rule.target = 3
        rule.evaluate()
        one = self.result(rule, self.salesman2)
        one = (one.value, one.score)  # the same record is rewritten below
        self.env["mail.activity"].search([("user_id", "=", self.salesman2.id)]).unlink()
        rule.evaluate()
        clean = self.result(rule, self.salesman2)
        self.assertEqual(one, (1, 200.0))
        self.assertEqual((clean.value, clean.score, clean.status), (0, 200.0, "reached"))
        self.assertFalse(self.result(rule, self.kam))  # the KAM profile does not hold the rule


@freeze_time(NOW)
class TestCustomTemplate(KpiCase):
    def test_custom_count_and_sum(self):
        model = self.env["ir.model"]._get("crm.lead")
        fields_ = self.env["ir.model.fields"]
        template = self.env["kpi.template"].create({
            "name": "Opportunities created",
            "code": "test_opps_created",
            "measure": "custom",
            "model_id": model.id,
            "domain": "[('type', '=', 'opportunity')]",
            "aggregate": "sum",
            "field_id": fields_._get("crm.lead", "expected_revenue").id,
            "user_field_id": fields_._get("crm.lead", "user_id").id,
            "date_field_id": fields_._get("crm.lead", "create_date").id,
            "window_kind": "past",
            "default_window_days": 7,
        })
        rule = self.env["kpi.rule"].create({
            "name": "Pipeline created", "template_id": template.id, "target": 100,
            "profile_ids": [Command.set(self.profile_sales.ids)],
        })
        self.assertEqual(rule.window_days, 7)
        Lead = self.env["crm.lead"]
        inside = Lead.create({"name": "in", "type": "opportunity", "user_id": self.salesman.id,
                              "expected_revenue": 30})
        lead_type = Lead.create({"name": "lead", "type": "lead", "user_id": self.salesman.id,
                                 "expected_revenue": 50})
        old = Lead.create({"name": "old", "type": "opportunity", "user_id": self.salesman.id,
                           "expected_revenue": 70})
        self.env.cr.execute("UPDATE crm_lead SET create_date = %s WHERE id IN %s",
                            (utc(days=-3), (inside.id, lead_type.id)))
        self.env.cr.execute("UPDATE crm_lead SET create_date = %s WHERE id = %s",
                            (utc(days=-8), old.id))
        rule.evaluate()
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.record_ids), (30, inside.ids))
        template.aggregate = "count"
        rule.evaluate()
        self.assertEqual(self.result(rule, self.salesman).value, 1)
