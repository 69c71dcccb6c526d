"""The measures of sales orders and customer invoices (see ``kpi_management.tools.measures``
for what a measure is and how its SQL is written: one query for all users, each user's window
in their own timezone, amounts converted to the rule's currency).

Definitions (also shown on the templates, ``data/kpi_template_data.xml``):

``sales_confirmed``
    the untaxed amount (``sale.order.amount_untaxed``) of the sales orders of the user (the
    order's salesperson, ``user_id``) confirmed in the window. A confirmed order is in state
    ``sale`` (Odoo 19 has no ``done`` state: a locked order is ``sale`` with ``locked`` set,
    and counts); quotations (``draft``, ``sent``) and cancelled orders never count, nor does an
    order confirmed and cancelled since. Odoo sets ``date_order`` to the time of confirmation
    (``sale.order._prepare_confirmation_values``): the order counts at that time, compared with
    the user's window (local midnights, as UTC). The amount is converted from the order's
    currency (its pricelist's) to the rule's currency at the rates of the UTC day of
    confirmation, as Odoo converts the order (``sale.order.currency_rate``, its
    ``date_order``). A rule of one company counts that company's orders only. The records
    counted are the orders.
``invoiced_revenue``
    the untaxed amount invoiced from the user's orders: the product lines
    (``display_type = 'product'``) of posted customer invoices and credit notes
    (``out_invoice``, ``out_refund``) that come from an order line of an order whose
    salesperson is the user (``sale_order_line_invoice_rel``: the order's salesperson, not
    the invoice's), by the invoice date (``invoice_date``, a date, compared with the user's
    local dates ``[day_from, day_to)``). The amount of a line is ``-balance``: in the
    company's currency, positive on an invoice (a credit), negative on a credit note (a
    debit), so a credit note lowers the period of its own date, never the period already
    paid; a down payment counts when it is invoiced and its deduction on the final invoice
    lowers that one. A credit note made with Odoo's *Reverse* keeps the order lines of the
    invoice it reverses (``account.move.line._copy_data_extend_business_fields``); a line
    that comes from no order (a manual invoice line) does not count, nor do drafts and
    cancelled moves. The amounts are converted from the company's currency to the rule's at
    the rates of the invoice date. A rule of one company counts the invoices of that company.
    A line linked to the orders of two salespeople counts for each (Odoo links an invoice
    line to the one order line it invoices). The records counted are the invoices and credit
    notes.
``large_orders`` / ``large_orders_share``
    the user's confirmed orders (as ``sales_confirmed``) whose converted untaxed amount is at
    least the rule's minimum amount (in the rule's currency): their number, or their share in
    % of the orders the user confirmed in the window (no data when the user confirmed none).
    The records counted are those orders.
``sales_confirmed_growth`` / ``invoiced_revenue_growth`` (and their ``_pct`` forms)
    the growth of ``sales_confirmed`` / ``invoiced_revenue`` against the user's baseline, the
    same measure over the rule's comparison window, with the semantics of
    ``won_revenue_growth``: the plain forms are the difference (``current - baseline``), the
    ``_pct`` forms the growth in % of the baseline, rounded to 2 decimals, with no data for a
    baseline of 0 or less (more credit notes than invoices). The comparison window of
    ``sales_confirmed_growth`` is taken in UTC bounds (``base_from``/``base_to``), that of
    ``invoiced_revenue_growth`` in local dates (``base_day_from``/``base_day_to``); the
    estimate of a bonus period so far compares it with as many local days of the comparison
    window as have begun in the period (``kpi.rule._measure_period``). The records counted
    are those of the window (not those of the comparison window).
"""

from odoo.addons.kpi_management.tools.measures import (
    PARAM_GROWTH,
    PARAM_MIN_AMOUNT,
    GapSentences,
    Measure,
    company_clause,
    converted,
    growth_value,
    in_span,
    windows_cte,
)
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

#: what ``sales_confirmed`` sums of an order (alias ``so``), in the order's currency
ORDER_AMOUNT = SQL("COALESCE(so.amount_untaxed, 0)")
#: the models the order measures read (flushed before they run)
ORDER_READS = ("sale.order",)
#: the models ``invoiced_revenue`` reads
INVOICE_READS = ("sale.order", "sale.order.line", "account.move", "account.move.line")


def confirmed_orders(ctx, amount=ORDER_AMOUNT, name="orders", lower="utc_from", upper="utc_to"):
    """CTE ``<name>(user_id, id, amount)``: the user's orders confirmed between the window's
    columns ``lower`` and ``upper`` (``base_from``/``base_to`` for a comparison window), with
    ``amount`` (an SQL expression of the order, alias ``so``, in the order's currency)
    converted to the window's currency at the rates of the UTC day of confirmation (see the
    module's docstring, ``sales_confirmed``). Odoo indexes ``sale_order(date_order desc, id
    desc)``: the overall window (``in_span``) reads that range of it."""
    return SQL(
        """%s AS (
            SELECT w.user_id, so.id, %s AS amount
              FROM win w
              JOIN sale_order so
                ON so.user_id = w.user_id AND so.state = 'sale'
               AND so.date_order >= %s AND so.date_order < %s
             WHERE %s AND %s)""",
        SQL.identifier(name),
        converted(amount, SQL("so.date_order::date"), SQL("so.currency_id")),
        SQL.identifier("w", lower), SQL.identifier("w", upper),
        in_span(SQL("so.date_order"), ctx.windows, lower, upper),
        company_clause(SQL("so.company_id"), ctx.company_id),
    )


def invoice_lines(ctx, name="invoiced", lower="day_from", upper="day_to"):
    """CTE ``<name>(user_id, id, amount)``: one row per user and invoice line from the user's
    orders on a posted customer invoice or credit note dated between the window's date
    columns ``lower`` and ``upper`` (``base_day_from``/``base_day_to`` for a comparison
    window): ``id`` is the invoice's (the record counted), ``amount`` the line's ``-balance``
    converted from the company's currency at the rates of the invoice date (see the module's
    docstring, ``invoiced_revenue``)."""
    return SQL(
        """%s AS (
            SELECT DISTINCT ON (w.user_id, aml.id) w.user_id, am.id, %s AS amount
              FROM win w
              JOIN sale_order so ON so.user_id = w.user_id
              JOIN sale_order_line sol ON sol.order_id = so.id
              JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
              JOIN account_move_line aml
                ON aml.id = rel.invoice_line_id AND aml.display_type = 'product'
              JOIN account_move am
                ON am.id = aml.move_id AND am.state = 'posted'
               AND am.move_type IN ('out_invoice', 'out_refund')
               AND am.invoice_date >= %s AND am.invoice_date < %s
             WHERE %s AND %s)""",
        SQL.identifier(name),
        converted(SQL("-COALESCE(aml.balance, 0)"), SQL("am.invoice_date"),
                  SQL("aml.company_currency_id")),
        SQL.identifier("w", lower), SQL.identifier("w", upper),
        in_span(SQL("am.invoice_date"), ctx.windows, lower, upper),
        company_clause(SQL("am.company_id"), ctx.company_id),
    )


def total(cte):
    """Builder of the sum of the ``amount`` of ``cte`` (:func:`confirmed_orders`,
    :func:`invoice_lines`, or a bridge's CTE of the same columns) per user; the records
    counted are its distinct ids."""
    def build(ctx):
        return SQL(
            """%s, %s
            SELECT user_id, sum(amount)::float, array_agg(DISTINCT id ORDER BY id)
              FROM counted GROUP BY user_id""",
            windows_cte(ctx.windows), cte(ctx, name="counted"),
        )
    return build


def growth(cte, percent, lower, upper):
    """Builder of the growth of the sum of ``cte``'s ``amount`` against the comparison window,
    whose bounds are the window's columns ``lower`` and ``upper`` (``base_from``/``base_to``,
    or ``base_day_from``/``base_day_to`` for a date column): ``(user_id, growth, [records
    counted in the window], baseline)`` for every user, as ``won_revenue_growth``; the growth
    is NULL (no data) for a % against a baseline of 0 or less (``growth_value``)."""
    value = growth_value(percent)

    def build(ctx):
        return SQL(
            """%s, %s, %s,
            now_sum AS (SELECT user_id, sum(amount) AS value,
                               array_agg(DISTINCT id ORDER BY id) AS ids
                          FROM counted GROUP BY user_id),
            base_sum AS (SELECT user_id, sum(amount) AS value FROM before GROUP BY user_id)
            SELECT w.user_id, %s, COALESCE(cur.ids, '{}'), COALESCE(base.value, 0)::float
              FROM win w
              LEFT JOIN now_sum cur ON cur.user_id = w.user_id
              LEFT JOIN base_sum base ON base.user_id = w.user_id""",
            windows_cte(ctx.windows), cte(ctx, name="counted"),
            cte(ctx, name="before", lower=lower, upper=upper), value,
        )
    return build


def large_orders(ctx):
    return SQL(
        """%s, %s
        SELECT user_id, count(*)::float, array_agg(id ORDER BY id)
          FROM orders WHERE amount >= %s GROUP BY user_id""",
        windows_cte(ctx.windows), confirmed_orders(ctx), ctx.extra["min_amount"],
    )


def large_orders_share(ctx):
    return SQL(
        """%s, %s
        SELECT user_id, 100.0 * count(*) FILTER (WHERE amount >= %s) / count(*),
               COALESCE(array_agg(id ORDER BY id) FILTER (WHERE amount >= %s), '{}')
          FROM orders GROUP BY user_id""",
        windows_cte(ctx.windows), confirmed_orders(ctx), ctx.extra["min_amount"],
        ctx.extra["min_amount"],
    )


# ---------------------------------------------------------------------- the registry
#: ``{key: Measure}``: this addon's measures, added to the database's registry by
#: ``kpi.template._measure_registry``
SALE_MEASURES = {
    m.key: m
    for m in [
        Measure(
            key="sales_confirmed", label="Sales confirmed (untaxed amount)",
            res_model="sale.order", build=total(confirmed_orders), reads=ORDER_READS,
            gap=GapSentences(
                _lt("Sell %(gap)s more to reach %(target)s: %(value)s confirmed in the last "
                    "%(days)s days."))),
        Measure(
            key="invoiced_revenue", label="Invoiced revenue (untaxed, net of credit notes)",
            res_model="account.move", build=total(invoice_lines), reads=INVOICE_READS,
            gap=GapSentences(
                _lt("Invoice %(gap)s more to reach %(target)s: %(value)s invoiced in the last "
                    "%(days)s days."))),
        Measure(
            key="large_orders", label="Confirmed orders at or above a minimum amount",
            res_model="sale.order", build=large_orders, reads=ORDER_READS,
            params=(PARAM_MIN_AMOUNT,), window_kind="past",
            gap=GapSentences(
                one=_lt("Confirm %(gap)s more order at or above the minimum amount: %(value)s "
                        "in the last %(days)s days, the target is %(target)s."),
                many=_lt("Confirm %(gap)s more orders at or above the minimum amount: "
                         "%(value)s in the last %(days)s days, the target is %(target)s."))),
        Measure(
            key="large_orders_share",
            label="Share of confirmed orders at or above a minimum amount",
            res_model="sale.order", build=large_orders_share, reads=ORDER_READS,
            no_data_when_empty=True, params=(PARAM_MIN_AMOUNT,), window_kind="past",
            gap=GapSentences(
                _lt("Raise your share of orders at or above the minimum amount by %(gap)s "
                    "points to reach %(target)s%% (now %(value)s%% over the last %(days)s "
                    "days)."))),
        Measure(
            key="sales_confirmed_growth", label="Sales confirmed growth (amount)",
            res_model="sale.order", reads=ORDER_READS,
            build=growth(confirmed_orders, False, "base_from", "base_to"),
            params=(PARAM_GROWTH,), window_kind="past", baseline_unit="amount",
            gap=GapSentences(
                _lt("Sell %(gap)s more to reach a growth of %(target)s against your baseline "
                    "(now %(value)s over the last %(days)s days)."))),
        Measure(
            key="sales_confirmed_growth_pct", label="Sales confirmed growth (%)",
            res_model="sale.order", reads=ORDER_READS,
            build=growth(confirmed_orders, True, "base_from", "base_to"),
            params=(PARAM_GROWTH,), window_kind="past", baseline_unit="amount",
            gap=GapSentences(
                _lt("Raise the growth of your sales by %(gap)s points to reach %(target)s%% "
                    "against your baseline (now %(value)s%% over the last %(days)s days)."))),
        Measure(
            key="invoiced_revenue_growth", label="Invoiced revenue growth (amount)",
            res_model="account.move", reads=INVOICE_READS,
            build=growth(invoice_lines, False, "base_day_from", "base_day_to"),
            params=(PARAM_GROWTH,), window_kind="past", baseline_unit="amount",
            gap=GapSentences(
                _lt("Invoice %(gap)s more to reach a growth of %(target)s against your "
                    "baseline (now %(value)s over the last %(days)s days)."))),
        Measure(
            key="invoiced_revenue_growth_pct", label="Invoiced revenue growth (%)",
            res_model="account.move", reads=INVOICE_READS,
            build=growth(invoice_lines, True, "base_day_from", "base_day_to"),
            params=(PARAM_GROWTH,), window_kind="past", baseline_unit="amount",
            gap=GapSentences(
                _lt("Raise the growth of your invoiced revenue by %(gap)s points to reach "
                    "%(target)s%% against your baseline (now %(value)s%% over the last "
                    "%(days)s days)."))),
    ]
}
