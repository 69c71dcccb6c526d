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

    def test_a_pilot_is_never_in_an_off_track_streak(self):
        """Off track three nights running as a pilot: no streak, so neither the red badge nor
        the "Off Track 3+" filter shows it (was: 3); Team Periods open on counting KPIs."""
        self.rule.pilot = True
        for days in (2, 1, 0):
            self.rule.evaluate(date=TODAY - datetime.timedelta(days=days), users=self.salesman)
        results = self.env["kpi.result"].search([("rule_id", "=", self.rule.id),
                                                 ("user_id", "=", self.salesman.id)])
        self.assertEqual(set(results.mapped("status")), {"off_track"})
        self.assertEqual(set(results.mapped("off_track_streak")), {0})
        self.rule.pilot = False
        self.rule.evaluate(users=self.salesman)
        self.assertEqual(self.result(self.rule, self.salesman, TODAY).off_track_streak, 1)
        # a rule made a pilot today: today's streak is cleared with its mode
        self.rule._set_team_mode(self.team, "pilot", TODAY)
        self.assertEqual(self.result(self.rule, self.salesman, TODAY).off_track_streak, 0)
        action = self.env.ref("kpi_management.kpi_period_result_action_team")
        self.assertIn("'search_default_not_pilot': 1", action.context)


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


@freeze_time(NOW)
class TestPastDayKeepsItsMode(KpiCase):
    def test_a_past_day_evaluated_again_keeps_its_streak_with_its_mode(self):
        """A past day recorded as a pilot of the salesman's team, evaluated again after he
        moved to a live team: it keeps its pilot mode and so no off-track streak (was: the
        streak was counted with today's team's mode, 1, beside pilot = True)."""
        rule = self.make_rule("won_deals", name="Won deals", target=2, window_days=30)
        yesterday = TODAY - datetime.timedelta(days=1)
        week_ago = NOW - datetime.timedelta(days=7)
        with freeze_time(week_ago):
            rule._set_team_mode(self.team, "pilot", week_ago.date())
        rule.evaluate(date=yesterday, users=self.salesman)
        past = self.result(rule, self.salesman, yesterday)
        self.assertEqual((past.status, past.pilot, past.off_track_streak), ("off_track", True, 0))
        self.env["crm.team.member"].search([("user_id", "=", self.salesman.id)]).unlink()
        live_team = self.env["crm.team"].create({
            "name": "Live team",
            "crm_team_member_ids": [(0, 0, {"user_id": self.salesman.id})]})
        self.assertEqual(self.salesman.sale_team_id, live_team)
        self.assertFalse(rule._is_pilot_for(live_team, yesterday))
        rule.evaluate(date=yesterday, users=self.salesman)
        past.invalidate_recordset()
        self.assertEqual((past.team_id, past.pilot, past.off_track_streak),
                         (self.team, True, 0))
