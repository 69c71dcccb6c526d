from . import test_registry
from . import test_sales_confirmed
from . import test_invoiced
from . import test_growth
from . import test_engine
