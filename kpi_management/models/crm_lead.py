"""Opportunities: the net profit of a deal and the date it was first won.

``kpi_date_won`` is what every won-based measure compares with its window (see ``measures``).
Odoo's ``date_closed`` is not: ``crm.lead.write`` sets it to now on any write with
``active=False`` or a probability of 100, so archiving and restoring a won deal would move it
into a later bonus period. The won date is set once, when a lead first becomes won
(``won_status`` turns ``won``, whatever the path: *Mark Won*, a write of the stage or the
probability, the creation of a lead in a won stage), and is never moved afterwards: not by
archiving or restoring, not by reopening the deal (won again later, it keeps the first date, so
a deal reopened after its bonus period was paid is not paid a second time), not when it is
lost afterwards.

The won date decides the bonus period a deal is paid in, so nobody but a KPI administrator
chooses it: a deal that becomes won is won *now*, whatever closing date a salesperson gave it
(creating or importing a lead in a won stage with a ``date_closed`` of last month, in the values
or as a context default; writing ``date_closed`` before *Mark Won*). Only a KPI administrator,
or the superuser (module data, an import run as superuser), keeps the closing date given in the
same call, e.g. to import the deals won before Odoo; and only they write ``kpi_date_won``
itself, a ``default_kpi_date_won`` of the context included. The decision is taken on the
caller's environment; the won date is then written as superuser. crm's merge carries neither
date (``date_closed`` is not merged): the merged deal keeps its own won date, or is won when it
is won.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, sql

from ..tools.groups import ADMIN_GROUP

#: the index Odoo names for ``kpi_date_won`` (the won-based measures read a range of it)
KPI_DATE_WON_INDEX = "crm_lead__kpi_date_won_index"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    cost_price = fields.Monetary(
        currency_field="company_currency",
        help="Cost price of the goods or services sold, without the extra costs.",
    )
    extra_cost_hours = fields.Float(
        string="Extra Hours",
        help="Hours spent by other departments for this deal (e.g. technical adaptations).",
    )
    extra_cost_hour_rate = fields.Monetary(
        string="Cost per Extra Hour", currency_field="company_currency"
    )
    extra_cost_other = fields.Monetary(string="Other Extra Costs", currency_field="company_currency")
    extra_costs = fields.Monetary(
        compute="_compute_net_profit",
        store=True,
        currency_field="company_currency",
        help="Extra hours x cost per hour + other extra costs.",
    )
    net_profit = fields.Monetary(
        compute="_compute_net_profit",
        store=True,
        currency_field="company_currency",
        help="Expected revenue - cost price - extra costs.",
    )
    kpi_date_won = fields.Datetime(
        string="Won On",
        readonly=True,
        copy=False,
        # only won deals have one: the index of the won-based measures leaves the others out
        index="btree_not_null",
        help="When the deal was first won. Archiving, restoring or reopening the deal does not "
        "move it (unlike the closing date); the KPIs of won deals count it on this date.",
    )

    @api.depends("expected_revenue", "cost_price", "extra_cost_hours", "extra_cost_hour_rate",
                 "extra_cost_other")
    def _compute_net_profit(self):
        for lead in self:
            lead.extra_costs = (
                lead.extra_cost_hours * lead.extra_cost_hour_rate + lead.extra_cost_other
            )
            lead.net_profit = lead.expected_revenue - lead.cost_price - lead.extra_costs

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def _auto_init(self):
        """Leads that exist when the won date's column is created (installing the module into a
        database with leads, or upgrading from a version without it) are filled in one
        statement: a won lead gets its closing date, the best date known for it."""
        new_column = not sql.column_exists(self.env.cr, self._table, "kpi_date_won")
        result = super()._auto_init()
        if new_column:
            self._kpi_fill_date_won()
        return result

    def init(self):
        """Before issue 22 the won date's index covered every lead (``index=True``): a database
        upgraded from then gets the partial index of :attr:`kpi_date_won` instead, which Odoo
        creates after ``init`` when it is missing (``Registry.check_indexes``; it keeps an
        existing index of the same name whatever its definition)."""
        super().init()
        definition, _comment = sql.index_definition(self.env.cr, KPI_DATE_WON_INDEX)
        if definition and " WHERE " not in definition:
            sql.drop_index(self.env.cr, KPI_DATE_WON_INDEX, self._table)

    @api.model_create_multi
    def create(self, vals_list):
        # a default (the context's, or a user's own ir.default) is written as if it were given
        if any("kpi_date_won" in vals for vals in vals_list) \
                or self.default_get(["kpi_date_won"]).get("kpi_date_won"):
            self._kpi_check_date_won_writer()
        leads = super().create(vals_list)
        # crm's create keeps a closing date given with the lead, else sets it to now
        leads._kpi_set_date_won(keep_date_closed=self._kpi_may_date_won())
        return leads

    def write(self, vals):
        if "kpi_date_won" in vals:
            self._kpi_check_date_won_writer()
        # asked before crm's write, which sets the closing date itself when a lead becomes won
        keep_date_closed = "date_closed" in vals and self._kpi_may_date_won()
        result = super().write(vals)
        if vals.keys() & set(self._fields["won_status"].get_depends(self)[0]):
            self._kpi_set_date_won(keep_date_closed=keep_date_closed)
        return result

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _kpi_may_date_won(self):
        """Whether the caller may choose the date a deal was won: a KPI administrator, or the
        superuser (module data, an import run as superuser). Asked on the caller's environment,
        before anything runs as superuser: ``sudo()`` is no permission to backdate a deal."""
        return self.env.su or self.env.user.has_group(ADMIN_GROUP)

    def _kpi_check_date_won_writer(self):
        """The won date decides the bonus period a deal is paid in: only KPI administrators
        set it by hand (the views show it read-only, RPC callers are checked here)."""
        if not self._kpi_may_date_won():
            raise AccessError(_("Only a KPI administrator may set the date a deal was won: it "
                                "decides the bonus period the deal counts in."))

    def _kpi_set_date_won(self, keep_date_closed=False):
        """Date the leads that are won and have no won date yet: now, or, with
        ``keep_date_closed`` (a caller who may choose the won date gave a closing date in the
        same call, see :meth:`_kpi_may_date_won`), their closing date, e.g. a deal won before
        it was imported. Written as superuser: the field is read-only for everybody else."""
        now = fields.Datetime.now()
        newly_won = self.filtered(lambda lead: lead.won_status == "won" and not lead.kpi_date_won)
        if not keep_date_closed:
            newly_won.sudo().kpi_date_won = now
            return
        for date_won, leads in newly_won.grouped(lambda lead: lead.date_closed or now).items():
            leads.sudo().kpi_date_won = date_won

    @api.model
    def _kpi_fill_date_won(self):
        """Set-based: every won lead without a won date gets its closing date."""
        self.env.cr.execute(SQL(
            "UPDATE crm_lead SET kpi_date_won = date_closed "
            "WHERE won_status = 'won' AND kpi_date_won IS NULL"
        ))
        self.invalidate_model(["kpi_date_won"])
