from odoo import api, fields, models
from odoo.tools import SQL


class KpiResultLatest(models.Model):
    """The latest result of each rule and user: what the Team KPIs' "Latest" filter and the
    demo read (``kpi.result.is_latest``). Kept by the writers of results: the nightly upsert
    (``kpi.rule._upsert_results``, in the same statement) and ``kpi.result``'s ``create``,
    ``write`` and ``unlink``.

    Finding the latest result among a year of daily results took a DISTINCT ON over the last
    31 days of every rule and user: 3.7 s for one team at 21.9 million results
    (bench/RESULTS.md, "Storage"); this table has one row per rule and user. A row of the
    results table itself (a flag) would have been updated on every previous result each
    night, one more version of a large row and of each of its indexes."""

    _name = "kpi.result.latest"
    _description = "Latest KPI Result"
    _log_access = False

    rule_id = fields.Many2one("kpi.rule", string="KPI", required=True, ondelete="cascade",
                              index=False)
    user_id = fields.Many2one("res.users", string="User", required=True, ondelete="cascade",
                              index=False)
    #: the id of the latest ``kpi.result``: a plain integer, not a foreign key (issue 22). The
    #: table is derived data that the writers of results keep (a result removed by the ORM
    #: rebuilds its pair; a rule or user removed takes its rows with it through ``rule_id``
    #: and ``user_id``). The key's check ran once per result written by the nightly upsert,
    #: and PostgreSQL kept the check's plan for the whole session: planned while
    #: ``kpi_result`` was empty (a new database's first night, the benchmark), a sequential
    #: scan, repeated for every result written as the table grew: the benchmark's rules of
    #: every template at 100 users went from 0.5 to 1.2 s with it (bench/RESULTS.md).
    result_id = fields.Integer(string="Result", required=True)
    date = fields.Date(required=True)

    _rule_user_unique = models.Constraint(
        "UNIQUE(rule_id, user_id)", "There is one latest result per KPI and user.")

    @api.model
    def _upsert_sql(self, rule_sql, rows_sql):
        """The statement that makes the results of ``rows_sql`` (a query with the columns
        ``id``, ``user_id`` and ``date`` of results of the rule ``rule_sql``) the latest of
        their rule and user, unless a later one is."""
        return SQL(
            """INSERT INTO kpi_result_latest (rule_id, user_id, result_id, date)
               SELECT %(rule)s, w.user_id, w.id, w.date FROM (%(rows)s) w
               ON CONFLICT (rule_id, user_id) DO UPDATE
                  SET result_id = EXCLUDED.result_id, date = EXCLUDED.date
                WHERE kpi_result_latest.date <= EXCLUDED.date""",
            rule=rule_sql, rows=rows_sql)

    @api.model
    def _rebuild(self, pairs):
        """Recompute the latest result of the ``(rule_id, user_id)`` pairs given (all of them
        when ``pairs`` is None) from the results: two queries."""
        self.env["kpi.result"].flush_model(["rule_id", "user_id", "date"])
        if pairs is None:
            where = SQL("TRUE")
        elif not pairs:
            return
        else:
            pairs = sorted(set(pairs))
            where = SQL("(rule_id, user_id) IN (SELECT * FROM unnest(%s::int[], %s::int[]))",
                        [rule_id for rule_id, _user in pairs], [user for _rule, user in pairs])
        self.env.cr.execute(SQL("DELETE FROM kpi_result_latest WHERE %s", where))
        self.env.cr.execute(SQL(
            """INSERT INTO kpi_result_latest (rule_id, user_id, result_id, date)
               SELECT DISTINCT ON (rule_id, user_id) rule_id, user_id, id, date
                 FROM kpi_result WHERE %s
                ORDER BY rule_id, user_id, date DESC""", where))
        self.invalidate_model()
