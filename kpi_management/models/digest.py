from odoo import _, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import scoring
from ..tools.groups import MANAGER_GROUP

#: the digest KPIs open Team KPIs
DIGEST_ACTION = "kpi_management.kpi_result_action_team"


class DigestDigest(models.Model):
    """The KPI figures of the digest's company and timeframe, computed as the recipient (the
    digest does so: their record rules apply, a KPI administrator sees the whole company, a
    team manager the teams they lead). Pilot KPIs never count."""

    _inherit = "digest.digest"

    kpi_kpi_average_score = fields.Boolean("KPI Average Score")
    kpi_kpi_average_score_value = fields.Float(
        string="KPI Average Score Value", compute="_compute_kpi_kpi_average_score_value")
    kpi_kpi_off_track = fields.Boolean("People Off Track")
    kpi_kpi_off_track_value = fields.Integer(
        string="People Off Track Value", compute="_compute_kpi_kpi_off_track_value")

    def _check_kpi_digest_access(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Do not have access, skip this data for user's digest email"))

    def _kpi_digest_domain(self, company):
        """The counted results of ``company`` dated in the digest's timeframe: a result of a
        rule without company belongs to its user's company."""
        start, end, __ = self._get_kpi_compute_parameters()
        return Domain.AND([
            [("date", ">=", fields.Date.to_date(start)), ("date", "<", fields.Date.to_date(end)),
             ("pilot", "=", False)],
            Domain("company_id", "=", company.id)
            | (Domain("company_id", "=", False) & Domain("user_id.company_id", "=", company.id)),
        ])

    def _compute_kpi_kpi_average_score_value(self):
        """Average score of the counted results of the timeframe (every evaluation of every
        KPI and person; nothing to measure is skipped)."""
        self._check_kpi_digest_access()
        Result = self.env["kpi.result"]
        for digest in self:
            domain = digest._kpi_digest_domain(digest.company_id or self.env.company)
            [(average,)] = Result._read_group(domain & Domain("status", "!=", scoring.STATUS_NO_DATA),
                                              aggregates=["score:avg"])
            digest.kpi_kpi_average_score_value = average or 0.0

    def _compute_kpi_kpi_off_track_value(self):
        """Number of people with a counted KPI off track at the end of the timeframe (their
        latest result of the KPI in it)."""
        self._check_kpi_digest_access()
        Result = self.env["kpi.result"]
        for digest in self:
            domain = digest._kpi_digest_domain(digest.company_id or self.env.company)
            [(count,)] = self.env.execute_query(SQL(
                """SELECT count(DISTINCT r.user_id) FROM kpi_result r
                    WHERE r.id IN (%s) AND r.status = %s""",
                Result._latest_of_query(domain), scoring.STATUS_OFF_TRACK,
            ))
            digest.kpi_kpi_off_track_value = count

    def _compute_kpis_actions(self, company, user):
        res = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("kpi_management.kpi_menu_root").id
        res["kpi_kpi_average_score"] = "%s?menu_id=%s" % (DIGEST_ACTION, menu)
        res["kpi_kpi_off_track"] = "%s?menu_id=%s" % (DIGEST_ACTION, menu)
        return res
