from . import test_night
from . import test_jobs
