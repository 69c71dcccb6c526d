"""The bonus sheet workbook for HR, built by a pure function (no ORM).

``build_bonus_xlsx(header, kpis, rows) -> bytes``:

``header``
    dict with ``title``, ``company``, ``period`` (text, its dates in the reader's date format),
    ``scheme``, ``team``, ``currency`` (ISO code), ``currency_format`` (an Excel number format
    such as ``#,##0.00 "EUR"``), ``base_amount``
    (the bonus at a payout of 100%, written when given), ``timezone`` (the name of the
    timezone the dates are written in, default UTC), ``approvals``: a list of
    ``(label, name, datetime or date or None)``, datetimes naive in UTC (as Odoo stores them)
    or aware, and ``labels``: the words of the workbook in the reader's language, a dict
    over the keys of :data:`DEFAULT_LABELS` (English for any key left out).
``kpis``
    list of KPI names, in the order of the per-KPI column groups.
``rows``
    list of dicts: ``name``, ``login``, ``profile``, ``team``, ``note`` (why the employee is
    paid for part of the period only, which KPIs had nothing to measure; else empty), ``kpis``
    (a list aligned with ``kpis`` of dicts with ``value``, ``target``, ``score``, ``weight``
    (the weight used) and ``no_data``: nothing to measure, written "no data" in place of the
    value and the score), ``total_score``, ``payout_percent`` (empty when left out),
    ``amount``.

Layout: header block (with the base amount and the timezone of the dates), then a table (one
row per employee) with a frozen header row, an autofilter, a *Total* row (the bonus) and an
*Average* row (the weighted score). Numbers are written as numbers with formats; scores,
weights and payouts are in %, stored as the figures shown (e.g. 95.5 = 95.5%). Every string
is written as text (no formula injection: ``strings_to_formulas`` is off).

Printed: landscape, one page wide (as many pages tall as needed), the table's header row
repeated on every page, the header block and the table as print area, the title and period
in the page header and "Page n of m" in the footer.
"""

import datetime
import io
import re

import pytz
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

#: the words of the workbook, English; the model passes them translated (``header["labels"]``)
DEFAULT_LABELS = {
    "sheet": "Bonuses",  # the worksheet's tab
    "title": "Bonus sheet",  # when the header has no title
    "company": "Company",
    "scheme": "Scheme",
    "team": "Sales Team",
    "period": "Period",
    "currency": "Currency",
    "base_amount": "Base Amount",
    "base_amount_note": "Bonus = base amount x payout (%), prorated to the days in the team "
                        "(see Notes)",
    "timezone": "Timezone",
    "employee": "Employee",
    "login": "Login",
    "profile": "Profile",
    "notes": "Notes",
    "value": "Value",
    "target": "Target",
    "score": "Score (%)",
    "weight_used": "Weight Used (%)",
    "weighted_score": "Weighted Score (%)",
    "payout": "Payout (%)",
    "bonus": "Bonus",
    "total": "Total",
    "average": "Average",
    "no_data": "no data",
    # Excel header/footer codes: &P the page, &N the number of pages
    "page": "Page &P of &N",
}
#: (row key, label key) of the columns before the KPIs
FIXED_COLUMNS = (("name", "employee"), ("login", "login"), ("profile", "profile"),
                 ("team", "team"), ("note", "notes"))
#: label keys of the columns of each KPI
KPI_COLUMNS = ("value", "target", "score", "weight_used")
#: width of the notes column (part of the period, no data), in characters
NOTES_WIDTH = 40
#: height of a line of text, in points
LINE_HEIGHT = 15


def _sheet_name(name):
    """A valid worksheet name: no ``[]:*?/\\``, at most 31 characters, not empty."""
    name = re.sub(r"[\[\]:*?/\\]", " ", name or "").strip().strip("'")[:31].strip()
    return name or DEFAULT_LABELS["sheet"]


def _header_text(text, limit=100):
    """User text in a page header/footer: ``&`` escaped, short (Excel allows 255 in all)."""
    text = (text or "").replace("\n", " ")
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return text.replace("&", "&&")


def _lines(text, width):
    """How many lines ``text`` wraps to in a column ``width`` characters wide (an estimate:
    neither Excel nor LibreOffice fits the height of wrapped rows written by xlsxwriter)."""
    lines = 0
    for paragraph in (text or "").split("\n"):
        lines += 1
        used = 0
        for word in paragraph.split():
            if used and used + 1 + len(word) > width:
                lines += 1
                used = 0
            used += (1 if used else 0) + len(word)
            while used > width:  # a word longer than the column is cut
                lines += 1
                used -= width
    return max(lines, 1)


def _local(when, tz):
    """``when`` (naive UTC or aware) as a naive wall-clock time in ``tz``; dates unchanged."""
    if not isinstance(when, datetime.datetime):
        return when
    if when.tzinfo is None:
        when = pytz.utc.localize(when)
    return when.astimezone(tz).replace(tzinfo=None)


def build_bonus_xlsx(header, kpis, rows):
    labels = {**DEFAULT_LABELS, **{k: v for k, v in (header.get("labels") or {}).items() if v}}
    try:
        tz = pytz.timezone(header.get("timezone") or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc  # and say so: the label names the timezone actually used
    output = io.BytesIO()
    # names, logins, KPI names... are data: a "=HYPERLINK(...)" name must stay text, never a
    # formula (nor a URL or a number) in HR's spreadsheet
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
    sheet = workbook.add_worksheet(_sheet_name(labels["sheet"]))
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    head = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1,
                                "text_wrap": True, "valign": "top"})
    # table cells at the top of their row (a row with a long note is several lines high)
    text = workbook.add_format({"valign": "top"})
    number = workbook.add_format({"num_format": "#,##0.00", "valign": "top"})
    percent = workbook.add_format({"num_format": "0.00", "valign": "top"})
    currency_format = header.get("currency_format") or "#,##0.00"
    money = workbook.add_format({"num_format": currency_format, "valign": "top"})
    money_header = workbook.add_format({"num_format": currency_format, "align": "left"})
    money_total = workbook.add_format({"num_format": currency_format, "bold": True, "top": 1})
    percent_total = workbook.add_format({"num_format": "0.00", "bold": True})
    total_label = workbook.add_format({"bold": True, "top": 1})
    total_line = workbook.add_format({"top": 1})
    datetime_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "align": "left"})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
    note = workbook.add_format({"italic": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    title_text = header.get("title") or labels["title"]
    sheet.write(0, 0, title_text, title)
    info = [
        ("company", header.get("company")),
        ("scheme", header.get("scheme")),
        ("team", header.get("team")),
        ("period", header.get("period")),
        ("currency", header.get("currency")),
    ]
    row = 1
    for key, value in info:
        sheet.write(row, 0, labels[key], bold)
        sheet.write(row, 1, value or "")
        row += 1
    if header.get("base_amount") is not None:
        sheet.write(row, 0, labels["base_amount"], bold)
        sheet.write_number(row, 1, header["base_amount"], money_header)
        sheet.write_string(row, 2, labels["base_amount_note"], note)
        row += 1
    sheet.write(row, 0, labels["timezone"], bold)
    sheet.write_string(row, 1, tz.zone)
    row += 1
    for label, name, when in header.get("approvals") or []:
        sheet.write(row, 0, label, bold)
        sheet.write(row, 1, name or "")
        if isinstance(when, datetime.datetime):
            sheet.write_datetime(row, 2, _local(when, tz), datetime_fmt)
        elif when:
            sheet.write_datetime(row, 2, when, date_fmt)
        row += 1

    table_row = row + 1
    columns = [labels[label] for _key, label in FIXED_COLUMNS]
    for kpi in kpis:
        columns += ["%s: %s" % (kpi, labels[col]) for col in KPI_COLUMNS]
    currency = header.get("currency")
    columns += [labels["weighted_score"], labels["payout"],
                "%s (%s)" % (labels["bonus"], currency) if currency else labels["bonus"]]
    score_col, payout_col, amount_col = len(columns) - 3, len(columns) - 2, len(columns) - 1
    widths = [24, 16, 16, 16, NOTES_WIDTH] + [12] * (len(columns) - 6) + [14]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    for col, label in enumerate(columns):
        sheet.write_string(table_row, col, label, head)
    # bold text is wider: a character less per line
    sheet.set_row(table_row, LINE_HEIGHT * min(max(_lines(label, width - 1)
                                                   for label, width in zip(columns, widths,
                                                                           strict=True)), 8))

    first = table_row + 1
    for offset, employee in enumerate(rows):
        r = first + offset
        for col, (key, _label) in enumerate(FIXED_COLUMNS):
            sheet.write_string(r, col, employee.get(key) or "", wrap if key == "note" else text)
        if employee.get("note"):
            sheet.set_row(r, LINE_HEIGHT * _lines(employee["note"], NOTES_WIDTH))
        col = len(FIXED_COLUMNS)
        for figures in employee["kpis"]:
            if figures.get("no_data"):
                sheet.write_string(r, col, labels["no_data"], text)
                sheet.write_number(r, col + 1, figures["target"], number)
                sheet.write_string(r, col + 2, labels["no_data"], text)
            else:
                sheet.write_number(r, col, figures["value"], number)
                sheet.write_number(r, col + 1, figures["target"], number)
                sheet.write_number(r, col + 2, figures["score"], percent)
            sheet.write_number(r, col + 3, figures["weight"], percent)
            col += len(KPI_COLUMNS)
        sheet.write_number(r, score_col, employee["total_score"], percent)
        if employee.get("payout_percent") is not None:
            sheet.write_number(r, payout_col, employee["payout_percent"], percent)
        sheet.write_number(r, amount_col, employee["amount"], money)
    last = first + len(rows) - 1

    # the bonus is a total; the weighted score is an average, on its own row, named so
    totals = first + len(rows)
    sheet.write_string(totals, 0, labels["total"], total_label)
    for col in range(1, amount_col):
        sheet.write_blank(totals, col, None, total_line)
    if rows:
        sheet.write_formula(
            totals, amount_col,
            "=SUM(%s:%s)" % (xl_rowcol_to_cell(first, amount_col),
                             xl_rowcol_to_cell(last, amount_col)),
            money_total, sum(e["amount"] for e in rows))
        average = totals + 1
        sheet.write_string(average, 0, labels["average"], bold)
        sheet.write_formula(
            average, score_col,
            "=AVERAGE(%s:%s)" % (xl_rowcol_to_cell(first, score_col),
                                 xl_rowcol_to_cell(last, score_col)),
            percent_total, sum(e["total_score"] for e in rows) / len(rows))
    else:
        average = totals
        sheet.write_number(totals, amount_col, 0, money_total)
    sheet.autofilter(table_row, 0, max(table_row, last), len(columns) - 1)
    sheet.freeze_panes(first, 1)

    # printed: landscape, one page wide, the table's header row on every page
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(table_row)
    sheet.print_area(0, 0, average, len(columns) - 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
    sheet.set_header('&L&"-,Bold"%s&R%s' % (_header_text(title_text),
                                            _header_text(header.get("period"), 40)))
    sheet.set_footer("&L%s&R%s" % (_header_text(header.get("company"), 60), labels["page"]))
    workbook.close()
    return output.getvalue()
