from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import bonus_math
from ..tools.groups import OFFICER_GROUP


class KpiBonusAssessment(models.Model):
    """A manual score (0-100%) given by one assessor to one employee on one manual KPI.

    Several people may assess the same person: the KPI's score is the average of their
    assessments, and the sheet keeps who gave what.
    """

    _name = "kpi.bonus.assessment"
    _description = "KPI Bonus Manual Assessment"
    _order = "sheet_id, user_id, scheme_line_id, id"

    sheet_id = fields.Many2one("kpi.bonus.sheet", required=True, ondelete="cascade", index=True)
    scheme_id = fields.Many2one(related="sheet_id.scheme_id")
    company_id = fields.Many2one(related="sheet_id.company_id", store=True)
    scheme_line_id = fields.Many2one(
        "kpi.bonus.scheme.line", string="KPI", required=True, ondelete="cascade",
        domain="[('scheme_id', '=', scheme_id), ('kind', '=', 'manual')]",
    )
    user_id = fields.Many2one("res.users", string="Employee", required=True, index=True,
                              ondelete="cascade")
    assessor_id = fields.Many2one("res.users", string="Assessor", required=True, index=True,
                                  default=lambda self: self.env.user, ondelete="restrict")
    score = fields.Float(string="Score (%)", required=True)
    comment = fields.Text()

    _unique = models.Constraint(
        "UNIQUE(sheet_id, scheme_line_id, user_id, assessor_id)",
        "An assessor gives one assessment per employee and KPI on a sheet.",
    )

    @api.constrains("score")
    def _check_score(self):
        for assessment in self:
            if not 0 <= assessment.score <= 100:
                raise ValidationError(
                    _("An assessment is a score from 0 to 100%%, not %s.", assessment.score))

    @api.constrains("user_id", "assessor_id")
    def _check_not_self(self):
        for assessment in self:
            if assessment.user_id == assessment.assessor_id:
                raise ValidationError(
                    _("%s cannot assess themselves: another manager or assessor must.",
                      assessment.user_id.name))

    @api.constrains("scheme_line_id", "sheet_id")
    def _check_line(self):
        for assessment in self:
            if (assessment.scheme_line_id.kind != bonus_math.KIND_MANUAL
                    or assessment.scheme_line_id.scheme_id != assessment.sheet_id.scheme_id):
                raise ValidationError(
                    _("%s is not a manual KPI of this sheet's scheme.",
                      assessment.scheme_line_id.name))

    @api.constrains("user_id", "sheet_id")
    def _check_employee(self):
        for assessment in self:
            if assessment.user_id not in assessment.sheet_id.sudo()._get_employees():
                raise ValidationError(
                    _("%(user)s is not an employee of bonus sheet %(sheet)s (a member of its "
                      "team holding a profile of its scheme).",
                      user=assessment.user_id.name, sheet=assessment.sheet_id.name))

    def _check_editable(self):
        self._check_editable_sheets(self.sheet_id)

    @api.model
    def _check_editable_sheets(self, sheets):
        if any(sheet.sudo().state != "draft" for sheet in sheets):
            raise UserError(_("Assessments of a bonus sheet that is submitted or approved "
                              "cannot be changed."))

    def _check_assessor(self):
        """Every assessment is signed by the user who enters it: the employee's team manager,
        a named assessor of the scheme, or a bonus officer, each in their own name only (HR
        corrects a score by an assessment of its own, never by signing for somebody else)."""
        if self.env.su:
            return
        officer = self.env.user.has_group(OFFICER_GROUP)
        for assessment in self:
            allowed = (assessment.sheet_id.sudo().team_id.user_id
                       | assessment.user_id.sudo().crm_team_ids.user_id
                       | assessment.sheet_id.scheme_id.sudo().assessor_ids)
            if assessment.assessor_id != self.env.user:
                raise AccessError(
                    _("An assessment is signed by the person who enters it: you cannot enter "
                      "or change one in the name of %s.", assessment.assessor_id.name))
            if not officer and self.env.user not in allowed:
                raise AccessError(
                    _("You are not allowed to assess %s: only the employee's manager, the "
                      "scheme's assessors and the bonus officers can, each in their own name.",
                      assessment.user_id.name))

    def _log_on_sheet(self, message):
        """Who withdrew whose assessment of which KPI, on the sheet's chatter, which every
        employee of the sheet reads (an internal note too): never the score, which stays in the
        assessments and their access rules."""
        for sheet, assessments in self.grouped("sheet_id").items():
            sheet.sudo().message_post(
                body=message % ", ".join(
                    "%s -> %s (%s)" % (a.assessor_id.name, a.user_id.name,
                                       a.scheme_line_id.name)
                    for a in assessments),
                subtype_xmlid="mail.mt_note", author_id=self.env.user.partner_id.id)

    @api.model_create_multi
    def create(self, vals_list):
        # refused at the point of entry, before anything is written
        self._check_editable_sheets(self.env["kpi.bonus.sheet"].browse(
            {vals["sheet_id"] for vals in vals_list if vals.get("sheet_id")}).exists())
        if not self.env.su:
            for vals in vals_list:
                if vals.get("assessor_id", self.env.uid) != self.env.uid:
                    raise AccessError(_("An assessment is signed by the person who enters it: "
                                        "leave the assessor empty or put yourself."))
                vals["assessor_id"] = self.env.uid
        assessments = super().create(vals_list)
        assessments._check_editable()
        assessments._check_assessor()
        # the last missing assessment closes the reminders of the sheet
        assessments.sheet_id._sync_activities()
        return assessments

    def write(self, vals):
        moved = [name for name in ("sheet_id", "user_id", "scheme_line_id", "assessor_id")
                 if name in vals and any(a[name].id != vals[name] for a in self)]
        if moved:
            raise UserError(_("An assessment cannot be moved to another sheet, employee, KPI or "
                              "assessor: delete it and create a new one."))
        self._check_editable()
        self._check_assessor()
        # who is assessed on what cannot change (refused above): no reminder to update
        return super().write(vals)

    def unlink(self):
        sheets = self.sheet_id
        res = super().unlink()
        # an employee no longer assessed: the reminders open again
        sheets.exists()._sync_activities()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_if_draft(self):
        self._check_editable()
        if self.env.su:
            return
        if not self.env.user.has_group(OFFICER_GROUP):
            self._check_assessor()
        # a bonus officer may withdraw somebody's assessment (it then no longer counts): the
        # sheet's chatter keeps who withdrew what
        others = self.filtered(lambda a: a.assessor_id != self.env.user)
        if others:
            others._log_on_sheet(_("Assessments withdrawn by %s: %%s", self.env.user.name))
