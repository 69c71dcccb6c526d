"""The measures of sales orders and customer invoices (see ``kpi_management.tools.measures``
for what a measure is and how its SQL is written: one query for all users, each user's window
in their own timezone, amounts converted to the rule's currency).

Definitions:

(to be written with the measures)
"""

#: ``{key: Measure}``: this addon's measures, added to the database's registry by
#: ``kpi.template._measure_registry``
SALE_MEASURES = {}
