from odoo import Command, _, api, fields, models


class KpiBonusPreview(models.TransientModel):
    """"My Bonus Estimate": what the current user is on course for on each of their bonus
    schemes, per KPI (an estimate).

    A thin view of ``kpi.bonus.scheme.get_bonus_preview()``: one row per scheme, then the KPIs
    of every scheme.
    """

    _name = "kpi.bonus.preview"
    _description = "My Bonus Estimate"

    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    date = fields.Date(string="Estimated On", readonly=True)
    scheme_count = fields.Integer(readonly=True)
    estimate_ids = fields.One2many("kpi.bonus.preview.scheme", "preview_id", string="Schemes",
                                   readonly=True)
    line_ids = fields.One2many("kpi.bonus.preview.line", "preview_id", readonly=True)
    message = fields.Char(readonly=True)

    @api.depends("user_id")
    def _compute_display_name(self):
        for preview in self:
            preview.display_name = _("My Bonus Estimate")

    @api.model
    def action_open_my_estimate(self):
        previews = self.env["kpi.bonus.scheme"].get_bonus_preview()
        vals = {"message": _("You are not on a bonus scheme.")}
        if previews:
            vals = {
                "date": previews[0]["date"],
                "scheme_count": len(previews),
                "message": _("The sheet of the period computed early, from your KPIs so far, "
                             "and its forecast at the period's end: the bonus paid is the one "
                             "of the approved sheet."),
                "estimate_ids": [Command.create({
                    "scheme_id": preview["scheme_id"],
                    "period_start": preview["period_start"],
                    "period_end": preview["period_end"],
                    "currency_id": preview["currency"]["id"],
                    "base_amount": preview["base_amount"],
                    "total_score": preview["total_score"],
                    "payout_percent": preview["payout_percent"],
                    "amount": preview["amount"],
                    "forecast_total_score": preview["forecast"]["total_score"],
                    "forecast_amount": preview["forecast"]["amount"],
                }) for preview in previews],
                "line_ids": [Command.create({
                    "scheme_id": preview["scheme_id"],
                    "currency_id": preview["currency"]["id"],
                    "name": line["name"],
                    "rule_id": line["rule_id"],
                    "value": line["value"] or 0.0,
                    "target": line["target"],
                    "score": line["score"] or 0.0,
                    "state": "no_data" if line["no_data"] else (
                        "not_assessed" if not line["assessed"] else "measured"),
                    "weight": line["weight"],
                    "weight_used": line["weight_used"],
                    "contribution": line["contribution"],
                    "amount": line["amount"],
                    "counts": line["counts"],
                    "hint": line["hint"]["text"] if line["hint"] else False,
                }) for preview in previews for line in preview["lines"]],
            }
        wizard = self.create(vals)
        return {
            "type": "ir.actions.act_window",
            "name": _("My Bonus Estimate"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }


class KpiBonusPreviewScheme(models.TransientModel):
    _name = "kpi.bonus.preview.scheme"
    _description = "My Bonus Estimate: Scheme"

    preview_id = fields.Many2one("kpi.bonus.preview", required=True, ondelete="cascade")
    scheme_id = fields.Many2one("kpi.bonus.scheme", string="Scheme")
    period_start = fields.Date(string="Period From")
    period_end = fields.Date(string="Period To")
    currency_id = fields.Many2one("res.currency")
    base_amount = fields.Monetary()
    total_score = fields.Float(string="Weighted Score (%)")
    payout_percent = fields.Float(string="Payout (%)")
    amount = fields.Monetary(string="Estimated Bonus")
    forecast_total_score = fields.Float(string="Forecast Score (%)")
    forecast_amount = fields.Monetary(string="Forecast at Period End")


class KpiBonusPreviewLine(models.TransientModel):
    _name = "kpi.bonus.preview.line"
    _description = "My Bonus Estimate Line"

    preview_id = fields.Many2one("kpi.bonus.preview", required=True, ondelete="cascade")
    scheme_id = fields.Many2one("kpi.bonus.scheme", string="Scheme")
    currency_id = fields.Many2one("res.currency")
    name = fields.Char(string="KPI")
    rule_id = fields.Many2one("kpi.rule")
    value = fields.Float()
    target = fields.Float()
    score = fields.Float(string="Score (%)")
    state = fields.Selection(
        [("measured", "Measured"), ("no_data", "No data"),
         ("not_assessed", "Not assessed yet")],
        string="Status",
        help="No data: nothing to measure so far, its weight goes to the other KPIs. Not "
        "assessed yet: no assessment you may read on the period's sheet (counts as 0).")
    weight = fields.Float(string="Weight (%)")
    weight_used = fields.Float(string="Weight Used (%)")
    contribution = fields.Float(string="Points")
    amount = fields.Monetary(string="Estimated Share")
    counts = fields.Boolean(string="Counted")
    hint = fields.Char(string="What Would Change It")
