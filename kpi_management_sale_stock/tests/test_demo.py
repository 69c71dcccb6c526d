"""The demo with Sales and Inventory: the orders, deliveries and invoices ``make demo`` makes
(``demo/builder.py``) and the scheme of the source's 30/30/40 shape
(``demo/kpi_sale_stock_demo.xml``).

The bridges' test database has no demo data: the builder runs here for test salespeople (one
in Copenhagen, one in New York) and their customers at the frozen clock of ``common``, and
its documents are checked against its plan and the KPIs of the demo's rules against their
definitions computed from that plan; then the demo's XML files (kpi_management's and this
addon's) are loaded as the demo installs them, and the builder makes the demo's sheet.
"""

import datetime
import math
from collections import Counter
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.addons.kpi_management.demo import builder as core_builder
from odoo.addons.kpi_management.tools import bonus_math, calendar
from odoo.addons.kpi_management_sale_stock.demo import builder
from odoo.tests import TransactionCase, new_test_user
from odoo.tools.convert import convert_file

from .common import NOW, NY, TODAY, TZ

DAY = datetime.timedelta(days=1)
#: the demo rules' minimum contract (kpi_sale_stock_demo.xml)
MIN_AMOUNT = 15000
#: the demo's XML files, in the order the demo installs them
DEMO_FILES = (
    ("kpi_management", "demo/kpi_demo.xml"),
    ("kpi_management", "demo/kpi_bonus_demo.xml"),
    ("kpi_management_sale_stock", "demo/kpi_sale_stock_demo.xml"),
)


def amount(planned):
    """The untaxed amount of a planned order at the builder's prices."""
    return sum(builder.PRODUCTS[key][2] * qty for key, qty in planned.lines)


def expected(steps, seller, tz, day, window=30):
    """The KPIs of ``seller`` (a key of the plan) evaluated on ``day`` over ``window`` past
    days, from the definitions (``measures``, ``kpi_management_sale``) applied to the planned
    ``steps``: {code: value, None for no data}."""
    first, last = day - window * DAY, day - DAY
    confirmed = {s.order.number: s for s in steps if s.kind == builder.CONFIRM}
    mine = [s for s in steps if s.order.seller == seller]
    done = [s for s in mine if s.kind == builder.SHIP and first <= s.local_date(tz) <= last]
    on_time = [s.local_date(tz) <= confirmed[s.order.number].local_date(tz)
               + s.order.promised_after * DAY for s in done]
    # an order counts in the window of its last delivery, once it delivered all the rest;
    # exact days, rounded half up to 2 decimals as PostgreSQL rounds a numeric
    complete = [Fraction(int((s.at - confirmed[s.order.number].at).total_seconds()), 86400)
                for s in done if s.index == len(s.order.shipments) - 1
                and s.order.shipments[-1].share is None]

    def sold(start, end):
        return [amount(s.order) for s in mine
                if s.kind == builder.CONFIRM and start <= s.local_date(tz) <= end]

    now, before = sum(sold(first, last)), sum(sold(first - window * DAY, first - DAY))
    return {
        "on_time_delivery": 100.0 * sum(on_time) / len(on_time) if on_time else None,
        "fulfilment_time": math.floor(sum(complete) / len(complete) * 100 + Fraction(1, 2)) / 100
        if complete else None,
        "large_orders": sum(1 for a in sold(first, last) if a >= MIN_AMOUNT),
        "sales_confirmed_growth_pct": round(100.0 * (now - before) / before, 2)
        if before > 0 else None,
    }


class TestDemoPlan(TransactionCase):
    """The story itself, before anything is made of it."""

    def test_every_exception_is_one_of_the_regular_orders(self):
        """A late, split, returned or open day that is not a regular order's would be
        silently ignored; the returned product is one the order sold."""
        regular = set(range(builder._START, 1, -3))
        for days in (builder._LATE, builder._SPLIT, builder._RETURNED, builder._OPEN):
            self.assertLessEqual(set(days), regular)
        plan = builder.plan()
        for planned in plan:
            if planned.returned:
                self.assertIn(planned.returned.product, dict(planned.lines))
                self.assertTrue(planned.shipments)
            if planned.shipments:
                self.assertIsNone(planned.shipments[-1].share)
        self.assertEqual([p.number for p in plan], list(range(1, len(plan) + 1)))
        self.assertEqual(len({p.ref for p in plan}), len(plan))

    def test_only_the_large_orders_reach_the_minimum_contract(self):
        plan = builder.plan()
        large = [p for p in plan if amount(p) >= MIN_AMOUNT]
        self.assertEqual(sorted(p.days_ago for p in large), sorted(builder._LARGE))
        self.assertEqual({p.seller for p in large}, {"sales2"})
        self.assertTrue(all(p.promise == 10 for p in large))

    def test_every_step_is_past_whatever_the_time_of_day(self):
        zones = {"sales2": TZ, "sales": NY}
        for now in (datetime.datetime(2026, 11, 23, 0, 1), datetime.datetime(2026, 11, 23, 23, 59),
                    datetime.datetime(2026, 3, 29, 1, 30)):  # the night summer time starts
            steps = builder.schedule(builder.plan(), now, zones)
            self.assertLess(steps[-1].at, now)
            self.assertEqual([s.at for s in steps], sorted(s.at for s in steps))
        late = builder.PlannedOrder(number=1, seller="sales2", customer=0, days_ago=1, hour=9,
                                    lines=(("vest", 1),), shipments=(builder.Shipment(3),))
        with self.assertRaisesRegex(ValueError, "not in the past"):
            builder.schedule([late], NOW, zones)


@freeze_time(NOW)
class TestDemoOrders(TransactionCase):
    """The builder for two test salespeople: Odoo's documents as planned, the delivery and
    sales KPIs of the demo's rules as their definitions give them from the plan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True,
                                       mail_create_nolog=True, mail_notrack=True))
        cls.profile = cls.env["kpi.profile"].create({"name": "Orders (demo test)"})
        cls.sellers = {
            "sales2": cls._seller("kpi_demo_t_lars", TZ),
            "sales": cls._seller("kpi_demo_t_sofie", NY),
        }
        cls.zones = {"sales2": TZ, "sales": NY}
        cls.customers = {key: cls.env["res.partner"].create([
            {"name": "%s customer %s" % (key, n), "is_company": True} for n in range(6)])
            for key in cls.sellers}
        cls.operator = new_test_user(
            cls.env, login="kpi_demo_t_operator",
            groups="sales_team.group_sale_salesman_all_leads,stock.group_stock_user,"
                   "account.group_account_invoice")
        cls.steps = builder.schedule(builder.plan(), NOW, cls.zones)
        cls.orders = builder.orders(cls.env, cls.sellers, cls.customers, cls.operator)
        cls.by_ref = {order.client_order_ref: order for order in cls.orders}
        templates = {code: cls.env.ref(xmlid) for code, xmlid in (
            ("sales_confirmed_growth_pct",
             "kpi_management_sale.kpi_template_sales_confirmed_growth_pct"),
            ("large_orders", "kpi_management_sale.kpi_template_large_orders"),
            ("on_time_delivery", "kpi_management_sale_stock.kpi_template_on_time_delivery"),
            ("fulfilment_time", "kpi_management_sale_stock.kpi_template_fulfilment_time"))}
        cls.rules = cls.env["kpi.rule"].create([{
            "name": code, "template_id": template.id, "window_days": 30,
            "min_amount": MIN_AMOUNT if code == "large_orders" else 0,
            "profile_ids": [Command.set(cls.profile.ids)],
        } for code, template in templates.items()])

    @classmethod
    def _seller(cls, login, tz):
        user = new_test_user(cls.env, login=login, tz=tz,
                             groups="sales_team.group_sale_salesman")
        user.kpi_profile_id = cls.profile
        return user

    def planned(self, kind):
        return [step for step in self.steps if step.kind == kind]

    def outgoing(self, order):
        return order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")

    def test_orders_confirmed_as_planned(self):
        confirmations = self.planned(builder.CONFIRM)
        self.assertEqual(len(self.orders), len(confirmations))
        for step in confirmations:
            order = self.by_ref[step.order.ref]
            seller = self.sellers[step.order.seller]
            self.assertEqual((order.state, order.user_id, order.date_order),
                             ("sale", seller, step.at))
            self.assertEqual(order.partner_id,
                             self.customers[step.order.seller][step.order.customer])
            self.assertAlmostEqual(order.amount_untaxed, amount(step.order))
            # the promise: Odoo's deadline, from the Delivery Date or the lead time
            promised = step.local_date(self.zones[step.order.seller]) \
                + step.order.promised_after * DAY
            for picking in self.outgoing(order):
                self.assertEqual(builder.local_date(picking.date_deadline,
                                                    self.zones[step.order.seller]), promised)

    def test_deliveries_done_as_planned(self):
        shipped = Counter()
        for step in self.planned(builder.SHIP):
            shipped[step.order.ref] += 1
        for step in self.planned(builder.CONFIRM):
            planned = step.order
            pickings = self.outgoing(self.by_ref[planned.ref]).sorted("id")
            done = pickings.filtered(lambda p: p.state == "done")
            self.assertEqual(len(done), shipped[planned.ref])
            self.assertEqual(done.mapped("date_done"), [
                s.at for s in self.planned(builder.SHIP) if s.order is planned])
            # a share shipped leaves a backorder, delivered by the next shipment
            self.assertEqual(len(pickings), max(len(planned.shipments), 1))
            for first, second in zip(pickings, pickings[1:], strict=False):
                self.assertEqual(second.backorder_id, first)
            self.assertEqual(len(pickings) - len(done), 0 if planned.shipments else 1)
        split = [step.order for step in self.planned(builder.CONFIRM)
                 if len(step.order.shipments) > 1]
        self.assertEqual(len(split), len(builder._SPLIT))

    def test_invoiced_at_delivery_and_credited_at_the_return(self):
        for step in self.planned(builder.SHIP):
            order = self.by_ref[step.order.ref]
            tz = self.zones[step.order.seller]
            invoice = order.invoice_ids.filtered(
                lambda m, s=step, z=tz: m.move_type == "out_invoice"
                and m.invoice_date == s.local_date(z))
            self.assertEqual(len(invoice), 1)
            self.assertEqual(invoice.state, "posted")
        (back,) = self.planned(builder.RETURN)
        order = self.by_ref[back.order.ref]
        credit = order.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual((credit.state, credit.invoice_date),
                         ("posted", back.local_date(self.zones[back.order.seller])))
        line = credit.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        self.assertEqual((line.product_id.default_code, line.quantity),
                         (builder.PRODUCTS[back.order.returned.product][0],
                          back.order.returned.qty))
        receipt = order.picking_ids.filtered(lambda p: p.picking_type_code == "incoming")
        self.assertEqual((receipt.state, receipt.date_done), ("done", back.at))
        # everything delivered is invoiced, net of what came back
        delivered = self.orders.filtered(lambda o: o.picking_ids.filtered(
            lambda p: p.state == "done"))
        self.assertEqual(set(delivered.mapped("invoice_status")), {"invoiced"})
        self.assertEqual(len(self.orders.invoice_ids), len(self.planned(builder.SHIP)) + 1)

    def test_kpis_are_what_the_definitions_give_from_the_plan(self):
        """Every 10 days of the 90-day history and today, both salespeople (the one in New
        York on her local days)."""
        for back in range(0, 91, 10):
            day = TODAY - back * DAY
            self.rules.evaluate(date=day)
            for key, user in self.sellers.items():
                want = expected(self.steps, key, self.zones[key], day)
                for rule in self.rules:
                    result = self.env["kpi.result"].search([
                        ("rule_id", "=", rule.id), ("user_id", "=", user.id),
                        ("date", "=", day)])
                    with self.subTest(day=day, seller=key, kpi=rule.name):
                        if want[rule.name] is None:
                            self.assertEqual(result.status, "no_data")
                        else:
                            self.assertAlmostEqual(result.value, want[rule.name], places=2)

    def test_the_story_today(self):
        """What the README and the builder tell of Lars's KPIs today: sales up 10.54% on the
        previous 30 days with one minimum contract, 9 of 11 deliveries on time (a warning
        against 95%), 4.07 days to deliver (a warning against 4); one late delivery still to
        ship."""
        self.assertEqual(expected(self.steps, "sales2", TZ, TODAY), {
            "sales_confirmed_growth_pct": 10.54, "large_orders": 1,
            "on_time_delivery": 100 * 9 / 11, "fulfilment_time": 4.07})
        lars = self.sellers["sales2"]
        late = self.env["stock.picking"].search([
            ("sale_id.user_id", "=", lars.id), ("state", "not in", ("done", "cancel")),
            ("picking_type_code", "=", "outgoing"),
            ("date_deadline", "<", fields.Datetime.now())])
        self.assertEqual(late.sale_id.client_order_ref, next(
            s.order.ref for s in self.planned(builder.CONFIRM)
            if s.order.days_ago == 8 and s.order.seller == "sales2"))

    def test_run_again_nothing_is_added(self):
        counts = [self.env[model].search_count([]) for model in
                  ("sale.order", "stock.picking", "account.move", "product.product")]
        again = builder.orders(self.env, self.sellers, self.customers, self.operator)
        self.assertEqual(again, self.orders)
        self.assertEqual(counts, [self.env[model].search_count([]) for model in
                                  ("sale.order", "stock.picking", "account.move",
                                   "product.product")])


class TestDemoScheme(TransactionCase):
    """The demo's XML files loaded as ``make demo`` installs them (the real clock: its dates
    are relative to today), then the demo's orders and the sheet of the month just ended."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for module, name in DEMO_FILES:
            convert_file(cls.env, module, name, {}, mode="init", noupdate=True)
        cls.scheme = cls.env.ref("kpi_management_sale_stock.kpi_bonus_scheme_orders_demo")
        cls.profile = cls.env.ref("kpi_management_sale_stock.kpi_profile_orders_demo")
        cls.lars = cls.env.ref("kpi_management.kpi_user_sales2_demo")
        cls.sofie = cls.env.ref("kpi_management.kpi_user_sales_demo")

    def test_the_source_shape_and_no_manual_kpi(self):
        """Increase sales volume 30, new clients 30 (new clients, minimum contract), customer
        service 40 (on-time delivery, fulfilment time, response time): the lines' sequence
        gives the group; every KPI is a rule."""
        lines = self.scheme.line_ids
        self.assertEqual(set(lines.mapped("kind")), {bonus_math.KIND_RULE})
        weights, measures = Counter(), {}
        for line in lines:
            weights[line.sequence // 10] += line.weight
            measures.setdefault(line.sequence // 10, set()).add(line.rule_id.measure)
        self.assertEqual(dict(weights), {1: 30, 2: 30, 3: 40})
        self.assertEqual(measures, {
            1: {"sales_confirmed_growth_pct"},
            2: {"new_clients", "large_orders"},
            3: {"on_time_delivery", "fulfilment_time", "response_time"},
        })
        self.assertEqual((self.scheme.base_amount, self.scheme.profile_ids),
                         (10000, self.profile))
        self.assertEqual(self.scheme.approver_id,
                         self.env.ref("kpi_management.kpi_user_director_demo"))
        self.scheme._check_ready()  # every rule applies to the scheme's profile
        self.assertEqual(lines.rule_id.profile_ids & self.profile, self.profile)
        large = lines.rule_id.filtered(lambda rule: rule.measure == "large_orders")
        self.assertEqual((large.min_amount, large.target, large.window_days),
                         (MIN_AMOUNT, 1, 30))

    def test_one_salesperson_runs_the_funnel_the_other_the_crm(self):
        self.assertEqual(self.lars.kpi_profile_id, self.profile)
        sales = self.env.ref("kpi_management.kpi_profile_sales_demo")
        self.assertEqual(self.sofie.kpi_profile_id, sales)
        self.assertEqual(len(self.profile.rule_ids), 6)
        for xmlid in ("kpi_rule_new_clients_demo", "kpi_rule_response_time_demo"):
            rule = self.env.ref("kpi_management." + xmlid)
            self.assertEqual(rule.profile_ids, sales | self.profile)
        # the core demo's scheme keeps its manual "Customer service" for the CRM profile
        core = self.env.ref("kpi_management.kpi_bonus_scheme_sales_demo")
        self.assertEqual(core.profile_ids, sales)
        self.assertIn(bonus_math.KIND_MANUAL, core.line_ids.mapped("kind"))

    def test_the_demo_sheet(self):
        """The demo's orders, the history of the month just ended, then the sheet: computed
        by HR with Odoo's figures for every KPI, nothing to assess, waiting for the team
        manager."""
        orders = builder.orders(self.env)
        self.assertEqual(len(orders), len(builder.plan()))
        self.assertEqual(set(orders.user_id.mapped("login")),
                         {"kpi_sales2_demo", "kpi_sales_demo"})
        today = fields.Date.context_today(self.env["kpi.bonus.sheet"])
        last_month = calendar.last_period(today, calendar.MONTH)[0]
        rules = self.scheme.line_ids.rule_id
        for day in (last_month, last_month + relativedelta(day=31), today):
            rules.evaluate(date=day)
        sheet = builder.bonus_sheet(self.env)
        self.assertEqual((sheet.state, sheet.date_from, sheet.team_id),
                         ("to_approve", last_month, self.env.ref("kpi_management.kpi_team_demo")))
        self.assertFalse(sheet.assessment_ids)
        self.assertEqual(sheet.line_ids.user_id, self.lars)
        details = sheet.line_ids.detail_ids
        self.assertEqual(details.rule_id, rules)
        measured = details.filtered(lambda d: d.rule_id.measure in (
            "sales_confirmed_growth_pct", "on_time_delivery", "fulfilment_time"))
        self.assertFalse(any(measured.mapped("no_data")))
        self.assertGreater(sheet.line_ids.total_score, 0)
        # made once: the builder leaves it as it is
        self.assertEqual(builder.bonus_sheet(self.env), sheet)
        self.assertEqual(core_builder.bonus_sheet(self.env, self.scheme, sheet.team_id,
                                                  last_month), sheet)
