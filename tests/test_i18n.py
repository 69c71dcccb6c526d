"""My KPIs in Danish, and a complete Danish translation."""

import datetime
import pathlib

from freezegun import freeze_time

from odoo.tools.translate import PoFileReader

from .common import NOW, TODAY, KpiCase, utc

I18N = pathlib.Path(__file__).parent.parent / "kpi_management" / "i18n"


def test_danish_translation_is_complete():
    pot = {entry["src"] for entry in PoFileReader(str(I18N / "kpi_management.pot"))}
    da = {entry["src"]: entry["value"] for entry in PoFileReader(str(I18N / "da.po"))}
    assert pot, "empty template"
    assert pot <= set(da), sorted(pot - set(da))
    assert not [src for src, value in da.items() if not value]


@freeze_time(NOW)
class TestMyKpisDanish(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meetings = cls.make_rule("meetings_planned", target=10, window_days=14)
        for day in (0, 1, 3, 5, 8, 13):
            cls.event(cls.salesman, utc(days=day, hours=9))
        cls.meetings.evaluate(date=TODAY - datetime.timedelta(days=7))
        cls.meetings.evaluate()
        cls.env["res.lang"]._activate_lang("da_DK")
        cls.env["ir.module.module"]._load_module_terms(["kpi_management"], ["da_DK"])
        cls.salesman.lang = "da_DK"

    def test_my_kpis_in_danish(self):
        Result = self.env["kpi.result"].with_user(self.salesman).with_context(lang="da_DK")
        data = Result.get_my_kpis()
        self.assertEqual(data["labels"]["title"], "Dagens KPI")
        self.assertIn("faste i løbet af dagen", data["labels"]["fixed"])
        card = data["cards"][0]
        self.assertEqual((card["value"], card["target"], card["score"]), (6, 10, 60))
        self.assertEqual(card["unit_label"], "møder")
        self.assertEqual(card["status_label"], "Ikke på sporet")
        history = Result.get_kpi_history(self.meetings.id)
        self.assertIn("mindste kvadraters metode", history["forecast_note"])
        self.assertEqual(history["period_label"], "Denne måned")
        menu = self.env.ref("kpi_management.kpi_result_menu_my_kpis").with_context(lang="da_DK")
        self.assertEqual(menu.name, "Mine KPI'er")
        self.assertEqual(
            self.template("meetings_planned").with_context(lang="da_DK").name, "Planlagte møder")
