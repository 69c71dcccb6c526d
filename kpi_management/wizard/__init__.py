from . import kpi_bonus_preview
