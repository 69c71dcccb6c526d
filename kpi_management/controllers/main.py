from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import content_disposition, request


class KpiBonusController(http.Controller):
    @http.route("/kpi_management/bonus_sheet/<int:sheet_id>/xlsx", type="http", auth="user",
                methods=["GET"])
    def bonus_sheet_xlsx(self, sheet_id, **kwargs):
        """Download an approved bonus sheet (bonus officers only); the sheet becomes exported."""
        sheet = request.env["kpi.bonus.sheet"].browse(sheet_id)
        try:
            sheet.check_access("read")
            content = sheet._get_xlsx_content()
            sheet._mark_exported()
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
