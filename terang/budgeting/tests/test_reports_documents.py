"""Official documents: RKA-SKPD, DPA-SKPD and APBD summaries as PDF (text checked with pdftotext when installed,
else from WeasyPrint's laid-out boxes), Excel (reopened with openpyxl) and CSV (parsed, totals checked)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from terang.budgeting.models import BudgetLine
from terang.budgeting.reports import csv as csv_export
from terang.budgeting.reports import data, excel, pdf
from terang.budgeting.services import dpa as dpa_services
from terang.core.errors import ApplicationError

from .test_dpa_world import BELANJA, DINKES_BELANJA

pytestmark = pytest.mark.django_db

D = Decimal
MM_TO_PX = 96 / 25.4


def _box_text(box) -> list[str]:
    parts = [box.text] if hasattr(box, "text") and isinstance(box.text, str) else []
    for child in getattr(box, "children", []) or []:
        parts.extend(_box_text(child))
    return parts


def pdf_text(content: bytes, html: str) -> str:
    """The text of a PDF: pdftotext (poppler-utils) when installed, else the text of WeasyPrint's page boxes."""
    assert content.startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        out = subprocess.run([pdftotext, "-layout", "-", "-"], input=content, capture_output=True,  # noqa: S603
                             check=True)  # fixed argv; the PDF goes in on stdin
        return " ".join(out.stdout.decode("utf-8").split())
    document = pdf.render_html_document(html)
    return " ".join(" ".join(t for page in document.pages for t in _box_text(page._page_box)).split())


def page_count(html: str) -> int:
    return len(pdf.render_html_document(html).pages)


# --- PDF ---------------------------------------------------------------------------------------------------------


def test_rka_pdf_of_an_agency_from_a_frozen_stage(budget, apbd):
    doc = data.rka_document(organisation=budget.orgs["dinkes"], stage=apbd)
    html = pdf.rka_html(doc)
    content = pdf.render_rka_pdf(organisation=budget.orgs["dinkes"], stage=apbd)
    assert content.startswith(b"%PDF-")
    assert page_count(html) == 3  # summary page, then one page per sub-kegiatan
    text = pdf_text(content, html)
    for expected in (
        "RENCANA KERJA DAN ANGGARAN SATUAN KERJA PERANGKAT", "(RKA-SKPD)", "Tahun Anggaran 2026",
        "1.02.0.00.0.00.01.0000 Dinas Kesehatan", "1.02 URUSAN PEMERINTAHAN BIDANG KESEHATAN", "APBD murni",
        "1.02.02.2.01.0002 Pembangunan Puskesmas", "1.02.02 PROGRAM PEMENUHAN UPAYA KESEHATAN",
        "Maret s.d. Oktober", "Kecamatan 1", "Jumlah Puskesmas yang Dibangun: 2 Unit",
        "[#] ATK Puskesmas", "[-] Kebutuhan kantor", "Refill Ballpoint", "10 Buah x 12 Bulan", "23.550", "310.860",
        "3.136.860", "10 Orang x 2 Hari x 1 Kali", "Rp 11.755.860", "Jumlah Belanja (2 sub kegiatan, 5 rincian)",
        "Rp 13.605.860", "Kepala Dinas Kesehatan", "dr. Siti Aminah, M.Kes", "NIP 197001012000032001",
        "Halaman 1 dari 3", "Halaman 3 dari 3", "RKA-SKPD 2.2.1",
    ):
        assert expected in text, expected


def test_rka_of_revenue_and_financing_on_f4(budget):
    html = pdf.rka_html(data.rka_document(organisation=budget.orgs["bpkad"], fiscal_year=budget.fiscal_year),
                        paper="f4")
    document = pdf.render_html_document(html)
    page = document.pages[0]
    assert abs(page.width - 215 * MM_TO_PX) < 1 and abs(page.height - 330 * MM_TO_PX) < 1
    content = pdf.render_rka_pdf(organisation=budget.orgs["bpkad"], fiscal_year=budget.fiscal_year, paper="f4")
    text = pdf_text(content, html)
    for expected in ("Rincian Anggaran Pendapatan", "Pajak Reklame", "Rp 801.250.000.000",
                     "Rincian Penerimaan Pembiayaan", "SiLPA tahun lalu", "Rp 25.000.000.000",
                     "Data terkini (belum dibekukan)", "Drs. Bambang Sutrisno"):
        assert expected in text, expected
    with pytest.raises(ApplicationError):
        pdf.paper_size("legal")


def test_dpa_pdf_with_cash_plan_and_two_signatures(budget, apbd):
    dpa = dpa_services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])
    doc = data.dpa_document(dpa)
    assert doc.cash_months[2] == D("398232.00") + D("100000.00") + D("971250.00") + D("154166.00")
    assert sum(doc.cash_months, D(0)) == DINKES_BELANJA
    html = pdf.rka_html(doc)
    text = pdf_text(pdf.render_dpa_pdf(dpa=dpa), html)
    for expected in ("DOKUMEN PELAKSANAAN ANGGARAN SATUAN KERJA", "(DPA-SKPD)",
                     "Nomor DPA : DPA/1.02.0.00.0.00.01.0000/2026", "Rencana Penarikan Dana per Triwulan",
                     "Triwulan I", "Januari", "Desember", "1.623.648", "Pejabat Pengelola Keuangan Daerah",
                     "Drs. Bambang Sutrisno", "NIP 196805101990031005", "Kepala Dinas Kesehatan", "Rp 13.605.860"):
        assert expected in text, expected


def test_summary_pdfs(budget, apbd):
    html = pdf.summary_html("akun", stage=apbd)
    text = pdf_text(pdf.render_summary_pdf(kind="akun", stage=apbd), html)
    for expected in ("RINGKASAN APBD MENURUT KELOMPOK DAN JENIS AKUN", "PENDAPATAN DAERAH", "801.250.000.000",
                     "BELANJA DAERAH", "154.053.860", "Surplus / (Defisit) 801.095.946.140",
                     "Pembiayaan Netto 25.000.000.000", "826.095.946.140", "Halaman 1 dari 1"):
        assert expected in text, expected
    for kind, expected in (("opd", "Dinas Pendidikan"), ("urusan", "URUSAN PEMERINTAHAN BIDANG KESEHATAN"),
                           ("fungsi", "Pendidikan"), ("opd_akun_sumber", "DANA ALOKASI KHUSUS")):
        html = pdf.summary_html(kind, stage=apbd)
        page = pdf.render_html_document(html).pages[0]
        assert (page.width > page.height) == (kind in pdf.LANDSCAPE_SUMMARIES), kind
        assert expected in pdf_text(pdf.render_summary_pdf(kind=kind, stage=apbd), html), kind
    assert pdf.signed_amount(D("-25000000000")) == "(25.000.000.000)"


def test_signature_place_is_the_regency_name():
    from terang.org.models import Pemda, Region

    def place(region_name):
        return data.place_name(Pemda(nama="Pemerintah Kabupaten Banyuwangi", region=Region(pk=1, nama=region_name)))

    assert place("KABUPATEN BANYUWANGI") == "Banyuwangi"
    assert place("Kota Malang") == "Malang"
    assert place("Banyuwangi") == "Banyuwangi"


def test_frozen_koefisien_comes_from_the_live_line_only_while_unchanged(budget, apbd):
    def koef(uraian):
        lines = data.iter_lines(organisation=budget.orgs["dinkes"], stage=apbd)
        return next(line.koefisien for line in lines if line.uraian == uraian)

    assert koef("Refill Ballpoint") == "10 Buah x 12 Bulan"
    BudgetLine.objects.filter(pk=budget.lines["ballpoint"].pk).update(vol1=D(11), updated_at=timezone.now())
    assert koef("Refill Ballpoint") == "120 Buah"  # frozen volume and satuan: the factors changed since
    assert koef("Nasi Kotak Rapat") == "10 Orang x 2 Hari x 1 Kali"


# --- Excel -------------------------------------------------------------------------------------------------------


def test_rka_xlsx_has_numbers_with_rupiah_format(budget, apbd):
    workbook = load_workbook(io.BytesIO(excel.rka_xlsx(organisation=budget.orgs["dinkes"], stage=apbd)))
    sheet = workbook["RKA"]
    assert sheet["A1"].value == "Rincian RKA-SKPD Dinas Kesehatan" and sheet["A1"].font.bold
    assert sheet.freeze_panes == "A5"
    header = [cell.value for cell in sheet[4]]
    assert header[:3] == ["Kode sub kegiatan", "Sub kegiatan", "Kode rekening"] and sheet["A4"].font.bold
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
    assert len(rows) == 5
    jumlah = header.index("Jumlah")
    ballpoint = next(row for row in rows if row[7] == "Refill Ballpoint")
    assert ballpoint[jumlah] == 3136860 and ballpoint[header.index("Koefisien")] == "10 Buah x 12 Bulan"
    assert ballpoint[header.index("Volume")] == 120
    assert "Rp" in sheet.cell(row=5, column=jumlah + 1).number_format
    assert sum(D(str(row[jumlah])) for row in rows) == DINKES_BELANJA


def test_dpa_and_summary_xlsx(budget, apbd):
    dpa = dpa_services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])
    workbook = load_workbook(io.BytesIO(excel.dpa_xlsx(dpa=dpa)))
    assert workbook.sheetnames == ["RKA", "Anggaran kas"]
    sheet = workbook["Anggaran kas"]
    header = [cell.value for cell in sheet[4]]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
    assert len(rows) == 4
    for row in rows:
        assert sum(D(str(v)) for v in row[5:17]) == D(str(row[header.index("Anggaran")]))
        assert row[header.index("Selisih")] == 0
    summary = load_workbook(io.BytesIO(excel.summary_xlsx("opd", stage=apbd)))["opd"]
    header = [cell.value for cell in summary[4]]
    values = {row[1].value: row for row in summary.iter_rows(min_row=5)}
    assert values["Dinas Kesehatan"][header.index("Belanja modal")].value == 7770000
    assert values["Badan Pengelolaan Keuangan dan Aset Daerah"][header.index("Pendapatan")].value == 801250000000


# --- CSV ---------------------------------------------------------------------------------------------------------


def _csv(lines) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(lines))))


def test_csv_exports_parse_and_add_up(budget, apbd):
    rows = _csv(csv_export.rka_csv(organisation=budget.orgs["dinkes"], stage=apbd))
    assert len(rows) == 5
    assert sum(D(row["jumlah"]) for row in rows) == DINKES_BELANJA
    ballpoint = next(row for row in rows if row["uraian"] == "Refill Ballpoint")
    assert (ballpoint["jumlah"], ballpoint["ppn"], ballpoint["volume"], ballpoint["sumber_dana"]) == (
        "3136860.00", "310860.00", "120", "")
    dpa = dpa_services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])
    cash = _csv(csv_export.dpa_csv(dpa=dpa))
    assert [row["kode_rekening"] for row in cash] == [
        "5.1.02.01.01.0001", "5.1.02.01.01.0024", "5.1.02.01.01.0052", "5.2.02.05.02.0006"]
    for row in cash:
        assert sum(D(row[f"m{m:02d}"]) for m in range(1, 13)) == D(row["anggaran"]) == D(row["jumlah_kas"])
        assert row["selisih"] == "0.00"
    akun = _csv(csv_export.summary_csv("akun", stage=apbd))
    assert {row["kode"]: row["total"] for row in akun if row["tingkat"] == "akun"} == {
        "4": "801250000000.00", "5": str(BELANJA), "6": "25000000000.00"}
    fungsi = _csv(csv_export.summary_csv("fungsi", fiscal_year=budget.fiscal_year))
    assert [(row["kode"], row["inferred"]) for row in fungsi] == [
        ("06", "tidak"), ("06.01", "tidak"), ("08", "ya"), ("08.01", "ya")]
