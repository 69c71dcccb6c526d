"""Money in one currency (issue 19): amount measures convert each deal to the currency of the
rule's company, else of the user's main company, at the rate of its won date.

The clock is frozen on Monday 23 November 2026, 11:00 in Copenhagen (see test_templates). Two
companies: KPI US (USD) and KPI EU (EUR); each holds its own rates (no other rate of USD or
EUR exists here), as Odoo keeps them: units of the currency per unit of the company's:

* KPI US: 1 USD = 0.50 EUR from 1 January 2026, 0.80 EUR from 10 November 2026;
* KPI EU: 1 EUR = 2.00 USD from 1 January 2026, 1.25 USD from 10 November 2026.

The salesman works in both, KPI US first (his main company); salesman2 too, KPI EU first. A
30-day window evaluated today is [24 Oct, 23 Nov) local; its previous period [24 Sep, 24 Oct).
"""

import datetime

from freezegun import freeze_time

from odoo import Command

from .common import NOW, TODAY, KpiCase, local

NBSP = "\N{NO-BREAK SPACE}"
#: the day the rates change
RATE_CHANGE = datetime.date(2026, 11, 10)


@freeze_time(NOW)
class CurrencyCase(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.env.ref("base.USD")
        cls.eur = cls.env.ref("base.EUR")
        (cls.usd | cls.eur).active = True
        cls.us = cls.env["res.company"].create({"name": "KPI US", "currency_id": cls.usd.id})
        cls.eu = cls.env["res.company"].create({"name": "KPI EU", "currency_id": cls.eur.id})
        Rate = cls.env["res.currency.rate"]
        Rate.search([("currency_id", "in", (cls.usd | cls.eur).ids)]).unlink()
        for company, currency, before, after in ((cls.us, cls.eur, 0.5, 0.8),
                                                 (cls.eu, cls.usd, 2.0, 1.25)):
            Rate.create([
                {"name": datetime.date(2026, 1, 1), "rate": before,
                 "currency_id": currency.id, "company_id": company.id},
                {"name": RATE_CHANGE, "rate": after,
                 "currency_id": currency.id, "company_id": company.id},
            ])
        both = [Command.set((cls.us | cls.eu).ids)]
        cls.salesman.write({"company_ids": both, "company_id": cls.us.id})
        cls.salesman2.write({"company_ids": both, "company_id": cls.eu.id})

    def deal(self, user, company, day, revenue, **vals):
        """A deal of ``user`` in ``company`` won at noon (local) of ``day``."""
        return self.won_lead(user, local(day.year, day.month, day.day, 12), revenue,
                             company_id=company.id, **vals)

    def money(self, amount, currency):
        text = f"{amount:,.0f}"
        return ("%s%s%s" % (text, NBSP, currency.symbol) if currency.position == "after"
                else "%s%s%s" % (currency.symbol, NBSP, text))


class TestConversion(CurrencyCase):
    def test_rule_of_every_company_in_the_users_main_currency(self):
        """The issue's case: 1,000 USD and 1,000 EUR won by the salesman (main company in
        USD), at 2 USD per EUR on the EUR deal's won date: $ 3,000, 100% of $ 3,000 (the old
        sum, 2,000, scored 66.67%)."""
        rule = self.make_rule("won_revenue", target=3000, window_days=30, company_id=False)
        self.deal(self.salesman, self.us, datetime.date(2026, 11, 20), 1000)
        self.deal(self.salesman, self.eu, datetime.date(2026, 11, 5), 1000)
        rule.evaluate(users=self.salesman)
        result = self.result(rule, self.salesman)
        self.assertAlmostEqual(result.value, 3000)
        self.assertEqual((result.score, result.status), (100.0, "reached"))
        self.assertEqual(result.value_display, "%s / %s" % (self.money(3000, self.usd),
                                                            self.money(3000, self.usd)))

    def test_the_rate_of_each_deals_won_date(self):
        """1,000 EUR before the change (2 USD each) and 400 EUR after it (1.25 USD each):
        2,000 + 500, not 1,400 x 1.25 at today's rate."""
        rule = self.make_rule("won_revenue", target=5000, window_days=30, company_id=False)
        self.deal(self.salesman, self.eu, RATE_CHANGE - datetime.timedelta(days=1), 1000)
        self.deal(self.salesman, self.eu, RATE_CHANGE, 400)
        rule.evaluate(users=self.salesman)
        self.assertAlmostEqual(self.result(rule, self.salesman).value, 2500)

    def test_main_company_in_eur_and_rule_of_the_eur_company(self):
        """salesman2's main company is in EUR: a rule of every company converts his 1,000 USD
        to 500 EUR at KPI EU's rate (1 EUR = 2 USD on 5 November) and shows euros, whatever
        company he works in; a rule of KPI EU counts the EUR deal only, in euros."""
        rule = self.make_rule("won_revenue", target=3000, window_days=30, company_id=False)
        rule_eu = self.make_rule("won_revenue", target=2000, window_days=30,
                                 company_id=self.eu.id, name="Won revenue EU")
        self.deal(self.salesman2, self.us, datetime.date(2026, 11, 5), 1000)
        self.deal(self.salesman2, self.eu, datetime.date(2026, 11, 20), 1000)
        (rule | rule_eu).evaluate(users=self.salesman2)
        result = self.result(rule, self.salesman2)
        self.assertAlmostEqual(result.value, 1500)
        self.assertEqual(result.score, 50.0)
        self.assertEqual(result.value_display, "%s / %s" % (self.money(1500, self.eur),
                                                            self.money(3000, self.eur)))
        eu = self.result(rule_eu, self.salesman2)
        self.assertEqual((eu.value, eu.score), (1000, 50.0))
        self.assertEqual(eu.value_display, "%s / %s" % (self.money(1000, self.eur),
                                                        self.money(2000, self.eur)))
        # My KPIs, the user working in KPI US: both cards in euros
        Result = self.env["kpi.result"].with_user(self.salesman2).with_context(
            allowed_company_ids=(self.us | self.eu).ids)
        self.assertEqual(Result.env.company, self.us)
        cards = Result.get_my_kpis()["cards"]
        self.assertEqual({c["rule_id"]: c["currency_id"] for c in cards},
                         {rule.id: self.eur.id, rule_eu.id: self.eur.id})
        # a period score of the rule of every company: euros too
        period = self.env["kpi.period.result"].create({
            "rule_id": rule.id, "user_id": self.salesman2.id, "period_type": "month",
            "date_from": datetime.date(2026, 11, 1), "date_to": datetime.date(2026, 11, 30),
            "value": 1500, "target": 3000, "score": 50, "status": "off_track",
        })
        self.assertEqual(period.value_display, "%s / %s" % (self.money(1500, self.eur),
                                                            self.money(3000, self.eur)))
        # the reminder states the gap in euros
        self.assertIn("%s more" % self.money(1500, self.eur),
                      result._reminder_texts()[result.id][1])

    def test_net_profit(self):
        """600 USD and 600 EUR of net profit (1,000 - 400 cost price): $ 1,800."""
        rule = self.make_rule("net_profit", target=1800, window_days=30, company_id=False)
        self.deal(self.salesman, self.us, datetime.date(2026, 11, 20), 1000, cost_price=400)
        self.deal(self.salesman, self.eu, datetime.date(2026, 11, 5), 1000, cost_price=400)
        rule.evaluate(users=self.salesman)
        result = self.result(rule, self.salesman)
        self.assertAlmostEqual(result.value, 1800)
        self.assertEqual(result.score, 100.0)

    def test_open_pipeline_at_the_rate_of_the_evaluation_day(self):
        """Open: 1,000 USD and 1,000 EUR, today 1.25 USD per EUR: $ 2,250."""
        rule = self.make_rule("open_pipeline", target=4500, company_id=False)
        for company in (self.us, self.eu):
            self.env["crm.lead"].create({
                "name": "Open", "type": "opportunity", "user_id": self.salesman.id,
                "expected_revenue": 1000, "company_id": company.id,
                "stage_id": self.stage_new.id})
        rule.evaluate(users=self.salesman)
        result = self.result(rule, self.salesman)
        self.assertAlmostEqual(result.value, 2250)
        self.assertEqual(result.score, 50.0)

    def test_growth_and_its_baseline(self):
        """Baseline: 500 EUR won on 1 October = $ 1,000; now 1,000 USD + 1,000 EUR = $ 3,000:
        a growth of $ 2,000, 200% (summed as stored: 1,500 and 300%)."""
        amount = self.make_rule("won_revenue_growth", target=2000, window_days=30,
                                company_id=False)
        percent = self.make_rule("won_revenue_growth_pct", target=100, window_days=30,
                                 company_id=False)
        self.deal(self.salesman, self.eu, datetime.date(2026, 10, 1), 500)
        self.deal(self.salesman, self.us, datetime.date(2026, 11, 20), 1000)
        self.deal(self.salesman, self.eu, datetime.date(2026, 11, 5), 1000)
        (amount | percent).evaluate(users=self.salesman)
        growth = self.result(amount, self.salesman)
        self.assertEqual((round(growth.value, 2), round(growth.baseline, 2), growth.score),
                         (2000, 1000, 100.0))
        self.assertEqual(growth.value_display, "+%s / +%s, baseline %s" % (
            self.money(2000, self.usd), self.money(2000, self.usd), self.money(1000, self.usd)))
        pct = self.result(percent, self.salesman)
        self.assertEqual((pct.value, round(pct.baseline, 2)), (200.0, 1000))

    def test_large_deals_compare_the_converted_amount(self):
        """A minimum of $ 1,500: the 1,000 EUR deal ($ 2,000) is large, the 1,000 USD one
        is not."""
        rule = self.make_rule("large_deals", target=1, window_days=30, company_id=False,
                              min_amount=1500)
        share = self.make_rule("large_deals_share", target=50, window_days=30,
                               company_id=False, min_amount=1500)
        self.deal(self.salesman, self.us, datetime.date(2026, 11, 20), 1000)
        big = self.deal(self.salesman, self.eu, datetime.date(2026, 11, 5), 1000)
        (rule | share).evaluate(users=self.salesman)
        result = self.result(rule, self.salesman)
        self.assertEqual((result.value, result.record_ids), (1, big.ids))
        self.assertEqual(self.result(share, self.salesman).value, 50.0)


class TestSetBased(CurrencyCase):
    def count_queries(self, rules):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        rules.evaluate()
        return self.env.cr.sql_log_count - before

    def test_query_count_does_not_grow_with_users_in_other_currencies(self):
        rules = self.env["kpi.rule"]
        for code in ("won_revenue", "net_profit", "open_pipeline", "won_revenue_growth",
                     "large_deals"):
            rules |= self.make_rule(code, target=5, company_id=False,
                                    **({"min_amount": 100} if code == "large_deals" else {}))
        self.deal(self.salesman, self.eu, datetime.date(2026, 11, 5), 1000)
        self.count_queries(rules)  # warm-up: caches of templates and fields
        few = self.count_queries(rules)
        for i in range(10):
            user = self._user("kpi_t_cur_%s" % i, self.profile_sales)
            main = self.eu if i % 2 else self.us
            user.write({"company_ids": [Command.set((self.us | self.eu).ids)],
                        "company_id": main.id})
            self.deal(user, self.eu, datetime.date(2026, 11, 5), 1000)
            self.deal(user, self.us, datetime.date(2026, 10, 5), 1000)
        many = self.count_queries(rules)
        self.assertEqual(self.env["kpi.result"].search_count(
            [("rule_id", "in", rules.ids), ("date", "=", TODAY)]), len(rules) * 12)
        self.assertEqual(many, few, "queries with 2 users: %s, with 12 users: %s" % (few, many))
        # the users in EUR measured in EUR, the others in USD
        won = rules[0]
        self.assertAlmostEqual(self.result(won, self.salesman).value, 2000)
        self.assertAlmostEqual(self.result(won, user).value, 1000)  # KPI EU: 1,000 EUR


