{
    "name": "KPI Management",
    "version": "19.0.1.0.0",
    "summary": "Per-salesperson KPIs computed nightly from CRM and calendar activity",
    "category": "Sales/CRM",
    "author": "kpi_management developers",
    "website": "https://github.com/kpi-management/kpi_management",
    "license": "LGPL-3",
    "depends": ["crm", "calendar"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/kpi_security.xml",
        "security/ir.model.access.csv",
        "data/kpi_template_data.xml",
        "data/ir_cron_data.xml",
        "views/kpi_template_views.xml",
        "views/kpi_rule_views.xml",
        "views/kpi_rule_preview_views.xml",
        "views/kpi_profile_views.xml",
        "views/kpi_result_views.xml",
        "views/res_users_views.xml",
        "views/crm_lead_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/kpi_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "kpi_management/static/src/**/*",
        ],
        "web.assets_tests": [
            "kpi_management/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": True,
}
