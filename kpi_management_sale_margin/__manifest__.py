{
    "name": "KPI Management: Sales Margin",
    "version": "19.0.1.0.0",
    "summary": "The gross margin of each salesperson's confirmed sales orders as a KPI",
    "category": "Sales/CRM",
    "author": "kpi_management developers",
    "website": "https://github.com/kpi-management/kpi_management",
    "license": "LGPL-3",
    "depends": ["kpi_management_sale", "sale_margin"],
    "data": ["data/kpi_template_data.xml"],
    "installable": True,
    "auto_install": True,
}
