from . import models

#: the index this addon adds on a column of Odoo's (``models/stock_picking.py``)
DONE_DATE_INDEX = "stock_picking__date_done_index"


def uninstall_hook(env):
    """Drop the index on ``stock_picking.date_done``: Odoo keeps an index that no installed
    field asks for any more ("Keep unexpected index"), and Inventory's own column outlives
    this addon."""
    env.cr.execute("DROP INDEX IF EXISTS %s" % DONE_DATE_INDEX)
