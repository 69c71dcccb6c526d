"""Installs the kpi_management addon into the ``odoo.addons`` namespace.

``pip install .`` puts it where Odoo 19 finds it (``odoo.addons.kpi_management``) and pulls
its Python dependencies; Odoo itself is installed from an Odoo 19.0 source tree beforehand.
Its bridge addons come with it: ``kpi_management_queue`` (OCA queue_job; ``pip install
.[queue]`` also pulls ``odoo-addon-queue-job``, without which Odoo cannot install that bridge),
``kpi_management_sale`` and the bridges beside it (Odoo's Sales, Inventory: parts of Odoo,
nothing to pull). Every directory ``kpi_management*`` with a manifest is shipped.
The version is the manifest's, read from it: one place to bump.
"""

import ast
import pathlib

from setuptools import setup

MANIFEST = pathlib.Path(__file__).resolve().parent / "kpi_management" / "__manifest__.py"

ROOT = MANIFEST.parent.parent
#: the addons of this repository: kpi_management and its bridges, each a directory with a manifest
ADDONS = sorted(p.parent.name for p in ROOT.glob("kpi_management*/__manifest__.py"))


def packages(addon):
    """The Python packages of ``addon`` (its directories with an ``__init__.py``)."""
    base = ROOT / addon
    return ["odoo.addons." + ".".join((addon, *init.parent.relative_to(base).parts))
            for init in sorted(base.rglob("__init__.py")) if "__pycache__" not in init.parts]


setup(
    name="odoo-addon-kpi_management",
    version=ast.literal_eval(MANIFEST.read_text(encoding="utf-8"))["version"],
    description="Odoo 19.0: per-salesperson KPIs computed nightly from CRM and calendar",
    license="LGPL-3",
    python_requires=">=3.10",
    packages=[package for addon in ADDONS for package in packages(addon)],
    package_dir={"odoo.addons." + addon: addon for addon in ADDONS},
    include_package_data=True,
    package_data={
        "odoo.addons." + addon: [
            "*.xml", "*.csv", "*.po", "*.pot", "*.md",
            "data/*", "demo/*", "security/*", "views/*", "wizard/*", "i18n/*", "readme/*",
            "migrations/*/*",
            "static/**/*",
        ]
        for addon in ADDONS
    },
    install_requires=["xlsxwriter"],
    extras_require={"queue": ["odoo-addon-queue-job>=19.0,<19.1"]},
    zip_safe=False,
)
