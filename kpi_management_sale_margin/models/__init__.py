from . import kpi_template
