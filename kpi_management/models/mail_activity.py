"""Activities: the exact time an activity was done.

Odoo 19 keeps a done activity: *Done* posts a message on its record and archives the activity
(``active`` False), and ``date_done`` keeps the day it was done. That day is a date taken in
UTC (``fields.Datetime.now()`` stored in a date field): a call made at 00:30 in Copenhagen is
dated the day before, one made at 15:00 in Honolulu the day after. The *Calls made* KPI
(``measures.done_activities``) compares activities with windows that start at the user's
local midnight, so it needs the time: ``kpi_date_done`` is set exactly as Odoo sets
``date_done`` (when the activity is archived, kept when it is archived again, cleared when it
is restored), but as a date and time.

Activities done before the field existed (installing the module into a database with done
activities, or upgrading from a version without it) are filled in one statement when the column
is created: their last write when it was on their done day (the archive itself, almost always),
else noon UTC of their done day, which is that day in every timezone from UTC-11 to UTC+11.
"""

from odoo import api, fields, models
from odoo.tools import SQL, sql


class MailActivity(models.Model):
    _inherit = "mail.activity"

    kpi_date_done = fields.Datetime(
        string="Done At", compute="_compute_kpi_date_done", store=True, readonly=True,
        copy=False,
        help="When the activity was marked done (archived); the KPIs of done activities "
        "count it at this time, in the user's timezone.",
    )

    @api.depends("active")
    def _compute_kpi_date_done(self):
        now = fields.Datetime.now()
        for activity in self:
            if activity.active:
                activity.kpi_date_done = False
            elif not activity.kpi_date_done:  # keep the first time when archived again
                activity.kpi_date_done = now

    def _auto_init(self):
        """Create and fill the column before the ORM sees it: it would otherwise compute the
        field for every existing activity, dating all the old done ones now."""
        if not sql.column_exists(self.env.cr, self._table, "kpi_date_done"):
            sql.create_column(self.env.cr, self._table, "kpi_date_done", "timestamp")
            self._kpi_fill_date_done()
        return super()._auto_init()

    @api.model
    def _kpi_fill_date_done(self):
        """Set-based: every done activity without a done time gets the best time known."""
        self.env.cr.execute(SQL(
            """UPDATE mail_activity
                  SET kpi_date_done = CASE WHEN write_date::date = date_done THEN write_date
                                           ELSE date_done + time '12:00' END
                WHERE NOT active AND date_done IS NOT NULL AND kpi_date_done IS NULL"""
        ))
        self.invalidate_model(["kpi_date_done"])
