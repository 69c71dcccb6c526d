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
from .common import NOW, TZ

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

HEADER = {
    "title": "Bonus sheet SB/Team A/2026-11", "company": "ACME & Sons", "scheme": "Sales bonus",
    "team": "Team A", "period": "2026-11-01 - 2026-11-30", "currency": "EUR",
    "currency_format": '#,##0.00 "EUR"', "base_amount": 5000, "timezone": "Europe/Copenhagen",
    # naive UTC, as Odoo stores it: 09:30 UTC is 10:30 in Copenhagen in November
    "approvals": [("Approved by HR", "Hanna", datetime.datetime(2026, 12, 2, 9, 30))],
}
KPIS = ["Sales volume", "New clients", "Customer service"]


def employee(name, score, payout, amount, note=""):
    return {"name": name, "login": name.lower(), "profile": "Sales", "team": "Team A",
            "note": note, "total_score": score, "payout_percent": payout, "amount": amount,
            "kpis": [{"value": 125000, "target": 100000, "score": 125, "weight": 30},
                     {"value": 2, "target": 2, "score": 100, "weight": 30},
                     {"value": 90, "target": 100, "score": 90, "weight": 40}]}


ROWS = [employee("Valery", 125, 125, 6250),
        employee("Vasily", 80, 60, 1500,
                 note="Archived: last day in the team 2026-11-15. Paid for 15 of the 30 days "
                      "of the period."),
        employee("Vera", 40, 0, 0)]


def read(content):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def header_row(ws, first_title="Employee"):
    return next(r for r in range(1, 30) if ws.cell(r, 1).value == first_title)


def info(ws, label):
    """The value right of ``label`` in the header block (column A)."""
    row = next(r for r in range(1, 30) if ws.cell(r, 1).value == label)
    return [ws.cell(row, col).value for col in (2, 3)]


def pdf_pages(path):
    return len(re.findall(rb"/Type\s*/Page(?!s)", pathlib.Path(path).read_bytes()))


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


def test_what_hr_checks_a_payment_with():
    ws = read(build_bonus_xlsx(HEADER, KPIS, ROWS))
    assert info(ws, "Base Amount")[0] == 5000
    assert "EUR" in ws.cell(next(r for r in range(1, 30) if ws.cell(r, 1).value == "Base Amount"),
                            2).number_format
    assert "payout (%)" in info(ws, "Base Amount")[1]
    # dates in the company's timezone, named
    assert info(ws, "Timezone")[0] == "Europe/Copenhagen"
    assert info(ws, "Approved by HR") == ["Hanna", datetime.datetime(2026, 12, 2, 10, 30)]
    head = header_row(ws)
    titles = [c.value for c in ws[head]]
    assert titles[-3:] == ["Weighted Score (%)", "Payout (%)", "Bonus (EUR)"]
    assert titles[5:9] == ["Sales volume: Value", "Sales volume: Target",
                           "Sales volume: Score (%)", "Sales volume: Weight Used (%)"]
    score, payout, amount = (titles.index(t) + 1 for t in titles[-3:])
    assert [(ws.cell(r, score).value, ws.cell(r, payout).value, ws.cell(r, amount).value)
            for r in range(head + 1, head + 4)] == [(125, 125, 6250), (80, 60, 1500), (40, 0, 0)]
    assert "EUR" in ws.cell(head + 1, amount).number_format
    # the amount per employee: prorated, said in the notes
    assert "Paid for 15 of the 30 days" in ws.cell(head + 2, 5).value
    # "Total" labels the bonus total only; the weighted score's average is labelled Average
    total, average = head + 4, head + 5
    assert ws.cell(total, 1).value == "Total"
    assert ws.cell(total, amount).value == "=SUM(%s:%s)" % (
        ws.cell(head + 1, amount).coordinate, ws.cell(head + 3, amount).coordinate)
    assert ws.cell(total, score).value is None
    assert ws.cell(total, payout).value is None
    assert ws.cell(average, 1).value == "Average"
    assert ws.cell(average, score).value.startswith("=AVERAGE(")
    assert ws.cell(average, amount).value is None
    # cached values, as a reader without a formula engine sees them
    cached = openpyxl.load_workbook(io.BytesIO(build_bonus_xlsx(HEADER, KPIS, ROWS)),
                                    data_only=True).active
    assert (cached.cell(total, amount).value, cached.cell(average, score).value) == (
        7750, pytest.approx(245 / 3))


def test_print_setup():
    ws = read(build_bonus_xlsx(HEADER, KPIS, ROWS))
    head = header_row(ws)
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # one page wide (1 is the default, which xlsxwriter leaves out), any number of pages tall
    assert ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$%s:$%s" % (head, head)  # the table's header on every page
    last_col = openpyxl.utils.get_column_letter(len(list(ws[head])))
    # the header block and the table, down to the Average row
    assert "$A$1:$%s$%s" % (last_col, head + 5) in str(ws.print_area)
    assert "Bonus sheet SB/Team A/2026-11" in ws.oddHeader.left.text
    assert ws.oddHeader.right.text == "2026-11-01 - 2026-11-30"
    assert ws.oddFooter.left.text == "ACME && Sons"  # "&" escaped, not a header code
    assert ws.oddFooter.right.text == "Page &P of &N"


def test_english_without_labels_and_no_rows():
    header = {"title": "Empty", "currency": "EUR", "approvals": []}
    ws = read(build_bonus_xlsx(header, ["Net profit"], []))
    assert ws.title == "Bonuses"
    assert info(ws, "Timezone")[0] == "UTC"  # no timezone given: UTC, and said so
    head = header_row(ws)
    assert ws.cell(head + 1, 1).value == "Total"
    assert ws.print_title_rows == "$%s:$%s" % (head, head)


def test_labels_are_the_readers():
    labels = {"employee": "Medarbejder", "total": "I alt", "average": "Gennemsnit",
              "sheet": "Bonusser: [nov]", "page": "Side &P af &N", "timezone": "Tidszone"}
    ws = read(build_bonus_xlsx(dict(HEADER, labels=labels), KPIS, ROWS))
    assert ws.title == "Bonusser   nov"  # no character Excel refuses in a sheet name
    head = header_row(ws, "Medarbejder")
    assert ws.cell(head + 4, 1).value == "I alt"
    assert ws.cell(head + 5, 1).value == "Gennemsnit"
    assert info(ws, "Tidszone")[0] == "Europe/Copenhagen"
    assert ws.oddFooter.right.text == "Side &P af &N"


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice (soffice/libreoffice) is not installed: "
                                        "the conversion check needs it")
def test_libreoffice_converts_it_to_one_page_wide():
    many = [employee("Employee %03d" % n, 100, 100, 5000) for n in range(200)]
    for rows, pages in ((ROWS, 1), (many, None)):
        code, pdf, log = convert(build_bonus_xlsx(HEADER, KPIS, rows), "pdf")
        assert code == 0, log
        assert pdf and pdf.startswith(b"%PDF"), log
        count = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        if pages:
            assert count == pages
        else:  # one page wide, as many tall as needed (not one page per column group)
            assert 1 < count <= 4
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
        titles = [c.value for c in ws[head]]
        payout = titles.index("Payout (%)") + 1
        self.assertEqual(titles[payout - 2], "Weighted Score (%)")
        self.assertEqual(titles[payout], "Bonus (%s)" % self.sheet.currency_id.name)
        lines = self.sheet.line_ids.sorted(lambda line: (line.rank, line.id))
        self.assertEqual(
            [(ws.cell(r, 2).value, ws.cell(r, payout - 1).value, ws.cell(r, payout).value,
              ws.cell(r, payout + 1).value) for r in range(head + 1, head + 1 + len(lines))],
            [(line.login, line.total_score, line.payout_percent, line.amount) for line in lines])
        self.assertTrue(any(line.payout_percent for line in lines))
        total = head + 1 + len(lines)
        self.assertEqual(ws.cell(total, 1).value, "Total")
        self.assertIsNone(ws.cell(total, payout - 1).value)
        self.assertEqual(ws.cell(total + 1, 1).value, "Average")
        self.assertEqual(ws.page_setup.orientation, "landscape")
        self.assertEqual(ws.print_title_rows, "$%s:$%s" % (head, head))

    def test_timezone_falls_back_to_the_exporting_user(self):
        self.env.company.partner_id.tz = False
        ws = self.export()
        self.assertEqual(info(ws, "Timezone")[0], TZ)
        self.assertEqual(info(ws, "Approved by HR")[1], datetime.datetime(2026, 11, 23, 11, 0))

    def test_danish_user_gets_a_danish_workbook(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(["kpi_management"], ["da_DK"])
        self.officer.lang = "da_DK"
        ws = self.export()
        self.assertEqual(ws.title, "Bonusser")
        head = header_row(ws, "Medarbejder")
        titles = [c.value for c in ws[head]]
        self.assertEqual(titles[:4], ["Medarbejder", "Login", "Profil", "Salgsteam"])
        self.assertIn("Customer service: Anvendt vægt (%)", titles)
        self.assertIn("Sales volume: Værdi", titles)
        self.assertEqual(titles[-3:-1], ["Vægtet score (%)", "Udbetaling (%)"])
        self.assertIn(info(ws, "Godkendt af HR")[0], (self.hr.name,))
        self.assertEqual(info(ws, "Grundbeløb")[0], 10000)
        self.assertEqual(ws.cell(head + 3, 1).value, "I alt")
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
