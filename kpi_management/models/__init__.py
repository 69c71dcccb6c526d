from . import kpi_template
from . import kpi_profile
from . import kpi_rule
from . import kpi_result
from . import res_users
from . import crm_lead
