import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import bonus_notes, calendar, period_scores, scoring
from ..tools.groups import ADMIN_GROUP, MANAGER_GROUP
from .kpi_period_result import period_label
from .kpi_score_mixin import amount_company, format_kpi_figure

_logger = logging.getLogger(__name__)

#: how many closed periods of a rule the analysis reads back (a finding longer than that keeps
#: its older periods as they are)
ANALYSIS_LOOKBACK = 36

#: the team's figures of a period (average, median, and over the finding the average score, the
#: median behind the suggested target) are shown to the person the finding is about only when at
#: least this many OTHER members of the team have a value in that period (in every period for the
#: finding's figures): with fewer, the person computes a colleague's value from them (2 x the
#: average - her own value). The team's manager and the KPI administrators, who may read every
#: member's scores, always see them.
TEAM_FIGURES_MIN_OTHERS = 3

#: who reads the stored team figures and the working group's version of the suggestion as they
#: are; everybody else reads them through the ``*_shown`` fields, which depend on the reader
RAW_TEAM_FIGURES_GROUPS = ADMIN_GROUP

#: why the analysis closed a finding (``close_facts["code"]``, worded by
#: :func:`render_close_reason` in the reader's language)
CLOSE_PERIOD_CHANGED = "period_changed"
CLOSE_INTERRUPTED = "interrupted"
CLOSE_BACK_ON_TARGET = "back_on_target"


def render_close_reason(env, facts):
    """Why a finding was closed (``facts``: ``{"code": CLOSE_*, "period_type", "date_from",
    "score"}`` for a return on target), in the language and formats of ``env``; empty for an
    unknown code."""
    code = (facts or {}).get("code")
    if code == CLOSE_PERIOD_CHANGED:
        return env._("The analysis period of the KPI changed.")
    if code == CLOSE_INTERRUPTED:
        return env._("Interrupted: a period without a score.")
    if code == CLOSE_BACK_ON_TARGET:
        return env._("Back on target in %(period)s (%(score)s%%).",
                     period=period_label(env, facts["period_type"],
                                         fields.Date.to_date(facts["date_from"])),
                     score=format_kpi_figure(env, facts["score"]))
    return ""


#: the fields of a finding that only the analysis writes (the facts); the working group writes
#: the others (cause, action, notes) and signs the review with the action only
ENGINE_FIELDS = frozenset({
    "rule_id", "user_id", "team_id", "company_id", "period_type", "date_from", "date_to",
    "period_count", "state", "closed_date", "close_reason", "close_facts", "line_ids",
    "suggested_target",
    "suggestion", "average_score", "team_average_score", "pilot", "reviewed_uid",
    "reviewed_date", "suggestion_subject", "team_others_min", "suggestion_private",
    "suggestion_facts",
})

# ----------------------------------------------------------- the suggestion: facts and words
#: codes of the facts of a suggestion (``kpi.discrepancy.suggestion_facts``)
SUGGESTION_NONE = "none"
SUGGESTION_MEDIAN = "median"


def suggestion_facts(window_values, user_targets, suggested, direction, rule_target, user_id,
                     window_days=None, currency_id=None):
    """What the explanation of a suggested target says, as computed, whatever the language of
    whoever computes or reads it (JSON, one dict with a ``code``):

    ``none``
        no value of the team over the periods: no suggestion.
    ``median``
        ``count`` (the team's period values), ``median`` (their median), ``days`` (the rule's
        window the values were brought back to; null for a snapshot rule), ``bound`` (the
        easiest target in force in the team), ``suggested``, ``currency_id`` (an amount's
        currency, else null) and ``bound_shown``: the bound is the rule's target or the
        subject's own, stated to the subject too (an individual target is read by nobody
        else).

    ``user_targets``: ``{user id: target in force}`` of the team and the subject ``user_id``.
    """
    if suggested is None:
        return {"code": SUGGESTION_NONE}
    targets = list(user_targets.values())
    bound = min(targets) if direction != scoring.DIRECTION_LOWER else max(targets)
    return {
        "code": SUGGESTION_MEDIAN, "count": len(window_values),
        "median": period_scores.median(window_values), "days": window_days, "bound": bound,
        "suggested": suggested, "currency_id": currency_id,
        "bound_shown": bound in (rule_target, user_targets.get(user_id)),
    }


def suggestion_private(facts):
    """Whether the suggested target of ``facts`` is another member's individual target (the
    bound applied): never stated to the person the finding is about."""
    return bool(facts and facts.get("code") == SUGGESTION_MEDIAN and not facts["bound_shown"]
                and facts["suggested"] == facts["bound"])


def render_suggestion(env, facts):
    """How the suggested target was computed (``facts``: see :func:`suggestion_facts`), in the
    language and number format of ``env``: ``(for the working group, for the person the
    finding is about)``; empty for facts of an unknown code."""
    _ = env._
    code = (facts or {}).get("code")
    if code == SUGGESTION_NONE:
        text = _("No value of the team over these periods: no suggestion.")
        return text, text
    if code != SUGGESTION_MEDIAN:
        return "", ""
    currency = (env["res.currency"].sudo().browse(facts["currency_id"])
                if facts.get("currency_id") else None)

    def fmt(number):
        # a count or value with the decimals it has (6.5, not 6.50), at most 2; an amount
        # as the KPI's amounts are shown, with its currency
        if currency:
            return format_kpi_figure(env, number, currency)
        return bonus_notes.format_figure(env, round(number or 0.0, 2))

    count = bonus_notes.format_figure(env, facts["count"])
    if facts.get("days") is None:
        median_text = _("Median of the %(count)s period values of the team over these "
                        "periods: %(median)s.", count=count, median=fmt(facts["median"]))
    else:
        median_text = _("Median of the %(count)s period values of the team over these "
                        "periods, per window of %(days)s days: %(median)s.",
                        count=count, days=bonus_notes.format_figure(env, facts["days"]),
                        median=fmt(facts["median"]))
    full = "%s %s" % (median_text, _(
        "Never easier than the easiest target in force in the team (%(bound)s): "
        "%(suggested)s.", bound=fmt(facts["bound"]), suggested=fmt(facts["suggested"])))
    if facts["bound_shown"]:
        return full, full  # the rule's target or the person's own: theirs to read
    if suggestion_private(facts):
        return full, "%s %s" % (median_text, _(
            "Bounded by the targets in force in the team: the suggested target is the "
            "working group's."))
    return full, "%s %s" % (median_text, _(
        "Never easier than the targets in force in the team: %(suggested)s.",
        suggested=fmt(facts["suggested"])))


def _period_point(row):
    """A row of ``kpi_period_result`` as the analysis reads it (``period_scores``)."""
    return period_scores.PeriodPoint(row["date_from"], row["date_to"], row["score"],
                                     row["status"] != scoring.STATUS_NO_DATA)


class KpiDiscrepancyCause(models.Model):
    _name = "kpi.discrepancy.cause"
    _description = "KPI Discrepancy Cause"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)

    _name_unique = models.Constraint("UNIQUE(name)", "A cause with this name already exists.")


class KpiDiscrepancy(models.Model):
    """A finding of the discrepancy analysis: a user's KPI below target for N or more
    consecutive periods (``kpi.rule.analysis_period``, ``analysis_min_periods``), with the
    team's figures over the same periods and a suggested target (``period_scores``). The working
    group records the cause, the action decided and signs the review; the finding closes
    itself when the KPI is back on target for a full period, and a new finding opens if it
    falls again.

    Nothing about a colleague: the team's figures are stored as computed (readable as such by
    KPI administrators only) and shown through the ``*_shown`` fields, which hide them from the
    person the finding is about when fewer than ``TEAM_FIGURES_MIN_OTHERS`` other members had a
    value in a period, and give that person a version of the suggestion that never states
    another member's individual target."""

    _name = "kpi.discrepancy"
    _description = "KPI Discrepancy"
    _inherit = ["mail.thread"]
    _order = "state desc, date_to desc, id desc"
    _mail_post_access = "read"

    name = fields.Char(compute="_compute_name", store=True)
    rule_id = fields.Many2one("kpi.rule", string="KPI", required=True, ondelete="cascade",
                              index=True, readonly=True)
    user_id = fields.Many2one("res.users", string="User", required=True, ondelete="cascade",
                              index=True, readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True, index=True,
                              help="The user's sales team in the last period of the finding.")
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    period_type = fields.Selection(calendar.PERIOD_TYPE_SELECTION, string="Period", required=True,
                                   readonly=True)
    date_from = fields.Date(string="From", readonly=True, required=True)
    date_to = fields.Date(string="To", readonly=True, required=True, index=True)
    period_count = fields.Integer(string="Periods Below Target", readonly=True,
                                  aggregator="max")
    periods_display = fields.Char(string="Periods", compute="_compute_periods_display")
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")], default="open", required=True,
        readonly=True, index=True, tracking=True,
        help="Open while the KPI stays below target; closed by the analysis when it is back "
        "on target for a full period.")
    closed_date = fields.Date(readonly=True)
    close_reason = fields.Char(
        string="Close Reason (Stored Text)", readonly=True,
        help="Why the analysis closed the finding, in the words of the analysis (a finding "
        "closed before version 19.0.1.6.0 keeps only these).")
    close_facts = fields.Json(
        string="Close Reason (Facts)", readonly=True,
        help="Why the analysis closed the finding, as decided: worded when read.")
    close_reason_shown = fields.Char(
        string="Close Reason", compute="_compute_close_reason_shown",
        help="Why the analysis closed the finding, in the reader's language.")
    pilot = fields.Boolean(readonly=True,
                           help="The KPI ran as a pilot for the team in one of the periods.")
    line_ids = fields.One2many("kpi.discrepancy.period", "finding_id", string="Period Scores",
                               readonly=True)
    average_score = fields.Float(string="Average Score (%)", readonly=True, aggregator="avg")
    team_average_score = fields.Float(string="Team Average Score (%) as Computed", readonly=True,
                                      aggregator="avg", groups=RAW_TEAM_FIGURES_GROUPS)
    suggested_target = fields.Float(
        string="Suggested Target as Computed", readonly=True, aggregator=None,
        groups=RAW_TEAM_FIGURES_GROUPS,
        help="For fine-tuning: the median of the team's period values over the same periods, "
        "brought back to the rule's window, never easier than the easiest target in force in "
        "the team. A suggestion: nothing changes until an administrator changes a target.")
    suggestion_facts = fields.Json(
        string="How It Was Computed (Facts)", readonly=True, groups=RAW_TEAM_FIGURES_GROUPS,
        help="What the explanation of the suggested target says, as computed: worded when "
        "read, in the reader's language.")
    suggestion = fields.Text(
        string="How It Was Computed (Working Group)", readonly=True,
        groups=RAW_TEAM_FIGURES_GROUPS,
        help="The explanation of a finding analysed before its facts were stored, in the "
        "words it was stored with.")
    suggestion_subject = fields.Text(
        readonly=True, groups=RAW_TEAM_FIGURES_GROUPS,
        help="The explanation of a finding analysed before its facts were stored, as the "
        "person the finding is about reads it (without another member's individual target), "
        "in the words it was stored with.")
    suggestion_private = fields.Boolean(
        readonly=True, groups=RAW_TEAM_FIGURES_GROUPS,
        help="The suggested target is another member's individual target (the bound applied).")
    team_others_min = fields.Integer(
        readonly=True,
        help="The fewest other members of the team with a value (and a score) in a period of "
        "the finding.")
    team_figures_shown = fields.Boolean(compute="_compute_shown_figures")
    team_average_score_shown = fields.Float(
        string="Team Average Score (%)", compute="_compute_shown_figures", aggregator=None)
    suggested_target_shown = fields.Float(
        string="Suggested Target", compute="_compute_shown_figures", aggregator=None,
        help="For fine-tuning: the median of the team's period values over the same periods, "
        "brought back to the rule's window, never easier than the easiest target in force in "
        "the team. A suggestion: nothing changes until an administrator changes a target.")
    suggested_target_known = fields.Boolean(compute="_compute_shown_figures")
    suggestion_shown = fields.Text(string="How It Was Computed",
                                   compute="_compute_shown_figures")
    current_target = fields.Float(compute="_compute_current_target", aggregator=None,
                                  string="Target in Force")
    unit = fields.Selection(related="rule_id.unit")
    unit_label = fields.Char(related="rule_id.unit_label")
    cause_id = fields.Many2one("kpi.discrepancy.cause", string="Cause", tracking=True,
                               index="btree_not_null")
    action_decided = fields.Text(string="Action Decided", tracking=True)
    note_ids = fields.One2many("kpi.discrepancy.note", "finding_id", string="Notes")
    reviewed_uid = fields.Many2one("res.users", string="Reviewed By", readonly=True,
                                   tracking=True)
    reviewed_date = fields.Datetime(string="Reviewed On", readonly=True)
    can_review = fields.Boolean(compute="_compute_can_review")
    reviewed_this_quarter = fields.Boolean(
        compute="_compute_reviewed_this_quarter", search="_search_reviewed_this_quarter",
        help="Reviewed in the current calendar quarter (the quarterly check).")

    @api.depends("user_id.name", "rule_id.name", "period_type", "date_from", "date_to")
    def _compute_name(self):
        for finding in self:
            finding.name = _("%(user)s: %(kpi)s", user=finding.user_id.name,
                             kpi=finding.rule_id.name)

    @api.depends("period_type", "date_from", "date_to", "period_count")
    def _compute_periods_display(self):
        for finding in self:
            if not finding.date_from:
                finding.periods_display = False
                continue
            first = period_label(self.env, finding.period_type, finding.date_from)
            last_start = calendar.period_bounds(finding.date_to, finding.period_type)[0]
            last = period_label(self.env, finding.period_type, last_start)
            finding.periods_display = first if first == last else "%s – %s" % (first, last)

    @api.depends("rule_id", "user_id")
    def _compute_current_target(self):
        for finding in self:
            finding.current_target = (
                finding.rule_id.sudo()._get_user_targets([finding.user_id.id])[finding.user_id.id]
                if finding.rule_id and finding.user_id else 0.0)

    @api.depends("close_facts", "close_reason")
    @api.depends_context("lang")
    def _compute_close_reason_shown(self):
        for finding in self:
            finding.close_reason_shown = (
                render_close_reason(finding.env, finding.close_facts)
                or finding.close_reason or False)

    @api.depends_context("uid", "lang")
    @api.depends("user_id", "team_id", "team_others_min", "team_average_score",
                 "suggested_target", "suggestion", "suggestion_subject", "suggestion_private",
                 "suggestion_facts")
    def _compute_shown_figures(self):
        """The team's figures as the reader may read them (``TEAM_FIGURES_MIN_OTHERS``), the
        explanation of the suggested target in the reader's language."""
        for finding in self:
            raw = finding.sudo()
            full = finding._reads_every_member()
            shown = full or finding.team_others_min >= TEAM_FIGURES_MIN_OTHERS
            known = shown and (full or not raw.suggestion_private)
            finding.team_figures_shown = shown
            finding.team_average_score_shown = raw.team_average_score if shown else 0.0
            finding.suggested_target_known = known
            finding.suggested_target_shown = raw.suggested_target if known else 0.0
            if shown:
                for_group, for_subject = finding._suggestion_texts()
                finding.suggestion_shown = for_group if full else for_subject
            else:
                finding.suggestion_shown = _(
                    "The team's figures and the suggested target are shown to you when at "
                    "least %(count)s other members of the team have a value in every period.",
                    count=TEAM_FIGURES_MIN_OTHERS)

    def _suggestion_texts(self):
        """How the suggested target was computed, ``(for the working group, for the person the
        finding is about)``: worded from the stored facts in the reader's language, or the
        stored text of a finding analysed before the facts were stored."""
        self.ensure_one()
        raw = self.sudo()
        if raw.suggestion_facts:
            return render_suggestion(self.env, raw.suggestion_facts)
        return raw.suggestion, raw.suggestion_subject

    def _reads_every_member(self):
        """Whether the reader reads the team's figures as they are: anybody but the person the
        finding is about (the record rules let only the team's manager and the KPI
        administrators read it), and that person when they lead the team or administer KPIs."""
        self.ensure_one()
        user = self.env.user
        if self.env.su or user != self.user_id:
            return True
        return bool(user.has_group(ADMIN_GROUP)
                    or (self.team_id and self.team_id.sudo().user_id == user))

    def _quarter_start_utc(self):
        """Midnight starting the current quarter in the reader's timezone, as naive UTC."""
        today = fields.Date.context_today(self)
        start = calendar.period_bounds(today, "quarter")[0]
        return scoring.local_midnight_utc(start, self.env.user.tz)

    @api.depends("reviewed_date")
    def _compute_reviewed_this_quarter(self):
        start = self._quarter_start_utc()
        for finding in self:
            finding.reviewed_this_quarter = bool(finding.reviewed_date
                                                 and finding.reviewed_date >= start)

    def _search_reviewed_this_quarter(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        positive = (True in value) == (operator == "in")
        domain = Domain("reviewed_date", ">=", self._quarter_start_utc())
        return domain if positive else ~domain

    @api.depends_context("uid")
    @api.depends("user_id")
    def _compute_can_review(self):
        for finding in self:
            finding.can_review = finding._may_review()

    def _may_review(self):
        """The team's manager (not for his own finding) and KPI administrators may review."""
        self.ensure_one()
        user = self.env.user
        if user == self.user_id and not self.env.su:
            return False
        if user.has_group(ADMIN_GROUP):
            return True
        return bool(user.has_group(MANAGER_GROUP) and self.user_id.sudo()
                    .crm_team_member_ids.filtered(lambda m: m.active
                                                  and m.crm_team_id.user_id == user))

    # ------------------------------------------------------------------- CRUD
    def write(self, vals):
        if not self.env.su:
            self.check_access("write")  # the record rules first: not one's own finding
        if not self.env.su and ENGINE_FIELDS.intersection(vals):
            raise UserError(_("The figures of a discrepancy finding come from the analysis "
                              "and cannot be changed."))
        if not self.env.su:
            for finding in self:
                if not finding._may_review():
                    raise UserError(_("Only the team's manager or a KPI administrator can "
                                      "record the analysis of %s.", finding.name))
        return super().write(vals)

    # ---------------------------------------------------------------- actions
    def action_mark_reviewed(self):
        """Sign the review: who and when, by the user who clicks."""
        for finding in self:
            if not finding._may_review():
                raise UserError(_("Only the team's manager or a KPI administrator can review "
                                  "%s (nobody reviews their own finding).", finding.name))
            if not finding.cause_id:
                raise UserError(_("Choose the cause of %s before marking it reviewed.",
                                  finding.name))
        self.check_access("write")
        self.sudo().write({"reviewed_uid": self.env.uid, "reviewed_date": fields.Datetime.now()})
        return True

    def action_open_periods(self):
        """The period scores of the finding (and of the team over the same periods)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kpi_management.kpi_period_result_action")
        action["domain"] = [("rule_id", "=", self.rule_id.id),
                            ("period_type", "=", self.period_type),
                            ("date_from", ">=", self.date_from), ("date_to", "<=", self.date_to),
                            "|", ("user_id", "=", self.user_id.id),
                            ("team_id", "=", self.team_id.id)]
        action["context"] = {"search_default_group_by_period": 1}
        return action

    # ---------------------------------------------------------------- analysis
    @api.model
    def _analyse(self, rules, now=None):
        """Find, extend and close the findings of ``rules`` from their closed period scores
        (``kpi.period.result``) of each rule's analysis period. Two queries per rule.

        * a user whose latest closed periods are below target N or more times in a row
          (``period_scores.trailing_run``), without an open finding, gets one;
        * an open finding takes the new closed periods while they stay below target;
        * an open finding closes when a new closed period is back on target (100% or more);
          the next fall opens a new finding.

        :return: the findings created or changed.
        """
        now = now or fields.Datetime.now()
        self.env["kpi.period.result"].flush_model()
        touched = self.browse()
        for rule in rules.sudo():
            touched |= self._analyse_rule(rule, now)
        return touched

    @api.model
    def _analyse_batch(self, rule_id, now):
        """One batch of the daily discrepancy analysis: :meth:`_analyse` of one rule at ``now``,
        after its period scores. The same whether the cron runs it
        (``kpi.period.result._cron_analyse_batches``) or a queue job (kpi_management_queue);
        nothing is committed here. A rule archived or deleted since is skipped.
        :return: the findings created or changed."""
        rule = self.env["kpi.rule"].sudo().browse(rule_id).exists().filtered("active")
        return self._analyse(rule, now=now) if rule else self.browse()

    def _analyse_rule(self, rule, now):
        """The analysis of one rule (sudo): each user's closed periods against the user's open
        finding. :return: the findings created or changed."""
        period_type = rule.analysis_period or "month"
        by_user = self._closed_periods_by_user(rule, period_type)
        open_findings = {
            finding.user_id.id: finding for finding in self.sudo().search(
                [("rule_id", "=", rule.id), ("state", "=", "open")])}
        touched = self.browse()
        for user_id, user_rows in by_user.items():
            touched |= self._analyse_user(rule, period_type, user_id, user_rows,
                                          open_findings.get(user_id), now)
        return touched

    def _closed_periods_by_user(self, rule, period_type):
        """``{user_id: rows}``: the closed period scores of ``rule`` of ``period_type`` since
        ``ANALYSIS_LOOKBACK`` periods before its latest one (``kpi_period_result`` rows,
        oldest first)."""
        self.env.cr.execute(SQL(
            """SELECT id, user_id, team_id, date_from, date_to, value, target, score,
                      status, pilot, currency_id
                 FROM kpi_period_result
                WHERE rule_id = %s AND period_type = %s AND closed
                  AND date_from >= (SELECT COALESCE(max(date_from), '1900-01-01')
                                      FROM kpi_period_result
                                     WHERE rule_id = %s AND period_type = %s AND closed)
                                   - %s
                ORDER BY date_from""",
            rule.id, period_type, rule.id, period_type,
            calendar.MAX_DAYS[period_type] * ANALYSIS_LOOKBACK))
        by_user = defaultdict(list)
        for row in self.env.cr.dictfetchall():
            by_user[row["user_id"]].append(row)
        return by_user

    def _analyse_user(self, rule, period_type, user_id, user_rows, finding, now):
        """One user's closed periods (``user_rows``, oldest first) against their open
        ``finding`` (or none): the finding follows the periods (:meth:`_follow_finding`), and
        without one that goes on, a long enough run below target opens a new one.
        :return: the findings created or changed."""
        touched = self.browse()
        if finding and finding.period_type != period_type:
            # the rule's analysis period changed: the old finding is closed as such
            finding._close({"code": CLOSE_PERIOD_CHANGED}, now)
            touched |= finding
            finding = None
        run = period_scores.trailing_run([_period_point(r) for r in user_rows])
        if finding:
            step = finding._follow_finding(rule, period_type, user_rows, run, now)
            if step not in (period_scores.FINDING_UNCHANGED, period_scores.FINDING_WAIT):
                touched |= finding
            if step != period_scores.FINDING_INTERRUPTED:
                return touched  # the finding goes on, or it closed back on target
        if len(run) >= max(rule.analysis_min_periods, 1):
            touched |= self._open_finding(rule, period_type, user_id, user_rows, run)
        return touched

    def _follow_finding(self, rule, period_type, user_rows, run, now):
        """This open finding after its user's latest closed periods (``user_rows``, ``run``:
        see :func:`period_scores.open_finding_step`): it takes the new periods below target,
        or closes when interrupted by a period without a score or back on target.
        :return: the step taken (``period_scores.FINDING_*``)."""
        self.ensure_one()
        latest = user_rows[-1]
        step = period_scores.open_finding_step(self.date_to, _period_point(latest), run)
        if step == period_scores.FINDING_EXTEND:
            self._set_periods([r for r in user_rows if r["date_from"] >= self.date_from], rule)
        elif step == period_scores.FINDING_INTERRUPTED:
            # a period without a score since: this finding ends there, a new one opens when
            # the new run is long enough
            self._close({"code": CLOSE_INTERRUPTED}, now)
        elif step == period_scores.FINDING_BACK_ON_TARGET:
            self._close({"code": CLOSE_BACK_ON_TARGET, "period_type": period_type,
                         "date_from": fields.Date.to_string(latest["date_from"]),
                         "score": latest["score"]}, now)
        return step

    def _open_finding(self, rule, period_type, user_id, user_rows, run):
        """A new finding of the user over ``run`` (its periods below target, long enough),
        unless the user left or these periods were analysed already.
        :return: the finding, or no record."""
        user = self.env["res.users"].sudo().browse(user_id)
        if not user.active or self.sudo().search_count([
                ("rule_id", "=", rule.id), ("user_id", "=", user_id),
                ("period_type", "=", period_type),
                ("date_to", ">=", run[-1].date_to)], limit=1):
            return self.browse()
        finding = self.sudo().create({
            "rule_id": rule.id, "user_id": user_id,
            "company_id": rule.company_id.id or user.company_id.id,
            "period_type": period_type,
            "date_from": run[0].date_from, "date_to": run[-1].date_to,
        })
        finding._set_periods([r for r in user_rows if r["date_from"] >= run[0].date_from], rule)
        return finding

    def _close(self, facts, now):
        """Close the finding for the reason of ``facts`` (``CLOSE_*``): stored as facts, worded
        when read (``close_reason_shown``); the chatter says it in the language of the person
        the finding is about."""
        self.ensure_one()
        self.sudo().write({"state": "closed", "close_facts": facts,
                           "close_reason": render_close_reason(self.env, facts),
                           "closed_date": now.date()})
        subject = self.sudo().with_context(lang=self.user_id.lang or self.env.lang)
        subject.message_post(body=render_close_reason(subject.env, facts),
                             subtype_xmlid="mail.mt_note")

    def _set_periods(self, rows, rule):
        """Write the finding's periods (``rows`` of ``kpi_period_result``, oldest first), the
        team's figures over them and the suggested target."""
        self.ensure_one()
        team_id = rows[-1]["team_id"]
        starts = [r["date_from"] for r in rows]
        team_rows = self._team_values(rule, team_id, rows, starts)
        lines = [self._period_line(r, team_rows.get(r["date_from"], [])) for r in rows]
        members = {user_id for r in rows for _t, user_id, _v in team_rows.get(r["date_from"], [])}
        window_values = period_scores.team_window_values(
            [(r["date_from"], r["date_to"], [value for _t, _u, value
                                             in team_rows.get(r["date_from"], [])])
             for r in rows],
            rule.window_days, self.period_type, rule.unit in period_scores.ADDITIVE_UNITS,
            rule.window_kind == "past")
        user_targets = rule._get_user_targets(sorted(members | {self.user_id.id}))
        suggested = period_scores.suggested_target(window_values, list(user_targets.values()),
                                                   rule.direction)
        facts = self._suggestion_facts(rule, window_values, user_targets, suggested,
                                       rows[-1].get("currency_id"))
        scores = [r["score"] for r in rows if r["score"] is not None]
        team_scores, score_others = self._team_scores(rule, team_id, starts)
        self.line_ids.sudo().unlink()
        self.sudo().write({
            "team_id": team_id,
            "date_from": rows[0]["date_from"], "date_to": rows[-1]["date_to"],
            "period_count": len(rows),
            "pilot": any(r["pilot"] for r in rows),
            "average_score": period_scores.mean(scores) or 0.0,
            "team_average_score": team_scores or 0.0,
            "team_others_min": min([line["team_others"] for line in lines] + [score_others]),
            "suggested_target": suggested or 0.0,
            "suggestion_facts": facts,
            "suggestion": False,  # the stored words of a finding analysed before the facts
            "suggestion_subject": False,
            "suggestion_private": suggestion_private(facts),
            "line_ids": [fields.Command.create(line) for line in lines],
        })

    def _team_values(self, rule, team_id, rows, starts):
        """``{date_from: [(date_to, user_id, value)]}``: the values of the finding's team in
        its periods starting on ``starts`` (one query); without a team, the user's own values
        (``rows``) alone."""
        team_rows = defaultdict(list)
        if team_id:
            self.env.cr.execute(SQL(
                """SELECT date_from, date_to, user_id, value FROM kpi_period_result
                    WHERE rule_id = %s AND period_type = %s AND closed AND team_id = %s
                      AND date_from = ANY(%s) AND value IS NOT NULL""",
                rule.id, self.period_type, team_id, starts))
            for date_from, date_to, user_id, value in self.env.cr.fetchall():
                team_rows[date_from].append((date_to, user_id, value))
        else:  # no team: the user alone
            for r in rows:
                if r["value"] is not None:
                    team_rows[r["date_from"]].append((r["date_to"], r["user_id"], r["value"]))
        return team_rows

    def _period_line(self, row, team_period):
        """The values of the finding's line for the period ``row`` of ``kpi_period_result``,
        with the team's figures of that period from ``team_period`` (``[(date_to, user_id,
        value)]``): average, median, how many were measured and how many of them are others
        than the finding's user."""
        values = [value for _t, _u, value in team_period]
        return {
            "period_result_id": row["id"], "date_from": row["date_from"],
            "date_to": row["date_to"], "value": row["value"], "target": row["target"],
            "score": row["score"], "status": row["status"],
            "team_average": period_scores.mean(values),
            "team_median": period_scores.median(values), "team_count": len(values),
            "team_others": len({user_id for _t, user_id, _v in team_period}
                               - {self.user_id.id}),
        }

    def _suggestion_facts(self, rule, window_values, user_targets, suggested, currency_id=None):
        """The facts of the suggested target (:func:`suggestion_facts`) for this finding: the
        rule's window (none for a snapshot rule) and an amount's currency: ``currency_id``,
        the one the finding's latest period recorded, else (a period stored without one)
        today's (:func:`.kpi_score_mixin.amount_company`)."""
        currency = (
            (self.env["res.currency"].browse(currency_id)
             or amount_company(rule.company_id, self.user_id).currency_id)
            if rule.unit == "amount" else None)
        return suggestion_facts(
            window_values, user_targets, suggested, rule.direction, rule.target,
            self.user_id.id, window_days=None if rule.window_kind == "snapshot"
            else rule.window_days, currency_id=currency.id if currency else None)

    def _team_scores(self, rule, team_id, starts):
        """The average score of the team over the periods starting on ``starts``, and the
        fewest other members with a score in one of these periods."""
        if not team_id:
            return None, 0
        self.env.cr.execute(SQL(
            """SELECT avg(score),
                      (SELECT min(n) FROM (
                          SELECT count(DISTINCT user_id) FILTER (WHERE user_id != %s) AS n
                            FROM kpi_period_result
                           WHERE rule_id = %s AND period_type = %s AND closed AND team_id = %s
                             AND date_from = ANY(%s) AND score IS NOT NULL
                           GROUP BY date_from) AS per_period)
                 FROM kpi_period_result
                WHERE rule_id = %s AND period_type = %s AND closed AND team_id = %s
                  AND date_from = ANY(%s) AND score IS NOT NULL""",
            self.user_id.id, rule.id, self.period_type, team_id, starts,
            rule.id, self.period_type, team_id, starts))
        value, others = self.env.cr.fetchone()
        return (round(value, 2) if value is not None else None), others or 0


class KpiDiscrepancyPeriod(models.Model):
    _name = "kpi.discrepancy.period"
    _description = "KPI Discrepancy Period"
    _order = "date_from"

    finding_id = fields.Many2one("kpi.discrepancy", required=True, ondelete="cascade",
                                 index=True)
    period_result_id = fields.Many2one("kpi.period.result", string="Period Score",
                                       ondelete="set null")
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    period_label = fields.Char(string="Period", compute="_compute_period_label")
    value = fields.Float(aggregator=None)
    target = fields.Float(aggregator=None)
    score = fields.Float(string="Score (%)", aggregator="avg")
    status = fields.Selection(related="period_result_id.status")
    team_average = fields.Float(string="Team Average as Computed", aggregator=None,
                                help="The average value of the team.",
                                groups=RAW_TEAM_FIGURES_GROUPS)
    team_median = fields.Float(string="Team Median as Computed", aggregator=None,
                               help="The median value of the team.",
                               groups=RAW_TEAM_FIGURES_GROUPS)
    team_count = fields.Integer(string="People", aggregator=None,
                                help="How many members of the team were measured.")
    team_others = fields.Integer(
        aggregator=None, readonly=True,
        help="How many other members of the team than the finding's user have a value.")
    team_figures_shown = fields.Boolean(compute="_compute_team_figures_shown")
    team_average_shown = fields.Float(
        string="Team Average", aggregator=None, compute="_compute_team_figures_shown",
        help="The average value of the team.")
    team_median_shown = fields.Float(
        string="Team Median", aggregator=None, compute="_compute_team_figures_shown",
        help="The median value of the team.")

    @api.depends_context("uid")
    @api.depends("finding_id.user_id", "finding_id.team_id", "team_others", "team_average",
                 "team_median")
    def _compute_team_figures_shown(self):
        """The team's figures of the period, hidden from the finding's user when fewer than
        ``TEAM_FIGURES_MIN_OTHERS`` other members have a value."""
        for line in self:
            shown = (line.team_others >= TEAM_FIGURES_MIN_OTHERS
                     or line.finding_id._reads_every_member())
            line.team_figures_shown = shown
            line.team_average_shown = line.sudo().team_average if shown else 0.0
            line.team_median_shown = line.sudo().team_median if shown else 0.0

    @api.depends("finding_id.period_type", "date_from")
    def _compute_period_label(self):
        for line in self:
            line.period_label = period_label(self.env, line.finding_id.period_type,
                                             line.date_from)


class KpiDiscrepancyNote(models.Model):
    """A note of the working group on a finding. An internal note is never shown to the user
    the finding is about (record rules)."""

    _name = "kpi.discrepancy.note"
    _description = "KPI Discrepancy Note"
    _order = "create_date desc, id desc"

    finding_id = fields.Many2one("kpi.discrepancy", required=True, ondelete="cascade",
                                 index=True)
    body = fields.Text(string="Note", required=True)
    internal = fields.Boolean(
        help="Not shown to the user the finding is about: for the team's manager and the KPI "
        "administrators only.")
    author_id = fields.Many2one("res.users", string="Author", default=lambda self: self.env.user,
                                readonly=True)
    create_date = fields.Datetime(string="Written On", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [dict(vals, author_id=self.env.uid) for vals in vals_list]
        notes = super().create(vals_list)
        for note in notes:
            if not self.env.su and not note.finding_id._may_review():
                raise UserError(_("Only the team's manager or a KPI administrator can add a "
                                  "note to %s.", note.finding_id.name))
        return notes

    def write(self, vals):
        if "finding_id" in vals and any(note.finding_id.id != vals["finding_id"]
                                        for note in self):
            # the check on creation decides who annotates which finding: a note stays on it
            raise UserError(_("A note cannot be moved to another finding: write a new note "
                              "on that finding."))
        if not self.env.su:
            for note in self:
                if note.author_id != self.env.user:
                    raise UserError(_("Only its author can change a note."))
        vals = dict(vals)
        vals.pop("author_id", None)
        return super().write(vals)

    def unlink(self):
        if not self.env.su and any(note.author_id != self.env.user for note in self):
            raise UserError(_("Only its author can delete a note."))
        return super().unlink()

