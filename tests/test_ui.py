"""Browser tours (headless Chromium): My KPIs as a salesperson, the team view as a manager.

Data is built relative to the server's clock: the real one for :class:`TestKpiTours`, a clock
frozen on day 4 and day 25 of a month for :class:`TestKpiToursDay4` / :class:`TestKpiToursDay25`
(the forecasts on those days; the browser keeps the real time, every figure comes from the server).
The tours ask for screenshots with ``console.log("kpi-screenshot:<name>")``; they are written
to ``$KPI_SCREENSHOTS_DIR`` (``KPI_SCREENSHOTS_DIR=docs/screenshots make test`` refreshes the
README's pictures) or to a temporary directory.
"""

import base64
import datetime
import os
import pathlib
import tempfile
from unittest.mock import patch

from odoo import Command, fields
from odoo.addons.kpi_management.tools import calendar, scoring
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser, freeze_time

from .common import TZ, KpiTestMixin

SCREENSHOT_PREFIX = "kpi-screenshot:"


def screenshot_dir():
    path = pathlib.Path(os.environ.get("KPI_SCREENSHOTS_DIR")
                        or pathlib.Path(tempfile.gettempdir()) / "kpi_screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class KpiTourCase(KpiTestMixin, HttpCase):
    """A salesperson with 6 meetings planned and 2 deals won, a colleague, a manager, a bonus
    scheme, and two weeks of nightly results up to the server's today."""

    browser_size = "1366x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True,
                                   no_mail_to_attendees=True, mail_notrack=True))
        cls.profile = env["kpi.profile"].create({"name": "Tour Sales"})
        cls.salesperson = new_test_user(
            env, login="kpi_tour_sales", name="KPI Tour Salesperson", tz=TZ,
            groups="sales_team.group_sale_salesman")
        cls.colleague = new_test_user(
            env, login="kpi_tour_colleague", name="KPI Tour Colleague", tz=TZ,
            groups="sales_team.group_sale_salesman")
        cls.outsider = new_test_user(
            env, login="kpi_tour_outsider", name="KPI Tour Outsider", tz=TZ,
            groups="sales_team.group_sale_salesman")
        (cls.salesperson | cls.colleague | cls.outsider).kpi_profile_id = cls.profile
        cls.manager = new_test_user(
            env, login="kpi_tour_manager", name="KPI Tour Manager", tz=TZ,
            groups="sales_team.group_sale_salesman_all_leads,kpi_management.group_kpi_manager")
        env["crm.team"].create({
            "name": "KPI tour team", "user_id": cls.manager.id,
            "crm_team_member_ids": [Command.create({"user_id": cls.salesperson.id}),
                                    Command.create({"user_id": cls.colleague.id})],
        })
        env["crm.team"].create({
            "name": "KPI tour other team",
            "crm_team_member_ids": [Command.create({"user_id": cls.outsider.id})],
        })
        template = env.ref("kpi_management.kpi_template_meetings_planned")
        meetings = env["kpi.rule"].create({
            "name": "Meetings planned", "template_id": template.id, "target": 10,
            "window_days": 14, "profile_ids": [Command.set(cls.profile.ids)],
        })
        deals = env["kpi.rule"].create({
            "name": "Won deals", "template_id": env.ref(
                "kpi_management.kpi_template_won_deals").id,
            "target": 2, "window_days": 30, "sequence": 20,
            "profile_ids": [Command.set(cls.profile.ids)],
        })
        # the salesperson is on a bonus scheme: My KPIs shows the bonus estimate
        env["kpi.bonus.scheme"].create({
            "name": "Tour bonus", "base_amount": 10000,
            "profile_ids": [Command.set(cls.profile.ids)],
            "line_ids": [Command.create({"rule_id": meetings.id, "weight": 50}),
                         Command.create({"rule_id": deals.id, "weight": 50})],
        })
        now = fields.Datetime.now()
        # the source example: 6 meetings planned in the next 14 days, against a target of 10
        for i, days in enumerate((1, 2, 3, 5, 8, 12), start=1):
            start = now + datetime.timedelta(days=days)
            env["calendar.event"].create({
                "name": "KPI tour meeting %s" % i, "user_id": cls.salesperson.id,
                "start": start, "stop": start + datetime.timedelta(hours=1),
                "partner_ids": [Command.set(cls.salesperson.partner_id.ids)],
            })
        won = env["crm.stage"].create({"name": "Won (tour)", "is_won": True, "sequence": 99})
        for days in (3, 10):
            lead = env["crm.lead"].create({
                "name": "KPI tour deal", "type": "opportunity", "user_id": cls.salesperson.id,
                "stage_id": won.id,
            })
            closed = now - datetime.timedelta(days=days)
            lead.write({"date_closed": closed, "kpi_date_won": closed})
        # the colleague won 3 deals against a target of 2: 150%, a full bar marked "over"
        for days in (2, 4, 6):
            lead = env["crm.lead"].create({
                "name": "KPI tour colleague deal", "type": "opportunity",
                "user_id": cls.colleague.id, "stage_id": won.id,
            })
            closed = now - datetime.timedelta(days=days)
            lead.write({"date_closed": closed, "kpi_date_won": closed})
        # two weeks of history, then today
        today = scoring.local_today(TZ, now)
        for offset in range(14, 0, -1):
            (meetings | deals).evaluate(date=today - datetime.timedelta(days=offset))
        (meetings | deals).evaluate()

    def start_tour_with_screenshots(self, url, tour, login, suffix=""):
        """Run ``tour``; the screenshots it asks for are saved as ``<name><suffix>.png``."""
        shots = screenshot_dir()
        taken = []
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, **kw):  # noqa: A002 - CDP's name
            if type == "log" and args and str(args[0].get("value", "")).startswith(
                    SCREENSHOT_PREFIX):
                name = args[0]["value"][len(SCREENSHOT_PREFIX):] + suffix

                def save(future, name=name):
                    data = future.result(timeout=0).get("data")
                    if data:
                        (shots / ("%s.png" % name)).write_bytes(base64.b64decode(data))
                        taken.append(name)

                future = browser._websocket_send("Page.captureScreenshot", with_future=True)
                if future:
                    future.add_done_callback(save)
            return original(browser, type, args=args, **kw)

        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            self.start_tour(url, tour, login=login, timeout=120)
        return taken

    def store_periods(self):
        """The period scores as the nightly analysis stores them, with a previous month to
        compare with: its days are evaluated here, in the test's transaction (the bonus sheet
        tour needs a last month without results), and the salesperson won 4 deals in it
        (200%, capped: the month in progress, at most the 2 deals of setUpClass, scores less
        whatever today's date)."""
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        now = fields.Datetime.now()
        today = scoring.local_today(TZ, now)
        first = calendar.previous_period(today.replace(day=1), "month")[0]
        won = env["crm.stage"].search([("name", "=", "Won (tour)")])
        for day in (5, 10, 15, 20):
            lead = env["crm.lead"].create({
                "name": "KPI tour deal of last month", "type": "opportunity",
                "user_id": self.salesperson.id, "stage_id": won.id,
            })
            closed = datetime.datetime.combine(first.replace(day=day), datetime.time(11))
            lead.write({"date_closed": closed, "kpi_date_won": closed})
        rules = env["kpi.rule"].search([("name", "in", ("Meetings planned", "Won deals"))])
        day = first
        while day < today - datetime.timedelta(days=14):  # setUpClass evaluated the rest
            rules.evaluate(date=day)
            day += datetime.timedelta(days=1)
        for period_type in calendar.PERIOD_TYPES:
            periods = calendar.periods_between(first, today, period_type)
            for rule in rules:
                env["kpi.period.result"]._store_periods(rule, period_type, periods, now=now)


@tagged("post_install", "-at_install")
class TestKpiTours(KpiTourCase):
    test_tags = {"standard", "post_install"}

    def test_salesperson_my_kpis_tour(self):
        taken = self.start_tour_with_screenshots("/odoo", "kpi_my_kpis_tour", "kpi_tour_sales")
        self.assertEqual(sorted(taken), ["my_kpis", "my_kpis_graph"])

    def test_manager_team_tour(self):
        taken = self.start_tour_with_screenshots(
            "/odoo/action-kpi_management.kpi_result_action_team", "kpi_team_tour",
            "kpi_tour_manager")
        self.assertEqual(sorted(taken), ["team_graph", "team_kanban", "team_pivot",
                                         "team_result"])

    def test_salesperson_my_periods_tour(self):
        self.store_periods()
        taken = self.start_tour_with_screenshots(
            "/odoo/action-kpi_management.kpi_result_action_my_kpis", "kpi_my_periods_tour",
            "kpi_tour_sales")
        self.assertEqual(taken, ["my_kpis_periods"])

    def test_manager_team_periods_tour(self):
        self.store_periods()
        taken = self.start_tour_with_screenshots(
            "/odoo/action-kpi_management.kpi_period_result_action_team",
            "kpi_team_periods_tour", "kpi_tour_manager")
        self.assertEqual(sorted(taken), ["team_periods", "team_periods_pivot"])

    def test_salesperson_own_finding_tour(self):
        """The salesperson opens the finding about herself: her periods and the target, no
        team figure (a team of 2), no internal note, nothing to review or annotate."""
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        rule = env["kpi.rule"].search([("name", "=", "Meetings planned")])
        rule.analysis_min_periods = 2
        first = scoring.local_today(TZ, fields.Datetime.now()).replace(day=1)
        months = [calendar.previous_period(first, "month")]
        months.insert(0, calendar.previous_period(months[0][0], "month"))
        team = env["crm.team"].search([("name", "=", "KPI tour team")])
        for user, values in ((self.salesperson, (5.0, 6.0)), (self.colleague, (11.0, 12.0))):
            for (date_from, date_to), value in zip(months, values, strict=True):
                score, status = rule._score(value, 10.0, True)
                env["kpi.period.result"].create({
                    "rule_id": rule.id, "user_id": user.id, "period_type": "month",
                    "date_from": date_from, "date_to": date_to, "closed": True,
                    "method": "period", "value": value, "target": 10.0, "score": score,
                    "status": status, "team_id": team.id,
                })
        env["kpi.discrepancy"]._analyse(rule)
        finding = env["kpi.discrepancy"].search([("user_id", "=", self.salesperson.id)])
        self.assertEqual(len(finding), 1)
        env["kpi.discrepancy.note"].with_user(self.manager).create([
            {"finding_id": finding.id, "body": "Internal: talk with HR first", "internal": True},
            {"finding_id": finding.id, "body": "Two days of coaching planned", "internal": False},
        ])
        taken = self.start_tour_with_screenshots(
            "/odoo/action-kpi_management.kpi_discrepancy_action/%s" % finding.id,
            "kpi_own_finding_tour", "kpi_tour_sales")
        self.assertEqual(taken, ["discrepancy_subject"])

    def test_salesperson_my_bonus_estimate_tour(self):
        taken = self.start_tour_with_screenshots(
            "/odoo/action-kpi_management.kpi_bonus_estimate_action", "kpi_my_bonus_tour",
            "kpi_tour_sales")
        self.assertEqual(taken, ["my_bonus"])

    def test_officer_bonus_sheet_tour(self):
        """HR opens last month's sheet: computed, then a deal of that month was entered."""
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        officer = new_test_user(
            env, login="kpi_tour_hr", name="KPI Tour HR", tz=TZ,
            groups="base.group_user,kpi_management.group_kpi_bonus_officer")
        first = fields.Date.today().replace(day=1) - datetime.timedelta(days=1)
        first = first.replace(day=1)
        sheet = env["kpi.bonus.sheet"].with_user(officer).create({
            "scheme_id": env["kpi.bonus.scheme"].search([("name", "=", "Tour bonus")]).id,
            "team_id": env["crm.team"].search([("name", "=", "KPI tour team")]).id,
            "period_type": "month", "date_from": first,
        })
        sheet.with_user(officer).action_compute()
        lead = env["crm.lead"].create({
            "name": "KPI tour late deal", "type": "opportunity", "user_id": self.salesperson.id,
            "stage_id": env["crm.stage"].search([("name", "=", "Won (tour)")]).id,
        })
        closed = datetime.datetime.combine(first, datetime.time(12))
        lead.write({"date_closed": closed, "kpi_date_won": closed})
        taken = self.start_tour_with_screenshots(
            "/odoo/action-kpi_management.kpi_bonus_sheet_action/%s" % sheet.id,
            "kpi_bonus_sheet_tour", "kpi_tour_hr")
        self.assertEqual(taken, ["bonus_sheet"])


class KpiTourClockCase(KpiTourCase):
    """My KPIs and My Bonus Estimate as the salesperson on a given day of November 2026 (the
    server's clock frozen, ticking): the forecasts must be as honest on day 4 as on day 25."""

    day = None  # the day of the month, set by the subclasses' clock

    def estimate(self):
        [estimate] = self.env["kpi.bonus.scheme"].with_user(self.salesperson).get_bonus_estimate()
        return estimate, {line["name"]: line for line in estimate["lines"]}

    def run_tours(self):
        suffix = "_day%s" % self.day
        taken = self.start_tour_with_screenshots("/odoo", "kpi_my_kpis_tour", "kpi_tour_sales",
                                                 suffix=suffix)
        taken += self.start_tour_with_screenshots(
            "/odoo/action-kpi_management.kpi_bonus_estimate_action", "kpi_my_bonus_tour",
            "kpi_tour_sales", suffix=suffix)
        self.assertEqual(sorted(taken), sorted(
            name + suffix for name in ("my_kpis", "my_kpis_graph", "my_bonus")))


@tagged("post_install", "-at_install")
@freeze_time("2026-11-04 09:00:00", tick=True)
class TestKpiToursDay4(KpiTourClockCase):
    test_tags = {"standard", "post_install"}
    day = 4

    def test_day_4_forecast_leans_on_the_previous_pace(self):
        """Day 4: one deal won on the 1st (the other on 25 October). The forecast of the deals
        blends the 3.42 days elapsed (10:00 in Copenhagen) with the pace since the first result
        (21 October, 11 days, 1 deal): about 5.2 deals, not the 1 x 30 / 3.42 = 8.8 a plain
        extrapolation gives; the meetings (a state) hold today's value."""
        estimate, lines = self.estimate()
        self.assertEqual(estimate["period_start"], "2026-11-01")
        self.assertIn("day 4 of 30", estimate["forecast"]["note"])
        deals = lines["Won deals"]
        self.assertEqual(deals["value"], 1.0)
        self.assertIn("blended with your pace over the previous 11 days", deals["forecast"]["note"])
        # (1 + 1/11 x 7) / (elapsed + 7) per day for the days left, after the 1 won
        elapsed = 3 + 10 / 24
        expected = 1 + (30 - elapsed) * (1 + 7 / 11) / (elapsed + 7)
        self.assertAlmostEqual(deals["forecast"]["value"], expected, places=2)
        self.assertLess(deals["forecast"]["value"], 30 / elapsed * 0.6)
        # the meetings, a state: the 4 days' average so far (55%: meetings further than 14 days
        # on the 1st) and today's 60% held for the 26 days left
        meetings = lines["Meetings planned"]
        self.assertEqual(meetings["score"], 55.0)
        self.assertAlmostEqual(meetings["forecast"]["score"], (4 * 55 + 26 * 60) / 30, places=2)
        self.run_tours()


@tagged("post_install", "-at_install")
@freeze_time("2026-11-25 09:00:00", tick=True)
class TestKpiToursDay25(KpiTourClockCase):
    test_tags = {"standard", "post_install"}
    day = 25

    def test_day_25_forecast_is_the_period_pace(self):
        """Day 25: the two deals were won on the 15th and the 22nd, and the salesperson was
        first measured on the 11th: no previous period, the forecast is the pace of the 25 days
        (24.42 elapsed), 2 x 30 / 24.42."""
        estimate, lines = self.estimate()
        self.assertIn("day 25 of 30", estimate["forecast"]["note"])
        deals = lines["Won deals"]
        self.assertEqual(deals["value"], 2.0)
        self.assertIn("Your pace over the 25 days measured.", deals["forecast"]["note"])
        self.assertAlmostEqual(deals["forecast"]["value"], 2 * 30 / (24 + 10 / 24), places=2)
        self.run_tours()
