"""Two sheets of two teams sharing an employee, computed at the same moment on two database
connections: only one of them pays the employee.

Odoo runs each request in a REPEATABLE READ transaction: the second transaction does not see
the first one's lines once its snapshot is taken, so a "read, then insert" check passes in
both. The sheet serialises its check per scheme; this test commits on real cursors and
removes everything it created at the end.
"""

import datetime

import pytest
from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

PREFIX = "kpi_concurrency_test_"


def _env(cr):
    return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True,
                                              "no_reset_password": True,
                                              "mail_create_nolog": True, "mail_notrack": True})


@pytest.fixture
def registry():
    return Registry(get_db_name())


@pytest.fixture
def two_sheets(registry):
    """Two draft sheets (two teams, one scheme, October 2026) sharing one salesperson."""
    with registry.cursor() as cr:
        env = _env(cr)
        params = env["ir.config_parameter"]
        multi = params.get_param("sales_team.membership_multi")
        params.set_param("sales_team.membership_multi", True)
        profile = env["kpi.profile"].create({"name": PREFIX + "profile"})
        salesman = env["res.users"].create({
            "name": PREFIX + "shared", "login": PREFIX + "shared", "tz": "Europe/Copenhagen",
            "kpi_profile_id": profile.id,
            "group_ids": [Command.set([env.ref("sales_team.group_sale_salesman").id])]})
        teams = env["crm.team"].create([
            {"name": PREFIX + name, "crm_team_member_ids": [
                Command.create({"user_id": salesman.id})]}
            for name in ("a", "b")])
        rule = env["kpi.rule"].create({
            "name": PREFIX + "rule", "target": 1,
            "template_id": env.ref("kpi_management.kpi_template_won_deals").id,
            "profile_ids": [Command.set(profile.ids)]})
        scheme = env["kpi.bonus.scheme"].create({
            "name": PREFIX + "scheme", "base_amount": 100,
            "profile_ids": [Command.set(profile.ids)],
            "line_ids": [Command.create({"rule_id": rule.id, "weight": 100})]})
        sheets = env["kpi.bonus.sheet"].create([
            {"scheme_id": scheme.id, "team_id": team.id, "period_type": "month",
             "date_from": datetime.date(2026, 10, 1)} for team in teams])
        ids = {"sheets": sheets.ids, "scheme": scheme.id, "rule": rule.id, "teams": teams.ids,
               "user": salesman.id, "partner": salesman.partner_id.id, "profile": profile.id,
               "multi": multi}
    yield ids
    with registry.cursor() as cr:
        env = _env(cr)
        env["kpi.bonus.sheet"].browse(ids["sheets"]).unlink()
        env["kpi.bonus.scheme"].browse(ids["scheme"]).unlink()
        env["kpi.rule"].browse(ids["rule"]).unlink()
        env["crm.team"].browse(ids["teams"]).unlink()
        env["res.users"].browse(ids["user"]).unlink()
        env["res.partner"].browse(ids["partner"]).unlink()
        env["kpi.profile"].browse(ids["profile"]).unlink()
        env["ir.config_parameter"].set_param("sales_team.membership_multi", ids["multi"])


def test_two_sheets_computed_at_the_same_moment_pay_the_employee_once(registry, two_sheets):
    sheet_a, sheet_b = two_sheets["sheets"]
    with registry.cursor() as cr_a, registry.cursor() as cr_b:
        env_a, env_b = _env(cr_a), _env(cr_b)
        # B's transaction has begun (its snapshot is taken) before A computes and commits
        assert env_b["kpi.bonus.sheet"].browse(sheet_b).state == "draft"
        env_a["kpi.bonus.sheet"].browse(sheet_a).action_compute()
        cr_a.commit()
        with pytest.raises(SerializationFailure):
            env_b["kpi.bonus.sheet"].browse(sheet_b).action_compute()
        cr_b.rollback()
        # Odoo retries a request that failed to serialise: the retry sees A's line
        env_b.invalidate_all()
        with pytest.raises(UserError) as caught:
            env_b["kpi.bonus.sheet"].browse(sheet_b).action_compute()
        assert PREFIX + "shared" in str(caught.value)
        cr_b.rollback()
    with registry.cursor() as cr:
        cr.execute("SELECT sheet_id FROM kpi_bonus_sheet_line WHERE user_id = %s",
                   [two_sheets["user"]])
        assert [row[0] for row in cr.fetchall()] == [sheet_a]
