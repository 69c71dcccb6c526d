from . import test_night
from . import test_jobs
from . import test_i18n
