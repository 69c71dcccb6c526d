"""Upgrading a database of the previous release brings this release's security and keeps its data.

The record rules are ``noupdate``: without ``migrations/``, ``-u kpi_management`` would leave a
database with the rules of the release it was installed with. This test installs the previous
release (git commit ``PREVIOUS``) into a new database, fills it with an approved bonus sheet,
makes its security differ from this release's the way an older release's does, upgrades it with
this code and compares it with the test database, a fresh install of this code.

Odoo runs in subprocesses: this process has imported this release's code, and the previous
release's code must install and fill its database. The database and the extracted addon are
removed at the end, whatever happens.
"""

import ast
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
from contextlib import closing

import pytest

from odoo.sql_db import close_db, db_connect
from odoo.tests.common import get_db_name
from odoo.tools import SQL, config

REPO = pathlib.Path(__file__).resolve().parent.parent
MODULE = "kpi_management"
#: the last release before this one, and its version
PREVIOUS = "5e3cf16"
PREVIOUS_VERSION = "19.0.1.0.0"
TIMEOUT = 900  # seconds, per Odoo run

# ---------------------------------------------------------------------------------------------
# Filling the database of the previous release: runs in ``odoo shell`` with THAT release's code,
# so it only uses its API (see ``git show 5e3cf16:tests/bonus_common.py``). It prints the ids the
# checks need on a line starting with FILLED.
FILL = """
import datetime
import json

from odoo import Command, fields

env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True,
                       mail_notrack=True, no_reset_password=True))


def user(login, groups, profile=False):
    return env["res.users"].create({
        "name": login, "login": login, "tz": "Europe/Copenhagen",
        "kpi_profile_id": profile and profile.id,
        "group_ids": [Command.set([env.ref(group).id for group in groups])],
    })


profile = env["kpi.profile"].create({"name": "Upgrade test sales"})
salesman = user("kpi_upgrade_salesman", ["sales_team.group_sale_salesman"], profile)
salesman2 = user("kpi_upgrade_salesman2", ["sales_team.group_sale_salesman"], profile)
manager = user("kpi_upgrade_manager", ["sales_team.group_sale_salesman_all_leads",
                                       "kpi_management.group_kpi_manager"])
officer = user("kpi_upgrade_officer", ["base.group_user",
                                       "kpi_management.group_kpi_bonus_officer"])
team = env["crm.team"].create({
    "name": "Upgrade test team", "user_id": manager.id,
    "crm_team_member_ids": [Command.create({"user_id": salesman.id}),
                            Command.create({"user_id": salesman2.id})],
})
rule = env["kpi.rule"].create({
    "name": "Upgrade test volume", "target": 100000, "window_days": 30,
    "template_id": env.ref("kpi_management.kpi_template_won_revenue").id,
    "profile_ids": [Command.set(profile.ids)],
})
scheme = env["kpi.bonus.scheme"].create({
    "name": "Upgrade test bonus", "base_amount": 10000,
    "profile_ids": [Command.set(profile.ids)],
    "line_ids": [
        Command.create({"rule_id": rule.id, "weight": 60}),
        Command.create({"kind": "manual", "name": "Customer service", "weight": 40}),
    ],
})
won = env["crm.stage"].create({"name": "Won (upgrade test)", "is_won": True, "sequence": 99})
lead = env["crm.lead"].create({"name": "Upgrade test deal", "type": "opportunity",
                               "user_id": salesman.id, "expected_revenue": 90000,
                               "stage_id": won.id})
lead.date_closed = fields.Datetime.now() - datetime.timedelta(days=5)
today = fields.Date.context_today(env["res.users"])
sheet = env["kpi.bonus.sheet"].with_user(officer).create({
    "scheme_id": scheme.id, "team_id": team.id, "period_type": "custom",
    "date_from": today - datetime.timedelta(days=30), "date_to": today - datetime.timedelta(days=1),
})
service = scheme.line_ids.filtered(lambda line: line.kind == "manual")
for employee, score in ((salesman, 90), (salesman2, 70)):
    env["kpi.bonus.assessment"].with_user(manager).create({
        "sheet_id": sheet.id, "scheme_line_id": service.id, "user_id": employee.id,
        "score": score})
sheet.with_user(officer).action_compute()
sheet.with_user(officer).action_submit()
sheet.with_user(manager).action_approve_manager()
sheet.with_user(officer).action_approve()
assert sheet.state == "approved" and sheet.sudo().total_amount, "the fill computed no bonus"
# deals for the won date (19.0.1.2.0), after the approval so that the sheet is not concerned: a
# won deal archived since, one lost, one open (the won deal above is one too)
Lead = env["crm.lead"]
archived = Lead.create({"name": "Upgrade test deal, archived", "type": "opportunity",
                        "user_id": manager.id, "stage_id": won.id})
archived.action_archive()  # the old release: closed again now
lost = Lead.create({"name": "Upgrade test deal, lost", "type": "opportunity",
                    "user_id": manager.id})
lost.action_set_lost()
pending = Lead.create({"name": "Upgrade test deal, open", "type": "opportunity",
                       "user_id": manager.id})
assert (lead | archived).mapped("won_status") == ["won", "won"] and not archived.active
# results with nothing to measure (19.0.1.2.0): no lead to answer was stored as 100% reached;
# 0 overdue activities against a tolerance of 2 as 100% (1 overdue scored 200%)
def template_rule(name, template, target):
    return env["kpi.rule"].create({
        "name": name, "target": target, "window_days": 30, "direction": "lower",
        "template_id": env.ref("kpi_management.kpi_template_" + template).id,
        "profile_ids": [Command.set(profile.ids)]})


response = template_rule("Upgrade test response", "response_time", 8)
overdue = template_rule("Upgrade test overdue", "overdue_activities", 2)
(response | overdue).evaluate()
# a pilot rule (19.0.1.4.0: the mode is stored on each result)
overdue.pilot = True
env.cr.commit()
print("FILLED " + json.dumps({"sheet_id": sheet.id, "won_ids": (lead | archived).ids,
                              "not_won_ids": (lost | pending).ids,
                              "response_id": response.id, "overdue_id": overdue.id,
                              "salesman2_id": salesman2.id}))
"""

# Security that differs from this release's, as an older release's may: the upgrade must bring
# this release's rules and access rights whatever the database had. Also runs in ``odoo shell``
# with the previous release's code.
DRIFT = """
ref = env.ref
# a rule whose domain this release changed
ref("kpi_management.kpi_bonus_sheet_rule_user").domain_force = "[('line_ids.user_id', '=', user.id)]"
# a rule that lost a group, one that lost a permission
ref("kpi_management.kpi_rule_target_rule_admin").groups += ref("kpi_management.group_kpi_manager")
ref("kpi_management.kpi_bonus_assessment_rule_user").perm_unlink = False
# a rule this release deleted (noupdate, as the file declares its rules)
obsolete = env["ir.rule"].create({
    "name": "Bonus sheets: obsolete", "model_id": ref("kpi_management.model_kpi_bonus_sheet").id,
    "domain_force": "[(1, '=', 1)]", "groups": [(4, ref("kpi_management.group_kpi_user").id)]})
env["ir.model.data"].create({"module": "kpi_management", "name": "kpi_bonus_sheet_rule_obsolete",
                             "model": "ir.rule", "res_id": obsolete.id, "noupdate": True})
# an access right this release changed, one it deleted
ref("kpi_management.access_kpi_bonus_sheet_line_officer").perm_write = True
obsolete = env["ir.model.access"].create({
    "name": "kpi.bonus.sheet obsolete", "model_id": ref("kpi_management.model_kpi_bonus_sheet").id,
    "group_id": ref("kpi_management.group_kpi_user").id, "perm_read": True, "perm_write": True})
env["ir.model.data"].create({"module": "kpi_management", "name": "access_kpi_bonus_sheet_obsolete",
                             "model": "ir.model.access", "res_id": obsolete.id})
env.cr.commit()
"""


# What this release's ORM shows of the filled sheet once upgraded (19.0.1.3.0: the notes are
# computed fields): runs in ``odoo shell`` with THIS release's code on the upgraded database.
SHOW = """
import json

sheet = env["kpi.bonus.sheet"].browse(SHEET_ID)
print("SHOWN " + json.dumps({
    "details": [[d.id, d.note] for d in sheet.line_ids.detail_ids.sorted("id")],
    "lines": [[line.id, line.presence_note, line.no_data_note]
              for line in sheet.line_ids.sorted("id")],
}))
"""


# ------------------------------------------------------------------------------- what is read
def record_rules(cr):
    """``{xml id: (name, model, domain, groups, perms, active, global, noupdate)}``."""
    cr.execute("""
        SELECT d.name, r.name, m.model, r.domain_force,
               ARRAY(SELECT gd.module || '.' || gd.name
                       FROM rule_group_rel rg
                       JOIN ir_model_data gd ON gd.model = 'res.groups' AND gd.res_id = rg.group_id
                      WHERE rg.rule_group_id = r.id ORDER BY 1),
               r.perm_read, r.perm_write, r.perm_create, r.perm_unlink, r.active, r.global,
               d.noupdate
          FROM ir_model_data d
          JOIN ir_rule r ON r.id = d.res_id
          JOIN ir_model m ON m.id = r.model_id
         WHERE d.module = %s AND d.model = 'ir.rule'
    """, [MODULE])
    return {row[0]: row[1:] for row in cr.fetchall()}


def access_rights(cr):
    """``{xml id: (name, model, group, perms, active)}``."""
    cr.execute("""
        SELECT d.name, a.name, m.model,
               (SELECT gd.module || '.' || gd.name FROM ir_model_data gd
                 WHERE gd.model = 'res.groups' AND gd.res_id = a.group_id ORDER BY 1 LIMIT 1),
               a.perm_read, a.perm_write, a.perm_create, a.perm_unlink, a.active
          FROM ir_model_data d
          JOIN ir_model_access a ON a.id = d.res_id
          JOIN ir_model m ON m.id = a.model_id
         WHERE d.module = %s AND d.model = 'ir.model.access'
    """, [MODULE])
    return {row[0]: row[1:] for row in cr.fetchall()}


def installed_version(cr):
    cr.execute("SELECT state, latest_version FROM ir_module_module WHERE name = %s", [MODULE])
    return cr.fetchone()


def columns(cr, table):
    """``{column: type}`` of ``table``."""
    cr.execute("SELECT column_name, data_type FROM information_schema.columns "
               "WHERE table_name = %s AND table_schema = current_schema()", [table])
    return dict(cr.fetchall())


def indexes(cr, table):
    """``{index: definition}`` of ``table``."""
    cr.execute("SELECT indexname, indexdef FROM pg_indexes "
               "WHERE tablename = %s AND schemaname = current_schema()", [table])
    return dict(cr.fetchall())


def stored_notes(cr, sheet_id, column="note"):
    """``[[detail id, note]]`` of the sheet's details, the note as ``column`` stores it."""
    cr.execute(SQL("SELECT d.id, d.%s FROM kpi_bonus_sheet_detail d "
                   "JOIN kpi_bonus_sheet_line l ON l.id = d.line_id "
                   "WHERE l.sheet_id = %s ORDER BY d.id", SQL.identifier(column), sheet_id))
    return [list(row) for row in cr.fetchall()]


def sheet_figures(cr, sheet_id):
    """What an approved sheet pays: it must come out of the upgrade unchanged."""
    cr.execute("SELECT state, total_amount, base_amount, levels_frozen::text, approved_uid, "
               "date_from, date_to FROM kpi_bonus_sheet WHERE id = %s", [sheet_id])
    sheet = cr.fetchone()
    cr.execute("SELECT user_id, total_score, payout_percent, amount, rank "
               "FROM kpi_bonus_sheet_line WHERE sheet_id = %s ORDER BY id", [sheet_id])
    lines = cr.fetchall()
    cr.execute("SELECT d.scheme_line_id, d.value, d.target, d.score, d.weight, d.contribution "
               "FROM kpi_bonus_sheet_detail d JOIN kpi_bonus_sheet_line l ON l.id = d.line_id "
               "WHERE l.sheet_id = %s ORDER BY d.id", [sheet_id])
    return {"sheet": sheet, "lines": lines, "details": cr.fetchall()}


# ------------------------------------------------------------------------------- the checks
def check_upgraded(cr, fresh_cr, filled, shown):
    """What an upgraded database guarantees. ``cr``: the upgraded database; ``fresh_cr``: the
    test database (a fresh install of this code); ``filled``: what FILL printed and what was
    read before the upgrade; ``shown``: what SHOW printed (this release's ORM on the upgraded
    database). Add the guarantees of later changes here, one section each."""
    # -- the release is installed
    assert installed_version(cr) == ("installed", manifest_version())

    # -- record rules: the same xml ids as a fresh install (a deleted rule is gone), each equal
    #    to the fresh install's (domain, groups, permissions, active, global), noupdate again
    upgraded, fresh = record_rules(cr), record_rules(fresh_cr)
    assert upgraded == fresh, "record rules differ from a fresh install's:\n" + differences(
        upgraded, fresh)
    assert all(rule[-1] for rule in upgraded.values()), "record rules are no longer noupdate"

    # -- access rights: equal to a fresh install's, a deleted one is gone
    upgraded, fresh = access_rights(cr), access_rights(fresh_cr)
    assert upgraded == fresh, "access rights differ from a fresh install's:\n" + differences(
        upgraded, fresh)

    # -- data: the approved sheet, its lines and details are what they were
    assert sheet_figures(cr, filled["sheet_id"]) == filled["figures"]

    # -- 19.0.1.1.0: the approved sheet keeps the names of its approval; its lines know the
    #    employee's name and days in the team (the whole period: the old release paid that)
    cr.execute("""SELECT s.scheme_name, s.team_name, s.company_name IS NOT NULL,
                         s.approval_names->>'submitted', s.approval_names->>'hr', s.name
                    FROM kpi_bonus_sheet s WHERE s.id = %s""", [filled["sheet_id"]])
    scheme_name, team_name, has_company, submitted, hr, name = cr.fetchone()
    assert (scheme_name, team_name, has_company) == ("Upgrade test bonus", "Upgrade test team",
                                                     True)
    assert (submitted, hr) == ("kpi_upgrade_officer", "kpi_upgrade_officer")
    assert name.startswith("Upgrade test bonus / Upgrade test team / ")
    cr.execute("""SELECT bool_and(l.worked_from = s.date_from AND l.worked_to = s.date_to),
                         array_agg(l.employee_name ORDER BY l.employee_name)
                    FROM kpi_bonus_sheet_line l JOIN kpi_bonus_sheet s ON s.id = l.sheet_id
                   WHERE s.id = %s""", [filled["sheet_id"]])
    whole_period, names = cr.fetchone()
    assert whole_period, "lines of an old sheet cover its whole period"
    assert names == ["kpi_upgrade_salesman", "kpi_upgrade_salesman2"]

    # -- 19.0.1.2.0: won deals (archived ones too) were won on their closing date, the best date
    #    the old release knew; other leads were never won
    cr.execute("SELECT id, kpi_date_won, date_closed FROM crm_lead WHERE id = ANY(%s)",
               [filled["won_ids"] + filled["not_won_ids"]])
    dates = {lead_id: (won_on, closed) for lead_id, won_on, closed in cr.fetchall()}
    for lead_id in filled["won_ids"]:
        won_on, closed = dates[lead_id]
        assert won_on and won_on == closed, "won deal %s: won on %s, closed on %s" % (
            lead_id, won_on, closed)
    assert [dates[lead_id][0] for lead_id in filled["not_won_ids"]] == [None, None]

    # -- 19.0.1.2.0: no lead to answer is no data (no value, no score), not 100% reached; 0
    #    overdue activities is a measured 0, scored the cap against a tolerance of 2
    cr.execute("""SELECT rule_id, status, value, score FROM kpi_result
                   WHERE rule_id = ANY(%s) AND user_id = %s""",
               [[filled["response_id"], filled["overdue_id"]], filled["salesman2_id"]])
    results = {rule_id: rest for rule_id, *rest in cr.fetchall()}
    assert results[filled["response_id"]] == ["no_data", None, None], results
    assert results[filled["overdue_id"]] == ["reached", 0.0, 200.0], results

    # -- 19.0.1.3.0: notes are stored as facts and worded when read, in the reader's language.
    #    The tables of the sheet's lines and details have a fresh install's columns (the
    #    sentences' columns renamed, the derived no-data note dropped); the English sentences
    #    of the old sheet are kept word for word, without facts, and shown as they were
    for table in ("kpi_bonus_sheet_line", "kpi_bonus_sheet_detail"):
        upgraded, fresh = columns(cr, table), columns(fresh_cr, table)
        assert upgraded == fresh, "%s: columns differ from a fresh install's:\n%s" % (
            table, differences(upgraded, fresh))
    notes = filled["notes"]
    assert len(notes) == 4 and all(note for _id, note in notes), notes
    assert any(note.startswith("Measured over the whole period ") for _id, note in notes)
    assert ["kpi_upgrade_manager: 90%", "kpi_upgrade_manager: 70%"] == [
        note for _id, note in notes if note.startswith("kpi_upgrade_manager")]
    assert stored_notes(cr, filled["sheet_id"], "legacy_note") == notes
    assert stored_notes(cr, filled["sheet_id"], "note_facts") == [
        [detail_id, None] for detail_id, _note in notes]
    cr.execute("""SELECT count(*) FROM kpi_bonus_sheet_line
                   WHERE sheet_id = %s AND (presence_facts IS NOT NULL
                                            OR legacy_presence_note IS NOT NULL)""",
               [filled["sheet_id"]])
    assert cr.fetchone()[0] == 0  # the old release paid every employee the whole period
    assert shown["details"] == notes, shown
    assert [[note, no_data] for _id, note, no_data in shown["lines"]] == [[False, False]] * 2

    # -- 19.0.1.3.0: My Bonus Estimate is a screen, no longer a wizard: its models and their
    #    tables are gone, as in a fresh install
    for db in (cr, fresh_cr):
        db.execute("SELECT count(*) FROM ir_model WHERE model LIKE 'kpi.bonus.preview%'")
        assert db.fetchone()[0] == 0
        db.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'kpi_bonus_preview%'")
        assert db.fetchone()[0] == 0


    # -- 19.0.1.4.0: each result stores whether its rule ran as a pilot that day; the results
    #    computed before get the mode of their rule at the upgrade (the only one known)
    assert columns(cr, "kpi_result") == columns(fresh_cr, "kpi_result")
    # -- 19.0.1.7.0: no log-access columns (above) and no index on the rule, the status or
    #    the mode: Odoo keeps an index its field no longer asks for, the migration drops them
    assert indexes(cr, "kpi_result") == indexes(fresh_cr, "kpi_result")
    cr.execute("""SELECT rule_id, bool_and(pilot), count(*) FROM kpi_result
                   WHERE rule_id = ANY(%s) GROUP BY rule_id""",
               [[filled["response_id"], filled["overdue_id"]]])
    modes = {rule_id: (pilot, count) for rule_id, pilot, count in cr.fetchall()}
    assert modes[filled["overdue_id"]][0] is True and modes[filled["response_id"]][0] is False
    assert modes[filled["overdue_id"]][1] > 0, modes

    # -- 19.0.1.8.0: the latest result of each rule and user has a table of its own, filled
    #    from the results of the previous release
    cr.execute("""SELECT count(*) FROM kpi_result_latest""")
    assert cr.fetchone()[0] > 0
    cr.execute("""SELECT rule_id, user_id, result_id FROM kpi_result_latest
                  EXCEPT
                  SELECT DISTINCT ON (rule_id, user_id) rule_id, user_id, id FROM kpi_result
                   ORDER BY 1, 2, 3""")
    assert cr.fetchall() == []
    cr.execute("""SELECT count(DISTINCT (rule_id, user_id)) - (SELECT count(*)
                    FROM kpi_result_latest) FROM kpi_result""")
    assert cr.fetchone()[0] == 0
    # -- 19.0.1.9.0: its result_id is no foreign key (no constraint, no index on it)
    assert indexes(cr, "kpi_result_latest") == indexes(fresh_cr, "kpi_result_latest")
    for db in (cr, fresh_cr):
        db.execute("""SELECT count(*) FROM pg_constraint
                       WHERE conrelid = 'kpi_result_latest'::regclass
                         AND confrelid = 'kpi_result'::regclass""")
        assert db.fetchone()[0] == 0

    # -- 19.0.1.5.0: period scores and discrepancy findings (new tables, as in a fresh install);
    #    the rules of the previous release are analysed monthly, 2 periods in a row, the default
    for table in ("kpi_rule", "kpi_period_result", "kpi_discrepancy", "kpi_discrepancy_period",
                  "kpi_discrepancy_note", "kpi_discrepancy_cause"):
        assert columns(cr, table) == columns(fresh_cr, table), table
    cr.execute("SELECT DISTINCT analysis_period, analysis_min_periods FROM kpi_rule")
    assert cr.fetchall() == [("month", 2)]
    for db in (cr, fresh_cr):
        db.execute("SELECT count(*) FROM kpi_discrepancy_cause")
        assert db.fetchone()[0] == 8
        db.execute("SELECT count(*) FROM ir_cron c JOIN ir_model_data d ON d.res_id = c.id "
                   "AND d.model = 'ir.cron' WHERE d.name = 'ir_cron_kpi_analyse'")
        assert db.fetchone()[0] == 1

    # -- 19.0.1.8.0: each result and period score records the currency its amounts were
    #    measured in (the columns: above); those computed before get the currency of their
    #    company (the rule's), else of the user's main company, as the measure had it then
    cr.execute("""SELECT count(*),
                         count(*) FILTER (WHERE r.currency_id IS DISTINCT FROM c.currency_id)
                    FROM kpi_result r
                    JOIN res_users u ON u.id = r.user_id
                    JOIN res_company c ON c.id = COALESCE(r.company_id, u.company_id)""")
    results, wrong = cr.fetchone()
    assert results > 0 and wrong == 0, (results, wrong)


# ------------------------------------------------------------------------------- the machinery
def differences(upgraded, fresh):
    """The rows of ``{xml id: values}`` that differ, one per line, for the failure message."""
    return "\n".join(
        "%s:\n  upgraded: %s\n  fresh:    %s" % (xmlid, upgraded.get(xmlid, "(none)"),
                                               fresh.get(xmlid, "(none)"))
        for xmlid in sorted(set(upgraded) | set(fresh)) if upgraded.get(xmlid) != fresh.get(xmlid))


def manifest_version():
    manifest = ast.literal_eval((REPO / MODULE / "__manifest__.py").read_text())
    return manifest["version"]


def drop_database(name):
    close_db(name)
    with closing(db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True  # DROP DATABASE cannot run in a transaction
        cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   "WHERE datname = %s AND pid != pg_backend_pid()", [name])
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))
    shutil.rmtree(config.filestore(name), ignore_errors=True)


def extract_previous_release(target):
    """``git archive`` the addon of PREVIOUS into ``target``; fail clearly without the history."""
    found = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", PREVIOUS + "^{commit}"],
                           capture_output=True, check=False)
    if found.returncode:
        pytest.fail("The upgrade test needs the git history of this repository: commit %s (the "
                    "previous release, %s) is not in %s (not a git checkout, or a shallow clone: "
                    "`git fetch --unshallow`)." % (PREVIOUS, PREVIOUS_VERSION, REPO))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", PREVIOUS, MODULE],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)


def odoo(*args, addons, stdin=None):
    """Run ``odoo [shell] <args>`` on the test's configuration with ``addons`` as addons path;
    return its output, fail with its log when it fails."""
    command, args = (["shell"], args[1:]) if args[0] == "shell" else ([], args)
    run = subprocess.run(
        [sys.executable, "-m", "odoo", *command, "-c", config["config"],
         "--addons-path=" + ",".join(addons), "--log-level=warn", "--no-http", *args],
        input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )
    assert run.returncode == 0, "odoo %s failed (exit %s):\n%s" % (
        " ".join(command + list(args)), run.returncode, (run.stdout + run.stderr)[-4000:])
    return run.stdout


@pytest.fixture
def upgrade_db():
    """A database name of our own, dropped before and after."""
    name = get_db_name() + "_upgrade"
    drop_database(name)
    yield name
    drop_database(name)


@pytest.fixture
def previous_addons():
    """The addons path with the previous release of the addon instead of this repository."""
    with tempfile.TemporaryDirectory(prefix="kpi_upgrade_") as tmpdir:
        extract_previous_release(tmpdir)
        addons = [path for path in config["addons_path"]
                  if pathlib.Path(path).resolve() != REPO]
        yield [tmpdir, *addons]


def test_upgrade_from_previous_release(upgrade_db, previous_addons):
    # 1. the previous release, filled, with its (here: drifted) security
    odoo("-d", upgrade_db, "-i", MODULE, "--stop-after-init", addons=previous_addons)
    out = odoo("shell", "-d", upgrade_db, addons=previous_addons, stdin=FILL)
    printed = [line[len("FILLED "):] for line in out.splitlines() if line.startswith("FILLED ")]
    assert printed, "the fill printed nothing:\n%s" % out[-4000:]
    filled = json.loads(printed[-1])
    odoo("shell", "-d", upgrade_db, addons=previous_addons, stdin=DRIFT)
    with closing(db_connect(upgrade_db).cursor()) as cr:
        assert installed_version(cr) == ("installed", PREVIOUS_VERSION), \
            "the previous release was not the one installed (addons path: %s)" % previous_addons
        filled["figures"] = sheet_figures(cr, filled["sheet_id"])
        filled["notes"] = stored_notes(cr, filled["sheet_id"])
    close_db(upgrade_db)

    # 2. the upgrade with this code
    odoo("-d", upgrade_db, "-u", MODULE, "--stop-after-init", addons=config["addons_path"])
    out = odoo("shell", "-d", upgrade_db, addons=config["addons_path"],
               stdin=SHOW.replace("SHEET_ID", str(filled["sheet_id"])))
    printed = [line[len("SHOWN "):] for line in out.splitlines() if line.startswith("SHOWN ")]
    assert printed, "SHOW printed nothing:\n%s" % out[-4000:]

    # 3. the checks, against a fresh install of this code
    with closing(db_connect(upgrade_db).cursor()) as cr, \
            closing(db_connect(get_db_name()).cursor()) as fresh_cr:
        check_upgraded(cr, fresh_cr, filled, json.loads(printed[-1]))
    close_db(upgrade_db)
