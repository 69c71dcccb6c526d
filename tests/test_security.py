"""Groups, access rights and record rules, tested as the users who must be refused."""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import NOW, KpiCase, utc


@freeze_time(NOW)
class TestKpiSecurity(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule("meetings_planned", profiles=cls.profile_sales | cls.profile_kam,
                                 target=10, window_days=14)
        cls.manager.kpi_profile_id = cls.profile_sales
        cls.event(cls.salesman, utc(days=1))
        cls.rule.evaluate()
        cls.all_results = cls.env["kpi.result"].search([("rule_id", "=", cls.rule.id)])

    def test_salesperson_groups(self):
        self.assertTrue(self.salesman.has_group("kpi_management.group_kpi_user"),
                        "every salesperson follows their own KPIs")
        self.assertFalse(self.salesman.has_group("kpi_management.group_kpi_manager"))
        self.assertTrue(self.env.ref("base.user_admin").has_group("kpi_management.group_kpi_admin"))

    def test_salesperson_sees_only_own_results(self):
        self.assertEqual(len(self.all_results), 4)  # salesman, salesman2, kam, manager
        Result = self.env["kpi.result"].with_user(self.salesman)
        self.assertEqual(Result.search([]).user_id, self.salesman)
        other = self.all_results.filtered(lambda r: r.user_id == self.salesman2)
        with self.assertRaises(AccessError):
            other.with_user(self.salesman).read(["value"])
        with self.assertRaises(AccessError):
            other.with_user(self.salesman).action_open_records()

    def test_salesperson_cannot_change_results_or_configuration(self):
        own = self.all_results.filtered(lambda r: r.user_id == self.salesman)
        with self.assertRaises(AccessError):
            own.with_user(self.salesman).write({"value": 10})
        with self.assertRaises(AccessError):
            own.with_user(self.salesman).unlink()
        with self.assertRaises(AccessError):
            self.rule.with_user(self.salesman).write({"target": 1})
        with self.assertRaises(AccessError):
            self.env["kpi.rule"].with_user(self.salesman).create(
                {"name": "x", "template_id": self.template("won_deals").id, "target": 1})
        with self.assertRaises(AccessError):
            self.template("won_deals").with_user(self.salesman).write({"domain": "[]"})
        with self.assertRaises(AccessError):
            self.profile_sales.with_user(self.salesman).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.rule.with_user(self.salesman).action_evaluate_now()
        # the public engine entry point is refused too: figures stay fixed during the day
        with self.assertRaises(AccessError):
            self.rule.with_user(self.salesman).evaluate()
        with self.assertRaises(AccessError):
            self.rule.with_user(self.manager).evaluate()

    def test_salesperson_cannot_change_own_profile(self):
        with self.assertRaises(AccessError):
            self.salesman.with_user(self.salesman).write({"kpi_profile_id": self.profile_kam.id})

    def test_manager_sees_team_and_own_only(self):
        visible = self.env["kpi.result"].with_user(self.manager).search([])
        # the team holds the salesman; the KAM and salesman2 are not in a team he leads
        self.assertEqual(visible.user_id, self.salesman | self.manager)
        with self.assertRaises(AccessError):
            self.env["kpi.rule"].with_user(self.manager).create(
                {"name": "x", "template_id": self.template("won_deals").id, "target": 1})

    def test_manager_loses_sight_of_a_user_who_left_the_team(self):
        """Odoo archives the membership of a user who leaves or changes team."""
        self.assertIn(self.salesman,
                      self.env["kpi.result"].with_user(self.manager).search([]).user_id)
        self.team.crm_team_member_ids.filtered(
            lambda member: member.user_id == self.salesman).active = False
        self.env["kpi.result"].invalidate_model()
        visible = self.env["kpi.result"].with_user(self.manager).search([])
        self.assertEqual(visible.user_id, self.manager)
        with self.assertRaises(AccessError):
            self.all_results.filtered(lambda r: r.user_id == self.salesman).with_user(
                self.manager).read(["value"])

    def test_admin_configures_and_sees_all(self):
        Rule = self.env["kpi.rule"].with_user(self.kpi_admin)
        rule = Rule.create({"name": "Admin rule", "template_id": self.template("won_deals").id,
                            "target": 3, "profile_ids": [Command.set(self.profile_sales.ids)]})
        self.assertEqual(rule.target, 3)
        self.assertEqual(len(self.env["kpi.result"].with_user(self.kpi_admin).search(
            [("rule_id", "=", self.rule.id)])), 4)
        self.kpi_admin.invalidate_recordset()
        self.salesman2.with_user(self.kpi_admin).sudo(False).check_access("read")

    def test_portal_and_plain_internal_users_are_refused(self):
        portal = new_test_user(self.env, login="kpi_t_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["kpi.result"].with_user(portal).search([])
        employee = new_test_user(self.env, login="kpi_t_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["kpi.result"].with_user(employee).search([])
