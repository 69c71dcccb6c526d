"""No data is not a score: one rule for every direction, in the nightly results, My KPIs, the
bonus sheet and its XLSX (README, *How figures are computed*).

Each test fails on the code before the ``no_data`` status: a ratio with nothing to divide
scored 0% (and cut a bonus), a lower-is-better KPI with nothing counted scored 100% "reached".
"""

import datetime
import io

import openpyxl
from freezegun import freeze_time

from odoo import Command

from .bonus_common import PERIOD_FROM, PERIOD_TO, BonusCase
from .common import NOW, utc


@freeze_time(NOW)
class TestNoDataResults(BonusCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule_conversion = cls.make_rule("conversion_rate", name="Conversion", target=30,
                                            window_days=30)
        cls.rule_response = cls.make_rule("response_time", name="Response", target=8,
                                          window_days=30)
        cls.rule_kam = cls.make_rule("kam_coverage", name="Key accounts met", target=100,
                                     window_days=30, profiles=cls.profile_kam)

    def test_nothing_to_divide_is_no_data_for_every_direction(self):
        self.won_lead(self.salesman, utc(days=-3))
        self.env["res.partner"].create({"name": "Key account", "is_company": True,
                                        "user_id": self.kam.id})
        (self.rule_conversion | self.rule_response | self.rule_kam).evaluate()
        # the salesman closed a deal: a measured 100%; salesman2 closed nothing: no data
        self.assertEqual(self.result(self.rule_conversion, self.salesman).value, 100.0)
        idle = self.result(self.rule_conversion, self.salesman2)
        self.assertEqual((idle.status, idle.value_display), ("no_data", "no data / 30 %"))
        # lower is better, no lead assigned: no data (before: 0 / 8 hours, 100% reached)
        self.assertEqual(self.result(self.rule_response, self.salesman2).status, "no_data")
        # a key account not met is a measured 0; no key account at all is no data
        self.assertEqual(self.result(self.rule_kam, self.kam).status, "off_track")
        self.kam.kpi_profile_id = self.profile_sales
        self.rule_kam.profile_ids = self.profile_sales
        self.rule_kam.evaluate()
        self.assertEqual(self.result(self.rule_kam, self.salesman).status, "no_data")
        # no data breaks an off-track streak and is never counted as off track
        self.assertEqual(self.result(self.rule_kam, self.salesman).off_track_streak, 0)

    def test_my_kpis_leave_no_data_out_of_the_overall_score(self):
        volume = self.rule_volume
        self.won_lead(self.salesman2, utc(days=-3), revenue=55000)
        (volume | self.rule_conversion).evaluate()
        data = self.env["kpi.result"].with_user(self.salesman2).get_my_kpis()
        cards = {card["name"]: card for card in data["cards"]}
        self.assertEqual(cards["Sales volume"]["score"], 50.0)
        conversion = cards["Conversion"]
        # a won deal makes the conversion 100%: remove it to have nothing closed
        self.assertEqual(conversion["status"], "reached")
        self.env["crm.lead"].search([("user_id", "=", self.salesman2.id)]).unlink()
        (volume | self.rule_conversion).evaluate()
        data = self.env["kpi.result"].with_user(self.salesman2).get_my_kpis()
        cards = {card["name"]: card for card in data["cards"]}
        conversion = cards["Conversion"]
        self.assertEqual((conversion["status"], conversion["value"], conversion["score"]),
                         ("no_data", None, None))
        self.assertEqual(conversion["status_label"], "No Data")
        # the overall score is the volume's 0%, not the average with a 0% conversion
        self.assertEqual(data["overall"]["score"], 0.0)
        only_no_data = self.env["kpi.result"].with_user(self.salesman2)._overall(
            [conversion])
        self.assertEqual(only_no_data, {"score": None, "status": False, "off_track": 0,
                                        "warning": 0, "counted": 0})
        history = self.env["kpi.result"].with_user(self.salesman2).get_kpi_history(
            self.rule_conversion.id)
        self.assertEqual(history["points"][-1]["value"], None)  # a gap, not a 0


@freeze_time(NOW)
class TestNoDataInBonuses(BonusCase):
    """A KPI of the scheme with nothing to measure gives its weight to the employee's other
    KPIs, pro rata, in the sheet and the XLSX, stated in words."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule_conversion = cls.make_rule("conversion_rate", name="Conversion", target=50,
                                            window_days=30)
        cls.rule_pipeline = cls.make_rule("open_pipeline", name="Open pipeline", target=100000)
        cls.scheme.line_ids = [
            Command.clear(),
            Command.create({"rule_id": cls.rule_volume.id, "weight": 50}),
            Command.create({"rule_id": cls.rule_conversion.id, "weight": 30}),
            Command.create({"rule_id": cls.rule_pipeline.id, "weight": 20}),
        ]

    def _result(self, rule, day, value, target, score, status, user):
        self.env["kpi.result"].create({
            "rule_id": rule.id, "user_id": user.id, "date": day, "value": value,
            "target": target, "score": score, "status": status})

    def test_the_weight_of_no_data_is_shared_pro_rata(self):
        # salesman: 110,000 won (100%), so a conversion of 100%; salesman2 closed nothing
        self.won_lead(self.salesman, utc(days=-3), revenue=110000)
        for offset in range((PERIOD_TO - PERIOD_FROM).days + 1):
            day = PERIOD_FROM + datetime.timedelta(days=offset)
            self._result(self.rule_pipeline, day, 100000, 100000, 100, "reached", self.salesman)
            # salesman2's pipeline: 50% on the days with data, nothing to measure on others
            if offset % 2:
                self._result(self.rule_pipeline, day, 0, 100000, 0, "no_data", self.salesman2)
            else:
                self._result(self.rule_pipeline, day, 50000, 100000, 50, "warning",
                             self.salesman2)
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman2)
        details = {d.name: d for d in line.detail_ids}
        conversion, volume, pipeline = (details["Conversion"], details["Sales volume"],
                                        details["Open pipeline"])
        self.assertTrue(conversion.no_data)
        self.assertEqual((conversion.weight, conversion.weight_used, conversion.contribution),
                         (30, 0, 0))
        self.assertIn("nothing to measure", conversion.note)
        # 50 and 20 share the 30: 71.4286% and 28.5714%
        self.assertEqual((volume.weight_used, pipeline.weight_used), (71.4286, 28.5714))
        # the pipeline averages the 15 days with data only: 50%, not 25%
        self.assertEqual((pipeline.no_data, pipeline.score), (False, 50.0))
        self.assertIn("nothing to measure left out", pipeline.note)
        # 0 x 71.4286% + 50 x 28.5714% = 14.29 (before: the conversion scored 0 with 30%)
        self.assertEqual(line.total_score, 14.29)
        self.assertEqual(line.no_data_note,
                         "Nothing to measure for Conversion (30%): weight shared pro rata "
                         "over the other KPIs.")
        # the salesman had data everywhere: the scheme's weights
        mine = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        self.assertFalse(mine.no_data_note)
        self.assertEqual(sorted(mine.detail_ids.mapped("weight_used")), [20, 30, 50])
        # the XLSX says "no data" and why
        self.approve(sheet)
        workbook = openpyxl.load_workbook(
            io.BytesIO(sheet.with_user(self.hr)._get_xlsx_content()), data_only=True)
        summary, details = workbook.worksheets
        row = next(r for r in summary.iter_rows(values_only=True) if self.salesman2.login in r)
        self.assertTrue(any("Nothing to measure for Conversion (30%)" in str(cell)
                            for cell in row), row)
        header = next(r for r in details.iter_rows(values_only=True) if "KPI" in r)
        conversion = next(r for r in details.iter_rows(values_only=True)
                          if "Conversion" in r and self.salesman2.name in r)
        figures = dict(zip(header, conversion, strict=False))
        self.assertEqual((figures["Value"], figures["Score (%)"], figures["Weight Used (%)"]),
                         ("no data", "no data", 0))

    def test_a_day_with_nothing_to_measure_is_not_a_gap_but_a_period_without_any_is_no_data(self):
        for offset in range((PERIOD_TO - PERIOD_FROM).days + 1):
            self._result(self.rule_pipeline, PERIOD_FROM + datetime.timedelta(days=offset),
                         0, 100000, 0, "no_data", self.salesman)
        self.won_lead(self.salesman, utc(days=-3), revenue=110000)
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        details = {d.name: d for d in sheet.line_ids.filtered(
            lambda ln: ln.user_id == self.salesman).detail_ids}
        self.assertTrue(details["Open pipeline"].no_data)
        self.assertFalse(details["Conversion"].no_data)  # a won deal: 100% converted
        self.assertNotIn(self.salesman.name, sheet.missing_figures or "")
