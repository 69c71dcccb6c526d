"""Pure pieces of the KPI engine: no ORM model is declared here.

The models (``models/``) gather their inputs from the database and call these modules; the
tests and the benchmark import them from here (``odoo.addons.kpi_management.tools``).
"""
