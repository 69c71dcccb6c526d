"""The nightly job commits per batch: a crash loses only the batch in flight and the next run
finishes the job without computing anything twice.

TransactionCase forbids commits, so this test works on real, committed cursors and removes
everything it created at the end.
"""

from unittest import mock

import pytest

from odoo import SUPERUSER_ID, Command, api
from odoo.addons.kpi_management.models.kpi_rule import KpiRule
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

PREFIX = "kpi_cron_test_"


@pytest.fixture
def registry():
    return Registry(get_db_name())


def _env(cr):
    return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True,
                                              "no_reset_password": True})


@pytest.fixture
def committed_rule(registry):
    with registry.cursor() as cr:
        env = _env(cr)
        profile = env["kpi.profile"].create({"name": PREFIX + "profile"})
        users = env["res.users"].create([
            {"name": PREFIX + str(i), "login": PREFIX + str(i), "tz": "Europe/Copenhagen",
             "kpi_profile_id": profile.id,
             "group_ids": [Command.set([env.ref("sales_team.group_sale_salesman").id])]}
            for i in range(5)
        ])
        rule = env["kpi.rule"].create({
            "name": PREFIX + "rule",
            "template_id": env.ref("kpi_management.kpi_template_meetings_planned").id,
            "target": 10,
            "profile_ids": [Command.set(profile.ids)],
        })
        ids = (rule.id, profile.id, users.ids, users.partner_id.ids)
    yield ids
    rule_id, profile_id, user_ids, partner_ids = ids
    with registry.cursor() as cr:
        env = _env(cr)
        env["kpi.result"].search([("rule_id", "=", rule_id)]).unlink()
        env["kpi.rule"].browse(rule_id).unlink()
        env["res.users"].browse(user_ids).unlink()
        env["res.partner"].browse(partner_ids).unlink()
        env["kpi.profile"].browse(profile_id).unlink()


def _results(registry, rule_id):
    with registry.cursor() as cr:
        cr.execute("SELECT user_id, date FROM kpi_result WHERE rule_id = %s", [rule_id])
        return cr.fetchall()


def test_cron_commits_per_batch_and_resumes(registry, committed_rule):
    rule_id, _profile_id, user_ids, _partners = committed_rule
    original = KpiRule._evaluate_rows
    batches = []

    def crash_on_third_batch(self, rows, date=None, now=None):
        batches.append(len(rows))
        if len(batches) == 3:
            raise RuntimeError("simulated crash")
        return original(self, rows, date=date, now=now)

    with mock.patch.object(KpiRule, "_evaluate_rows", crash_on_third_batch), \
            registry.cursor() as cr, pytest.raises(RuntimeError):
        _env(cr)["kpi.rule"]._cron_evaluate(batch_size=2)
    assert batches == [2, 2, 1]
    stored = _results(registry, rule_id)
    assert len(stored) == 4, "the two committed batches survive the crash"
    assert {user for user, _day in stored} == set(user_ids[:4])

    batches.clear()

    def spy(self, rows, date=None, now=None):
        batches.append(len(rows))
        return original(self, rows, date=date, now=now)

    with mock.patch.object(KpiRule, "_evaluate_rows", spy), registry.cursor() as cr:
        remaining = _env(cr)["kpi.rule"]._cron_evaluate(batch_size=2)
    assert remaining == 0
    assert batches == [1], "only the user of the lost batch is computed again"
    stored = _results(registry, rule_id)
    assert len(stored) == 5 and len(set(stored)) == 5
    assert {user for user, _day in stored} == set(user_ids)

    # a third run the same day has nothing left to do: figures stay fixed during the day
    batches.clear()
    with mock.patch.object(KpiRule, "_evaluate_rows", spy), registry.cursor() as cr:
        _env(cr)["kpi.rule"]._cron_evaluate(batch_size=2)
    assert batches == []


def test_cron_record_is_installed(registry):
    with registry.cursor() as cr:
        cron = _env(cr).ref("kpi_management.ir_cron_kpi_evaluate")
        assert cron.active and cron.interval_type == "hours" and cron.interval_number == 1
        assert cron.code.strip() == "model._cron_evaluate()"
        assert cron.name == "KPI: nightly evaluation"
