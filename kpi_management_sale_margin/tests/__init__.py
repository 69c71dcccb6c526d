from . import test_gross_margin
