from . import bonus_xlsx  # noqa: F401
