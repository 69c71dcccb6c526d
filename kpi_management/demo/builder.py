"""The demo's history, built by ``make demo`` (``scripts/dev.sh``) after the demo data is
installed: demo only, never called by the module itself.

Each step goes through the models' own actions and checks, in the name of the demo user whose
step it is, and can be run again: what exists already is left as it is.

* :func:`backfill`: the nightly evaluation of the last N days (and today, unless the demo's
  night runs through the job queue: kpi_management_queue's ``demo/builder.py``);
* :func:`bonus_sheets`: the *Sales bonus* sheets of the demo team for the two months ended,
  each made by :func:`bonus_sheet` (which the bridges' demos call for their own schemes:
  kpi_management_sale_stock's ``demo/builder.py``);
* :func:`reminders`: the reminders the hourly run gives for the latest results;
* :func:`analysis`: the period scores, the discrepancy analysis and the working group's review
  of the demo salesperson's finding.
"""

import datetime
import logging

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..models.kpi_result_reminder import REMINDER_TYPE
from ..tools import bonus_math, calendar

_logger = logging.getLogger(__name__)

#: the team manager's assessment of "Customer service" for each salesperson of the demo team,
#: in the month before last and in the month just ended (anybody else on the sheet: 80)
SERVICE_SCORES = {
    "kpi_management.kpi_user_sales_demo": (95.0, 90.0),
    "kpi_management.kpi_user_sales2_demo": (75.0, 70.0),
}


def backfill(rules, days=90, today=True):
    """Evaluate ``rules`` on each of the last ``days`` days and today (unless ``today`` is
    false: the night evaluates it), oldest first (the streaks chain). :return: the number of
    results stored."""
    last = 0 if today else 1
    today = fields.Date.context_today(rules)
    count = 0
    for offset in range(days, last - 1, -1):
        count += len(rules.evaluate(date=today - datetime.timedelta(days=offset)))
    return count


def bonus_sheets(env):
    """The *Sales bonus* sheets of the demo team for the two months that have ended (after
    :func:`backfill`, whose results the sheets need), made by the demo users themselves, each
    in their own name:

    * the month before last: created, computed and submitted by HR (``kpi_hr_demo``),
      *Customer service* assessed and the sheet approved by the team manager
      (``kpi_manager_demo``), the HR approval given by ``admin`` (the submitter may not give
      it);
    * the month just ended: the same up to the submission, so it waits for the team manager's
      approval.

    A sheet that exists already for the scheme, team and month is left as it is: running
    ``make demo`` again neither fails nor duplicates. Does nothing without the demo data.

    :return: the sheets of the two months.
    """
    scheme = env.ref("kpi_management.kpi_bonus_scheme_sales_demo", raise_if_not_found=False)
    team = env.ref("kpi_management.kpi_team_demo", raise_if_not_found=False)
    hr = env.ref("kpi_management.kpi_user_hr_demo", raise_if_not_found=False)
    admin = env.ref("base.user_admin", raise_if_not_found=False)
    Sheet = env["kpi.bonus.sheet"]
    if not (scheme and team and team.user_id and hr and admin):
        return Sheet
    today = fields.Date.context_today(Sheet)
    last_month = calendar.last_period(today, calendar.MONTH)[0]
    month_before = last_month - relativedelta(months=1)
    # a bonus sheet averages the daily results of its month: the history must start on the
    # first day of the month before last (90 days do not reach it from the 30th of some
    # months); evaluated again from there in date order, for the streaks to chain
    env["kpi.result"].flush_model(["date", "team_id"])
    env.cr.execute(SQL("SELECT min(date) FROM kpi_result WHERE team_id = %s", team.id))
    first_result = env.cr.fetchone()[0]
    if not first_result or first_result > month_before:
        backfill(env["kpi.rule"].sudo().search([]), days=(today - month_before).days)
    sheets = Sheet
    for index, (date_from, approve) in enumerate(((month_before, True), (last_month, False))):
        sheets |= bonus_sheet(env, scheme, team, date_from, approve=approve, index=index)
    return sheets


def bonus_sheet(env, scheme, team, date_from, approve=False, index=1):
    """The demo sheet of ``scheme`` for ``team`` from ``date_from`` (the first day of a month
    of the history), made as :func:`bonus_sheets` makes its own: the one that exists already,
    else one created, computed and submitted by HR, approved when ``approve`` (see
    :func:`_bonus_sheet`; ``index``: 0 for the month before last, 1 for the month just ended,
    the manual assessments of :data:`SERVICE_SCORES`). An empty recordset when it cannot be
    made (the reason is logged) or without the demo users."""
    hr = env.ref("kpi_management.kpi_user_hr_demo", raise_if_not_found=False)
    admin = env.ref("base.user_admin", raise_if_not_found=False)
    Sheet = env["kpi.bonus.sheet"]
    if not (scheme and team and team.user_id and hr and admin):
        return Sheet
    sheet = Sheet.sudo().search([("scheme_id", "=", scheme.id), ("team_id", "=", team.id),
                                 ("date_from", "=", date_from)], limit=1)
    if sheet:
        return sheet
    try:
        with env.cr.savepoint():
            return _bonus_sheet(env, scheme, team, date_from, index, approve, hr, admin)
    except (UserError, ValidationError, AccessError) as exc:
        _logger.warning("Demo bonus sheet %s of %s not made: %s", scheme.name, date_from, exc)
        return Sheet


def _bonus_sheet(env, scheme, team, date_from, index, approve, hr, admin):
    """One demo sheet (see :func:`bonus_sheets`), made step by step by the users whose step it
    is, through the sheet's own actions and checks. ``index``: 0 for the month before last, 1
    for the month just ended (:data:`SERVICE_SCORES`)."""
    manager = team.user_id
    sheet = env["kpi.bonus.sheet"].with_user(hr).create({
        "scheme_id": scheme.id, "team_id": team.id, "date_from": date_from,
    })
    service = scheme.line_ids.filtered(lambda line: line.kind == bonus_math.KIND_MANUAL)[:1]
    if service:
        scores = {user.id: pair[index] for xmlid, pair in SERVICE_SCORES.items()
                  if (user := env.ref(xmlid, raise_if_not_found=False))}
        env["kpi.bonus.assessment"].with_user(manager).create([
            {"sheet_id": sheet.id, "scheme_line_id": service.id, "user_id": user.id,
             "score": scores.get(user.id, 80.0)}
            for user in sheet.sudo()._get_employees() if user != manager
        ])
    sheet.with_user(hr).action_compute()
    sheet.with_user(hr).action_submit()
    if approve:
        # the team manager, or the scheme's approver for managers if he is on the sheet
        sheet.with_user(sheet.sudo().approver_id).action_approve_manager()
        sheet.with_user(admin).action_approve()
    return sheet.sudo()


def reminders(env):
    """The reminders the hourly run gives for the latest results. :return: the number of open
    reminders."""
    Result = env["kpi.result"]
    latest = Result.sudo().search([("is_latest", "=", True)])
    Result._sync_reminders(latest.ids)
    activity_type = env.ref(REMINDER_TYPE)
    return env["mail.activity"].sudo().search_count(
        [("activity_type_id", "=", activity_type.id)])


def analysis(env, compute=True):
    """The period scores and the analysis over the demo history (unless ``compute`` is false:
    the night's jobs computed them), then the working group's analysis of the demo
    salesperson's finding, recorded by the team's manager (``kpi_manager_demo``) through the
    finding's own checks. A finding reviewed already is left alone. :return: the open
    findings."""
    if compute:
        env["kpi.period.result"]._cron_analyse()
    Finding = env["kpi.discrepancy"].sudo()
    sofie = env.ref("kpi_management.kpi_user_sales_demo", raise_if_not_found=False)
    manager = env.ref("kpi_management.kpi_user_manager_demo", raise_if_not_found=False)
    cause = env.ref("kpi_management.kpi_discrepancy_cause_crm")
    finding = Finding.search([("user_id", "=", sofie.id), ("state", "=", "open"),
                              ("reviewed_uid", "=", False)], limit=1) if sofie else Finding
    if finding and manager:
        mine = finding.with_user(manager)
        mine.write({
            "cause_id": cause.id,
            "action_decided": env._("Plan the next two weeks' customer visits every Friday and "
                                    "enter them in the calendar; coaching by the team manager."),
        })
        notes = env["kpi.discrepancy.note"].with_user(manager)
        notes.create({"finding_id": finding.id, "body": env._(
            "Sofie meets her customers, but books half of the meetings by phone and does not "
            "enter them in Odoo.")})
        notes.create({"finding_id": finding.id, "internal": True, "body": env._(
            "Check again at the quarterly review before changing the target.")})
        mine.action_mark_reviewed()
    return Finding.search([("state", "=", "open")])
