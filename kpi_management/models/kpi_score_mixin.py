from odoo import _, api, fields, models
from odoo.tools import formatLang

from ..tools import measures, scoring

STATUS_SELECTION = [
    (scoring.STATUS_REACHED, "Reached"),
    (scoring.STATUS_WARNING, "Warning"),
    (scoring.STATUS_OFF_TRACK, "Off Track"),
    (scoring.STATUS_NO_DATA, "No Data"),
]


def amount_company(company, user):
    """The company in whose currency a KPI's amounts are measured TODAY (see ``measures``,
    "Money in one currency"): the rule's ``company``, else (a rule of every company) ``user``'s
    main company. Its ``currency_id`` is the currency the engine measures new results in; a
    stored score shows and pays in the currency it recorded (``kpi.score.mixin.currency_id``),
    this only stands in where nothing was recorded."""
    return company or user.company_id


def format_kpi_figure(env, number, currency=None, signed=False):
    """A KPI's value or target in the reader's number format, with at most 2 decimals and
    none on whole numbers; an amount with ``currency``'s symbol where the currency puts it,
    without forcing its decimals on whole amounts (as the My KPIs cards show them:
    "$ 175,000"). ``signed``: a growth, with its sign in front ("+12", "−$ 5,000", "0")."""
    number = round(number or 0.0, 2)
    sign = ""
    if signed and number:
        sign, number = ("+" if number > 0 else "\N{MINUS SIGN}"), abs(number)
    text = formatLang(env, number, digits=0 if number == int(number) else 2)
    if currency:
        text = ("%s\N{NO-BREAK SPACE}%s" % (text, currency.symbol)
                if currency.position == "after"
                else "%s\N{NO-BREAK SPACE}%s" % (currency.symbol, text))
    return sign + text


def counted_records_action(name, res_model, record_ids):
    """The window action that opens exactly ``record_ids`` of ``res_model``, archived ones
    included, without a New button: "open the records counted" of a daily result, a period
    score or the rule preview."""
    return {
        "type": "ir.actions.act_window",
        "name": name,
        "res_model": res_model,
        "view_mode": "list,form",
        "views": [(False, "list"), (False, "form")],
        "domain": [("id", "in", record_ids or [])],
        "context": {"active_test": False, "create": False},
    }


def rule_screen_info(rule):
    """What My KPIs' cards and its Periods tab show of a rule, from ``rule``, a dict of the
    rule's fields read for the screen: its name and description, unit, currency, direction
    and place in the list."""
    return {
        "name": rule["name"],
        "description": rule["description"] or "",
        "unit": rule["unit"],
        "unit_label": rule["unit_label"] or "",
        "currency_id": rule["currency_id"],
        "direction": rule["direction"],
        "sequence": rule["sequence"],
    }


class KpiScoreMixin(models.AbstractModel):
    """A KPI's score for a user: what a daily result (``kpi.result``) and a period score
    (``kpi.period.result``) both store, how their value and target read, and the records they
    counted. Each model keeps its own table and columns; only the definitions are shared.

    A model that stores a growth's baseline returns it from :meth:`_figures_baseline`;
    a model that does not (the period score) shows the growth signed, without a baseline.
    """

    _name = "kpi.score.mixin"
    _description = "KPI Score"

    rule_id = fields.Many2one(
        "kpi.rule", string="KPI", required=True, ondelete="cascade", index=True, readonly=True
    )
    user_id = fields.Many2one(
        "res.users", string="User", required=True, ondelete="cascade", index=True, readonly=True
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", readonly=True, index="btree_not_null",
        help="The user's sales team when the result was computed.",
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    # recorded with the figures: a user who moves to a company in another currency keeps the
    # currency of the results measured before (no index: nothing searches by it, and each
    # index costs its share of every night's write, bench/RESULTS.md "Storage")
    currency_id = fields.Many2one(
        "res.currency", string="Currency", readonly=True, index=False,
        help="The currency the amounts (value, target, baseline) were measured in when the "
        "score was computed: that of the rule's company, else of the user's main company then.")
    # no aggregate of values or targets: a group mixes meetings, hours and revenue
    value = fields.Float(
        readonly=True, aggregator=None,
        help="Empty when there was nothing to measure (status No Data): averages skip it.")
    target = fields.Float(readonly=True, aggregator=None, help="The target as it was that day.")
    score = fields.Float(
        string="Score (%)", readonly=True, aggregator="avg",
        help="% of the target reached (inverse for lower-is-better KPIs), capped at 200%; "
        "empty when there was nothing to measure (status No Data).",
    )
    status = fields.Selection(STATUS_SELECTION, readonly=True)
    unit = fields.Selection(related="rule_id.unit")
    pilot = fields.Boolean(
        readonly=True,
        help="The KPI ran as a pilot for the user's team that day: shown, never counted (not "
        "for bonuses, reminders, team reports' totals or the overall score).")
    record_ids = fields.Json(readonly=True, help="The records that were counted.")
    res_model = fields.Char(readonly=True)
    computed_at = fields.Datetime(readonly=True)
    value_display = fields.Char(
        string="Value / Target", compute="_compute_value_display",
        help="The value against the target with the unit, e.g. 6 / 10 meetings.",
    )

    @api.depends("value", "target", "status", "rule_id.unit_label", "rule_id.unit",
                 "rule_id.template_id.measure", "currency_id", "company_id",
                 "user_id.company_id")
    def _compute_value_display(self):
        for score in self:
            score.value_display = score._figures_text()

    def _amount_currency(self):
        """The currency of this score's amounts (value, target, baseline), whatever its unit:
        the one it recorded when computed (``currency_id``); for a score stored without one,
        today's (:func:`amount_company`)."""
        self.ensure_one()
        return self.currency_id or amount_company(self.company_id, self.user_id).currency_id

    def _figures_baseline(self):
        """The baseline a growth is measured against, or ``None`` when the model does not
        store one (then the growth reads without it)."""
        return None

    def _figures_text(self):
        """"6 / 10 meetings": the value against the target with the unit, amounts in the
        currency they were measured in (:meth:`_amount_currency`, as Odoo shows monetary
        values); a growth signed, with its baseline when stored (:meth:`_figures_baseline`):
        "+12 / +20 %, baseline $ 410,000"."""
        self.ensure_one()
        env = self.env
        company_currency = self._amount_currency()
        currency = company_currency if self.rule_id.unit == "amount" else None
        measure = measures.measure_of(self.env, self.rule_id.template_id.measure)
        growth = bool(measure and measure.baseline_unit)
        value = (_("no data") if self.status == "no_data"
                 else format_kpi_figure(env, self.value, currency, signed=growth))
        text = " ".join(filter(None, [
            "%s / %s" % (value, format_kpi_figure(env, self.target, currency, signed=growth)),
            self.rule_id.unit_label,
        ]))
        baseline = self._figures_baseline() if growth else None
        if baseline is None:
            return text
        baseline = format_kpi_figure(
            env, baseline, company_currency if measure.baseline_unit == "amount" else None)
        return _("%(figures)s, baseline %(baseline)s", figures=text, baseline=baseline)

    def _counted_records_title(self):
        """The title of the window that opens the records counted (:meth:`action_open_records`)."""
        raise NotImplementedError

    def action_open_records(self):
        """Open exactly the records that were counted for this score."""
        self.ensure_one()
        return counted_records_action(self._counted_records_title(), self.res_model,
                                      self.record_ids)
