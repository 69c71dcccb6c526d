{
    "name": "KPI Management: Deliveries",
    "version": "19.0.1.0.0",
    "summary": "KPIs from the deliveries of each salesperson's orders: on-time delivery and "
    "order fulfilment time",
    "category": "Sales/CRM",
    "author": "kpi_management developers",
    "website": "https://github.com/kpi-management/kpi_management",
    "license": "LGPL-3",
    "depends": ["kpi_management_sale", "sale_stock"],
    "data": [
        "data/kpi_template_data.xml",
    ],
    "demo": [
        "demo/kpi_sale_stock_demo.xml",
    ],
    "installable": True,
    "auto_install": True,
    "uninstall_hook": "uninstall_hook",
}
