"""A bonus sheet pays what happened in its period: each input is taken from the record of its
day, never from today's configuration (README, *Bonuses*, "What a sheet is computed from").

Every test computes November 2026's sheet on 4 December, changes one input afterwards, and
computes again: the figures do not move. The clock is frozen on 4 December 2026, 11:00 in
Copenhagen.
"""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.tools import bonus_engine
from odoo.exceptions import UserError

from .bonus_common import BonusCase
from .common import TZ, local

D = datetime.date
DEC4 = datetime.datetime(2026, 12, 4, 10, 0, 0)
NOV1, NOV30 = D(2026, 11, 1), D(2026, 11, 30)


def days(first, last):
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


@freeze_time(DEC4)
class TestSheetFromTheRecord(BonusCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scheme.period = "month"

    def record(self, user, first, last, team=None, profile=None, pilot=False, target=None,
               rules=None):
        """The nightly results of ``first .. last`` as the engine stores them: the user's
        team, profile and the rule's mode and target of each day."""
        vals = []
        for rule in rules or (self.rule_volume | self.rule_new):
            for day in days(first, last):
                vals.append({
                    "rule_id": rule.id, "user_id": user.id, "date": day, "value": 0,
                    "target": target if target is not None else rule.target, "score": 0,
                    "team_id": (team or self.team).id, "pilot": pilot,
                    "profile_id": (profile or user.kpi_profile_id).id})
        self.env["kpi.result"].create(vals)

    def november(self, team=None, scheme=None):
        sheet = self.env["kpi.bonus.sheet"].with_user(self.officer).create({
            "scheme_id": (scheme or self.scheme).id, "team_id": (team or self.team).id,
            "period_type": "month", "date_from": NOV1})
        sheet.action_compute()
        return sheet

    @staticmethod
    def figures(sheet):
        return {(ln.user_id.login, d.name): (d.value, d.target, d.score, d.counted,
                                             d.weight_used, ln.amount, ln.worked_from,
                                             ln.worked_to)
                for ln in sheet.line_ids for d in ln.detail_ids}

    def recompute(self, sheet):
        sheet.with_user(self.officer).action_compute()
        return self.figures(sheet)

    def nov_deals(self):
        self.won_lead(self.salesman, local(2026, 11, 10, 12), revenue=110000,
                      partner=self.client("A"))
        self.won_lead(self.salesman2, local(2026, 11, 12, 12), revenue=55000,
                      partner=self.client("B"))

    # ------------------------------------------------------------------ pilot
    def test_unticking_pilot_in_december_does_not_rewrite_november(self):
        """Every November result stored pilot=True: the KPI stays uncounted on November's
        sheet once an administrator unticks Pilot on 4 December (was: 0 -> counted)."""
        self.rule_volume.pilot = True
        self.record(self.salesman, NOV1, NOV30, pilot=True, rules=self.rule_volume)
        self.record(self.salesman2, NOV1, NOV30, pilot=True, rules=self.rule_volume)
        self.nov_deals()
        sheet = self.november()
        before = self.figures(sheet)
        self.assertFalse(before["kpi_t_salesman", "Sales volume"][3])
        self.rule_volume.pilot = False
        self.assertEqual(self.recompute(sheet), before)

    def test_a_rule_made_pilot_today_stays_counted_in_november(self):
        self.record(self.salesman, NOV1, NOV30, rules=self.rule_volume)
        self.record(self.salesman2, NOV1, NOV30, rules=self.rule_volume)
        self.nov_deals()
        sheet = self.november()
        before = self.figures(sheet)
        self.assertTrue(before["kpi_t_salesman", "Sales volume"][3])
        self.rule_volume.pilot = True
        self.rule_volume._set_team_mode(self.team, "pilot", D(2026, 12, 4))
        self.assertEqual(self.recompute(sheet), before)

    # ------------------------------------------------------------------ targets
    def test_targets_changed_after_the_period(self):
        self.record(self.salesman, NOV1, NOV30, target=100000)
        self.record(self.salesman2, NOV1, NOV30, target=110000)
        self.nov_deals()
        sheet = self.november()
        before = self.figures(sheet)
        self.assertEqual(before["kpi_t_salesman", "Sales volume"][:3], (110000, 100000, 110.0))
        self.env["kpi.rule.target"].create({"rule_id": self.rule_volume.id,
                                            "user_id": self.salesman.id, "target": 200000})
        self.rule_volume.target = 500000
        self.assertEqual(self.recompute(sheet), before)

    def test_a_past_day_evaluated_again_keeps_its_record(self):
        """Re-evaluating 10 November on 4 December (a backfill run again) measures the day
        again but keeps the team, profile, mode and target it recorded (was: today's)."""
        team_b = self.env["crm.team"].create({"name": "Team B", "user_id": self.manager.id})
        day = D(2026, 11, 10)
        self.rule_volume.evaluate(date=day, users=self.salesman)
        first = self.result(self.rule_volume, self.salesman, day)
        self.assertEqual((first.team_id, first.pilot, first.target), (self.team, False, 110000))
        self.won_lead(self.salesman, local(2026, 11, 9, 12), revenue=5000)
        self.team.crm_team_member_ids.filtered(
            lambda m: m.user_id == self.salesman).unlink()
        team_b.crm_team_member_ids = [Command.create({"user_id": self.salesman.id})]
        self.salesman.kpi_profile_id = self.profile_kam
        self.rule_volume.profile_ids |= self.profile_kam
        self.rule_volume.write({"pilot": True, "target": 1})
        self.rule_volume.evaluate(date=day, users=self.salesman)
        again = self.result(self.rule_volume, self.salesman, day)
        self.assertEqual(again, first)
        self.assertEqual((again.team_id, again.profile_id, again.pilot, again.target),
                         (self.team, self.profile_sales, False, 110000))
        self.assertEqual((again.value, again.score), (5000, round(5000 / 110000 * 100, 2)))
        # today is evaluated with today's configuration
        self.rule_volume.evaluate(users=self.salesman)
        today = self.result(self.rule_volume, self.salesman, D(2026, 12, 4))
        self.assertEqual((today.team_id, today.profile_id, today.pilot, today.target),
                         (team_b, self.profile_kam, True, 1))

    # ------------------------------------------------------------------ membership
    def test_moved_team_in_december_is_paid_november_on_the_old_team(self):
        """In team A all November, in team B from 3 December: A's November sheet pays him the
        whole month; B's has no November line for him (was: full month on B)."""
        team_b = self.env["crm.team"].create({"name": "Team B", "user_id": self.manager.id})
        for user in (self.salesman, self.salesman2):
            self.record(user, NOV1, NOV30)
        self.record(self.salesman, D(2026, 12, 1), D(2026, 12, 2))
        self.nov_deals()
        sheet = self.november()
        before = self.figures(sheet)
        self.assertEqual(before["kpi_t_salesman", "Sales volume"][6:], (NOV1, NOV30))
        # he moves on 3 December
        self.team.crm_team_member_ids.filtered(
            lambda m: m.user_id == self.salesman).unlink()
        team_b.crm_team_member_ids = [Command.create({"user_id": self.salesman.id})]
        self.record(self.salesman, D(2026, 12, 3), D(2026, 12, 4), team=team_b)
        self.assertEqual(self.recompute(sheet), before)
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        self.assertFalse(line.presence_note)
        with self.assertRaisesRegex(UserError, "No member of team Team B"):
            self.november(team=team_b)

    def test_the_left_note_names_the_team_of_the_record(self):
        """In team A 1-14 November, in team B from the 15th, in team C today: A's November
        sheet says he left for B, as recorded, not for today's C (was: C)."""
        team_b = self.env["crm.team"].create({"name": "Team B", "user_id": self.manager.id})
        team_c = self.env["crm.team"].create({"name": "Team C", "user_id": self.manager.id})
        self.record(self.salesman2, NOV1, NOV30)
        self.record(self.salesman, NOV1, D(2026, 11, 14))
        self.record(self.salesman, D(2026, 11, 15), NOV30, team=team_b)
        self.team.crm_team_member_ids.filtered(
            lambda m: m.user_id == self.salesman).unlink()
        team_c.crm_team_member_ids = [Command.create({"user_id": self.salesman.id})]
        line = self.november().line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        self.assertEqual((line.worked_from, line.worked_to), (NOV1, D(2026, 11, 14)))
        self.assertIn("Left the team (now Team B)", line.presence_note)
        self.assertNotIn("Team C", line.presence_note)

    def test_profile_changed_after_the_period(self):
        """Made Key Account Manager on 4 December: still paid November on the Sales scheme,
        for the whole month, as the Sales profile he was recorded with."""
        for user in (self.salesman, self.salesman2):
            self.record(user, NOV1, NOV30)
        self.nov_deals()
        sheet = self.november()
        before = self.figures(sheet)
        self.salesman.kpi_profile_id = self.profile_kam
        self.assertEqual(self.recompute(sheet), before)
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        self.assertEqual(line.profile_name, "Test Sales")

    def test_hired_in_december_is_on_no_november_sheet(self):
        newcomer = self._user("kpi_t_newcomer", self.profile_sales, tz=TZ)
        for user in (self.salesman, self.salesman2):
            self.record(user, NOV1, NOV30)
        self.team.crm_team_member_ids = [Command.create({"user_id": newcomer.id})]
        self.record(newcomer, D(2026, 12, 2), D(2026, 12, 4))
        sheet = self.november()
        self.assertNotIn(newcomer, sheet.line_ids.user_id)
        self.assertEqual(set(sheet.line_ids.user_id), {self.salesman, self.salesman2})

    def test_a_profile_change_mid_month_is_paid_once_per_day(self):
        """Key Account Manager 1-14 November, Sales from the 15th: 14 days on the KAM scheme,
        16 on the Sales scheme (was: 14 + 30 = 44 days of a 30-day month)."""
        kam_rule = self.make_rule("won_revenue", name="KAM volume", target=110000,
                                  window_days=30, profiles=self.profile_kam)
        kam_scheme = self.env["kpi.bonus.scheme"].create({
            "name": "KAM bonus", "profile_ids": [Command.set(self.profile_kam.ids)],
            "base_amount": 10000, "period": "month",
            "line_ids": [Command.create({"rule_id": kam_rule.id, "weight": 100})],
        })
        self.team.crm_team_member_ids = [Command.create({"user_id": self.kam.id})]
        self.record(self.salesman, NOV1, NOV30)
        self.record(self.salesman2, NOV1, NOV30)
        self.record(self.kam, NOV1, D(2026, 11, 14), profile=self.profile_kam, rules=kam_rule)
        self.record(self.kam, D(2026, 11, 15), NOV30, profile=self.profile_sales)
        self.kam.kpi_profile_id = self.profile_sales  # today's profile
        sales = self.november()
        kam_sheet = self.november(scheme=kam_scheme)
        on_sales = sales.line_ids.filtered(lambda ln: ln.user_id == self.kam)
        on_kam = kam_sheet.line_ids.filtered(lambda ln: ln.user_id == self.kam)
        self.assertEqual((on_sales.worked_from, on_sales.worked_to),
                         (D(2026, 11, 15), NOV30))
        self.assertEqual((on_kam.worked_from, on_kam.worked_to), (NOV1, D(2026, 11, 14)))
        self.assertIn("16 of the 30 days", on_sales.presence_note)
        self.assertIn("14 of the 30 days", on_kam.presence_note)
        self.assertEqual(on_kam.profile_name, "Test KAM")
        self.assertEqual(on_sales.profile_name, "Test Sales")

    def test_paid_once_per_day_across_schemes(self):
        """Two schemes of the company for the same profile: the second sheet refuses an
        employee already paid for those days."""
        other_scheme = self.scheme.copy({"name": "Second Sales bonus"})
        for user in (self.salesman, self.salesman2):
            self.record(user, NOV1, NOV30)
        self.november()
        with self.assertRaisesRegex(UserError, "paid only once for any day"):
            self.november(scheme=other_scheme)

    def test_a_sheet_never_mixes_currencies(self):
        """An amount KPI of every company measured in the employee's main company's currency
        (EUR) is refused on a scheme paid in USD, naming the rule, the employee and both."""
        eur = self.env.ref("base.EUR")
        eur.active = True
        company_eur = self.env["res.company"].create({"name": "KPI EUR", "currency_id": eur.id})
        self.salesman.write({"company_ids": [Command.link(company_eur.id)],
                             "company_id": company_eur.id})
        self.rule_volume.company_id = False  # a rule of every company
        for user in (self.salesman, self.salesman2):
            self.record(user, NOV1, NOV30)
        with self.assertRaisesRegex(UserError, "Sales volume of kpi_t_salesman.* is measured "
                                               "in EUR.* pays in USD"):
            self.november()

    def test_days_without_a_nightly_run_are_carried_from_the_record(self):
        """The evaluation did not run on 10-12 November: those days keep the membership of the
        day before; a day it ran without a result of the user is not theirs."""
        for user in (self.salesman, self.salesman2):
            self.record(user, NOV1, D(2026, 11, 9))
            self.record(user, D(2026, 11, 13), NOV30)
        sheet = self.november()
        self.assertEqual(set(sheet.line_ids.mapped("worked_from")), {NOV1})
        self.assertFalse(any(sheet.line_ids.mapped("presence_note")))
        # salesman2 held no profile on 20-30 November: the run of those days recorded nothing
        self.env["kpi.result"].search([("user_id", "=", self.salesman2.id),
                                       ("date", ">=", D(2026, 11, 20))]).unlink()
        sheet.with_user(self.officer).action_compute()
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman2)
        self.assertEqual((line.worked_from, line.worked_to), (NOV1, D(2026, 11, 19)))
        self.assertIn("19 of the 30 days", line.presence_note)


@freeze_time(DEC4)
class TestPeriodTarget(BonusCase):
    def test_a_quarter_is_scored_against_the_quarter(self):
        """A 30-day won-revenue rule with a target of 1,000, 1,000 won in each month of Q3:
        3,000 / 3,066.67 = 97.83%, as the period score of the quarter (was: 200%, the cap)."""
        rule = self.make_rule("won_revenue", name="Revenue", target=1000, window_days=30)
        scheme = self.env["kpi.bonus.scheme"].create({
            "name": "Quarterly", "profile_ids": [Command.set(self.profile_sales.ids)],
            "base_amount": 1000, "period": "quarter",
            "line_ids": [Command.create({"rule_id": rule.id, "weight": 100})],
        })
        for month in (7, 8, 9):
            self.won_lead(self.salesman, local(2026, month, 15, 12), revenue=1000)
        for user in (self.salesman, self.salesman2):
            self.env["kpi.result"].create([{
                "rule_id": rule.id, "user_id": user.id, "date": day, "value": 0,
                "target": 1000, "score": 0, "team_id": self.team.id,
                "profile_id": self.profile_sales.id} for day in (D(2026, 7, 1), D(2026, 9, 30))])
        sheet = self.env["kpi.bonus.sheet"].with_user(self.officer).create({
            "scheme_id": scheme.id, "team_id": self.team.id, "period_type": "quarter",
            "date_from": D(2026, 7, 1)})
        sheet.action_compute()
        detail = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman).detail_ids
        self.assertEqual((detail.value, round(detail.target, 4), detail.score),
                         (3000, 3066.6667, 97.83))
        self.assertIn("Target for the period: 1,000 per 30 days x 92 days = 3,066.67",
                      detail.note)
        # the period score of the same quarter says the same
        self.env["kpi.period.result"]._store_periods(rule, "quarter",
                                                     [(D(2026, 7, 1), D(2026, 9, 30))])
        period = self.env["kpi.period.result"].search([("rule_id", "=", rule.id),
                                                        ("user_id", "=", self.salesman.id),
                                                        ("period_type", "=", "quarter")])
        self.assertEqual((period.value, round(period.target, 4), period.score),
                         (3000, 3066.6667, 97.83))

    def test_a_quarterly_target_over_a_month(self):
        """"2 new clients per quarter" (a 90-day window): 1 new client in November scores as
        on the Periods tab, 1 / (2 x 30 / 90) = 150% (was: 1 / 2 = 50% on the sheet)."""
        rule = self.make_rule("new_clients", name="New clients 90", target=2, window_days=90)
        scheme = self.env["kpi.bonus.scheme"].create({
            "name": "Monthly", "profile_ids": [Command.set(self.profile_sales.ids)],
            "base_amount": 1000, "period": "month",
            "line_ids": [Command.create({"rule_id": rule.id, "weight": 100})],
        })
        self.won_lead(self.salesman, local(2026, 11, 15, 12), revenue=10,
                      partner=self.client("New"))
        for user in (self.salesman, self.salesman2):
            self.env["kpi.result"].create({
                "rule_id": rule.id, "user_id": user.id, "date": NOV30, "value": 0,
                "target": 2, "score": 0, "team_id": self.team.id,
                "profile_id": self.profile_sales.id})
        sheet = self.env["kpi.bonus.sheet"].with_user(self.officer).create({
            "scheme_id": scheme.id, "team_id": self.team.id, "period_type": "month",
            "date_from": NOV1})
        sheet.action_compute()
        detail = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman).detail_ids
        self.env["kpi.period.result"]._store_periods(rule, "month", [(NOV1, NOV30)])
        period = self.env["kpi.period.result"].search([("rule_id", "=", rule.id),
                                                        ("user_id", "=", self.salesman.id),
                                                        ("period_type", "=", "month")])
        self.assertEqual((detail.value, round(detail.target, 4), detail.score), (1, 0.6667, 150))
        self.assertEqual((period.target, period.score), (detail.target, detail.score))
        self.assertGreater(detail.score, 100)


@freeze_time(DEC4)
class TestEstimateGrowth(BonusCase):
    def test_the_estimate_compares_like_for_like(self):
        """My Bonus Estimate on 4 December, Compare With: previous period: December so far
        against the same days at the start of the comparison period (+2,000 against 3,000,
        200%), not against 27-30 November (-5,000, score 0)."""
        rule = self.make_rule("won_revenue_growth", name="Growth", target=1000, window_days=30,
                              growth_comparison="previous")
        self.env["kpi.bonus.scheme"].create({
            "name": "Growth bonus", "profile_ids": [Command.set(self.profile_sales.ids)],
            "base_amount": 1000, "period": "month",
            "line_ids": [Command.create({"rule_id": rule.id, "weight": 100})],
        })
        self.won_lead(self.salesman, local(2026, 11, 2, 12), revenue=3000)
        self.won_lead(self.salesman, local(2026, 11, 28, 12), revenue=5000)
        self.won_lead(self.salesman, local(2026, 12, 2, 12), revenue=5000)
        estimates = self.env["kpi.bonus.scheme"].with_user(self.salesman).get_bonus_estimate()
        line = next(p for p in estimates if p["scheme"] == "Growth bonus")["lines"][0]
        self.assertEqual(line["value"], 2000)
        self.assertEqual(line["score"], 200)


class TestEngineSpan(BonusCase):
    def test_custom_dates_of_the_window_length_keep_the_target(self):
        span = bonus_engine.Span(D(2026, 10, 24), D(2026, 11, 22), "custom", 30)
        kpi = bonus_engine.KpiInput(key=1, method="period", value=55, target=110,
                                        window_days=30, additive=True, weight=100)
        self.assertEqual(bonus_engine.score_kpi(kpi, span).target, 110)
        half = bonus_engine.Span(span.date_from, span.date_to, "custom", 30, 15)
        self.assertEqual(bonus_engine.score_kpi(kpi, half).target, 55)
