"""The delivery measures are in the database's registry, declared like the built-in ones:
template, selection, unit, sentences and "to do" side."""

import itertools

from odoo.addons.kpi_management.tools import measures, scoring
from odoo.addons.kpi_management.tools.measures import GapSentences, Todo
from odoo.addons.kpi_management_sale_stock.measures import STOCK_MEASURES
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase
from odoo.tools.translate import LazyGettext

WINDOW_KINDS = (scoring.WINDOW_PAST, scoring.WINDOW_FUTURE, scoring.WINDOW_SNAPSHOT)
GAP_ARGS = {"gap": "4", "value": "6", "target": "10", "days": 14, "unit": "days"}


class TestDeliveryRegistry(TransactionCase):
    def test_in_the_registry_the_selection_and_the_templates(self):
        registry = measures.registry(self.env)
        self.assertEqual(set(STOCK_MEASURES), {"on_time_delivery", "fulfilment_time"})
        for key, measure in STOCK_MEASURES.items():
            self.assertIs(registry[key], measure)
            self.assertIs(measures.measure_of(self.env, key), measure)
            template = self.env.ref("kpi_management_sale_stock.kpi_template_%s" % key)
            self.assertEqual((template.code, template.measure, template.is_builtin),
                             (key, key, True))
            self.assertEqual(template._get_res_model(), measure.res_model)
        selection = dict(self.env["kpi.template"]._fields["measure"].selection)
        self.assertEqual(selection["on_time_delivery"], "On-time delivery (%)")
        self.assertEqual(selection["fulfilment_time"], "Order fulfilment time (days)")
        self.assertIn(("days", "Days"), self.env["kpi.template"]._fields["unit"].selection)
        # the core's measures are still there
        self.assertIn("response_time", registry)

    def test_every_measure_declares_everything(self):
        for measure in STOCK_MEASURES.values():
            self.assertTrue(measure.no_data_when_empty)
            self.assertEqual(measure.window_kind, scoring.WINDOW_PAST)
            self.assertIsNone(measure.baseline_unit)
            self.assertTrue(all(model in self.env for model in measure.reads))
            self.assertIsInstance(measure.gap, GapSentences)
            for window_kind, one, unreachable in itertools.product(
                    WINDOW_KINDS, (True, False), (True, False)):
                sentence = measure.gap.pick(window_kind, one, unreachable)
                self.assertIsInstance(sentence, LazyGettext)
                self.assertNotIn("%(", sentence._translate("en_US") % GAP_ARGS)
            self.assertIsInstance(measure.todo, Todo)
            self.assertTrue(measure.todo.one._translate("en_US").startswith("1 "))
            self.assertIn("%(count)s", measure.todo.many._translate("en_US"))
        self.assertIsNotNone(STOCK_MEASURES["on_time_delivery"].gap_count)
        self.assertIsNotNone(STOCK_MEASURES["on_time_delivery"].gap.unreachable)

    def test_a_template_of_a_delivery_measure_is_a_past_window(self):
        template = self.env.ref("kpi_management_sale_stock.kpi_template_on_time_delivery")
        with self.assertRaisesRegex(ValidationError, "must be \"Past days\""):
            template.window_kind = scoring.WINDOW_SNAPSHOT
