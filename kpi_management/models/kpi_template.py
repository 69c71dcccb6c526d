import ast

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, formatLang

from ..tools import measures
from ..tools.scoring import (
    DIRECTION_HIGHER,
    DIRECTION_LOWER,
    MAX_TARGET,
    MAX_WINDOW_DAYS,
    WINDOW_FUTURE,
    WINDOW_PAST,
    WINDOW_SNAPSHOT,
    target_in_range,
)

DIRECTION_SELECTION = [
    (DIRECTION_HIGHER, "Higher is better"),
    (DIRECTION_LOWER, "Lower is better"),
]

#: the template's measure: the built-in measures of the registry, in its order, with their
#: labels (``measures.Measure.label``), and the custom measure defined on the template
MEASURE_SELECTION = [
    *((measure.key, measure.label) for measure in measures.BUILTIN_MEASURES.values()),
    ("custom", "Custom: count or sum over a model"),
]

#: the fields that define what a custom template measures: whoever changes one of them is the
#: user whose access rights the measure runs with (``definition_uid``)
DEFINITION_FIELDS = ("measure", "model_id", "domain", "aggregate", "field_id", "user_field_id",
                     "date_field_id")


class KpiTemplate(models.Model):
    _name = "kpi.template"
    _description = "KPI Template"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Unique technical key of the template, e.g. meetings_planned.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    measure = fields.Selection(
        MEASURE_SELECTION,
        required=True,
        default="custom",
        help="What is measured. Built-in measures are set-based SQL shipped with the module; "
        "custom measures count or sum the records of a model matching a domain.",
    )
    is_builtin = fields.Boolean(compute="_compute_is_builtin")
    model_id = fields.Many2one(
        "ir.model",
        string="Source Model",
        ondelete="cascade",
        domain=[("transient", "=", False)],
        help="The records the KPI is computed from.",
    )
    model_name = fields.Char(related="model_id.model", string="Source Model Name")
    domain = fields.Char(
        default="[]",
        help="Records to consider (custom templates), e.g. [('type', '=', 'opportunity')].",
    )
    aggregate = fields.Selection(
        [("count", "Count"), ("sum", "Sum")],
        default="count",
        required=True,
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        string="Summed Field",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('integer', 'float', 'monetary'))]",
    )
    user_field_id = fields.Many2one(
        "ir.model.fields",
        string="User Field",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), ('relation', '=', 'res.users')]",
        help="The field that tells whose record it is, e.g. Salesperson.",
    )
    date_field_id = fields.Many2one(
        "ir.model.fields",
        string="Date Field",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('date', 'datetime'))]",
        help="The date compared with the rule's window.",
    )
    unit = fields.Selection(
        [("count", "Count"), ("amount", "Amount"), ("percent", "Percent"), ("hours", "Hours")],
        required=True,
        default="count",
    )
    unit_label = fields.Char(
        translate=True,
        help="Shown after the figures, e.g. 'meetings' in '6 / 10 meetings'.",
    )
    window_kind = fields.Selection(
        [
            (WINDOW_PAST, "Past days"),
            (WINDOW_FUTURE, "Next days"),
            (WINDOW_SNAPSHOT, "Current state (no window)"),
        ],
        string="Window",
        required=True,
        default=WINDOW_PAST,
        help="Past: the N full days before the evaluation day. Next: the evaluation day and the "
        "N-1 days after it. Current state: the records as they are on the evaluation day.",
    )
    default_window_days = fields.Integer(string="Default Window (days)", default=30)
    default_direction = fields.Selection(
        DIRECTION_SELECTION,
        required=True,
        default=DIRECTION_HIGHER,
    )
    default_target = fields.Float()
    rule_ids = fields.One2many("kpi.rule", "template_id", string="Rules")
    definition_uid = fields.Many2one(
        "res.users", string="Measured As", readonly=True, ondelete="set null",
        help="Who last defined what this template measures (model, domain, aggregate, fields). "
        "A custom measure counts only the records this user can read: their access rights and "
        "record rules apply, also in the nightly evaluation.",
    )

    _code_unique = models.Constraint("UNIQUE(code)", "A template with this code already exists.")

    @api.depends("measure")
    def _compute_is_builtin(self):
        for template in self:
            template.is_builtin = template.measure != "custom"

    @api.constrains("default_window_days", "window_kind")
    def _check_default_window_days(self):
        for template in self:
            if template.default_window_days > MAX_WINDOW_DAYS:
                raise ValidationError(
                    _("The default window of template %(name)s cannot be longer than %(max)s "
                      "days.", name=template.name, max=MAX_WINDOW_DAYS)
                )
            if template.window_kind != WINDOW_SNAPSHOT and template.default_window_days <= 0:
                raise ValidationError(
                    _("The default window of template %(name)s must be at least 1 day.",
                      name=template.name)
                )

    @api.constrains("measure", "window_kind")
    def _check_measure_window(self):
        """A measure defined for one kind of window (a growth compares past windows, the
        completeness of the CRM data is a current state) refuses the others."""
        labels = dict(self._fields["window_kind"]._description_selection(self.env))
        for template in self:
            measure = measures.measure_of(self.env, template.measure)
            if measure and measure.window_kind and template.window_kind != measure.window_kind:
                raise ValidationError(
                    _("The window of template %(name)s must be \"%(kind)s\" for what it measures.",
                      name=template.name, kind=labels[measure.window_kind]))

    @api.constrains("default_target")
    def _check_default_target(self):
        for template in self:
            if not target_in_range(template.default_target):
                raise ValidationError(
                    _("The default target of template %(name)s must be a finite number of at "
                      "most %(max)s.",
                      name=template.name, max=formatLang(self.env, MAX_TARGET, digits=0))
                )

    @api.constrains("measure", "model_id", "domain", "aggregate", "field_id",
                    "user_field_id", "date_field_id")
    def _check_custom_definition(self):
        for template in self.filtered(lambda t: t.measure == "custom"):
            template._validate_custom_definition()

    # ------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        defaults = self.default_get(["code"]) if any(
            "code" not in vals for vals in vals_list) else {}
        for vals in vals_list:
            self._check_code_given(vals.get("code", defaults.get("code")))
        return super().create([dict(vals, definition_uid=self.env.uid) for vals in vals_list])

    def write(self, vals):
        if "code" in vals:
            self._check_code_given(vals["code"])
        vals = dict(vals)
        vals.pop("definition_uid", None)  # set here only, never given
        if any(name in vals for name in DEFINITION_FIELDS):
            vals["definition_uid"] = self.env.uid
        return super().write(vals)

    # ------------------------------------------------------------ constraints
    @api.model
    def _check_code_given(self, code):
        """A clear message before the INSERT or UPDATE, instead of the database's NOT NULL
        error (e.g. a template created from a rule's Template field by its name only)."""
        if not (code or "").strip():
            raise ValidationError(_("A KPI template needs a code: a unique technical key, "
                                    "e.g. meetings_planned."))

    def _validate_custom_definition(self):
        self.ensure_one()
        if not self.model_id:
            raise ValidationError(_("Custom template %s needs a source model.", self.name))
        model_name = self.model_id.model
        if model_name not in self.env:
            raise ValidationError(_("Model %s is not installed.", model_name))
        if not self.env[model_name].with_user(self.env.uid).has_access("read"):
            # nobody may measure a model they cannot read (evaluation applies the record rules
            # of ``definition_uid``, see ``_custom_measure_query``)
            raise ValidationError(
                _("You cannot build a KPI on %s: you are not allowed to read its records.",
                  self.model_id.name))
        for fld, label, types in (
            (self.user_field_id, _("user field"), ("many2one",)),
            (self.date_field_id, _("date field"), ("date", "datetime")),
        ):
            if not fld:
                raise ValidationError(
                    _("Custom template %(name)s needs a %(label)s.", name=self.name, label=label))
            if fld.model_id != self.model_id or fld.ttype not in types:
                raise ValidationError(
                    _("The %(label)s %(field)s does not belong to %(model)s or has the wrong type.",
                      label=label, field=fld.name, model=model_name))
        if self.user_field_id.relation != "res.users":
            raise ValidationError(
                _("The user field %s must point to users (res.users).", self.user_field_id.name))
        if self.aggregate == "sum":
            if not self.field_id:
                raise ValidationError(_("A sum needs a field to add up."))
            if self.field_id.model_id != self.model_id or self.field_id.ttype not in (
                "integer", "float", "monetary"
            ):
                raise ValidationError(
                    _("The summed field %s must be a number field of %s.",
                      self.field_id.name, model_name))
        for fld in (self.user_field_id, self.date_field_id, self.field_id):
            if fld and not self.env[model_name]._fields[fld.name].store:
                raise ValidationError(_("Field %s is not stored and cannot be measured.", fld.name))
        self._parse_domain()

    def _parse_domain(self):
        """The custom domain as a list, checked against the model (never evaluated as code)."""
        self.ensure_one()
        try:
            domain = ast.literal_eval(self.domain or "[]")
            if not isinstance(domain, (list, tuple)):
                raise ValueError(domain)
            self.env[self.model_id.model].sudo()._search(domain)
        except Exception as exc:  # noqa: BLE001 - any parse or field error is bad input
            raise ValidationError(
                _("The domain of template %(name)s is not valid: %(domain)s (%(error)s)",
                  name=self.name, domain=self.domain, error=exc)
            ) from exc
        return list(domain)

    # ------------------------------------------------------------------ engine
    @api.model
    def _measure_registry(self):
        """``{key: measures.Measure}``: the built-in measures of this database. A bridge
        addon adds its own (``{**super()._measure_registry(), **ITS_MEASURES}``) with their
        keys in the ``measure`` selection (``selection_add``)."""
        return measures.BUILTIN_MEASURES

    def _get_measure_query(self, ctx):
        """The SQL of this template's measure for the windows of ``ctx``."""
        self.ensure_one()
        if self.measure != "custom":
            return self._measure_registry()[self.measure].build(ctx)
        return self._custom_measure_query(ctx)

    def _measured_model(self):
        """The custom template's model as its author (``definition_uid``, else its last writer:
        a template defined before the field existed), with all of the author's companies."""
        self.ensure_one()
        author = (self.definition_uid or self.write_uid).sudo()
        if not author:  # with_user() of nobody would keep the caller's (superuser's) rights
            raise UserError(_("Template %s does not say whose access rights it is measured "
                              "with: save its definition again.", self.name))
        companies = author.company_id | author.company_ids  # the main company first
        context = dict(self.env.context, allowed_company_ids=companies.ids)
        Model = self.env[self.model_id.model].with_user(author).with_context(context)
        if not Model.has_access("read"):
            raise UserError(_(
                "Template %(name)s measures what %(user)s can read, and %(user)s can no longer "
                "read %(model)s: save the template's definition again as a user who can.",
                name=self.name, user=author.name, model=self.model_id.name))
        return Model

    def _get_res_model(self):
        self.ensure_one()
        if self.measure != "custom":
            return self._measure_registry()[self.measure].res_model
        return self.model_id.model

    def _custom_measure_query(self, ctx):
        """Count or sum over the custom domain, one query for all users of ``ctx``.

        Only the records the template's author (``definition_uid``) can read are measured:
        the query is built with their access rights and record rules, whoever evaluates (the
        nightly job runs as superuser).
        """
        Model = self._measured_model()
        domain = self._parse_domain()
        if ctx.company_id and "company_id" in Model._fields and Model._fields["company_id"].store:
            domain = ["&", "|", ("company_id", "=", ctx.company_id), ("company_id", "=", False),
                      *(domain or [("id", "!=", 0)])]
        user_ids = [w.user_id for w in ctx.windows]
        domain = list(domain) + [(self.user_field_id.name, "in", user_ids)]
        query = Model._search(domain)
        table = query.table
        date_col = SQL.identifier(table, self.date_field_id.name)
        if self.date_field_id.ttype == "date":
            lower, upper = SQL("w.day_from"), SQL("w.day_to")
        else:
            lower, upper = SQL("w.utc_from"), SQL("w.utc_to")
        value_col = (
            SQL("COALESCE(%s, 0)", SQL.identifier(table, self.field_id.name))
            if self.aggregate == "sum" else SQL("1")
        )
        records = query.select(
            SQL("%s AS id", SQL.identifier(table, "id")),
            SQL("%s AS user_id", SQL.identifier(table, self.user_field_id.name)),
            SQL("%s AS date", date_col),
            SQL("%s AS value", value_col),
        )
        window_filter = (
            SQL("TRUE") if self.window_kind == WINDOW_SNAPSHOT
            else SQL("r.date >= %s AND r.date < %s", lower, upper)
        )
        return SQL(
            """%s
            SELECT w.user_id, sum(r.value)::float, array_agg(r.id ORDER BY r.id)
              FROM win w JOIN (%s) r ON r.user_id = w.user_id AND %s
             GROUP BY w.user_id""",
            measures.windows_cte(ctx.windows), records, window_filter,
        )
