from odoo import Command, _, api, fields, models


class KpiBonusPreview(models.TransientModel):
    """"My Bonus Estimate": what the current user is on track for, per KPI (an estimate).

    A thin view of ``kpi.bonus.scheme.get_bonus_preview()``.
    """

    _name = "kpi.bonus.preview"
    _description = "My Bonus Estimate"

    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    scheme_id = fields.Many2one("kpi.bonus.scheme", readonly=True)
    date = fields.Date(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    base_amount = fields.Monetary(readonly=True)
    total_score = fields.Float(string="Weighted Score (%)", readonly=True)
    payout_percent = fields.Float(string="Payout (%)", readonly=True)
    amount = fields.Monetary(string="Estimated Bonus", readonly=True)
    line_ids = fields.One2many("kpi.bonus.preview.line", "preview_id", readonly=True)
    message = fields.Char(readonly=True)

    @api.model
    def action_open_my_estimate(self):
        previews = self.env["kpi.bonus.scheme"].get_bonus_preview()
        vals = {"message": _("You are not on a bonus scheme.")}
        if previews:
            preview = previews[0]
            vals = {
                "scheme_id": preview["scheme_id"],
                "date": preview["date"],
                "currency_id": preview["currency"]["id"],
                "base_amount": preview["base_amount"],
                "total_score": preview["total_score"],
                "payout_percent": preview["payout_percent"],
                "amount": preview["amount"],
                "message": _("Estimate from your latest KPI results: the bonus paid is the one "
                             "of the approved sheet for the period."),
                "line_ids": [Command.create({
                    "name": line["name"],
                    "rule_id": line["rule_id"],
                    "value": line["value"],
                    "target": line["target"],
                    "score": line["score"],
                    "weight": line["weight"],
                    "contribution": line["contribution"],
                    "amount": line["amount"],
                    "counts": line["counts"],
                    "hint": line["hint"]["text"] if line["hint"] else False,
                }) for line in preview["lines"]],
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


class KpiBonusPreviewLine(models.TransientModel):
    _name = "kpi.bonus.preview.line"
    _description = "My Bonus Estimate Line"

    preview_id = fields.Many2one("kpi.bonus.preview", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="preview_id.currency_id")
    name = fields.Char(string="KPI")
    rule_id = fields.Many2one("kpi.rule")
    value = fields.Float()
    target = fields.Float()
    score = fields.Float(string="Score (%)")
    weight = fields.Float(string="Weight (%)")
    contribution = fields.Float(string="Points")
    amount = fields.Monetary(string="Estimated Share")
    counts = fields.Boolean(string="Counted")
    hint = fields.Char(string="What Would Change It")
