"""The nightly job commits per batch: a crash loses only the batch in flight and the next run
finishes the job without computing anything twice.

TransactionCase forbids commits, so this test works on real, committed cursors and removes
everything it created at the end.
"""

from unittest import mock

import pytest

from odoo import SUPERUSER_ID, Command, api
from odoo.addons.kpi_management.models.kpi_result_reminder import CHECKED_ON_PARAM
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
        # the runs commit the day they checked the open reminders: put it back at the end
        checked_on = _env(cr)["ir.config_parameter"].get_param(CHECKED_ON_PARAM)
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
        env["ir.config_parameter"].set_param(CHECKED_ON_PARAM, checked_on)


def _results(registry, rule_id):
    with registry.cursor() as cr:
        cr.execute("SELECT user_id, date FROM kpi_result WHERE rule_id = %s", [rule_id])
        return cr.fetchall()


def test_cron_commits_per_batch_and_resumes(registry, committed_rule):
    rule_id, _profile_id, user_ids, _partners = committed_rule
    original = KpiRule._evaluate_rows
    batches = []

    def spy(self, rows, date=None, now=None):
        batches.append(len(rows))
        return original(self, rows, date=date, now=now)

    IrCron = registry["ir.cron"]
    commit_progress = IrCron._commit_progress

    def crash_before_third_commit(self, processed=0, *, remaining=None, deactivate=False):
        if len(batches) == 3:
            # the job dies (worker killed, connection lost) before committing the third batch
            raise RuntimeError("simulated crash")
        return commit_progress(self, processed, remaining=remaining, deactivate=deactivate)

    with mock.patch.object(KpiRule, "_evaluate_rows", spy), \
            mock.patch.object(IrCron, "_commit_progress", crash_before_third_commit), \
            pytest.raises(RuntimeError), registry.cursor() as cr:
        _env(cr)["kpi.rule"]._cron_evaluate(batch_size=2)
    assert batches == [2, 2, 1]
    stored = _results(registry, rule_id)
    assert len(stored) == 4, "the two committed batches survive the crash"
    assert {user for user, _day in stored} == set(user_ids[:4])

    batches.clear()
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


@pytest.fixture
def committed_rules(registry, committed_rule):
    """A second rule for the same five users, committed, removed at the end."""
    rule_id, profile_id, user_ids, _partners = committed_rule
    with registry.cursor() as cr:
        bad = _env(cr)["kpi.rule"].create({
            "name": PREFIX + "bad",
            "template_id": _env(cr).ref("kpi_management.kpi_template_meetings_held").id,
            "target": 10,
            "profile_ids": [Command.set([profile_id])],
        })
        bad_id = bad.id
    yield rule_id, bad_id, user_ids
    with registry.cursor() as cr:
        env = _env(cr)
        env["kpi.result"].search([("rule_id", "=", bad_id)]).unlink()
        env["kpi.rule"].browse(bad_id).unlink()


def _notes(registry, rule_id):
    """The nightly job's notes on the chatter of a rule."""
    with registry.cursor() as cr:
        cr.execute("SELECT body FROM mail_message WHERE model = 'kpi.rule' AND res_id = %s"
                   " AND subtype_id = %s", [rule_id, _env(cr).ref("mail.mt_note").id])
        return [body for (body,) in cr.fetchall() if "nightly evaluation" in body]


def test_cron_isolates_a_failing_batch_and_retries_it(registry, committed_rules, caplog):
    """A rule whose window leaves the calendar (1,000,000 days, written in SQL) fails its own
    batches only: the other rule's results are committed, the failure is logged and noted on
    the rule, does not count as progress, and the next run computes exactly the failed users."""
    good_id, bad_id, user_ids = committed_rules
    with registry.cursor() as cr:
        cr.execute("UPDATE kpi_rule SET window_days = 1000000 WHERE id = %s", [bad_id])
    original = KpiRule._evaluate_rows
    batches = []

    def spy(self, rows, date=None, now=None):
        batches.append((self.id, len(rows)))
        return original(self, rows, date=date, now=now)

    IrCron = registry["ir.cron"]
    commit_progress = IrCron._commit_progress
    progress = []

    def spy_progress(self, processed=0, *, remaining=None, deactivate=False):
        progress.append((processed, remaining))
        return commit_progress(self, processed, remaining=remaining, deactivate=deactivate)

    with mock.patch.object(KpiRule, "_evaluate_rows", spy), \
            mock.patch.object(IrCron, "_commit_progress", spy_progress), \
            caplog.at_level("ERROR", logger="odoo.addons.kpi_management"), \
            registry.cursor() as cr:
        remaining = _env(cr)["kpi.rule"]._cron_evaluate(batch_size=2)
    assert remaining == 0
    assert sorted(batches) == sorted([(good_id, 2), (good_id, 2), (good_id, 1),
                                      (bad_id, 2), (bad_id, 2), (bad_id, 1)])
    assert {user for user, _day in _results(registry, good_id)} == set(user_ids)
    assert _results(registry, bad_id) == [], "the failed batches are rolled back"
    failures = [r for r in caplog.records if r.exc_info and "kpi_cron_test_bad" in r.getMessage()]
    assert len(failures) == 3, "each failed batch is logged with its rule"
    assert f"(id {bad_id}) failed for 2 users" in failures[0].getMessage()
    assert "5 results failed (1 rules)" in caplog.text
    # the failure is neither progress done nor left to this run: ir.cron does not loop on it
    assert sum(processed for processed, _r in progress) == 5
    assert progress[-1][1] == 0
    notes = _notes(registry, bad_id)
    assert len(notes) == 1, "one note per rule and run, not one per batch"
    assert "failed for 5 users" in notes[0] and "3660" in notes[0]
    assert _notes(registry, good_id) == []

    # the administrator fixes the window: the next run computes exactly the failed users
    with registry.cursor() as cr:
        cr.execute("UPDATE kpi_rule SET window_days = 30 WHERE id = %s", [bad_id])
    batches.clear()
    with mock.patch.object(KpiRule, "_evaluate_rows", spy), registry.cursor() as cr:
        assert _env(cr)["kpi.rule"]._cron_evaluate(batch_size=2) == 0
    assert batches == [(bad_id, 2), (bad_id, 2), (bad_id, 1)]
    assert {user for user, _day in _results(registry, bad_id)} == set(user_ids)
    assert len(_results(registry, good_id)) == 5


def _reminders(registry, rule_id):
    with registry.cursor() as cr:
        cr.execute("""SELECT r.user_id, count(*) FROM mail_activity a
                        JOIN kpi_result r ON r.id = a.res_id AND a.res_model = 'kpi.result'
                       WHERE r.rule_id = %s AND a.active GROUP BY r.user_id""", [rule_id])
        return dict(cr.fetchall())


def test_reminders_survive_a_crash_once_each(registry, committed_rule):
    """The five users have no meeting planned: off track. A run that crashes before its third
    commit keeps the reminders of the committed batches only; the next run reminds the last
    user, and nobody twice."""
    rule_id, _profile_id, user_ids, _partners = committed_rule
    IrCron = registry["ir.cron"]
    commit_progress = IrCron._commit_progress
    commits = []

    def crash_before_third_commit(self, processed=0, *, remaining=None, deactivate=False):
        commits.append(processed)
        if len(commits) == 4:  # the first call only announces the work to do
            raise RuntimeError("simulated crash")
        return commit_progress(self, processed, remaining=remaining, deactivate=deactivate)

    with mock.patch.object(IrCron, "_commit_progress", crash_before_third_commit), \
            pytest.raises(RuntimeError), registry.cursor() as cr:
        _env(cr)["kpi.rule"]._cron_evaluate(batch_size=2)
    reminded = _reminders(registry, rule_id)
    assert reminded == dict.fromkeys(user_ids[:4], 1), reminded
    for _run in range(2):
        with registry.cursor() as cr:
            _env(cr)["kpi.rule"]._cron_evaluate(batch_size=2)
    assert _reminders(registry, rule_id) == dict.fromkeys(user_ids, 1)
