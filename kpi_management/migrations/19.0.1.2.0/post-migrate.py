"""Upgrade to 19.0.1.2.0, after the module's data is loaded: data-level changes.

The record rules are brought up to date by ``pre-migrate.py``. One function per change, taking an
environment, added to ``STEPS`` (see 19.0.1.1.0's ``post-migrate.py``).
"""

from odoo import SUPERUSER_ID, api

#: the data-level changes of this version, each a function ``step(env)``, run in order.
STEPS = ()


def migrate(cr, version):
    """Run after the data of ``kpi_management`` 19.0.1.2.0 is loaded over ``version``."""
    if not version:  # a fresh install has nothing to migrate
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for step in STEPS:
        step(env)
