"""The bonus sheet workbook for HR, built by a pure function (no ORM).

``build_bonus_xlsx(header, kpis, rows) -> bytes``:

``header``
    dict with ``title``, ``company``, ``period``, ``scheme``, ``team``, ``currency`` (ISO code),
    ``currency_format`` (an Excel number format such as ``#,##0.00 "EUR"``) and ``approvals``:
    a list of ``(label, name, datetime or date or None)``.
``kpis``
    list of KPI names, in the order of the per-KPI column groups.
``rows``
    list of dicts: ``name``, ``login``, ``profile``, ``team``, ``note`` (why the employee is
    paid for part of the period only, which KPIs had nothing to measure; else empty), ``kpis``
    (a list aligned with ``kpis`` of dicts with ``value``, ``target``, ``score``, ``weight``
    (the weight used) and ``no_data``: nothing to measure, written "no data" in place of the
    value and the score), ``total_score``, ``amount``.

Layout: header block, then a table (one row per employee) with a frozen header row, an
autofilter and a totals row (bonus total and average score). Numbers are written as numbers
with formats; scores and weights are in %, stored as the figures shown (e.g. 95.5 = 95.5%).
Every string is written as text (no formula injection: ``strings_to_formulas`` is off).
"""

import io

import xlsxwriter

FIXED_COLUMNS = ("Employee", "Login", "Profile", "Sales Team", "Notes")
KPI_COLUMNS = ("Value", "Target", "Score (%)", "Weight Used (%)")
NO_DATA = "no data"


def build_bonus_xlsx(header, kpis, rows):
    output = io.BytesIO()
    # names, logins, KPI names... are data: a "=HYPERLINK(...)" name must stay text, never a
    # formula (nor a URL or a number) in HR's spreadsheet
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
    sheet = workbook.add_worksheet("Bonuses")
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    head = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1,
                                "text_wrap": True, "valign": "top"})
    number = workbook.add_format({"num_format": "#,##0.00"})
    percent = workbook.add_format({"num_format": "0.00"})
    money = workbook.add_format({"num_format": header.get("currency_format") or "#,##0.00"})
    money_total = workbook.add_format({"num_format": header.get("currency_format") or "#,##0.00",
                                       "bold": True, "top": 1})
    percent_total = workbook.add_format({"num_format": "0.00", "bold": True, "top": 1})
    total_label = workbook.add_format({"bold": True, "top": 1})
    datetime_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "align": "left"})

    sheet.write(0, 0, header.get("title") or "Bonus sheet", title)
    info = [
        ("Company", header.get("company")),
        ("Scheme", header.get("scheme")),
        ("Sales Team", header.get("team")),
        ("Period", header.get("period")),
        ("Currency", header.get("currency")),
    ]
    row = 1
    for label, value in info:
        sheet.write(row, 0, label, bold)
        sheet.write(row, 1, value or "")
        row += 1
    for label, name, when in header.get("approvals") or []:
        sheet.write(row, 0, label, bold)
        sheet.write(row, 1, name or "")
        if when:
            sheet.write_datetime(row, 2, when, datetime_fmt)
        row += 1

    table_row = row + 1
    columns = list(FIXED_COLUMNS)
    for kpi in kpis:
        columns += ["%s: %s" % (kpi, col) for col in KPI_COLUMNS]
    columns += ["Weighted Score (%)", "Bonus (%s)" % (header.get("currency") or "")]
    for col, label in enumerate(columns):
        sheet.write(table_row, col, label, head)
    sheet.set_row(table_row, 45)

    first = table_row + 1
    for offset, employee in enumerate(rows):
        r = first + offset
        for col, key in enumerate(("name", "login", "profile", "team", "note")):
            sheet.write_string(r, col, employee.get(key) or "")
        col = len(FIXED_COLUMNS)
        for figures in employee["kpis"]:
            if figures.get("no_data"):
                sheet.write_string(r, col, NO_DATA)
                sheet.write_number(r, col + 1, figures["target"], number)
                sheet.write_string(r, col + 2, NO_DATA)
            else:
                sheet.write_number(r, col, figures["value"], number)
                sheet.write_number(r, col + 1, figures["target"], number)
                sheet.write_number(r, col + 2, figures["score"], percent)
            sheet.write_number(r, col + 3, figures["weight"], percent)
            col += len(KPI_COLUMNS)
        sheet.write_number(r, col, employee["total_score"], percent)
        sheet.write_number(r, col + 1, employee["amount"], money)
    last = first + len(rows) - 1
    score_col = len(columns) - 2
    amount_col = len(columns) - 1
    totals = first + len(rows)
    sheet.write(totals, 0, "Total", total_label)
    if rows:
        score_cell = xlsxwriter.utility.xl_rowcol_to_cell
        sheet.write_formula(
            totals, score_col,
            "=AVERAGE(%s:%s)" % (score_cell(first, score_col), score_cell(last, score_col)),
            percent_total, sum(e["total_score"] for e in rows) / len(rows))
        sheet.write_formula(
            totals, amount_col,
            "=SUM(%s:%s)" % (score_cell(first, amount_col), score_cell(last, amount_col)),
            money_total, sum(e["amount"] for e in rows))
    else:
        sheet.write_number(totals, amount_col, 0, money_total)
    sheet.autofilter(table_row, 0, max(table_row, last), len(columns) - 1)
    sheet.freeze_panes(first, 1)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 3, 16)
    sheet.set_column(4, 4, 30)  # notes: part of the period, no data
    sheet.set_column(5, len(columns) - 1, 12)
    workbook.close()
    return output.getvalue()
