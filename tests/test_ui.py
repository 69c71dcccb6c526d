"""Browser tours (headless Chromium): My KPIs as a salesperson, the team view as a manager.

Data is built relative to the real clock (nothing is frozen: the browser runs on real time).
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
from odoo.addons.kpi_management.models import kpi_period, kpi_scoring
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .common import TZ, KpiTestMixin

SCREENSHOT_PREFIX = "kpi-screenshot:"


def screenshot_dir():
    path = pathlib.Path(os.environ.get("KPI_SCREENSHOTS_DIR")
                        or pathlib.Path(tempfile.gettempdir()) / "kpi_screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@tagged("post_install", "-at_install")
class TestKpiTours(KpiTestMixin, HttpCase):
    test_tags = {"standard", "post_install"}
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
        today = kpi_scoring.local_today(TZ, now)
        for offset in range(14, 0, -1):
            (meetings | deals).evaluate(date=today - datetime.timedelta(days=offset))
        (meetings | deals).evaluate()

    def start_tour_with_screenshots(self, url, tour, login):
        shots = screenshot_dir()
        taken = []
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, **kw):  # noqa: A002 - CDP's name
            if type == "log" and args and str(args[0].get("value", "")).startswith(
                    SCREENSHOT_PREFIX):
                name = args[0]["value"][len(SCREENSHOT_PREFIX):]

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

    def test_salesperson_my_kpis_tour(self):
        taken = self.start_tour_with_screenshots("/odoo", "kpi_my_kpis_tour", "kpi_tour_sales")
        self.assertEqual(sorted(taken), ["my_kpis", "my_kpis_graph"])

    def test_manager_team_tour(self):
        taken = self.start_tour_with_screenshots(
            "/odoo/action-kpi_management.kpi_result_action_team", "kpi_team_tour",
            "kpi_tour_manager")
        self.assertEqual(sorted(taken), ["team_graph", "team_kanban", "team_pivot",
                                         "team_result"])

    def store_periods(self):
        """The period scores as the nightly analysis stores them, with a previous month to
        compare with: its days are evaluated here, in the test's transaction (the bonus sheet
        tour needs a last month without results), and the salesperson won 4 deals in it
        (200%, capped: the month in progress, at most the 2 deals of setUpClass, scores less
        whatever today's date)."""
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        now = fields.Datetime.now()
        today = kpi_scoring.local_today(TZ, now)
        first = kpi_period.previous_period(today.replace(day=1), "month")[0]
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
        for period_type in kpi_period.PERIOD_TYPES:
            periods = kpi_period.periods_between(first, today, period_type)
            for rule in rules:
                env["kpi.period.result"]._store_periods(rule, period_type, periods, now=now)

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
