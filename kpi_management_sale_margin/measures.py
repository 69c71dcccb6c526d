"""The measure of the margin of sales orders (``sale_margin``), see
``kpi_management_sale.measures`` for the orders it counts.

``gross_margin``
    the margin (``sale.order.margin``, computed by ``sale_margin``: the sum of the order
    lines' margins, untaxed price minus the cost of the products, in the order's currency) of
    the user's orders confirmed in the window, exactly the orders of ``sales_confirmed``
    (state ``sale``, by the order's salesperson, at the time of confirmation, of the rule's
    company), converted from the order's currency to the rule's at the rates of the UTC day
    of confirmation. An order sold at a loss lowers it. The records counted are the orders.
"""

from odoo.addons.kpi_management.tools.measures import GapSentences, Measure
from odoo.addons.kpi_management_sale.measures import ORDER_READS, confirmed_orders, total
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

#: what ``gross_margin`` sums of an order (alias ``so``), in the order's currency
ORDER_MARGIN = SQL("COALESCE(so.margin, 0)")


def margin_orders(ctx, name="orders", lower="utc_from", upper="utc_to"):
    """CTE ``<name>(user_id, id, amount)``: the orders of ``sales_confirmed`` with their
    converted margin as ``amount``."""
    return confirmed_orders(ctx, amount=ORDER_MARGIN, name=name, lower=lower, upper=upper)


#: ``{key: Measure}``: this addon's measures, added to the database's registry by
#: ``kpi.template._measure_registry``
MARGIN_MEASURES = {
    m.key: m
    for m in [
        Measure(
            key="gross_margin", label="Gross margin of confirmed orders",
            res_model="sale.order", build=total(margin_orders),
            reads=(*ORDER_READS, "sale.order.line"),
            gap=GapSentences(
                _lt("Earn %(gap)s more margin to reach %(target)s: %(value)s on the orders "
                    "confirmed in the last %(days)s days."))),
    ]
}
