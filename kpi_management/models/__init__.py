from . import crm_lead, kpi_profile, kpi_result, kpi_rule, kpi_template, res_users
