from . import kpi_rule_preview
from . import kpi_rule_rollout_wizard
