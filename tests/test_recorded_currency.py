"""A result shows and pays in the currency it was measured in, recorded on its day, never in
today's configuration (issue: a salesperson who moves to a company in another currency).

An amount KPI of every company is measured in the currency of the user's main company. Here the
salespeople's main company is KPI EU (EUR) in November and KPI US (USD) from 1 December, or the
reverse; their November results, period scores, cards, reminders, findings and bonus sheet keep
November's currency. The clock is frozen on Friday 4 December 2026, 11:00 in Copenhagen.

Rates, one a company, as Odoo keeps them (units of the currency per unit of the company's):
KPI US holds 1 USD = 0.80 EUR, KPI EU 1 EUR = 1.25 USD. The salesman won 1,000 EUR (a deal of
KPI EU, 10 November) and 1,000 USD (a deal of KPI US, 12 November): 1,800 EUR, or 2,250 USD.
"""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError

from .bonus_common import BonusCase
from .common import local

D = datetime.date
DEC4 = datetime.datetime(2026, 12, 4, 10, 0, 0)
NOV1, NOV15, NOV16, NOV30 = D(2026, 11, 1), D(2026, 11, 15), D(2026, 11, 16), D(2026, 11, 30)
NBSP = "\N{NO-BREAK SPACE}"


@freeze_time(DEC4)
class RecordedCurrencyCase(BonusCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd, cls.eur = cls.env.ref("base.USD"), cls.env.ref("base.EUR")
        (cls.usd | cls.eur).active = True
        cls.us = cls.env["res.company"].create({"name": "KPI US", "currency_id": cls.usd.id})
        cls.eu = cls.env["res.company"].create({"name": "KPI EU", "currency_id": cls.eur.id})
        Rate = cls.env["res.currency.rate"]
        Rate.search([("currency_id", "in", (cls.usd | cls.eur).ids)]).unlink()
        Rate.create([
            {"name": D(2026, 1, 1), "rate": 0.8, "currency_id": cls.eur.id,
             "company_id": cls.us.id},
            {"name": D(2026, 1, 1), "rate": 1.25, "currency_id": cls.usd.id,
             "company_id": cls.eu.id},
        ])
        cls.scheme.period = "month"
        cls.rule_volume.company_id = False  # a rule of every company: the user's currency
        cls.salespeople = cls.salesman | cls.salesman2
        cls.salespeople.write({"company_ids": [Command.link(cls.us.id), Command.link(cls.eu.id)]})
        cls.won_lead(cls.salesman, local(2026, 11, 10, 12), revenue=1000,
                     company_id=cls.eu.id)
        cls.won_lead(cls.salesman, local(2026, 11, 12, 12), revenue=1000,
                     company_id=cls.us.id)
        cls.money = {cls.eur: 1800, cls.usd: 2250}  # the salesman's November, 30-day window

    # ------------------------------------------------------------------ helpers
    def work_in(self, company):
        self.salespeople.write({"company_id": company.id})

    def evaluate(self, *days):
        for day in days:
            (self.rule_volume | self.rule_new).evaluate(date=day, users=self.salespeople)

    def november_in(self, before, after):
        """November's results evaluated with the salespeople's main company in currency
        ``before``, then their move to the company in currency ``after``."""
        companies = {self.eur: self.eu, self.usd: self.us}
        self.work_in(companies[before])
        self.evaluate(NOV1, NOV15, NOV30)
        self.work_in(companies[after])

    @staticmethod
    def shown(amount, currency):
        text = f"{amount:,.0f}"
        return ("%s%s%s" % (text, NBSP, currency.symbol) if currency.position == "after"
                else "%s%s%s" % (currency.symbol, NBSP, text))

    def scheme_in(self, currency):
        if self.scheme.currency_id == currency:
            return self.scheme
        return self.scheme.copy({"name": "Sales bonus (%s)" % currency.name,
                                 "currency_id": currency.id})

    def november_sheet(self, currency):
        sheet = self.env["kpi.bonus.sheet"].with_user(self.officer).create({
            "scheme_id": self.scheme_in(currency).id, "team_id": self.team.id,
            "period_type": "month", "date_from": NOV1})
        sheet.action_compute()
        return sheet


class TestResultsKeepTheirCurrency(RecordedCurrencyCase):
    def check_shown_in(self, before, after):
        self.november_in(before, after)
        amount = self.money[before]
        result = self.result(self.rule_volume, self.salesman, NOV30)
        self.assertAlmostEqual(result.value, amount)
        self.assertEqual(result.value_display, "%s / %s" % (self.shown(amount, before),
                                                            self.shown(110000, before)))
        self.assertEqual(result.currency_id, before)
        # the reminder of an off-track result states the gap in the recorded currency
        self.assertIn("%s more" % self.shown(110000 - amount, before),
                      result._reminder_texts()[result.id][1])
        # My KPIs: the card and the history of the rule
        Result = self.env["kpi.result"].with_user(self.salesman)
        cards = {card["rule_id"]: card for card in Result.get_my_kpis()["cards"]}
        self.assertEqual(cards[self.rule_volume.id]["currency_id"], before.id)
        self.assertFalse(cards[self.rule_new.id]["currency_id"])  # a count: no currency
        history = Result.get_kpi_history(self.rule_volume.id)
        self.assertEqual(history["rule"]["currency_id"], before.id)
        # a past day evaluated again is measured in the currency it recorded
        self.evaluate(NOV30)
        self.assertEqual((result.currency_id, round(result.value, 2)), (before, amount))
        # the preview of that day too
        preview = self.env["kpi.rule.preview"].with_user(self.kpi_admin).create({
            "rule_id": self.rule_volume.id, "user_id": self.salesman.id, "date": NOV30})
        preview.action_compute()
        self.assertEqual((round(preview.value, 2), preview.currency_id), (amount, before))
        self.assertEqual(preview.figures, result.value_display)
        # November's period score: measured over the period in November's currency
        periods = self.env["kpi.period.result"]
        periods.browse(periods._store_periods(self.rule_volume, "month", [(NOV1, NOV30)],
                                              now=DEC4))
        month = periods.search([("rule_id", "=", self.rule_volume.id),
                                ("user_id", "=", self.salesman.id), ("period_type", "=", "month"),
                                ("date_from", "=", NOV1)])
        self.assertEqual((month.currency_id, round(month.value, 2)), (before, amount))
        self.assertTrue(month.value_display.startswith(self.shown(amount, before)))
        # My KPIs' Periods tab: November (December has no score yet) in its currency
        tab = periods.with_user(self.salesman).get_my_periods("month")
        row = next(r for r in tab["rows"] if r["rule_id"] == self.rule_volume.id)
        self.assertEqual((row["currency_id"], row["current"]["currency_id"]),
                         (before.id, before.id))
        # a new day is measured in the new currency, and records it
        self.evaluate(D(2026, 12, 1))
        december = self.result(self.rule_volume, self.salesman, D(2026, 12, 1))
        self.assertEqual((december.currency_id, round(december.value, 2)),
                         (after, self.money[after]))

    def test_moved_from_eur_to_usd(self):
        self.check_shown_in(self.eur, self.usd)

    def test_moved_from_usd_to_eur(self):
        self.check_shown_in(self.usd, self.eur)

    def test_a_score_stored_without_a_currency_reads_in_todays(self):
        """A row stored without a currency (written by other code than the engine) falls back
        on today's configuration: the user's main company's currency."""
        self.work_in(self.eu)
        result = self.env["kpi.result"].create({
            "rule_id": self.rule_volume.id, "user_id": self.salesman.id, "date": NOV30,
            "value": 1000, "target": 2000, "score": 50, "status": "off_track"})
        self.assertFalse(result.currency_id)
        self.assertEqual(result._amount_currency(), self.eur)
        self.assertEqual(result.value_display, "%s / %s" % (self.shown(1000, self.eur),
                                                            self.shown(2000, self.eur)))


class TestSheetPaysInTheRecordedCurrency(RecordedCurrencyCase):
    def check_paid_in(self, before, after):
        self.november_in(before, after)
        # the scheme in today's currency is refused: November was measured in the other one
        with self.assertRaisesRegex(
                UserError, r"Sales volume of kpi_t_salesman\b.* was measured in %s over this "
                           r"period.* pays in %s" % (before.name, after.name)):
            self.november_sheet(after)
        # the scheme in November's currency pays it, measured in that currency
        sheet = self.november_sheet(before)
        self.assertEqual(sheet.currency_id, before)
        line = sheet.line_ids.filtered(lambda ln: ln.user_id == self.salesman)
        volume = line.detail_ids.filtered(lambda d: d.rule_id == self.rule_volume)
        self.assertAlmostEqual(volume.value, self.money[before])

    def test_moved_from_eur_to_usd(self):
        self.check_paid_in(self.eur, self.usd)

    def test_moved_from_usd_to_eur(self):
        self.check_paid_in(self.usd, self.eur)

    def test_two_currencies_in_the_period_are_refused(self):
        """The salespeople moved on 16 November: their days were measured in EUR, then in
        USD; no scheme pays them in one currency."""
        self.work_in(self.eu)
        self.evaluate(NOV1, NOV15)
        self.work_in(self.us)
        self.evaluate(NOV16, NOV30)
        for currency in (self.eur, self.usd):
            with self.assertRaisesRegex(UserError, r"Sales volume of kpi_t_salesman\b.* was "
                                                   r"measured in EUR, USD over the employee's"):
                self.november_sheet(currency)


class TestFindingKeepsItsCurrency(RecordedCurrencyCase):
    def test_the_suggested_target_in_the_currency_of_the_periods(self):
        """Two months below target measured in EUR; the salesman works in KPI US today: the
        finding's suggested target reads in euros."""
        Period = self.env["kpi.period.result"]
        for first, last in ((D(2026, 10, 1), D(2026, 10, 31)), (NOV1, NOV30)):
            Period.create({
                "rule_id": self.rule_volume.id, "user_id": self.salesman.id,
                "period_type": "month", "date_from": first, "date_to": last, "closed": True,
                "method": "period", "value": 1000, "target": 110000, "score": 0.91,
                "status": "off_track", "team_id": self.team.id, "currency_id": self.eur.id})
        self.work_in(self.us)
        self.env["kpi.discrepancy"]._analyse(self.rule_volume)
        finding = self.env["kpi.discrepancy"].search([("rule_id", "=", self.rule_volume.id),
                                                      ("user_id", "=", self.salesman.id)])
        self.assertEqual(finding.suggestion_facts["currency_id"], self.eur.id)
        self.assertIn(self.eur.symbol, finding.with_context(lang="en_US").suggestion_shown)
        self.assertNotIn(self.usd.symbol, finding.with_context(lang="en_US").suggestion_shown)
