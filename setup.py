"""Installs the kpi_management addon into the ``odoo.addons`` namespace.

``pip install .`` puts it where Odoo 19 finds it (``odoo.addons.kpi_management``) and pulls
its Python dependencies; Odoo itself is installed from an Odoo 19.0 source tree beforehand.
The bridge to OCA queue_job, ``odoo.addons.kpi_management_queue``, comes with it; ``pip install
.[queue]`` also pulls queue_job (``odoo-addon-queue-job``), without which Odoo cannot install
the bridge.
The version is the manifest's, read from it: one place to bump.
"""

import ast
import pathlib

from setuptools import setup

MANIFEST = pathlib.Path(__file__).resolve().parent / "kpi_management" / "__manifest__.py"

setup(
    name="odoo-addon-kpi_management",
    version=ast.literal_eval(MANIFEST.read_text(encoding="utf-8"))["version"],
    description="Odoo 19.0: per-salesperson KPIs computed nightly from CRM and calendar",
    license="LGPL-3",
    python_requires=">=3.10",
    packages=[
        "odoo.addons.kpi_management",
        "odoo.addons.kpi_management.models",
        "odoo.addons.kpi_management.controllers",
        "odoo.addons.kpi_management.report",
        "odoo.addons.kpi_management.tools",
        "odoo.addons.kpi_management.wizard",
        "odoo.addons.kpi_management.demo",
        "odoo.addons.kpi_management_queue",
        "odoo.addons.kpi_management_queue.models",
        "odoo.addons.kpi_management_queue.demo",
        "odoo.addons.kpi_management_queue.tests",
    ],
    package_dir={"odoo.addons.kpi_management": "kpi_management",
                 "odoo.addons.kpi_management_queue": "kpi_management_queue"},
    include_package_data=True,
    package_data={
        "odoo.addons.kpi_management": [
            "*.xml", "*.csv", "*.po", "*.pot", "*.md",
            "data/*", "demo/*", "security/*", "views/*", "wizard/*", "i18n/*", "readme/*",
            "migrations/*/*",
            "static/**/*",
        ],
        "odoo.addons.kpi_management_queue": [
            "data/*", "i18n/*", "readme/*", "static/**/*",
        ],
    },
    install_requires=["xlsxwriter"],
    extras_require={"queue": ["odoo-addon-queue-job>=19.0,<19.1"]},
    zip_safe=False,
)
