"""My Bonus Estimate's forecast by kind of KPI, early in a month: honest on day 4 as on day 25.

The clock is frozen on Friday 4 December 2026, 11:00 in Copenhagen (day 4 of 31).
"""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.addons.kpi_management.tools import bonus_math

from .bonus_common import BonusCase
from .common import local

D = datetime.date
DEC4 = datetime.datetime(2026, 12, 4, 10, 0, 0)
# 1 December 00:00 in Copenhagen to 4 December 11:00: 3 days and 11 hours
ELAPSED = 3 + 11 / 24


@freeze_time(DEC4)
class TestForecastByKind(BonusCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.conversion = cls.make_rule("conversion_rate", name="Conversion", target=50,
                                       window_days=30)
        cls.scheme_month = cls.env["kpi.bonus.scheme"].create({
            "name": "Monthly", "profile_ids": [Command.set(cls.profile_sales.ids)],
            "base_amount": 1000, "period": "month",
            "line_ids": [Command.create({"rule_id": cls.rule_volume.id, "weight": 50}),
                         Command.create({"rule_id": cls.conversion.id, "weight": 50})],
        })

    def estimate(self):
        estimates = self.env["kpi.bonus.scheme"].with_user(self.salesman).get_bonus_estimate()
        estimate = next(p for p in estimates if p["scheme"] == "Monthly")
        return estimate, {line["name"]: line for line in estimate["lines"]}

    def test_a_deal_on_the_first_is_not_multiplied_by_the_month(self):
        """One deal of 612 on 1 December and no previous month measured: the forecast is what
        is measured (was 612 x 31 / 3.46 = 5,483)."""
        self.won_lead(self.salesman, local(2026, 12, 1, 9), revenue=612)
        estimate, lines = self.estimate()
        volume = lines["Sales volume"]
        self.assertEqual((volume["value"], volume["forecast"]["value"]), (612, 612))
        self.assertIn("not extrapolated", volume["forecast"]["note"])
        self.assertIn("day 4 of 31", estimate["forecast"]["note"])

    def test_the_pace_leans_on_the_previous_months(self):
        """Measured since 1 September at 100 a day (9,100 over 91 days): on day 4 the forecast
        blends the 612 so far with that pace."""
        self.env["kpi.result"].create({
            "rule_id": self.rule_volume.id, "user_id": self.salesman.id, "date": D(2026, 9, 1),
            "value": 0, "target": 110000, "score": 0, "team_id": self.team.id,
            "profile_id": self.profile_sales.id})
        self.won_lead(self.salesman, local(2026, 10, 15, 12), revenue=9100)
        self.won_lead(self.salesman, local(2026, 12, 1, 9), revenue=612)
        _estimate, lines = self.estimate()
        forecast = lines["Sales volume"]["forecast"]
        expected = bonus_math.cumulative_forecast(612, ELAPSED, 31, previous=(9100, 91))
        self.assertAlmostEqual(forecast["value"], expected.value, places=2)
        # near the previous pace (100 a day x 31 = 3,100), far from 612 x 31 / 3.46 = 5,483
        self.assertTrue(3100 < forecast["value"] < 612 * 31 / ELAPSED)
        self.assertIn("previous 91 days", forecast["note"])

    def test_a_ratio_holds_its_value(self):
        """A conversion rate of 50% is a ratio: it is not multiplied by days (was 50 x 31 /
        3.46 = 448%, capped at 200)."""
        self.won_lead(self.salesman, local(2026, 12, 2, 9), revenue=10)
        lost = self.lost_lead(self.salesman, local(2026, 12, 2, 10))
        lost.kpi_date_won = False
        _estimate, lines = self.estimate()
        conversion = lines["Conversion"]
        self.assertEqual(conversion["value"], 50)
        self.assertEqual((conversion["forecast"]["value"], conversion["forecast"]["score"]),
                         (50, 100))
        self.assertIn("held", conversion["forecast"]["note"])
