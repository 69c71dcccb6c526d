"""The measures of deliveries: how each salesperson's orders are delivered (see
``kpi_management.tools.measures`` for what a measure is and how its SQL is written: one query for
all users, each user's window in their own timezone).

Words used below:

*the user's orders*
    sales orders whose salesperson (``sale.order.user_id``) is the user today (an order handed
    over to a colleague is the colleague's, as a lead is in the CRM measures) and that are
    confirmed (state ``sale``): a cancelled order counts nowhere, its deliveries done before the
    cancellation included. For a rule of one company, the orders of that company
    (``sale.order.company_id``).
*a delivery*
    a transfer (``stock.picking``) of an order (``sale_id``) whose operation type is a delivery
    (``picking_type_id.code`` = ``outgoing``) and whose destination is a customer location
    (``location_dest_id.usage`` = ``customer``). A return (a receipt, or a transfer of the
    delivery type sent back to stock when no return type is configured), the picking and
    packing steps of a delivery in two or three steps (internal transfers) and dropshipping
    (type ``dropship``) are not deliveries. Each backorder is a delivery of its own, with its
    own promise. A delivery is *done* when its state is ``done``, at its ``date_done`` (the
    time it was validated, UTC), which lies in the window when it is between the window's UTC
    bounds (the user's local midnights); a cancelled transfer is never done and never counts.
*the promise* of a delivery
    the date promised to the customer: Odoo's deadline of the delivery
    (``stock.picking.date_deadline``). sale_stock sets the deadline of each delivery move when
    the order is confirmed (``sale.order.line._prepare_procurement_values``): the order's
    *Delivery Date* (``commitment_date``) when one is set, else the line's expected date, the
    confirmation plus the product's customer lead time (``_expected_date``); the delivery's is
    the earliest of its moves' (shipping policy *As soon as possible*) or the latest (*When all
    products are ready*). It stays as promised: rescheduling the delivery moves its scheduled
    date, never its deadline; a backorder keeps the deadlines of the moves it takes over. Only
    a new promise to the customer moves it: a *Delivery Date* written on the order afterwards
    moves the deadline of the moves still open (``sale.order.write``), and that new date is
    then the promise; on an order without one, a customer lead time changed on a line moves
    the deadline of the line's moves (``_inverse_customer_lead``). A delivery without
    deadline (e.g. a transfer created by hand for the order, or goods sent again after a
    return, whose moves do not copy it) falls back on the order's *Delivery Date*, else on the
    expected date of the order lines it delivers (the order's confirmation plus their
    customer lead time: the earliest or the latest, by the delivery's shipping policy, as
    Odoo's deadline would have been); a delivery with none of these (no order line behind it)
    has no promise and is not measured.
*on time*
    done on or before the day of its promise, both days taken in the user's timezone (the
    timezone of the windows; an unknown timezone is UTC, as for the windows): a promise is a
    day told to a customer ("delivered by 15 March"), and the time Odoo keeps with it is only
    that of the order's confirmation or of a date picker, so a delivery validated in the
    afternoon of the promised day is on time.

Definitions:

``on_time_delivery``
    % of the user's orders' deliveries done in the window (and with a promise) that were done
    on time: ``100 x on time / done``; no data when none was done in the window. The records
    counted are all those deliveries (the population: the reminder says how many more
    deliveries on time reach the target, :func:`on_time_gap`). Its "to do" side is the user's
    orders' deliveries still open (neither done nor cancelled) whose promised day is over in
    the user's timezone, as of now: late deliveries still to ship (:func:`late_deliveries`).
    Not validating a late delivery keeps it out of the share, never out of the to-do list.
``fulfilment_time``
    average days from an order's confirmation (``sale.order.date_order``, which Odoo sets to
    the time of the confirmation) to its last delivery done, over the user's orders fully
    delivered in the window: every delivery of the order is done or cancelled, at least one
    is done, and the last one done (the latest ``date_done``) is in the window. Odoo's stored
    ``delivery_status`` is not used: its *Fully Delivered* also waits for the returns and the
    internal steps of the order's transfers, which the customer does not wait for. An order
    whose remaining quantities were cancelled (*No Backorder*) is complete with its last
    delivery done; one still partially delivered is not counted until its last delivery is
    done; a delivery done later (goods sent again after a return) makes the order counted
    again, in that window, at that date. Exact durations (not days of the calendar), never
    below 0, rounded to 2 decimals; lower is better; no data when no order was completed in
    the window. The records counted are those orders. Its "to do" side is the user's orders
    with a delivery still open, as of now: orders still to deliver (:func:`undelivered_orders`).
"""

import math
from fractions import Fraction

import pytz

from odoo import fields
from odoo.addons.kpi_management.tools.measures import (
    GapSentences,
    Measure,
    Todo,
    company_clause,
    in_span,
    windows_cte,
)
from odoo.addons.kpi_management.tools.scoring import WINDOW_PAST
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

#: the timezones a user's local day is taken in (``res.partner.tz``): those pytz knows, as the
#: windows (``scoring.local_midnight_utc``); any other is UTC
KNOWN_ZONES = sorted(pytz.all_timezones)

#: a delivery: the transfer ``p`` of a confirmed order ``so`` of the user, of a delivery type
#: (``pt``) to a customer location (``dl``), see the module's docstring
DELIVERY_JOINS = SQL(
    """JOIN stock_picking_type pt ON pt.id = p.picking_type_id AND pt.code = 'outgoing'
       JOIN stock_location dl ON dl.id = p.location_dest_id AND dl.usage = 'customer'""")

#: the promise of the delivery ``p`` of the order ``so`` (see the module's docstring): its
#: deadline, else the order's Delivery Date, else the expected date of the order lines it
#: delivers (PostgreSQL evaluates the subquery only for a delivery without the others)
PROMISE = SQL(
    """COALESCE(p.date_deadline, so.commitment_date, (
        SELECT CASE WHEN p.move_type = 'direct' THEN min(l.expected) ELSE max(l.expected) END
          FROM (SELECT so.date_order + COALESCE(sol.customer_lead, 0) * interval '1 day'
                       AS expected
                  FROM stock_move m JOIN sale_order_line sol ON sol.id = m.sale_line_id
                 WHERE m.picking_id = p.id) l))""")


def local_day(timestamp, zone):
    """SQL: the day of the UTC ``timestamp`` in the timezone ``zone`` (an SQL expression)."""
    return SQL("((%s AT TIME ZONE 'UTC') AT TIME ZONE %s)::date", timestamp, zone)


def user_zone(user):
    """SQL: the timezone of the user ``user`` (an SQL expression of a ``res_users`` id) as the
    windows take it: their partner's, UTC when unknown."""
    return SQL(
        """(SELECT CASE WHEN up.tz = ANY(%s) THEN up.tz ELSE 'UTC' END
              FROM res_users uu JOIN res_partner up ON up.id = uu.partner_id
             WHERE uu.id = %s)""",
        KNOWN_ZONES, user)


def _done_deliveries(ctx):
    """CTE ``done(user_id, id, order_id, date_done, on_time)``: the deliveries of the users'
    orders done in their windows, ``on_time`` NULL for a delivery without a promise."""
    return SQL(
        """zone AS MATERIALIZED (  -- once per user, not per delivery
            SELECT w.user_id, CASE WHEN up.tz = ANY(%(zones)s) THEN up.tz ELSE 'UTC' END AS tz
              FROM win w JOIN res_partner up ON up.id = w.partner_id),
        done AS (
            SELECT w.user_id, p.id, so.id AS order_id, p.date_done,
                   %(done_day)s <= %(promised_day)s AS on_time
              FROM win w
              JOIN zone z ON z.user_id = w.user_id
              JOIN stock_picking p
                ON p.state = 'done' AND p.date_done >= w.utc_from AND p.date_done < w.utc_to
              JOIN sale_order so
                ON so.id = p.sale_id AND so.user_id = w.user_id AND so.state = 'sale'
              %(delivery)s
             WHERE %(span)s AND %(company)s)""",
        zones=KNOWN_ZONES, done_day=local_day(SQL("p.date_done"), SQL("z.tz")),
        promised_day=local_day(PROMISE, SQL("z.tz")), delivery=DELIVERY_JOINS,
        span=in_span(SQL("p.date_done"), ctx.windows),
        company=company_clause(SQL("so.company_id"), ctx.company_id))


def on_time_delivery(ctx):
    return SQL(
        """%s, %s
        SELECT user_id, 100.0 * count(*) FILTER (WHERE on_time) / count(*),
               array_agg(id ORDER BY id)
          FROM done WHERE on_time IS NOT NULL
         GROUP BY user_id""",
        windows_cte(ctx.windows), _done_deliveries(ctx),
    )


def fulfilment_time(ctx):
    return SQL(
        """%s, %s,
        orders AS (
            SELECT DISTINCT d.user_id, d.order_id, w.utc_to
              FROM done d JOIN win w ON w.user_id = d.user_id),
        complete AS (
            SELECT o.user_id, o.order_id, so.date_order, last.date_done
              FROM orders o
              JOIN sale_order so ON so.id = o.order_id
              JOIN LATERAL (
                    SELECT max(p.date_done) FILTER (WHERE p.state = 'done') AS date_done,
                           bool_and(p.state IN ('done', 'cancel')) AS closed
                      FROM stock_picking p
                      %s
                     WHERE p.sale_id = o.order_id) last
                ON last.closed AND last.date_done < o.utc_to)
        SELECT user_id,
               round(avg(GREATEST(EXTRACT(EPOCH FROM (date_done - date_order)), 0)
                         / 86400.0)::numeric, 2)::float,
               array_agg(order_id ORDER BY order_id)
          FROM complete
         GROUP BY user_id""",
        windows_cte(ctx.windows), _done_deliveries(ctx), DELIVERY_JOINS,
    )


def late_deliveries(user_id, company_id, counted, extra):
    """The "to do" side of ``on_time_delivery``, as of now: the ids of the deliveries of the
    orders of ``user_id`` (in ``company_id``, if any) still open (neither done nor cancelled)
    whose promised day is over in the user's timezone (see the module's docstring)."""
    zone = user_zone(user_id)
    return SQL(
        """SELECT p.id FROM stock_picking p
             JOIN sale_order so ON so.id = p.sale_id AND so.user_id = %(user)s
                                AND so.state = 'sale'
             %(delivery)s
            WHERE p.state NOT IN ('done', 'cancel') AND %(company)s
              AND %(promised_day)s < %(today)s
            ORDER BY p.id""",
        user=user_id, delivery=DELIVERY_JOINS,
        company=company_clause(SQL("so.company_id"), company_id),
        promised_day=local_day(PROMISE, zone),
        today=local_day(SQL("%s", fields.Datetime.now()), zone))


def undelivered_orders(user_id, company_id, counted):
    """Domain of the "to do" side of ``fulfilment_time``, as of now: the confirmed orders of
    ``user_id`` (in ``company_id``, if any) with a delivery still open (neither done nor
    cancelled)."""
    domain = [
        ("user_id", "=", user_id), ("state", "=", "sale"),
        ("picking_ids", "any", [("picking_type_code", "=", "outgoing"),
                                ("location_dest_id.usage", "=", "customer"),
                                ("state", "not in", ["done", "cancel"])]),
    ]
    if company_id:
        domain.append(("company_id", "=", company_id))
    return domain


def on_time_gap(value, target, counted):
    """How many more deliveries on time reach ``target`` (%) from a share of ``value`` (%) on
    time over ``counted`` deliveries: with ``n`` done and ``k`` on time, the smallest ``x``
    with ``(k + x) / (n + x) >= target / 100``; 0 when reached; ``None`` when no number
    does, a target of 100% or more with a late delivery among them (only the late ones
    leaving the window bring the share back). Exact fractions: a target of 95% with 19 of 20
    on time is reached, not missed by a rounding."""
    done = int(counted)
    if done <= 0:
        return 0
    on_time = round(value * done / 100.0)
    share = Fraction(target).limit_denominator(10**6) / 100
    if on_time >= share * done:
        return 0
    if share >= 1:
        return None
    return math.ceil((share * done - on_time) / (1 - share))


#: what the SQL reads beyond the CRM's (flushed before it runs)
READS = ("sale.order", "sale.order.line", "stock.picking", "stock.picking.type", "stock.move",
         "stock.location", "res.users")

#: ``{key: Measure}``: this addon's measures, added to the database's registry by
#: ``kpi.template._measure_registry``
STOCK_MEASURES = {
    m.key: m
    for m in [
        Measure(
            key="on_time_delivery", label="On-time delivery (%)",
            res_model="stock.picking", build=on_time_delivery, no_data_when_empty=True,
            window_kind=WINDOW_PAST, reads=READS, gap_count=on_time_gap,
            gap=GapSentences(
                one=_lt("Deliver %(gap)s more order on time to get back to %(target)s%%: "
                        "%(value)s%% of your deliveries were on time over the last %(days)s "
                        "days."),
                many=_lt("Deliver %(gap)s more orders on time to get back to %(target)s%%: "
                         "%(value)s%% of your deliveries were on time over the last %(days)s "
                         "days."),
                unreachable=_lt("Deliver every order on time: %(value)s%% of your deliveries "
                                "were on time over the last %(days)s days, and %(target)s%% "
                                "comes back once the late ones are out of the window.")),
            todo=Todo(
                res_model="stock.picking", query=late_deliveries,
                flush=(("stock.picking", None), ("stock.move", None), ("sale.order", None),
                       ("sale.order.line", None), ("res.partner", ["tz"])),
                one=_lt("1 late delivery still to ship"),
                many=_lt("%(count)s late deliveries still to ship"))),
        Measure(
            key="fulfilment_time", label="Order fulfilment time (days)",
            res_model="sale.order", build=fulfilment_time, no_data_when_empty=True,
            window_kind=WINDOW_PAST, reads=READS,
            gap=GapSentences(
                _lt("Deliver your orders faster: %(value)s days on average from confirmation "
                    "to last delivery over the last %(days)s days, the target is %(target)s "
                    "days or less.")),
            todo=Todo(
                res_model="sale.order", domain=undelivered_orders,
                one=_lt("1 order still to deliver"),
                many=_lt("%(count)s orders still to deliver"))),
    ]
}
