"""The delivery KPIs in the period scores, the bonus sheets and the estimate: measured over the
exact period like every past-window KPI, their targets kept (a % and an average in days are not
scaled to a period's length as a count would be), the estimate's hint in days.

The salesperson's deliveries (Copenhagen):

* 20 October 09:00, promised for the 22nd, delivered on the 28th at 09:00: late, 8 days and
  an hour (summer time ended in between: durations are exact);
* 2 November 09:00, promised for the 10th, delivered on the 9th at 09:00: on time, 7 days;
* 12 November 09:00, promised for the 13th, delivered on the 17th at 09:00: late, 5 days.

November (1 - 22): 50% on time, 6 days; the 30-day window of 23 November (24 October - 22
November) also has the October order: 33.33%, 6.68 days.
"""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.tools import bonus_engine, calendar
from odoo.tests import new_test_user

from .common import NOW, TODAY, TZ, DeliveryCase, local

D = datetime.date


@freeze_time(NOW)
class TestDeliveryBonus(DeliveryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, login="kpi_d_officer", tz=TZ,
                                    groups="base.group_user,kpi_management.group_kpi_bonus_officer")
        cls.manager = new_test_user(
            cls.env, login="kpi_d_manager", tz=TZ,
            groups="sales_team.group_sale_salesman_all_leads,kpi_management.group_kpi_manager")
        cls.team = cls.env["crm.team"].create({
            "name": "Delivery team", "user_id": cls.manager.id,
            "crm_team_member_ids": [Command.create({"user_id": user.id})
                                    for user in cls.salesman | cls.salesman2],
        })
        cls.on_time = cls.make_rule("on_time_delivery", name="On-time delivery")
        cls.fulfilment = cls.make_rule("fulfilment_time", name="Fulfilment time")
        cls.scheme = cls.env["kpi.bonus.scheme"].create({
            "name": "Customer service", "profile_ids": [Command.set(cls.profile.ids)],
            "base_amount": 1000, "period": "month",
            "line_ids": [Command.create({"rule_id": cls.on_time.id, "weight": 50}),
                         Command.create({"rule_id": cls.fulfilment.id, "weight": 50})],
        })

    def setUp(self):
        super().setUp()
        for confirmed, promise, done in (
                (local(2026, 10, 20, 9), local(2026, 10, 22, 12), local(2026, 10, 28, 9)),
                (local(2026, 11, 2, 9), local(2026, 11, 10, 12), local(2026, 11, 9, 9)),
                (local(2026, 11, 12, 9), local(2026, 11, 13, 12), local(2026, 11, 17, 9))):
            order = self.order(self.salesman, confirmed, commitment=promise)
            self.deliver(self.delivery(order), done)
        self.rules = self.on_time | self.fulfilment
        for day in (D(2026, 11, 10), D(2026, 11, 20), TODAY):
            self.rules.evaluate(date=day)

    def test_the_daily_result_is_the_window(self):
        on_time, fulfilment = (self.result(rule, self.salesman) for rule in self.rules)
        self.assertEqual((round(on_time.value, 2), len(on_time.record_ids)), (33.33, 3))
        self.assertEqual((fulfilment.value, fulfilment.target), (6.68, 4))

    def test_period_scores_measure_the_period_and_keep_the_targets(self):
        Period = self.env["kpi.period.result"]
        for rule in self.rules:
            for period_type in ("month", "week"):
                Period._store_periods(rule, period_type, calendar.periods_between(
                    D(2026, 11, 1), TODAY, period_type), now=NOW)

        def row(rule, period_type, date_from):
            return Period.search([("rule_id", "=", rule.id), ("user_id", "=", self.salesman.id),
                                  ("period_type", "=", period_type),
                                  ("date_from", "=", date_from)])

        november = row(self.on_time, "month", D(2026, 11, 1))
        self.assertEqual((november.value, november.target, november.method), (50, 95, "period"))
        self.assertEqual(len(november.record_ids), 2)
        november = row(self.fulfilment, "month", D(2026, 11, 1))
        self.assertEqual((november.value, november.target, november.score), (6, 4, 66.67))
        # the week of 16 - 22 November: the late delivery of the 17th, 5 days; the target of a
        # 30-day window is the week's too (a count's would be 7/30 of it)
        week = row(self.fulfilment, "week", D(2026, 11, 16))
        self.assertEqual((week.value, week.target), (5, 4))
        self.assertNotIn(self.fulfilment.unit, bonus_engine.ADDITIVE_UNITS)
        week = row(self.on_time, "week", D(2026, 11, 16))
        self.assertEqual((week.value, week.target, week.status), (0, 95, "off_track"))

    def test_bonus_sheet(self):
        sheet = self.env["kpi.bonus.sheet"].with_user(self.officer).create({
            "scheme_id": self.scheme.id, "team_id": self.team.id, "period_type": "custom",
            "date_from": D(2026, 11, 1), "date_to": D(2026, 11, 22)})
        sheet.with_user(self.officer).action_compute()
        line = sheet.line_ids.filtered(lambda line: line.user_id == self.salesman)
        figures = {d.rule_id: (d.value, d.target, d.score, d.no_data) for d in line.detail_ids}
        self.assertEqual(figures[self.on_time], (50, 95, 52.63, False))
        self.assertEqual(figures[self.fulfilment], (6, 4, 66.67, False))
        self.assertEqual(line.total_score, round((52.63 + 66.67) / 2, 2))
        # nothing delivered by the colleague: no data on both, no score to share
        other = sheet.line_ids.filtered(lambda line: line.user_id == self.salesman2)
        self.assertEqual(other.detail_ids.mapped("no_data"), [True, True])
        self.assertEqual(other.total_score, 0)

    def test_estimate(self):
        """November so far: the share and the average hold their values to the month's end;
        the hint says how many days less pay more."""
        estimate = next(e for e in self.env["kpi.bonus.scheme"].with_user(
            self.salesman).get_bonus_estimate() if e["scheme"] == "Customer service")
        lines = {line["rule_id"]: line for line in estimate["lines"]}
        on_time, fulfilment = lines[self.on_time.id], lines[self.fulfilment.id]
        self.assertEqual((on_time["value"], on_time["target"], on_time["unit"]),
                         (50, 95, "percent"))
        self.assertEqual((fulfilment["value"], fulfilment["target"], fulfilment["unit"]),
                         (6, 4, "days"))
        self.assertEqual(fulfilment["forecast"]["value"], 6)
        self.assertIn("Fulfilment time: 2 days less", fulfilment["hint"]["text"])
