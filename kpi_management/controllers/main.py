from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import content_disposition, request


class KpiBonusController(http.Controller):
    @http.route("/kpi_management/bonus_sheet/<int:sheet_id>/xlsx", type="http", auth="user",
                methods=["GET"])
    def bonus_sheet_xlsx(self, sheet_id, **kwargs):
        """Download an approved or exported bonus sheet (bonus officers only).

        A GET changes nothing (no CSRF token protects it): the export is recorded by the
        sheet's *Export XLSX* button (``action_export_xlsx``), which then opens this route.
        """
        sheet = request.env["kpi.bonus.sheet"].browse(sheet_id)
        try:
            sheet.check_access("read")
            content = sheet._get_xlsx_content()
        except (AccessError, MissingError):
            raise request.not_found() from None
        except UserError as exc:
            return request.make_response(str(exc), status=409,
                                         headers=[("Content-Type", "text/plain; charset=utf-8")])
        filename = "bonus_%s_%s_%s.xlsx" % (sheet.sudo().scheme_id.name, sheet.date_from,
                                            sheet.date_to)
        return request.make_response(content, headers=[
            ("Content-Type",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("Content-Disposition", content_disposition(filename)),
        ])
