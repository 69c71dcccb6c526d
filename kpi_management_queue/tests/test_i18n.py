"""The bridge's terms are in its .pot and translated in its da.po, like kpi_management's."""

import pathlib

from odoo.tests import TransactionCase
from odoo.tools.translate import PoFileReader, TranslationModuleReader

I18N = pathlib.Path(__file__).parent.parent / "i18n"


class TestPotIsCurrent(TransactionCase):
    def test_pot_is_current_and_danish_complete(self):
        reader = TranslationModuleReader(self.env.cr, modules=["kpi_management_queue"])
        exported = {source for module, _ttype, _name, _res_id, source, _value, _comments
                    in reader if module == "kpi_management_queue" and source}
        self.assertTrue(exported)
        pot = {entry["src"] for entry in PoFileReader(str(I18N / "kpi_management_queue.pot"))}
        da = {entry["src"]: entry["value"] for entry in PoFileReader(str(I18N / "da.po"))}
        self.assertFalse(sorted(exported - pot), "terms missing from kpi_management_queue.pot")
        self.assertFalse(sorted(src for src in exported if not da.get(src)),
                         "terms not translated in da.po")
