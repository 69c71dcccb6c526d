"""The roll-out of a KPI rule, team by team: from which day it runs as a pilot or live in a sales
team, who decided it and when.

The source material launches a KPI "in demo mode ... for several months" in some departments
before the whole company. A rule's own ``pilot`` flag is the mode of every team without a
roll-out step of its own (and of users without a team); each step here sets the mode of one
team from its date on. Steps are a history: they are added, never changed or removed, so the
mode of a team on any past day can be told. Each result stores the mode of its day
(``pilot``), computed in the nightly run from these steps: that record is what a bonus sheet
pays on (a rule counts when it was live on the employee's first day of the period), never the
steps or the rule's flag of today.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import scoring

MODE_SELECTION = [("pilot", "Pilot"), ("live", "Live")]


class KpiRuleRollout(models.Model):
    _name = "kpi.rule.rollout"
    _description = "KPI Rule Roll-out Step"
    _order = "date desc, id desc"
    _rec_name = "team_id"

    rule_id = fields.Many2one("kpi.rule", string="KPI Rule", required=True, index=True,
                              ondelete="cascade", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", required=True, index=True,
                              ondelete="cascade", readonly=True)
    mode = fields.Selection(MODE_SELECTION, required=True, readonly=True)
    date = fields.Date(
        string="From", required=True, readonly=True,
        help="The first day on which the rule runs in this mode for the team.")
    decided_uid = fields.Many2one("res.users", string="Decided By", required=True,
                                  readonly=True, ondelete="restrict")
    decided_date = fields.Datetime(string="Decided On", required=True, readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        """A step is added by :meth:`kpi.rule._set_team_mode` (the roll-out wizard), which
        records who and when; never backdated (the results computed before keep their mode).
        No context key lifts the check, whoever calls and however (``sudo()`` included)."""
        steps = self._create_steps(vals_list)
        steps._check_not_backdated()
        return steps

    def _load_records_create(self, vals_list):
        """The module's own data files may date a step in the past: the demo's roll-out
        history starts before the demo is installed. Data files are loaded as superuser
        through this private method (``_load_records``), which no RPC call can reach on a
        superuser environment: an import (``load()``) comes here too, but on the importing
        user's environment, and is checked as any other step. (The check used to be skipped
        on the ``install_mode`` context key, which any client can send with ``create``.)"""
        if not self.env.su:
            return super()._load_records_create(vals_list)
        return self._create_steps(vals_list)

    def _create_steps(self, vals_list):
        """Create the steps, with who decided them and when (never taken from the caller)."""
        now = fields.Datetime.now()
        for vals in vals_list:
            vals["decided_uid"] = self.env.uid
            vals["decided_date"] = now
        return super().create(vals_list)

    def _check_not_backdated(self):
        """Refuse a step starting before today, today in the timezone of the user who decides
        it (from the user, not from the context, which a client may set to any timezone to
        move "today" back by a day). Run on the created steps: a date given by a
        ``default_date`` in the context is checked too."""
        today = scoring.local_today(self.env.user.tz, fields.Datetime.now())
        if any(step.date < today for step in self):
            raise ValidationError(_(
                "A roll-out step cannot start in the past: the results already computed "
                "keep the mode they had that day."))

    def write(self, vals):
        raise UserError(_("The roll-out history of a KPI rule cannot be changed: add a new "
                          "step instead."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("The roll-out history of a KPI rule cannot be deleted: add a new "
                          "step instead."))

    @api.model
    def _mode_sql(self, rule_id, team_sql, day_sql, default_pilot):
        """SQL: whether rule ``rule_id`` is a pilot for team ``team_sql`` on day ``day_sql``:
        its latest roll-out step for the team from that day or before, else the rule's own
        ``default_pilot`` (a user without a team included)."""
        return SQL(
            """COALESCE((SELECT ro.mode = 'pilot' FROM kpi_rule_rollout ro
                          WHERE ro.rule_id = %s AND ro.team_id = %s AND ro.date <= %s
                          ORDER BY ro.date DESC, ro.id DESC LIMIT 1), %s)""",
            rule_id, team_sql, day_sql, default_pilot)
