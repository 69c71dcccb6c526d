"""Bonus sheets: the source material's scheme, period scores, approval, freezing, bad input."""


import datetime

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user

from .bonus_common import PERIOD_FROM, PERIOD_TO, BonusCase
from .common import NOW, TODAY, TZ, utc


@freeze_time(NOW)
class TestSourceScheme(BonusCase):
    def test_individual_targets_reach_the_results(self):
        """The "star" must grow 20%, the others 10%: the engine scores against their own target."""
        self.env["kpi.rule.target"].create({"rule_id": self.rule_volume.id,
                                            "user_id": self.salesman.id, "target": 120000})
        self.won_lead(self.salesman, utc(days=-3), revenue=120000)
        self.won_lead(self.salesman2, utc(days=-3), revenue=120000)
        self.rule_volume.evaluate()
        star, other = self.result(self.rule_volume, self.salesman), \
            self.result(self.rule_volume, self.salesman2)
        self.assertEqual((star.target, star.score), (120000, 100.0))
        self.assertEqual((other.target, other.score), (110000, round(120 / 110 * 100, 2)))
        with self.assertRaises(IntegrityError):  # unique per rule and user
            with self.cr.savepoint():
                self.env["kpi.rule.target"].create({"rule_id": self.rule_volume.id,
                                                    "user_id": self.salesman.id, "target": 1})

    def test_volume_30_new_clients_30_service_40(self):
        self.env["kpi.rule.target"].create({"rule_id": self.rule_volume.id,
                                            "user_id": self.salesman.id, "target": 120000})
        # star: 132,000 (110% of 120,000), 1 new client of 2 (50%)
        client_a = self.client("A")  # two deals with the same client: 1 new client
        self.won_lead(self.salesman, utc(days=-5), revenue=100000, partner=client_a)
        self.won_lead(self.salesman, utc(days=-4), revenue=32000, partner=client_a)
        # other: 110,000 (100% of 110,000), 2 new clients (100%)
        self.won_lead(self.salesman2, utc(days=-2), revenue=60000, partner=self.client("B"))
        self.won_lead(self.salesman2, utc(days=-1), revenue=50000, partner=self.client("C"))
        # outside the window: counted in no score
        self.won_lead(self.salesman2, utc(days=-40), revenue=999999, partner=self.client("D"))
        (self.rule_volume | self.rule_new).evaluate()
        sheet = self.new_sheet()
        # customer service: manager 90 + assessor 100 for the star, manager 80 for the other
        self.assess(sheet, self.salesman, self.manager, 90)
        self.assess(sheet, self.salesman, self.assessor, 100)
        self.assess(sheet, self.salesman2, self.manager, 80)
        sheet.with_user(self.officer).action_compute()
        star = sheet.line_ids.filtered(lambda line: line.user_id == self.salesman)
        other = sheet.line_ids.filtered(lambda line: line.user_id == self.salesman2)
        figures = {d.name: (d.value, d.target, d.score, d.weight, d.contribution)
                   for d in star.detail_ids}
        self.assertEqual(figures["Sales volume"], (132000, 120000, 110.0, 30, 33.0))
        self.assertEqual(figures["New clients"], (1, 2, 50.0, 30, 15.0))
        self.assertEqual(figures["Customer service"], (95, 100, 95.0, 40, 38.0))
        # 33 + 15 + 38 = 86 -> payout 72% (50 -> 0, 100 -> 100) of 10,000
        self.assertEqual((star.total_score, star.payout_percent, star.amount), (86.0, 72.0, 7200))
        # 30 + 30 + 32 = 92 -> 84%
        self.assertEqual((other.total_score, other.amount), (92.0, 8400))
        self.assertEqual((other.rank, star.rank), (1, 2))
        self.assertEqual(sheet.total_amount, 15600)
        service = star.detail_ids.filtered(lambda d: d.kind == "manual")
        self.assertIn("%s: 90%%" % self.manager.name, service.note)
        self.assertIn("%s: 100%%" % self.assessor.name, service.note)
        self.assertEqual(service.result_count, 2)
        volume = star.detail_ids.filtered(lambda d: d.rule_id == self.rule_volume)
        # rendered in the reader's language and date format (English, US dates here)
        self.assertIn("Measured over the whole period 10/24/2026 - 11/22/2026", volume.note)
        self.assertEqual(volume.result_count, 2)  # the two deals counted

    def test_net_profit_ranks_valery_first(self):
        """Vasily: 400,000 - 100 h x 1,500 - 150,000 = 100,000; Valery: 250,000."""
        rule = self.make_rule("net_profit", name="Net profit", target=200000, window_days=30)
        scheme = self.env["kpi.bonus.scheme"].create({
            "name": "Profit bonus", "base_amount": 5000,
            "profile_ids": [Command.set(self.profile_sales.ids)],
            "line_ids": [Command.create({"rule_id": rule.id, "weight": 100})],
        })
        vasily, valery = self.salesman, self.salesman2
        self.won_lead(vasily, utc(days=-6), revenue=400000, cost_price=150000,
                      extra_cost_hours=100, extra_cost_hour_rate=1500)
        self.won_lead(valery, utc(days=-6), revenue=400000, cost_price=150000)
        rule.evaluate()
        sheet = self.new_sheet(scheme_id=scheme.id)
        sheet.with_user(self.officer).action_compute()
        first, second = sheet.line_ids.sorted("rank")
        self.assertEqual(first.user_id, valery)
        self.assertEqual(first.detail_ids.value, 250000)
        self.assertEqual(second.user_id, vasily)
        self.assertEqual(second.detail_ids.value, 100000)
        # Valery 125% -> 125% x 5,000; Vasily 50% -> 0
        self.assertEqual((first.amount, second.amount), (6250, 0))


@freeze_time(NOW)
class TestPeriodScore(BonusCase):
    def _result(self, rule, day, value, target, score):
        self.env["kpi.result"].create({"rule_id": rule.id, "user_id": self.salesman.id,
                                       "date": day, "value": value, "target": target,
                                       "score": score})

    def volume_of(self, sheet, user=None, rule=None):
        sheet.with_user(self.officer).action_compute()
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == (user or self.salesman))
        return line.detail_ids.filtered(lambda d: d.rule_id == (rule or self.rule_volume))

    def test_past_windows_measured_over_the_period_snapshots_averaged(self):
        pipeline = self.make_rule("open_pipeline", name="Pipeline", target=100)
        scheme = self.env["kpi.bonus.scheme"].create({
            "name": "Mixed", "base_amount": 1000,
            "profile_ids": [Command.set(self.profile_sales.ids)],
            "line_ids": [Command.create({"rule_id": self.rule_volume.id, "weight": 50}),
                         Command.create({"rule_id": pipeline.id, "weight": 50})],
        })
        # past window: stored results are not used, the period is measured (local midnights)
        self._result(self.rule_volume, TODAY, 999999, 110, 200)
        self.won_lead(self.salesman, self.local(2026, 10, 24, 0, 30), revenue=60000)
        self.won_lead(self.salesman, self.local(2026, 11, 22, 23, 30), revenue=50000)
        self.won_lead(self.salesman, self.local(2026, 10, 23, 23, 30), revenue=7)  # before
        self.won_lead(self.salesman, self.local(2026, 11, 23, 0, 30), revenue=7)  # after
        # snapshot: results dated inside the period are averaged; 23 Nov is outside
        self._result(pipeline, PERIOD_FROM, 50, 100, 50)
        self._result(pipeline, PERIOD_TO, 150, 100, 150)
        self._result(pipeline, TODAY, 0, 100, 0)
        sheet = self.new_sheet(scheme_id=scheme.id)
        volume = self.volume_of(sheet)
        line = volume.line_id
        pipe = line.detail_ids - volume
        self.assertEqual((volume.value, volume.target, volume.score, volume.result_count),
                         (110000, 110000, 100, 2))
        self.assertIn("Measured over the whole period", volume.note)
        self.assertEqual((pipe.value, pipe.score, pipe.result_count), (100, 100, 2))
        self.assertIn("Average of 2", pipe.note)
        self.assertEqual(line.total_score, 100.0)
        no_result = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman2)
        self.assertEqual((no_result.total_score, no_result.amount), (0, 0))

    def test_deal_won_on_the_first_is_in_that_months_sheet(self):
        self.won_lead(self.salesman, self.local(2026, 10, 1, 0, 30), revenue=55000)
        september = self.new_sheet(period_type="month", date_from="2026-09-01")
        october = self.new_sheet(period_type="month", date_from="2026-10-01")
        self.assertEqual(self.volume_of(september).value, 0)
        self.assertEqual(self.volume_of(october).value, 55000)

    def test_february_and_quarter_measure_their_own_days(self):
        self.won_lead(self.salesman, self.local(2027, 1, 20, 12), revenue=1000)
        self.won_lead(self.salesman, self.local(2027, 2, 28, 23, 0), revenue=2000)
        self.won_lead(self.salesman, self.local(2027, 3, 1, 0, 30), revenue=4000)
        february = self.new_sheet(period_type="month", date_from="2027-02-01")
        self.assertEqual(self.volume_of(february).value, 2000)  # not January's deal
        quarter = self.new_sheet(period_type="custom", date_from="2027-01-01",
                                 date_to="2027-03-31", team_id=self.env["crm.team"].create({
                                     "name": "Q team", "user_id": self.manager.id,
                                     "member_ids": [Command.set(self.salesman.ids)]}).id)
        february.unlink()  # the employee is on one sheet of the scheme per period
        self.assertEqual(self.volume_of(quarter).value, 7000)  # 3 months, not 30 days

    def test_new_clients_90_days_in_a_monthly_sheet(self):
        rule = self.rule_new
        rule.window_days = 90
        self.won_lead(self.salesman, self.local(2026, 9, 10, 12), partner=self.client("Sep"))
        self.won_lead(self.salesman, self.local(2026, 10, 10, 12), partner=self.client("Oct"))
        october = self.new_sheet(period_type="month", date_from="2026-10-01")
        new = self.volume_of(october, rule=rule)
        # "2 new clients in 90 days" over October's 31 days: 0.6889, as the period score of
        # October (was 1 / 2 = 50%: a month scored against a quarter's target)
        self.assertEqual((new.value, round(new.target, 4), new.score), (1, 0.6889, 145.16))
        self.assertIn("2 per 90 days x 31 days = 0.69", new.note)

@freeze_time(NOW)
class TestApproval(BonusCase):
    def test_workflow_freezes_figures_and_logs_every_step(self):
        self.won_lead(self.salesman, utc(days=-3), revenue=110000)
        self.rule_volume.evaluate()
        sheet = self.new_sheet()
        self.assess(sheet, self.salesman, self.manager, 90)
        self.assess(sheet, self.salesman2, self.manager, 80)
        sheet.with_user(self.officer).action_compute()
        with self.assertRaises(AccessError):
            sheet.with_user(self.salesman).action_compute()
        sheet.with_user(self.officer).action_submit()
        with self.assertRaises(UserError):  # the manager has not approved yet
            sheet.with_user(self.officer).action_approve()
        with self.assertRaises(AccessError):  # not the team's manager
            sheet.with_user(self.other_manager).action_approve_manager()
        sheet.with_user(self.manager).action_approve_manager()
        self.assertEqual(sheet.manager_approved_uid, self.manager)
        with self.assertRaises(AccessError):  # HR approval needs a bonus officer
            sheet.with_user(self.manager).action_approve()
        sheet.with_user(self.hr).action_approve()
        self.assertEqual((sheet.state, sheet.approved_uid), ("approved", self.hr))
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        before = (line.total_score, line.amount, line.detail_ids.mapped("score"))
        self.assertEqual(line.detail_ids[0].score, 100.0)

        # later evaluations and rule changes never alter the approved sheet
        self.won_lead(self.salesman, utc(days=-2), revenue=500000)
        self.rule_volume.target = 1000
        self.rule_volume.evaluate()
        self.scheme.base_amount = 99999
        self.assertEqual((line.total_score, line.amount, line.detail_ids.mapped("score")), before)
        self.assertEqual(sheet.base_amount, 10000)

        # edits are refused, nothing changed
        with self.assertRaises(UserError):
            sheet.with_user(self.officer).write({"date_to": "2026-11-21"})
        with self.assertRaises(UserError):
            sheet.with_user(self.officer).action_compute()
        with self.assertRaises(UserError):
            line.with_user(self.officer).write({"amount": 1})
        with self.assertRaises(UserError):
            line.detail_ids[0].with_user(self.officer).write({"score": 1})
        with self.assertRaises(UserError):
            self.assess(sheet, self.salesman, self.manager, 50)
        with self.assertRaises(UserError):
            sheet.with_user(self.officer).action_reset_to_draft()
        with self.assertRaises(UserError):
            sheet.with_user(self.officer).unlink()
        self.assertEqual((line.amount, sheet.date_to.isoformat()), (before[1], "2026-11-22"))

        bodies = " ".join(sheet.message_ids.mapped("body"))
        for text in ("Figures computed", "Submitted for approval", "Approved by the team manager",
                     "Approved by HR"):
            self.assertIn(text, bodies)
        authors = sheet.message_ids.mapped("author_id")
        self.assertIn(self.manager.partner_id, authors)
        self.assertIn(self.officer.partner_id, authors)

    def test_back_to_draft_clears_manager_approval(self):
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        sheet.with_user(self.officer).action_submit_anyway()
        with self.assertRaises(UserError):
            sheet.with_user(self.officer).write({"date_to": "2026-11-21"})
        sheet.with_user(self.manager).action_approve_manager()
        sheet.with_user(self.manager).action_reset_to_draft()
        self.assertEqual((sheet.state, sheet.manager_approved_uid.id), ("draft", False))
        with self.assertRaises(UserError):  # state only through the buttons
            sheet.with_user(self.officer).write({"state": "approved"})


@freeze_time(NOW)
class TestBadInput(BonusCase):
    def test_weights_must_add_up_to_100(self):
        with self.assertRaises(ValidationError) as caught:
            self.env["kpi.bonus.scheme"].create({
                "name": "Bad", "line_ids": [
                    Command.create({"rule_id": self.rule_volume.id, "weight": 60}),
                    Command.create({"rule_id": self.rule_new.id, "weight": 30})]})
        self.assertIn("add up to 90", str(caught.exception))
        with self.assertRaises(ValidationError):  # edited through the scheme (the form)
            self.scheme.write({"line_ids": [Command.update(self.scheme.line_ids[1].id,
                                                          {"weight": 31})]})
        # the form writes two lines one by one: only the end result is checked
        first, second = self.scheme.line_ids[:2]
        self.scheme.with_user(self.officer).write({"line_ids": [
            Command.update(first.id, {"weight": 40}), Command.update(second.id, {"weight": 20})]})
        self.assertEqual(self.scheme.weight_total, 100)
        # a line written, created or deleted on its own (RPC) cannot break the scheme either
        Line = self.env["kpi.bonus.scheme.line"].with_user(self.officer)
        with self.assertRaises(ValidationError):
            first.with_user(self.officer).write({"weight": 90})
        with self.assertRaises(ValidationError):
            Line.create({"scheme_id": self.scheme.id, "kind": "manual", "name": "Extra",
                         "weight": 10})
        with self.assertRaises(ValidationError):
            first.with_user(self.officer).unlink()
        self.assertEqual((first.weight, self.scheme.weight_total), (40, 100))
        # and a scheme broken anyway (e.g. in SQL) is caught before any figure is computed
        self.env.cr.execute("UPDATE kpi_bonus_scheme_line SET weight = 10 WHERE id = %s",
                            [first.id])
        self.env.invalidate_all()
        sheet = self.new_sheet()
        with self.assertRaises(ValidationError):
            sheet.with_user(self.officer).action_compute()
        self.assertFalse(sheet.line_ids)

    def test_negative_base_deduction(self):
        with self.assertRaises(ValidationError):
            self.scheme.base_amount = -1
        with self.assertRaises(ValidationError) as caught:
            self.scheme.level_ids = [Command.create({"score": 10, "payout": -20})]
        self.assertIn("deduction", str(caught.exception))
        self.scheme.invalidate_recordset()
        # a level created or written on its own (RPC) is checked against its scheme
        Level = self.env["kpi.bonus.level"].with_user(self.officer)
        with self.assertRaises(ValidationError) as caught:
            Level.create({"scheme_id": self.scheme.id, "score": 10, "payout": -50})
        self.assertIn("deduction", str(caught.exception))
        with self.assertRaises(ValidationError):
            self.scheme.level_ids[0].with_user(self.officer).write({"payout": -1})
        with self.assertRaises(ValidationError):  # duplicate score
            self.scheme.level_ids[0].with_user(self.officer).write(
                {"score": self.scheme.level_ids[1].score})
        with self.assertRaises(ValidationError):  # a curve needs a level
            self.scheme.level_ids.with_user(self.officer).unlink()
        self.scheme.write({"allow_deduction": True,
                           "level_ids": [Command.create({"score": 20, "payout": -20})]})
        self.assertEqual(self.scheme._get_levels()[0], (0.0, 0.0))

    def test_overlapping_sheets_and_assessment_range(self):
        sheet = self.new_sheet()
        with self.assertRaises(ValidationError) as caught:
            self.new_sheet(date_from="2026-11-01", date_to="2026-11-30")
        self.assertIn("already covers", str(caught.exception))
        # another team for the same period is fine
        self.new_sheet(team_id=self.env["crm.team"].search([("name", "=", "Other team")]).id)
        for score in (-1, 100.5):
            with self.assertRaises(ValidationError):
                self.assess(sheet, self.salesman, self.manager, score)
        self.assertFalse(sheet.assessment_ids)
        with self.assertRaises(ValidationError):
            self.new_sheet(period_type="month", date_from="2026-12-02")
        self.assertEqual(  # nothing was created by the refused attempts
            self.env["kpi.bonus.sheet"].search_count([("scheme_id", "=", self.scheme.id)]), 2)

    def test_only_allowed_people_assess(self):
        sheet = self.new_sheet()
        with self.assertRaises(AccessError):  # a colleague
            self.assess(sheet, self.salesman, self.salesman2, 100)
        with self.assertRaises(AccessError):  # another team's manager
            self.assess(sheet, self.salesman, self.other_manager, 100)
        self.assess(sheet, self.salesman, self.manager, 70)
        self.assess(sheet, self.salesman, self.assessor, 80)
        self.assertEqual(len(sheet.assessment_ids), 2)

    def test_nobody_assesses_themselves(self):
        # the team manager is on his own sheet (he holds a profile of the scheme)
        self.manager.kpi_profile_id = self.profile_sales
        sheet = self.new_sheet()
        with self.assertRaises(ValidationError):
            self.assess(sheet, self.manager, self.manager, 100)
        with self.assertRaises(AccessError):  # nobody signs for the manager, not even HR
            self.env["kpi.bonus.assessment"].with_user(self.officer).create({
                "sheet_id": sheet.id, "scheme_line_id": self.service.id,
                "user_id": self.manager.id, "assessor_id": self.manager.id, "score": 100})
        self.assess(sheet, self.manager, self.assessor, 90)  # a named assessor may
        self.assertEqual(sheet.assessment_ids.user_id, self.manager)

    def test_assessment_stays_on_its_draft_sheet_and_employee(self):
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        approved = self.new_sheet(date_from="2026-09-01", date_to="2026-09-30")
        approved.with_user(self.officer).action_compute()
        self.approve(approved)
        assessment = self.assess(sheet, self.salesman, self.manager, 60)
        for vals in ({"sheet_id": approved.id}, {"user_id": self.salesman2.id}):
            for user in (self.manager, self.officer):
                with self.assertRaises(UserError):
                    assessment.with_user(user).write(vals)
        self.assertEqual((assessment.sheet_id, assessment.user_id), (sheet, self.salesman))
        self.assertFalse(approved.assessment_ids)
        assessment.with_user(self.manager).write({"score": 65})  # the score may change
        with self.assertRaises(ValidationError):  # not on the team
            self.assess(sheet, self.kam, self.assessor, 50)
        with self.assertRaises(ValidationError):  # on the team, not on the scheme
            self.team.crm_team_member_ids = [Command.create({"user_id": self.no_profile.id})]
            self.assess(sheet, self.no_profile, self.assessor, 50)

    def test_period_types(self):
        quarterly = self.scheme.copy({"name": "Quarterly bonus", "period": "quarter"})
        sheet = self.env["kpi.bonus.sheet"].with_user(self.officer).create({
            "scheme_id": quarterly.id, "team_id": self.team.id, "date_from": "2027-01-01"})
        self.assertEqual((sheet.period_type, sheet.date_to.isoformat()),
                         ("quarter", "2027-03-31"))  # the scheme's period
        month = self.new_sheet(period_type="month", date_from="2027-04-01")
        self.assertEqual(month.date_to.isoformat(), "2027-04-30")
        for scheme, period_type, date_to in ((self.scheme, "month", "2027-06-15"),
                                             (self.scheme, "month", "2027-12-31"),
                                             (quarterly, "quarter", "2027-08-31")):
            with self.assertRaises(ValidationError):
                self.new_sheet(scheme_id=scheme.id, period_type=period_type,
                               date_from="2027-05-01" if period_type == "month"
                               else "2027-07-01", date_to=date_to)
        # a monthly sheet of a quarterly scheme would pay the quarter's base every month
        with self.assertRaisesRegex(ValidationError, "paid per quarter"):
            self.new_sheet(scheme_id=quarterly.id, period_type="month", date_from="2027-07-01")
        with self.assertRaisesRegex(ValidationError, "paid per month"):
            self.new_sheet(period_type="quarter", date_from="2027-07-01")
        with self.assertRaisesRegex(ValidationError, "cannot change"):  # it has sheets
            quarterly.with_user(self.officer).period = "month"
        with self.assertRaises(ValidationError):  # nor stretched afterwards
            month.with_user(self.officer).write({"date_to": "2027-05-31"})
        custom = self.new_sheet(date_from="2027-05-01", date_to="2027-05-20")
        self.assertEqual(custom.date_to.isoformat(), "2027-05-20")


@freeze_time(NOW)
class TestNoContextBypass(BonusCase):
    """The frozen check never trusts the context: any RPC caller can send one."""

    def test_officer_cannot_edit_approved_figures_with_the_transition_key(self):
        sheet = self.computed_sheet()
        self.approve(sheet)
        officer = self.env(user=self.officer, context=dict(self.env.context,
                                                           kpi_bonus_transition=True))
        line = sheet.line_ids[0].with_env(officer)
        amount = line.amount
        with self.assertRaises(UserError):
            line.write({"amount": 123456})
        with self.assertRaises(UserError):
            line.detail_ids[0].write({"score": 1})
        with self.assertRaises(UserError):
            line.unlink()
        with self.assertRaises(UserError):
            self.env["kpi.bonus.sheet.line"].with_env(officer).create(
                {"sheet_id": sheet.id, "user_id": self.kam.id, "amount": 1})
        with self.assertRaises(UserError):
            sheet.with_env(officer).write({"state": "draft", "manager_approved_uid": False})
        with self.assertRaises(UserError):
            self.assess(sheet.with_env(officer), self.salesman, self.manager, 50)
        self.assertEqual((sheet.state, line.amount), ("approved", amount))

    def test_draft_figures_only_through_the_buttons(self):
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        officer = sheet.with_user(self.officer).with_context(kpi_bonus_transition=True)
        for vals in ({"base_amount": 1}, {"approved_uid": self.officer.id},
                     {"state": "approved"}, {"line_ids": [Command.clear()]}):
            with self.assertRaises(UserError):
                officer.write(vals)
        with self.assertRaises(UserError):  # the officer only reads lines
            sheet.line_ids[0].with_user(self.officer).write({"amount": 1})
        with self.assertRaises(UserError):
            self.new_sheet(date_from="2027-01-01", date_to="2027-01-31", state="approved")
        self.assertEqual(sheet.state, "draft")


@freeze_time(NOW)
class TestEmployeeOverlap(BonusCase):
    def test_employee_in_two_teams_is_on_one_sheet_only(self):
        self.env["ir.config_parameter"].sudo().set_param("sales_team.membership_multi", True)
        other_team = self.env["crm.team"].search([("name", "=", "Other team")])
        other_team.crm_team_member_ids = [Command.create({"user_id": self.salesman2.id})]
        self.assertIn(self.salesman2, self.team.member_ids)
        first = self.new_sheet()
        first.with_user(self.officer).action_compute()
        second = self.new_sheet(team_id=other_team.id, date_from="2026-11-01",
                                date_to="2026-11-30")
        with self.assertRaises(UserError) as caught:
            second.with_user(self.officer).action_compute()
        self.assertIn(self.salesman2.name, str(caught.exception))
        self.assertIn(first.name, str(caught.exception))
        self.assertFalse(second.line_ids)
        # the next period is fine
        later = self.new_sheet(team_id=other_team.id, date_from="2026-12-01",
                               date_to="2026-12-31")
        later.with_user(self.officer).action_compute()
        self.assertEqual(later.line_ids.user_id, self.salesman2)


@freeze_time(NOW)
class TestFourEyes(BonusCase):
    """Submitter, manager approver and HR approver are three different people; nobody
    approves a sheet holding their own line."""

    def test_one_person_cannot_give_two_signatures(self):
        boss = new_test_user(
            self.env, login="kpi_t_boss", tz=TZ,
            groups="base.group_user,kpi_management.group_kpi_admin,"
                   "kpi_management.group_kpi_bonus_officer")
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        sheet.with_user(boss).action_submit_anyway()
        with self.assertRaises(AccessError):  # a KPI admin is not the team's manager
            sheet.with_user(boss).action_approve_manager()
        sheet.with_user(self.manager).action_approve_manager()
        with self.assertRaises(AccessError):  # boss submitted it
            sheet.with_user(boss).action_approve()
        self.assertEqual(sheet.state, "to_approve")
        sheet.with_user(self.officer).action_approve()
        self.assertEqual(sheet.state, "approved")
        self.assertEqual(len(sheet.submitted_uid | sheet.manager_approved_uid
                             | sheet.approved_uid), 3)

    def test_manager_never_approves_his_own_line(self):
        self.manager.kpi_profile_id = self.profile_sales  # measured: on his own team's sheet
        # an HR officer who is also a salesperson of the team
        self.hr.kpi_profile_id = self.profile_sales
        self.team.crm_team_member_ids = [Command.create({"user_id": self.hr.id})]
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        self.assertIn(self.manager, sheet.line_ids.user_id)
        with self.assertRaises(UserError) as caught:  # nobody else may approve yet
            sheet.with_user(self.officer).action_submit_anyway()
        self.assertIn("Approver for Managers", str(caught.exception))
        self.scheme.approver_id = self.other_manager
        sheet.with_user(self.officer).action_submit_anyway()
        self.assertEqual(sheet.approver_id, self.other_manager)
        with self.assertRaises(AccessError):
            sheet.with_user(self.manager).action_approve_manager()
        # the scheme's approver reads the sheet he must approve, and approves it
        self.assertEqual(self.env["kpi.bonus.sheet"].with_user(self.other_manager).search([]),
                         sheet)
        sheet.with_user(self.other_manager).action_approve_manager()
        self.assertIn(self.hr, sheet.line_ids.user_id)
        with self.assertRaises(AccessError):  # an officer with a line on it
            sheet.with_user(self.hr).action_approve()
        self.assertEqual(sheet.state, "to_approve")

    def test_team_without_manager_needs_the_schemes_approver(self):
        self.team.user_id = False
        sheet = self.new_sheet()
        sheet.with_user(self.officer).action_compute()
        with self.assertRaises(UserError):
            sheet.with_user(self.officer).action_submit_anyway()
        self.scheme.approver_id = self.other_manager
        sheet.with_user(self.officer).action_submit_anyway()
        sheet.with_user(self.other_manager).action_approve_manager()
        sheet.with_user(self.hr).action_approve()
        self.assertEqual(sheet.state, "approved")


@freeze_time(NOW)
class TestNewSheetAsHrMeetsIt(BonusCase):
    """The form as HR fills it in on 23 November: the month just ended, a name without empty
    parts, the scheme's base amount before Compute (issue 10)."""

    def test_a_new_sheet_is_for_the_period_just_ended(self):
        form = Form(self.env["kpi.bonus.sheet"].with_user(self.officer))
        self.assertEqual((form.period_type, form.date_from.isoformat(), form.date_to.isoformat()),
                         ("month", "2026-10-01", "2026-10-31"))
        self.assertEqual(form.name, "2026-10-01 - 2026-10-31")  # not "/ / 2026-10-01 - ..."
        form.scheme_id = self.scheme
        self.assertEqual(form.scheme_base_amount, 10000)  # before Compute
        form.team_id = self.team
        sheet = form.save()
        self.assertEqual(sheet.name, "Sales bonus / KPI test team / 2026-10-01 - 2026-10-31")
        # the title and breadcrumbs in the reader's date format (the stored name stays ISO)
        self.assertEqual(sheet.with_user(self.officer).display_name,
                         "Sales bonus / KPI test team / 10/01/2026 - 10/31/2026")
        # a typed start moves the end with it
        form = Form(sheet)
        form.date_from = datetime.date(2026, 9, 1)
        self.assertEqual(form.date_to.isoformat(), "2026-09-30")
        # a quarterly scheme: the quarter just ended
        quarterly = self.scheme.copy({"name": "Quarterly bonus", "period": "quarter"})
        form = Form(self.env["kpi.bonus.sheet"].with_user(self.officer))
        form.scheme_id = quarterly
        self.assertEqual((form.period_type, form.date_from.isoformat(), form.date_to.isoformat()),
                         ("quarter", "2026-07-01", "2026-09-30"))

    def test_only_the_manager_approver_is_offered_the_manager_approval(self):
        """HR saw "Approve (Manager)" on a sheet waiting for the manager, a button that could
        only refuse them."""
        sheet = self.new_sheet(period_type="month", date_from="2026-10-01")
        sheet.with_user(self.officer).action_compute()
        self.assertFalse(sheet.with_user(self.manager).is_manager_approver)  # still a draft
        sheet.with_user(self.officer).action_submit_anyway()
        offered = {user.login: sheet.with_user(user).is_manager_approver
                   for user in (self.officer, self.hr, self.manager)}
        self.assertEqual(offered, {self.officer.login: False, self.hr.login: False,
                                   self.manager.login: True})
        sheet.with_user(self.manager).action_approve_manager()
        sheet.invalidate_recordset()
        self.assertFalse(sheet.with_user(self.manager).is_manager_approver)

    def test_an_approved_sheet_keeps_its_period(self):
        """The computed start never moves a sheet past its draft."""
        self.won_lead(self.salesman, utc(days=-3), revenue=110000)
        sheet = self.new_sheet(period_type="month", date_from="2026-10-01")
        sheet.with_user(self.officer).action_compute()
        self.approve(sheet)
        sheet.invalidate_recordset()
        self.assertEqual(sheet.date_from.isoformat(), "2026-10-01")
        self.assertEqual(sheet.with_user(self.hr).action_export_xlsx()["target"], "new")

    def test_each_user_lands_where_their_work_is(self):
        Result = self.env["kpi.result"]
        self.rule_volume.evaluate()
        cases = ((self.salesman, "kpi_management.kpi_result_action_my_kpis"),
                 (self.officer, "kpi_management.kpi_bonus_sheet_action"),
                 (self.other_manager, "kpi_management.kpi_result_action_team"),
                 (self.assessor, "kpi_management.kpi_result_action"))
        for user, xmlid in cases:
            action = Result.with_user(user)._landing_action()
            self.assertEqual(action["id"], self.env.ref(xmlid).id, user.login)
        root = self.env.ref("kpi_management.kpi_menu_root")
        self.assertEqual(root.action, self.env.ref("kpi_management.kpi_action_landing"))
