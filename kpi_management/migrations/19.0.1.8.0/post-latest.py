"""Upgrade to 19.0.1.8.0: the latest result of each rule and user gets a table of its own
(``kpi.result.latest``, issue 22, bench/RESULTS.md "Storage"), filled here from the results
once (one DISTINCT ON over them); from then on the writers of results keep it."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["kpi.result.latest"]._rebuild(None)
