"""A small company's KPI night, and what it leaves in the database, row by row.

Monday 23 November 2026, 10:00 UTC: 11:00 in Copenhagen, 05:00 in New York, 19:00 in Tokyo, the
same local day for the six salespeople. Three rules (meetings planned, won deals, won revenue)
have three weeks of daily results (won revenue from the second week only, so that its weeks are
a batch of their own), their analysis by week with 2 weeks below target; the team reports
weekly to its leader. The night is the hourly evaluation, then the period scores and the
analysis, then the team reports, run either way:

* the cron path: the crons of kpi_management running their batches, one commit each (the
  queue turned off by its system parameter; the commits patched out: a TransactionCase);
* the job path: the same crons queueing jobs, trapped by queue_job's ``trap_jobs()`` and
  performed in the order of their graphs, again and again while jobs queue more jobs.
"""

import datetime
from contextlib import contextmanager
from unittest import mock

import pytz

from odoo import Command
from odoo.addons.kpi_management_queue import night
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL

NOW = datetime.datetime(2026, 11, 23, 10, 0, 0)
TODAY = datetime.date(2026, 11, 23)
TZ = "Europe/Copenhagen"
ONE_DAY = datetime.timedelta(days=1)


def local(*args, tz=TZ):
    """Naive UTC of a wall-clock time in ``tz``."""
    return pytz.timezone(tz).localize(datetime.datetime(*args)).astimezone(
        pytz.utc).replace(tzinfo=None)


def no_commit(self, processed=0, *, remaining=None, deactivate=False):
    """``ir.cron._commit_progress`` outside a cron commits: not in a TransactionCase."""
    return float("inf")


class NightCase(TransactionCase):
    """The data of the night (see the module's docstring), the two ways to run it and the
    snapshot of its rows. The registry is in test mode: the note of a failed job, posted from a
    cursor of its own (``night.note_failure``), lands in the test's transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.env = cls.env(context=dict(
            cls.env.context, tracking_disable=True, mail_create_nolog=True,
            no_mail_to_attendees=True, mail_notrack=True))
        cls.profile = cls.env["kpi.profile"].create({"name": "Night profile"})
        zones = (TZ, TZ, TZ, TZ, "America/New_York", "Asia/Tokyo")
        cls.users = cls.env["res.users"].concat(*(
            new_test_user(cls.env, login="kpi_q_sales%s" % i, tz=tz,
                          groups="sales_team.group_sale_salesman")
            for i, tz in enumerate(zones)))
        cls.users.kpi_profile_id = cls.profile
        cls.leader = new_test_user(
            cls.env, login="kpi_q_leader", tz=TZ,
            groups="sales_team.group_sale_salesman_all_leads,kpi_management.group_kpi_manager")
        cls.team = cls.env["crm.team"].create({
            "name": "Night team", "user_id": cls.leader.id, "kpi_report_frequency": "week",
            "crm_team_member_ids": [Command.create({"user_id": user.id})
                                    for user in cls.users],
        })
        cls.stage_won = cls.env["crm.stage"].create({"name": "Won (night)", "is_won": True,
                                                      "sequence": 99})
        cls.rules = cls.env["kpi.rule"].create([
            {"name": "Night meetings", "template_id": cls.template("meetings_planned").id,
             "target": 4, "window_days": 14},
            {"name": "Night deals", "template_id": cls.template("won_deals").id,
             "target": 3, "window_days": 30},
            {"name": "Night revenue", "template_id": cls.template("won_revenue").id,
             "target": 30000, "window_days": 30},
        ])
        cls.rules.write({"profile_ids": [Command.set(cls.profile.ids)],
                         "analysis_period": "week", "analysis_min_periods": 2})
        cls._activity()
        cls.history()

    @classmethod
    def template(cls, code):
        return cls.env.ref("kpi_management.kpi_template_%s" % code)

    @classmethod
    def _activity(cls):
        """Meetings planned, more for the last users (the first ones off track, the last on
        target); won deals every 3 days, up to the night for every other user, and for the
        others until 5 November only (their weeks since are below target: findings)."""
        for index, user in enumerate(cls.users):
            for day in range(index + 1):
                start = local(2026, 11, 24 + day, 10)
                cls.env["calendar.event"].create({
                    "name": "Visit", "user_id": user.id, "start": start,
                    "stop": start + datetime.timedelta(hours=1),
                    "partner_ids": [Command.set(user.partner_id.ids)]})
            last = local(2026, 11, 22, 12) if index % 2 == 0 else local(2026, 11, 5, 12)
            for day in range(0, 3 * (len(cls.users) - index), 3):
                won = last - datetime.timedelta(days=day)
                lead = cls.env["crm.lead"].create({
                    "name": "Deal", "type": "opportunity", "user_id": user.id,
                    "expected_revenue": 7000 + 1000 * index, "stage_id": cls.stage_won.id})
                lead.write({"date_closed": won, "kpi_date_won": won})

    @classmethod
    def history(cls):
        """The daily results of the three weeks before the night, oldest first (the streaks
        chain), evaluated as each day's night did: 2-22 November, revenue from the 9th."""
        for offset in range(21, 0, -1):
            day = TODAY - datetime.timedelta(days=offset)
            rules = cls.rules if day >= datetime.date(2026, 11, 9) else cls.rules[:2]
            rules.evaluate(date=day)

    # -------------------------------------------------------------- the night
    def set_queue(self, enabled):
        self.env["ir.config_parameter"].sudo().set_param(night.ENABLED_PARAM, str(enabled))

    @property
    def cron_env(self):
        """The environment a cron runs in: its user (the superuser) and no context."""
        return self.env(context={})

    def cron_night(self):
        """The night through the crons' own batches (the queue turned off)."""
        self.set_queue(False)
        env = self.cron_env
        with mock.patch.object(type(env["ir.cron"]), "_commit_progress", no_commit):
            env["kpi.rule"]._cron_evaluate(batch_size=2)
            env["kpi.period.result"]._cron_analyse()
            env["crm.team"]._cron_send_kpi_reports()

    def job_night(self, skip=None):
        """The night through the jobs: each cron queues, then its jobs run (and the jobs they
        queue). ``skip(job)``: the jobs for which it is true do nothing (the test that a batch
        left out is seen). :return: the jobs performed, in order."""
        self.set_queue(True)
        env, performed = self.cron_env, []
        with trap_jobs() as trap:
            for cron in (lambda: env["kpi.rule"]._cron_evaluate(batch_size=2),
                         env["kpi.period.result"]._cron_analyse,
                         env["crm.team"]._cron_send_kpi_reports):
                self.assertEqual(cron(), 0, "the cron leaves nothing to ir.cron")
                performed += self.perform_all(trap, skip)
        return performed

    def perform_all(self, trap, skip=None):
        """Perform the trapped jobs in the order of their graphs, and those they queue, until
        none is left (``skip``: see :meth:`job_night`)."""
        performed = []
        while trap.enqueued_jobs:
            for job in trap.enqueued_jobs:
                if skip and skip(job):
                    # done without doing anything: the jobs that depend on it still run
                    job.perform = lambda: None
            performed += trap.enqueued_jobs
            trap.perform_enqueued_jobs()
        return performed

    @contextmanager
    def undone(self):
        """Run the block, then undo everything it wrote (a savepoint rolled back)."""
        class Undo(Exception):
            pass

        try:
            with self.env.cr.savepoint():
                yield
                raise Undo
        except Undo:
            pass
        self.env.invalidate_all()
        self.env.registry.clear_cache()

    # --------------------------------------------------------------- snapshot
    def snapshot(self):
        """What the night leaves, row by row, every column but the ids; a row referring to
        another by id names it by its natural key instead (the two runs do not get the same
        ids): the daily results and the latest of each, the period scores, the reminders,
        the findings and their periods, the messages of the night (notes, reports) and the
        team's reported period."""
        self.env.flush_all()
        rules, cr = self.rules.ids, self.env.cr

        def rows(query, *args):
            cr.execute(SQL(query, *args))
            return [tuple(row) for row in cr.fetchall()]

        result_key = SQL("jsonb_build_array(r.rule_id, r.user_id, r.date)")
        period_key = SQL(
            "jsonb_build_array(p.rule_id, p.user_id, p.period_type, p.date_from)")
        return {
            "results": rows(
                """SELECT to_jsonb(r) - 'id' FROM kpi_result r WHERE r.rule_id = ANY(%s)
                    ORDER BY r.rule_id, r.user_id, r.date""", rules),
            "latest": rows(
                """SELECT %s FROM kpi_result_latest l JOIN kpi_result r ON r.id = l.result_id
                    WHERE l.rule_id = ANY(%s) ORDER BY 1""", result_key, rules),
            "periods": rows(
                """SELECT to_jsonb(p) - 'id' FROM kpi_period_result p WHERE p.rule_id = ANY(%s)
                    ORDER BY p.rule_id, p.user_id, p.period_type, p.date_from""", rules),
            "reminders": rows(
                """SELECT %s, to_jsonb(a) - 'id' - 'res_id' FROM mail_activity a
                     JOIN kpi_result r ON a.res_model = 'kpi.result' AND r.id = a.res_id
                    WHERE r.rule_id = ANY(%s) ORDER BY 1, 2""", result_key, rules),
            "findings": rows(
                """SELECT to_jsonb(d) - 'id' FROM kpi_discrepancy d WHERE d.rule_id = ANY(%s)
                    ORDER BY d.rule_id, d.user_id, d.date_from, d.state""", rules),
            "finding periods": rows(
                """SELECT d.rule_id, d.user_id, d.date_from, %s,
                          to_jsonb(l) - 'id' - 'finding_id' - 'period_result_id'
                     FROM kpi_discrepancy_period l
                     JOIN kpi_discrepancy d ON d.id = l.finding_id
                     LEFT JOIN kpi_period_result p ON p.id = l.period_result_id
                    WHERE d.rule_id = ANY(%s) ORDER BY 1, 2, 3, 4""", period_key, rules),
            "messages": rows(
                """SELECT m.model, CASE m.model WHEN 'kpi.result' THEN %s
                                                WHEN 'kpi.discrepancy' THEN
                                                     jsonb_build_array(d.rule_id, d.user_id,
                                                                       d.date_from)
                                                ELSE to_jsonb(m.res_id) END,
                          m.message_type, m.subtype_id, m.subject, m.body, m.author_id,
                          ARRAY(SELECT n.res_partner_id FROM mail_notification n
                                 WHERE n.mail_message_id = m.id ORDER BY 1)
                     FROM mail_message m
                     LEFT JOIN kpi_result r ON m.model = 'kpi.result' AND r.id = m.res_id
                     LEFT JOIN kpi_discrepancy d
                            ON m.model = 'kpi.discrepancy' AND d.id = m.res_id
                    WHERE m.date = %s
                      AND m.model IN ('kpi.rule', 'crm.team', 'kpi.result', 'kpi.discrepancy')
                    ORDER BY 1, 2, 3, 4, 5, 6, 7""", result_key, NOW),
            "team": rows("SELECT kpi_report_last_date FROM crm_team WHERE id = %s",
                         self.team.id),
        }
