"""Pilot roll-out per sales team: a KPI runs as a pilot in some teams and live in others; the
mode of each day is stored on the result and decides what counts (issue 11)."""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.models.kpi_result import Recorded
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form

from .bonus_common import PERIOD_FROM, BonusCase
from .common import NOW, TODAY, KpiCase, utc

D = datetime.date


@freeze_time(NOW)
class TestRollout(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # salesman is in cls.team; salesman2 in a pilot team of its own
        cls.pilot_team = cls.env["crm.team"].create({
            "name": "Pilot team", "user_id": cls.manager.id,
            "crm_team_member_ids": [Command.create({"user_id": cls.salesman2.id})],
        })
        cls.rule = cls.make_rule("meetings_planned", name="Meetings", target=10,
                                 window_days=14, pilot=True)
        cls.live = cls.make_rule("won_deals", name="Won deals", target=2, window_days=30)

    def promote(self, teams, day, mode="live", user=None):
        """A roll-out step decided on ``day`` (it cannot be backdated)."""
        with freeze_time(datetime.datetime.combine(day, datetime.time(9))):
            wizard = Form(self.env["kpi.rule.rollout.wizard"].with_user(user or self.kpi_admin)
                          .with_context(default_rule_id=self.rule.id, default_mode=mode))
            wizard.team_ids.clear()
            for team in teams:
                wizard.team_ids.add(team)
            wizard.date = day
            wizard.save().action_confirm()

    def test_promotion_records_who_and_when_and_keeps_the_history(self):
        self.assertEqual(self.rule.pilot_team_ids, self.env["crm.team"])
        self.promote(self.team | self.pilot_team, D(2026, 11, 1), mode="pilot")
        self.rule.invalidate_recordset()
        self.assertEqual(self.rule.pilot_team_ids, self.team | self.pilot_team)
        # the promotion wizard proposes the teams piloting the rule
        wizard = self.env["kpi.rule.rollout.wizard"].with_user(self.kpi_admin).create(
            {"rule_id": self.rule.id, "mode": "live"})
        self.assertEqual(wizard.team_ids, self.team | self.pilot_team)
        self.promote(self.team, D(2026, 11, 10))
        self.rule.invalidate_recordset()
        self.assertEqual(self.rule.live_team_ids, self.team)
        self.assertEqual(self.rule.pilot_team_ids, self.pilot_team)
        step = self.rule.rollout_ids[0]
        self.assertEqual((step.team_id, step.mode, step.date, step.decided_uid),
                         (self.team, "live", D(2026, 11, 10), self.kpi_admin))
        self.assertEqual(step.decided_date, datetime.datetime(2026, 11, 10, 9))
        self.assertEqual(len(self.rule.rollout_ids), 3)
        # readable by the people measured, never rewritten, never deleted, never backdated
        self.assertEqual(len(self.rule.with_user(self.salesman).rollout_ids), 3)
        with self.assertRaises(UserError):
            step.with_user(self.kpi_admin).write({"mode": "pilot"})
        with self.assertRaises(UserError):
            step.sudo().unlink()
        with self.assertRaises(ValidationError):
            self.rule.with_user(self.kpi_admin)._set_team_mode(self.team, "pilot",
                                                               TODAY - datetime.timedelta(days=1))
        with self.assertRaises(UserError):
            self.rule.with_user(self.kpi_admin)._set_team_mode(self.env["crm.team"], "live",
                                                               TODAY)

    def test_only_kpi_administrators_roll_out(self):
        for user in (self.manager, self.salesman):
            with self.assertRaises(AccessError):
                self.rule.with_user(user).action_promote()
            with self.assertRaises(AccessError):
                self.rule.with_user(user)._set_team_mode(self.team, "live", TODAY)
            with self.assertRaises(AccessError):
                self.env["kpi.rule.rollout"].with_user(user).create(
                    {"rule_id": self.rule.id, "team_id": self.team.id, "mode": "live",
                     "date": TODAY})
        self.assertFalse(self.rule.rollout_ids)

    def test_each_result_stores_the_mode_of_its_day_and_team(self):
        self.promote(self.team, D(2026, 11, 20))
        before, after = D(2026, 11, 19), D(2026, 11, 20)
        for day in (before, after):
            self.rule.evaluate(date=day)
        self.assertTrue(self.result(self.rule, self.salesman, before).pilot)
        self.assertFalse(self.result(self.rule, self.salesman, after).pilot)
        # the other team follows the rule: a pilot
        self.assertTrue(self.result(self.rule, self.salesman2, after).pilot)
        # back to a pilot later: the results computed before keep their mode
        self.promote(self.team, D(2026, 11, 22), mode="pilot")
        self.rule.evaluate(date=D(2026, 11, 22))
        self.rule.evaluate(date=after)  # re-run of a past day: the mode of that day
        self.assertFalse(self.result(self.rule, self.salesman, after).pilot)
        self.assertTrue(self.result(self.rule, self.salesman, D(2026, 11, 22)).pilot)

    def test_pilot_kpi_shown_with_a_badge_to_the_pilot_team_never_counted_overall(self):
        self.promote(self.team, D(2026, 11, 20))
        self.event(self.salesman, utc(days=1, hours=10))
        self.event(self.salesman2, utc(days=1, hours=10))
        self.won_lead(self.salesman, utc(days=-2))
        self.won_lead(self.salesman2, utc(days=-2))
        (self.rule | self.live).evaluate()
        Result = self.env["kpi.result"]
        pilot_view = Result.with_user(self.salesman2).get_my_kpis()
        card = next(c for c in pilot_view["cards"] if c["rule_id"] == self.rule.id)
        self.assertTrue(card["pilot"])
        self.assertEqual(card["score"], 10.0)  # 1 of 10 meetings: shown, off track
        # the overall score is the live KPI's alone (1 of 2 won deals: 50%)
        self.assertEqual(pilot_view["overall"]["score"], 50.0)
        self.assertEqual(pilot_view["overall"]["counted"], 1)
        live_view = Result.with_user(self.salesman).get_my_kpis()
        card = next(c for c in live_view["cards"] if c["rule_id"] == self.rule.id)
        self.assertFalse(card["pilot"])
        self.assertEqual(live_view["overall"]["counted"], 2)
        self.assertEqual(live_view["overall"]["score"], 30.0)  # (10 + 50) / 2
        # nothing but pilots: no overall score at all
        self.live.profile_ids = [Command.clear()]
        self.assertIsNone(Result.with_user(self.salesman2).get_my_kpis()["overall"]["score"])
        # the team's manager filters counting KPIs out of pilot ones
        counting = Result.with_user(self.manager).search(
            [("pilot", "=", False), ("rule_id", "=", self.rule.id)])
        self.assertEqual(counting.user_id, self.salesman)


@freeze_time(NOW)
class TestRolloutBonus(BonusCase):
    def test_rule_counts_on_a_sheet_only_if_live_for_its_team_on_the_first_day(self):
        self.rule_new.pilot = True
        sheet = self.computed_sheet()
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        detail = line.detail_ids.filtered(lambda d: d.rule_id == self.rule_new)
        self.assertFalse(detail.counted)
        self.assertEqual(detail.weight, 30)
        self.assertEqual(detail.weight_used, 0)
        self.assertIn("Pilot for the team", detail.note)
        volume = line.detail_ids.filtered(lambda d: d.rule_id == self.rule_volume)
        # its weight goes to the others: 30 / 70 and 40 / 70 of 100
        self.assertAlmostEqual(volume.weight_used, 42.8571, places=3)
        self.assertAlmostEqual(volume.contribution, volume.score * 42.8571 / 100, places=2)
        # Compute says so, in the chatter
        message = sheet.message_ids.filtered(lambda m: "Not counted" in (m.body or ""))
        self.assertIn(self.rule_new.name, message.body)
        self.assertIn(self.team.name, message.body)
        # promoted only during the period: still not counted on this sheet
        with freeze_time(datetime.datetime(2026, 11, 1, 9)):
            self.rule_new.with_user(self.kpi_admin)._set_team_mode(
                self.team, "live", D(2026, 11, 1))
        sheet.with_user(self.officer).action_compute()
        detail = sheet.line_ids.detail_ids.filtered(lambda d: d.rule_id == self.rule_new)
        self.assertFalse(any(detail.mapped("counted")))

    def test_a_kpi_runs_as_a_pilot_as_recorded_else_as_configured(self):
        """The one decision the sheet and the estimate share (``_kpi_common``): the mode the
        nightly results recorded wins over today's; without a record, the rule's mode for the
        team on the first day; a manual KPI is never a pilot and scores higher-is-better."""
        line = self.scheme.line_ids.filtered(lambda ln: ln.rule_id == self.rule_new)
        self.rule_new.pilot = True
        self.assertTrue(self.rule_new._is_pilot_for(self.team, PERIOD_FROM))
        common = self.scheme._kpi_common(line, None, self.team, PERIOD_FROM)
        self.assertEqual(common, {"key": line.id, "weight": 30.0, "pilot": True,
                                  "direction": self.rule_new.direction})
        recorded_live = Recorded(False, 2.0, PERIOD_FROM)
        self.assertFalse(self.scheme._kpi_common(line, recorded_live, self.team,
                                                 PERIOD_FROM)["pilot"])
        self.rule_new.pilot = False
        recorded_pilot = Recorded(True, 2.0, PERIOD_FROM)
        self.assertTrue(self.scheme._kpi_common(line, recorded_pilot, self.team,
                                                PERIOD_FROM)["pilot"])
        manual = self.scheme._kpi_common(self.service, None, self.team, PERIOD_FROM)
        self.assertEqual(manual, {"key": self.service.id, "weight": self.service.weight,
                                  "pilot": False, "direction": "higher"})

    def test_live_from_the_first_day_counts_and_the_estimate_agrees(self):
        self.rule_new.pilot = True
        with freeze_time(datetime.datetime(2026, 10, 20, 9)):
            self.rule_new.with_user(self.kpi_admin)._set_team_mode(
                self.team, "live", PERIOD_FROM)
        sheet = self.computed_sheet()
        details = sheet.line_ids.detail_ids.filtered(lambda d: d.rule_id == self.rule_new)
        self.assertTrue(all(details.mapped("counted")))
        self.assertEqual(details.mapped("weight_used"), [30.0, 30.0])
        self.assertFalse(sheet.message_ids.filtered(lambda m: "Not counted" in (m.body or "")))
        # the estimate counts it as this month's sheet will (live on the 1st of November)
        estimate = self.env["kpi.bonus.scheme"].with_user(self.salesman).get_bonus_estimate()
        line = next(row for row in estimate[0]["lines"] if row["rule_id"] == self.rule_new.id)
        self.assertTrue(line["counts"])
        self.assertFalse(line["pilot"])
