"""The period-over-period views (issue 12): the Periods tab of My KPIs
(``kpi.period.result.get_my_periods``) and Team Periods, as the people who read them.

The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen: November is the period in
progress (day 23 of 30), October the previous one, final.
"""

import datetime

from freezegun import freeze_time
from lxml import etree

from odoo.addons.kpi_management.tools import calendar
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .common import NOW, TODAY, KpiCase, local

D = datetime.date
OCTOBER, NOVEMBER = D(2026, 10, 1), D(2026, 11, 1)


class PeriodViewCase(KpiCase):
    @classmethod
    def daily(cls, rule, user, day, value, pilot=False):
        """A stored daily result (``value`` None: nothing to measure that day)."""
        score, status = rule._score(value, rule.target, value is not None)
        values = {"rule_id": rule.id, "user_id": user.id, "date": day, "target": rule.target,
                  "status": status, "pilot": pilot, "team_id": user.sale_team_id.id,
                  "computed_at": NOW}
        if value is not None:  # else NULL, as the engine stores it (the ORM would write 0)
            values.update(value=value, score=score)
        return cls.env["kpi.result"].create(values)

    @classmethod
    def store(cls, rules, period_type, first=OCTOBER, last=TODAY):
        periods = calendar.periods_between(first, last, period_type)
        for rule in rules:
            cls.env["kpi.period.result"]._store_periods(rule, period_type, periods, now=NOW)

    def my_periods(self, user, period_type="month"):
        return self.env["kpi.period.result"].with_user(user).get_my_periods(period_type)

    def rows(self, data):
        return {row["name"]: row for row in data["rows"]}


@freeze_time(NOW)
class TestMyPeriods(PeriodViewCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a count over past days, measured over the exact month: 1 deal in October, 2 so far
        # in November, against the month's target of 2 (a 30-day window is a month)
        cls.deals = cls.make_rule("won_deals", target=2, window_days=30, sequence=10)
        cls.won_lead(cls.salesman, local(2026, 10, 15, 12))
        cls.won_lead(cls.salesman, local(2026, 11, 5, 12))
        cls.won_lead(cls.salesman, local(2026, 11, 20, 12))
        for day in (D(2026, 10, 10), D(2026, 10, 31), D(2026, 11, 10), D(2026, 11, 20), TODAY):
            cls.deals.evaluate(date=day)
        # lower is better, averaged over the days: 4 overdue activities in October (50%),
        # 2 then 1 in November (100%, 200%: 150%), run as a pilot in November
        cls.overdue = cls.make_rule("overdue_activities", target=2, sequence=20)
        for day, value, pilot in ((D(2026, 10, 12), 4, False), (D(2026, 10, 30), 4, False),
                                  (D(2026, 11, 10), 2, True), (TODAY, 1, True)):
            cls.daily(cls.overdue, cls.salesman, day, value, pilot=pilot)
        # money with nothing to measure in November (and on its last day)
        cls.pipeline = cls.make_rule("open_pipeline", target=100000, sequence=30)
        cls.daily(cls.pipeline, cls.salesman, D(2026, 10, 20), 50000)
        cls.daily(cls.pipeline, cls.salesman, D(2026, 11, 12), None)
        cls.daily(cls.pipeline, cls.salesman, TODAY, None)
        cls.rules = cls.deals | cls.overdue | cls.pipeline
        for period_type in calendar.PERIOD_TYPES:
            cls.store(cls.rules, period_type)

    def test_the_month_so_far_next_to_the_previous_month_and_the_change(self):
        data = self.my_periods(self.salesman)
        self.assertEqual(data["period_type"], "month")
        self.assertEqual(data["current"], {
            "label": "November 2026", "date_from": "2026-11-01", "date_to": "2026-11-30",
            "closed": False, "progress": "so far, day 23 of 30"})
        self.assertEqual(data["previous"], {
            "label": "October 2026", "date_from": "2026-10-01", "date_to": "2026-10-31",
            "closed": True, "progress": "final"})
        self.assertFalse(data["stale"])
        self.assertEqual(data["computed_at"], "2026-11-23 10:00:00")
        self.assertEqual([row["name"] for row in data["rows"]],
                         ["Won deals", "Overdue activities", "Open pipeline"])
        deals = self.rows(data)["Won deals"]
        current, previous = deals["current"], deals["previous"]
        self.assertEqual((current["value"], current["target"], current["score"],
                          current["status"], current["status_label"]),
                         (2, 2, 100, "reached", "Reached"))
        self.assertEqual((current["closed"], current["progress"]),
                         (False, "so far, day 23 of 30"))
        self.assertEqual((previous["value"], previous["target"], previous["score"],
                          previous["status"], previous["progress"]),
                         (1, 2, 50, "off_track", "final"))
        # like with like: 2 deals by day 23 is 130.43% at this pace, against October's 50%
        self.assertEqual(deals["change"], 80.43)
        self.assertEqual(deals["change_note"], "At this pace (day 23 of 30).")
        # the last value is the KPI's own figure on its last day (its 30-day window)
        today = self.result(self.deals, self.salesman, TODAY)
        self.assertEqual((current["last_value"], current["last_date"]),
                         (today.value, "2026-11-23"))
        self.assertEqual(previous["last_date"], "2026-10-31")
        self.assertEqual((deals["unit"], deals["unit_label"], deals["currency_id"],
                          deals["pilot"]), ("count", "deals", False, False))
        # the cells are the stored period scores of the user
        rows = self.env["kpi.period.result"].browse([current["id"], previous["id"]])
        self.assertEqual(rows.mapped("period_label"), ["November 2026", "October 2026"])
        self.assertEqual(rows.user_id, self.salesman)

    def test_lower_is_better_rises_when_the_value_falls(self):
        overdue = self.rows(self.my_periods(self.salesman))["Overdue activities"]
        self.assertEqual(overdue["direction"], "lower")
        self.assertEqual((overdue["previous"]["value"], overdue["previous"]["score"]), (4, 50))
        self.assertEqual((overdue["current"]["value"], overdue["current"]["score"]), (1.5, 150))
        # fewer overdue activities: the score, hence the change, went up (good)
        self.assertEqual(overdue["change"], 100)
        self.assertTrue(overdue["pilot"])
        self.assertEqual(overdue["current"]["last_value"], 1)

    def test_nothing_to_measure_is_no_data_not_zero(self):
        pipeline = self.rows(self.my_periods(self.salesman))["Open pipeline"]
        current = pipeline["current"]
        self.assertEqual((current["value"], current["score"], current["status"]),
                         (None, None, "no_data"))
        self.assertEqual(current["target"], 100000)
        self.assertIsNone(current["last_value"])  # its last day had nothing to measure
        self.assertEqual(pipeline["previous"]["value"], 50000)
        self.assertIsNone(pipeline["change"])
        self.assertEqual(pipeline["currency_id"], self.company.currency_id.id)
        # the list says the same: no previous score to compare November with, no change
        november = self.env["kpi.period.result"].browse(current["id"])
        self.assertEqual((november.status, november.has_previous), ("no_data", True))
        # a previous period with nothing to measure has no score to compare with
        self.daily(self.pipeline, self.salesman, D(2026, 11, 18), None)
        self.store(self.pipeline, "week", D(2026, 11, 16))
        week = self.env["kpi.period.result"].search([
            ("rule_id", "=", self.pipeline.id), ("period_type", "=", "week"),
            ("date_from", "=", D(2026, 11, 23))])
        self.assertEqual(week.status, "no_data")
        self.assertFalse(week.has_previous)

    def test_the_lists_show_a_change_only_when_it_compares_like_with_like(self):
        """Team Periods and Period Scores: day 1 of a week has no change to show (it used to
        read "±0 pts", the stored change being empty); November, day 23, has its pace change,
        and a month without a previous score none."""
        Period = self.env["kpi.period.result"].with_user(self.manager)

        def row(rule, period_type, date_from):
            return Period.search([("rule_id", "=", rule.id), ("user_id", "=", self.salesman.id),
                                  ("period_type", "=", period_type),
                                  ("date_from", "=", date_from)])

        week = row(self.deals, "week", D(2026, 11, 23))
        self.assertTrue(week.has_previous)
        self.assertEqual((week.change_shown, week.score_change), (False, 0))
        november = row(self.deals, "month", NOVEMBER)
        self.assertEqual((november.change_shown, november.score_change), (True, 80.43))
        self.assertFalse(row(self.deals, "month", OCTOBER).change_shown)

    def test_weeks_quarters_and_years(self):
        week = self.my_periods(self.salesman, "week")
        self.assertEqual((week["current"]["label"], week["current"]["progress"]),
                         ("Week 48, 2026", "so far, day 1 of 7"))
        self.assertEqual((week["previous"]["label"], week["previous"]["progress"]),
                         ("Week 47, 2026", "final"))
        deals = self.rows(week)["Won deals"]
        # 2 deals in 30 days is 0.47 deals a week
        self.assertEqual((deals["previous"]["value"], round(deals["previous"]["target"], 4)),
                         (1, 0.4667))
        self.assertEqual((deals["current"]["value"], deals["current"]["score"]), (0, 0))
        # 200% (capped) last week, 0% on its first day: too early to compare (was -200)
        self.assertIsNone(deals["change"])
        self.assertEqual(deals["change_note"], "Too early to compare: day 1 of 7.")
        # a KPI without a score in the previous week: no change, and it says so
        self.assertFalse(self.rows(week)["Overdue activities"]["previous"])
        self.assertIsNone(self.rows(week)["Overdue activities"]["change"])
        quarter = self.my_periods(self.salesman, "quarter")
        self.assertEqual((quarter["current"]["label"], quarter["current"]["progress"],
                          quarter["previous"]), ("Q4 2026", "so far, day 54 of 92", False))
        self.assertEqual(self.my_periods(self.salesman, "year")["current"]["label"], "2026")
        # anything else: the month
        self.assertEqual(self.my_periods(self.salesman, "decade")["period_type"], "month")

    def test_before_the_first_night_of_a_period_the_latest_scores_are_shown(self):
        with freeze_time(datetime.datetime(2026, 12, 1, 0, 30)):  # 01:30 in Copenhagen
            data = self.my_periods(self.salesman)
        self.assertEqual(data["stale"], "December 2026")
        self.assertEqual(data["labels"]["stale"], "December 2026 gets its first scores tonight: "
                         "shown here, November 2026, the latest period scored.")
        self.assertEqual((data["current"]["label"], data["current"]["progress"]),
                         ("November 2026", "so far, day 23 of 30"))
        self.assertEqual(data["previous"]["label"], "October 2026")

    def test_the_latest_period_scored_is_current_and_the_one_before_it_previous(self):
        rows = [{"rule_id": rule_id, "date_from": date_from} for rule_id, date_from in (
            (1, D(2026, 9, 1)), (1, OCTOBER), (2, OCTOBER), (2, NOVEMBER))]
        current, previous, pairs = self.env["kpi.period.result"]._my_period_pairs(rows, "month")
        self.assertEqual((current, previous), (NOVEMBER, OCTOBER))
        # a KPI without a score in the current period keeps its previous one; older ones left out
        self.assertEqual(dict(pairs), {1: {"previous": rows[1]},
                                       2: {"current": rows[3], "previous": rows[2]}})
        # before the first night of November: October is current, September previous
        current, previous, pairs = self.env["kpi.period.result"]._my_period_pairs(rows[:3], "month")
        self.assertEqual((current, previous), (OCTOBER, D(2026, 9, 1)))
        self.assertEqual(dict(pairs), {1: {"current": rows[1], "previous": rows[0]},
                                       2: {"current": rows[2]}})

    def test_only_the_kpis_that_apply_today(self):
        self.pipeline.active = False
        self.assertEqual([row["name"] for row in self.my_periods(self.salesman)["rows"]],
                         ["Won deals", "Overdue activities"])
        self.salesman.kpi_profile_id = self.profile_kam
        self.assertEqual(self.my_periods(self.salesman)["rows"], [])

    def test_empty_before_the_first_night(self):
        data = self.my_periods(self.kam)  # a profile without rules
        self.assertEqual((data["rows"], data["current"], data["previous"]), ([], False, False))
        self.assertIn("computed every night", data["labels"]["empty"])
        self.env["kpi.period.result"].search([]).unlink()
        self.assertEqual(self.my_periods(self.salesman)["rows"], [])

    def test_a_salesperson_gets_only_their_own_periods(self):
        data = self.my_periods(self.salesman2)
        self.assertEqual([row["name"] for row in data["rows"]], ["Won deals"])
        deals = data["rows"][0]
        self.assertEqual((deals["current"]["value"], deals["previous"]["value"]), (0, 0))
        ids = [deals["current"]["id"], deals["previous"]["id"]]
        self.assertEqual(self.env["kpi.period.result"].browse(ids).user_id, self.salesman2)
        # and cannot read the colleague's
        theirs = self.env["kpi.period.result"].search([("user_id", "=", self.salesman.id)])
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman2).read(["score"])

    def counted(self, user, period_type="month"):
        Period = self.env["kpi.period.result"].with_user(user)
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        Period.get_my_periods(period_type)  # warm the ormcaches (access rules, translations)
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        data = Period.get_my_periods(period_type)
        return data, self.env.cr.sql_log_count - before

    def test_query_count_does_not_grow_with_kpis_or_periods(self):
        self.salesman2.kpi_profile_id = self.profile_kam
        one_rule = self.make_rule("meetings_planned", target=10, profiles=self.profile_kam)
        self.daily(one_rule, self.salesman2, TODAY, 4)
        self.store(one_rule, "month", NOVEMBER)
        one, one_count = self.counted(self.salesman2)
        self.assertEqual(len(one["rows"]), 1)
        # eleven KPIs with two years of months behind them
        rules = self.rules
        for i in range(8):
            rules |= self.make_rule("won_revenue", name="Revenue %s" % i, target=1000)
        self.env["kpi.result"].flush_model()
        self.env.cr.execute(SQL(
            """INSERT INTO kpi_result (rule_id, user_id, date, value, target, score, status,
                                       record_ids, off_track_streak)
               SELECT r, %s, %s::date - d * 7, d %% 10, 10, (d %% 10) * 10, 'off_track', '[]', 0
                 FROM unnest(%s::int[]) r, generate_series(0, 104) d
               ON CONFLICT DO NOTHING""", self.salesman.id, TODAY, rules.ids))
        self.env.invalidate_all()
        self.store(rules, "month", D(2024, 11, 1))
        self.assertGreater(self.env["kpi.period.result"].search_count(
            [("user_id", "=", self.salesman.id), ("period_type", "=", "month")]), 11 * 24)
        many, many_count = self.counted(self.salesman)
        self.assertEqual(len(many["rows"]), 11)
        self.assertEqual(many_count, one_count)
        # the user's timezone 2, the KPIs that apply 2, the period scores 1, the rules 4
        self.assertLessEqual(many_count, 9)


@freeze_time(NOW)
class TestTeamPeriods(PeriodViewCase):
    """Team Periods: the members of the teams a manager leads, per period, next to the previous
    period and the change (standard views over ``kpi.period.result``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deals = cls.make_rule("won_deals", target=2, window_days=30,
                                  profiles=cls.profile_sales | cls.profile_kam)
        cls.won_lead(cls.salesman, local(2026, 10, 15, 12))
        cls.won_lead(cls.salesman2, local(2026, 11, 5, 12))
        for day in (D(2026, 10, 31), TODAY):
            cls.deals.evaluate(date=day)
        cls.store(cls.deals, "month")
        cls.Period = cls.env["kpi.period.result"]
        cls.action = cls.env["ir.actions.act_window"]._for_xml_id(
            "kpi_management.kpi_period_result_action_team")

    def search_filter(self, name):
        """The domain of a filter of the period scores' search view, for the current uid."""
        arch = self.Period.get_view(
            self.env.ref("kpi_management.kpi_period_result_view_search").id, "search")["arch"]
        node = etree.fromstring(arch).xpath("//filter[@name='%s']" % name)[0]
        return node.get("domain")

    def test_the_action_opens_the_team_this_month(self):
        self.assertEqual(self.action["res_model"], "kpi.period.result")
        self.assertEqual(self.action["view_mode"].split(",")[:2], ["list", "pivot"])
        context = self.action["context"]
        for default in ("search_default_my_team", "search_default_month",
                        "search_default_current"):
            self.assertIn("'%s': 1" % default, context)
        self.assertIn("user_id.crm_team_member_ids", self.search_filter("my_team"))
        menu = self.env.ref("kpi_management.kpi_period_result_menu_team")
        self.assertEqual(menu.action, self.env.ref(
            "kpi_management.kpi_period_result_action_team"))
        self.assertEqual(menu.group_ids, self.env.ref("kpi_management.group_kpi_manager"))

    def team_rows(self, user):
        """What the manager's default Team Periods list shows: the members of the teams the
        user leads, this month (the filters of the action, as ORM domains)."""
        return self.Period.with_user(user).search_read(
            [("user_id.crm_team_member_ids", "any", [("active", "=", True),
                                                     ("crm_team_id.user_id", "=", user.id)]),
             ("period_type", "=", "month"), ("date_from", "<=", TODAY),
             ("date_to", ">=", TODAY)],
            ["user_id", "rule_id", "period_label", "value_display", "score", "previous_score",
             "score_change", "progress_label"])

    def test_the_manager_sees_each_member_next_to_the_previous_month(self):
        rows = self.team_rows(self.manager)
        self.assertEqual(len(rows), 1)  # the team: the salesman, not salesman2 or the kam
        row = rows[0]
        self.assertEqual(row["user_id"][0], self.salesman.id)
        self.assertEqual((row["period_label"], row["value_display"], row["score"],
                          row["previous_score"], row["score_change"], row["progress_label"]),
                         ("November 2026", "0 / 2 deals", 0, 50, -50, "so far, day 23 of 30"))
        # the pivot member x period, as the manager: the team only, whatever the filters
        groups = self.Period.with_user(self.manager)._read_group(
            [("period_type", "=", "month")], ["user_id", "date_from:month"], ["score:avg"])
        self.assertEqual([(user, score) for user, _month, score in groups],
                         [(self.salesman, 50), (self.salesman, 0)])

    def test_outside_the_team_nothing(self):
        # a salesperson of another team: only their own, never the team's
        self.assertEqual(self.team_rows(self.salesman2), [])
        own = self.Period.with_user(self.salesman2).search([])
        self.assertEqual(own.user_id, self.salesman2)
        team_row = self.Period.search([("user_id", "=", self.salesman.id)], limit=1)
        with self.assertRaises(AccessError):
            team_row.with_user(self.salesman2).read(["score"])
        # a manager who leads no team: their own (none) and nobody else's
        other = self._user("kpi_t_manager2", False,
                           groups="sales_team.group_sale_salesman_all_leads,"
                                  "kpi_management.group_kpi_manager")
        self.assertFalse(self.Period.with_user(other).search([]))
        self.assertEqual(self.team_rows(other), [])

    def test_the_list_shows_how_far_each_period_was_measured(self):
        october = self.Period.search([("user_id", "=", self.salesman.id),
                                      ("date_from", "=", OCTOBER)])
        self.assertEqual(october.progress_label, "final")
        arch = self.Period.get_view(
            self.env.ref("kpi_management.kpi_period_result_view_list").id, "list")["arch"]
        for name in ("progress_label", "previous_score", "score_change", "last_value"):
            self.assertIn('name="%s"' % name, arch)
