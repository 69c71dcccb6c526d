from . import kpi_rule
from . import kpi_period_result
from . import crm_team
