import dataclasses
import datetime
import json
import logging
from collections import defaultdict
from typing import NamedTuple

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date, formatLang

from ..tools import bulk, calendar, measures, scoring
from ..tools.measures import (
    LEAD_FIELD_TYPES,
    PARAM_ACTIVITY_TYPES,
    PARAM_GROWTH,
    PARAM_LEAD_FIELDS,
    PARAM_MIN_AMOUNT,
)
from ..tools.scoring import (
    COMPARE_LAST_YEAR,
    COMPARE_PREVIOUS,
    DIRECTION_HIGHER,
    DIRECTION_LOWER,
    MAX_TARGET,
    MAX_WINDOW_DAYS,
    WINDOW_SNAPSHOT,
)
from .kpi_template import DIRECTION_SELECTION

_logger = logging.getLogger(__name__)

#: the activity type a new *Completed activities* rule counts (Odoo's "Call")
DEFAULT_ACTIVITY_TYPE = "mail.mail_activity_data_call"
#: the fields a new *Data completeness* rule requires on open opportunities
DEFAULT_LEAD_FIELDS = ("partner_id", "email_from", "phone", "expected_revenue", "date_deadline")


class EvaluationBatch(NamedTuple):
    """One batch of the nightly evaluation (:meth:`KpiRule._cron_pending_batches`): a rule and
    some of its users, by id, so that a cron runs it in a transaction of its own and a queue
    job (kpi_management_queue) can carry it as its arguments."""

    rule_id: int
    user_ids: tuple  # at most the batch size, in id order


class KpiRule(models.Model):
    _name = "kpi.rule"
    _description = "KPI Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    template_id = fields.Many2one(
        "kpi.template", string="Template", required=True, ondelete="restrict", tracking=True
    )
    description = fields.Text(translate=True)
    profile_ids = fields.Many2many(
        "kpi.profile",
        "kpi_rule_profile_rel",
        "rule_id",
        "profile_id",
        string="Profiles",
        help="The rule is evaluated every night for every user holding one of these profiles.",
    )
    target = fields.Float(
        compute="_compute_target", store=True, readonly=False, tracking=True,
        help="The value to reach (e.g. 10 meetings). Scores are value / target.",
    )
    window_days = fields.Integer(
        string="Window (days)",
        compute="_compute_window_days", store=True, readonly=False, tracking=True,
    )
    direction = fields.Selection(
        DIRECTION_SELECTION,
        compute="_compute_direction", store=True, readonly=False, tracking=True,
    )
    weight = fields.Float(
        string="Weight in Overall Score", default=100.0, tracking=True,
        help="Weight of this KPI in the overall score of My KPIs (the weighted average of "
        "today's scores), from 0 to 100. Bonus sheets do not use it: they weigh the KPIs with "
        "the weights of their bonus scheme.",
    )
    warning_threshold = fields.Float(
        string="Warning From (%)", default=80.0,
        help="Below 100% of the target but at least this % of it, the KPI shows a warning; "
        "below it, it is off track.",
    )
    pilot = fields.Boolean(
        string="Pilot by Default", tracking=True,
        help="A pilot KPI is computed and shown with a \"pilot\" badge but never counts: not "
        "for bonuses, reminders, team reports' totals or the overall score. This is the mode "
        "of every sales team without a roll-out step of its own (see Roll-out) and of users "
        "without a team.",
    )
    reminder = fields.Boolean(
        string="Remind When Off Track", default=True, tracking=True,
        help="When the KPI is off track in the nightly run, its user gets an activity stating "
        "what is missing to reach the target, marked done by itself when the KPI recovers. "
        "Never for a pilot KPI.")
    analysis_period = fields.Selection(
        calendar.selection_of(calendar.PERIOD_TYPE_SELECTION,
                              (calendar.WEEK, calendar.MONTH, calendar.QUARTER)),
        string="Analysis Period", default=calendar.MONTH, required=True, tracking=True,
        help="The discrepancy analysis compares each user's score over these calendar periods "
        "with the target (see Discrepancies).")
    analysis_min_periods = fields.Integer(
        string="Periods Below Target", default=2, tracking=True,
        help="A finding opens when the KPI is below target for this many consecutive "
        "analysis periods or more.")
    rollout_ids = fields.One2many(
        "kpi.rule.rollout", "rule_id", string="Roll-out",
        help="From which day the rule runs as a pilot or live in each sales team, who decided "
        "it and when: a history, never changed.")
    pilot_team_ids = fields.Many2many(
        "crm.team", string="Pilot Teams", compute="_compute_team_modes",
        help="The sales teams in which the rule runs as a pilot today by a roll-out step.")
    live_team_ids = fields.Many2many(
        "crm.team", string="Live Teams", compute="_compute_team_modes",
        help="The sales teams in which the rule runs live today by a roll-out step.")
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True,
        help="Leave empty to evaluate the rule in every company.",
    )
    unit = fields.Selection(related="template_id.unit")
    unit_label = fields.Char(related="template_id.unit_label")
    window_kind = fields.Selection(related="template_id.window_kind")
    result_ids = fields.One2many("kpi.result", "rule_id", string="Results")
    user_target_ids = fields.One2many(
        "kpi.rule.target", "rule_id", string="Individual Targets",
        help="Per-user targets that replace the rule's target for these users.",
    )
    user_count = fields.Integer(compute="_compute_user_count")
    # ---- parameters of some templates' measures (measures.Measure.params)
    measure = fields.Selection(related="template_id.measure")
    growth_comparison = fields.Selection(
        [(COMPARE_PREVIOUS, "Previous period"), (COMPARE_LAST_YEAR, "Same period last year")],
        string="Compare With", default=COMPARE_PREVIOUS, tracking=True,
        help="Growth KPIs: what each user's growth is measured against, their baseline. "
        "Previous period: the same number of days just before the window (a window of 30 "
        "days: the 30 days before it). Same period last year: the same dates one year "
        "earlier. Both in the user's timezone.",
    )
    min_amount = fields.Float(
        string="Minimum Amount", tracking=True,
        help="Large deals KPIs: a won deal counts when its expected revenue is at least this "
        "amount (e.g. a minimum contract of 1,500,000).",
    )
    activity_type_ids = fields.Many2many(
        "mail.activity.type", "kpi_rule_activity_type_rel", "rule_id", "activity_type_id",
        string="Activity Types", compute="_compute_activity_type_ids", store=True,
        readonly=False,
        help="Completed activities KPIs: the activities of these types assigned to the user "
        "and marked done in the window count (e.g. Call, or a Cold Call type of your own).",
    )
    lead_field_ids = fields.Many2many(
        "ir.model.fields", "kpi_rule_lead_field_rel", "rule_id", "field_id",
        string="Required Fields", compute="_compute_lead_field_ids", store=True,
        readonly=False,
        domain=[("model", "=", "crm.lead"), ("store", "=", True),
                ("ttype", "in", LEAD_FIELD_TYPES)],
        help="Data completeness KPIs: an open opportunity is complete when all these fields "
        "are filled (a text that is not blank, a number other than 0, a date, a choice, a "
        "link, at least one tag).",
    )
    needs_growth_comparison = fields.Boolean(compute="_compute_needs")
    needs_min_amount = fields.Boolean(compute="_compute_needs")
    needs_activity_types = fields.Boolean(compute="_compute_needs")
    needs_lead_fields = fields.Boolean(compute="_compute_needs")

    # one compute per field: Odoo skips a shared compute when one of its fields is given
    @api.depends("template_id")
    def _compute_target(self):
        for rule in self:
            rule.target = rule.template_id.default_target

    @api.depends("template_id")
    def _compute_window_days(self):
        for rule in self:
            rule.window_days = rule.template_id.default_window_days or 30

    @api.depends("template_id")
    def _compute_direction(self):
        for rule in self:
            rule.direction = rule.template_id.default_direction or DIRECTION_HIGHER

    @api.depends("template_id")
    def _compute_activity_type_ids(self):
        call = self.env.ref(DEFAULT_ACTIVITY_TYPE, raise_if_not_found=False)
        for rule in self:
            if call and not rule.activity_type_ids and rule._needs(PARAM_ACTIVITY_TYPES):
                rule.activity_type_ids = call
            else:
                rule.activity_type_ids = rule.activity_type_ids

    @api.depends("template_id")
    def _compute_lead_field_ids(self):
        defaults = self.env["ir.model.fields"].search(
            [("model", "=", "crm.lead"), ("name", "in", DEFAULT_LEAD_FIELDS)])
        for rule in self:
            if not rule.lead_field_ids and rule._needs(PARAM_LEAD_FIELDS):
                rule.lead_field_ids = defaults
            else:
                rule.lead_field_ids = rule.lead_field_ids

    @api.depends("template_id.measure")
    def _compute_needs(self):
        for rule in self:
            rule.needs_growth_comparison = rule._needs(PARAM_GROWTH)
            rule.needs_min_amount = rule._needs(PARAM_MIN_AMOUNT)
            rule.needs_activity_types = rule._needs(PARAM_ACTIVITY_TYPES)
            rule.needs_lead_fields = rule._needs(PARAM_LEAD_FIELDS)

    @api.depends("rollout_ids", "pilot")
    def _compute_team_modes(self):
        today = fields.Date.context_today(self)
        for rule in self:
            modes = rule._team_modes(today)
            Team = self.env["crm.team"]
            rule.pilot_team_ids = Team.browse([team for team, pilot in modes.items() if pilot])
            rule.live_team_ids = Team.browse([team for team, pilot in modes.items() if not pilot])

    def _team_modes(self, day):
        """``{team_id: pilot}``: the mode on ``day`` of each team with a roll-out step of
        this rule from that day or before (the latest step wins)."""
        self.ensure_one()
        modes = {}
        rule_id = self._origin.id  # a new rule in a form (NewId) has no step yet
        if not rule_id:
            return modes
        steps = self.env["kpi.rule.rollout"].sudo().search(
            [("rule_id", "=", rule_id), ("date", "<=", day)], order="date, id")
        for step in steps:
            modes[step.team_id.id] = step.mode == "pilot"
        return modes

    def _is_pilot_for(self, team, day):
        """Whether this rule runs as a pilot for sales team ``team`` (may be empty: no team)
        on ``day``: the team's roll-out step of that day or before, else the rule's mode."""
        self.ensure_one()
        if team:
            step = self.env["kpi.rule.rollout"].sudo().search(
                [("rule_id", "=", self.id), ("team_id", "=", team.id), ("date", "<=", day)],
                order="date desc, id desc", limit=1)
            if step:
                return step.mode == "pilot"
        return self.pilot

    def _set_team_mode(self, teams, mode, date):
        """Run this rule as ``mode`` ("pilot" or "live") in ``teams`` from ``date`` on: one
        roll-out step per team, recording who and when, and a note in the chatter. KPI
        administrators only."""
        self.ensure_one()
        self.check_access("write")
        if not teams:
            raise UserError(_("Choose the sales teams of this roll-out step."))
        self.env["kpi.rule.rollout"].sudo().create([
            {"rule_id": self.id, "team_id": team.id, "mode": mode, "date": date}
            for team in teams
        ])
        self._apply_mode_from_today()
        labels = dict(self.env["kpi.rule.rollout"]._fields["mode"]._description_selection(
            self.env))
        self.message_post(
            body=_("%(mode)s from %(date)s in: %(teams)s",
                   mode=labels[mode], date=format_date(self.env, date),
                   teams=", ".join(teams.mapped("display_name"))),
            subtype_xmlid="mail.mt_note")

    def _apply_mode_from_today(self):
        """A change of mode applies from today: the results already stored for today (and
        any later day) take the mode of their team on their day, so that a rule run as a pilot
        from today is a pilot on today's cards, overall score and reminders too, and no
        longer counts in an off-track streak. Earlier results keep the mode they recorded. One
        statement per rule; then the open reminders follow at once the latest result of each
        user whose mode changed (closed on a pilot, opened on a KPI live again), not the next
        night; the others' reminders are left as they are (one dismissed today stays so)."""
        today = fields.Date.context_today(self)
        self.env["kpi.rule.rollout"].flush_model()
        self.env["kpi.result"].flush_model(["rule_id", "date", "team_id", "pilot"])
        latest = {}  # (rule, user): (date, result id)
        for rule in self:
            self.env.cr.execute(SQL(
                """UPDATE kpi_result r SET pilot = m.pilot,
                          off_track_streak = CASE WHEN m.pilot THEN 0 ELSE r.off_track_streak END
                     FROM (SELECT r2.id, %s AS pilot FROM kpi_result r2
                            WHERE r2.rule_id = %s AND r2.date >= %s) m
                    WHERE r.id = m.id AND r.pilot IS DISTINCT FROM m.pilot
                RETURNING r.rule_id, r.user_id, r.date, r.id""",
                self.env["kpi.rule.rollout"]._mode_sql(rule.id, SQL("r2.team_id"),
                                                       SQL("r2.date"), bool(rule.pilot)),
                rule.id, today))
            for rule_id, user_id, date, result_id in self.env.cr.fetchall():
                latest[rule_id, user_id] = max(latest.get((rule_id, user_id), (date, result_id)),
                                               (date, result_id))
        Result = self.env["kpi.result"]
        Result.invalidate_model(["pilot", "off_track_streak"])
        if latest:
            Result._sync_reminders([result_id for _date, result_id in latest.values()])

    @api.depends("profile_ids.user_ids")
    def _compute_user_count(self):
        assignments = self._get_assignments() if self.ids else {}
        for rule in self:
            rule.user_count = len(assignments.get(rule.id, []))

    @api.constrains("target", "direction")
    def _check_target(self):
        for rule in self:
            if not scoring.target_in_range(rule.target):
                raise ValidationError(
                    _("The target of rule %(rule)s must be a finite number of at most %(max)s.",
                      rule=rule.name, max=formatLang(self.env, MAX_TARGET, digits=0)))
            if rule.direction == DIRECTION_HIGHER and rule.target <= 0:
                raise ValidationError(
                    _("The target of rule %s must be greater than 0: a higher-is-better KPI "
                      "cannot be scored against a target of 0 or less.", rule.name))
            if rule.direction == DIRECTION_LOWER and rule.target < 0:
                raise ValidationError(_("The target of rule %s cannot be negative.", rule.name))

    @api.constrains("weight")
    def _check_weight(self):
        for rule in self:
            if not 0 <= rule.weight <= 100:
                raise ValidationError(
                    _("The weight of rule %s must be between 0 and 100.", rule.name))

    @api.constrains("analysis_min_periods")
    def _check_analysis_min_periods(self):
        for rule in self:
            if not 1 <= rule.analysis_min_periods <= 24:
                raise ValidationError(
                    _("The number of periods below target of rule %s must be between 1 and "
                      "24.", rule.name))

    @api.constrains("warning_threshold")
    def _check_warning_threshold(self):
        for rule in self:
            if not 0 <= rule.warning_threshold <= 100:
                raise ValidationError(
                    _("The warning threshold of rule %s must be between 0 and 100%%.", rule.name))

    @api.constrains("window_days", "template_id")
    def _check_window_days(self):
        for rule in self:
            if rule.window_days > MAX_WINDOW_DAYS:
                raise ValidationError(
                    _("The window of rule %(rule)s cannot be longer than %(max)s days.",
                      rule=rule.name, max=MAX_WINDOW_DAYS))
            if rule.template_id.window_kind != WINDOW_SNAPSHOT and rule.window_days <= 0:
                raise ValidationError(
                    _("The window of rule %s must be at least 1 day.", rule.name))

    @api.constrains("template_id", "growth_comparison", "min_amount", "activity_type_ids",
                    "lead_field_ids")
    def _check_measure_params(self):
        """The parameters the rule's measure needs are given and valid (see
        ``measures.Measure.params``)."""
        for rule in self:
            if rule._needs(PARAM_GROWTH) and not rule.growth_comparison:
                raise ValidationError(
                    _("Rule %s measures a growth: choose what to compare with.", rule.name))
            if rule._needs(PARAM_MIN_AMOUNT) and not (
                    rule.min_amount > 0 and scoring.target_in_range(rule.min_amount)):
                raise ValidationError(
                    _("The minimum amount of rule %(rule)s must be greater than 0 and at most "
                      "%(max)s.", rule=rule.name, max=formatLang(self.env, MAX_TARGET, digits=0)))
            if rule._needs(PARAM_ACTIVITY_TYPES) and not rule.activity_type_ids:
                raise ValidationError(
                    _("Rule %s counts completed activities: choose at least one activity type.",
                      rule.name))
            if rule._needs(PARAM_LEAD_FIELDS):
                if not rule.lead_field_ids:
                    raise ValidationError(
                        _("Rule %s measures the completeness of opportunities: list at least "
                          "one field they must have filled.", rule.name))
                for field in rule.lead_field_ids:
                    rule._check_lead_field(field)

    def _check_lead_field(self, field):
        """``field`` (``ir.model.fields``) can be required on opportunities: a stored field of
        ``crm.lead``, of a type whose "filled" is defined (``measures.LEAD_FIELD_TYPES``),
        kept in a column of its own or a relation table (not translated, not per company, not
        one of the fields every record has)."""
        orm_field = (self.env["crm.lead"]._fields.get(field.name)
                     if field.model == "crm.lead" else None)
        if not (orm_field and orm_field.store and orm_field.type in LEAD_FIELD_TYPES
                and not orm_field.translate and not orm_field.company_dependent
                and orm_field.name not in models.MAGIC_COLUMNS
                and (orm_field.type != "many2many" or orm_field.relation)):
            raise ValidationError(
                _("Rule %(rule)s cannot require the field %(field)s: only stored fields of "
                  "opportunities can be required (texts, numbers, dates, choices, links and "
                  "tags; not translated ones, not per company).",
                  rule=self.name, field=field.field_description or field.name))

    def write(self, vals):
        res = super().write(vals)
        if vals.get("reminder") is False or vals.get("active") is False:
            self.env["kpi.result"]._close_rule_reminders(self)
        elif "profile_ids" in vals or "company_id" in vals:
            # the users it applies to changed: the reminders of the others close now
            self.env["kpi.result"].sudo()._sync_open_reminders(rules=self)
        if "pilot" in vals:
            self._apply_mode_from_today()
        return res

    # ------------------------------------------------------------------ actions
    def action_evaluate_now(self):
        """Store today's results of these rules for all their users."""
        self.check_access("write")  # KPI administrators only
        results = self.sudo().evaluate()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%s KPI results stored for today.", len(results)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_preview(self):
        """Open the preview wizard: this rule's value for a chosen user, computed now."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Preview: %s", self.name),
            "res_model": "kpi.rule.preview",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_rule_id": self.id},
        }

    def _action_rollout(self, mode):
        self.ensure_one()
        self.check_access("write")
        title = _("Promote to Live") if mode == "live" else _("Run as a Pilot")
        return {
            "type": "ir.actions.act_window",
            "name": _("%(step)s: %(rule)s", step=title, rule=self.name),
            "res_model": "kpi.rule.rollout.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_rule_id": self.id, "default_mode": mode},
        }

    def action_promote(self):
        """Promote sales teams from pilot to live (the wizard proposes the pilot teams)."""
        return self._action_rollout("live")

    def action_start_pilot(self):
        """Run the rule as a pilot in chosen sales teams."""
        return self._action_rollout("pilot")

    def action_open_results(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("kpi_management.kpi_result_action")
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {"search_default_filter_latest": 1}
        return action

    # ------------------------------------------------------------------- engine
    def _get_assignments(self, users=None):
        """``{rule_id: [(user_id, partner_id, tz)]}`` for all rules of ``self`` in one query.

        A rule applies to the active internal users holding one of its (active) profiles,
        restricted to the users allowed in the rule's company when it has one.
        """
        if not self.ids:
            return {}
        self.env["res.users"].flush_model(["kpi_profile_id", "active", "share", "partner_id",
                                           "company_ids"])
        self.env["res.partner"].flush_model(["tz"])
        self.flush_model(["company_id", "profile_ids"])
        self.env["kpi.profile"].flush_model(["active"])
        user_filter = SQL("TRUE") if users is None else SQL("u.id = ANY(%s)", list(users.ids))
        self.env.cr.execute(SQL(
            """SELECT rel.rule_id, u.id, u.partner_id, p.tz
                 FROM kpi_rule_profile_rel rel
                 JOIN kpi_rule r ON r.id = rel.rule_id
                 JOIN kpi_profile kp ON kp.id = rel.profile_id AND kp.active
                 JOIN res_users u ON u.kpi_profile_id = rel.profile_id AND u.active AND NOT u.share
                 JOIN res_partner p ON p.id = u.partner_id
                WHERE rel.rule_id = ANY(%s) AND %s
                  AND (r.company_id IS NULL OR EXISTS (
                        SELECT 1 FROM res_company_users_rel cu
                         WHERE cu.user_id = u.id AND cu.cid = r.company_id))
                ORDER BY rel.rule_id, u.id""",
            list(self.ids), user_filter,
        ))
        assignments = defaultdict(list)
        for rule_id, user_id, partner_id, tz in self.env.cr.fetchall():
            assignments[rule_id].append((user_id, partner_id, tz))
        return assignments

    def _get_user_targets(self, user_ids):
        """``{user_id: target}`` for this rule: the individual target of a user when there is
        one (``kpi.rule.target``), else the rule's target. One query for all users."""
        self.ensure_one()
        targets = dict.fromkeys(user_ids, self.target)
        if user_ids:
            overrides = self.env["kpi.rule.target"].sudo().search_fetch(
                [("rule_id", "=", self.id), ("user_id", "in", list(user_ids))],
                ["rule_id", "user_id", "target"],
            )
            overrides._check_target()  # values written in SQL skip the check on save
            targets.update({o.user_id.id: o.target for o in overrides})
        return targets

    def evaluate(self, date=None, users=None):
        """Compute and store the results of these rules.

        :param date: the evaluation date; by default each user's own today (in its timezone).
        :param users: restrict to these users (default: every user of the rules' profiles).
        :return: the ``kpi.result`` records written. Re-running the same date replaces that
            date's results.
        """
        if not self.env.su:
            # results are written in SQL: only those who may change rules may (re)compute them
            self.check_access("write")
        assignments = self._get_assignments(users)
        now = fields.Datetime.now()
        result_ids = []
        for rule in self:
            rows = assignments.get(rule.id)
            if rows:
                result_ids += rule._evaluate_rows(rows, date=date, now=now)
        return self.env["kpi.result"].browse(result_ids)

    def _check_evaluable(self):
        """Refuse to evaluate a rule whose stored window or target is out of bounds (written
        in SQL or before the bounds existed: the constraints only run on save)."""
        self._check_window_days()
        self._check_target()

    # -------------------------------------------------------- measure parameters
    def _needs(self, param):
        """Whether the rule's measure needs the rule parameter ``param`` (``PARAM_*``)."""
        self.ensure_one()
        measure = measures.measure_of(self.env, self.template_id.measure)
        return bool(measure) and param in measure.params

    def _growth_comparison(self):
        """The comparison of a growth rule (``scoring.COMPARE_*``), else ``None``."""
        self.ensure_one()
        return self.growth_comparison if self._needs(PARAM_GROWTH) else None

    def _measure_params(self):
        """``MeasureContext.extra``: the parameters of the rule's measure, as the SQL uses
        them (see ``measures``)."""
        self.ensure_one()
        extra = {}
        if self._needs(PARAM_MIN_AMOUNT):
            extra["min_amount"] = self.min_amount
        if self._needs(PARAM_ACTIVITY_TYPES):
            extra["activity_type_ids"] = self.activity_type_ids.ids
        if self._needs(PARAM_LEAD_FIELDS):
            extra["lead_fields"] = self._lead_fields()
        return extra

    def _lead_fields(self):
        """The rule's required fields as ``measures.LeadField`` (columns and relation
        tables, taken from the ORM's fields, never from user input)."""
        self.ensure_one()
        Lead = self.env["crm.lead"]
        lead_fields = []
        for field in self.lead_field_ids.sorted("name"):
            orm_field = Lead._fields[field.name]
            many2many = orm_field.type == "many2many"
            lead_fields.append(measures.LeadField(
                orm_field.name, orm_field.type,
                orm_field.relation if many2many else None,
                orm_field.column1 if many2many else None))
        return lead_fields

    def _baseline_bounds(self, day_from, day_to, tz, day):
        """``(utc_from, utc_to, first_day, last_day)`` of the comparison window of a growth
        rule for the local window ``[day_from, day_to)``: its UTC bounds and its local dates
        (``[first_day, last_day)``, for the measures of a date column), ``(None,) * 4`` for
        other rules.

        :raise UserError: when the comparison window leaves the calendar.
        """
        comparison = self._growth_comparison()
        if not comparison:
            return None, None, None, None
        try:
            return (*scoring.baseline_bounds(day_from, day_to, comparison, tz),
                    *scoring.baseline_days(day_from, day_to, comparison))
        except ValueError as exc:
            raise UserError(
                _("Rule %(rule)s cannot be evaluated on %(day)s: the window it compares with "
                  "falls outside the calendar.", rule=self.name, day=day)) from exc

    def _measure_rows(self, rows, date=None, now=None, currencies=None):
        """Compute (without storing) ``{user_id: MeasureValue}`` for ``rows``, each with the
        ``day`` measured and the currency of its amounts: that of ``currencies``
        (``{user_id: currency_id}``, what a result recorded) when given, else today's (see
        :meth:`_run_measure`).

        The users of a rule share a few timezones: the window of each timezone (its day, its
        local and UTC bounds, a growth rule's comparison window) is computed once.

        :raise UserError: when the rule is out of bounds or its window leaves the calendar.
        """
        self.ensure_one()
        self._check_evaluable()
        now = now or fields.Datetime.now()
        window_days, window_kind = self.window_days, self.template_id.window_kind
        zones, windows = {}, []
        for user_id, partner_id, tz in rows:
            zone = zones.get(tz)
            if zone is None:
                day = date or scoring.local_today(tz, now)
                try:
                    bounds = scoring.window_bounds(day, window_days, window_kind, tz)
                except ValueError as exc:
                    raise UserError(
                        _("Rule %(rule)s cannot be evaluated on %(day)s: its window of "
                          "%(days)s days falls outside the calendar.",
                          rule=self.name, day=day, days=window_days)) from exc
                zone = zones[tz] = (day, *bounds, *self._baseline_bounds(*bounds[:2], tz, day))
            base_from, base_to, base_day_from, base_day_to = zone[5:]
            windows.append(measures.Window(user_id, partner_id, *zone[:5], base_from, base_to,
                                           base_day_from=base_day_from,
                                           base_day_to=base_day_to))
        return self._run_measure(windows, days={w.user_id: w.day for w in windows},
                                 currencies=currencies)

    def _measure_period(self, rows, date_from, date_to, until=None, currencies=None):
        """Compute (without storing) ``{user_id: MeasureValue}`` over ``date_from ..
        date_to`` (both included) for ``rows``, in one query: the bonus sheets' measure of
        past-window rules. The window starts at local midnight of ``date_from`` and ends at
        local midnight after ``date_to``, in each user's timezone, or at ``until`` (naive UTC)
        when that is earlier: the estimate measures a period so far, never hours to come.
        Amounts are in the currency of ``currencies`` (``{user_id: currency_id}``: what the
        results of the period recorded) when given, else in today's.

        A growth rule compares the period with the previous period of the same number of days
        or with the same dates a year earlier (the rule's *Compare With*); a period cut at
        ``until`` is compared with as much time from the start of that window, like for like
        (the month so far against the same days of the previous month): see
        :meth:`_run_measure`.
        """
        self.ensure_one()
        day_to = date_to + datetime.timedelta(days=1)
        windows = []
        for user_id, partner_id, tz in rows:
            utc_from = scoring.local_midnight_utc(date_from, tz)
            period_end = scoring.local_midnight_utc(day_to, tz)
            utc_to = min(period_end, until or datetime.datetime.max)
            base_from, base_to, base_day_from, base_day_to = self._baseline_bounds(
                date_from, day_to, tz, date_to)
            if base_from and utc_to < period_end:
                elapsed = max(utc_to - utc_from, datetime.timedelta(0))
                base_to = min(base_to, base_from + elapsed)
                # a date column: as many local days as have begun by ``until`` (today's
                # included: a document dated today is in the period so far)
                begun = scoring.local_today(tz, utc_to)
                if scoring.local_midnight_utc(begun, tz) < utc_to:
                    begun += datetime.timedelta(days=1)
                base_day_to = min(base_day_to,
                                  base_day_from + max(begun - date_from, datetime.timedelta(0)))
            windows.append(measures.Window(user_id, partner_id, day_to, date_from, day_to,
                                           utc_from, utc_to, base_from, base_to,
                                           base_day_from=base_day_from,
                                           base_day_to=base_day_to))
        return self._run_measure(windows, currencies=currencies)

    def _with_currencies(self, windows, currencies=None):
        """``windows`` with the currency each user's amounts are measured in and the company
        whose rates convert them (``measures``, "Money in one currency"): the currency of
        ``currencies`` (``{user_id: currency_id}``, what the user's results recorded) when
        given, else today's: that of the rule's company, else of the user's main company
        (:func:`.kpi_score_mixin.amount_company`); the rates are those of that company's root
        company, as Odoo uses them (``res.currency._get_rates``). A rate is a ratio to the
        company's currency, so the rates of today's company convert to a recorded currency as
        well (when it holds rates of it). The users' main companies are read in one query: a
        rule of every company has thousands of users and a handful of companies."""
        currencies = currencies or {}
        if self.company_id:
            company_of = dict.fromkeys((w.user_id for w in windows), self.company_id.id)
        else:
            # amount_company(no company, user) is the user's main company
            self.env["res.users"].flush_model(["company_id"])
            self.env.cr.execute(SQL("SELECT id, company_id FROM res_users WHERE id = ANY(%s)",
                                    [w.user_id for w in windows]))
            company_of = dict(self.env.cr.fetchall())
        money = {company.id: (company.currency_id.id, company.root_id.id) for company in
                 self.env["res.company"].sudo().browse(set(company_of.values()))}
        return [dataclasses.replace(
                    w, currency_id=currencies.get(w.user_id) or money[company_of[w.user_id]][0],
                    rate_company_id=money[company_of[w.user_id]][1])
                for w in windows]

    def _run_measure(self, windows, days=None, currencies=None):
        """Run the template's measure for ``windows``: ``{user_id: MeasureValue}`` for every
        window (``measures.run_measure``, with the users' evaluation ``days`` when given): the
        value, the records counted, whether there was anything to measure (``has_data``
        False: a ratio or an average over an empty population,
        ``Measure.no_data_when_empty``, or a % growth against a baseline of 0), for a
        growth measure its baseline (the value of its comparison window), and the currency
        the amounts are in (:meth:`_with_currencies`, with the recorded ``currencies``)."""
        self.ensure_one()
        if not windows:
            return {}
        # parameters stored in SQL or before their checks existed: refused here, on every path
        self._check_measure_params()
        windows = self._with_currencies(windows, currencies)
        ctx = measures.MeasureContext(windows=windows,
                                         company_id=self.company_id.id or None,
                                         extra=self._measure_params())
        measure = measures.measure_of(self.env, self.template_id.measure)
        for model in ("crm.lead", "crm.stage", "calendar.event", "calendar.attendee",
                      "res.partner", "mail.activity", "mail.message", "res.company",
                      "res.currency.rate", *(measure.reads if measure else ())):
            self.env[model].flush_model()
        if self.template_id.measure == "custom":
            self.env[self.template_id.model_id.model].flush_model()
        # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost: the
        # currency conversions' subqueries, counted once per record by the planner, pass it,
        # and compiling took 0.49 s of the 0.60 s of the open pipeline at 100 users (issue 22,
        # bench/RESULTS.md). Off until the end of the transaction (a cron batch, a request),
        # whose other queries are far below the thresholds: one statement per rule
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        return measures.run_measure(
            self.env.cr, self.template_id._get_measure_query(ctx),
            [w.user_id for w in windows], measure,
            days=days, currencies={w.user_id: w.currency_id for w in windows})

    def _score(self, value, target, has_data=True):
        """``(score, status)`` of a measured value for this rule: ``(None, "no_data")`` when
        there was nothing to measure (see ``scoring.score_status``)."""
        self.ensure_one()
        return scoring.score_status(value, target, self.direction, self.warning_threshold,
                                        has_data)

    def _evaluate_rows(self, rows, date=None, now=None):
        """Measure, score and upsert the results of one rule for ``rows`` (3 queries).

        Each result also records the currency its amounts were measured in, the user's
        profile and sales team of the day, whether the rule ran as a pilot for that team that
        day (``kpi.rule.rollout``) and its ``off_track_streak``: 1 + the streak of the
        previous result of the same rule and user when off track, else 0 (evaluate dates in
        ascending order, as the nightly job and the backfill do, for the streaks to chain).
        """
        self.ensure_one()
        now = now or fields.Datetime.now()
        date = fields.Date.to_date(date)
        measured, targets, keep = self._measure_day(rows, date=date, now=now)
        res_model = self.template_id._get_res_model()
        columns = self._result_columns(measured, targets)
        self.env["res.users"].flush_model(["kpi_profile_id", "sale_team_id"])
        self.env["kpi.rule.rollout"].flush_model()
        new_users = self.env["kpi.result"]._users_without_results(columns["user"])
        ids = self._upsert_results(columns, res_model, keep, now)
        self.env["kpi.result"].invalidate_model()
        if new_users:
            # their "My KPIs" menu appears: menus are cached per user
            self.env.registry.clear_cache()
        return ids

    def _kept_users(self, rows, date, now):
        """The users of ``rows`` for whom ``date`` is a past day (in their timezone): a past
        day evaluated again (a late entry corrected, a backfill run twice) is measured again,
        but keeps what its first evaluation recorded: the target, the currency, the team, the
        profile and the mode of that day, never today's configuration."""
        return [user_id for user_id, _partner, tz in rows
                if date and date < scoring.local_today(tz, now)]

    def _measure_day(self, rows, date=None, now=None):
        """``(measured, targets, keep)``: ``rows`` measured on ``date`` (:meth:`_measure_rows`)
        and their targets of that day. The target is the one in force
        (:meth:`_get_user_targets`); the ``keep`` users (:meth:`_kept_users`: a past day
        evaluated again) are measured in the currency their result of that day recorded,
        against the target it recorded, if any (``kpi.result._recorded_of_day``)."""
        self.ensure_one()
        keep = self._kept_users(rows, date, now or fields.Datetime.now())
        recorded = self.env["kpi.result"]._recorded_of_day(self.id, date, keep)
        measured = self._measure_rows(rows, date=date, now=now, currencies={
            user_id: day.currency_id for user_id, day in recorded.items() if day.currency_id})
        targets = self._get_user_targets(list(measured))
        targets.update({user_id: day.target for user_id, day in recorded.items()})
        return measured, targets, keep

    def _result_columns(self, measured, targets):
        """The results to store, as the upsert's columns (``{column: [one per user]}``): for
        each user of ``measured`` (``{user_id: MeasureValue}``) the day, the value (none when
        there was nothing to measure: averages skip it), the target of ``targets``, the score
        and status (:meth:`_score`), the records counted (JSON), a growth rule's baseline and
        the currency the amounts were measured in."""
        columns = defaultdict(list)
        direction, threshold = self.direction, self.warning_threshold
        for user_id, found in measured.items():
            target = targets[user_id]
            score, status = scoring.score_status(found.value, target, direction, threshold,
                                                 found.has_data)
            columns["user"].append(user_id)
            columns["day"].append(found.day)
            columns["value"].append(found.value if found.has_data else None)
            columns["target"].append(target)
            columns["score"].append(score)
            columns["status"].append(status)
            columns["ids"].append(json.dumps(found.ids))
            columns["baseline"].append(found.baseline)  # growth rules only
            columns["currency"].append(found.currency_id)
        return columns

    def _upsert_results(self, columns, res_model, keep, now):
        """Insert or update the results of ``columns`` (:meth:`_result_columns`, the currency
        included: a kept result was measured in the one it recorded) in one query, with the
        user's profile and team of today, the rule's mode for that team on the day
        and the off-track streak; the ``keep`` users' results already stored (alias ``old``)
        keep their profile, team and mode, and their streak follows that recorded mode. The
        latest result of each rule and user (``kpi.result.latest``) follows in the same
        statement.
        :return: the ids of the results."""
        # a past day evaluated again keeps what was recorded of the user on that day
        kept = SQL("old.id IS NOT NULL")
        pilot = SQL("CASE WHEN %s THEN old.pilot ELSE %s END", kept,
                    self.env["kpi.rule.rollout"]._mode_sql(
                        self.id, SQL("u.sale_team_id"), SQL("x.d"), bool(self.pilot)))
        streak = SQL(
            """CASE WHEN x.st = %(off_track)s AND NOT COALESCE(%(pilot)s, FALSE) THEN 1 + COALESCE((
                   SELECT p.off_track_streak FROM kpi_result p
                    WHERE p.rule_id = %(rule)s AND p.user_id = x.u AND p.date < x.d
                    ORDER BY p.date DESC LIMIT 1), 0)
               ELSE 0 END""",
            off_track=scoring.STATUS_OFF_TRACK, pilot=pilot, rule=self.id)
        written = bulk.upsert(
            "kpi_result", ("rule_id", "user_id", "date"),
            [("rule_id", SQL("%s", self.id)), ("user_id", SQL("x.u")), ("date", SQL("x.d")),
             ("value", SQL("x.v")), ("target", SQL("x.t")), ("score", SQL("x.s")),
             ("status", SQL("x.st")), ("record_ids", SQL("x.ids::jsonb")),
             ("res_model", SQL("%s", res_model)),
             ("company_id", SQL("%s", self.company_id.id or None)),
             ("currency_id", SQL("x.cur")), ("computed_at", SQL("%s", now)),
             ("profile_id", SQL("CASE WHEN %s THEN old.profile_id ELSE u.kpi_profile_id END",
                                kept)),
             ("team_id", SQL("CASE WHEN %s THEN old.team_id ELSE u.sale_team_id END", kept)),
             ("pilot", pilot), ("off_track_streak", streak), ("baseline", SQL("x.b"))],
            [("u", "int", columns["user"]), ("d", "date", columns["day"]),
             ("v", "float", columns["value"]), ("t", "float", columns["target"]),
             ("s", "float", columns["score"]), ("st", "varchar", columns["status"]),
             ("ids", "text", columns["ids"]), ("b", "float", columns["baseline"]),
             ("cur", "int", columns["currency"])],
            joins=SQL(
                """JOIN res_users u ON u.id = x.u
                   LEFT JOIN kpi_result old
                          ON old.rule_id = %s AND old.user_id = x.u AND old.date = x.d
                         AND old.profile_id IS NOT NULL AND %s""",
                # the nightly run keeps nobody: no lookup of a recorded row per result
                self.id, SQL("x.u = ANY(%s)", keep) if keep else SQL("FALSE")),
            returning=SQL("id, user_id, date"),
        )
        # the latest result of each rule and user (kpi.result.latest) in the same statement
        self.env.cr.execute(SQL(
            "WITH written AS (%s), latest AS (%s) SELECT id FROM written",
            written, self.env["kpi.result.latest"]._upsert_sql(
                SQL("%s", self.id), SQL("SELECT id, user_id, date FROM written"))))
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------- nightly job
    @api.model
    def _cron_evaluate(self, batch_size=1000):
        """Nightly job: store today's results of every active rule for every user, and remind
        the users whose KPI is off track (``kpi.result._sync_reminders``); first, in a run
        that has results to compute (or once a day), close the open reminders whose KPI no
        longer applies (``kpi.result._cron_sync_open_reminders``): a run with nothing to
        compute, 23 of 24 hourly runs, reads no reminder.

        Work is split in batches (one rule x at most ``batch_size`` users,
        :meth:`_cron_pending_batches`) run by :meth:`_cron_evaluate_batches`, committed one by
        one; (rule, user) pairs that already have today's result are skipped, so a run that
        crashed or ran out of time is finished by the next one and nothing is computed twice.

        A batch that fails (e.g. a rule whose window leaves the calendar) is rolled back to
        its savepoint, logged with its rule, and noted once on the rule's chatter; the job goes
        on with the other batches. Its users have no result for today, so the next (hourly) run
        tries them again. They count neither as processed nor as remaining for ``ir.cron``:
        this run does not loop on them.

        :return: the number of results left for the next run because time ran out (failed
            ones excluded, see the log).
        """
        now = fields.Datetime.now()
        batches = self._cron_pending_batches(now, batch_size)
        # first the open reminders against today's configuration, when this run has work: a
        # failure there is logged and never stops the evaluation
        try:
            with self.env.cr.savepoint():
                self.env["kpi.result"]._cron_sync_open_reminders(now, pending=bool(batches))
        except Exception:  # noqa: BLE001 - the evaluation must run whatever happens here
            _logger.exception("KPI nightly evaluation: the open reminders could not be synced")
        return self._cron_evaluate_batches(batches, now)

    @api.model
    def _cron_evaluate_batches(self, batches, now):
        """Run the evaluation ``batches`` (:class:`EvaluationBatch`) of the run at ``now``, one
        commit each (``ir.cron._kpi_commit_batches``): :meth:`_evaluate_batch` for each; the
        failures noted on their rules (:meth:`_cron_note_failures`). The addon
        kpi_management_queue queues them as jobs instead.

        :return: the number of results left for the next run because time ran out.
        """
        remaining = sum(len(batch.user_ids) for batch in batches)
        _logger.info("KPI nightly evaluation: %s results to compute in %s batches",
                     remaining, len(batches))
        failed = defaultdict(lambda: [0, ""])  # rule: [number of users, first error]

        def evaluate(batch):
            # the results and their reminders together: a crash leaves neither
            self.browse(batch.rule_id)._evaluate_batch(batch.user_ids, now)

        def note_failure(batch, exc):
            rule = self.browse(batch.rule_id)
            _logger.exception(
                "KPI nightly evaluation: rule %r (id %s) failed for %s users; "
                "they are retried at the next run", rule.name, rule.id, len(batch.user_ids))
            failed[rule][0] += len(batch.user_ids)
            failed[rule][1] = failed[rule][1] or str(exc)
            return 0

        cron = self.env["ir.cron"]
        remaining = cron._kpi_commit_batches(
            batches, evaluate, note_failure, size=lambda batch: len(batch.user_ids),
            out_of_time="KPI nightly evaluation: out of time, %s results left")
        if failed:
            self._cron_note_failures(failed)
            cron._commit_progress(remaining=remaining)
            _logger.error(
                "KPI nightly evaluation: %s results failed (%s rules), retried at the next run",
                sum(count for count, _e in failed.values()), len(failed))
        return remaining

    @api.model
    def _cron_pending_batches(self, now, batch_size):
        """``[EvaluationBatch]``: the (rule, user) pairs of every active rule without a result
        for the user's today at ``now``, by rule and in slices of at most ``batch_size``
        users (ids only: a batch can be carried by a queue job)."""
        rules = self.sudo().with_context(active_test=True).search([])
        assignments = rules._get_assignments()
        done = self._evaluated_pairs(assignments, now)
        batches = []
        for rule in rules:
            pending = [user_id for user_id, _p, _tz in assignments.get(rule.id, [])
                       if (rule.id, user_id) not in done]
            for start in range(0, len(pending), batch_size):
                batches.append(EvaluationBatch(rule.id, tuple(pending[start:start + batch_size])))
        return batches

    @api.model
    def _evaluated_pairs(self, assignments, now, user_ids=None):
        """``{(rule_id, user_id)}``: the pairs of ``assignments`` (:meth:`_get_assignments`)
        that have a result for the user's today at ``now`` (one query; restricted to
        ``user_ids`` when given)."""
        days = {
            (rule_id, user_id): scoring.local_today(tz, now)
            for rule_id, rows in assignments.items() for user_id, _p, tz in rows
        }
        if not days:
            return set()
        self.env["kpi.result"].flush_model(["rule_id", "user_id", "date"])
        self.env.cr.execute(SQL(
            "SELECT rule_id, user_id, date FROM kpi_result"
            " WHERE rule_id = ANY(%s) AND date = ANY(%s) AND %s",
            list(assignments), sorted(set(days.values())),
            SQL("user_id = ANY(%s)", list(user_ids)) if user_ids is not None else SQL("TRUE"),
        ))
        return {(rule_id, user_id) for rule_id, user_id, date in self.env.cr.fetchall()
                if days.get((rule_id, user_id)) == date}

    def _evaluate_batch(self, user_ids, now):
        """One batch of the nightly evaluation: store the results of this rule at ``now`` for
        those of ``user_ids`` who still hold it and have no result for their today, then sync
        their reminders (``kpi.result._sync_reminders``). The same whether the cron runs it
        (:meth:`_cron_evaluate_batches`) or a queue job (kpi_management_queue); nothing is
        committed here. A rule archived or deleted since the batch was listed does nothing.

        :return: the ids of the results stored.
        """
        rule = self.sudo().exists()
        if not rule or not rule.active:
            return []
        rule.ensure_one()
        users = self.env["res.users"].browse(user_ids)
        assignments = rule._get_assignments(users)
        done = self._evaluated_pairs(assignments, now, user_ids)
        rows = [row for row in assignments.get(rule.id, []) if (rule.id, row[0]) not in done]
        if not rows:
            return []
        result_ids = rule._evaluate_rows(rows, now=now)
        self.env["kpi.result"]._sync_reminders(result_ids)
        return result_ids

    @api.model
    def _cron_note_failures(self, failed):
        """One note per failed rule on its chatter, for the KPI administrators."""
        for rule, (count, error) in failed.items():
            rule._note_night_failure(
                _("The nightly evaluation of this KPI failed for %(count)s users and is "
                  "retried at the next run: %(error)s", count=count, error=error))

    def _note_night_failure(self, body):
        """Post ``body``, a failure of a nightly step (evaluation, period scores, analysis),
        as a note on this rule's chatter, where the KPI administrators follow the rule: the
        cron and the queue jobs (kpi_management_queue) report there alike."""
        self.ensure_one()
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
