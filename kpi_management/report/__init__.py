from . import bonus_xlsx
