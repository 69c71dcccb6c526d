"""Dates are nobody's choice (issue 19): the date a deal was won and the first day of a
roll-out step decide which bonus period pays what; no salesperson chooses the first, nobody
backdates the second, and no context key a client can send opens either guard, nor the
approval of a bonus sheet."""

import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .bonus_common import PERIOD_FROM, PERIOD_TO, BonusCase
from .common import NOW, TZ, KpiCase

D = datetime.date
#: Friday 4 December 2026, 10:00 UTC: the day the salesperson records the deal
DEC_4 = datetime.datetime(2026, 12, 4, 10, 0, 0)
#: the closing date he sends with it, in November (already paid or about to be)
NOV_25 = datetime.datetime(2026, 11, 25, 12, 0, 0)


@freeze_time(DEC_4)
class TestWonDateGuard(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a KPI administrator who also works in CRM (imports the deals won before Odoo)
        cls.importer = new_test_user(
            cls.env, login="kpi_t_importer", tz=TZ,
            groups="sales_team.group_sale_salesman_all_leads,kpi_management.group_kpi_admin")

    def create_lead(self, user=None, **vals):
        return self.env["crm.lead"].with_user(user or self.salesman).create({
            "name": vals.pop("name", "Deal"), "type": "opportunity",
            "user_id": self.salesman.id, "stage_id": self.stage_new.id, **vals,
        })

    def assertWonNow(self, lead):
        self.assertEqual(lead.won_status, "won")
        self.assertEqual(lead.kpi_date_won, DEC_4)

    # ------------------------------------------------------------- salesperson
    def test_salesperson_creating_a_won_deal_with_a_past_closing_date_wins_it_now(self):
        lead = self.create_lead(stage_id=self.stage_won.id, date_closed=NOV_25)
        self.assertWonNow(lead)

    def test_salesperson_writing_the_stage_wins_now(self):
        lead = self.create_lead()
        lead.write({"stage_id": self.stage_won.id, "date_closed": NOV_25})
        self.assertWonNow(lead)

    def test_salesperson_marking_won_after_writing_the_closing_date_wins_now(self):
        lead = self.create_lead()
        lead.write({"date_closed": NOV_25})
        lead.action_set_won()
        self.assertWonNow(lead)

    def test_salesperson_closing_date_from_the_context_wins_now(self):
        lead = self.env["crm.lead"].with_user(self.salesman).with_context(
            default_date_closed=NOV_25).create({
                "name": "Deal", "type": "opportunity", "user_id": self.salesman.id,
                "stage_id": self.stage_won.id})
        self.assertWonNow(lead)

    def test_salesperson_import_wins_now(self):
        result = self.env["crm.lead"].with_user(self.salesman).load(
            ["name", "type", "user_id/.id", "stage_id/.id", "date_closed"],
            [["Imported", "opportunity", str(self.salesman.id), str(self.stage_won.id),
              "2026-11-25 12:00:00"]])
        self.assertFalse(result["messages"])
        self.assertWonNow(self.env["crm.lead"].browse(result["ids"]))

    def test_salesperson_cannot_set_the_won_date_from_the_context(self):
        Lead = self.env["crm.lead"].with_user(self.salesman).with_context(
            default_kpi_date_won=NOV_25)
        with self.assertRaises(AccessError):
            Lead.create({"name": "Deal", "type": "opportunity", "user_id": self.salesman.id,
                         "stage_id": self.stage_won.id})

    def test_salesperson_cannot_set_the_won_date_by_a_personal_default(self):
        """Any internal user may store a default of their own (``ir.default``), which Odoo
        writes as if it were given: no back-dated deal through it."""
        self.env["ir.default"].with_user(self.salesman).set(
            "crm.lead", "kpi_date_won", "2024-01-31 10:00:00", user_id=True)
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.salesman).create({
                "name": "Deal", "type": "opportunity", "user_id": self.salesman.id,
                "stage_id": self.stage_won.id})

    def test_merge_does_not_date_a_deal(self):
        """crm's merge keeps the head's stage and dates (``date_closed`` and the won date are
        not merged): a won deal keeps its won date, a merged lead is won when it is won."""
        won = self.create_lead(name="Won in November")
        with freeze_time(NOV_25):
            won.action_set_won()
        self.assertEqual(won.kpi_date_won, NOV_25)
        pending = self.create_lead(name="Pending", expected_revenue=5000)
        merged = (won | pending).with_user(self.salesman).merge_opportunity()
        self.assertEqual((merged, merged.kpi_date_won), (won, NOV_25))
        # a lead with a November closing date, merged, then marked won: won now
        lead = self.create_lead(name="Dated")
        lead.write({"date_closed": NOV_25})
        merged = (lead | self.create_lead(name="Other")).with_user(
            self.salesman).merge_opportunity()
        merged.action_set_won()
        self.assertWonNow(merged)

    # ---------------------------------------------------------- administrator
    def test_kpi_administrator_keeps_the_closing_date_of_a_deal_won_before(self):
        lead = self.create_lead(user=self.importer, stage_id=self.stage_won.id,
                                date_closed=NOV_25)
        self.assertEqual(lead.kpi_date_won, NOV_25)
        result = self.env["crm.lead"].with_user(self.importer).load(
            ["name", "type", "user_id/.id", "stage_id/.id", "date_closed"],
            [["Imported", "opportunity", str(self.salesman.id), str(self.stage_won.id),
              "2026-11-25 12:00:00"]])
        self.assertFalse(result["messages"])
        lead = self.env["crm.lead"].browse(result["ids"])
        self.assertEqual(lead.kpi_date_won, lead.date_closed)
        self.assertLess(lead.kpi_date_won, DEC_4 - datetime.timedelta(days=8))
        # without a closing date of its own, a deal won now is won now
        lead = self.create_lead(user=self.importer)
        lead.action_set_won()
        self.assertWonNow(lead)


@freeze_time(DEC_4)
class TestRolloutDateGuard(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule("meetings_planned", name="Meetings", target=10,
                                 window_days=14)

    def step(self, day, **vals):
        return {"rule_id": self.rule.id, "team_id": self.team.id, "mode": "pilot",
                "date": day, **vals}

    def test_install_mode_does_not_backdate_a_step(self):
        Rollout = self.env["kpi.rule.rollout"].with_user(self.kpi_admin).with_context(
            install_mode=True)
        with self.assertRaises(ValidationError):
            Rollout.create(self.step(D(2026, 11, 1)))
        with self.assertRaises(ValidationError):
            self.rule.with_user(self.kpi_admin).with_context(install_mode=True)._set_team_mode(
                self.team, "pilot", D(2026, 11, 1))
        self.assertFalse(self.rule.rollout_ids)

    def test_context_timezone_does_not_move_today_back(self):
        """Copenhagen's 2 December at 9:00 is 1 December in UTC-12: the decider's own
        timezone says what today is."""
        Rollout = self.env["kpi.rule.rollout"].with_user(self.kpi_admin)
        with freeze_time(datetime.datetime(2026, 12, 2, 8, 0)):
            with self.assertRaises(ValidationError):
                Rollout.with_context(tz="Etc/GMT+12").create(self.step(D(2026, 12, 1)))
            self.assertEqual(Rollout.create(self.step(D(2026, 12, 2))).date, D(2026, 12, 2))

    def test_context_default_date_is_checked(self):
        Rollout = self.env["kpi.rule.rollout"].with_user(self.kpi_admin).with_context(
            default_date=D(2026, 11, 1))
        with self.assertRaises(ValidationError):
            Rollout.create({"rule_id": self.rule.id, "team_id": self.team.id, "mode": "pilot"})

    def test_module_data_may_hold_a_history(self):
        """The demo's roll-out history: data files are loaded as superuser (the loader no
        longer needs the ``install_mode`` key)."""
        step = self.env["kpi.rule.rollout"].with_context(install_mode=False)._load_records([{
            "xml_id": "kpi_management.kpi_rollout_history_test",
            "values": self.step(D(2026, 8, 1)),
        }])
        self.assertEqual((step.date, step.decided_uid), (D(2026, 8, 1), self.env.user))

    def test_import_does_not_backdate_a_step(self):
        """An import by a KPI administrator is a create like any other."""
        result = self.env["kpi.rule.rollout"].with_user(self.kpi_admin).with_context(
            install_mode=True).load(
            ["rule_id/.id", "team_id/.id", "mode", "date"],
            [[str(self.rule.id), str(self.team.id), "live", "2026-11-01"]])
        self.assertFalse(result["ids"])
        self.assertIn("cannot start in the past", str(result["messages"]))
        self.assertFalse(self.rule.rollout_ids)


@freeze_time(NOW)
class TestBonusSheetDefaults(BonusCase):
    def test_no_context_default_creates_an_approved_sheet(self):
        """Odoo writes a ``default_<field>`` of the context as if it were given: an officer
        must not create a sheet already approved, in anybody's name."""
        cases = (("default_state", "approved", "2026-08"),
                 ("default_approved_uid", self.hr.id, "2026-09"),
                 ("default_computed_at", NOW, "2026-10"))
        for key, value, month in cases:
            Sheet = self.env["kpi.bonus.sheet"].with_user(self.officer).with_context(
                **{key: value})
            with self.subTest(key), self.assertRaisesRegex(UserError, "by its buttons only"):
                Sheet.create({"scheme_id": self.scheme.id, "team_id": self.team.id,
                              "period_type": "month", "date_from": month + "-01"})
        # nor through a default of their own (ir.default), which Odoo writes as given too
        self.env["ir.default"].with_user(self.officer).set(
            "kpi.bonus.sheet", "state", "approved", user_id=True)
        with self.assertRaisesRegex(UserError, "by its buttons only"):
            self.env["kpi.bonus.sheet"].with_user(self.officer).create({
                "scheme_id": self.scheme.id, "team_id": self.team.id,
                "period_type": "month", "date_from": "2026-07-01"})
        self.env["ir.default"].with_user(self.officer).set(
            "kpi.bonus.sheet", "state", False, user_id=True)
        # the form's default state is a draft, and other defaults are welcome
        sheet = self.new_sheet(state="draft")
        self.assertEqual(sheet.state, "draft")
        sheet.unlink()
        sheet = self.env["kpi.bonus.sheet"].with_user(self.officer).with_context(
            default_state="draft", default_team_id=self.team.id).create({
                "scheme_id": self.scheme.id, "period_type": "custom",
                "date_from": PERIOD_FROM, "date_to": PERIOD_TO})
        self.assertEqual((sheet.state, sheet.team_id), ("draft", self.team))
