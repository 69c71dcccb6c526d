import datetime
from collections import defaultdict, namedtuple

from odoo import _, api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from ..tools import calendar, measures, scoring
from ..tools.bonus_math import DailyResult

#: what the results recorded of a rule for a user over a period (:meth:`KpiResult._read_recorded`)
Recorded = namedtuple("Recorded", ["pilot", "target", "date", "currency_ids"], defaults=[()])
#: what the result of a rule for a user recorded of its day (:meth:`KpiResult._recorded_of_day`)
RecordedDay = namedtuple("RecordedDay", ["target", "currency_id"])

PERIOD_SELECTION = [
    (calendar.DAY, "Today"),
    (calendar.WEEK, "This Week"),
    (calendar.MONTH, "This Month"),
    (calendar.QUARTER, "This Quarter"),
    (calendar.YEAR, "This Year"),
]

#: a result is "latest" when no newer result exists for its rule and user; results whose date
#: is more than this many days before the newest evaluation are never latest (users who left)
LATEST_HORIZON_DAYS = 31

#: the history shown on a result's form covers this many days up to its date
HISTORY_DAYS = 90

#: from this many off-track evaluations in a row, managers see the KPI as persistently off track
OFF_TRACK_STREAK_ALERT = 3


class KpiResult(models.Model):
    _name = "kpi.result"
    # the chatter and the activities: a result carries its off-track reminder
    # (kpi_result_reminder.py), and anyone who may read a result may comment on it and mark its
    # reminder done
    _inherit = ["kpi.score.mixin", "mail.thread", "mail.activity.mixin"]
    _mail_post_access = "read"
    _description = "KPI Result"
    _order = "date desc, rule_id, user_id"
    _rec_name = "rule_id"
    # written by the nightly job in SQL, a row per rule, user and day (22 million a year at
    # 3,000 users x 20 rules): no create/write user and date, which would say "the job" on
    # every row and cost two foreign-key checks per row written (issue 22, bench/RESULTS.md,
    # "Storage"); ``computed_at`` says when a result was computed
    _log_access = False

    # rule_id, user_id, team_id, company_id, currency_id, value, target, score, status, unit,
    # pilot, record_ids, res_model, computed_at, value_display: kpi.score.mixin
    template_id = fields.Many2one(related="rule_id.template_id", string="Template")
    date = fields.Date(required=True, index=True, readonly=True)
    # no index of its own on the rule (the unique (rule, user, date) index leads with it), the
    # status or the mode: no read of My KPIs, the team views, the period scores or the bonus
    # used them, and each cost its share of every night's write (issue 22, bench/RESULTS.md,
    # "Storage"); the team, profile and company keep theirs for their foreign keys' deletes
    rule_id = fields.Many2one(index=False)
    baseline = fields.Float(
        readonly=True, aggregator=None,
        help="Growth KPIs: the value of the window the growth is measured against (the "
        "previous period or the same period a year earlier, see the rule's Compare With), "
        "computed with the result.")
    is_growth = fields.Boolean(
        compute="_compute_is_growth",
        help="The KPI measures a growth against a baseline.")
    record_count = fields.Integer(compute="_compute_record_count")
    todo_count = fields.Integer(
        string="Still To Do", compute="_compute_todo",
        help="For KPIs with a \"to do\" side (key accounts not met yet, leads not answered "
        "yet): how many records are left to act on, as of now.")
    todo_label = fields.Char(compute="_compute_todo")
    profile_id = fields.Many2one(
        "kpi.profile", string="Profile", readonly=True, index="btree_not_null",
        help="The user's KPI profile when the result was computed.",
    )
    off_track_streak = fields.Integer(
        string="Off Track in a Row", readonly=True, aggregator="max",
        help="Number of consecutive evaluations, up to and including this one, in which this "
        "KPI was off track for this user (0 when it is not off track).",
    )
    history_ids = fields.Many2many(
        "kpi.result", string="History", compute="_compute_history_ids",
        help="The results of this KPI for this user over the last 90 days.")
    is_latest = fields.Boolean(
        string="Latest", compute="_compute_is_latest", search="_search_is_latest",
        help="The most recent result of this KPI for this user.",
    )
    period = fields.Selection(
        PERIOD_SELECTION, compute="_compute_period", search="_search_period",
        help="The shortest current calendar period (today, this week, month, quarter, year) "
        "containing the result's date.",
    )

    _rule_user_date_unique = models.Constraint(
        "UNIQUE(rule_id, user_id, date)", "There is one KPI result per rule, user and date."
    )

    @api.depends("rule_id.template_id.measure")
    def _compute_is_growth(self):
        growth = {key for key, m in measures.registry(self.env).items() if m.baseline_unit}
        for result in self:
            result.is_growth = result.rule_id.template_id.measure in growth

    @api.depends("record_ids")
    def _compute_record_count(self):
        for result in self:
            result.record_count = len(result.record_ids or [])

    def _todo(self):
        """The "to do" side of this result's measure (``measures.Todo``), else ``None``."""
        self.ensure_one()
        measure = measures.measure_of(self.env, self.rule_id.template_id.measure)
        return measure.todo if measure else None

    def _todo_records(self):
        """What is left to act on for this result, read with the caller's rights, or ``None``
        when the KPI has no "to do" side (see each measure's ``measures.Todo``):

        * key account coverage: the user's key accounts (active companies whose salesperson
          is the user, in the rule's company) that were not met in the result's window;
        * response time: the leads assigned in the window that are still open and that the
          user has not answered yet;
        * data completeness: the user's open opportunities (in the rule's company) that miss
          one of the rule's required fields, as of now.
        """
        self.ensure_one()
        todo = self._todo()
        if not todo or not self.env[todo.res_model].has_access("read"):
            return None  # no "to do" side, or not for a reader without access to its records
        counted = self.record_ids or []
        rule = self.rule_id.sudo()
        company_id = rule.company_id.id or None
        Model = self.env[todo.res_model]
        if todo.domain:
            return Model.search(todo.domain(self.user_id.id, company_id, counted))
        query = todo.query(self.user_id.id, company_id, counted, rule._measure_params())
        if query is None:
            return None
        for model, fnames in todo.flush:
            self.env[model].flush_model(fnames)
        self.env.cr.execute(query)
        return Model.search([("id", "in", [row[0] for row in self.env.cr.fetchall()])])

    def _todo_label_for(self, count):
        """"3 leads still to answer": the ``count`` records left to act on, named by the
        measure (``measures.Todo``), in the language of this environment."""
        todo = self._todo()
        if not todo:
            return False
        if count == 1:
            return str(todo.one)  # lazy: translated here, as _() would (``self.env``)
        return str(todo.many) % {"count": count}

    @api.depends("record_ids", "rule_id.template_id.measure")
    def _compute_todo(self):
        for result in self:
            todo = result._todo_records() if result.id else None
            result.todo_count = len(todo) if todo is not None else 0
            result.todo_label = (result._todo_label_for(len(todo))
                                 if todo is not None else False)

    def action_open_todo(self):
        """Open what is left to act on (see :meth:`_todo_records`)."""
        self.ensure_one()
        todo = self._todo_records()
        if todo is None:
            return False
        return {
            "type": "ir.actions.act_window",
            "name": _("%(kpi)s: %(todo)s", kpi=self.rule_id.name,
                      todo=self._todo_label_for(len(todo))),
            "res_model": todo._name,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", todo.ids)],
            "context": {"create": False},
        }

    @api.depends("baseline")
    def _compute_value_display(self):
        return super()._compute_value_display()

    def _figures_baseline(self):
        return self.baseline

    @api.depends("rule_id", "user_id", "date")
    def _compute_history_ids(self):
        """The results of the same KPI and user over the :data:`HISTORY_DAYS` days up to this
        one, newest first (read with the caller's rights)."""
        for result in self:
            if not result.id:
                result.history_ids = False
                continue
            result.history_ids = self.search([
                ("rule_id", "=", result.rule_id.id), ("user_id", "=", result.user_id.id),
                ("date", "<=", result.date),
                ("date", ">", result.date - datetime.timedelta(days=HISTORY_DAYS)),
            ])

    # --------------------------------------------------------- the latest results
    @api.model_create_multi
    def create(self, vals_list):
        results = super().create(vals_list)
        self.env["kpi.result.latest"]._rebuild(results._latest_pairs())
        return results

    def write(self, vals):
        pairs = self._latest_pairs() if {"rule_id", "user_id", "date"} & set(vals) else None
        result = super().write(vals)
        if pairs is not None:
            self.env["kpi.result.latest"]._rebuild(pairs | self._latest_pairs())
        return result

    def unlink(self):
        pairs = self._latest_pairs()
        result = super().unlink()
        self.env["kpi.result.latest"]._rebuild(pairs)
        return result

    def _latest_pairs(self):
        """The (rule, user) pairs of these results, whose latest result they may change."""
        return {(result.rule_id.id, result.user_id.id) for result in self}

    def _latest_ids_query(self):
        """SQL of the ids of the latest result of every (rule, user) pair (none older than
        :data:`LATEST_HORIZON_DAYS` days before the newest result: users who left), from
        ``kpi.result.latest``."""
        self.flush_model(["rule_id", "user_id", "date"])
        return SQL(
            """SELECT result_id AS id FROM kpi_result_latest
                WHERE date >= (SELECT max(date) FROM kpi_result) - %s""",
            LATEST_HORIZON_DAYS,
        )

    def _compute_is_latest(self):
        latest = set()
        if self.ids:
            self.env.cr.execute(SQL("SELECT id FROM (%s) l WHERE id = ANY(%s)",
                                    self._latest_ids_query(), self.ids))
            latest = {row[0] for row in self.env.cr.fetchall()}
        for result in self:
            result.is_latest = result.id in latest

    def _search_is_latest(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        positive = (True in value) == (operator == "in")
        return Domain("id", "in" if positive else "not in", self._latest_ids_query())

    def _compute_period(self):
        today = fields.Date.context_today(self)
        for result in self:
            result.period = next(
                (p for p in calendar.PERIODS if result.date
                 and calendar.period_bounds(today, p)[0] <= result.date
                 <= calendar.period_bounds(today, p)[1]),
                False,
            )

    def _search_period(self, operator, value):
        if operator != "in" or len(value) != 1 or next(iter(value)) not in calendar.PERIODS:
            return NotImplemented
        start, end = calendar.period_bounds(fields.Date.context_today(self), next(iter(value)))
        return Domain("date", ">=", start) & Domain("date", "<=", end)

    def _counted_records_title(self):
        model_name = self.env["ir.model"]._get(self.res_model).name if self.res_model else ""
        return _("%(kpi)s: %(model)s counted on %(date)s",
                 kpi=self.rule_id.name, model=model_name, date=format_date(self.env, self.date))

    # ------------------------------------------------------------------ readers
    @api.model
    def _latest_of_query(self, domain):
        """SQL of the ids of the latest result of each rule and user among the results matching
        ``domain`` that the current user may read (record rules apply)."""
        self.flush_model(["rule_id", "user_id", "date"])
        return SQL(
            """SELECT DISTINCT ON (r.rule_id, r.user_id) r.id FROM kpi_result r
                WHERE r.id IN %s ORDER BY r.rule_id, r.user_id, r.date DESC""",
            self._search(domain).subselect(),
        )

    @api.model
    def _latest_of(self, domain):
        """The latest result of each rule and user among the results matching ``domain`` that
        the current user may read (team reports: a result at the end of a period)."""
        return self.browse(row[0] for row in self.env.execute_query(self._latest_of_query(domain)))

    @api.model
    def _recorded_of_day(self, rule_id, day, user_ids):
        """``{user_id: RecordedDay(target, currency_id)}`` recorded by the results of
        ``rule_id`` on ``day`` for ``user_ids`` (those that recorded their membership): what
        a past day evaluated again keeps, its target and the currency its amounts were
        measured in (``None`` for a result stored without one). One query, none without
        users."""
        if not user_ids or not day:
            return {}
        self.flush_model(["rule_id", "user_id", "date", "target", "currency_id", "profile_id"])
        self.env.cr.execute(SQL(
            """SELECT user_id, target, currency_id FROM kpi_result
                WHERE rule_id = %s AND date = %s AND user_id = ANY(%s)
                  AND profile_id IS NOT NULL""", rule_id, day, list(user_ids)))
        return {user_id: RecordedDay(target, currency_id)
                for user_id, target, currency_id in self.env.cr.fetchall()}

    def _read_recorded(self, rule_ids, spans):
        """``{(rule_id, user_id): Recorded(pilot, target, date, currency_ids)}``: what the
        nightly results recorded of each rule for each user over their days ``spans``
        (``{user_id: (first, last)}``), the record a bonus sheet pays on instead of today's
        configuration:

        * ``pilot``: the mode of the rule for the user's team on the first of those days with a
          result (a KPI counts when it was live at the start of the employee's period, the
          sheet's convention), else on the latest day before them;
        * ``target``: the target in force on the last of those days with a result (an
          individual target set during the period applies to it), else on the latest day
          before them;
        * ``currency_ids``: the currencies the amounts were measured in on the first and the
          last of those days with a result (two when the user moved to a company in another
          currency during them), else on the latest day before them; results stored without
          a currency left out (the daily results of the days, ``_read_daily``, say the rest).

        A rule and user without any result up to the end of their days are missing: the caller
        falls back on the configuration and says so. ONE query, two lookups in the unique
        (rule, user, date) index per rule and user (the first result of their days, the last
        one up to their end): the history before them is never read (a quarter of 3,000 users
        x 20 rules over a year of results: 36 s when it was, issue 22).
        """
        recorded = {}
        if not rule_ids or not spans:
            return recorded
        self.flush_model(["rule_id", "user_id", "date", "target", "pilot", "currency_id"])
        users = sorted(spans)
        self.env.cr.execute(SQL(
            """SELECT ru.id, s.u, CASE WHEN f.date IS NOT NULL THEN f.pilot ELSE l.pilot END,
                      l.target, l.date, f.currency_id, l.currency_id
                 FROM unnest(%(u)s::int[], %(f)s::date[], %(t)s::date[]) AS s(u, f, t)
                CROSS JOIN unnest(%(rules)s::int[]) AS ru(id)
                 JOIN LATERAL (SELECT r.date, r.pilot, r.target, r.currency_id FROM kpi_result r
                                WHERE r.rule_id = ru.id AND r.user_id = s.u AND r.date <= s.t
                                ORDER BY r.date DESC LIMIT 1) l ON TRUE
                 LEFT JOIN LATERAL (SELECT r.date, r.pilot, r.currency_id FROM kpi_result r
                                     WHERE r.rule_id = ru.id AND r.user_id = s.u
                                       AND r.date >= s.f AND r.date <= s.t
                                     ORDER BY r.date LIMIT 1) f ON TRUE""",
            rules=list(rule_ids), u=users, f=[spans[u][0] for u in users],
            t=[spans[u][1] for u in users]))
        for rule_id, user_id, pilot, target, date, first_currency, last_currency \
                in self.env.cr.fetchall():
            # the first day's, then the last day's when another (dict: in order, once)
            currencies = tuple(dict.fromkeys(c for c in (first_currency, last_currency) if c))
            recorded[rule_id, user_id] = Recorded(bool(pilot), target or 0.0, date, currencies)
        return recorded

    def _read_daily(self, rule_ids, user_ids, date_from, date_to, latest=False):
        """``{(rule_id, user_id): [DailyResult]}``, oldest first (each with the currency it
        recorded, ``None`` when stored without one): the stored results of
        ``rule_ids`` x ``user_ids`` dated ``date_from .. date_to`` (both included), and with
        ``latest`` also the latest result of each rule and user whatever its date. ONE query
        (bonus sheets average the period; the estimate reads the period and the latest).

        Reads the table directly: callers decide who may see the figures.
        """
        daily = defaultdict(list)
        if not rule_ids or not user_ids:
            return daily
        self.flush_model(["rule_id", "user_id", "date", "value", "target", "score", "status",
                          "currency_id"])
        args = {"rules": list(rule_ids), "users": list(user_ids), "from": date_from,
                "to": date_to}
        query = SQL(
            """SELECT rule_id, user_id, date, value, target, score, status, currency_id
                 FROM kpi_result
                WHERE rule_id = ANY(%(rules)s) AND user_id = ANY(%(users)s)
                  AND date BETWEEN %(from)s AND %(to)s""", **args)
        if latest:
            # the latest result of each rule and user: kpi.result.latest
            query = SQL(
                """%s
                   UNION
                   SELECT r.rule_id, r.user_id, r.date, r.value, r.target, r.score, r.status,
                          r.currency_id
                     FROM kpi_result_latest l JOIN kpi_result r ON r.id = l.result_id
                    WHERE l.rule_id = ANY(%s) AND l.user_id = ANY(%s)""",
                query, args["rules"], args["users"])
        self.env.cr.execute(SQL("%s ORDER BY 1, 2, 3", query))
        for rule_id, user_id, day, value, target, score, status, currency_id \
                in self.env.cr.fetchall():
            daily[rule_id, user_id].append(DailyResult(
                day, value or 0.0, target or 0.0, score or 0.0,
                status != scoring.STATUS_NO_DATA, currency_id))
        return daily
