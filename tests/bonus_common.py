"""Fixtures of the bonus tests: the source material's scheme on the KpiCase users.

Period: 24 October - 22 November 2026 (custom). With the clock on 23 November, a 30-day past
window evaluated today covers exactly [24 Oct, 23 Nov): the result dated 23 November is the
last evaluation of the period (see bonus_math).
"""

import datetime

import pytz

from odoo import Command
from odoo.tests import new_test_user

from .common import TZ, KpiCase, utc

PERIOD_FROM = datetime.date(2026, 10, 24)
PERIOD_TO = datetime.date(2026, 11, 22)


class BonusCase(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="kpi_t_officer", tz=TZ,
            groups="base.group_user,kpi_management.group_kpi_bonus_officer",
        )
        # the HR approval comes from another officer than the one who submitted
        cls.hr = new_test_user(
            cls.env, login="kpi_t_hr", tz=TZ,
            groups="base.group_user,kpi_management.group_kpi_bonus_officer",
        )
        cls.assessor = new_test_user(
            cls.env, login="kpi_t_assessor", tz=TZ,
            groups="base.group_user,kpi_management.group_kpi_user",
        )
        cls.other_manager = new_test_user(
            cls.env, login="kpi_t_manager2", tz=TZ,
            groups="sales_team.group_sale_salesman_all_leads,kpi_management.group_kpi_manager",
        )
        cls.env["crm.team"].create({"name": "Other team", "user_id": cls.other_manager.id})
        cls.team.crm_team_member_ids = [Command.create({"user_id": cls.salesman2.id})]
        cls.rule_volume = cls.make_rule("won_revenue", name="Sales volume", target=110000,
                                        window_days=30)
        cls.rule_new = cls.make_rule("new_clients", name="New clients", target=2,
                                     window_days=30)
        cls.scheme = cls.env["kpi.bonus.scheme"].create({
            "name": "Sales bonus",
            "profile_ids": [Command.set(cls.profile_sales.ids)],
            "base_amount": 10000,
            "assessor_ids": [Command.set(cls.assessor.ids)],
            "line_ids": [
                Command.create({"rule_id": cls.rule_volume.id, "weight": 30}),
                Command.create({"rule_id": cls.rule_new.id, "weight": 30}),
                Command.create({"kind": "manual", "name": "Customer service", "weight": 40,
                                "description": "On-time delivery 95%, fulfilment in 4 days, "
                                               "response within 8 hours."}),
            ],
        })
        cls.service = cls.scheme.line_ids.filtered(lambda line: line.kind == "manual")

    @staticmethod
    def local(*args):
        """Naive UTC of a Copenhagen wall-clock time."""
        tz = pytz.timezone(TZ)
        return tz.localize(datetime.datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)

    @classmethod
    def client(cls, name):
        return cls.env["res.partner"].create({"name": name, "is_company": True})

    def new_sheet(self, **vals):
        values = {"scheme_id": self.scheme.id, "team_id": self.team.id, **vals}
        if values.setdefault("period_type", "custom") == "custom":
            values.setdefault("date_from", PERIOD_FROM)
            values.setdefault("date_to", PERIOD_TO)
        return self.env["kpi.bonus.sheet"].with_user(self.officer).create(values)

    def computed_sheet(self, **vals):
        """A sheet of the bonus period computed by the officer, the salesman having won
        110,000 three days ago (the volume rule evaluated today)."""
        self.won_lead(self.salesman, utc(days=-3), revenue=110000)
        self.rule_volume.evaluate()
        sheet = self.new_sheet(**vals)
        sheet.with_user(self.officer).action_compute()
        return sheet

    def assess(self, sheet, user, assessor, score):
        return self.env["kpi.bonus.assessment"].with_user(assessor).create({
            "sheet_id": sheet.id, "scheme_line_id": self.service.id, "user_id": user.id,
            "score": score,
        })

    def approve(self, sheet):
        """Submit (missing figures acknowledged), manager approval, HR approval."""
        sheet.with_user(self.officer).action_submit_anyway()
        sheet.with_user(self.manager).action_approve_manager()
        sheet.with_user(self.hr).action_approve()
        return sheet
