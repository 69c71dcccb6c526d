"""Who sees which bonus figures, the estimate, the workbook and the export route."""

import datetime
import io

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase

from .bonus_common import BonusCase
from .common import NOW, TODAY, utc


@freeze_time(NOW)
class TestBonusVisibility(BonusCase):
    def setUp(self):
        super().setUp()
        self.sheet = self.computed_sheet()

    def test_salesperson_sees_only_own_approved_line(self):
        Sheet, Line = self.env["kpi.bonus.sheet"], self.env["kpi.bonus.sheet.line"]
        self.assertFalse(Sheet.with_user(self.salesman).search([]))  # draft: nothing
        self.assertFalse(Line.with_user(self.salesman).search([]))
        self.approve(self.sheet)
        lines = Line.with_user(self.salesman).search([])
        self.assertEqual(lines.user_id, self.salesman)
        self.assertEqual(Sheet.with_user(self.salesman).search([]), self.sheet)
        details = self.env["kpi.bonus.sheet.detail"].with_user(self.salesman).search([])
        self.assertEqual(details.user_id, self.salesman)
        other = self.sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman2)
        with self.assertRaises(AccessError):
            other.with_user(self.salesman).read(["amount"])
        with self.assertRaises(AccessError):
            lines.with_user(self.salesman).write({"amount": 1})
        with self.assertRaises(AccessError):
            self.sheet.with_user(self.salesman)._get_xlsx_content()

    def test_salesperson_does_not_see_the_team_total(self):
        self.approve(self.sheet)
        sheet = self.sheet.with_user(self.salesman)
        for field in ("total_amount", "base_amount", "levels_frozen"):
            with self.assertRaises(AccessError):
                sheet.read([field])
        self.assertEqual(sheet.read(["name"])[0]["name"], self.sheet.name)
        amounts = [self.sheet.currency_id.format(ln.amount) for ln in self.sheet.line_ids]
        amounts.append(self.sheet.currency_id.format(self.sheet.total_amount))
        for body in sheet.message_ids.mapped("body"):
            for amount in amounts:
                self.assertNotIn(amount, body)
        self.assertIn("Figures computed: 2 employees.", " ".join(
            sheet.message_ids.mapped("body")))
        arch = sheet.get_views([(False, "form"), (False, "list")])["views"]
        for view in arch.values():
            self.assertNotIn('name="total_amount"', view["arch"])
        # the team's manager reads the amounts line by line, the totals are HR's
        lines = self.env["kpi.bonus.sheet.line"].with_user(self.manager).search(
            [("sheet_id", "=", self.sheet.id)])
        self.assertEqual(sum(lines.mapped("amount")), self.sheet.total_amount)
        with self.assertRaises(AccessError):
            self.sheet.with_user(self.manager).read(["total_amount"])
        self.assertEqual(self.sheet.with_user(self.officer).total_amount, self.sheet.total_amount)

    def test_manager_sees_own_team_only(self):
        Sheet = self.env["kpi.bonus.sheet"]
        self.assertEqual(Sheet.with_user(self.manager).search([]), self.sheet)
        self.assertEqual(len(self.env["kpi.bonus.sheet.line"].with_user(self.manager).search(
            [])), 2)
        self.assertFalse(Sheet.with_user(self.other_manager).search([]))
        with self.assertRaises(AccessError):
            self.sheet.with_user(self.other_manager).read(["total_amount"])
        self.approve(self.sheet)
        with self.assertRaises(AccessError):  # the export is HR's
            self.sheet.with_user(self.manager).action_export_xlsx()
        with self.assertRaises(AccessError):
            self.sheet.with_user(self.manager)._mark_exported()

    def test_officer_sees_all_and_individual_targets_are_private(self):
        self.assertEqual(self.env["kpi.bonus.sheet"].with_user(self.officer).search([]),
                         self.sheet)
        Target = self.env["kpi.rule.target"]
        mine = Target.create({"rule_id": self.rule_volume.id, "user_id": self.salesman.id,
                              "target": 120000})
        theirs = Target.create({"rule_id": self.rule_volume.id, "user_id": self.salesman2.id,
                                "target": 100000})
        self.assertEqual(Target.with_user(self.salesman).search([]), mine)
        self.assertEqual(Target.with_user(self.manager).search([]), mine | theirs)  # team
        self.assertFalse(Target.with_user(self.other_manager).search([]))
        self.assertEqual(Target.with_user(self.officer).search([]), mine | theirs)
        with self.assertRaises(AccessError):
            Target.with_user(self.salesman).create({"rule_id": self.rule_new.id,
                                                    "user_id": self.salesman.id, "target": 1})


@freeze_time(NOW)
class TestBonusEstimate(BonusCase):
    def test_estimate_per_kpi_with_what_if(self):
        self.won_lead(self.salesman, utc(days=-3), revenue=110000, partner=self.client("N1"))
        (self.rule_volume | self.rule_new).evaluate()
        [estimate] = self.env["kpi.bonus.scheme"].with_user(self.salesman).get_bonus_estimate()
        self.assertTrue(estimate["estimate"])
        # the structure the JS reads (static/src/bonus/), exactly
        self.assertEqual(set(estimate), {
            "scheme_id", "scheme", "estimate", "date", "currency", "base_amount",
            "total_score", "payout_percent", "amount", "period", "period_start", "period_end",
            "forecast", "lines"})
        self.assertEqual(set(estimate["currency"]),
                         {"id", "name", "symbol", "position", "decimals"})
        self.assertEqual(set(estimate["forecast"]),
                         {"date", "note", "total_score", "payout_percent", "amount"})
        self.assertEqual((estimate["scheme_id"], estimate["period"], estimate["base_amount"]),
                         (self.scheme.id, "month", 10000))
        self.assertEqual(estimate["forecast"]["date"], estimate["period_end"])
        self.assertEqual([line["scheme_line_id"] for line in estimate["lines"]],
                         self.scheme.line_ids.ids)
        for line in estimate["lines"]:
            self.assertEqual(set(line), {
                "scheme_line_id", "rule_id", "name", "kind", "pilot", "counts", "method",
                "no_data", "assessed", "value", "target", "unit", "unit_label", "score",
                "weight", "weight_used", "contribution", "amount", "hint", "forecast"})
            self.assertEqual(set(line["forecast"]), {
                "value", "score", "no_data", "weight_used", "contribution", "amount", "points",
                "forecast", "note"})
        lines = {line["name"]: line for line in estimate["lines"]}
        volume, new, service = lines["Sales volume"], lines["New clients"], \
            lines["Customer service"]
        self.assertEqual((volume["score"], volume["weight"], volume["contribution"]),
                         (100.0, 30, 30.0))
        self.assertEqual((new["value"], new["target"], new["score"]), (1, 2, 50.0))
        # 30 + 15 + 0 = 45 -> below the 50% threshold: nothing yet
        self.assertEqual((estimate["total_score"], estimate["amount"]), (45.0, 0))
        # one more new client: 30 + 30 = 60 -> 20% of 10,000
        self.assertEqual((new["hint"]["delta"], new["hint"]["amount_delta"]), (1, 2000))
        self.assertIn("1 more", new["hint"]["text"])
        self.assertIn("2,000.00", new["hint"]["text"])
        # +10 points of an assessment: 49 -> still below the paying level: no empty hint
        self.assertFalse(service["hint"])
        self.assertEqual((service["method"], service["assessed"], service["forecast"]["points"],
                          service["forecast"]["forecast"]), ("manual", False, 0, False))
        self.assertEqual(service["forecast"]["note"], "Assessed by people: kept as it is.")
        self.assertEqual((volume["method"], volume["forecast"]["forecast"]), ("period", True))
        # one step (10% of the target) more would still pay nothing (total 48): the hint says
        # what lifts the total above 50%, where the bonus starts (was "11,000 more -> +0.00")
        self.assertTrue(18300 < volume["hint"]["delta"] < 18400, volume["hint"])
        self.assertGreater(volume["hint"]["amount_delta"], 0)
        self.assertIn("the bonus starts above a total of 50%", volume["hint"]["text"])
        with self.assertRaises(AccessError):  # only one's own estimate
            self.env["kpi.bonus.scheme"].with_user(self.salesman).get_bonus_estimate(
                self.salesman2.id)
        self.assertEqual(
            self.env["kpi.bonus.scheme"].with_user(self.kam).get_bonus_estimate(), [])
        # the team's manager may look at a member's estimate, another manager may not
        Scheme = self.env["kpi.bonus.scheme"]
        self.assertEqual(len(Scheme.with_user(self.manager).get_bonus_estimate(
            self.salesman.id)), 1)
        with self.assertRaises(AccessError):
            Scheme.with_user(self.other_manager).get_bonus_estimate(self.salesman.id)

    def test_my_bonus_estimate_is_computed_not_stored(self):
        """The menu opens a screen that calls get_bonus_estimate on each visit: no record is
        created per visit (it used to be a wizard titled "kpi.bonus.preview,1")."""
        menu = self.env.ref("kpi_management.kpi_bonus_estimate_menu")
        self.assertEqual(menu.action, self.env.ref("kpi_management.kpi_bonus_estimate_action"))
        self.assertEqual((menu.action._name, menu.action.tag),
                         ("ir.actions.client", "kpi_management.my_bonus"))
        self.assertIn(menu, self.env["ir.ui.menu"].with_user(self.salesman).search(
            [("id", "=", menu.id)]))
        self.assertNotIn("kpi.bonus.preview", self.env)
        tables = ("kpi_bonus_preview", "kpi_bonus_preview_line", "kpi_bonus_preview_scheme")
        self.env.cr.execute("SELECT count(*) FROM pg_tables WHERE tablename IN %s", [tables])
        self.assertEqual(self.env.cr.fetchone()[0], 0)


class TestBonusXlsx(BonusCase):
    """The export as HR runs it; the workbook's layout is tested in test_bonus_xlsx.py."""

    def test_sheet_workbook_and_export_state(self):
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        self.approve(sheet)
        content = sheet.with_user(self.officer)._get_xlsx_content()
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        cells = [c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
        for expected in (self.env.company.name, "Sales bonus", self.manager.name,
                         self.officer.name, self.salesman.login, self.salesman2.login,
                         "Customer service"):
            self.assertIn(expected, cells)
        action = sheet.with_user(self.officer).action_export_xlsx()
        self.assertEqual((sheet.state, sheet.exported_uid), ("exported", self.officer))
        self.assertTrue(sheet.exported_date)
        self.assertEqual((action["type"], action["url"]),
                         ("ir.actions.act_url", "/kpi_management/bonus_sheet/%s/xlsx" % sheet.id))


class TestBonusExportRoute(BonusCase, HttpCase):
    def test_route_refuses_others_and_exports_for_hr(self):
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        url = "/kpi_management/bonus_sheet/%s/xlsx" % sheet.id
        self.authenticate(self.officer.login, self.officer.login)
        self.assertEqual(self.url_open(url).status_code, 409)  # not approved yet
        self.approve(sheet)
        for user in (self.salesman, self.manager, self.other_manager):
            self.authenticate(user.login, user.login)
            response = self.url_open(url)
            self.assertEqual(response.status_code, 404, user.login)
            self.assertEqual(sheet.state, "approved")
        self.authenticate(self.officer.login, self.officer.login)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
        self.assertIn(self.salesman.login, [c.value for row in ws.iter_rows() for c in row])
        sheet.invalidate_recordset()
        self.assertEqual(sheet.state, "approved")  # a GET alone changes nothing (CSRF)
        self.assertFalse(sheet.exported_uid)
        # the button records the export (JSON-RPC), then the route serves the file again
        sheet.with_user(self.officer).action_export_xlsx()
        self.assertEqual((sheet.state, sheet.exported_uid), ("exported", self.officer))
        self.assertEqual(self.url_open(url).status_code, 200)
        for user in (self.salesman, self.manager):
            self.authenticate(user.login, user.login)
            self.assertEqual(self.url_open(url).status_code, 404, user.login)


@freeze_time(NOW)
class TestBonusEstimateForecast(BonusCase):
    """My KPIs' bonus panel: the sheet of the scheme's period computed early, and its
    forecast at the period's end (README, *Bonuses*)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a second scheme of the same profile: a snapshot KPI and a ratio
        cls.rule_pipeline = cls.make_rule("open_pipeline", name="Open pipeline", target=100000)
        cls.rule_conversion = cls.make_rule("conversion_rate", name="Conversion", target=30,
                                            window_days=30)
        cls.pipeline_scheme = cls.env["kpi.bonus.scheme"].create({
            "name": "Pipeline bonus",
            "profile_ids": [Command.set(cls.profile_sales.ids)],
            "base_amount": 2000,
            "line_ids": [
                Command.create({"rule_id": cls.rule_pipeline.id, "weight": 60}),
                Command.create({"rule_id": cls.rule_conversion.id, "weight": 40}),
            ],
        })

    def _result(self, rule, day, value, target, score, user=None):
        self.env["kpi.result"].create({"rule_id": rule.id, "user_id": (user or self.salesman).id,
                                       "date": day, "value": value, "target": target,
                                       "score": score, "status": "reached"})

    def estimate_of(self, user, scheme, viewer=None, **context):
        Scheme = self.env["kpi.bonus.scheme"].with_user(viewer or user).with_context(**context)
        data = {p["scheme"]: p for p in Scheme.get_bonus_estimate(user.id)}
        return data[scheme.name]

    def setUp(self):
        super().setUp()
        # won in November (Copenhagen): 55,000 on the 5th and on the 20th, a new client on
        # the 12th; 40,000 on 28 October is in the rolling 30-day window, not in the period
        self.won_lead(self.salesman, self.local(2026, 11, 5, 10), revenue=55000)
        self.won_lead(self.salesman, self.local(2026, 11, 20, 10), revenue=55000)
        self.won_lead(self.salesman, self.local(2026, 10, 28, 10), revenue=40000,
                      partner=self.client("October client"))
        self.won_lead(self.salesman, self.local(2026, 11, 12, 10), revenue=0,
                      partner=self.client("November client"))
        (self.rule_volume | self.rule_new).evaluate()
        # the November sheet: the manager assessed 80% (a draft: salespeople cannot read it)
        self.november = self.new_sheet(period_type="month", date_from="2026-11-01")
        self.assess(self.november, self.salesman, self.manager, 80)

    def test_the_estimate_measures_the_period_like_the_sheet(self):
        """Before: the rolling 30-day results (the October deal included, 150,000) and the
        draft sheet's assessment read as superuser."""
        rolling = self.result(self.rule_volume, self.salesman)
        self.assertEqual(rolling.value, 150000)  # what the estimate used to show
        estimate = self.estimate_of(self.salesman, self.scheme)
        self.assertEqual((estimate["period"], estimate["period_start"], estimate["period_end"]),
                         ("month", "2026-11-01", "2026-11-30"))
        lines = {line["name"]: line for line in estimate["lines"]}
        volume, new, service = (lines["Sales volume"], lines["New clients"],
                                lines["Customer service"])
        self.assertEqual((volume["method"], volume["value"], volume["score"]),
                         ("period", 110000, 100.0))
        self.assertEqual((new["value"], new["score"]), (1, 50.0))  # October's client is old
        # the salesperson may not read the draft sheet's assessment: not assessed yet, 0
        self.assertEqual((service["assessed"], service["score"]), (False, 0.0))
        # 100 x 30% + 50 x 30% + 0 = 45 -> below the curve's 50%: nothing yet
        self.assertEqual((estimate["total_score"], estimate["amount"]), (45.0, 0))
        # the team manager may read it: 30 + 15 + 32 = 77 -> 54% of 10,000
        managed = self.estimate_of(self.salesman, self.scheme, viewer=self.manager)
        managed_service = next(ln for ln in managed["lines"] if ln["kind"] == "manual")
        self.assertEqual((managed_service["assessed"], managed_service["score"]), (True, 80.0))
        self.assertEqual((managed["total_score"], managed["amount"]), (77.0, 5400.0))
        # one more new client: 100 x 30% more -> 60 -> 20% = 2,000 (salesperson's view)
        self.assertEqual((new["hint"]["delta"], new["hint"]["amount_delta"]), (1, 2000))
        # the sheet of the month, computed at its end, measures what the estimate measured
        with freeze_time("2026-12-01 10:00:00"):
            self.november.with_user(self.officer).action_compute()
        detail = self.november.line_ids.filtered(
            lambda ln: ln.user_id == self.salesman).detail_ids
        self.assertEqual(detail.filtered(lambda d: d.name == "Sales volume").value, 110000)

    def test_forecast_at_the_period_end(self):
        estimate = self.estimate_of(self.salesman, self.scheme, viewer=self.manager)
        lines = {line["name"]: line for line in estimate["lines"]}
        volume, new = lines["Sales volume"], lines["New clients"]
        # 23 November 11:00 in Copenhagen: 22 days and 11 hours of the month's 30 so far; at
        # that pace 110,000 x 30 / 22.4583 = 146,938.78 -> 133.58%
        elapsed = 22 + 11 / 24
        self.assertAlmostEqual(volume["forecast"]["value"], 110000 * 30 / elapsed, places=2)
        self.assertEqual(volume["forecast"]["score"], 133.58)
        self.assertAlmostEqual(new["forecast"]["value"], 30 / elapsed, places=4)
        self.assertEqual(new["forecast"]["score"], 66.79)
        # 40.074 + 20.037 + 32 = 92.11 -> payout 84.22% of 10,000
        self.assertAlmostEqual(estimate["forecast"]["total_score"], 92.11, delta=0.01)
        self.assertAlmostEqual(estimate["forecast"]["amount"], 8422.0, delta=2)

    def test_a_quarterly_scheme_forecasts_to_the_quarters_end(self):
        self.scheme.sheet_ids.unlink()
        self.scheme.period = "quarter"
        estimate = self.estimate_of(self.salesman, self.scheme)
        self.assertEqual((estimate["period_start"], estimate["period_end"]),
                         ("2026-10-01", "2026-12-31"))
        volume = next(ln for ln in estimate["lines"] if ln["name"] == "Sales volume")
        # the quarter so far holds October's deal too: 150,000 over 53.5 of its 92 days (and
        # the hour October's change of time adds to it)
        self.assertEqual(volume["value"], 150000)
        self.assertAlmostEqual(volume["forecast"]["value"], 150000 * (92 + 1 / 24) / 53.5,
                               places=2)

    def test_the_period_so_far_ends_now(self):
        """An unanswered lead assigned two hours ago has waited two hours, not the hours left
        until midnight (the end of the sheet's last day)."""
        rule = self.make_rule("response_time", target=8, window_days=30)
        lead = self.env["crm.lead"].create({"name": "Waiting", "user_id": self.salesman.id})
        self.set_lead_dates(lead, NOW - datetime.timedelta(hours=2))
        row = [(self.salesman.id, self.salesman.partner_id.id, self.salesman.tz)]
        start, today = datetime.date(2026, 11, 1), TODAY
        so_far = rule._measure_period(row, start, today, until=NOW)[self.salesman.id]
        self.assertEqual(so_far.value, 2.0)
        self.assertEqual(rule._measure_period(row, start, today)[self.salesman.id].value, 15.0)

    def test_every_scheme_snapshot_average_and_no_data(self):
        """Both schemes of the profile (before: My Bonus Estimate showed the first only). The
        pipeline (a snapshot) averages its daily results of the period; the conversion rate of
        a salesperson without a closed lead has no data: its 40% goes to the pipeline."""
        self._result(self.rule_pipeline, "2026-10-31", 500000, 100000, 200, self.salesman2)
        self._result(self.rule_pipeline, "2026-11-01", 50000, 100000, 50, self.salesman2)
        self._result(self.rule_pipeline, "2026-11-10", 100000, 100000, 100, self.salesman2)
        self._result(self.rule_pipeline, TODAY, 150000, 100000, 150, self.salesman2)
        estimates = self.env["kpi.bonus.scheme"].with_user(self.salesman2).get_bonus_estimate()
        self.assertEqual([p["scheme"] for p in estimates], ["Pipeline bonus", "Sales bonus"])
        estimate = estimates[0]
        pipeline, conversion = estimate["lines"]
        self.assertEqual((pipeline["method"], pipeline["value"], pipeline["score"]),
                         ("average", 100000, 100.0))  # October's 500,000 is not averaged
        self.assertEqual((conversion["no_data"], conversion["score"], conversion["value"]),
                         (True, None, None))
        self.assertEqual((pipeline["weight_used"], conversion["weight_used"]), (100.0, 0.0))
        self.assertEqual(conversion["hint"], False)
        self.assertEqual(estimate["total_score"], 100.0)  # not 60: no data is not a 0
        self.assertEqual(estimate["amount"], 2000.0)
        self.assertTrue(conversion["forecast"]["no_data"])
        self.assertEqual(pipeline["forecast"]["weight_used"], 100.0)
        # the Sales bonus's manual KPI is shown as not assessed yet (no approved assessment)
        service = next(ln for ln in estimates[1]["lines"] if ln["name"] == "Customer service")
        self.assertEqual((service["kind"], service["assessed"]), ("manual", False))

    def test_a_manager_estimates_in_the_members_timezone(self):
        """30 November 23:30 UTC: 1 December in the manager's Copenhagen, still 30 November
        for a member in Honolulu (before: the manager's today, December)."""
        self.salesman.tz = "Pacific/Honolulu"
        with freeze_time("2026-11-30 23:30:00"):
            estimate = self.estimate_of(self.salesman, self.scheme, viewer=self.manager,
                                        tz=self.manager.tz)
        self.assertEqual((estimate["date"], estimate["period_start"]),
                         ("2026-11-30", "2026-11-01"))

    def test_salesperson_cannot_get_another_users_estimate(self):
        Scheme = self.env["kpi.bonus.scheme"].with_user(self.salesman2)
        with self.assertRaises(AccessError):
            Scheme.get_bonus_estimate(self.salesman.id)
        own = self.estimate_of(self.salesman2, self.scheme)  # no deal, no assessment -> 0
        self.assertEqual((own["amount"], own["forecast"]["amount"]), (0, 0))
        with self.assertRaises(AccessError):
            self.env["kpi.bonus.scheme"].with_user(self.kam).get_bonus_estimate(self.salesman.id)

    def test_queries_do_not_depend_on_the_history(self):
        Scheme = self.env["kpi.bonus.scheme"].with_user(self.salesman)

        def count():
            self.env.invalidate_all()
            Scheme.get_bonus_estimate()  # warm the caches
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            data = Scheme.get_bonus_estimate()
            return data, self.env.cr.sql_log_count - before

        self._result(self.rule_pipeline, TODAY, 100000, 100000, 100)
        short, short_count = count()
        for day in range(1, 300):
            self._result(self.rule_pipeline, TODAY - datetime.timedelta(days=day),
                         1000 * day, 100000, 1)
        long, long_count = count()
        self.assertEqual(short_count, long_count)
        self.assertNotEqual(short[0]["lines"][0]["value"], long[0]["lines"][0]["value"])
