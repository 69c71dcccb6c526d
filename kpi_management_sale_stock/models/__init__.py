from . import kpi_template
from . import kpi_bonus_scheme
from . import stock_picking
