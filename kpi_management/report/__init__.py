from . import bonus_sheet_workbook  # noqa: F401
from . import bonus_xlsx  # noqa: F401
