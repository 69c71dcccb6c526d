"""The bonus sheet workbook for HR, built by a pure function (no ORM).

``build_bonus_xlsx(header, kpis, rows) -> bytes``:

``header``
    dict with ``title``, ``company``, ``period`` (text, its dates in the reader's date format),
    ``scheme``, ``team``, ``currency`` (ISO code), ``currency_format`` (an Excel number format
    such as ``#,##0.00 "EUR"``), ``currency_decimals`` (the amounts are rounded to them,
    default 2), ``base_amount`` (the bonus at a payout of 100%, written when given),
    ``timezone`` (the name of the timezone the dates are written in, default UTC),
    ``approvals``: a list of ``(label, name, datetime or date or None)``, datetimes naive in
    UTC (as Odoo stores them) or aware, ``signatories``: the same for the people who sign the
    printed sheet (a signatures block under the table, left out when empty), ``warning``: a
    sentence printed in red under the title and in the page header of every page (e.g. the
    sheet is replaced and must not be paid), ``paper``: the paper size (``A4``, ``Letter``,
    ``Legal``, ``A3``, ``A5``; else the printer's default), and ``labels``: the words of the
    workbook in the reader's language, a dict over the keys of :data:`LABELS`
    (:func:`labels_in`; English for any key left out).
``kpis``
    list of KPI names, aligned with each row's ``kpis``.
``rows``
    list of dicts, one per employee: ``name``, ``login``, ``profile``, ``note`` (why the
    employee is paid for part of the period only, which KPIs had nothing to measure; else
    empty), ``kpis`` (a list aligned with ``kpis``: None for a KPI the employee does not have,
    else a dict with ``value``, ``target``, ``score``, ``weight`` (the weight used),
    ``scheme_weight`` (the scheme's), ``points`` (score x weight used / 100, computed when left
    out), ``note`` (how it was derived) and ``no_data``: nothing to measure, written "no data"
    in place of the value and the score), ``total_score``, ``payout_percent`` (empty when left
    out), ``amount``.

Two worksheets, each readable on paper (few columns, printed one page wide at about the size
they are written in):

*Summary* (the first, shown on opening): the title, the header block (company, scheme, team,
period, currency, base amount, timezone, approvers and their dates), then one row per employee
(name, login, profile, notes, weighted score, payout %, bonus), a *Total* row (the bonus) and
an *Average* row (the weighted score), then the signatures block. Printed portrait.

*Details*: one row per employee and KPI (employee, KPI, value, target, score, weight, weight
used, points, how it was derived), long text wrapped. Printed landscape.

Both tables have a frozen header row and an autofilter; printed, one page wide (as many pages
tall as needed), the table's header row repeated on every page, the title and period in the page
header and "Page n of m" in the footer. Numbers are written as numbers with formats, rounded to
what they mean (amounts to the currency's decimals, the rest to 2 decimals: never
45.68000000000001); scores, weights and payouts are in %, stored as the figures shown (95.5 =
95.5%). Every string is written as text (no formula injection: ``strings_to_formulas`` is off).
"""

import datetime
import io
import re

import pytz
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

#: the words of the workbook, one definition: translated lazily, in the language of the reader
#: (:func:`labels_in`); the header's ``labels`` may override any of them
LABELS = {
    "sheet": _lt("Bonuses"),  # the Summary worksheet's tab
    "details_sheet": _lt("KPIs"),  # the Details worksheet's tab
    "title": _lt("Bonus sheet"),  # when the header has no title
    "company": _lt("Company"),
    "scheme": _lt("Scheme"),
    "team": _lt("Sales Team"),
    "period": _lt("Period"),
    "currency": _lt("Currency"),
    "base_amount": _lt("Base Amount"),
    "base_amount_note": _lt("Bonus = base amount x payout (%), prorated to the days in the team "
                            "(see Notes)"),
    "timezone": _lt("Timezone"),
    "employee": _lt("Employee"),
    "login": _lt("Login"),
    "profile": _lt("Profile"),
    "notes": _lt("Notes"),
    "kpi": _lt("KPI"),
    "value": _lt("Value"),
    "target": _lt("Target"),
    "score": _lt("Score (%)"),
    "weight": _lt("Weight (%)"),
    "weight_used": _lt("Weight Used (%)"),
    "points": _lt("Points"),
    "how": _lt("How"),
    "weighted_score": _lt("Weighted Score (%)"),
    "payout": _lt("Payout (%)"),
    "bonus": _lt("Bonus"),
    "total": _lt("Total"),
    "average": _lt("Average"),
    "no_data": _lt("no data"),
    "signatures": _lt("Signatures"),
    "name": _lt("Name"),
    "date": _lt("Date"),
    "signature": _lt("Signature"),
    # Excel header/footer codes: &P the page, &N the number of pages
    "page": _lt("Page %(page)s of %(pages)s", page="&P", pages="&N"),
}


def labels_in(lang):
    """:data:`LABELS` in ``lang`` (e.g. ``"da_DK"``; English for ``"en_US"``)."""
    return {key: label._translate(lang) for key, label in LABELS.items()}


DEFAULT_LABELS = labels_in("en_US")
#: the Summary table: (label key, width in characters); the last three are the figures
SUMMARY_COLUMNS = (("employee", 20), ("login", 17), ("profile", 12), ("notes", 27),
                   ("weighted_score", 9), ("payout", 9), ("bonus", 13))
#: the Summary's figures columns: weighted score, payout, bonus
SCORE_COL, PAYOUT_COL, AMOUNT_COL = 4, 5, 6
#: the Details table: (label key, width in characters)
DETAIL_COLUMNS = (("employee", 20), ("kpi", 22), ("value", 12), ("target", 12), ("score", 9),
                  ("weight", 9), ("weight_used", 9), ("points", 9), ("how", 48))
#: height of a line of text, in points
LINE_HEIGHT = 15
#: height of a row to sign in, in points
SIGNATURE_HEIGHT = 36
#: figures that are not amounts (scores, weights, points, payouts, values, targets): decimals
DECIMALS = 2
#: xlsxwriter's paper sizes
PAPER_SIZES = {"Letter": 1, "Legal": 5, "A3": 8, "A4": 9, "A5": 11}


def _sheet_name(name, default):
    """A valid worksheet name: no ``[]:*?/\\``, at most 31 characters, not empty."""
    name = re.sub(r"[\[\]:*?/\\]", " ", name or "").strip().strip("'")[:31].strip()
    return name or default


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


def _height(texts_widths, bold=False, most=30):
    """The height of a row holding each ``(text, width)`` wrapped, at most ``most`` lines. A
    column's width counts digits: a line of text holds about 15% more characters (seen in
    LibreOffice, whose Carlito has Calibri's metrics), bold text about 5%."""
    return LINE_HEIGHT * min(max(_lines(text, int(width * (1.05 if bold else 1.15)))
                                 for text, width in texts_widths), most)


def _round(value, digits=DECIMALS):
    """``value`` rounded to ``digits`` decimals, as a float (never -0.0)."""
    return round(float(value or 0.0), digits) + 0.0


def _local(when, tz):
    """``when`` (naive UTC or aware) as a naive wall-clock time in ``tz``; dates unchanged."""
    if not isinstance(when, datetime.datetime):
        return when
    if when.tzinfo is None:
        when = pytz.utc.localize(when)
    return when.astimezone(tz).replace(tzinfo=None)


class _Formats:
    """The cell formats of the workbook, made once."""

    def __init__(self, workbook, currency_format):
        add = workbook.add_format
        self.bold = add({"bold": True})
        self.label = add({"bold": True, "text_wrap": True, "valign": "top"})
        self.title = add({"bold": True, "font_size": 14})
        self.warning = add({"bold": True, "font_color": "#C00000"})
        self.head = add({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                         "valign": "top"})
        self.note = add({"italic": True, "text_wrap": True, "valign": "top"})
        self.info = add({"valign": "top"})
        self.datetime = add({"num_format": "yyyy-mm-dd hh:mm", "align": "left", "valign": "top"})
        self.date = add({"num_format": "yyyy-mm-dd", "align": "left", "valign": "top"})
        self.money_header = add({"num_format": currency_format, "align": "left",
                                 "valign": "top"})
        # table cells: a light line under each row to follow it across the page; in the
        # details, a darker one under the last KPI of an employee
        self.cells = _CellFormats(add, currency_format, "#BFBFBF")
        self.last = _CellFormats(add, currency_format, "#595959")
        self.total_label = add({"bold": True, "top": 1})
        self.total_line = add({"top": 1})
        self.money_total = add({"num_format": currency_format, "bold": True, "top": 1})
        self.percent_total = add({"num_format": "0.00", "bold": True})
        self.sign = add({"bottom": 1, "valign": "bottom"})


class _CellFormats:
    """The formats of a table's cells, at the top of their row (a row with a long note is
    several lines high), over a line of ``color``."""

    def __init__(self, add, currency_format, color):
        line = {"valign": "top", "bottom": 1, "bottom_color": color}
        self.text = add(line)
        self.wrap = add({**line, "text_wrap": True})
        self.how = add({**line, "text_wrap": True, "indent": 1})
        self.no_data = add({**line, "align": "right", "italic": True})
        self.number = add({**line, "num_format": "#,##0.00"})
        self.percent = add({**line, "num_format": "0.00"})
        self.money = add({**line, "num_format": currency_format})


class _Builder:
    def __init__(self, header, kpis, rows):
        self.header = header
        self.kpis = kpis
        self.rows = rows
        self.labels = {**DEFAULT_LABELS,
                       **{k: v for k, v in (header.get("labels") or {}).items() if v}}
        try:
            self.tz = pytz.timezone(header.get("timezone") or "UTC")
        except pytz.UnknownTimeZoneError:
            self.tz = pytz.utc  # and say so: the label names the timezone actually used
        self.decimals = header.get("currency_decimals")
        if self.decimals is None:
            self.decimals = 2
        self.title = header.get("title") or self.labels["title"]
        self.output = io.BytesIO()
        # names, logins, KPI names... are data: a "=HYPERLINK(...)" name must stay text, never
        # a formula (nor a URL or a number) in HR's spreadsheet
        self.workbook = xlsxwriter.Workbook(self.output, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False})
        self.fmt = _Formats(self.workbook, header.get("currency_format") or "#,##0.00")

    def build(self):
        summary_name = _sheet_name(self.labels["sheet"], DEFAULT_LABELS["sheet"])
        details_name = _sheet_name(self.labels["details_sheet"], DEFAULT_LABELS["details_sheet"])
        if details_name.lower() == summary_name.lower():  # Excel refuses two sheets of one name
            details_name = _sheet_name(details_name[:28] + " 2", DEFAULT_LABELS["details_sheet"])
        self._summary(self.workbook.add_worksheet(summary_name))
        self._details(self.workbook.add_worksheet(details_name))
        self.workbook.close()
        return self.output.getvalue()

    # ------------------------------------------------------------------ common
    def _date(self, sheet, row, col, when):
        if isinstance(when, datetime.datetime):
            sheet.write_datetime(row, col, _local(when, self.tz), self.fmt.datetime)
        elif when:
            sheet.write_datetime(row, col, when, self.fmt.date)

    def _title(self, sheet):
        """The title, and the warning under it; the next free row."""
        sheet.write_string(0, 0, self.title, self.fmt.title)
        if self.header.get("warning"):
            sheet.write_string(1, 0, self.header["warning"], self.fmt.warning)
            return 2
        return 1

    def _table_head(self, sheet, row, columns):
        """The header row of a table of ``columns`` ``(title, width)``."""
        for col, (title, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(row, col, title, self.fmt.head)
        sheet.set_row(row, _height(columns, bold=True, most=8))

    def _print_setup(self, sheet, landscape, last_row, last_col, table_row):
        """One page wide, as many tall as needed, the table's header row on every page."""
        if landscape:
            sheet.set_landscape()
        else:
            sheet.set_portrait()
        if self.header.get("paper") in PAPER_SIZES:
            sheet.set_paper(PAPER_SIZES[self.header["paper"]])
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(table_row)
        sheet.print_area(0, 0, last_row, last_col)
        sheet.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
        # Excel allows 255 characters in a page header: 70 + 110 + 40 and the codes
        left = '&L&"-,Bold"%s' % _header_text(self.title, 70)
        if self.header.get("warning"):  # on every page, under the title
            left += '\n&KC00000%s' % _header_text(self.header["warning"], 110)
        sheet.set_header("%s&R%s" % (left, _header_text(self.header.get("period"), 40)))
        sheet.set_footer("&L%s&C&A&R%s" % (_header_text(self.header.get("company"), 60),
                                           self.labels["page"]))

    # ----------------------------------------------------------------- summary
    def _summary(self, sheet):
        """The Summary worksheet: the header block, the employees' table with its total and
        average rows, the signatures block; printed portrait."""
        table_row = self._summary_header(sheet) + 1
        columns = [(self.labels[key], width) for key, width in SUMMARY_COLUMNS]
        if self.header.get("currency"):
            columns[-1] = ("%s (%s)" % (self.labels["bonus"], self.header["currency"]),
                           columns[-1][1])
        self._table_head(sheet, table_row, columns)
        first = table_row + 1
        scores, amounts = self._summary_rows(sheet, first)
        last = first + len(self.rows) - 1
        end = self._summary_totals(sheet, first, last, scores, amounts)
        sheet.autofilter(table_row, 0, max(table_row, last), len(columns) - 1)
        sheet.freeze_panes(first, 1)
        end = self._signatures(sheet, end + 2)
        self._print_setup(sheet, False, end, len(columns) - 1, table_row)
        sheet.activate()

    def _summary_header(self, sheet):
        """The title and the header block (company ... timezone, the approvals with their
        dates); the last row written."""
        header, labels, fmt = self.header, self.labels, self.fmt
        row = self._title(sheet)
        for key in ("company", "scheme", "team", "period", "currency"):
            sheet.write_string(row, 0, labels[key], fmt.bold)
            sheet.write_string(row, 1, header.get(key) or "")
            row += 1
        if header.get("base_amount") is not None:
            sheet.write_string(row, 0, labels["base_amount"], fmt.label)
            sheet.write_number(row, 1, _round(header["base_amount"], self.decimals),
                               fmt.money_header)
            # over the Notes and figures columns, wrapped
            sheet.merge_range(row, 3, row, len(SUMMARY_COLUMNS) - 1, "", fmt.note)
            sheet.write_string(row, 3, labels["base_amount_note"], fmt.note)
            sheet.set_row(row, _height([(labels["base_amount_note"],
                                         sum(width for _key, width in SUMMARY_COLUMNS[3:]))]))
            row += 1
        sheet.write_string(row, 0, labels["timezone"], fmt.bold)
        sheet.write_string(row, 1, self.tz.zone)
        row += 1
        # approvals: the name (wider than its column, it runs on into the empty next one), the
        # date in the Notes column
        width = SUMMARY_COLUMNS[0][1]
        for label, name, when in header.get("approvals") or []:
            sheet.write_string(row, 0, label or "", fmt.label)
            sheet.write_string(row, 1, name or "", fmt.info)
            self._date(sheet, row, 3, when)
            if _lines(label, width - 1) > 1:
                sheet.set_row(row, _height([(label, width)], bold=True))
            row += 1
        return row

    def _summary_rows(self, sheet, first):
        """One row per employee from row ``first``: name, login, profile, notes (wrapped), the
        weighted score, the payout and the bonus, rounded as written; ``(scores, amounts)``."""
        fmt = self.fmt
        amounts, scores = [], []
        for offset, employee in enumerate(self.rows):
            r = first + offset
            texts = [employee.get(key) or "" for key in ("name", "login", "profile", "note")]
            for col, value in enumerate(texts):
                sheet.write_string(r, col, value, fmt.cells.wrap)
            height = _height([(value, width)
                              for value, (_key, width) in zip(texts, SUMMARY_COLUMNS, strict=False)])
            if height > LINE_HEIGHT:
                sheet.set_row(r, height)
            scores.append(_round(employee["total_score"]))
            sheet.write_number(r, SCORE_COL, scores[-1], fmt.cells.percent)
            if employee.get("payout_percent") is not None:
                sheet.write_number(r, PAYOUT_COL, _round(employee["payout_percent"]),
                                   fmt.cells.percent)
            else:
                sheet.write_blank(r, PAYOUT_COL, None, fmt.cells.percent)
            amounts.append(_round(employee["amount"], self.decimals))
            sheet.write_number(r, AMOUNT_COL, amounts[-1], fmt.cells.money)
        return scores, amounts

    def _summary_totals(self, sheet, first, last, scores, amounts):
        """Under the employees (rows ``first`` to ``last``): the bonus is a total; the weighted
        score is an average, on its own row, named so. Formulas, with their values cached
        (``scores`` and ``amounts`` as written). The last row written."""
        labels, fmt = self.labels, self.fmt
        totals = first + len(self.rows)
        sheet.write_string(totals, 0, labels["total"], fmt.total_label)
        for col in range(1, AMOUNT_COL):
            sheet.write_blank(totals, col, None, fmt.total_line)
        if not self.rows:
            sheet.write_number(totals, AMOUNT_COL, 0, fmt.money_total)
            return totals
        sheet.write_formula(
            totals, AMOUNT_COL,
            "=SUM(%s:%s)" % (xl_rowcol_to_cell(first, AMOUNT_COL),
                             xl_rowcol_to_cell(last, AMOUNT_COL)),
            fmt.money_total, _round(sum(amounts), self.decimals))
        end = totals + 1
        sheet.write_string(end, 0, labels["average"], fmt.bold)
        sheet.write_formula(
            end, SCORE_COL,
            "=ROUND(AVERAGE(%s:%s),%d)" % (xl_rowcol_to_cell(first, SCORE_COL),
                                           xl_rowcol_to_cell(last, SCORE_COL), DECIMALS),
            fmt.percent_total, _round(sum(scores) / len(scores)))
        return end

    def _signatures(self, sheet, row):
        """The block the signatories sign on paper, from ``row``; its last row."""
        signatories = self.header.get("signatories") or []
        if not signatories:
            return row - 2
        labels, fmt = self.labels, self.fmt
        sheet.write_string(row, 0, labels["signatures"], fmt.bold)
        sheet.write_string(row, 1, labels["name"], fmt.bold)
        sheet.write_string(row, 3, labels["date"], fmt.bold)
        sheet.write_string(row, 4, labels["signature"], fmt.bold)
        for label, name, when in signatories:
            row += 1
            sheet.set_row(row, SIGNATURE_HEIGHT)
            sheet.write_string(row, 0, label or "", fmt.label)
            sheet.write_string(row, 1, name or "", fmt.info)
            self._date(sheet, row, 3, when)
            for col in (4, 5, 6):
                sheet.write_blank(row, col, None, fmt.sign)
        return row

    # ----------------------------------------------------------------- details
    def _details(self, sheet):
        labels = self.labels
        table_row = self._title(sheet) + 1
        columns = [(labels[key], width) for key, width in DETAIL_COLUMNS]
        self._table_head(sheet, table_row, columns)
        how_width = DETAIL_COLUMNS[-1][1]
        r = table_row
        for employee in self.rows:
            # a KPI the employee does not have (None): no row
            kpis = [(kpi, figures) for kpi, figures in zip(self.kpis, employee["kpis"],
                                                           strict=True) if figures is not None]
            for index, (kpi, figures) in enumerate(kpis):
                fmt = self.fmt.last if index == len(kpis) - 1 else self.fmt.cells
                r += 1
                sheet.write_string(r, 0, employee.get("name") or "", fmt.wrap)
                sheet.write_string(r, 1, kpi or "", fmt.wrap)
                if figures.get("no_data"):
                    sheet.write_string(r, 2, labels["no_data"], fmt.no_data)
                    sheet.write_number(r, 3, _round(figures["target"]), fmt.number)
                    sheet.write_string(r, 4, labels["no_data"], fmt.no_data)
                else:
                    sheet.write_number(r, 2, _round(figures["value"]), fmt.number)
                    sheet.write_number(r, 3, _round(figures["target"]), fmt.number)
                    sheet.write_number(r, 4, _round(figures["score"]), fmt.percent)
                if figures.get("scheme_weight") is not None:
                    sheet.write_number(r, 5, _round(figures["scheme_weight"]), fmt.percent)
                else:
                    sheet.write_blank(r, 5, None, fmt.percent)
                sheet.write_number(r, 6, _round(figures["weight"]), fmt.percent)
                points = figures.get("points")
                if points is None:
                    points = 0.0 if figures.get("no_data") else \
                        figures["score"] * figures["weight"] / 100
                sheet.write_number(r, 7, _round(points), fmt.percent)
                sheet.write_string(r, 8, figures.get("note") or "", fmt.how)
                height = _height([(employee.get("name") or "", DETAIL_COLUMNS[0][1]),
                                  (kpi or "", DETAIL_COLUMNS[1][1]),
                                  (figures.get("note") or "", how_width - 1)])
                if height > LINE_HEIGHT:
                    sheet.set_row(r, height)
        sheet.autofilter(table_row, 0, r, len(columns) - 1)
        sheet.freeze_panes(table_row + 1, 2)
        self._print_setup(sheet, True, r, len(columns) - 1, table_row)


def build_bonus_xlsx(header, kpis, rows):
    return _Builder(header, kpis, rows).build()
