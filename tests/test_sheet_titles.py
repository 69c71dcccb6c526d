"""A bonus sheet's title and list show its period in the reader's date format, like the
breadcrumbs (was: ISO dates in the title beside localized breadcrumbs)."""

from lxml import etree

from .bonus_common import BonusCase


class TestSheetTitles(BonusCase):
    def test_title_and_list_in_the_readers_format(self):
        Sheet = self.env["kpi.bonus.sheet"].with_user(self.officer)
        for view_type in ("form", "list"):
            arch = etree.fromstring(Sheet.get_views([(False, view_type)])["views"][view_type]
                                    ["arch"])
            shown = arch.xpath("//h1//field" if view_type == "form" else "/list/field[1]")
            self.assertEqual([f.get("name") for f in shown], ["display_name"], view_type)
        sheet = self.new_sheet()
        self.assertIn("10/24/2026 - 11/22/2026", sheet.with_user(self.officer).display_name)
