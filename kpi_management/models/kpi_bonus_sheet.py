import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, clean_context
from odoo.tools.misc import format_date

from ..report import bonus_sheet_workbook
from ..tools import bonus_engine, bonus_math, bonus_notes, calendar, scoring
from ..tools.groups import ADMIN_GROUP, OFFICER_GROUP
from .kpi_score_mixin import amount_company

SHEET_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("exported", "Exported"),
    ("replaced", "Replaced"),
]
#: states of a sheet whose figures are final (paid, or replaced by a correction)
FINAL_STATES = ("approved", "exported", "replaced")
#: fields that may still change on an approved sheet (the chatter)
FROZEN_WRITABLE = {"message_main_attachment_id"}
#: fields only the sheet's own actions write, as superuser (never through ``write()``)
SYSTEM_FIELDS = {
    "state", "currency_id", "base_amount", "levels_frozen", "computed_at", "line_ids",
    "total_amount", "submitted_uid", "submitted_date", "manager_approved_uid",
    "manager_approved_date", "approved_uid", "approved_date", "exported_uid", "exported_date",
    "fingerprint", "provisional", "approver_id", "scheme_name", "team_name", "company_name",
    "approval_names", "replaces_id", "replaced_by_id",
}
#: fields that define what a sheet is computed for: changing one clears computed figures
DEFINING_FIELDS = {"scheme_id", "team_id", "company_id", "period_type", "date_from", "date_to"}

#: who may read the sheet-wide figures (a salesperson reads an approved sheet for their line)
#: the totals of a sheet: HR only. A manager may be a member of another manager's team (and so
#: see that team's approved sheet for his own line): field groups cannot tell, so team managers
#: read the amounts line by line (the lines' record rules know whose team it is).
TEAM_FIGURES_GROUPS = ",".join((OFFICER_GROUP, ADMIN_GROUP))

#: the steps that wait for somebody, each reminded by an activity of its type
#: (data/kpi_bonus_activity_data.xml, see :meth:`KpiBonusSheet._sync_activities`)
STEP_ASSESS = "assess"
STEP_MANAGER_APPROVAL = "manager_approval"
STEP_HR_APPROVAL = "hr_approval"
ACTIVITY_TYPES = {
    STEP_ASSESS: "kpi_management.mail_act_kpi_bonus_assessment",
    STEP_MANAGER_APPROVAL: "kpi_management.mail_act_kpi_bonus_manager_approval",
    STEP_HR_APPROVAL: "kpi_management.mail_act_kpi_bonus_hr_approval",
}


@dataclass(frozen=True)
class EmployeePeriod:
    """The days of the sheet's period an employee worked in the team (both included)."""

    date_from: datetime.date
    date_to: datetime.date
    days: int  # days in the team
    period_days: int  # days of the sheet's period
    #: why the employee is not on the sheet for the whole period (empty when they are): facts,
    #: see bonus_notes
    facts: tuple = field(default=(), compare=False)
    #: the KPI profile recorded on those days (None: not recorded, today's is shown)
    profile_name: str | None = field(default=None, compare=False)

    @property
    def partial(self):
        return self.days < self.period_days


@dataclass(frozen=True)
class SheetInputs:
    """What a sheet is computed from (:meth:`KpiBonusSheet._collect_inputs`)."""

    periods: dict  # {user: EmployeePeriod}
    users: object  # res.users, the employees
    kpis: dict  # {user_id: [bonus_engine.KpiInput]}, in the order of the scheme's lines
    facts: dict  # {user_id: [ids counted | assessments | None]}, the same order
    unrecorded: dict  # {KPI name: [employee names]}: no result recorded, configuration used
    levels: list  # the payout curve [(score, payout)]
    currency: object  # res.currency
    base_amount: float


@dataclass(frozen=True)
class SheetSources:
    """What a sheet's KPIs are collected from, read once (:meth:`KpiBonusSheet._read_sources`)."""

    past_rules: object  # kpi.rule: the past-window rules, measured over the employees' days
    recorded: dict  # {(rule_id, user_id): kpi_result.Recorded}
    measured: dict  # {rule_id: {user_id: measure}}
    daily: dict  # {(rule_id, user_id): [bonus_math.DailyResult]}
    assessments: dict  # {(scheme_line_id, user_id): [kpi.bonus.assessment]}
    configured: dict  # {rule_id: {user_id: target}}: today's targets of the past-window rules


@dataclass(frozen=True)
class SheetFigures:
    """Every figure of a sheet, computed in memory (:meth:`KpiBonusSheet._collect_figures`)."""

    periods: dict  # {user: EmployeePeriod}
    lines: list  # values of the sheet's lines, their details as ``detail_vals``
    fingerprint: dict  # {part: digest}, see bonus_math.fingerprint
    gaps: list  # sentences: not assessed, days without a nightly result, nothing recorded
    provisional: bool  # the period has not ended for every employee
    period_end_utc: datetime.datetime
    pilot_rules: object  # kpi.rule: shown, not counted, for at least one employee
    #: KPIs and employees without any nightly result up to their days: today's target and
    #: mode stood in (said in the chatter at Compute)
    unrecorded: list
    levels: list
    currency: object
    base_amount: float


class KpiBonusSheet(models.Model):
    """The bonuses of one sales team under one scheme for one period.

    What is guaranteed (README, *Bonuses*):

    * ``action_compute`` (draft only) stores every figure on the sheet's lines and details
      together with a fingerprint of everything it used (:meth:`_collect_figures`). Changing
      what the sheet is for (scheme, team, company, period) clears the figures; any other
      change of an input (a member, a target, an assessment, a result, the scheme) makes the
      sheet stale: Submit and the HR approval recompute the figures in memory and refuse,
      naming what changed.
    * An employee is paid once per scheme and period: checked at Compute, Submit and HR
      approval, serialised per scheme so that two sheets computed at the same moment cannot
      both pass (:meth:`_check_employee_overlap`).
    * Submitter, manager approver and HR approver are three different people, and nobody
      approves a sheet holding their own line (:meth:`_get_manager_approver`).
    * Once approved the sheet never changes, names included; a mistake is corrected by a new
      sheet that replaces it (:meth:`action_correct`).
    * The people who must act next have an activity on the sheet, closed once the step is
      done (:meth:`_sync_activities`).
    """

    _name = "kpi.bonus.sheet"
    _description = "KPI Bonus Sheet"
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
        [*calendar.selection_of(calendar.PERIOD_TYPE_SELECTION, bonus_engine.SCHEME_PERIODS),
         ("custom", "Custom Dates")],
        compute="_compute_period_type", store=True, readonly=False, precompute=True,
        required=True, tracking=True,
        help="The scheme's period (its base amount is paid per month or per quarter), or "
        "custom dates.",
    )
    date_from = fields.Date(
        string="From", required=True, tracking=True,
        default=lambda self: calendar.last_period(fields.Date.context_today(self), "month")[0],
        help="A new month or quarter sheet starts with the last month or quarter that has "
        "ended: HR pays the period just over.",
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
    scheme_base_amount = fields.Monetary(
        related="scheme_id.base_amount", string="Scheme's Base Amount",
        currency_field="scheme_currency_id", groups=TEAM_FIGURES_GROUPS,
        help="The scheme's base amount today; Compute freezes it on the sheet.")
    scheme_currency_id = fields.Many2one(related="scheme_id.currency_id",
                                         string="Scheme's Currency")
    levels_frozen = fields.Json(string="Payout Curve Used", readonly=True, copy=False,
                                groups=TEAM_FIGURES_GROUPS)
    computed_at = fields.Datetime(readonly=True, copy=False)
    fingerprint = fields.Json(readonly=True, copy=False, groups=TEAM_FIGURES_GROUPS,
                              help="Digests of everything the figures were computed from.")
    provisional = fields.Boolean(
        readonly=True, copy=False,
        help="Computed before the period ended for every employee: a preview, not payable.")
    stale_reason = fields.Char(
        compute="_compute_check_figures", string="Out of Date",
        help="What changed since the figures were computed (recomputed in memory).")
    missing_figures = fields.Text(
        compute="_compute_check_figures",
        help="What would silently score 0 or shrink an average if the sheet were submitted.")
    line_ids = fields.One2many("kpi.bonus.sheet.line", "sheet_id", string="Employees",
                               readonly=True, copy=False)
    assessment_ids = fields.One2many("kpi.bonus.assessment", "sheet_id", string="Assessments",
                                     copy=False)
    total_amount = fields.Monetary(currency_field="currency_id", compute="_compute_total_amount",
                                   store=True, groups=TEAM_FIGURES_GROUPS)
    approver_id = fields.Many2one(
        "res.users", string="Manager Approver", readonly=True, copy=False, index=True,
        help="Who gives the manager approval: the team manager, or the scheme's approver for "
        "managers when the team manager has a line on the sheet or the team has none.")
    is_manager_approver = fields.Boolean(
        compute="_compute_is_manager_approver",
        help="Whether the current user is to give the manager approval of this sheet now: only "
        "they see the button.")
    is_hr_approver = fields.Boolean(
        compute="_compute_is_hr_approver",
        help="Whether the current user may give the HR approval of this sheet now (a bonus "
        "officer who neither submitted it, nor gave its manager approval, nor has a line on "
        "it): only they see the button.")
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
    # names as they were at the approval (a scheme, team or person renamed later)
    scheme_name = fields.Char(string="Scheme Name", readonly=True, copy=False)
    team_name = fields.Char(string="Team Name", readonly=True, copy=False)
    company_name = fields.Char(readonly=True, copy=False)
    approval_names = fields.Json(readonly=True, copy=False)
    replaces_id = fields.Many2one("kpi.bonus.sheet", string="Replaces", readonly=True,
                                  copy=False, index="btree_not_null",
                                  help="The approved sheet this sheet corrects.")
    replaced_by_id = fields.Many2one("kpi.bonus.sheet", string="Replaced By", readonly=True,
                                     copy=False)

    @api.depends("scheme_id.name", "team_id.name", "date_from", "date_to", "state",
                 "scheme_name", "team_name")
    def _compute_name(self):
        for sheet in self:
            period = "%s - %s" % (sheet.date_from or "", sheet.date_to or "")
            sheet.name = " / ".join(filter(None, [*sheet._get_name_parts(), period]))

    @api.depends("name")
    @api.depends_context("lang")
    def _compute_display_name(self):
        """The title, breadcrumbs and links show the period in the reader's date format (the
        stored ``name``, searched on, keeps ISO dates)."""
        for sheet in self:
            sheet.display_name = sheet._get_localized_name() if sheet.date_from else sheet.name

    def _get_name_parts(self):
        """The scheme and team of the sheet's name: those of the approval once approved."""
        self.ensure_one()
        frozen = self.state in FINAL_STATES and self.scheme_name
        return (self.scheme_name if frozen else self.scheme_id.name,
                self.team_name if frozen else self.team_id.name)

    def _get_period_label(self):
        """The period in the reader's date format (``env.lang``)."""
        self.ensure_one()
        return "%s - %s" % (format_date(self.env, self.date_from),
                            format_date(self.env, self.date_to))

    def _get_localized_name(self):
        """The sheet's name with its period in the reader's date format (the stored ``name``
        writes it in ISO)."""
        self.ensure_one()
        return " / ".join(filter(None, [*self._get_name_parts(), self._get_period_label()]))

    @api.depends("scheme_id")
    def _compute_period_type(self):
        for sheet in self:
            if sheet.period_type != "custom" or not sheet.period_type:
                sheet.period_type = sheet.scheme_id.period or "month"

    @api.onchange("period_type")
    def _onchange_period_type(self):
        """In the form: a new sheet's default month becomes the quarter just ended for a
        quarterly scheme; any other start moves to the first day of its month or quarter."""
        if self.period_type not in bonus_engine.SCHEME_PERIODS or self.state not in (False, "draft"):
            return
        today = fields.Date.context_today(self)
        if not self.date_from or (not self._origin.id
                                  and self.date_from == calendar.last_period(today, "month")[0]):
            self.date_from = calendar.last_period(today, self.period_type)[0]
        else:
            self.date_from = calendar.period_bounds(self.date_from, self.period_type)[0]

    @api.depends("period_type", "date_from")
    def _compute_date_to(self):
        for sheet in self:
            if not sheet.date_from:
                continue
            if sheet.period_type in bonus_engine.SCHEME_PERIODS:
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

    @api.depends_context("uid")
    def _compute_check_figures(self):
        """Recompute the figures of computed, unapproved sheets in memory (nothing written)
        and say what changed since Compute, and what is missing."""
        for sheet in self:
            sheet.stale_reason = sheet.missing_figures = False
            if sheet.state not in ("draft", "to_approve") or not sheet.computed_at \
                    or not sheet.id:
                continue
            try:
                figures = sheet._collect_figures()
            except (UserError, ValidationError) as exc:
                sheet.stale_reason = str(exc.args[0] if exc.args else exc)
                continue
            changed = sheet._changed_since_compute(figures)
            if changed:
                sheet.stale_reason = _(
                    "Changed since the figures were computed: %s. Compute again.", changed)
            sheet.missing_figures = "\n".join(figures.gaps) or False

    @api.constrains("period_type", "date_from", "date_to", "scheme_id")
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
            if sheet.period_type in bonus_engine.SCHEME_PERIODS and sheet.scheme_id \
                    and sheet.period_type != sheet.scheme_id.period:
                message = {
                    "month": _("Bonus scheme %s is paid per month: its sheets cover a month "
                               "(or custom dates)."),
                    "quarter": _("Bonus scheme %s is paid per quarter: its sheets cover a "
                                 "quarter (or custom dates)."),
                }[sheet.scheme_id.period]
                raise ValidationError(message % sheet.scheme_id.name)
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
                ("id", "not in", (sheet | sheet._get_linked_sheets()).ids),
                ("state", "!=", "replaced"), ("scheme_id", "=", sheet.scheme_id.id),
                ("team_id", "=", sheet.team_id.id),
                ("date_from", "<=", sheet.date_to), ("date_to", ">=", sheet.date_from),
            ], limit=1)
            if other:
                raise ValidationError(
                    _("Bonus sheet %(other)s already covers part of %(from)s - %(to)s for this "
                      "scheme and team: a bonus is paid only once per period. To correct an "
                      "approved sheet, use its Correct button.",
                      other=other.name, **{"from": sheet.date_from, "to": sheet.date_to}))

    # ------------------------------------------------------------------- CRUD
    def write(self, vals):
        # the sheet's own actions write as superuser; nothing a caller sends (the context
        # included) lets anybody else change the state or the computed figures
        if not self.env.su:
            frozen = self.filtered(lambda s: s.state in FINAL_STATES)
            if frozen and set(vals) - FROZEN_WRITABLE:
                raise UserError(_("Bonus sheet %s is approved: its figures are frozen and "
                                  "cannot be edited. Correct it with a new sheet that "
                                  "replaces it.", frozen[0].name))
            locked = self.filtered(lambda s: s.state == "to_approve")
            if locked and set(vals) - FROZEN_WRITABLE:
                raise UserError(_("Bonus sheet %s is waiting for approval: set it back to draft "
                                  "to edit it.", locked[0].name))
            if "state" in vals:
                raise UserError(_("Use the buttons of the bonus sheet to change its state."))
            if set(vals) & SYSTEM_FIELDS:
                raise UserError(_("The figures and approvals of a bonus sheet are set by its "
                                  "buttons only."))
            if self.replaces_id and set(vals) & DEFINING_FIELDS:
                raise UserError(_("A correction covers the scheme, team and period of the "
                                  "sheet it replaces."))
        # figures belong to what they were computed for: moving a computed sheet to another
        # period, team, scheme or company drops them
        moved = self.browse() if self.env.su else self.filtered(lambda s: s.computed_at and any(
            s._fields[name].convert_to_cache(vals[name], s)
            != s._fields[name].convert_to_cache(s[name], s)
            for name in DEFINING_FIELDS & set(vals)))
        res = super().write(vals)
        for sheet in moved:
            sheet._clear_figures(_("Figures cleared: the scheme, team, company or period "
                                   "changed. Compute again."))
        if DEFINING_FIELDS & set(vals):
            # another team or scheme: other assessors, other employees to assess
            self._sync_activities()
        return res

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # defaults are written as given: the context's (default_state="approved") and a
            # user's own (ir.default), as Odoo's default_get merges them
            defaults = self.default_get(sorted(SYSTEM_FIELDS))
            for vals in ({**defaults, **vals} for vals in vals_list):
                # a new sheet is a draft without figures (the form sends the default state)
                if any(vals[key] and not (key == "state" and vals[key] == "draft")
                       for key in set(vals) & SYSTEM_FIELDS):
                    raise UserError(_("The figures and approvals of a bonus sheet are set by "
                                      "its buttons only."))
        sheets = super().create(vals_list)
        sheets._sync_activities()
        return sheets

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
        """Write a state change with sudo (after the caller checked the rights), log it and
        hand the reminders over to whoever must act next."""
        author = self.env.user.partner_id.id
        for sheet in self:
            sheet.sudo().write(vals)
            # the manager only reads sheets: post as them, with sudo
            sheet.sudo().message_post(body=message, subtype_xmlid="mail.mt_note",
                                      author_id=author)
        self._sync_activities()

    def _check_state(self, *states):
        for sheet in self:
            if sheet.state not in states:
                raise UserError(_("Bonus sheet %(name)s is %(state)s: this step is not possible.",
                                  name=sheet.name,
                                  state=dict(SHEET_STATES)[sheet.state]))

    def _get_linked_sheets(self):
        """The sheet this one replaces and the corrections of this one: they cover the same
        employees and period on purpose (only one of them is ever paid)."""
        self.ensure_one()
        corrections = self.sudo().search([("replaces_id", "=", self.id)]) if self.id \
            else self.browse()
        return (self.sudo().replaces_id | corrections).with_env(self.env)

    def _clear_figures(self, message):
        for sheet in self.sudo():
            sheet.line_ids.unlink()
            sheet.write({"computed_at": False, "fingerprint": False, "provisional": False,
                         "approver_id": False})
            sheet.message_post(body=message, subtype_xmlid="mail.mt_note")

    # --------------------------------------------------------------- actions
    def action_compute(self):
        """Compute and store every figure of these draft sheets, with their fingerprint."""
        self._check_officer()
        self._check_state("draft")
        for sheet in self:
            figures = sheet._collect_figures()
            sheet._check_employee_overlap(figures.periods)
            sheet._store_figures(figures)
            # no amount in the chatter: salespeople read it on the approved sheet
            body = _("Figures computed: %s employees.", len(sheet.line_ids))
            if figures.provisional:
                body = _("%s Provisional: the period has not ended for every employee yet.",
                         body)
            if figures.pilot_rules:
                body = _("%(body)s Not counted: %(rules)s, a pilot for team %(team)s on "
                         "%(day)s (as recorded on the employee's first day); its weight goes to the other "
                         "KPIs.",
                         body=body, rules=", ".join(figures.pilot_rules.mapped("name")),
                         team=sheet.team_id.name, day=format_date(self.env, sheet.date_from))
            if figures.unrecorded:
                body = _("%(body)s No nightly result recorded, today's target and mode used "
                         "for: %(kpis)s.", body=body, kpis="; ".join(figures.unrecorded))
            sheet.message_post(body=body)
        # the team's members may have changed since the sheet was created
        self._sync_activities()
        return True

    def _check_submittable(self, figures):
        """What must hold before Submit and the HR approval: the period is over for every
        employee, the stored figures are those the inputs give now, nobody is paid twice and
        somebody who is not on the sheet can give the manager approval."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(_("Compute bonus sheet %s before submitting it.", self.name))
        if figures.provisional:
            raise UserError(_(
                "The period of bonus sheet %(name)s has not ended for every employee (it ends "
                "at %(end)s UTC for the last timezone): its figures are a provisional preview.",
                name=self.name, end=figures.period_end_utc))
        changed = self._changed_since_compute(figures)
        if changed:
            raise UserError(_(
                "Bonus sheet %(name)s is out of date: %(changed)s changed since its figures "
                "were computed. Send it back to draft and compute it again.",
                name=self.name, changed=changed))
        self._check_employee_overlap(figures.periods)
        if not self._get_manager_approver():
            raise UserError(_(
                "Nobody can give the manager approval of bonus sheet %(name)s: its team has no "
                "manager, or the manager has a line on it. Set an 'Approver for Managers' who "
                "is not on the sheet on scheme %(scheme)s.",
                name=self.name, scheme=self.scheme_id.name))

    def action_submit(self):
        """Submit computed, up-to-date sheets for approval. Refused while figures are missing
        (an employee not assessed, days without a nightly result): submitting anyway is the
        explicit choice of :meth:`action_submit_anyway`, recorded in the chatter."""
        return self._submit(acknowledge_gaps=False)

    def action_submit_anyway(self):
        """Submit although figures are missing; the chatter lists what was missing."""
        return self._submit(acknowledge_gaps=True)

    def _submit(self, acknowledge_gaps):
        self._check_officer()
        self._check_state("draft")
        for sheet in self:
            figures = sheet._collect_figures()
            sheet._check_submittable(figures)
            gaps = figures.gaps
            if gaps and not acknowledge_gaps:
                raise UserError(_(
                    "Bonus sheet %(name)s has missing figures that would score 0 or shrink an "
                    "average:\n%(gaps)s\nAssess or evaluate them and compute again, or use "
                    "'Submit Anyway'.", name=sheet.name, gaps="\n".join(gaps)))
            message = _("Submitted for approval.")
            if gaps:
                message = _("Submitted for approval with missing figures, acknowledged by "
                            "%(user)s: %(gaps)s", user=self.env.user.name, gaps="; ".join(gaps))
            sheet._transition({"state": "to_approve", "submitted_uid": self.env.uid,
                               "submitted_date": fields.Datetime.now(),
                               "approver_id": sheet._get_manager_approver().id}, message)
        return True

    def action_approve_manager(self):
        """The manager approval: given by the sheet's manager approver only (the team manager,
        or the scheme's approver for managers), never by the submitter nor by an employee of
        the sheet."""
        self.check_access("read")
        self._check_state("to_approve")
        for sheet in self:
            approver = sheet._get_manager_approver()
            if self.env.user != approver:
                raise AccessError(_(
                    "Only %(approver)s can give the manager approval of bonus sheet %(name)s.",
                    approver=approver.name or _("the scheme's approver for managers"),
                    name=sheet.name))
            sheet._check_signatory(_("the manager approval"))
            if sheet.manager_approved_uid:
                raise UserError(_("Bonus sheet %s is already approved by the manager.",
                                  sheet.name))
        self._transition({"manager_approved_uid": self.env.uid,
                          "manager_approved_date": fields.Datetime.now()},
                         _("Approved by the team manager."))
        return True

    def action_approve(self):
        """Final approval by HR: the sheet is recomputed in memory and must match, then it is
        frozen, names included. A correction marks the sheet it replaces as replaced."""
        self._check_officer()
        self._check_state("to_approve")
        for sheet in self:
            if not sheet.manager_approved_uid:
                raise UserError(_("The team manager must approve bonus sheet %s first.",
                                  sheet.name))
            sheet._check_signatory(_("the HR approval"))
            sheet._check_submittable(sheet._collect_figures())
        now = fields.Datetime.now()
        for sheet in self:
            sudo = sheet.sudo()
            sheet._transition({
                "state": "approved", "approved_uid": self.env.uid, "approved_date": now,
                "scheme_name": sudo.scheme_id.name, "team_name": sudo.team_id.name,
                "company_name": sudo.company_id.name,
                "approval_names": {"submitted": sudo.submitted_uid.name,
                                   "manager": sudo.manager_approved_uid.name,
                                   "hr": self.env.user.name},
            }, _("Approved by HR: the figures are frozen."))
            old = sudo.replaces_id.sudo(False)
            if old:
                old._transition({"state": "replaced", "replaced_by_id": sheet.id},
                                _("Replaced by the corrected sheet %s.", sheet.name))
        return True

    def _check_signatory(self, step):
        """Submitter, manager approver and HR approver are three different people, and nobody
        signs a sheet holding their own line."""
        self.ensure_one()
        user = self.env.user
        employees, signed = self._get_non_signatories()
        if user in employees:
            raise AccessError(_("You have a line on bonus sheet %(name)s: you cannot give "
                                "%(step)s of your own bonus.", name=self.name, step=step))
        if user in signed:
            raise AccessError(_(
                "You already signed bonus sheet %(name)s: %(step)s must come from another "
                "person (submitter, manager approver and HR approver are three different "
                "people).", name=self.name, step=step))

    def _get_non_signatories(self):
        """Who may not sign this sheet now: ``(employees, signed)``, the users with a line on it
        and those who already signed it (submitter, manager approver)."""
        self.ensure_one()
        sheet = self.sudo()
        return (sheet.line_ids.user_id.with_env(self.env),
                (sheet.submitted_uid | sheet.manager_approved_uid).with_env(self.env))

    def action_reset_to_draft(self):
        self._check_state("to_approve")
        for sheet in self:
            if not (self._is_officer() or self.env.user in (
                    sheet.team_id.user_id | sheet.approver_id)):
                raise AccessError(_("Only a bonus officer or the sheet's manager approver can "
                                    "send bonus sheet %s back to draft.", sheet.name))
        self._transition({"state": "draft", "manager_approved_uid": False,
                          "manager_approved_date": False, "submitted_uid": False,
                          "submitted_date": False, "approver_id": False},
                         _("Sent back to draft."))
        return True

    def action_correct(self):
        """Correct an approved sheet: a new draft sheet for the same scheme, team and period
        that replaces it once approved (the approved sheet itself never changes)."""
        self.ensure_one()
        self._check_officer()
        self._check_state("approved", "exported")
        pending = self.sudo().search([("replaces_id", "=", self.id)], limit=1)
        if pending:
            raise UserError(_("Bonus sheet %(name)s already has a correction: %(other)s.",
                              name=self.name, other=pending.name))
        correction = self.sudo().create({
            "scheme_id": self.scheme_id.id, "team_id": self.team_id.id,
            "company_id": self.company_id.id, "period_type": self.period_type,
            "date_from": self.date_from, "date_to": self.date_to, "replaces_id": self.id,
        })
        self.sudo().message_post(
            body=_("Correction %s created: once approved it replaces this sheet.",
                   correction.name), subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": correction.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_export_xlsx(self):
        """Record the export (a JSON-RPC call, CSRF-safe), then download the workbook: the GET
        route only serves the file and never changes the sheet."""
        self.ensure_one()
        self._check_officer()
        self._check_state(*FINAL_STATES)
        self._mark_exported()
        # target "new" (not "download"): the same download in a new tab, after which the form
        # reloads and shows the sheet Exported, with who and when
        return {
            "type": "ir.actions.act_url",
            "url": "/kpi_management/bonus_sheet/%s/xlsx" % self.id,
            "target": "new",
        }

    def _mark_exported(self):
        """Record the export (the first one moves the sheet to ``exported``)."""
        self._check_officer()
        self._check_state(*FINAL_STATES)
        now = fields.Datetime.now()
        for sheet in self:
            if sheet.state == "approved":
                names = dict(sheet.sudo().approval_names or {}, exported=self.env.user.name)
                sheet._transition({"state": "exported", "exported_uid": self.env.uid,
                                   "exported_date": now, "approval_names": names},
                                  _("Exported to XLSX for payroll."))
            else:
                sheet.sudo().message_post(body=_("Exported to XLSX again."),
                                          subtype_xmlid="mail.mt_note",
                                          author_id=self.env.user.partner_id.id)

    def _get_xlsx_content(self):
        """The workbook of this approved sheet (bonus officers only), see ``report/bonus_xlsx``.

        Every name in it is the one of the approval (scheme, team, company, signatories,
        employees), whatever was renamed since. Its words are in the exporting user's language,
        the notes included (rendered from the facts stored at Compute), and the dates written as
        text (the period, in the title and the names of the sheets) in that user's date format;
        its dates and times in the company's timezone (its partner's, else the exporting
        user's, else UTC), named in the workbook."""
        self.ensure_one()
        self._check_officer()
        self._check_state(*FINAL_STATES)
        # the words in the exporting user's language (a sudo environment keeps the user's uid)
        return bonus_sheet_workbook.sheet_workbook(
            self.sudo().with_context(lang=self.env.user.lang or self.env.lang))

    # ------------------------------------------------------------ activities
    def _sync_activities(self):
        """Make the open reminders (activities) of these sheets match who must act now.

        Who must act (:meth:`_get_activity_recipients`), among the users who can open the
        sheet: on a draft sheet with an employee not assessed on a manual KPI, the team manager
        and the scheme's assessors; on a submitted sheet, its manager approver; once the manager
        approved, the bonus officers who may give the HR approval. Each gets one activity per
        sheet and step, in their own language (one batched ``create``); the activities nobody
        needs any more are marked done with the reason (the chatter keeps who did the step).

        Idempotent, and run by every step that changes who must act. As superuser, as
        :meth:`_transition`: the step that calls it checked the caller's rights, and its caller
        may only read the sheet (a manager approving, an assessor assessing) while scheduling
        or closing somebody else's activity needs write access to it. Only the activities this
        method schedules (``automated``) are managed: one planned by hand stays as it is. An
        archived activity type switches its step's reminders off. The assigned users get
        Odoo's usual "assigned to you" notification (their preference: inbox or e-mail): the
        steps are monthly or quarterly, and an assessor may not open Odoo in between.
        """
        if self.env.context.get("mail_activity_automation_skip"):
            return
        sheets = self.sudo().exists()
        types = {step: self.env.ref(xmlid, raise_if_not_found=False)
                 for step, xmlid in ACTIVITY_TYPES.items()}
        types = {step: type_ for step, type_ in types.items() if type_ and type_.active}
        if not sheets or not types:
            return
        step_of = {type_.id: step for step, type_ in types.items()}
        wanted = sheets._get_activity_recipients()
        Activity = self.env["mail.activity"].sudo().with_context(
            clean_context(self.env.context))
        existing = Activity.search([
            ("res_model", "=", self._name), ("res_id", "in", sheets.ids),
            ("activity_type_id", "in", list(step_of)), ("automated", "=", True),
        ])
        kept, duplicates, to_close = set(), Activity, defaultdict(lambda: Activity)
        for activity in existing:
            key = (activity.res_id, step_of[activity.activity_type_id.id], activity.user_id.id)
            if key in kept:  # two syncs at the same moment: one reminder is enough
                duplicates |= activity
            elif activity.user_id in wanted.get(key[:2], ()):
                kept.add(key)
            else:
                to_close[key[:2]] |= activity
        duplicates.unlink()
        by_id = {sheet.id: sheet for sheet in sheets}
        for (sheet_id, step), activities in to_close.items():
            activities.action_feedback(feedback=by_id[sheet_id]._get_activity_outcome(step))
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        for (sheet_id, step), users in wanted.items():
            sheet, type_ = by_id[sheet_id], types.get(step)
            for user in users:
                if not type_ or (sheet_id, step, user.id) in kept:
                    continue
                summary, note = sheet._get_activity_texts(step, user)
                vals_list.append({
                    "res_model_id": model_id, "res_id": sheet_id,
                    "activity_type_id": type_.id, "user_id": user.id, "automated": True,
                    "summary": summary, "note": note,
                    "date_deadline": sheet._get_activity_deadline(step, type_),
                })
        if vals_list:
            Activity.create(vals_list)

    def _get_activity_recipients(self):
        """``{(sheet id, step): users}``: who must act on each of these sheets now (active
        internal users who can open it; nobody is reminded of a step they may not do)."""
        result = {}
        officers = self.env.ref(OFFICER_GROUP).sudo().all_user_ids
        for sheet in self.sudo():
            if sheet.state == "draft":
                if sheet._get_missing_assessments():
                    result[sheet.id, STEP_ASSESS] = (sheet.team_id.user_id
                                                     | sheet.scheme_id.assessor_ids)
            elif sheet.state == "to_approve":
                employees, signed = sheet._get_non_signatories()
                if not sheet.manager_approved_uid:
                    result[sheet.id, STEP_MANAGER_APPROVAL] = \
                        sheet._get_manager_approver() - signed
                else:
                    result[sheet.id, STEP_HR_APPROVAL] = \
                        officers - sheet._get_manager_approver() - employees - signed
        result = {key: users.filtered(lambda u: u.active and not u.share)
                  for key, users in result.items()}
        return self._keep_readers(result)

    def _keep_readers(self, recipients):
        """``recipients`` (``{(sheet id, step): users}``) without the users who cannot open
        the sheet (access rights, record rules, companies): an activity must open its sheet."""
        sheet_ids = defaultdict(set)
        for (sheet_id, _step), users in recipients.items():
            for user in users:
                sheet_ids[user].add(sheet_id)
        # the recipient's own companies, not those the caller works in
        context = dict(self.env.context, allowed_company_ids=False)
        readable = {
            user: set(self.with_env(self.env(user=user, su=False, context=context))
                      .browse(ids)._filtered_access("read").ids)
            for user, ids in sheet_ids.items()
        }
        return {(sheet_id, step): users.filtered(lambda u, sheet_id=sheet_id:
                                                 sheet_id in readable[u])
                for (sheet_id, step), users in recipients.items()}

    def _get_missing_assessments(self):
        """``{(employee id, manual KPI id)}`` of this sheet that nobody has assessed yet (what
        :meth:`_collect_figures` reports as "not assessed")."""
        self.ensure_one()
        sheet = self.sudo()
        manual = sheet.scheme_id.line_ids.filtered(lambda line: line.kind == bonus_math.KIND_MANUAL)
        if not manual:
            return set()
        given = {(a.user_id.id, a.scheme_line_id.id) for a in sheet.assessment_ids}
        return {(user.id, line.id) for user in sheet._get_employees()
                for line in manual} - given

    def _get_activity_deadline(self, step, activity_type):
        """The activity type's delay from today (none by default); an assessment of a period
        not over yet is due the day after it ends."""
        self.ensure_one()
        deadline = activity_type._get_date_deadline()
        if step == STEP_ASSESS:
            deadline = max(deadline, self.date_to + datetime.timedelta(days=1))
        return deadline

    def _get_activity_texts(self, step, user):
        """``(summary, note)`` of the activity of ``user`` for ``step``, in their language."""
        self.ensure_one()
        sheet = self.with_context(lang=user.lang or self.env.lang)
        _ = sheet.env._  # the module's _ would translate in the caller's language
        name = sheet._get_localized_name()
        if step == STEP_ASSESS:
            kpis = sheet.scheme_id.line_ids.filtered(lambda line: line.kind == bonus_math.KIND_MANUAL)
            return _("Assess the employees"), Markup("<p>%s</p>") % _(
                "Assess the employees of bonus sheet %(sheet)s on %(kpis)s. This reminder "
                "closes once every employee is assessed on every manual KPI.",
                sheet=name, kpis=", ".join(kpis.mapped("name")))
        if step == STEP_MANAGER_APPROVAL:
            return _("Give the manager approval"), Markup("<p>%s</p>") % _(
                "Bonus sheet %s waits for your manager approval: check its figures, then "
                "approve it or send it back to draft.", name)
        return _("Give the HR approval"), Markup("<p>%s</p>") % _(
            "Bonus sheet %s is approved by the manager and waits for the HR approval: check "
            "its figures, then approve it or send it back to draft.", name)

    def _get_activity_outcome(self, step):
        """Why the activities of ``step`` on this sheet are closed (their feedback, in the
        chatter)."""
        self.ensure_one()
        if self.state == "draft":
            if step != STEP_ASSESS:
                return _("Sheet sent back to draft.")
            if not self._get_missing_assessments():
                return _("Every employee is assessed on every manual KPI.")
            return _("No longer asked to assess this sheet.")
        if step == STEP_ASSESS:
            return _("Sheet submitted for approval.")
        if step == STEP_MANAGER_APPROVAL and self.manager_approved_uid:
            return _("Manager approval given by %s.", self.manager_approved_uid.name)
        if self.approved_uid:
            return _("HR approval given by %s.", self.approved_uid.name)
        return _("No longer asked to approve this sheet.")

    # --------------------------------------------------------------- figures
    def _get_employees(self):
        """The users with a line on this sheet (see :meth:`_get_employee_periods`)."""
        self.ensure_one()
        periods = self._get_employee_periods()
        return self.env["res.users"].browse([user.id for user in periods])

    def _get_employee_periods(self):
        """``{user: EmployeePeriod}``, ordered by name: who is on the sheet, for which days,
        from the record of each day (README, *Bonuses*).

        Each nightly result records the user's sales team and KPI profile of its day. A day of
        the period belongs to this sheet for a user when the record of that day puts them in
        the sheet's team under one of the scheme's profiles:

        * a day with a result of the user: its team and profile;
        * a day on which the nightly evaluation ran (some result is dated that day) without a
          result of the user: they held no KPI profile that day, the day is nobody's;
        * a day on which the evaluation did not run (an outage, or before the module was
          installed): the user's latest record before it, else their first record after it,
          else, never recorded at all, today's team and profile; for somebody who is no
          longer in the team today, their days end with their last record.

        So an employee who changed team or profile during the period is on each sheet for the
        days recorded there, prorated, with a note; and someone who joined after the period is
        on none of its sheets. An employee whose days are not contiguous (in, out and back) is
        measured from their first to their last day and paid for the days counted.
        """
        self.ensure_one()
        team, scheme = self.team_id.sudo(), self.scheme_id.sudo()
        date_from, date_to = self.date_from, self.date_to
        current = (team.member_ids | team.user_id).filtered(
            lambda u: u.active and not u.share
            and u.kpi_profile_id in scheme.profile_ids
            and self.company_id in u.company_ids)
        record = self._read_membership(team, current)
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        candidates = current | Users.browse(record["users"]).filtered(
            lambda u: not u.share and self.company_id in u.company_ids)
        profiles = set(scheme.profile_ids.ids)
        period_days = calendar.period_days(date_from, date_to)
        days = [date_from + datetime.timedelta(days=n) for n in range(period_days)]
        periods = {}
        for user in candidates.sorted(lambda u: (u.name or "", u.id)):
            mine, profile_id = self._days_in_sheet(user, days, record, user in current,
                                                   profiles)
            if mine:
                periods[user.with_env(self.env)] = self._employee_period(
                    user, mine, profile_id, days, record)
        return periods

    def _days_in_sheet(self, user, days, record, is_current, profiles):
        """``(days, profile_id)``: the ``days`` of the period that the record puts ``user`` in
        the sheet's team under one of the scheme's ``profiles`` (see
        :meth:`_get_employee_periods`), and the profile of the last of them."""
        team_id = self.team_id.id
        recorded = record["days"].get(user.id, {})
        known = sorted(recorded)
        mine, profile_id = [], None
        for day in days:
            if day in recorded:
                member = recorded[day]
            elif day in record["run_days"]:
                member = None
            elif not is_current and (not known or day > known[-1]):
                member = None  # a leaver's days end with their last record
            else:
                member = self._carried_membership(day, known, recorded,
                                                  record["before"].get(user.id),
                                                  record["after"].get(user.id))
                if member is False:  # never recorded: today's membership
                    member = (team_id, user.kpi_profile_id.id) if is_current else None
            if member and member[0] == team_id and member[1] in profiles:
                mine.append(day)
                profile_id = member[1]
        return mine, profile_id

    def _employee_period(self, user, mine, profile_id, days, record):
        """The :class:`EmployeePeriod` of ``user`` on this sheet for the days ``mine`` of the
        period's ``days``, with the facts of its note: joined, left (for the team the record
        shows after their last day, :meth:`_team_after`) or archived, prorated."""
        date_from, date_to, period_days = self.date_from, self.date_to, len(days)
        start, end, facts = mine[0], mine[-1], []
        if start > date_from:
            facts.append(bonus_notes.joined(start))
        if end < date_to:
            if not user.active:
                facts.append(bonus_notes.archived(end))
            else:
                facts.append(bonus_notes.left(self._team_after(user, end, record).name, end))
        if len(mine) < period_days:
            facts.append(bonus_notes.prorated(len(mine), period_days))
        profile = self.env["kpi.profile"].sudo().browse(profile_id)
        return EmployeePeriod(start, end, len(mine), period_days, tuple(facts), profile.name)

    def _team_after(self, user, end, record):
        """The team ``user`` was recorded in after ``end`` (:meth:`_read_membership`): the
        first record after it in the period, else after the period; today's team only when
        nothing was recorded since. An empty recordset for no team."""
        recorded = record["days"].get(user.id, {})
        later = [day for day in recorded if day > end]
        if later:
            team_id = recorded[min(later)][0]
        elif user.id in record["after"]:
            team_id = record["after"][user.id][0]
        else:
            return user.sale_team_id
        return self.env["crm.team"].sudo().browse(team_id or [])

    @staticmethod
    def _carried_membership(day, known, recorded, before, after):
        """The membership ``(team_id, profile_id)`` of a ``day`` the evaluation did not run:
        the user's latest record before it, else their first one after it; False when the user
        was never recorded."""
        earlier = [d for d in known if d < day]
        if earlier:
            return recorded[earlier[-1]]
        if before:
            return before
        later = [d for d in known if d > day]
        if later:
            return recorded[later[0]]
        return after or False

    def _read_membership(self, team, current):
        """What the nightly results recorded of the people of ``team`` over the sheet's
        period (three queries; a result without a profile, stored before results recorded
        the membership, records nothing): ``run_days`` (the days the evaluation ran), ``users`` (who was
        recorded in the team on a day of the period), ``days`` (``{user_id: {day: (team_id,
        profile_id)}}`` for those users and ``current``), ``before`` and ``after`` (``{user_id:
        (team_id, profile_id)}``, their latest record before the period and first after it)."""
        self.ensure_one()
        self.env["kpi.result"].flush_model(["user_id", "team_id", "date", "profile_id"])
        cr = self.env.cr
        args = {"from": self.date_from, "to": self.date_to, "team": team.id,
                "current": current.ids}
        cr.execute(SQL("SELECT DISTINCT date FROM kpi_result "
                       "WHERE date BETWEEN %(from)s AND %(to)s AND profile_id IS NOT NULL",
                       **args))
        run_days = {row[0] for row in cr.fetchall()}
        cr.execute(SQL(
            """SELECT DISTINCT ON (user_id, date) user_id, date, team_id, profile_id
                 FROM kpi_result
                WHERE date BETWEEN %(from)s AND %(to)s AND profile_id IS NOT NULL
                  AND (user_id = ANY(%(current)s) OR user_id IN (
                       SELECT user_id FROM kpi_result
                        WHERE team_id = %(team)s AND date BETWEEN %(from)s AND %(to)s))
                ORDER BY user_id, date, id DESC""", **args))
        days = defaultdict(dict)
        for user_id, day, team_id, profile_id in cr.fetchall():
            days[user_id][day] = (team_id, profile_id)
        users = [user_id for user_id, record in days.items()
                 if any(member[0] == team.id for member in record.values())]
        before, after = {}, {}
        everyone = sorted(set(users) | set(current.ids))
        if len(run_days) < (self.date_to - self.date_from).days + 1 and everyone:
            for bound, op, order, found in (("from", "<", "DESC", before),
                                            ("to", ">", "ASC", after)):
                cr.execute(SQL(
                    """SELECT DISTINCT ON (user_id) user_id, team_id, profile_id
                         FROM kpi_result
                        WHERE user_id = ANY(%s) AND profile_id IS NOT NULL AND date %s %s
                        ORDER BY user_id, date %s, id DESC""",
                    everyone, SQL(op), args[bound], SQL(order)))
                found.update({user_id: (team_id, profile_id)
                              for user_id, team_id, profile_id in cr.fetchall()})
        return {"run_days": run_days, "users": users, "days": days, "before": before,
                "after": after}

    def _check_employee_overlap(self, periods):
        """An employee is paid at most once for any day: refuse when one of the employees of
        ``periods`` (``{user: EmployeePeriod}``) already has a line on another sheet of the
        company, whatever its scheme or team, for days that overlap theirs (an employee who
        moved from one team or profile to another during the period is on both sheets, each
        for its own days).

        Serialised per company: the company's row is updated first, so that of two
        transactions computing sheets of the same company at the same moment the second waits
        for the first and, once it has committed, fails to serialise (Odoo retries the
        request, which then sees the first sheet's lines and refuses cleanly).
        """
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE res_company SET write_date = write_date "
                                "WHERE id = %s", self.company_id.id))
        others = self.env["kpi.bonus.sheet.line"].sudo().search([
            ("user_id", "in", [user.id for user in periods]),
            ("sheet_id", "not in", (self | self._get_linked_sheets()).ids),
            ("sheet_id.state", "!=", "replaced"),
            ("sheet_id.company_id", "=", self.company_id.id),
            ("sheet_id.date_from", "<=", self.date_to), ("sheet_id.date_to", ">=", self.date_from),
        ])
        mine = {user.id: period for user, period in periods.items()}
        for other in others:
            period = mine[other.user_id.id]
            other_from = other.worked_from or other.sheet_id.date_from
            other_to = other.worked_to or other.sheet_id.date_to
            if other_from <= period.date_to and other_to >= period.date_from:
                raise UserError(
                    _("%(user)s already has a line on bonus sheet %(other)s for days of this "
                      "period: a bonus is paid only once for any day, whatever the scheme or "
                      "team. Delete the other sheet (or correct it) and compute again.",
                      user=other.user_id.name, other=other.sheet_id.name))

    @api.depends_context("uid")
    @api.depends("state", "manager_approved_uid", "team_id.user_id", "scheme_id.approver_id",
                 "line_ids.user_id")
    def _compute_is_manager_approver(self):
        for sheet in self:
            sheet.is_manager_approver = (
                bool(sheet.id) and sheet.state == "to_approve"
                and not sheet.manager_approved_uid
                and sheet._get_manager_approver() == self.env.user)

    @api.depends_context("uid")
    @api.depends("state", "manager_approved_uid", "submitted_uid", "line_ids.user_id")
    def _compute_is_hr_approver(self):
        officer = self._is_officer()
        for sheet in self:
            if not (officer and sheet.id and sheet.state == "to_approve"
                    and sheet.manager_approved_uid):
                sheet.is_hr_approver = False
                continue
            employees, signed = sheet._get_non_signatories()
            sheet.is_hr_approver = self.env.user not in employees | signed

    def _get_manager_approver(self):
        """Who gives the manager approval: the team's manager, unless the team has none or he
        has a line on the sheet; then the scheme's approver for managers, unless he too has a
        line on it (nobody approves their own bonus). Empty when nobody can."""
        self.ensure_one()
        sheet = self.sudo()
        on_sheet = sheet.line_ids.user_id
        for candidate in (sheet.team_id.user_id, sheet.scheme_id.approver_id):
            if candidate and candidate.active and candidate not in on_sheet:
                return candidate.with_env(self.env)
        return self.env["res.users"]

    def _period_end_utc(self, users):
        """When the period ends for the last of ``users`` (local midnight after the last day
        in each one's timezone), as naive UTC."""
        self.ensure_one()
        day_after = self.date_to + datetime.timedelta(days=1)
        tzs = set(users.sudo().mapped("tz")) or {False}
        return max(scoring.local_midnight_utc(day_after, tz) for tz in tzs)

    def _changed_since_compute(self, figures):
        """What changed since Compute, in words (empty when nothing did)."""
        self.ensure_one()
        labels = {
            "period": _("the period or company"),
            "team": _("the employees or their days in the team"),
            "scheme": _("the scheme (KPIs, weights, payout curve, base amount)"),
            "targets": _("the targets"),
            "assessments": _("the manual assessments"),
            "results": _("the KPI results or the records measured"),
        }
        changed = bonus_math.changed_parts(self.sudo().fingerprint,
                                               figures.fingerprint)
        return ", ".join(labels.get(name, name) for name in changed)

    def _collect_figures(self):
        """Every figure of this sheet, computed in memory (nothing is written): collect the
        inputs (:meth:`_collect_inputs`), score them with the bonus engine
        (``bonus_engine``), turn the result into line values and the fingerprint of what
        they were computed from (:meth:`_figures_from`). Returns a :class:`SheetFigures`."""
        self.ensure_one()
        return self._figures_from(self._collect_inputs())

    def _collect_inputs(self):
        """What the sheet pays on, each input as it was recorded on the days it applied
        (README, *Bonuses*, "What a sheet is computed from"):

        * the employees and their days in the team (:meth:`_get_employee_periods`);
        * past-window rules: measured once per rule over each employee's days (one query per
          rule and span of days), in the currency their results recorded; the target in force
          and the rule's mode for the employee's team as the nightly results recorded them
          (``kpi.result._read_recorded``);
        * snapshot and next-days rules: the daily results of those days, with the mode they
          recorded;
        * manual KPIs: the assessments of the sheet.

        Without any result of a rule for an employee up to the end of their days (a rule
        never evaluated for them), the configuration of today stands in and the sheet's
        missing figures say so.
        """
        self.ensure_one()
        sheet = self.sudo()
        scheme = sheet.scheme_id
        scheme._check_ready()
        periods = sheet._get_employee_periods()
        if not periods:
            raise UserError(_("No member of team %(team)s holds a profile of scheme %(scheme)s.",
                              team=sheet.team_id.name, scheme=scheme.name))
        users = self.env["res.users"].browse([user.id for user in periods])
        rules = scheme.line_ids.filtered(lambda line: line.kind == bonus_math.KIND_RULE).rule_id
        sources = self._read_sources(rules, periods, users)
        unrecorded = defaultdict(list)
        kpis, facts = {}, {}
        for user, period in periods.items():
            kpis[user.id], facts[user.id] = sheet._employee_inputs(user, period, sources,
                                                                   unrecorded)
        return SheetInputs(periods=periods, users=users, kpis=kpis, facts=facts,
                           unrecorded=dict(unrecorded), levels=scheme._get_levels(),
                           currency=scheme.currency_id, base_amount=scheme.base_amount)

    def _read_sources(self, rules, periods, users):
        """Everything the KPIs of ``users`` are collected from, read once for the whole sheet
        (a :class:`SheetSources`), in this order: the recorded target, mode and currencies of
        each rule and employee, the daily results of the rules that are not past-window, the
        currency each KPI is measured and paid in (:meth:`_check_one_currency`), the
        past-window rules measured per span of days in it (:meth:`_measure_past_rules`), the
        sheet's assessments and today's targets of the past-window rules (standing in where
        nothing was recorded)."""
        self.ensure_one()
        sheet = self.sudo()
        past_rules = rules.filtered(lambda rule: rule.window_kind == bonus_math.WINDOW_PAST)
        spans = {user.id: (period.date_from, period.date_to) for user, period in periods.items()}
        recorded = self.env["kpi.result"]._read_recorded(rules.ids, spans)
        daily = self.env["kpi.result"]._read_daily(
            (rules - past_rules).ids, users.ids, sheet.date_from, sheet.date_to)
        currencies = sheet._check_one_currency(rules, periods, recorded, daily)
        measured = self._measure_past_rules(past_rules, periods, currencies)
        assessments = defaultdict(list)
        for assessment in sheet.assessment_ids:
            assessments[assessment.scheme_line_id.id, assessment.user_id.id].append(assessment)
        configured = {rule.id: rule._get_user_targets(users.ids) for rule in past_rules}
        return SheetSources(past_rules=past_rules, recorded=recorded, measured=measured,
                            daily=daily, assessments=assessments, configured=configured)

    def _measure_past_rules(self, past_rules, periods, currencies):
        """``{rule_id: {user_id: measure}}``: each past-window rule measured once per span of
        days the employees of ``periods`` share (one measure per rule and span, in the order
        the spans first appear), each employee's amounts in the currency of ``currencies``
        (``{(rule_id, user_id): currency_id}``, what their results recorded; today's where
        missing)."""
        measured = defaultdict(dict)
        by_span = defaultdict(lambda: self.env["res.users"])
        for user, period in periods.items():
            by_span[period.date_from, period.date_to] |= user
        for rule in past_rules:
            for (date_from, date_to), span_users in by_span.items():
                rows = [(u.id, u.partner_id.id, u.tz) for u in span_users.sudo()]
                measured[rule.id].update(rule._measure_period(
                    rows, date_from, date_to,
                    currencies={u.id: currencies[rule.id, u.id] for u in span_users
                                if currencies.get((rule.id, u.id))}))
        return measured

    def _employee_inputs(self, user, period, sources, unrecorded):
        """The engine's inputs of ``user`` (``bonus_engine.KpiInput``), one per scheme line in
        its order, and the facts behind each (the records counted of a past-window rule, the
        assessments of a manual KPI, None for daily results). A rule without any result
        recorded for the employee adds the employee's name to ``unrecorded`` under the KPI's
        name: today's target and mode stand in."""
        kpis, facts = [], []
        for sline in self.scheme_id.line_ids:
            rule = sline.rule_id
            record = sources.recorded.get((rule.id, user.id)) if rule else None
            if rule and record is None:
                unrecorded[sline.name].append(user.name)
            common = self.scheme_id._kpi_common(sline, record, self.team_id, period.date_from)
            if rule in sources.past_rules:
                found = sources.measured[rule.id][user.id]
                target = record.target if record else sources.configured[rule.id][user.id]
                kpi = self.scheme_id._period_input(rule, found, target, common)
                fact = found.ids
            elif rule:
                kpi = bonus_engine.KpiInput(
                    method=bonus_engine.METHOD_AVERAGE,
                    daily=tuple(sources.daily.get((rule.id, user.id), [])), **common)
                fact = None
            else:
                fact = sources.assessments.get((sline.id, user.id), [])
                kpi = bonus_engine.KpiInput(
                    method=bonus_engine.METHOD_MANUAL,
                    assessments=tuple(a.score for a in fact), **common)
            kpis.append(kpi)
            facts.append(fact)
        return kpis, facts

    def _check_one_currency(self, rules, periods, recorded, daily):
        """Money in one currency: ``{(rule_id, user_id): currency_id}``, the currency each KPI
        of each employee of ``periods`` was measured in over their days, as their results
        recorded it (``recorded``: ``kpi.result._read_recorded``; ``daily``: the daily results
        of the days, ``kpi.result._read_daily``), never today's configuration: an employee
        who moved to a company in another currency since is paid in the one of the period.
        Missing for a rule whose results recorded none (never evaluated for the employee, or
        stored without one): today's currency stands in (``kpi_score_mixin.amount_company``).

        The sheet refuses an amount KPI measured in another currency than the scheme's, or
        in two over an employee's days (the employee, or the rule, changed company in the
        period), naming the KPI, the employee and the currencies."""
        self.ensure_one()
        currency = self.sudo().scheme_id.currency_id
        Currency = self.env["res.currency"].sudo()
        measured_in = {}
        for rule in rules:
            for user, period in periods.items():
                found = self._recorded_currencies(rule, user, period, recorded, daily)
                if found:
                    measured_in[rule.id, user.id] = found[-1]  # the latest one
                if rule.unit != "amount":
                    continue
                names = {"rule": rule.name, "user": user.name,
                         "scheme": self.scheme_id.name, "currency": currency.name}
                if len(found) > 1:
                    raise UserError(_(
                        "KPI %(rule)s of %(user)s was measured in %(measured)s over the "
                        "employee's days of this period (a change of company): a sheet never "
                        "mixes currencies. Pay the days of each currency on a sheet of their "
                        "own, with a scheme in that currency.",
                        measured=", ".join(Currency.browse(found).mapped("name")), **names))
                if found and found[0] != currency.id:
                    raise UserError(_(
                        "KPI %(rule)s of %(user)s was measured in %(measured)s over this "
                        "period (as its results recorded it), the scheme %(scheme)s pays in "
                        "%(currency)s: a sheet never mixes currencies. Pay it with a scheme in "
                        "%(measured)s.", measured=Currency.browse(found[0]).name, **names))
                today = amount_company(rule.company_id, user.sudo()).currency_id
                if not found and today != currency:
                    raise UserError(_(
                        "KPI %(rule)s of %(user)s is measured in %(measured)s, the scheme "
                        "%(scheme)s pays in %(currency)s: a sheet never mixes currencies. Set "
                        "the rule's company, or the employee's main company, to one in "
                        "%(currency)s.", measured=today.name, **names))
        return measured_in

    @staticmethod
    def _recorded_currencies(rule, user, period, recorded, daily):
        """The currencies ``rule``'s results of ``user`` recorded over their days ``period``,
        in the order they were recorded (see :meth:`_check_one_currency`): those of the first
        and the last result (``recorded``) and of every daily result of the days
        (``daily``, the rules that are not past-window)."""
        record = recorded.get((rule.id, user.id))
        found = list(record.currency_ids) if record else []
        found += [result.currency_id for result in daily.get((rule.id, user.id), [])
                  if result.currency_id and period.date_from <= result.date <= period.date_to]
        return sorted(set(found), key=found.index) if len(found) > 1 else found

    def _figures_from(self, inputs):
        """The bonus engine on ``inputs`` (:class:`SheetInputs`): the values of the sheet's
        lines and details, the fingerprint of everything used, what is missing."""
        self.ensure_one()
        sheet = self.sudo()
        period_days = calendar.period_days(sheet.date_from, sheet.date_to)
        last_evaluated = min(sheet.date_to, fields.Date.context_today(sheet))
        line_vals, gaps = [], defaultdict(list)
        parts = {"targets": [], "results": [], "assessments": [], "pilot": set()}
        for user, period in inputs.periods.items():
            line_vals.append(sheet._employee_line_vals(user, period, inputs, period_days,
                                                       last_evaluated, gaps, parts))
        ranks = bonus_math.ranks([(vals["total_score"], vals["amount"]) for vals in line_vals])
        for vals, rank in zip(line_vals, ranks, strict=True):
            vals["rank"] = rank
        pilot_rules = self.env["kpi.rule"].browse(sorted(parts["pilot"]))
        fingerprint = sheet._fingerprint(inputs, parts, pilot_rules)
        period_end_utc = sheet._period_end_utc(inputs.users)
        return SheetFigures(
            periods=inputs.periods,
            lines=line_vals,
            fingerprint=fingerprint,
            gaps=[_("%(kpi)s: %(who)s", kpi=kpi, who=", ".join(who))
                  for kpi, who in gaps.items()],
            provisional=fields.Datetime.now() < period_end_utc,
            period_end_utc=period_end_utc,
            pilot_rules=pilot_rules.with_env(self.env),
            unrecorded=[_("%(kpi)s: %(who)s", kpi=kpi, who=", ".join(who))
                        for kpi, who in inputs.unrecorded.items()],
            levels=inputs.levels,
            currency=inputs.currency,
            base_amount=inputs.base_amount,
        )

    def _employee_line_vals(self, user, period, inputs, period_days, last_evaluated, gaps,
                            parts):
        """The values of ``user``'s sheet line (without its rank): the employee's KPIs scored
        over their days of the period (``period``, :class:`EmployeePeriod`) and their bonus,
        prorated to those days, by the bonus engine; one detail per scheme line
        (:meth:`_detail_vals`), which adds what is missing to ``gaps`` and what was used to
        the fingerprint's ``parts``."""
        span = bonus_engine.Span(period.date_from, period.date_to, self.period_type,
                                 period_days, period.days)
        scores = [bonus_engine.score_kpi(kpi, span) for kpi in inputs.kpis[user.id]]
        bonus = bonus_engine.employee_bonus(scores, inputs.base_amount, inputs.levels, span)
        details = [
            self._detail_vals(user, period, span, sline, weighted, fact, last_evaluated, gaps,
                              parts)
            for sline, weighted, fact in zip(self.scheme_id.line_ids, bonus.kpis,
                                             inputs.facts[user.id], strict=True)]
        return {
            "user_id": user.id,
            "employee_name": user.name,
            "login": user.login,
            "profile_name": period.profile_name or user.kpi_profile_id.name,
            "team_name": self.team_id.name,
            "worked_from": period.date_from,
            "worked_to": period.date_to,
            # the facts; the words are rendered when read (bonus_notes); the KPIs with
            # no data are read from the details
            "presence_facts": list(period.facts) or False,
            "total_score": bonus.total_score,
            "payout_percent": bonus.payout_percent,
            "amount": inputs.currency.round(bonus.amount),
            "detail_vals": details,
        }

    def _detail_vals(self, user, period, span, sline, weighted, fact, last_evaluated, gaps,
                     parts):
        """The values of the detail of scheme line ``sline`` on ``user``'s sheet line, from
        its engine result ``weighted`` (``bonus_engine.WeightedKpi``) and its ``fact`` (see
        :meth:`_employee_inputs`); records what the figure was computed from in ``parts``
        and what is missing in ``gaps`` (:meth:`_note_facts`)."""
        kpi = weighted.kpi
        if not kpi.counts:
            parts["pilot"].add(sline.rule_id.id)
        note_facts = self._note_facts(user, period, span, sline, kpi, fact, last_evaluated,
                                      gaps, parts)
        if kpi.method != bonus_engine.METHOD_MANUAL:
            parts["targets"].append((user.id, sline.id, kpi.target))
        return {
            "scheme_line_id": sline.id,
            "rule_id": sline.rule_id.id or False,
            "name": sline.name,
            "kind": sline.kind,
            "value": kpi.value,
            "target": kpi.target,
            "score": kpi.score,
            "weight": sline.weight,
            "weight_used": weighted.weight_used,
            "contribution": weighted.contribution,
            "counted": kpi.counts,
            "no_data": not kpi.has_data,
            "result_count": kpi.count,
            # the facts; the words are rendered when read (bonus_notes), with the
            # pilot and no-data warnings of ``counted`` and ``no_data``
            "note_facts": note_facts,
        }

    def _note_facts(self, user, period, span, sline, kpi, fact, last_evaluated, gaps, parts):
        """The facts of a detail's note (``bonus_notes``), by how the KPI was collected:
        measured over the employee's days, averaged over daily results (the days up to
        ``last_evaluated`` without a nightly result go to ``gaps``) or assessed (not assessed
        goes to ``gaps``). Adds the results or assessments used to ``parts``."""
        if kpi.method == bonus_engine.METHOD_PERIOD:
            parts["results"].append((user.id, sline.id, kpi.value, kpi.count, kpi.has_data))
            return bonus_notes.measured(period.date_from, period.date_to, kpi.count,
                                        span.partial, kpi.basis)
        if kpi.method == bonus_engine.METHOD_AVERAGE:
            expected = (min(period.date_to, last_evaluated) - period.date_from).days + 1
            if kpi.count < expected:
                gaps[sline.name].append(_("%(user)s: %(missing)s of %(days)s days "
                                          "without a nightly result",
                                          user=user.name, missing=expected - kpi.count,
                                          days=expected))
            parts["results"].append((user.id, sline.id, kpi.value, kpi.score, kpi.count,
                                     kpi.measured))
            return bonus_notes.daily(kpi.count, kpi.measured)
        if not fact:
            gaps[sline.name].append(_("%s: not assessed", user.name))
        parts["assessments"] += [(a.id, user.id, sline.id, a.assessor_id.id, a.score)
                                 for a in fact]
        return bonus_notes.assessed(fact)

    def _fingerprint(self, inputs, parts, pilot_rules):
        """The digest of everything the sheet's figures were computed from, part by part
        (``bonus_math.fingerprint``): a part that changes after Compute makes the figures
        stale (:meth:`_changed_since_compute`)."""
        scheme = self.scheme_id
        return bonus_math.fingerprint({
            "period": [self.date_from, self.date_to, self.company_id.id],
            "team": [self.team_id.id, [(u.id, p.date_from, p.date_to)
                                       for u, p in inputs.periods.items()]],
            "scheme": [scheme.id, inputs.currency.id, inputs.base_amount,
                       sorted(inputs.levels),
                       [(sl.id, sl.kind, sl.rule_id.id, sl.weight)
                        for sl in scheme.line_ids]],
            "targets": sorted(parts["targets"]),
            "assessments": sorted(parts["assessments"]),
            "results": sorted(parts["results"]),
            # only when a rule is a pilot: sheets computed before roll-outs existed keep theirs
            **({"pilot": pilot_rules.ids} if pilot_rules else {}),
        })

    def _store_figures(self, figures):
        """Replace the sheet's figures by ``figures`` (:meth:`_collect_figures`), as superuser."""
        self.ensure_one()
        sheet = self.sudo()
        sheet.line_ids.unlink()
        lines = []
        for vals in figures.lines:
            vals = dict(vals)
            details = vals.pop("detail_vals")
            vals["detail_ids"] = [Command.create(detail) for detail in details]
            lines.append(Command.create(vals))
        sheet.write({
            "currency_id": figures.currency.id,
            "base_amount": figures.base_amount,
            "levels_frozen": [[s, p] for s, p in sorted(figures.levels)],
            "computed_at": fields.Datetime.now(),
            "fingerprint": figures.fingerprint,
            "provisional": figures.provisional,
            "approver_id": False,
            "line_ids": lines,
        })
