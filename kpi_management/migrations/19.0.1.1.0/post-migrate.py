"""Upgrade to 19.0.1.1.0, after the module's data is loaded: data-level changes.

The record rules are brought up to date by ``pre-migrate.py``. Changes to existing rows go here:
one function per change, taking an environment (e.g. fill a new stored field for the rows
created before this version), added to ``STEPS``. They run in order, in the upgrade's
transaction, after the models of this version exist in the database.
"""

from odoo import SUPERUSER_ID, api


def _freeze_names_of_approved_sheets(env):
    """Approved sheets keep the names of their approval (name, scheme, team, company,
    signatories): the best the old version knew are today's names."""
    sheets = env["kpi.bonus.sheet"].search([("state", "in", ("approved", "exported"))])
    for sheet in sheets:
        sheet.write({
            "scheme_name": sheet.scheme_id.name,
            "team_name": sheet.team_id.name,
            "company_name": sheet.company_id.name,
            "approval_names": {key: user.name for key, user in (
                ("submitted", sheet.submitted_uid), ("manager", sheet.manager_approved_uid),
                ("hr", sheet.approved_uid), ("exported", sheet.exported_uid)) if user},
        })


def _fill_sheet_lines(env):
    """Lines computed before: the employee's name, and the whole period as their days in the
    team (the old version paid every employee for the whole period)."""
    env.cr.execute("""
        UPDATE kpi_bonus_sheet_line line
           SET worked_from = sheet.date_from, worked_to = sheet.date_to
          FROM kpi_bonus_sheet sheet
         WHERE sheet.id = line.sheet_id AND line.worked_from IS NULL
    """)
    env.cr.execute("""
        UPDATE kpi_bonus_sheet_line line
           SET employee_name = partner.name
          FROM res_users u JOIN res_partner partner ON partner.id = u.partner_id
         WHERE u.id = line.user_id AND line.employee_name IS NULL
    """)
    env["kpi.bonus.sheet.line"].invalidate_model()


#: the data-level changes of this version, each a function ``step(env)``, run in order.
#: Sheets computed before have no fingerprint: Submit and the HR approval find them out of date
#: until they are computed again (in draft), which is the safe reading.
STEPS = (_freeze_names_of_approved_sheets, _fill_sheet_lines)


def migrate(cr, version):
    """Run after the data of ``kpi_management`` 19.0.1.1.0 is loaded over ``version``."""
    if not version:  # a fresh install has nothing to migrate
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for step in STEPS:
        step(env)
