{
    "name": "KPI Management: Sales and Invoicing",
    "version": "19.0.1.0.0",
    "summary": "KPIs from the sales orders and customer invoices of each salesperson: sold and "
    "invoiced revenue, their growth, minimum contracts",
    "category": "Sales/CRM",
    "author": "kpi_management developers",
    "website": "https://github.com/kpi-management/kpi_management",
    "license": "LGPL-3",
    "depends": ["kpi_management", "sale"],
    "data": ["data/kpi_template_data.xml"],
    "installable": True,
    "auto_install": True,
}
