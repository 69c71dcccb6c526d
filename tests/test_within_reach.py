"""Within reach (issue 20): every setting and button is where those who may use it see it, and
only there; empty pages say what to do; long texts are readable; labels and logs tell the
truth."""

from freezegun import freeze_time
from lxml import etree

from odoo import Command

from .bonus_common import BonusCase
from .common import NOW


def arch_of(records, view_type="form"):
    """The arch of the default ``view_type`` view, as ``records``' user gets it."""
    views = records.get_views([(False, view_type)])
    return etree.fromstring(views["views"][view_type]["arch"])


def conditions_above(node):
    """The ``invisible`` expressions of ``node`` and its ancestors (the constant false ones
    left out)."""
    return [el.get("invisible") for el in [node, *node.iterancestors()]
            if el.get("invisible") not in (None, "0", "False", "false")]


@freeze_time(NOW)
class TestHrApprovalButton(BonusCase):
    def offered(self, sheet, users):
        sheet.invalidate_recordset()
        return {user.login: sheet.with_user(user).is_hr_approver for user in users}

    def test_only_who_may_approve_is_offered_the_hr_approval(self):
        """The HR officer who submitted the sheet and the manager approver saw "Approve (HR)",
        a button that could only answer with an Access Error."""
        sheet = self.computed_sheet()
        # an officer who has a line on the sheet
        self.salesman2.group_ids = [Command.link(
            self.env.ref("kpi_management.group_kpi_bonus_officer").id)]
        self.assertIn(self.salesman2, sheet.line_ids.user_id)
        users = (self.officer, self.hr, self.manager, self.salesman, self.salesman2,
                 self.assessor)
        nobody = {user.login: False for user in users}
        self.assertEqual(self.offered(sheet, users), nobody)  # a draft
        sheet.with_user(self.officer).action_submit_anyway()
        self.assertEqual(self.offered(sheet, users), nobody)  # waits for the manager
        sheet.with_user(self.manager).action_approve_manager()
        self.assertEqual(self.offered(sheet, users), dict(nobody, **{self.hr.login: True}))
        # what the button offers, the action does
        sheet.with_user(self.hr).action_approve()
        self.assertEqual(sheet.state, "approved")
        self.assertEqual(self.offered(sheet, users), nobody)

    def test_the_button_follows_the_compute(self):
        arch = arch_of(self.env["kpi.bonus.sheet"].with_user(self.hr))
        button = arch.xpath("//button[@name='action_approve']")[0]
        self.assertEqual(button.get("invisible"), "not is_hr_approver")
