"""Upgrade to 19.0.1.2.0, after the module's data is loaded: data-level changes.

The record rules are brought up to date by ``pre-migrate.py``. One function per change, taking an
environment, added to ``STEPS`` (see 19.0.1.1.0's ``post-migrate.py``).

Not here: the won date of existing leads (``crm.lead.kpi_date_won``, new in this version). It is
filled by ``crm.lead._auto_init`` when its column is created, before this script runs, in one
statement (won leads get their closing date): the same fill serves this upgrade and an install
into a database that already has leads, for which no migration runs.
"""

from odoo import SUPERUSER_ID, api
from odoo.addons.kpi_management.tools.scoring import SCORE_CAP


def _no_data_results(env):
    """Results stored before the ``no_data`` status: a response time or a conversion rate with
    no record counted had nothing to measure (no lead assigned, none closed), but was stored as
    100% reached (lower is better) or 0% (a ratio). They get the status, no value, no score, and
    no off-track streak. ``kam_coverage`` cannot tell a user without key accounts from one who
    met none of them (both stored no record) and is left as it was, until evaluated again."""
    env.cr.execute("""
        UPDATE kpi_result r
           SET status = 'no_data', value = NULL, score = NULL, off_track_streak = 0
          FROM kpi_rule rule JOIN kpi_template t ON t.id = rule.template_id
         WHERE rule.id = r.rule_id AND t.measure IN ('response_time', 'conversion_rate')
           AND jsonb_array_length(COALESCE(r.record_ids, '[]'::jsonb)) = 0
    """)
    env["kpi.result"].invalidate_model()


def _rescore_measured_zeros(env):
    """A lower-is-better count with nothing counted (0 overdue activities) is a measured 0,
    scored like any value: the cap against a positive target (it was stored at 100%, below the
    score of 1 overdue activity). Its status stays reached."""
    env.cr.execute("""
        UPDATE kpi_result r
           SET score = %s
          FROM kpi_rule rule JOIN kpi_template t ON t.id = rule.template_id
         WHERE rule.id = r.rule_id AND rule.direction = 'lower'
           AND t.measure NOT IN ('response_time', 'conversion_rate', 'kam_coverage')
           AND r.value = 0 AND r.target > 0 AND r.status = 'reached'
    """, [SCORE_CAP])
    env["kpi.result"].invalidate_model()


def _custom_template_authors(env):
    """Custom templates are measured with their author's access rights (``definition_uid``,
    new): those defined before get the user who last wrote them (else who created them)."""
    env.cr.execute("""
        UPDATE kpi_template SET definition_uid = COALESCE(write_uid, create_uid)
         WHERE definition_uid IS NULL AND measure = 'custom'
    """)
    env["kpi.template"].invalidate_model()


#: the data-level changes of this version, each a function ``step(env)``, run in order.
#: Sheets computed but not approved have a fingerprint of the old figures: Submit and the HR
#: approval find them out of date until they are computed again (in draft).
STEPS = (_no_data_results, _rescore_measured_zeros, _custom_template_authors)


def migrate(cr, version):
    """Run after the data of ``kpi_management`` 19.0.1.2.0 is loaded over ``version``."""
    if not version:  # a fresh install has nothing to migrate
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for step in STEPS:
        step(env)
