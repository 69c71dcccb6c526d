"""What My KPIs and Team KPIs show, as the people who read them every morning (issue 10).

Server side of the screens: the overall status, money in its currency, the "to do" side of a
KPI (key accounts still to meet, leads still to answer), dates in the user's format, the
result's form with its history, no aggregate across units. The browser tours (test_ui) drive
the same screens in Chromium.
"""

import datetime

from freezegun import freeze_time
from lxml import etree

from .common import NOW, TODAY, KpiCase, utc


@freeze_time(NOW)
class TestOverall(KpiCase):
    """One KPI at 175% does not make the day green while two others are off track."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.revenue = cls.make_rule("won_revenue", target=100000, window_days=30, weight=60)
        cls.meetings = cls.make_rule("meetings_planned", target=10, window_days=14, weight=20)
        cls.deals = cls.make_rule("won_deals", target=2, window_days=30, weight=20)
        cls.won_lead(cls.salesman, utc(days=-3), revenue=175000)
        for day in range(6):
            cls.event(cls.salesman, utc(days=day, hours=9))
        (cls.revenue | cls.meetings | cls.deals).evaluate()

    def test_the_overall_status_is_not_green_while_a_counting_kpi_is_off_track(self):
        data = self.env["kpi.result"].with_user(self.salesman).get_my_kpis()
        scores = {c["name"]: (c["score"], c["status"]) for c in data["cards"]}
        self.assertEqual(scores, {
            "Won revenue": (175.0, "reached"),
            "Meetings planned": (60.0, "off_track"),
            "Won deals": (50.0, "off_track"),
        })
        # (175 x 60 + 60 x 20 + 50 x 20) / 100 = 127: the average alone would be "reached"
        self.assertEqual(data["overall"], {"score": 127.0, "status": "warning",
                                           "off_track": 2, "warning": 0, "counted": 3})
        summary = self.env["kpi.result"].with_user(self.salesman).get_my_kpis_summary()
        self.assertEqual((summary["status"], summary["off_track"]), ("warning", 2))

    def test_all_reached_is_green_and_a_low_average_stays_red(self):
        Result = self.env["kpi.result"]
        card = {"pilot": False, "weight": 1, "warning_threshold": 80}
        reached = [dict(card, score=120, status="reached"), dict(card, score=100,
                                                                 status="reached")]
        self.assertEqual(Result._overall(reached)["status"], "reached")
        low = [dict(card, score=10, status="off_track"), dict(card, score=150,
                                                              status="reached")]
        self.assertEqual(Result._overall(low), {"score": 80.0, "status": "warning",
                                                "off_track": 1, "warning": 0, "counted": 2})
        self.assertEqual(Result._overall(low[:1])["status"], "off_track")
        # orange because of a KPI at a warning, none off track: the count says why
        warned = [dict(card, score=150, status="reached"), dict(card, score=85,
                                                                status="warning")]
        self.assertEqual(Result._overall(warned), {"score": 117.5, "status": "warning",
                                                   "off_track": 0, "warning": 1, "counted": 2})
        # a pilot KPI off track does not count (it is shown, never counted)
        pilot = dict(card, score=0, status="off_track", pilot=True)
        self.assertEqual(Result._overall([*reached, pilot])["status"], "reached")

    def test_money_is_shown_in_the_company_currency(self):
        data = self.env["kpi.result"].with_user(self.salesman).get_my_kpis()
        by_name = {c["name"]: c for c in data["cards"]}
        self.assertEqual(by_name["Won revenue"]["currency_id"], self.company.currency_id.id)
        self.assertFalse(by_name["Meetings planned"]["currency_id"])
        revenue = self.result(self.revenue, self.salesman)
        symbol = self.company.currency_id.symbol
        # as on the card: the symbol where the currency puts it, no forced decimals
        self.assertEqual(revenue.value_display, "%s\N{NO-BREAK SPACE}175,000 / %s\N{NO-BREAK SPACE}100,000"
                         % (symbol, symbol) if self.company.currency_id.position == "before"
                         else "175,000\N{NO-BREAK SPACE}%s / 100,000\N{NO-BREAK SPACE}%s"
                         % (symbol, symbol))
        self.assertNotIn(symbol, self.result(self.meetings, self.salesman).value_display)

    def test_dates_in_the_forecast_note_use_the_users_format(self):
        history = self.env["kpi.result"].with_user(self.salesman).get_kpi_history(
            self.meetings.id, period="month")
        self.assertIn("11/30/2026", history["forecast_note"])  # en_US, the user's language
        self.assertNotIn("2026-11-30", history["forecast_note"])
        self.assertFalse(history["todo"])  # meetings planned have no "to do" side

    def test_team_kpis_do_not_add_meetings_to_revenue(self):
        fields = self.env["kpi.result"].fields_get(["value", "target", "score"])
        self.assertFalse(fields["value"].get("aggregator"))
        self.assertFalse(fields["target"].get("aggregator"))
        self.assertEqual(fields["score"]["aggregator"], "avg")  # a % averages across KPIs
        groups = self.env["kpi.result"].with_user(self.manager).formatted_read_group(
            [("user_id", "=", self.salesman.id)], ["user_id"], ["score:avg", "__count"])
        self.assertEqual(groups[0]["__count"], 3)


@freeze_time(NOW)
class TestStillToDo(KpiCase):
    """A KPI with a natural "to do" side offers it next to the records counted."""

    def test_key_accounts_still_to_meet(self):
        rule = self.make_rule("kam_coverage", profiles=self.profile_kam, target=100,
                              window_days=90)
        Partner = self.env["res.partner"]
        accounts = Partner.create([
            {"name": "Key %s" % i, "is_company": True, "user_id": self.kam.id} for i in range(4)
        ])
        Partner.create({"name": "Archived key", "is_company": True, "user_id": self.kam.id,
                        "active": False})
        Partner.create({"name": "Other KAM's", "is_company": True, "user_id": self.salesman.id})
        self.event(self.kam, utc(days=-10), attendees=self.kam.partner_id | accounts[0])
        rule.evaluate()
        result = self.result(rule, self.kam).with_user(self.kam)
        self.assertEqual(result.record_ids, accounts[0].ids)  # met
        self.assertEqual((result.todo_count, result.todo_label),
                         (3, "3 key accounts still to meet"))
        action = result.action_open_todo()
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(sorted(action["domain"][0][2]), sorted(accounts[1:].ids))
        history = self.env["kpi.result"].with_user(self.kam).get_kpi_history(rule.id)
        self.assertEqual(history["todo"], {"count": 3, "label": "3 key accounts still to meet"})
        self.assertEqual(history["record_count"], 1)
        # all met (tomorrow's evaluation): nothing left to do
        for account in accounts[1:]:
            self.event(self.kam, utc(days=-1), attendees=self.kam.partner_id | account)
        rule.evaluate()
        self.assertEqual(self.result(rule, self.kam).with_user(self.kam).todo_count, 0)

    def test_leads_still_to_answer(self):
        rule = self.make_rule("response_time", target=8, window_days=30)
        Lead = self.env["crm.lead"]
        answered = Lead.create({"name": "answered", "user_id": self.salesman.id})
        waiting = Lead.create({"name": "waiting", "user_id": self.salesman.id})
        dropped = Lead.create({"name": "dropped", "user_id": self.salesman.id})
        noted_by_other = Lead.create({"name": "noted by a colleague",
                                      "user_id": self.salesman.id})
        for lead in answered | waiting | dropped | noted_by_other:
            self.set_lead_dates(lead, utc(days=-2))
        dropped.action_set_lost()
        reply = answered.message_post(body="Called", message_type="comment",
                                      author_id=self.salesman.partner_id.id)
        reply.date = utc(days=-2, hours=3)
        other = noted_by_other.message_post(body="FYI", message_type="comment",
                                            author_id=self.salesman2.partner_id.id)
        other.date = utc(days=-2, hours=1)
        self.env["mail.message"].flush_model()
        rule.evaluate()
        result = self.result(rule, self.salesman).with_user(self.salesman)
        self.assertEqual(len(result.record_ids), 4)
        self.assertEqual((result.todo_count, result.todo_label),
                         (2, "2 leads still to answer"))
        action = result.action_open_todo()
        self.assertEqual(action["res_model"], "crm.lead")
        self.assertEqual(sorted(action["domain"][0][2]), sorted((waiting | noted_by_other).ids))
        # the manager sees the same list on the result's form
        self.assertEqual(self.result(rule, self.salesman).with_user(self.manager).todo_count, 2)
        # handed over to a colleague: the colleague's to answer, no longer the salesman's
        waiting.user_id = self.salesman2
        result.invalidate_recordset()
        self.assertEqual((result.todo_count, result.todo_label), (1, "1 lead still to answer"))
        # a KPI administrator who is not a salesperson opens the result's form
        self.assertFalse(self.kpi_admin.has_group("sales_team.group_sale_salesman"))
        as_admin = self.result(rule, self.salesman).with_user(self.kpi_admin)
        self.assertEqual((as_admin.todo_count, as_admin.value_display),
                         (1, result.value_display))


@freeze_time(NOW)
class TestResultForm(KpiCase):
    """Team KPIs: a card opens the result with its history and the records counted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meetings = cls.make_rule("meetings_planned", target=10, window_days=14)
        cls.event(cls.salesman, utc(days=1, hours=9))
        for offset in (100, 3, 2, 1, 0):
            cls.meetings.evaluate(date=TODAY - datetime.timedelta(days=offset))

    def test_the_form_shows_the_history_as_the_manager(self):
        result = self.result(self.meetings, self.salesman, TODAY).with_user(self.manager)
        self.assertEqual(result.history_ids.mapped("date"), [
            TODAY - datetime.timedelta(days=offset) for offset in (0, 1, 2, 3)])  # 90 days
        self.assertEqual(result.action_open_records()["domain"],
                         [("id", "in", result.record_ids)])
        self.assertIn("11/23/2026", result.action_open_records()["name"])
        # the salesperson's own form, not another salesperson's results
        mine = self.result(self.meetings, self.salesman, TODAY).with_user(self.salesman)
        self.assertEqual(len(mine.history_ids), 4)
        other = self.result(self.meetings, self.salesman2, TODAY).with_user(self.salesman)
        self.assertFalse(other.exists() and other.has_access("read"))

    def test_team_kpis_open_a_form_and_graph_score_per_person_and_kpi(self):
        action = self.env.ref("kpi_management.kpi_result_action_team")
        self.assertIn("form", action.view_mode.split(","))
        graph = self.env["kpi.result"].get_view(view_type="graph")["arch"]
        fields = [(f.get("name"), f.get("type")) for f in etree.fromstring(graph).iter("field")]
        self.assertEqual(fields, [("user_id", None), ("rule_id", None), ("score", "measure")])
        form = self.env["kpi.result"].get_view(view_type="form")["arch"]
        self.assertIn('name="history_ids"', form)
        self.assertIn('name="action_open_todo"', form)
