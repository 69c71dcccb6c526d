import datetime
import json
import logging
from collections import defaultdict
from typing import NamedTuple

from odoo import _, api, fields, models
from odoo.tools import SQL, format_date

from ..tools import bonus_engine, bulk, calendar, period_scores, scoring
from ..tools.bonus_math import WINDOW_PAST
from ..tools.calendar import PERIOD_TYPE_SELECTION
from .kpi_score_mixin import rule_screen_info

_logger = logging.getLogger(__name__)

#: the period scores are computed back to at most this many days before today (a first run on
#: a database with years of results does not rebuild them all)
BACKFILL_DAYS = 800

#: what the Periods tab of My KPIs reads of a period score (:meth:`get_my_periods`)
MY_PERIOD_FIELDS = ("id", "rule_id", "date_from", "date_to", "closed", "value", "target",
                    "score", "status", "last_value", "last_date", "pilot", "computed_at",
                    "method", "score_change", "currency_id")


class DailySummary(NamedTuple):
    """A user's daily results of a rule over one period, as
    :meth:`KpiPeriodResult._read_daily_summaries` sums them up (its columns, in order)."""

    user_id: int
    date_from: datetime.date  # the period's first day
    count: int  # daily results
    with_data: int  # daily results with something to measure
    avg_value: float | None  # averages over the daily results with something to measure
    avg_target: float | None
    avg_score: float | None
    all_target: float | None  # average target over all the daily results
    last_value: float  # of the last daily result
    last_date: datetime.date
    team_id: int | None  # on the last day
    pilot: bool  # on the first day
    partner_id: int
    tz: str | None
    last_target: float  # of the last daily result
    currency_id: int | None = None  # of the last daily result's amounts (None: not recorded)


class PeriodBatch(NamedTuple):
    """One batch of the daily period scores (:meth:`KpiPeriodResult._period_batches`): the
    rules whose periods to compute are the same, by id, with those periods, so that a cron runs
    it in a transaction of its own and a queue job (kpi_management_queue) can carry it as its
    arguments."""

    period_type: str
    periods: tuple  # ((first day, last day), ...), oldest first
    rule_ids: tuple


def period_label(env, period_type, date_from):
    """The period in the reader's language: "Week 47, 2026", "November 2026", "Q4 2026",
    "2026"."""
    if period_type == "week":
        year, week, _day = date_from.isocalendar()
        return env._("Week %(week)s, %(year)s", week=week, year=year)
    if period_type == "month":
        return format_date(env, date_from, date_format="MMMM y")
    if period_type == "quarter":
        return format_date(env, date_from, date_format="QQQ y")
    return str(date_from.year)


def progress_label(env, closed, date_from, date_to, last_date):
    """"final" for a period that had ended when it was computed, else how far it was measured:
    "so far, day 23 of 30" (see ``calendar.elapsed_days``)."""
    if closed:
        return env._("final")
    return env._("so far, day %(day)s of %(days)s",
                 day=calendar.elapsed_days(date_from, date_to, last_date),
                 days=calendar.period_days(date_from, date_to))


class KpiPeriodResult(models.Model):
    """The score of a KPI for a user over a calendar period, stored by the daily analysis
    (:meth:`_cron_analyse`) from the stored daily results: see ``period_scores`` for the
    arithmetic. The period views read these rows (one query, however many periods they show);
    the discrepancy analysis (``kpi.discrepancy``) reads the closed ones."""

    _name = "kpi.period.result"
    _inherit = ["kpi.score.mixin"]
    _description = "KPI Period Score"
    _order = "date_from desc, rule_id, user_id"
    _rec_name = "period_label"

    # rule_id, user_id, team_id, company_id, currency_id, value, target, score, status, unit,
    # pilot, record_ids, res_model, computed_at, value_display: kpi.score.mixin, with the help
    # of team_id, target, pilot and currency_id told for a period
    team_id = fields.Many2one(
        help="The user's sales team on the last day of the period with a result.")
    period_type = fields.Selection(PERIOD_TYPE_SELECTION, string="Period", required=True,
                                   readonly=True, index=True)
    date_from = fields.Date(string="From", required=True, readonly=True, index=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    period_label = fields.Char(string="Period Name", compute="_compute_period_label")
    closed = fields.Boolean(
        readonly=True, index=True,
        help="The period had ended (in the user's timezone) when it was computed: its figures "
        "are final. An open period is measured so far, up to the moment it was computed.")
    method = fields.Selection(
        [("period", "Measured over the period"), ("average", "Average of the daily results")],
        readonly=True)
    target = fields.Float(
        help="The target over the period: a count or an amount is scaled to the period's "
        "length unless the rule's window is that period (see README).")
    days = fields.Integer(string="Days With a Result", readonly=True, aggregator=None)
    last_value = fields.Float(readonly=True, aggregator=None,
                              help="The value of the last daily result of the period.")
    last_date = fields.Date(readonly=True)
    has_previous = fields.Boolean(
        readonly=True, help="The previous period has a score to compare with (it was scored, "
        "with something to measure).")
    change_shown = fields.Boolean(
        compute="_compute_change_shown",
        help="There is a change to show: the previous period has a score, this one has "
        "something to measure, and a period in progress is far enough to be compared "
        "(period_scores.change_basis: not before its 7th day).")
    previous_value = fields.Float(readonly=True, aggregator=None)
    previous_score = fields.Float(string="Previous Score (%)", readonly=True, aggregator="avg")
    score_change = fields.Float(
        string="Change (pts)", readonly=True, aggregator="avg",
        help="Score of this period minus the score of the previous one, in percentage points.")
    pilot = fields.Boolean(help="The KPI ran as a pilot for the user's team in this period.")
    currency_id = fields.Many2one(
        help="The currency the amounts were measured in: that of the period's last daily "
        "result (a KPI measured over the period is measured in it).")
    progress_label = fields.Char(
        string="Measured", compute="_compute_progress_label",
        help="\"final\" once the period has ended; for the period in progress, how far it was "
        "measured when computed (\"so far, day 23 of 30\"): its score still moves.")

    _period_unique = models.Constraint(
        "UNIQUE(rule_id, user_id, period_type, date_from)",
        "There is one period score per KPI, user and period.")

    @api.depends("period_type", "date_from")
    def _compute_period_label(self):
        for row in self:
            row.period_label = (period_label(self.env, row.period_type, row.date_from)
                                if row.date_from and row.period_type else False)

    @api.depends("has_previous", "status", "closed", "date_from", "date_to", "last_date",
                 "method", "rule_id.unit")
    def _compute_change_shown(self):
        for row in self:
            row.change_shown = bool(
                row.has_previous and row.status != scoring.STATUS_NO_DATA
                and row.date_from and row.date_to
                and period_scores.change_basis(
                    row.closed,
                    calendar.elapsed_days(row.date_from, row.date_to, row.last_date),
                    calendar.period_days(row.date_from, row.date_to),
                    row.method == "period"
                    and row.rule_id.unit in bonus_engine.ADDITIVE_UNITS,
                ) != period_scores.CHANGE_TOO_EARLY)

    @api.depends("closed", "date_from", "date_to", "last_date")
    def _compute_progress_label(self):
        for row in self:
            row.progress_label = (progress_label(self.env, row.closed, row.date_from,
                                                 row.date_to, row.last_date)
                                  if row.date_from and row.date_to else False)

    def _counted_records_title(self):
        return _("%(kpi)s: %(period)s", kpi=self.rule_id.name, period=self.period_label)

    def action_open_records(self):
        """The records measured over the period (past-window KPIs), else the daily results
        it averages."""
        self.ensure_one()
        if self.method == "period" and self.res_model:
            return super().action_open_records()
        action = self.env["ir.actions.act_window"]._for_xml_id("kpi_management.kpi_result_action")
        action["domain"] = [("rule_id", "=", self.rule_id.id), ("user_id", "=", self.user_id.id),
                            ("date", ">=", self.date_from), ("date", "<=", self.date_to)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ My KPIs
    @api.model
    def get_my_periods(self, period_type="month"):
        """The current user's KPIs over the current week, month, quarter or year
        (``period_type``), next to the previous period and the change: the Periods tab of
        My KPIs.

        The period shown as current is the latest one scored: today's, once the night's run
        has scored it; until then (the first night of a period) the one before, and ``stale``
        names today's period. A KPI gets a row when it applies to the user today (as the
        cards) and has a score in either period.

        Read with the user's access rights in a fixed number of queries, whatever the number
        of KPIs or the length of the history: the user's timezone (2, usually cached), 2 for
        the KPIs that apply to the user, 1 for the scores of the last three periods
        (``_search``, so that a period or a last day with nothing to measure stays empty
        instead of reading as 0), and the rules with their units and currencies (4).

        :return: ``{"period_type", "current", "previous", "stale", "computed_at", "rows",
            "labels"}``; ``current`` and ``previous`` hold the period's ``label``, dates and
            ``progress`` ("so far, day 23 of 30" or "final"); each row holds the KPI (name,
            unit, currency, pilot) and a ``current`` and ``previous`` cell (value, target,
            score, status, progress, last value and its date; ``False`` without a score), the
            ``change`` in score points (``None`` when either has nothing to measure, or too
            early in the period) and ``change_note`` (how it was compared, or why there is
            none: see :meth:`_my_period_change`).
        """
        if period_type not in calendar.PERIOD_TYPES:
            period_type = "month"
        today = scoring.local_today(self.env.user.tz, fields.Datetime.now())
        today_start = calendar.period_bounds(today, period_type)[0]
        data = self._my_periods_empty(period_type)
        rule_ids = self.env["kpi.result"]._current_rule_ids()
        if not rule_ids or not self.has_access("read"):
            return data
        rows = self._my_period_scores(period_type, rule_ids, today_start)
        if not rows:
            return data
        current_start, previous_start, pairs = self._my_period_pairs(rows, period_type)
        data["rows"] = self._my_period_rows(pairs)
        data["current"] = self._my_period_header(
            period_type, current_start, [p["current"] for p in pairs.values() if "current" in p])
        data["previous"] = self._my_period_header(
            period_type, previous_start,
            [p["previous"] for p in pairs.values() if "previous" in p])
        if current_start != today_start:
            data["stale"] = period_label(self.env, period_type, today_start)
            data["labels"]["stale"] = _(
                "%(period)s gets its first scores tonight: shown here, %(latest)s, the latest "
                "period scored.", period=data["stale"], latest=data["current"]["label"])
        data["computed_at"] = fields.Datetime.to_string(max(
            row["computed_at"] for row in rows if row["date_from"] == current_start))
        return data

    @api.model
    def _my_periods_empty(self, period_type):
        """What :meth:`get_my_periods` returns without a score to show, and fills in
        otherwise."""
        return {
            "period_type": period_type, "current": False, "previous": False, "stale": False,
            "computed_at": False, "rows": [],
            "labels": {"empty": _("No period scores yet. Each KPI's score per week, month, "
                                  "quarter and year is computed every night from your daily "
                                  "results.")},
        }

    @api.model
    def _my_period_scores(self, period_type, rule_ids, today_start):
        """The current user's scores of ``rule_ids`` over the last three periods of
        ``period_type``: today's, and the two before in case today's is not scored yet; one
        query with the user's access rights, as dicts of :data:`MY_PERIOD_FIELDS` (a value
        with nothing to measure stays ``None``)."""
        first = calendar.previous_period(
            calendar.previous_period(today_start, period_type)[0], period_type)[0]
        query = self._search([
            ("user_id", "=", self.env.uid), ("period_type", "=", period_type),
            ("rule_id", "in", rule_ids), ("date_from", ">=", first),
            ("date_from", "<=", today_start),
        ])
        return self.env.execute_query_dict(query.select(*(
            SQL("%s AS %s", self._field_to_sql(self._table, name, query), SQL.identifier(name))
            for name in MY_PERIOD_FIELDS)))

    @api.model
    def _my_period_pairs(self, rows, period_type):
        """``(current_start, previous_start, {rule_id: {"current": row, "previous": row}})``:
        the period shown as current is the latest one of ``rows`` (the latest scored), the
        previous one the period just before it; a rule's key is missing when it has no score
        in that period, and the scores of an older period are left out."""
        current_start = max(row["date_from"] for row in rows)
        previous_start = calendar.previous_period(current_start, period_type)[0]
        pairs = defaultdict(dict)
        for row in rows:
            if row["date_from"] == current_start:
                pairs[row["rule_id"]]["current"] = row
            elif row["date_from"] == previous_start:
                pairs[row["rule_id"]]["previous"] = row
        return current_start, previous_start, pairs

    @api.model
    def _my_period_rows(self, pairs):
        """The rows of :meth:`get_my_periods`, one per KPI of ``pairs`` (see
        :meth:`_my_period_pairs`), in the order of the KPIs (sequence, name)."""
        info = self.env["kpi.result"]._rule_info(self.env["kpi.rule"].browse(list(pairs)))
        statuses = dict(self._fields["status"]._description_selection(self.env))
        rows = [self._my_period_row(rule_id, info[rule_id], pair.get("current"),
                                    pair.get("previous"), statuses)
                for rule_id, pair in pairs.items()]
        rows.sort(key=lambda r: (r["sequence"], r["name"], r["rule_id"]))
        return rows

    @api.model
    def _my_period_row(self, rule_id, rule, current, previous, statuses):
        """One KPI in :meth:`get_my_periods`: the rule (``rule``: its ``_rule_info``), its
        ``current`` and ``previous`` period scores (rows of :meth:`_my_period_scores`, or
        ``None``) and the change between them, when both have a score."""
        Result = self.env["kpi.result"]
        # each period's amounts in the currency it recorded, the KPI's in the latest one's
        rule = Result._screen_currency(rule, (current or previous)["currency_id"])
        current_cell = self._my_period_cell(current, statuses)
        previous_cell = self._my_period_cell(previous, statuses)
        for cell, row in ((current_cell, current), (previous_cell, previous)):
            if cell:
                cell["currency_id"] = Result._screen_currency(rule, row["currency_id"])[
                    "currency_id"]
        has_scores = (current_cell and previous_cell and current_cell["score"] is not None
                      and previous_cell["score"] is not None)
        change, change_note = self._my_period_change(current, previous, rule, has_scores)
        return {
            "rule_id": rule_id,
            **rule_screen_info(rule),
            # the mode of the user's team in the period (the latest one shown)
            "pilot": bool((current or previous)["pilot"]),
            "current": current_cell,
            "previous": previous_cell,
            "change": change,
            "change_note": change_note,
        }

    @api.model
    def _my_period_change(self, current, previous, rule, has_scores):
        """``(change, note)``: the change in score points of a KPI from the previous period to
        the current one, as :meth:`_store_periods` stored it (``score_change``: like with like,
        see ``period_scores.change_basis``), and how it was compared, or why there is none."""
        if not has_scores:
            return None, False
        days = calendar.period_days(current["date_from"], current["date_to"])
        elapsed = calendar.elapsed_days(current["date_from"], current["date_to"],
                                          current["last_date"])
        basis = period_scores.change_basis(
            current["closed"], elapsed, days,
            current["method"] == "period" and rule["unit"] in bonus_engine.ADDITIVE_UNITS)
        if basis == period_scores.CHANGE_TOO_EARLY:
            return None, _("Too early to compare: day %(day)s of %(days)s.",
                           day=elapsed, days=days)
        note = (_("At this pace (day %(day)s of %(days)s).", day=elapsed, days=days)
                if basis == period_scores.CHANGE_AT_PACE else False)
        return current["score_change"], note

    @api.model
    def _my_period_cell(self, row, statuses):
        """One period of one KPI in :meth:`get_my_periods` (``False`` without a score)."""
        if not row:
            return False
        no_data = row["status"] == scoring.STATUS_NO_DATA
        return {
            "id": row["id"],
            "value": None if no_data else row["value"],
            "target": row["target"],
            "score": None if no_data else row["score"],
            "status": row["status"],
            "status_label": statuses.get(row["status"], ""),
            "closed": row["closed"],
            "progress": progress_label(self.env, row["closed"], row["date_from"],
                                       row["date_to"], row["last_date"]),
            "last_value": row["last_value"],
            "last_date": fields.Date.to_string(row["last_date"]),
        }

    @api.model
    def _my_period_header(self, period_type, date_from, rows):
        """A period's column in :meth:`get_my_periods`: its name, dates and how far it was
        measured (``False`` when no KPI has a score in it)."""
        if not rows:
            return False
        date_to = rows[0]["date_to"]
        return {
            "label": period_label(self.env, period_type, date_from),
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
            "closed": all(row["closed"] for row in rows),
            "progress": progress_label(self.env, all(row["closed"] for row in rows), date_from,
                                       date_to, max(row["last_date"] for row in rows)),
        }

    # ------------------------------------------------------------------ engine
    @api.model
    def _store_periods(self, rule, period_type, periods, now=None, daily=None):
        """Compute and store the scores of ``rule`` over ``periods`` (``[(first, last)]`` of
        ``period_type``, oldest first) for every user with a daily result of the rule in the
        period. One query reads the daily results of all the periods (unless ``daily`` gives
        them: :meth:`_read_daily_summaries` of several rules at once), one measure query per
        period for a past-window rule, one upsert: never a query per user.

        :return: the ids of the rows written.
        """
        if not periods:
            return []
        now = now or fields.Datetime.now()
        rule = rule.sudo()
        if daily is None:
            daily = self._read_daily_summaries(rule, period_type, periods).get(rule.id, {})
        past = rule.window_kind == WINDOW_PAST
        res_model = rule.template_id._get_res_model()
        columns = self._period_columns(rule, period_type, periods, daily, past, now)
        if not columns:
            return []
        ids = self._upsert_period_columns(rule, period_type, columns, past, res_model, now)
        self._compare_with_previous_periods(rule, period_type, columns, past)
        self.invalidate_model()
        return ids

    @api.model
    def _read_daily_summaries(self, rules, period_type, periods):
        """``{rule_id: {period start: {user_id: DailySummary}}}``: the daily results of
        ``rules`` over ``periods`` summed up per rule, user and period (see
        :class:`DailySummary`), in one query, however many rules and users.

        The nightly job reads the rules whose periods are the same together (one batch of
        :meth:`_period_batches`): a rule's rows of a night are written together, so that one
        rule's rows of a year lie spread over the whole table, and reading the rules one by
        one read the table once per rule (bench/RESULTS.md, "Storage"). The sums are a hash
        aggregate (no sort per user); the last and the first result of each rule, user and
        period (value, team, target; mode) are two lookups in the unique (rule, user, date)
        index. JIT compiling is off until the end of the transaction, as for the measures
        (``kpi.rule._run_measure``: it costs more than it saves on these statements)."""
        if not rules or not periods:
            return {}
        self.env["kpi.result"].flush_model()
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        # one period (each night): grouped by rule and user only, which the planner counts
        # right (its estimate of the groups by date_trunc() is a hundred times too high, and
        # it then sorts the rows on disk instead of hashing them)
        if len(periods) == 1:
            start, group = SQL("%s::date", periods[0][0]), SQL("r.rule_id, r.user_id")
        else:
            start = SQL("date_trunc(%s, r.date)::date", period_type)
            group = SQL("r.rule_id, r.user_id, %s", start)
        self.env.cr.execute(SQL(
            """WITH days AS MATERIALIZED (
                   SELECT r.rule_id, r.user_id, %(start)s AS start,
                          count(*) AS n,
                          count(*) FILTER (WHERE r.status != %(no_data)s) AS with_data,
                          avg(r.value) FILTER (WHERE r.status != %(no_data)s) AS avg_value,
                          avg(r.target) FILTER (WHERE r.status != %(no_data)s) AS avg_target,
                          avg(r.score) FILTER (WHERE r.status != %(no_data)s) AS avg_score,
                          avg(r.target) AS all_target,
                          min(r.date) AS first_date, max(r.date) AS last_date
                     FROM kpi_result r
                    WHERE r.rule_id = ANY(%(rules)s) AND r.date BETWEEN %(first)s AND %(last)s
                    GROUP BY %(group)s)
               SELECT d.rule_id, d.user_id, d.start, d.n, d.with_data, d.avg_value,
                      d.avg_target, d.avg_score, d.all_target, l.value, d.last_date, l.team_id,
                      f.pilot, u.partner_id, p.tz, l.target, l.currency_id
                 FROM days d
                 CROSS JOIN LATERAL (
                       SELECT value, team_id, target, currency_id FROM kpi_result
                        WHERE rule_id = d.rule_id AND user_id = d.user_id
                          AND date = d.last_date
                        LIMIT 1) l
                 CROSS JOIN LATERAL (
                       SELECT pilot FROM kpi_result
                        WHERE rule_id = d.rule_id AND user_id = d.user_id
                          AND date = d.first_date
                        LIMIT 1) f
                 JOIN res_users u ON u.id = d.user_id
                 JOIN res_partner p ON p.id = u.partner_id""",
            start=start, group=group, rules=rules.ids, first=periods[0][0],
            last=periods[-1][1], no_data=scoring.STATUS_NO_DATA))
        daily = defaultdict(lambda: defaultdict(dict))
        for rule_id, *row in self.env.cr.fetchall():
            summary = DailySummary(*row)
            daily[rule_id][summary.date_from][summary.user_id] = summary
        return daily

    @api.model
    def _period_columns(self, rule, period_type, periods, daily, past, now):
        """The period scores to store, as the columns of :meth:`_upsert_period_columns`: for
        each period with a daily result (``daily``: see :meth:`_read_daily_summaries`), every
        user with one, by user id. A past-window rule is measured over the exact period, in
        the currency of the user's last daily result of the period, a snapshot or future rule
        averages its daily results (``period_scores``) and takes that currency. Empty when
        no period has a daily result."""
        columns = defaultdict(list)
        for date_from, date_to in periods:
            users = daily.get(date_from)
            if not users:
                continue
            span = bonus_engine.Span(date_from, date_to, period_type,
                                     calendar.period_days(date_from, date_to))
            measured = self._measure_users(rule, users, span, now) if past else {}
            for user_id, summary in sorted(users.items()):
                currency_id = summary.currency_id
                if past:
                    found = measured[user_id]
                    figures = self._measured_period_score(rule, found, summary, span)
                    currency_id = found.currency_id
                else:
                    figures = period_scores.averaged_score(
                        summary.with_data, summary.avg_value, summary.avg_target,
                        summary.avg_score, summary.all_target, rule.warning_threshold)
                self._append_period_row(columns, summary, span, figures, currency_id, now)
        return columns

    @api.model
    def _measure_users(self, rule, users, span, now):
        """``{user_id: MeasureValue}``: a past-window rule measured once over the exact
        period of ``span`` for every user of ``users``, each in their timezone and in the
        currency of their last daily result of the period, up to ``now`` at most (one measure
        query: ``kpi.rule._measure_period``)."""
        rows = [(user_id, summary.partner_id, summary.tz)
                for user_id, summary in sorted(users.items())]
        return rule._measure_period(
            rows, span.date_from, span.date_to, until=now,
            currencies={user_id: summary.currency_id for user_id, summary in users.items()
                        if summary.currency_id})

    @api.model
    def _measured_period_score(self, rule, found, summary, span):
        """The :class:`period_scores.PeriodFigures` of a past-window rule for one user: the
        value ``found`` over the period, against the target recorded on the period's last day
        with a result, scaled to the period by the bonus engine, as on a bonus sheet."""
        target = bonus_engine.score_kpi(bonus_engine.KpiInput(
            key=summary.user_id, method=bonus_engine.METHOD_PERIOD, value=found.value,
            has_data=found.has_data, target=summary.last_target or 0.0,
            window_days=rule.window_days, additive=rule.unit in bonus_engine.ADDITIVE_UNITS,
            direction=rule.direction,
        ), span).target
        score, status = rule._score(found.value, target, found.has_data)
        return period_scores.PeriodFigures(found.value, target, score, status, found.has_data,
                                           found.ids)

    @api.model
    def _append_period_row(self, columns, summary, span, figures, currency_id, now):
        """Add one user's period score to ``columns``: ``closed`` when the period had ended
        in the user's timezone at ``now``, no value without something to measure, the
        last daily result's value, date and team, the first one's mode (pilot) and the
        currency of the amounts (``currency_id``)."""
        columns["user"].append(summary.user_id)
        columns["from"].append(span.date_from)
        columns["to"].append(span.date_to)
        columns["closed"].append(scoring.local_today(summary.tz, now) > span.date_to)
        columns["value"].append(figures.value if figures.has_data else None)
        columns["target"].append(figures.target)
        columns["score"].append(figures.score)
        columns["status"].append(figures.status)
        columns["days"].append(summary.count)
        columns["last_value"].append(summary.last_value)
        columns["last_date"].append(summary.last_date)
        columns["team"].append(summary.team_id)
        columns["pilot"].append(bool(summary.pilot))
        columns["ids"].append(json.dumps(figures.ids))
        columns["currency"].append(currency_id)

    @api.model
    def _upsert_period_columns(self, rule, period_type, columns, past, res_model, now):
        """Insert or update the period scores of ``columns`` (one query) and return their
        ids. A past-window rule's rows are measured over the period (``method`` "period", the
        records counted in ``res_model``), the others average the daily results."""
        self.flush_model()
        self.env.cr.execute(bulk.upsert(
            "kpi_period_result", ("rule_id", "user_id", "period_type", "date_from"),
            [("rule_id", SQL("%s", rule.id)), ("user_id", SQL("x.u")),
             ("period_type", SQL("%s", period_type)), ("date_from", SQL("x.f")),
             ("date_to", SQL("x.t")), ("closed", SQL("x.c")),
             ("method", SQL("%s", "period" if past else "average")), ("value", SQL("x.v")),
             ("target", SQL("x.tg")), ("score", SQL("x.s")), ("status", SQL("x.st")),
             ("days", SQL("x.n")), ("last_value", SQL("x.lv")), ("last_date", SQL("x.ld")),
             ("team_id", SQL("x.team")), ("pilot", SQL("x.pilot")),
             ("record_ids", SQL("x.ids::jsonb")),
             ("res_model", SQL("%s", res_model if past else None)),
             ("company_id", SQL("%s", rule.company_id.id or None)),
             ("currency_id", SQL("x.cur")), ("computed_at", SQL("%s", now)),
             # the comparison with the previous period as stored before this statement
             # (:meth:`_compare_with_previous_periods` then redoes the periods whose previous
             # one this statement wrote)
             ("has_previous", SQL("prev.score IS NOT NULL")),
             ("previous_value", SQL("prev.value")), ("previous_score", SQL("prev.score")),
             ("score_change", self._score_change_sql(
                 rule, past, closed=SQL("x.c"), score=SQL("x.s"), last_date=SQL("x.ld"),
                 date_from=SQL("x.f"), date_to=SQL("x.t"), previous=SQL("prev.score"))),
             *bulk.audit_columns(self.env.uid, now)],
            [("u", "int", columns["user"]), ("f", "date", columns["from"]),
             ("t", "date", columns["to"]), ("c", "bool", columns["closed"]),
             ("v", "float", columns["value"]), ("tg", "float", columns["target"]),
             ("s", "float", columns["score"]), ("st", "varchar", columns["status"]),
             ("n", "int", columns["days"]), ("lv", "float", columns["last_value"]),
             ("ld", "date", columns["last_date"]), ("team", "int", columns["team"]),
             ("pilot", "bool", columns["pilot"]), ("ids", "text", columns["ids"]),
             ("cur", "int", columns["currency"])],
            joins=SQL(
                """LEFT JOIN kpi_period_result prev
                          ON prev.rule_id = %s AND prev.user_id = x.u
                         AND prev.period_type = %s AND prev.date_to = x.f - 1""",
                rule.id, period_type),
        ))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _score_change_sql(self, rule, past, closed, score, last_date, date_from, date_to,
                          previous):
        """SQL of a period's score change against the ``previous`` period's score, from the
        expressions of the period's columns given: like with like, as
        ``period_scores.change_basis`` decides (a period in progress is compared from its
        MIN_CHANGE_DAYS-th day, a count or an amount measured over a past window at its
        pace)."""
        return SQL(
            """CASE WHEN %(closed)s THEN round((%(score)s - %(previous)s)::numeric, 2)
                    WHEN %(last_date)s - %(date_from)s + 1
                         < LEAST(%(min_days)s, %(date_to)s - %(date_from)s + 1)
                    THEN NULL
                    WHEN %(pace)s AND %(last_date)s < %(date_to)s
                    THEN round((LEAST(%(score)s * (%(date_to)s - %(date_from)s + 1)
                                      / (%(last_date)s - %(date_from)s + 1), %(cap)s)
                                - %(previous)s)::numeric, 2)
                    ELSE round((%(score)s - %(previous)s)::numeric, 2) END""",
            closed=closed, score=score, last_date=last_date, date_from=date_from,
            date_to=date_to, previous=previous, min_days=period_scores.MIN_CHANGE_DAYS,
            pace=past and rule.unit in bonus_engine.ADDITIVE_UNITS, cap=scoring.SCORE_CAP)

    @api.model
    def _compare_with_previous_periods(self, rule, period_type, columns, past):
        """Store the comparison with the previous period (``has_previous``,
        ``previous_value``, ``previous_score``, ``score_change``) of the periods that follow
        the rows of ``columns``, in one query: the upsert compared its rows with the previous
        periods as they were before it (:meth:`_upsert_period_columns`), so a period whose
        previous one it wrote too (several periods at once) and the period after the last one
        (stored already, a period scored again) are compared here. Each night computes one
        period in progress, whose next period has no score yet: nothing to update."""
        starts = sorted({t + calendar.ONE_DAY for t in columns["to"]})
        self.env.cr.execute(SQL(
            """UPDATE kpi_period_result cur
                  SET has_previous = prev.score IS NOT NULL,
                      previous_value = prev.value, previous_score = prev.score,
                      score_change = %(change)s
                 FROM kpi_period_result cur2
                 LEFT JOIN kpi_period_result prev
                   ON prev.rule_id = cur2.rule_id AND prev.user_id = cur2.user_id
                  AND prev.period_type = cur2.period_type
                  AND prev.date_to = cur2.date_from - 1
                WHERE cur.id = cur2.id AND cur2.rule_id = %(rule)s
                  AND cur2.period_type = %(type)s AND cur2.date_from = ANY(%(starts)s)""",
            change=self._score_change_sql(
                rule, past, closed=SQL("cur.closed"), score=SQL("cur.score"),
                last_date=SQL("cur.last_date"), date_from=SQL("cur.date_from"),
                date_to=SQL("cur.date_to"), previous=SQL("prev.score")),
            rule=rule.id, type=period_type, starts=starts))

    @api.model
    def _pending_periods(self, rules, now):
        """``[(rule, period_type, [(first, last)])]``: the periods to (re)compute, oldest
        first: those with a daily result of the rule and no final score yet (the period in
        progress, every night, and a period that has just ended, once). Three queries."""
        if not rules:
            return []
        self.env["kpi.result"].flush_model(["rule_id", "date"])
        self.flush_model(["rule_id", "period_type", "date_from", "closed"])
        self.env.cr.execute(SQL(
            """SELECT rule_id, min(date), max(date) FROM kpi_result
                WHERE rule_id = ANY(%s) GROUP BY rule_id""", rules.ids))
        spans = {rule_id: (first, last) for rule_id, first, last in self.env.cr.fetchall()}
        self.env.cr.execute(SQL(
            """SELECT rule_id, period_type, date_from FROM kpi_period_result
                WHERE rule_id = ANY(%s) GROUP BY 1, 2, 3 HAVING bool_and(closed)""", rules.ids))
        final = set(self.env.cr.fetchall())
        horizon = now.date() - datetime.timedelta(days=BACKFILL_DAYS)
        work = []
        for rule in rules:
            if rule.id not in spans:
                continue
            first, last = spans[rule.id]
            for period_type in calendar.PERIOD_TYPES:
                periods = [
                    bounds for bounds in calendar.periods_between(max(first, horizon), last,
                                                               period_type)
                    if (rule.id, period_type, bounds[0]) not in final]
                if periods:
                    work.append((rule, period_type, periods))
        return work

    @api.model
    def _period_batches(self, now):
        """``[PeriodBatch]``: the periods to (re)compute at ``now`` (:meth:`_pending_periods`
        of every active rule), the rules with the same periods of the same type together, in
        the order of the period types and of the periods (one read of their daily results for
        all of them, :meth:`_read_daily_summaries`: a rule's rows of a night lie spread over
        the table, and reading the rules one by one read it once per rule)."""
        rules = self.env["kpi.rule"].sudo().with_context(active_test=True).search([])
        together = {}
        for rule, period_type, periods in sorted(self._pending_periods(rules, now),
                                                 key=lambda batch: (batch[1], batch[2])):
            together.setdefault((period_type, tuple(periods)), []).append(rule.id)
        return [PeriodBatch(period_type, periods, tuple(rule_ids))
                for (period_type, periods), rule_ids in together.items()]

    @api.model
    def _store_period_batch(self, period_type, periods, rule_ids, now):
        """One batch of period scores: the scores of ``rule_ids`` over ``periods`` (``[(first,
        last)]`` of ``period_type``, oldest first) at ``now``, their daily results read once
        for all of them; each rule in a savepoint of its own (:meth:`_store_periods`), so that
        one that fails is rolled back and logged alone. The same whether the cron runs it
        (:meth:`_cron_analyse_batches`) or a queue job (kpi_management_queue); nothing is
        committed here. Rules archived or deleted since the batch was listed are skipped.

        :return: ``(analyse, failed)``: the ids of the rules stored whose analysis period is
            ``period_type`` (the discrepancy analysis follows them), and ``{rule_id: error}``
            of the rules that failed.
        """
        periods = [tuple(bounds) for bounds in periods]
        rules = self.env["kpi.rule"].sudo().browse(rule_ids).exists().filtered("active")
        daily = self._read_daily_summaries(rules, period_type, periods)
        analyse, failed = [], {}
        for rule in rules:
            try:
                with self.env.cr.savepoint():
                    self._store_periods(rule, period_type, periods, now=now,
                                        daily=daily.get(rule.id, {}))
            except Exception as exc:  # noqa: BLE001 - one rule must not stop the others
                _logger.exception("KPI period scores: rule %r (id %s), %s periods failed",
                                  rule.name, rule.id, period_type)
                failed[rule.id] = str(exc)
                continue
            if period_type == rule.analysis_period:
                analyse.append(rule.id)
        return analyse, failed

    # -------------------------------------------------------------- daily job
    @api.model
    def _cron_analyse(self):
        """Daily job: store the period scores that are missing or not final yet
        (:meth:`_period_batches`), then the discrepancy analysis of every rule whose analysis
        periods were stored (``kpi.discrepancy._analyse``): :meth:`_cron_analyse_batches`.

        :return: the number of batches left for the next run because time ran out.
        """
        now = fields.Datetime.now()
        return self._cron_analyse_batches(self._period_batches(now), now)

    @api.model
    def _cron_analyse_batches(self, batches, now):
        """Run the period ``batches`` (:class:`PeriodBatch`) of the run at ``now``, one commit
        each (``ir.cron._kpi_commit_batches``: :meth:`_store_period_batch`), then the
        discrepancy analysis of the rules whose analysis periods they stored, one commit per
        rule (``kpi.discrepancy._analyse_batch``). A rule that fails is rolled back to its
        savepoint, logged and noted on its chatter; the others go on, and the next run tries
        it again (its periods are still pending, its analysis follows them).

        :return: the number of batches left for the next run because time ran out.
        """
        Rule = self.env["kpi.rule"]
        to_analyse = []

        def store(batch):
            stored, failed = self._store_period_batch(*batch, now=now)
            to_analyse.extend(stored)
            for rule_id, error in failed.items():
                Rule.browse(rule_id)._note_night_failure(self._period_failure_note(
                    batch.period_type, error))

        def log_failure(batch, exc):
            _logger.exception("KPI period scores: %s periods of rules %s failed",
                              batch.period_type, list(batch.rule_ids))
            for rule in Rule.browse(batch.rule_ids):
                rule._note_night_failure(self._period_failure_note(batch.period_type, exc))
            return len(batch.rule_ids)  # counted as done: their periods stay pending

        cron = self.env["ir.cron"]
        remaining = cron._kpi_commit_batches(batches, store, log_failure,
                                             size=lambda batch: len(batch.rule_ids))
        Finding = self.env["kpi.discrepancy"]

        def log_analysis_failure(rule_id, exc):
            rule = Rule.browse(rule_id)
            _logger.exception("KPI discrepancy analysis: rule %r (id %s) failed", rule.name,
                              rule.id)
            rule._note_night_failure(
                _("The discrepancy analysis of this KPI failed and is retried at the next "
                  "run: %(error)s", error=str(exc)))
            return 1

        remaining += cron._kpi_commit_batches(
            list(dict.fromkeys(to_analyse)), lambda rule_id: Finding._analyse_batch(rule_id, now),
            log_analysis_failure)
        return remaining

    @api.model
    def _period_failure_note(self, period_type, error):
        """The note of a failed batch of period scores on its rule's chatter (the cron's)."""
        return _("The period scores of this KPI (%(period)s) failed and are retried at the next "
                 "run: %(error)s", period=self._period_type_label(period_type), error=error)

    @api.model
    def _period_type_label(self, period_type):
        """"Week", "Month"... in the reader's language."""
        return dict(self._fields["period_type"]._description_selection(self.env)).get(
            period_type, period_type)
