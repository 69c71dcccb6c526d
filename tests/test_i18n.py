"""My KPIs in Danish, and a complete Danish translation."""

import datetime
import pathlib

import polib
from freezegun import freeze_time

from odoo.tests import TransactionCase
from odoo.tools.translate import PoFileReader, TranslationModuleReader

from .common import NOW, TODAY, KpiCase, KpiTestMixin, load_danish, utc

I18N = pathlib.Path(__file__).parent.parent / "kpi_management" / "i18n"


def test_danish_translation_is_complete():
    pot = {entry["src"] for entry in PoFileReader(str(I18N / "kpi_management.pot"))}
    da = {entry["src"]: entry["value"] for entry in PoFileReader(str(I18N / "da.po"))}
    assert pot, "empty template"
    assert pot <= set(da), sorted(pot - set(da))
    assert not [src for src, value in da.items() if not value]
    fuzzy = [e.msgid for e in polib.pofile(str(I18N / "da.po")) if "fuzzy" in e.flags]
    assert not fuzzy, fuzzy


class TestPotIsCurrent(KpiTestMixin, TransactionCase):
    """The .pot holds every term Odoo exports for the module today, and da.po translates it.

    The terms are exported the way ``odoo i18n export`` does (``TranslationModuleReader``:
    Python and JS code, QWeb and OWL templates, views, fields, selections, menus, data).
    When this fails, re-export the .pot (README, "Languages"), ``msgmerge`` it into da.po
    and translate the new entries.
    """

    def test_pot_is_current_and_danish_complete(self):
        reader = TranslationModuleReader(self.env.cr, modules=["kpi_management"])
        exported = {source for module, _ttype, _name, _res_id, source, _value, _comments
                    in reader if module == "kpi_management" and source}
        self.assertTrue(exported)
        pot = {entry["src"] for entry in PoFileReader(str(I18N / "kpi_management.pot"))}
        da = {entry["src"]: entry["value"] for entry in PoFileReader(str(I18N / "da.po"))}
        self.assertFalse(sorted(exported - pot), "terms missing from kpi_management.pot")
        untranslated = sorted(src for src in exported if not da.get(src))
        self.assertFalse(untranslated, "terms not translated in da.po")


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
        load_danish(cls.env)
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
        self.assertIn("dæmpet", history["forecast_note"])
        self.assertEqual(history["period_label"], "Denne måned")
        menu = self.env.ref("kpi_management.kpi_result_menu_my_kpis").with_context(lang="da_DK")
        self.assertEqual(menu.name, "Mine KPI'er")
        self.assertEqual(
            self.template("meetings_planned").with_context(lang="da_DK").name, "Planlagte møder")
