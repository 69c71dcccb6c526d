"""Pilot means pilot everywhere: a rule run as a pilot from today is a pilot on today's
stored results too, and pilot results are never counted as off track."""

import datetime

from freezegun import freeze_time

from .common import NOW, TODAY, KpiCase


@freeze_time(NOW)
class TestPilotFromToday(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule("won_deals", name="Won deals", target=2, window_days=30)

    def test_a_pilot_from_today_takes_todays_results(self):
        """Run as a pilot in the team from today: today's stored result becomes a pilot (was:
        live, counted in the overall score, while the Roll-out tab said pilot); yesterday's
        keeps the mode it recorded."""
        yesterday = TODAY - datetime.timedelta(days=1)
        self.rule.evaluate(date=yesterday, users=self.salesman)
        self.rule.evaluate(users=self.salesman)
        self.assertFalse(self.result(self.rule, self.salesman, TODAY).pilot)
        self.rule.with_user(self.kpi_admin)._set_team_mode(self.team, "pilot", TODAY)
        self.assertTrue(self.result(self.rule, self.salesman, TODAY).pilot)
        self.assertFalse(self.result(self.rule, self.salesman, yesterday).pilot)
        summary = self.env["kpi.result"].with_user(self.salesman).get_my_kpis_summary()
        self.assertFalse(summary.get("counted"), summary)

    def test_the_default_flag_applies_from_today(self):
        """Pilot by Default ticked today: today's results of users without a team step are
        pilots; a team with a live step of its own stays live."""
        self.rule.evaluate(users=self.salesman | self.salesman2)
        self.rule._set_team_mode(self.team, "live", TODAY)
        self.rule.with_user(self.kpi_admin).pilot = True
        self.assertFalse(self.result(self.rule, self.salesman, TODAY).pilot)  # live step
        self.assertTrue(self.result(self.rule, self.salesman2, TODAY).pilot)  # no team
        self.rule.with_user(self.kpi_admin).pilot = False
        self.assertFalse(self.result(self.rule, self.salesman2, TODAY).pilot)


class TestAdminOpensRules(KpiCase):
    def test_a_kpi_admin_without_access_rights_opens_an_existing_rule(self):
        """A KPI administrator who is not an Odoo "Access Rights" manager opens an existing
        rule (was: an AccessError on its Required Fields, ir.model.fields)."""
        from odoo.tests import Form, new_test_user

        admin = new_test_user(self.env, login="kpi_t_admin_plain",
                              groups="base.group_user,kpi_management.group_kpi_admin")
        self.assertFalse(admin.has_group("base.group_erp_manager"))
        rule = self.make_rule("data_completeness", name="Complete",
                              lead_field_ids=[(6, 0, self.env["ir.model.fields"].search([
                                  ("model", "=", "crm.lead"), ("name", "=", "phone")]).ids)])
        form = Form(rule.with_user(admin))
        self.assertEqual(form.name, "Complete")
        self.assertEqual(rule.with_user(admin).lead_field_ids.mapped("name"), ["phone"])
