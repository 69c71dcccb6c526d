from . import test_on_time_delivery
from . import test_fulfilment_time
from . import test_reminders
from . import test_bonus
from . import test_indexes
from . import test_registry
from . import test_demo
