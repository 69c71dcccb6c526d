"""The demo's sales orders, deliveries and invoices, built by ``make demo``
(``scripts/dev.sh``) when this addon is installed, before the KPI history is computed from
them: demo only, never called by the module itself.

Each step goes through Odoo's own paths at the moment it happens in the story (the clock
frozen with ``freezegun``, which Odoo's requirements install), so Odoo dates everything
itself:

* the salesperson creates and confirms the order (``sale.order.date_order``: the
  confirmation; the deadline of its delivery, ``stock.picking.date_deadline``: the order's
  *Delivery Date* when one is promised, else the confirmation plus the products' customer
  lead time, :data:`LEAD_DAYS`);
* the warehouse (``admin``) validates the delivery (``date_done``): all of it, or part of it
  with a backorder for the rest, validated later;
* Accounting (``admin``) invoices what was delivered at once: a posted customer invoice
  dated the day of the delivery (the products are invoiced on delivered quantities);
* once, goods come back: a return (the return type, not a delivery) and its credit note,
  dated the day of the return.

:func:`plan` is the story, :func:`schedule` puts its steps in time order relative to today,
:func:`orders` runs them; :func:`bonus_sheet` makes the sheet of the month just ended of the
scheme *Sales bonus (orders and deliveries)* (``kpi_sale_stock_demo.xml``).

The story (days before today; the customer lead time is 4 days):

* Lars Nielsen (``kpi_sales2_demo``, profile *Sales (orders and deliveries)*) confirms an
  order of about 4,500 every three days with his six customers for 150 days, 12% more every
  30 days; his *minimum contract*, an order of 21,000 and more with a Delivery Date ten days
  out (made to measure), came 147, 117, 87, 42 and 12 days ago: none for 45 days in between,
  when his sales fell on the month before and then rose as much. Most deliveries leave in 1
  to 4 days; late: those of the orders of 137 and 95 days ago, the backorder of the order of
  77 days ago (shipped in two parts, as was the one of 17 days ago, on time), and two in the
  last 30 days (of the orders of 26 and 14 days ago); 2 jackets of the order of 47 days ago came back and were
  credited. The order of 8 days ago is still to ship, late; the one of 2 days ago is not due
  yet. Today (``tests/test_demo.py``): sales +10.54% on the previous 30 days, 1 minimum
  contract, 9 of 11 deliveries on time (81.82%), 4.07 days from confirmation to delivery.
* Sofie Jensen (``kpi_sales_demo``, on the CRM profile *Sales*) has a few orders, delivered
  in 2 or 3 days, and one still to deliver: the team's order screens are not Lars's alone, and
  none of her KPIs reads them.

Running it again does nothing: the builder's orders carry a customer reference starting with
:data:`REF_PREFIX`, and when any exists the story is not told twice (its dates are relative to
the day it was first told).
"""

import dataclasses
import datetime
import logging

import pytz
from freezegun import freeze_time

from odoo import Command, fields
from odoo.addons.kpi_management.demo import builder as core_builder
from odoo.addons.kpi_management.tools import calendar

_logger = logging.getLogger(__name__)

#: the customer reference (``sale.order.client_order_ref``) of the builder's orders starts
#: with it: how the builder finds its own orders
REF_PREFIX = "KPI-DEMO-"
#: the customer lead time of the builder's products (``sale_delay``): an order without a
#: Delivery Date is promised for its confirmation plus these days
LEAD_DAYS = 4
#: the builder's products: key -> (internal reference, name, sales price, cost)
PRODUCTS = {
    "jacket": ("KPI-DEMO-JACKET", "Work jacket", 450.0, 210.0),
    "trousers": ("KPI-DEMO-TROUSERS", "Work trousers", 300.0, 130.0),
    "boots": ("KPI-DEMO-BOOTS", "Safety boots S3", 900.0, 470.0),
    "vest": ("KPI-DEMO-VEST", "Hi-vis vest", 100.0, 35.0),
}
#: the quantity of each product counted in stock the day before the first order
STOCK = 5000
#: the local hours the deliveries are validated and the returns received
DELIVERY_HOUR = 14
RETURN_HOUR = 10
#: the demo's salespeople and their customers (``kpi_management``'s demo data), by key
DEMO_SELLERS = {
    "sales2": "kpi_management.kpi_user_sales2_demo",
    "sales": "kpi_management.kpi_user_sales_demo",
}
DEMO_CUSTOMERS = {
    "sales2": tuple("kpi_management.kpi_partner_%s_demo" % n for n in range(10, 16)),
    "sales": tuple("kpi_management.kpi_partner_%s_demo" % n for n in range(4, 10)),
}
#: the kinds of :class:`Step`, in the order steps at the same time run
CONFIRM, SHIP, RETURN = "confirm", "ship", "return"


@dataclasses.dataclass(frozen=True)
class Shipment:
    """A delivery of an order, validated ``after`` days after the confirmation at
    :data:`DELIVERY_HOUR`: ``share`` of each line (the rest to a backorder), all that is left
    when None."""

    after: int
    share: float | None = None


@dataclasses.dataclass(frozen=True)
class Return:
    """``qty`` of ``product`` sent back ``after`` days after the order's last delivery, at
    :data:`RETURN_HOUR`, and credited."""

    after: int
    product: str
    qty: int


@dataclasses.dataclass(frozen=True)
class PlannedOrder:
    """An order of the story: confirmed ``days_ago`` days before today at ``hour`` (local) by
    the salesperson ``seller`` for their customer number ``customer``, ``lines`` ((product key,
    quantity), ...), with a Delivery Date ``promise`` days after the confirmation (else the
    lead time), delivered in ``shipments`` (none: still to deliver), and maybe ``returned``."""

    number: int
    seller: str
    customer: int
    days_ago: int
    hour: int
    lines: tuple
    promise: int | None = None
    shipments: tuple = ()
    returned: Return | None = None

    @property
    def ref(self):
        return "%s%03d" % (REF_PREFIX, self.number)

    @property
    def promised_after(self):
        """Days from the confirmation to the day promised."""
        return LEAD_DAYS if self.promise is None else self.promise


@dataclasses.dataclass(frozen=True)
class Step:
    """One step of the story at ``at`` (naive UTC): ``kind`` of ``order``; ``index``: the
    shipment's, for :data:`SHIP`."""

    at: datetime.datetime
    kind: str
    order: PlannedOrder
    index: int = 0

    def local_date(self, tz):
        return local_date(self.at, tz)


#: the regular orders, cycled: quantities at the start of the story (4,500 each)
_PATTERNS = (
    (("jacket", 6), ("trousers", 6)),
    (("boots", 4), ("vest", 9)),
    (("jacket", 6), ("vest", 18)),
    (("trousers", 9), ("boots", 2)),
)
#: the days of delivery of Lars's regular orders, cycled (all within the lead time)
_DELAYS = (2, 3, 1, 4, 3, 2, 3, 4)
#: Lars's late deliveries: days ago of the order -> days to its delivery
_LATE = {137: 6, 95: 7, 26: 5, 14: 6}
#: Lars's orders shipped in two parts, and the one returned in part
_SPLIT = {77: (Shipment(2, 0.5), Shipment(6)), 17: (Shipment(1, 0.6), Shipment(4))}
_RETURNED = {47: Return(5, "jacket", 2)}
#: Lars's minimum contracts: days ago (promised in 10 days, delivered in 9), quantities at the
#: start of the story (21,000), growing as his regular orders
_LARGE = (147, 117, 87, 42, 12)
_LARGE_LINES = (("jacket", 24), ("trousers", 24), ("vest", 30))
#: Lars's orders not delivered yet: days ago
_OPEN = (8, 2)
#: Sofie's orders: days ago, delivered 2 or 3 days later; the last one not yet
_SOFIE = (110, 92, 73, 55, 38, 24, 11, 1)
#: the first of Lars's orders (days ago), and how much more he sells every 30 days
_START = 149
_GROWTH = 1.12
_HOURS = (9, 10, 11, 13, 14, 15)


def _grown(lines, days_ago):
    """``lines`` with their quantities grown by :data:`_GROWTH` per 30 days since
    :data:`_START`."""
    factor = _GROWTH ** ((_START - days_ago) / 30)
    return tuple((product, max(1, round(qty * factor))) for product, qty in lines)


def plan():
    """The story's orders (:class:`PlannedOrder`), numbered in order of confirmation."""
    rows = []
    for n, days_ago in enumerate(range(_START, 1, -3)):
        if days_ago in _OPEN:
            shipments = ()
        elif days_ago in _SPLIT:
            shipments = _SPLIT[days_ago]
        else:
            shipments = (Shipment(_LATE.get(days_ago, _DELAYS[n % len(_DELAYS)])),)
        rows.append(PlannedOrder(
            0, "sales2", n % 6, days_ago, _HOURS[n % len(_HOURS)],
            _grown(_PATTERNS[n % len(_PATTERNS)], days_ago), shipments=shipments,
            returned=_RETURNED.get(days_ago)))
    for n, days_ago in enumerate(_LARGE):
        rows.append(PlannedOrder(0, "sales2", (n * 5 + 2) % 6, days_ago, 16,
                                 _grown(_LARGE_LINES, days_ago), promise=10,
                                 shipments=(Shipment(9),)))
    for n, days_ago in enumerate(_SOFIE):
        rows.append(PlannedOrder(
            0, "sales", n % 6, days_ago, _HOURS[(n + 2) % len(_HOURS)],
            _PATTERNS[n % len(_PATTERNS)],
            shipments=() if days_ago == _SOFIE[-1] else (Shipment(2 + n % 2),)))
    rows.sort(key=lambda row: (-row.days_ago, row.hour, row.seller))
    return [dataclasses.replace(row, number=n) for n, row in enumerate(rows, start=1)]


def local_date(at, tz):
    """The day of ``at`` (naive UTC) in the timezone ``tz``."""
    return pytz.utc.localize(at).astimezone(pytz.timezone(tz)).date()


def local_time(day, hour, tz):
    """Naive UTC of ``hour``:00 on ``day`` in the timezone ``tz``."""
    return pytz.timezone(tz).localize(datetime.datetime.combine(day, datetime.time(hour))) \
        .astimezone(pytz.utc).replace(tzinfo=None)


def schedule(planned, now, zones):
    """The steps of the ``planned`` orders in time order: each confirmed on the local day
    ``days_ago`` before ``now`` (naive UTC) in its seller's timezone (``zones``: {seller key:
    tz}). Every step is in the past: a story whose step is not is refused."""
    steps = []
    for order in planned:
        tz = zones[order.seller]
        day = local_date(now, tz) - datetime.timedelta(days=order.days_ago)
        steps.append(Step(local_time(day, order.hour, tz), CONFIRM, order))
        last = None
        for index, shipment in enumerate(order.shipments):
            last = day + datetime.timedelta(days=shipment.after)
            steps.append(Step(local_time(last, DELIVERY_HOUR, tz), SHIP, order, index))
        if order.returned:
            steps.append(Step(local_time(last + datetime.timedelta(days=order.returned.after),
                                         RETURN_HOUR, tz), RETURN, order))
    late = [step for step in steps if step.at >= now]
    if late:
        raise ValueError("The demo's %s of %s is not in the past" % (late[0].kind,
                                                                     late[0].order.ref))
    kinds = (CONFIRM, SHIP, RETURN)
    return sorted(steps, key=lambda s: (s.at, kinds.index(s.kind), s.order.number, s.index))


def orders(env, sellers=None, customers=None, operator=None):
    """Tell the story of :func:`plan` up to now: ``sellers`` ({key: res.users}) confirm the
    orders for their ``customers`` ({key: [res.partner]}), ``operator`` (a res.users) delivers,
    invoices and credits. By default the demo's users and customers and ``admin``. Does
    nothing when the builder's orders exist already, or without the demo data.

    :return: the builder's orders (sale.order)."""
    SaleOrder = env["sale.order"].sudo()
    existing = SaleOrder.search([("client_order_ref", "=like", REF_PREFIX + "%")])
    if existing:
        return existing
    sellers = sellers or {key: env.ref(xmlid, raise_if_not_found=False)
                          for key, xmlid in DEMO_SELLERS.items()}
    customers = customers or {key: [env.ref(xmlid, raise_if_not_found=False) for xmlid in ids]
                              for key, ids in DEMO_CUSTOMERS.items()}
    operator = operator or env.ref("base.user_admin", raise_if_not_found=False)
    if not (all(sellers.values()) and all(all(c) for c in customers.values()) and operator):
        return SaleOrder
    zones = {key: user.tz or "UTC" for key, user in sellers.items()}
    steps = schedule(plan(), fields.Datetime.now(), zones)
    products = _products(env, steps[0].at - datetime.timedelta(days=1))
    made = {}
    with freeze_time(steps[0].at) as clock:  # one freeze moved along: starting one is slow
        for step in steps:
            clock.move_to(step.at)
            if step.kind == CONFIRM:
                made[step.order.number] = _confirm(env, step, sellers, customers, products)
            elif step.kind == SHIP:
                _ship(made[step.order.number], step, zones, operator)
            else:
                _return(made[step.order.number], step, zones, operator, products)
    env.flush_all()
    return SaleOrder.browse([order.id for order in made.values()])


def _products(env, at):
    """The builder's products (:data:`PRODUCTS`), storable, invoiced on delivery, with their
    customer lead time; those created are counted in stock (:data:`STOCK`) at ``at``."""
    Product = env["product.product"].sudo()
    products, new = {}, Product
    for key, (code, name, price, cost) in PRODUCTS.items():
        product = Product.search([("default_code", "=", code)], limit=1)
        if not product:
            product = Product.create({
                "name": name, "default_code": code, "type": "consu", "is_storable": True,
                "invoice_policy": "delivery", "sale_delay": LEAD_DAYS, "list_price": price,
                "standard_price": cost,
            })
            new |= product
        products[key] = product
    if new:
        warehouse = env["stock.warehouse"].sudo().search(
            [("company_id", "=", env.company.id)], limit=1)
        with freeze_time(at):
            env["stock.quant"].sudo().with_context(inventory_mode=True).create([
                {"product_id": product.id, "location_id": warehouse.lot_stock_id.id,
                 "inventory_quantity": STOCK} for product in new
            ]).action_apply_inventory()
    return products


def _confirm(env, step, sellers, customers, products):
    """The salesperson creates and confirms the order now."""
    planned = step.order
    seller = sellers[planned.seller]
    vals = {
        "partner_id": customers[planned.seller][planned.customer].id,
        "user_id": seller.id,
        "client_order_ref": planned.ref,
        "order_line": [Command.create({"product_id": products[key].id, "product_uom_qty": qty})
                       for key, qty in planned.lines],
    }
    if planned.promise is not None:
        vals["commitment_date"] = step.at + datetime.timedelta(days=planned.promise)
    order = env["sale.order"].with_user(seller).create(vals)
    order.action_confirm()
    return order.sudo()


def _ship(order, step, zones, operator):
    """``operator`` validates the order's open delivery now (a share of it, the rest to a
    backorder, or all that is left) and invoices what was delivered."""
    shipment = step.order.shipments[step.index]
    picking = order.picking_ids.filtered(
        lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel"))
    picking = picking.with_user(operator)
    picking.ensure_one()
    picking.action_assign()
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty if shipment.share is None \
            else round(move.product_uom_qty * shipment.share)
        move.picked = True
    picking.with_context(skip_backorder=True).button_validate()
    _invoice(order, step, zones, operator)


def _return(order, step, zones, operator, products):
    """``operator`` receives the goods sent back from the order's last delivery now and
    credits them."""
    returned = step.order.returned
    picking = order.picking_ids.filtered(
        lambda p: p.picking_type_code == "outgoing" and p.state == "done").sorted("date_done")[-1]
    wizard = order.env["stock.return.picking"].with_user(operator).create(
        {"picking_id": picking.id})
    line = wizard.product_return_moves.filtered(
        lambda line: line.product_id == products[returned.product])
    line.write({"quantity": returned.qty, "to_refund": True})
    receipt = order.env["stock.picking"].with_user(operator).browse(
        wizard.action_create_returns()["res_id"])
    for move in receipt.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    receipt.button_validate()
    _invoice(order, step, zones, operator, final=True)


def _invoice(order, step, zones, operator, final=False):
    """``operator`` invoices what the order has to invoice (a credit note for what came back:
    ``final``), dated today in the seller's timezone, and posts it."""
    move = order.with_user(operator)._create_invoices(final=final)
    move.invoice_date = step.local_date(zones[step.order.seller])
    move.action_post()
    return move


def bonus_sheet(env):
    """The sheet of the month just ended of the scheme *Sales bonus (orders and deliveries)*
    for the demo team, made as the core demo makes its own (``kpi_management``'s
    ``demo/builder.py``, ``bonus_sheet``): created, computed and submitted by HR, waiting for
    the team manager's approval; left as it is when it exists. After the history
    (``builder.backfill``): the sheet reads the days its employees were recorded in the team.

    :return: the sheet (empty without the demo data, or when it cannot be made: logged)."""
    scheme = env.ref("kpi_management_sale_stock.kpi_bonus_scheme_orders_demo",
                     raise_if_not_found=False)
    team = env.ref("kpi_management.kpi_team_demo", raise_if_not_found=False)
    if not (scheme and team):
        return env["kpi.bonus.sheet"]
    today = fields.Date.context_today(env["kpi.bonus.sheet"])
    last_month = calendar.last_period(today, calendar.MONTH)[0]
    return core_builder.bonus_sheet(env, scheme, team, last_month)
