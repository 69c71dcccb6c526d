from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..report.bonus_xlsx import build_bonus_xlsx
from . import kpi_bonus_math

SHEET_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("exported", "Exported"),
]
#: fields that may still change on an approved sheet (the chatter)
FROZEN_WRITABLE = {"message_main_attachment_id"}
#: fields only the sheet's own actions write, as superuser (never through ``write()``)
SYSTEM_FIELDS = {
    "state", "currency_id", "base_amount", "levels_frozen", "computed_at", "line_ids",
    "total_amount", "submitted_uid", "submitted_date", "manager_approved_uid",
    "manager_approved_date", "approved_uid", "approved_date", "exported_uid", "exported_date",
}

OFFICER_GROUP = "kpi_management.group_kpi_bonus_officer"
#: who may read the sheet-wide figures (a salesperson reads an approved sheet for their line)
#: the totals of a sheet: HR only. A manager may be a member of another manager's team (and so
#: see that team's approved sheet for his own line): field groups cannot tell, so team managers
#: read the amounts line by line (the lines' record rules know whose team it is).
TEAM_FIGURES_GROUPS = "kpi_management.group_kpi_bonus_officer,kpi_management.group_kpi_admin"
ADMIN_GROUP = "kpi_management.group_kpi_admin"


class KpiBonusSheet(models.Model):
    """The bonuses of one sales team under one scheme for one period.

    ``action_compute`` (draft only) stores every figure on the sheet's lines and details; from
    then on nothing is recomputed: later evaluations or rule changes never alter the sheet. It
    is submitted, approved by the team's manager, then by an HR bonus officer, and exported.
    From submission on its figures cannot be edited; once approved, only exporting is possible.
    """

    _name = "kpi.bonus.sheet"
    _description = "KPI Bonus Sheet"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    scheme_id = fields.Many2one("kpi.bonus.scheme", string="Scheme", required=True,
                                ondelete="restrict", tracking=True, check_company=True,
                                index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", required=True,
                              ondelete="restrict", tracking=True, index=True,
                              help="The sheet covers the members of this team that are on the "
                              "scheme; the team's manager approves it.")
    manager_id = fields.Many2one(related="team_id.user_id", string="Team Manager")
    company_id = fields.Many2one("res.company", required=True, index=True,
                                 default=lambda self: self.env.company)
    period_type = fields.Selection(
        [("month", "Month"), ("quarter", "Quarter"), ("custom", "Custom Dates")],
        required=True, default="month", tracking=True,
    )
    date_from = fields.Date(
        string="From", required=True, tracking=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(string="To", compute="_compute_date_to", store=True, readonly=False,
                          precompute=True,
                          required=True, tracking=True)
    state = fields.Selection(SHEET_STATES, default="draft", required=True, tracking=True,
                             index=True, copy=False)
    # figures frozen when computed (the scheme may change later)
    currency_id = fields.Many2one("res.currency", readonly=True, copy=False)
    base_amount = fields.Monetary(currency_field="currency_id", readonly=True, copy=False,
                                  groups=TEAM_FIGURES_GROUPS)
    levels_frozen = fields.Json(string="Payout Curve Used", readonly=True, copy=False,
                                groups=TEAM_FIGURES_GROUPS)
    computed_at = fields.Datetime(readonly=True, copy=False)
    line_ids = fields.One2many("kpi.bonus.sheet.line", "sheet_id", string="Employees",
                               readonly=True, copy=False)
    assessment_ids = fields.One2many("kpi.bonus.assessment", "sheet_id", string="Assessments",
                                     copy=False)
    total_amount = fields.Monetary(currency_field="currency_id", compute="_compute_total_amount",
                                   store=True, groups=TEAM_FIGURES_GROUPS)
    submitted_uid = fields.Many2one("res.users", string="Submitted By", readonly=True, copy=False)
    submitted_date = fields.Datetime(string="Submitted On", readonly=True, copy=False)
    manager_approved_uid = fields.Many2one("res.users", string="Approved by Manager",
                                           readonly=True, copy=False, tracking=True)
    manager_approved_date = fields.Datetime(string="Manager Approval Date", readonly=True,
                                            copy=False)
    approved_uid = fields.Many2one("res.users", string="Approved by HR", readonly=True,
                                   copy=False, tracking=True)
    approved_date = fields.Datetime(string="HR Approval Date", readonly=True, copy=False)
    exported_uid = fields.Many2one("res.users", string="Exported By", readonly=True, copy=False,
                                   tracking=True)
    exported_date = fields.Datetime(string="Exported On", readonly=True, copy=False)

    @api.depends("scheme_id.name", "team_id.name", "date_from", "date_to")
    def _compute_name(self):
        for sheet in self:
            sheet.name = "%s / %s / %s - %s" % (
                sheet.scheme_id.name or "", sheet.team_id.name or "",
                sheet.date_from or "", sheet.date_to or "")

    @api.depends("period_type", "date_from")
    def _compute_date_to(self):
        for sheet in self:
            if not sheet.date_from:
                continue
            if sheet.period_type in ("month", "quarter"):
                sheet.date_to = sheet._period_end()
            elif not sheet.date_to:
                sheet.date_to = sheet.date_from + relativedelta(day=31)

    def _period_end(self):
        """The last day of a month or quarter sheet (None for custom dates)."""
        self.ensure_one()
        if self.period_type == "month":
            return self.date_from + relativedelta(day=31)
        if self.period_type == "quarter":
            return self.date_from + relativedelta(months=3, days=-1)
        return None

    @api.depends("line_ids.amount")
    def _compute_total_amount(self):
        for sheet in self:
            sheet.total_amount = sum(sheet.line_ids.mapped("amount"))

    @api.constrains("period_type", "date_from", "date_to")
    def _check_period(self):
        for sheet in self:
            if sheet.date_to < sheet.date_from:
                raise ValidationError(_("The period of bonus sheet %s ends before it starts.",
                                        sheet.name))
            if sheet.period_type == "month" and sheet.date_from.day != 1:
                raise ValidationError(_("A monthly bonus sheet starts on the 1st of a month."))
            if sheet.period_type == "quarter" and (
                    sheet.date_from.day != 1 or sheet.date_from.month not in (1, 4, 7, 10)):
                raise ValidationError(
                    _("A quarterly bonus sheet starts on 1 January, April, July or October."))
            end = sheet._period_end()
            if end and sheet.date_to != end:
                raise ValidationError(
                    _("A monthly or quarterly bonus sheet starting on %(from)s ends on %(end)s; "
                      "use custom dates for another period.",
                      end=end, **{"from": sheet.date_from}))

    @api.constrains("scheme_id", "team_id", "date_from", "date_to")
    def _check_overlap(self):
        for sheet in self:
            other = self.sudo().search([
                ("id", "!=", sheet.id), ("scheme_id", "=", sheet.scheme_id.id),
                ("team_id", "=", sheet.team_id.id),
                ("date_from", "<=", sheet.date_to), ("date_to", ">=", sheet.date_from),
            ], limit=1)
            if other:
                raise ValidationError(
                    _("Bonus sheet %(other)s already covers part of %(from)s - %(to)s for this "
                      "scheme and team: a bonus is paid only once per period.",
                      other=other.name, **{"from": sheet.date_from, "to": sheet.date_to}))

    # ------------------------------------------------------------------- CRUD
    def write(self, vals):
        # the sheet's own actions write as superuser; nothing a caller sends (the context
        # included) lets anybody else change the state or the computed figures
        if not self.env.su:
            frozen = self.filtered(lambda s: s.state in ("approved", "exported"))
            if frozen and set(vals) - FROZEN_WRITABLE:
                raise UserError(_("Bonus sheet %s is approved: its figures are frozen and "
                                  "cannot be edited.", frozen[0].name))
            locked = self.filtered(lambda s: s.state == "to_approve")
            if locked and set(vals) - FROZEN_WRITABLE:
                raise UserError(_("Bonus sheet %s is waiting for approval: set it back to draft "
                                  "to edit it.", locked[0].name))
            if "state" in vals:
                raise UserError(_("Use the buttons of the bonus sheet to change its state."))
            if set(vals) & SYSTEM_FIELDS:
                raise UserError(_("The figures and approvals of a bonus sheet are set by its "
                                  "buttons only."))
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                # a new sheet is a draft without figures (the form sends the default state)
                if any(vals[key] and not (key == "state" and vals[key] == "draft")
                       for key in set(vals) & SYSTEM_FIELDS):
                    raise UserError(_("The figures and approvals of a bonus sheet are set by "
                                      "its buttons only."))
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_if_draft(self):
        if any(sheet.state != "draft" for sheet in self):
            raise UserError(_("Only draft bonus sheets can be deleted."))

    # ---------------------------------------------------------------- helpers
    def _is_officer(self):
        return self.env.su or self.env.user.has_group(OFFICER_GROUP)

    def _check_officer(self):
        if not self._is_officer():
            raise AccessError(_("Only a KPI bonus officer (HR) can do this."))

    def _transition(self, vals, message):
        """Write a state change with sudo (after the caller checked the rights) and log it."""
        author = self.env.user.partner_id.id
        for sheet in self:
            sheet.sudo().write(vals)
            # the manager only reads sheets: post as them, with sudo
            sheet.sudo().message_post(body=message, subtype_xmlid="mail.mt_note",
                                      author_id=author)

    def _check_state(self, *states):
        for sheet in self:
            if sheet.state not in states:
                raise UserError(_("Bonus sheet %(name)s is %(state)s: this step is not possible.",
                                  name=sheet.name,
                                  state=dict(SHEET_STATES)[sheet.state]))

    # --------------------------------------------------------------- actions
    def action_compute(self):
        """Compute and store every figure of these draft sheets."""
        self._check_officer()
        self._check_state("draft")
        for sheet in self:
            sheet._compute_figures()
            # no amount in the chatter: salespeople read it on the approved sheet
            sheet.message_post(body=_("Figures computed: %s employees.", len(sheet.line_ids)))
        return True

    def action_submit(self):
        self._check_officer()
        self._check_state("draft")
        for sheet in self:
            if not sheet.line_ids:
                raise UserError(_("Compute bonus sheet %s before submitting it.", sheet.name))
        self._transition({"state": "to_approve", "submitted_uid": self.env.uid,
                          "submitted_date": fields.Datetime.now()},
                         _("Submitted for approval."))
        return True

    def action_approve_manager(self):
        self.check_access("read")
        self._check_state("to_approve")
        for sheet in self:
            if sheet.team_id.user_id != self.env.user and not self.env.user.has_group(ADMIN_GROUP):
                raise AccessError(_("Only %(manager)s, the manager of team %(team)s, can approve "
                                    "bonus sheet %(name)s.", manager=sheet.team_id.user_id.name,
                                    team=sheet.team_id.name, name=sheet.name))
            if sheet.manager_approved_uid:
                raise UserError(_("Bonus sheet %s is already approved by the manager.",
                                  sheet.name))
        self._transition({"manager_approved_uid": self.env.uid,
                          "manager_approved_date": fields.Datetime.now()},
                         _("Approved by the team manager."))
        return True

    def action_approve(self):
        """Final approval by HR: the sheet is frozen."""
        self._check_officer()
        self._check_state("to_approve")
        for sheet in self:
            if not sheet.manager_approved_uid:
                raise UserError(_("The team manager must approve bonus sheet %s first.",
                                  sheet.name))
            if sheet.manager_approved_uid == self.env.user:
                raise AccessError(_("You gave the manager approval of bonus sheet %s: the HR "
                                    "approval must come from another person (four eyes).",
                                    sheet.name))
        self._transition({"state": "approved", "approved_uid": self.env.uid,
                          "approved_date": fields.Datetime.now()},
                         _("Approved by HR: the figures are frozen."))
        return True

    def action_reset_to_draft(self):
        self._check_state("to_approve")
        for sheet in self:
            if not (self._is_officer() or sheet.team_id.user_id == self.env.user):
                raise AccessError(_("Only a bonus officer or the team manager can send bonus "
                                    "sheet %s back to draft.", sheet.name))
        self._transition({"state": "draft", "manager_approved_uid": False,
                          "manager_approved_date": False, "submitted_uid": False,
                          "submitted_date": False},
                         _("Sent back to draft."))
        return True

    def action_export_xlsx(self):
        """Record the export (a JSON-RPC call, CSRF-safe), then download the workbook: the GET
        route only serves the file and never changes the sheet."""
        self.ensure_one()
        self._check_officer()
        self._check_state("approved", "exported")
        self._mark_exported()
        return {
            "type": "ir.actions.act_url",
            "url": "/kpi_management/bonus_sheet/%s/xlsx" % self.id,
            "target": "download",
        }

    def _mark_exported(self):
        """Record the export (the first one moves the sheet to ``exported``)."""
        self._check_officer()
        self._check_state("approved", "exported")
        now = fields.Datetime.now()
        for sheet in self:
            if sheet.state == "approved":
                sheet._transition({"state": "exported", "exported_uid": self.env.uid,
                                   "exported_date": now},
                                  _("Exported to XLSX for payroll."))
            else:
                sheet.sudo().message_post(body=_("Exported to XLSX again."),
                                          subtype_xmlid="mail.mt_note",
                                          author_id=self.env.user.partner_id.id)

    def _get_xlsx_content(self):
        """The workbook of this approved sheet (bonus officers only), see ``report/bonus_xlsx``."""
        self.ensure_one()
        self._check_officer()
        self._check_state("approved", "exported")
        sheet = self.sudo()
        currency = sheet.currency_id
        number = "#,##0" + ("." + "0" * currency.decimal_places if currency.decimal_places else "")
        symbol = '"%s"' % (currency.symbol or currency.name).replace('"', "")
        currency_format = (symbol + number) if currency.position == "before" \
            else (number + " " + symbol)
        header = {
            "title": _("Bonus sheet %s", sheet.name),
            "company": sheet.company_id.name,
            "scheme": sheet.scheme_id.name,
            "team": sheet.team_id.name,
            "period": "%s - %s" % (sheet.date_from, sheet.date_to),
            "currency": currency.name,
            "currency_format": currency_format,
            "approvals": [
                (_("Submitted by"), sheet.submitted_uid.name, sheet.submitted_date),
                (_("Approved by manager"), sheet.manager_approved_uid.name,
                 sheet.manager_approved_date),
                (_("Approved by HR"), sheet.approved_uid.name, sheet.approved_date),
                (_("Exported by"), sheet.exported_uid.name, sheet.exported_date),
            ],
        }
        scheme_lines = sheet.line_ids.detail_ids.scheme_line_id.sorted(
            lambda line: (line.sequence, line.id))
        # names as they were computed (a scheme line renamed later does not alter the sheet)
        names = {d.scheme_line_id: d.name for d in sheet.line_ids.detail_ids}
        kpis = [names[sline] for sline in scheme_lines]
        rows = []
        for line in sheet.line_ids.sorted(lambda line: (line.rank, line.id)):
            by_line = {detail.scheme_line_id: detail for detail in line.detail_ids}
            figures = []
            for sline in scheme_lines:
                detail = by_line.get(sline)
                figures.append({
                    "value": detail.value if detail else 0.0,
                    "target": detail.target if detail else 0.0,
                    "score": detail.score if detail else 0.0,
                    "weight": detail.weight if detail else sline.weight,
                })
            rows.append({
                "name": line.user_id.name, "login": line.login, "profile": line.profile_name,
                "team": line.team_name, "kpis": figures, "total_score": line.total_score,
                "amount": line.amount,
            })
        return build_bonus_xlsx(header, kpis, rows)

    # --------------------------------------------------------------- figures
    def _get_employees(self):
        self.ensure_one()
        team = self.team_id
        users = (team.member_ids | team.user_id).filtered(
            lambda u: u.active and not u.share
            and u.kpi_profile_id in self.scheme_id.profile_ids
            and self.company_id in u.company_ids)
        return users.sorted("name")

    def _check_employee_overlap(self, users):
        """An employee is paid once per period: refuse when one of ``users`` already has a line
        on another sheet of the same scheme whose period overlaps this one (another team)."""
        self.ensure_one()
        other = self.env["kpi.bonus.sheet.line"].sudo().search([
            ("user_id", "in", users.ids), ("sheet_id", "!=", self.id),
            ("sheet_id.scheme_id", "=", self.scheme_id.id),
            ("sheet_id.date_from", "<=", self.date_to), ("sheet_id.date_to", ">=", self.date_from),
        ], limit=1)
        if other:
            raise UserError(
                _("%(user)s already has a line on bonus sheet %(other)s, whose period overlaps "
                  "this one for the same scheme: a bonus is paid only once per period. Remove "
                  "them from one of the teams (or delete the other sheet) and compute again.",
                  user=other.user_id.name, other=other.sheet_id.name))

    def _fetch_daily_results(self, rule_ids, user_ids):
        """``{(rule_id, user_id): [DailyResult]}`` for the period, in ONE query."""
        self.ensure_one()
        self.env["kpi.result"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT rule_id, user_id, date, value, target, score
                 FROM kpi_result
                WHERE rule_id = ANY(%s) AND user_id = ANY(%s) AND date BETWEEN %s AND %s""",
            list(rule_ids), list(user_ids), self.date_from, self.date_to,
        ))
        daily = defaultdict(list)
        for rule_id, user_id, day, value, target, score in self.env.cr.fetchall():
            daily[rule_id, user_id].append(kpi_bonus_math.DailyResult(
                day, value or 0.0, target or 0.0, score or 0.0))
        return daily

    def _compute_figures(self):
        self.ensure_one()
        scheme = self.scheme_id.sudo()
        scheme._check_ready()
        users = self._get_employees()
        if not users:
            raise UserError(_("No member of team %(team)s holds a profile of scheme %(scheme)s.",
                              team=self.team_id.name, scheme=scheme.name))
        self._check_employee_overlap(users)
        rule_lines = scheme.line_ids.filtered(lambda line: line.kind == "rule")
        past_rules = rule_lines.rule_id.filtered(
            lambda rule: rule.window_kind == kpi_bonus_math.WINDOW_PAST)
        # past windows: the measure run once per rule over the exact period, for all employees
        measured = {rule.id: rule._score_period(users, self.date_from, self.date_to)
                    for rule in past_rules}
        daily = self._fetch_daily_results((rule_lines.rule_id - past_rules).ids, users.ids)
        assessments = defaultdict(list)
        for assessment in self.sudo().assessment_ids:
            assessments[assessment.scheme_line_id.id, assessment.user_id.id].append(assessment)
        levels = scheme._get_levels()
        currency = scheme.currency_id
        line_vals = []
        for user in users:
            details, scored = [], []
            for sline in scheme.line_ids:
                counts = sline.kind == "manual" or not sline.rule_id.pilot
                if sline.kind == "rule" and sline.rule_id in past_rules:
                    period = measured[sline.rule_id.id]
                    if user.id in period:
                        value, target, score, ids = period[user.id]
                        days = len(ids)
                        note = _("Measured over the whole period %(from)s - %(to)s in the "
                                 "employee's timezone: %(count)s records counted.",
                                 count=days, to=self.date_to, **{"from": self.date_from})
                    else:
                        value = target = score = 0.0
                        days = 0
                        note = _("The rule does not apply to this employee (profile or "
                                 "company).")
                    if not counts:
                        note = _("Pilot rule: shown, never counted. %s", note)
                elif sline.kind == "rule":
                    ps = kpi_bonus_math.period_score(
                        daily.get((sline.rule_id.id, user.id), []), self.date_from, self.date_to,
                        sline.rule_id.window_kind)
                    value, target, score = ps.value, ps.target, ps.score
                    note = (_("Average of %s daily results.", ps.days)
                            if ps.days else _("No result in the period."))
                    if not counts:
                        note = _("Pilot rule: shown, never counted. %s", note)
                    days = ps.days
                else:
                    given = assessments.get((sline.id, user.id), [])
                    score = (round(sum(a.score for a in given) / len(given), 2)
                             if given else 0.0)
                    value, target, days = score, 100.0, len(given)
                    note = ("; ".join("%s: %g%%" % (a.assessor_id.name, a.score) for a in given)
                            or _("Not assessed."))
                scored.append((score, sline.weight, counts))
                details.append({
                    "scheme_line_id": sline.id,
                    "rule_id": sline.rule_id.id or False,
                    "name": sline.name,
                    "kind": sline.kind,
                    "value": value,
                    "target": target,
                    "score": score,
                    "weight": sline.weight,
                    "counted": counts,
                    "contribution": kpi_bonus_math.contribution(score, sline.weight, counts),
                    "result_count": days,
                    "note": note,
                })
            total = kpi_bonus_math.weighted_total(scored)
            line_vals.append({
                "user_id": user.id,
                "login": user.login,
                "profile_name": user.kpi_profile_id.name,
                "team_name": self.team_id.name,
                "total_score": total,
                "payout_percent": kpi_bonus_math.payout_percent(total, levels),
                "amount": currency.round(
                    kpi_bonus_math.bonus_amount(scheme.base_amount, total, levels)),
                "detail_ids": [Command.create(vals) for vals in details],
            })
        ranked = sorted(line_vals, key=lambda v: (-v["total_score"], -v["amount"]))
        for rank, vals in enumerate(ranked, start=1):
            vals["rank"] = rank
        self.sudo().line_ids.unlink()
        self.sudo().write({
            "currency_id": currency.id,
            "base_amount": scheme.base_amount,
            "levels_frozen": [[s, p] for s, p in sorted(levels)],
            "computed_at": fields.Datetime.now(),
            "line_ids": [Command.create(vals) for vals in line_vals],
        })
