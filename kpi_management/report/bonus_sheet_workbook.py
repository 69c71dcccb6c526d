"""A bonus sheet record turned into the rows of its workbook (``bonus_xlsx``, pure).

Called by ``kpi.bonus.sheet._get_xlsx_content`` once it has checked who exports what; ``sheet``
is a sudo record in the exporting user's language.
"""

from . import bonus_xlsx


def sheet_workbook(sheet):
    """The XLSX bytes of ``sheet``: its header (names as approved, signatories, the labels in
    ``sheet.env.lang``), its KPIs and one row per employee, figures as computed."""
    scheme_lines = sheet.line_ids.detail_ids.scheme_line_id.sorted(
        lambda line: (line.sequence, line.id))
    # names as they were computed (a scheme line renamed later does not alter the sheet)
    kpi_names = {d.scheme_line_id: d.name for d in sheet.line_ids.detail_ids}
    return bonus_xlsx.build_bonus_xlsx(_header(sheet), [kpi_names[s] for s in scheme_lines],
                                       _rows(sheet, scheme_lines))


def _header(sheet):
    """The header of the workbook: the names of the approval, the signatories, the currency's
    format, the paper, the timezone and the labels, in ``sheet.env.lang``."""
    _ = sheet.env._  # the module's _ would translate in the caller's language
    currency = sheet.currency_id
    number = "#,##0" + ("." + "0" * currency.decimal_places if currency.decimal_places else "")
    symbol = '"%s"' % (currency.symbol or currency.name).replace('"', "")
    currency_format = (symbol + number) if currency.position == "before" \
        else (number + " " + symbol)
    names = sheet.approval_names or {}
    signatories = [
        (_("Submitted by"), names.get("submitted", sheet.submitted_uid.name),
         sheet.submitted_date),
        (_("Approved by manager"), names.get("manager", sheet.manager_approved_uid.name),
         sheet.manager_approved_date),
        (_("Approved by HR"), names.get("hr", sheet.approved_uid.name), sheet.approved_date),
    ]
    header = {
        "title": _("Bonus sheet %s", sheet._get_localized_name()),
        "company": sheet.company_name or sheet.company_id.name,
        "scheme": sheet.scheme_name or sheet.scheme_id.name,
        "team": sheet.team_name or sheet.team_id.name,
        "period": sheet._get_period_label(),
        "currency": currency.name,
        "currency_format": currency_format,
        "currency_decimals": currency.decimal_places,
        "base_amount": sheet.base_amount,
        "paper": sheet.company_id.paperformat_id.format,
        "timezone": sheet.company_id.partner_id.tz or sheet.env.user.tz or "UTC",
        "approvals": [*signatories,
                      (_("Exported by"), names.get("exported", sheet.exported_uid.name),
                       sheet.exported_date)],
        "signatories": signatories,
        "labels": bonus_xlsx.labels_in(sheet.env.lang or "en_US"),
    }
    if sheet.replaces_id:
        header["approvals"].append((_("Replaces"), sheet.replaces_id._get_localized_name(),
                                    None))
    if sheet.replaced_by_id:
        replaced = (_("Replaced by (not to be paid)"),
                    sheet.replaced_by_id._get_localized_name())
        header["approvals"].append((*replaced, None))
        # in red under the title and on every printed page
        header["warning"] = "%s: %s" % replaced
    return header


def _rows(sheet, scheme_lines):
    """One row per employee, in the sheet's order: the line's figures and, for each of
    ``scheme_lines``, the detail's (None for a KPI the employee does not have)."""
    rows = []
    for line in sheet.line_ids.sorted(lambda line: (line.rank, line.id)):
        by_line = {detail.scheme_line_id: detail for detail in line.detail_ids}
        # a KPI the employee does not have: None, no row in the details
        figures = [{
            "value": detail.value, "target": detail.target, "score": detail.score,
            "scheme_weight": detail.weight, "weight": detail.weight_used,
            "points": detail.contribution, "note": detail.note,
            "no_data": detail.no_data,
        } if detail else None for detail in map(by_line.get, scheme_lines)]
        rows.append({
            "name": line.employee_name or line.user_id.name, "login": line.login,
            "profile": line.profile_name,
            "note": " ".join(filter(None, [line.presence_note, line.no_data_note])),
            "kpis": figures,
            "total_score": line.total_score, "payout_percent": line.payout_percent,
            "amount": line.amount,
        })
    return rows
