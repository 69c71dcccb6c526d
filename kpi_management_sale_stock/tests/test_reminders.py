"""The reminder of an off-track delivery KPI says what to do, with the right number, in the
user's language; the addon's terms are in its .pot and translated in its da.po."""

import pathlib

from freezegun import freeze_time

from odoo.addons.kpi_management_sale_stock.measures import on_time_gap
from odoo.tests import TransactionCase
from odoo.tools.translate import PoFileReader, TranslationModuleReader

from .common import NOW, TODAY, DeliveryCase, local

I18N = pathlib.Path(__file__).parent.parent / "i18n"


class TestOnTimeGap(TransactionCase):
    def test_the_smallest_number_of_deliveries_on_time_that_reaches_the_target(self):
        # 3 of 4 on time (75%): 16 more to reach 95% (19 of 20), 1 to reach 80% (4 of 5)
        self.assertEqual(on_time_gap(75, 95, 4), 16)
        self.assertEqual((3 + 15) / (4 + 15) < 0.95, True)
        self.assertEqual(on_time_gap(75, 80, 4), 1)
        # 18 of 19 (94.74%): 1 more makes 19 of 20, exactly 95%, reached (no float rounding)
        self.assertEqual(on_time_gap(100 * 18 / 19, 95, 19), 1)
        self.assertEqual(on_time_gap(100 * 19 / 20, 95, 20), 0)
        # 2 of 3 against a third: reached; nothing on time of 1 against 33.33%: 1 more
        self.assertEqual(on_time_gap(100 * 2 / 3, 33.33, 3), 0)
        self.assertEqual(on_time_gap(0, 33.33, 1), 1)
        # a target of 0, and nothing done (no data: no reminder anyway)
        self.assertEqual(on_time_gap(0, 0, 5), 0)
        self.assertEqual(on_time_gap(0, 95, 0), 0)

    def test_a_target_of_100_is_out_of_reach_after_a_late_delivery(self):
        """However many deliveries on time follow, a late one keeps the share under 100%
        until it leaves the window: no number to say."""
        self.assertIsNone(on_time_gap(75, 100, 4))
        self.assertIsNone(on_time_gap(100, 120, 4))
        self.assertEqual(on_time_gap(100, 100, 4), 0)


@freeze_time(NOW)
class TestDeliveryReminders(DeliveryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reminder_type = cls.env.ref("kpi_management.mail_activity_type_kpi_off_track")

    def setUp(self):
        super().setUp()
        # 4 deliveries in November, promised for the 10th: 3 on time, 1 late (75%)
        for done in (local(2026, 11, 9, 12), local(2026, 11, 10, 12), local(2026, 11, 10, 22),
                     local(2026, 11, 11, 9)):
            order = self.order(self.salesman, local(2026, 11, 2, 9),
                               commitment=local(2026, 11, 10, 12))
            self.deliver(self.delivery(order), done)

    def reminder_note(self, rule):
        rule.evaluate(date=TODAY)
        result = self.result(rule, self.salesman)
        self.assertEqual(result.status, "off_track")
        self.env["kpi.result"]._sync_reminders(result.ids)
        return self.env["mail.activity"].search([
            ("activity_type_id", "=", self.reminder_type.id), ("res_model", "=", "kpi.result"),
            ("res_id", "=", result.id)]).note

    def test_the_number_of_deliveries_on_time_to_get_back_to_the_target(self):
        note = self.reminder_note(self.make_rule("on_time_delivery", name="On time 95"))
        self.assertIn("Deliver 16 more orders on time to get back to 95%: 75% of your "
                      "deliveries were on time over the last 30 days.", note)
        note = self.reminder_note(self.make_rule("on_time_delivery", name="On time 80",
                                                 target=80, warning_threshold=99))
        self.assertIn("Deliver 1 more order on time to get back to 80%: 75% of your "
                      "deliveries were on time over the last 30 days.", note)
        note = self.reminder_note(self.make_rule("on_time_delivery", name="On time 100",
                                                 target=100))
        self.assertIn("Deliver every order on time: 75% of your deliveries were on time over "
                      "the last 30 days, and 100% comes back once the late ones are out of "
                      "the window.", note)

    def test_fulfilment_time(self):
        """Confirmed on the 2nd at 09:00, delivered on the 9th at 12:00 (7.125 days), the
        10th at 12:00 (8.125), the 10th at 22:00 (8.54) and the 11th at 09:00 (9): 8.2 days on
        average."""
        note = self.reminder_note(self.make_rule("fulfilment_time"))
        self.assertIn("Deliver your orders faster: 8.20 days on average from confirmation to "
                      "last delivery over the last 30 days, the target is 4 days or less.", note)

    def test_in_danish(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(
            ["kpi_management", "kpi_management_sale_stock"], ["da_DK"], overwrite=True)
        self.salesman.lang = "da_DK"
        note = self.reminder_note(self.make_rule("on_time_delivery", name="On time 95"))
        self.assertIn("Lever 16 ordrer mere til tiden for at komme tilbage på 95%: 75% af dine "
                      "leveringer var til tiden over de sidste 30 dage.", note)
        note = self.reminder_note(self.make_rule("on_time_delivery", name="On time 80",
                                                 target=80, warning_threshold=99))
        self.assertIn("Lever 1 ordre mere til tiden for at komme tilbage på 80%", note)
        note = self.reminder_note(self.make_rule("fulfilment_time"))
        self.assertIn("Lever dine ordrer hurtigere: 8,20 dage i gennemsnit fra bekræftelse til "
                      "sidste levering over de sidste 30 dage, målet er 4 dage eller mindre.",
                      note)
        # the to-do side too, and the templates
        late = self.delivery(self.order(self.salesman, local(2026, 11, 2, 9),
                                        commitment=local(2026, 11, 20, 12)))
        rule = self.make_rule("on_time_delivery", name="On time")
        rule.evaluate(date=TODAY)
        result = self.result(rule, self.salesman).with_context(lang="da_DK")
        self.assertEqual((result.todo_count, result.todo_label),
                         (1, "1 forsinket levering mangler stadig at blive sendt"))
        self.assertEqual(self.env["stock.picking"].search(result.action_open_todo()["domain"]),
                         late)
        templates = self.template("on_time_delivery") | self.template("fulfilment_time")
        self.assertEqual(templates.with_context(lang="da_DK").mapped("name"),
                         ["Levering til tiden", "Leveringstid for ordrer"])
        self.assertEqual(self.template("fulfilment_time").with_context(lang="da_DK").unit_label,
                         "dage")


class TestPotIsCurrent(TransactionCase):
    def test_pot_is_current_and_danish_complete(self):
        reader = TranslationModuleReader(self.env.cr, modules=["kpi_management_sale_stock"])
        exported = {source for module, _ttype, _name, _res_id, source, _value, _comments
                    in reader if module == "kpi_management_sale_stock" and source}
        self.assertTrue(exported)
        pot = {entry["src"] for entry in
               PoFileReader(str(I18N / "kpi_management_sale_stock.pot"))}
        da = {entry["src"]: entry["value"] for entry in PoFileReader(str(I18N / "da.po"))}
        self.assertFalse(sorted(exported - pot), "terms missing from kpi_management_sale_stock.pot")
        self.assertFalse(sorted(src for src in exported if not da.get(src)),
                         "terms not translated in da.po")
