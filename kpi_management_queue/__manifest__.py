{
    "name": "KPI Management: Night on the Job Queue",
    "version": "19.0.1.0.0",
    "summary": "Spread the nightly KPI evaluation, period scores, analysis and team reports "
    "over OCA queue_job's workers",
    "category": "Sales/CRM",
    "author": "kpi_management developers",
    "website": "https://github.com/kpi-management/kpi_management",
    "license": "LGPL-3",
    "depends": ["kpi_management", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
    ],
    "installable": True,
    "auto_install": True,
}
