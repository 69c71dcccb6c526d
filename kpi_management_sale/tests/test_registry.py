"""The sales measures are entries of the database's registry like the built-in ones (issue 21
and the registry's extension): each declares everything the engine, the reminders and the
screens read, every template of the data file has its measure and every measure its
template, the selection and the registry of the database hold them, their sentences are said
in Danish, and the .pot is current."""

import itertools

from odoo.addons.kpi_management.models import kpi_result_reminder
from odoo.addons.kpi_management.tools import measures
from odoo.addons.kpi_management.tools.measures import GapSentences, Measure
from odoo.addons.kpi_management_sale.measures import SALE_MEASURES
from odoo.tests import TransactionCase
from odoo.tools.translate import LazyGettext, PoFileReader, TranslationModuleReader

from .common import (
    GAP_ARGS,
    WINDOW_KINDS,
    lazy_texts,
    load_danish,
    po_path,
    po_terms,
    template_measures,
)

ADDON = "kpi_management_sale"


class RegistryChecks:
    """The checks of a bridge's registry (``addon``, ``bridge_measures``), shared with the
    margin bridge."""

    addon = ADDON
    bridge_measures = SALE_MEASURES

    def test_every_template_has_a_registry_entry_and_vice_versa(self):
        shipped = template_measures(self.addon)
        self.assertTrue(shipped)
        self.assertEqual(set(shipped.values()), set(self.bridge_measures))
        # a template's code is its measure's key
        self.assertEqual(set(shipped), set(self.bridge_measures))
        for code in shipped:
            template = self.env.ref("%s.kpi_template_%s" % (self.addon, code))
            measure = self.bridge_measures[code]
            self.assertEqual(template.measure, code)
            self.assertEqual(template._get_res_model(), measure.res_model)
            self.assertEqual(template.model_id.model, measure.res_model)
            if measure.window_kind:
                self.assertEqual(template.window_kind, measure.window_kind)
            if measure.baseline_unit:
                self.assertEqual(template.unit, "percent" if code.endswith("_pct")
                                 else measure.baseline_unit)
            self.assertTrue(template.description)

    def test_every_measure_declares_everything(self):
        for key, measure in self.bridge_measures.items():
            self.assertIsInstance(measure, Measure)
            self.assertEqual(measure.key, key)
            self.assertTrue(measure.label)
            self.assertNotIn(key, measures.BUILTIN_MEASURES, "a bridge adds, never replaces")
            self.assertIn(measure.res_model, self.env)
            self.assertTrue(callable(measure.build))
            self.assertLessEqual(set(measure.params),
                                 {measures.PARAM_GROWTH, measures.PARAM_MIN_AMOUNT})
            self.assertIn(measure.window_kind, (None, *WINDOW_KINDS))
            self.assertIn(measure.baseline_unit, (None, "amount", "count"))
            # what its SQL reads is flushed before it runs
            self.assertTrue(measure.reads)
            for model in measure.reads:
                self.assertIn(model, self.env)
            self.assertIsNone(measure.todo)
            self.assertIsInstance(measure.gap, GapSentences)
            for window_kind, one in itertools.product(WINDOW_KINDS, (True, False)):
                sentence = measure.gap.pick(window_kind, one)
                self.assertIsInstance(sentence, LazyGettext)
                self.assertNotIn("%(", sentence._translate("en_US") % GAP_ARGS)

    def test_the_database_holds_them(self):
        registry = measures.registry(self.env)
        for key, measure in self.bridge_measures.items():
            self.assertIs(registry[key], measure)
            self.assertIs(measures.measure_of(self.env, key), measure)
        self.assertLessEqual(set(measures.BUILTIN_MEASURES), set(registry))
        field = self.env["ir.model.fields"]._get("kpi.template", "measure")
        stored = {s.value: s.name for s in field.with_context(lang="en_US").selection_ids}
        for key, measure in self.bridge_measures.items():
            self.assertEqual(stored[key], measure.label)
        labels = list(stored.values())
        self.assertEqual(len(labels), len(set(labels)), "one label per measure")

    def test_every_lazy_text_is_translated_in_danish(self):
        da = po_terms(self.addon)
        for measure in self.bridge_measures.values():
            for text in lazy_texts(measure):
                self.assertTrue(da.get(text._translate("en_US")), (measure.key, text))

    def test_every_gap_sentence_in_the_readers_language(self):
        load_danish(self.env, ("kpi_management", self.addon))
        da = po_terms(self.addon)
        env_da = self.env(context=dict(self.env.context, lang="da_DK"))
        env_en = self.env(context=dict(self.env.context, lang="en_US"))
        for key, measure in self.bridge_measures.items():
            kind = measure.window_kind or "past"
            args = dict(GAP_ARGS)
            if measure.baseline_unit:
                args.update(value="+6", target="+10")
            source = measure.gap.pick(kind, False)._translate("en_US")
            unit = "percent" if key.endswith(("_pct", "_share")) else "count"
            self.assertEqual(kpi_result_reminder.gap_sentence(
                env_en, key, "higher", 6, 10, kind, 14, unit, ""), source % args, key)
            self.assertEqual(kpi_result_reminder.gap_sentence(
                env_da, key, "higher", 6, 10, kind, 14, unit, ""), da[source] % args, key)

    def test_pot_is_current_and_danish_complete(self):
        reader = TranslationModuleReader(self.env.cr, modules=[self.addon])
        exported = {source for module, _ttype, _name, _res_id, source, _value, _comments
                    in reader if module == self.addon and source}
        self.assertTrue(exported)
        pot = {entry["src"] for entry in PoFileReader(
            str(po_path(self.addon, "%s.pot" % self.addon)))}
        da = po_terms(self.addon)
        self.assertFalse(sorted(exported - pot), "terms missing from the .pot")
        self.assertFalse(sorted(src for src in exported if not da.get(src)),
                         "terms not translated in da.po")


class TestSaleRegistry(RegistryChecks, TransactionCase):
    def test_the_measures_of_this_addon(self):
        self.assertEqual(set(SALE_MEASURES), {
            "sales_confirmed", "invoiced_revenue", "large_orders", "large_orders_share",
            "sales_confirmed_growth", "sales_confirmed_growth_pct", "invoiced_revenue_growth",
            "invoiced_revenue_growth_pct"})
        self.assertEqual({k for k, m in SALE_MEASURES.items() if m.no_data_when_empty},
                         {"large_orders_share"})
        self.assertEqual({k for k, m in SALE_MEASURES.items() if m.baseline_unit}, {
            "sales_confirmed_growth", "sales_confirmed_growth_pct", "invoiced_revenue_growth",
            "invoiced_revenue_growth_pct"})
        self.assertEqual({k for k, m in SALE_MEASURES.items() if m.params}, {
            "large_orders", "large_orders_share", "sales_confirmed_growth",
            "sales_confirmed_growth_pct", "invoiced_revenue_growth",
            "invoiced_revenue_growth_pct"})
