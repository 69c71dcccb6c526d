"""My KPIs, the manager's team view and the rule preview, as the users who see them.

The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen (see test_templates).
"""

import datetime
import importlib.util
import pathlib
from types import SimpleNamespace

from freezegun import freeze_time

from odoo.addons.kpi_management.models.kpi_result_dashboard import card_change
from odoo.tools import SQL

from .common import NOW, TODAY, KpiCase, utc

MEETING_DAYS = (0, 1, 3, 5, 8, 13)  # the source example: 6 of 10 meetings in 14 days


class TestCardChange(KpiCase):
    def test_change_since_a_week_before(self):
        def day(value, score, status="reached"):
            return SimpleNamespace(value=value, score=score, status=status)

        self.assertEqual(card_change(day(6.0, 60.0, "off_track"), day(4.0, 40.0, "off_track")),
                         (2.0, 20.0))
        self.assertEqual(card_change(day(1 / 3, 33.333, "off_track"), day(0.0, 0.0, "off_track")),
                         (0.33, 33.33))  # rounded to 2 decimals
        # no result then, or nothing to measure on either day: no change
        self.assertEqual(card_change(day(6.0, 60.0), None), (None, None))
        self.assertEqual(card_change(day(6.0, 60.0), day(0.0, 0.0, "no_data")), (None, None))
        self.assertEqual(card_change(day(0.0, 0.0, "no_data"), day(4.0, 40.0)), (None, None))


@freeze_time(NOW)
class TestMyKpis(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meetings = cls.make_rule("meetings_planned", target=10, window_days=14)
        cls.deals = cls.make_rule("won_deals", target=2, window_days=30, sequence=20)
        for day in MEETING_DAYS:
            cls.event(cls.salesman, utc(days=day, hours=9))
        cls.won_lead(cls.salesman, utc(days=-3, hours=10))
        cls.won_lead(cls.salesman, utc(days=-20, hours=10))
        (cls.meetings | cls.deals).evaluate(date=TODAY - datetime.timedelta(days=7))
        (cls.meetings | cls.deals).evaluate()

    def my_kpis(self, user):
        return self.env["kpi.result"].with_user(user).get_my_kpis()

    def test_source_example_card(self):
        data = self.my_kpis(self.salesman)
        self.assertEqual([c["name"] for c in data["cards"]], ["Meetings planned", "Won deals"])
        card = data["cards"][0]
        self.assertEqual(
            (card["value"], card["target"], card["unit_label"], card["score"], card["status"]),
            (6, 10, "meetings", 60.0, "off_track"),
        )
        self.assertEqual(card["status_label"], "Off Track")
        self.assertEqual(card["date"], "2026-11-23")
        self.assertEqual(card["record_count"], 6)
        self.assertEqual(card["computed_at"], "2026-11-23 10:00:00")
        # a week before, the 14-day window [16 Nov, 30 Nov) held the meetings of days 0-5
        self.assertEqual(card["delta"], 2)
        self.assertEqual(card["delta_score"], 20)
        deals = data["cards"][1]
        self.assertEqual((deals["value"], deals["score"], deals["status"]), (2, 100, "reached"))
        self.assertEqual(data["overall"], {"score": 80.0, "status": "warning", "off_track": 1,
                                           "warning": 0, "counted": 2})
        self.assertIn("fixed during the day", data["labels"]["fixed"])
        summary = self.env["kpi.result"].with_user(self.salesman).get_my_kpis_summary()
        self.assertEqual(summary, {"count": 2, "score": 80.0, "status": "warning",
                                   "off_track": 1, "warning": 0, "counted": 2})

    def test_no_stale_card_for_a_rule_that_no_longer_applies(self):
        self.deals.active = False
        self.assertEqual([c["name"] for c in self.my_kpis(self.salesman)["cards"]],
                         ["Meetings planned"])
        self.deals.active = True
        self.salesman.kpi_profile_id = self.profile_kam
        self.assertEqual(self.my_kpis(self.salesman)["cards"], [])
        # the history stays
        self.assertEqual(len(self.result(self.meetings, self.salesman)), 2)

    def test_rule_moved_to_another_company_does_not_break_my_kpis(self):
        other = self.env["res.company"].create({"name": "KPI other company"})
        self.meetings.company_id = other
        self.deals.company_id = False
        data = self.my_kpis(self.salesman)  # no AccessError on the rule of another company
        self.assertEqual([c["name"] for c in data["cards"]], ["Won deals"])
        history = self.env["kpi.result"].with_user(self.salesman2).get_kpi_history(
            self.meetings.id + 1000)
        self.assertEqual((history["rule"], history["points"]), ({}, []))

    def test_salesperson_gets_only_own_results(self):
        data = self.my_kpis(self.salesman2)
        results = self.env["kpi.result"].browse([c["id"] for c in data["cards"]])
        self.assertEqual(results.user_id, self.salesman2)
        self.assertEqual([c["value"] for c in data["cards"]], [0, 0])
        history = self.env["kpi.result"].with_user(self.salesman2).get_kpi_history(
            self.meetings.id)
        self.assertEqual({p["value"] for p in history["points"]}, {0})
        ids = self.env["kpi.result"].search([("user_id", "=", self.salesman2.id)]).ids
        self.assertIn(history["result_id"], ids)
        # no profile, no results: nothing, and no error
        empty = self.my_kpis(self.no_profile)
        self.assertEqual({key: value for key, value in empty.items() if key != "labels"}, {
            "cards": [], "overall": {"score": None, "status": False, "off_track": 0,
                                     "warning": 0, "counted": 0},
            "date": False, "computed_at": False})
        self.assertEqual(set(empty["labels"]), {"title", "fixed", "empty"})
        self.assertEqual(
            self.env["kpi.result"].with_user(self.no_profile).get_my_kpis_summary()["count"], 0)

    def test_history_target_and_forecast(self):
        for offset in range(29, 0, -1):
            if offset != 7:
                self.meetings.evaluate(date=TODAY - datetime.timedelta(days=offset))
        history = self.env["kpi.result"].with_user(self.salesman).get_kpi_history(
            self.meetings.id, period="month")
        self.assertEqual(history["period_start"], "2026-11-01")
        self.assertEqual(history["period_end"], "2026-11-30")
        dates = [p["date"] for p in history["points"]]
        self.assertEqual(dates[0], "2026-10-25")  # at least 30 days
        self.assertEqual(dates[-1], "2026-11-23")
        self.assertEqual({p["target"] for p in history["points"]}, {10})
        self.assertEqual(history["forecast"][0]["date"], "2026-11-23")
        self.assertEqual(history["forecast"][-1]["date"], "2026-11-30")
        self.assertIn("damped", history["forecast_note"])
        self.assertEqual(history["record_count"], 6)
        # the counted records of the latest result
        action = self.env["kpi.result"].browse(history["result_id"]).with_user(
            self.salesman).action_open_records()
        self.assertEqual(len(self.env["calendar.event"].search(action["domain"])), 6)

    def test_query_count_does_not_grow_with_history(self):
        rules = self.meetings | self.deals
        for i in range(8):
            rules |= self.make_rule("won_revenue", name="Revenue %s" % i, target=1000)
        rules.evaluate(users=self.salesman)
        Result = self.env["kpi.result"].with_user(self.salesman)

        def counts():
            self.env.invalidate_all()
            self.env.registry.clear_cache()
            Result.get_my_kpis()  # warm the ormcaches (access rules, translations)
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            data = Result.get_my_kpis()
            mine = self.env.cr.sql_log_count - before
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Result.get_kpi_history(self.meetings.id, period="year")
            return data, mine, self.env.cr.sql_log_count - before

        short, short_count, short_history = counts()
        self.assertEqual(len(short["cards"]), 10)
        self.backfill(rules, self.salesman, days=365)
        long, long_count, long_history = counts()
        self.assertEqual(len(long["cards"]), 10)
        self.assertEqual(long_count, short_count)
        self.assertLessEqual(long_count, 7)
        self.assertEqual(long_history, short_history)
        self.assertLessEqual(long_history, 8)

    def backfill(self, rules, user, days):
        """A year of daily history in one INSERT (the engine would take a query per day)."""
        self.env["kpi.result"].flush_model()
        self.env.cr.execute(SQL(
            """INSERT INTO kpi_result (rule_id, user_id, date, value, target, score, status,
                                       record_ids, off_track_streak)
               SELECT r, %s, %s::date - d, d %% 10, 10, (d %% 10) * 10, 'off_track', '[]', 0
                 FROM unnest(%s::int[]) r, generate_series(1, %s) d
               ON CONFLICT DO NOTHING""",
            user.id, TODAY, rules.ids, days,
        ))
        self.env.invalidate_all()

    def test_my_kpis_entry_only_for_users_with_results(self):
        menu = self.env.ref("kpi_management.kpi_result_menu_my_kpis")
        self.env.registry.clear_cache()
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.salesman).load_menus(False))
        self.assertNotIn(menu.id, Menu.with_user(self.no_profile).load_menus(False))
        # a first result shows the entry (the engine clears the menu cache)
        self.no_profile.kpi_profile_id = self.profile_sales
        Menu.with_user(self.no_profile).load_menus(False)  # cached without the entry
        self.meetings.evaluate(users=self.no_profile)
        self.assertIn(menu.id, Menu.with_user(self.no_profile).load_menus(False))


@freeze_time(NOW)
class TestTeamView(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meetings = cls.make_rule("meetings_planned", target=10, window_days=14,
                                     profiles=cls.profile_sales | cls.profile_kam)
        cls.event(cls.salesman, utc(days=1, hours=9))
        for offset in range(4, -1, -1):
            cls.meetings.evaluate(date=TODAY - datetime.timedelta(days=offset))

    def test_team_and_profile_stored_with_results(self):
        result = self.result(self.meetings, self.salesman, TODAY)
        self.assertEqual((result.team_id, result.profile_id), (self.team, self.profile_sales))
        self.assertEqual(result.value_display, "1 / 10 meetings")
        kam = self.result(self.meetings, self.kam, TODAY)
        self.assertEqual((kam.team_id.id, kam.profile_id), (False, self.profile_kam))

    def test_off_track_streak(self):
        streaks = self.env["kpi.result"].search(
            [("rule_id", "=", self.meetings.id), ("user_id", "=", self.salesman.id)],
            order="date").mapped("off_track_streak")
        self.assertEqual(streaks, [1, 2, 3, 4, 5])
        # reaching the target breaks the streak; off track again starts from 1
        for day in range(2, 12):
            self.event(self.salesman, utc(days=day, hours=9))
        self.meetings.evaluate(date=TODAY + datetime.timedelta(days=1))
        self.assertEqual(
            self.result(self.meetings, self.salesman, TODAY + datetime.timedelta(days=1))
            .off_track_streak, 0)
        self.env["calendar.event"].search([("user_id", "=", self.salesman.id)]).unlink()
        self.meetings.evaluate(date=TODAY + datetime.timedelta(days=2))
        self.assertEqual(
            self.result(self.meetings, self.salesman, TODAY + datetime.timedelta(days=2))
            .off_track_streak, 1)

    def test_manager_team_view_returns_only_the_team(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kpi_management.kpi_result_action_team")
        self.assertEqual(action["res_model"], "kpi.result")
        self.assertIn("kanban", action["view_mode"])
        Result = self.env["kpi.result"].with_user(self.manager)
        latest = Result.search([("is_latest", "=", True)])
        self.assertEqual(latest.user_id, self.salesman)  # not salesman2, kam
        self.assertEqual(set(latest.mapped("date")), {TODAY})
        # pivot users x rules
        groups = Result._read_group([("is_latest", "=", True)], ["user_id", "rule_id"],
                                    ["score:avg"])
        self.assertEqual([(u, r) for u, r, _s in groups], [(self.salesman, self.meetings)])
        # filters: team, profile, status, streak, periods
        self.assertEqual(Result.search_count([("team_id", "=", self.team.id)]), 5)
        self.assertEqual(Result.search_count([("profile_id", "=", self.profile_kam.id)]), 0)
        self.assertEqual(Result.search_count([("off_track_streak", ">=", 3)]), 3)
        self.assertEqual(Result.search_count([("period", "=", "day")]), 1)
        self.assertEqual(Result.search_count([("period", "=", "week")]), 1)  # Monday
        self.assertEqual(Result.search_count([("period", "=", "month")]), 5)
        # the admin sees everybody
        admin_latest = self.env["kpi.result"].with_user(self.kpi_admin).search(
            [("is_latest", "=", True)])
        self.assertEqual(admin_latest.user_id, self.salesman | self.salesman2 | self.kam)

    def test_salesperson_team_view_shows_only_own(self):
        Result = self.env["kpi.result"].with_user(self.salesman2)
        self.assertEqual(Result.search([("is_latest", "=", True)]).user_id, self.salesman2)

    def test_is_latest_and_period_fields(self):
        results = self.env["kpi.result"].search(
            [("rule_id", "=", self.meetings.id), ("user_id", "=", self.salesman.id)],
            order="date desc")
        self.assertEqual(results.mapped("is_latest"), [True, False, False, False, False])
        # searched both ways, as the filter and its negation
        Result = self.env["kpi.result"]
        mine = [("rule_id", "=", self.meetings.id), ("user_id", "=", self.salesman.id)]
        self.assertEqual(Result.search(mine + [("is_latest", "=", True)]), results[0])
        self.assertEqual(Result.search(mine + [("is_latest", "=", False)], order="date desc"),
                         results[1:])
        self.assertEqual(results.mapped("period"), ["day", "month", "month", "month", "month"])

    def assert_latest_table_true(self):
        """``kpi.result.latest`` holds, for every rule and user, their newest result."""
        self.env.flush_all()
        self.env.cr.execute("""SELECT rule_id, user_id, result_id, date FROM kpi_result_latest
                                ORDER BY 1, 2""")
        stored = self.env.cr.fetchall()
        self.env.cr.execute("""SELECT DISTINCT ON (rule_id, user_id) rule_id, user_id, id, date
                                 FROM kpi_result ORDER BY rule_id, user_id, date DESC""")
        self.assertEqual(stored, self.env.cr.fetchall())

    def test_latest_results_follow_every_writer(self):
        """The nightly evaluation, a past day evaluated again, results created, moved and
        deleted, a rule deleted: the latest result of each rule and user stays true."""
        Result = self.env["kpi.result"]
        self.assert_latest_table_true()
        newest = self.result(self.meetings, self.salesman, TODAY)
        # a past day evaluated again does not become the latest
        self.meetings.evaluate(date=TODAY - datetime.timedelta(days=1))
        self.assert_latest_table_true()
        self.assertTrue(newest.is_latest)
        # a new day does
        with freeze_time(NOW + datetime.timedelta(days=1)):
            self.meetings.evaluate()
        self.assert_latest_table_true()
        tomorrow = self.result(self.meetings, self.salesman, TODAY + datetime.timedelta(days=1))
        self.assertEqual(
            Result.search([("is_latest", "=", True), ("rule_id", "=", self.meetings.id),
                           ("user_id", "=", self.salesman.id)]), tomorrow)
        # deleted: the one before takes its place
        tomorrow.unlink()
        self.assert_latest_table_true()
        self.assertTrue(newest.is_latest)
        # created (an import) and moved in time
        imported = Result.create({"rule_id": self.meetings.id, "user_id": self.salesman.id,
                                  "date": TODAY + datetime.timedelta(days=3), "value": 1,
                                  "target": 10, "score": 10, "status": "off_track"})
        self.assert_latest_table_true()
        imported.date = TODAY - datetime.timedelta(days=40)
        self.assert_latest_table_true()
        self.assertTrue(newest.is_latest)
        # a rule deleted takes its latest results with it
        self.meetings.unlink()
        self.assert_latest_table_true()
        # a user deleted takes theirs (the table has no key to the results themselves)
        self.salesman2.unlink()
        self.assert_latest_table_true()

    def test_latest_table_has_no_key_to_the_results(self):
        """``kpi_result_latest.result_id`` is no foreign key (issue 22): its check ran for every
        result of the night with a plan PostgreSQL kept for the session, a sequential scan
        when planned on an empty ``kpi_result``. The upgrade to 19.0.1.9.0 drops the key and
        the index the former many2one left."""
        def key_and_index():
            self.env.cr.execute("""SELECT count(*) FROM pg_constraint
                                    WHERE conrelid = 'kpi_result_latest'::regclass
                                      AND confrelid = 'kpi_result'::regclass""")
            keys = self.env.cr.fetchone()[0]
            self.env.cr.execute("""SELECT count(*) FROM pg_indexes
                                    WHERE tablename = 'kpi_result_latest'
                                      AND indexname = 'kpi_result_latest__result_id_index'""")
            return keys, self.env.cr.fetchone()[0]

        self.assertEqual(key_and_index(), (0, 0))
        # a database of 19.0.1.8.0 had both
        self.env.cr.execute("""ALTER TABLE kpi_result_latest ADD CONSTRAINT
                                 kpi_result_latest_result_id_fkey FOREIGN KEY (result_id)
                                 REFERENCES kpi_result (id) ON DELETE CASCADE;
                               CREATE INDEX kpi_result_latest__result_id_index
                                   ON kpi_result_latest (result_id)""")
        self.assertEqual(key_and_index(), (1, 1))
        migration = importlib.util.spec_from_file_location(
            "post_latest_no_key", pathlib.Path(__file__).resolve().parent.parent
            / "kpi_management" / "migrations" / "19.0.1.9.0" / "post-latest-no-key.py")
        module = importlib.util.module_from_spec(migration)
        migration.loader.exec_module(module)
        module.migrate(self.env.cr, "19.0.1.8.0")
        self.assertEqual(key_and_index(), (0, 0))


@freeze_time(NOW)
class TestRulePreview(KpiCase):
    def test_preview_computes_without_storing(self):
        rule = self.make_rule("meetings_planned", target=10, window_days=14)
        for day in MEETING_DAYS:
            self.event(self.salesman, utc(days=day, hours=9))
        action = rule.with_user(self.kpi_admin).action_preview()
        self.assertEqual(action["res_model"], "kpi.rule.preview")
        wizard = self.env["kpi.rule.preview"].with_user(self.kpi_admin).with_context(
            action["context"]).create({"user_id": self.salesman.id})
        self.assertEqual(wizard.rule_id, rule)
        wizard.action_compute()
        self.assertEqual(
            (wizard.value, wizard.target, wizard.score, wizard.status, wizard.record_count),
            (6, 10, 60, "off_track", 6),
        )
        self.assertEqual(wizard.evaluated_date, TODAY)
        self.assertFalse(self.env["kpi.result"].search_count([("rule_id", "=", rule.id)]))
        records = wizard.action_open_records()
        self.assertEqual(len(self.env[records["res_model"]].search(records["domain"])), 6)
        # another day, any internal user
        wizard.write({"user_id": self.no_profile.id, "date": TODAY})
        wizard.action_compute()
        self.assertEqual(wizard.value, 0)

    def test_preview_of_a_past_day_keeps_the_target_it_recorded(self):
        """As the nightly job: a past day is scored against the target its result recorded
        (8), not today's (10)."""
        rule = self.make_rule("meetings_planned", target=8, window_days=14)
        yesterday = TODAY - datetime.timedelta(days=1)
        rule.evaluate(date=yesterday)
        rule.target = 10
        wizard = self.env["kpi.rule.preview"].with_user(self.kpi_admin).create({
            "rule_id": rule.id, "user_id": self.salesman.id, "date": yesterday})
        wizard.action_compute()
        self.assertEqual(wizard.target, 8)
        wizard.write({"date": TODAY})
        wizard.action_compute()
        self.assertEqual(wizard.target, 10)

    def test_rule_form_has_preview_and_evaluate_buttons(self):
        arch = self.env["kpi.rule"].get_view(
            self.env.ref("kpi_management.kpi_rule_view_form").id, "form")["arch"]
        self.assertIn('name="action_preview"', arch)
        self.assertIn('name="action_evaluate_now"', arch)

    def test_salesperson_cannot_preview(self):
        self.assertFalse(self.env["kpi.rule.preview"].with_user(self.salesman).has_access(
            "create"))
