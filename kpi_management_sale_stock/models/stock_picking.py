from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # the delivery measures read the deliveries done in their windows (``measures``): a range
    # of this date, through this index rather than every transfer of the users' orders
    date_done = fields.Datetime(index="btree_not_null")
