"""Excel annex importer: layout, continuation rows, keterangan, bad rows reported, all-or-nothing, dry run."""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from terang.audit.events import EventType
from terang.audit.models import DomainEvent
from terang.reference.importers.excel import AnnexLayout, parse_grid
from terang.reference.models import Account, ProgramCode, RegulationVersion
from terang.reference.services import reference_annex_import

VERSION = "900.1-861/2026"
TITLE_ROWS = [
    ["LAMPIRAN C"],
    ["KEPUTUSAN MENTERI DALAM NEGERI NOMOR 900.1-861 TAHUN 2026"],
    [],
    ["KODE", None, None, None, None, "NOMENKLATUR URUSAN KABUPATEN/KOTA", "KINERJA", "INDIKATOR", "SATUAN"],
    ["URUSAN", "BIDANG URUSAN", "PROGRAM", "KEGIATAN", "SUB KEGIATAN"],
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
]


def _xlsx(tmp_path, rows, merges=(), name="lampiran.xlsx"):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    for cells in merges:
        ws.merge_cells(cells)
    path = tmp_path / name
    wb.save(path)
    return path


def _program_rows():
    return [
        *TITLE_ROWS,
        ["1", None, None, None, None, "URUSAN PEMERINTAHAN WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR"],  # row 7
        ["1", "02", None, None, None, "URUSAN PEMERINTAHAN BIDANG KESEHATAN"],
        ["1", "02", "02", None, None, "PROGRAM PEMENUHAN UPAYA KESEHATAN PERORANGAN DAN UPAYA KESEHATAN"],
        [None, None, None, None, None, "MASYARAKAT"],  # row 10: continuation of the program name
        ["1", "02", "02", "2.01", None, "Penyediaan Fasilitas Pelayanan Kesehatan untuk UKM dan UKP"],
        [None, None, None, None, None, "Kewenangan Daerah Kabupaten/Kota"],
        [
            "1",
            "02",
            "02",
            "2.01",
            "0001",
            "Pembangunan Rumah Sakit beserta Sarana dan",
            "Rumah Sakit yang",
            "Jumlah Rumah Sakit Baru",
            "Unit",
        ],
        [None, None, None, None, None, "Prasarana Pendukungnya", "Dibangun"],  # row 14: name and kinerja continue
        [None, None, None, None, None, "Digunakan untuk pembangunan rumah sakit baru"],  # keterangan
        [None, None, None, None, None, "termasuk sarana pendukungnya."],  # keterangan continues
        [
            "1",
            "02",
            "02",
            "2.01",
            "02",
            "Pembangunan Puskesmas",
            "Puskesmas yang Dibangun",
            "Jumlah Puskesmas",
            "Unit",
        ],  # row 17: old 2-digit width
        ["KODE", None, None, None, None, "NOMENKLATUR URUSAN KABUPATEN/KOTA"],  # header repeated at a page break
        ["X", "XX", "01", "2.01", "0001", "Penyusunan Dokumen Perencanaan Perangkat Daerah"],
    ]


def _support_parents():
    return [
        ["X", None, None, None, None, "URUSAN X.XX"],
        ["X", "XX", None, None, None, "URUSAN PEMERINTAHAN BIDANG XX"],
        ["X", "XX", "01", None, None, "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA"],
        ["X", "XX", "01", "2.01", None, "Perencanaan, Penganggaran, dan Evaluasi Kinerja Perangkat Daerah"],
    ]


@pytest.mark.django_db
def test_program_annex_import_joins_continuations_and_links_the_version(tmp_path):
    rows = _program_rows()
    rows[-1:-1] = _support_parents()
    path = _xlsx(tmp_path, rows)
    report = reference_annex_import(path=path, version_code=VERSION, kind="program", version_name="Kepmendagri 861")
    assert report.errors == []
    assert (report.rows_read, report.created, report.saved) == (11, 11, True)
    assert report.skipped == 6  # two title lines, two header rows, column numbers, the repeated header
    program = ProgramCode.objects.get(kode="1.02.02")
    assert program.nama == "PROGRAM PEMENUHAN UPAYA KESEHATAN PERORANGAN DAN UPAYA KESEHATAN MASYARAKAT"
    assert ProgramCode.objects.get(kode="1.02.02.2.01").nama.endswith("UKP Kewenangan Daerah Kabupaten/Kota")
    rs = ProgramCode.objects.get(kode="1.02.02.2.01.0001")
    assert rs.nama == "Pembangunan Rumah Sakit beserta Sarana dan Prasarana Pendukungnya"
    assert rs.keterangan == "Digunakan untuk pembangunan rumah sakit baru termasuk sarana pendukungnya."
    assert (rs.kinerja, rs.indikator, rs.satuan) == ("Rumah Sakit yang Dibangun", "Jumlah Rumah Sakit Baru", "Unit")
    assert (rs.level, rs.tingkat, rs.parent.kode) == (5, "sub_kegiatan", "1.02.02.2.01")
    assert ProgramCode.objects.get(kode="1.02.02.2.01.0002").nama == "Pembangunan Puskesmas"
    assert ProgramCode.objects.get(kode="X.XX.01.2.01.0001").parent.kode == "X.XX.01.2.01"
    version = RegulationVersion.objects.get(kode=VERSION)
    assert version.program_codes.count() == 11
    event = DomainEvent.objects.get(event_type=EventType.REFERENCE_IMPORTED)
    assert event.payload["created"] == 11 and event.payload["version"] == VERSION


@pytest.mark.django_db
def test_bad_rows_are_reported_with_row_numbers_and_nothing_is_saved(tmp_path):
    rows = [
        *TITLE_ROWS,
        ["1", None, None, None, None, "URUSAN WAJIB PELAYANAN DASAR"],  # row 7
        ["1", "02", None, None, None, "BIDANG KESEHATAN"],
        ["1", "0x", None, None, None, "BIDANG RUSAK"],  # row 9
        ["1", "02", "02", 2.1, None, "Kegiatan dengan kode angka"],  # row 10: 2.10 stored as a number
        ["1", "02", "03", None, None, None],  # row 11: no name
        ["1", "02", None, None, None, "BIDANG KESEHATAN LAGI"],  # row 12: duplicate
        ["1", None, "04", None, None, "Program tanpa bidang"],  # row 13: gap
        ["1", "05", "01", None, None, "Program tanpa induk"],  # row 14: parent 1.05 missing
        ["1", "02", "01", None, None, "PROGRAM PENUNJANG"],  # row 15: fine
    ]
    path = _xlsx(tmp_path, rows)
    report = reference_annex_import(path=path, version_code=VERSION, kind="program", version_name="Kepmendagri 861")
    assert report.errors == [
        "Baris 9: kode '1.0x' tidak valid",
        "Baris 10: kode '1 02 02 2.1' tersimpan sebagai angka desimal; simpan sel kode sebagai teks",
        "Baris 11: nama untuk kode '1.02.03' kosong",
        "Baris 12: kode '1.02' ganda (sudah ada di baris 8)",
        "Baris 13: kode '1.04' tidak lengkap (ada kolom kode kosong)",
        "Baris 14: induk '1.05' dari kode '1.05.01' tidak ditemukan",
    ]
    assert report.saved is False
    assert ProgramCode.objects.count() == 0
    assert not RegulationVersion.objects.filter(kode=VERSION).exists()
    assert not DomainEvent.objects.filter(event_type=EventType.REFERENCE_IMPORTED).exists()


@pytest.mark.django_db
def test_dry_run_reports_without_saving(tmp_path):
    RegulationVersion.objects.create(kode=VERSION, nama="Kepmendagri 861")
    path = _xlsx(tmp_path, _program_rows()[:-2])
    report = reference_annex_import(path=path, version_code=VERSION, kind="program", dry_run=True)
    assert report.ok and report.dry_run and not report.saved
    assert report.created == 6
    assert ProgramCode.objects.count() == 0


@pytest.mark.django_db
def test_merged_code_cells_are_filled_from_the_top(tmp_path):
    rows = [
        ["KODE", None, "NAMA"],
        ["1", None, "URUSAN WAJIB PELAYANAN DASAR"],  # row 2, A2:A4 merged
        [None, "02", "BIDANG KESEHATAN"],
        [None, "03", "BIDANG PEKERJAAN UMUM"],
    ]
    path = _xlsx(tmp_path, rows, merges=["A2:A4"])
    layout = AnnexLayout.from_letters("A:B", "C")
    report = reference_annex_import(
        path=path, version_code=VERSION, kind="program", version_name="Kepmendagri 861", layout=layout
    )
    assert report.errors == []
    assert sorted(ProgramCode.objects.values_list("kode", flat=True)) == ["1", "1.02", "1.03"]


@pytest.mark.django_db
def test_account_annex_keeps_names_of_rows_shared_with_an_older_version(tmp_path):
    old = RegulationVersion.objects.create(kode="050-5889/2021", nama="Kepmendagri 050-5889/2021")
    for kode, nama, level in [("5", "BELANJA DAERAH", 1), ("5.1", "BELANJA OPERASI", 2)]:
        account = Account.objects.create(
            kode=kode,
            nama=nama,
            level=level,
            tingkat=["akun", "kelompok"][level - 1],
            parent=Account.objects.filter(kode="5").first(),
        )
        account.versions.add(old)
    rows = [
        ["AKUN", "KELOMPOK", "JENIS", "OBJEK", "RINCIAN OBJEK", "SUB RINCIAN OBJEK", "URAIAN"],
        ["5", None, None, None, None, None, "BELANJA DAERAH"],
        ["5", "1", None, None, None, None, "BELANJA OPERASI (DIUBAH)"],  # row 3
        ["5", "1", "02", None, None, None, "Belanja Barang dan Jasa"],
        ["5", "1", "02", "01", None, None, "Belanja Barang"],
        ["5", "1", "02", "01", "001", None, "Belanja Barang Pakai Habis"],
        ["5", "1", "02", "01", "001", "00024", "Belanja Alat/Bahan untuk Kegiatan Kantor-"],
        [None, None, None, None, None, None, "Alat Tulis Kantor"],
    ]
    path = _xlsx(tmp_path, rows)
    report = reference_annex_import(path=path, version_code=VERSION, kind="account", version_name="Kepmendagri 861")
    assert report.errors == []
    assert report.warnings == ["Baris 3: nama kode '5.1' berbeda dengan versi 050-5889/2021; nama lama dipertahankan"]
    assert Account.objects.get(kode="5.1").nama == "BELANJA OPERASI"
    assert sorted(Account.objects.get(kode="5.1").versions.values_list("kode", flat=True)) == [
        "050-5889/2021",
        VERSION,
    ]
    atk = Account.objects.get(kode="5.1.02.01.01.0024")  # 2026 widths stored canonically
    assert atk.nama == "Belanja Alat/Bahan untuk Kegiatan Kantor- Alat Tulis Kantor"
    assert atk.is_postable and atk.level == 6
    assert report.created == 4


@pytest.mark.django_db
def test_import_command_reports_success_and_failure(tmp_path, capsys):
    rows = _program_rows()
    rows[-1:-1] = _support_parents()
    good = _xlsx(tmp_path, rows)
    call_command("import_nomenclature_excel", str(good), "--version", VERSION, "--version-name", "Kepmendagri 861")
    out = capsys.readouterr().out
    assert "Tersimpan ke versi 900.1-861/2026: 11 kode baru" in out
    bad = _xlsx(tmp_path, [*TITLE_ROWS, ["1", "0x", None, None, None, "RUSAK"]], name="rusak.xlsx")
    with pytest.raises(CommandError, match="1 baris bermasalah"):
        call_command("import_nomenclature_excel", str(bad), "--version", VERSION)
    assert "Baris 7: kode '1.0x' tidak valid" in capsys.readouterr().err
    assert ProgramCode.objects.count() == 11


@pytest.mark.django_db
def test_unreadable_file_is_reported(tmp_path):
    path = tmp_path / "bukan-excel.xlsx"
    path.write_text("bukan berkas excel")
    report = reference_annex_import(path=path, version_code=VERSION, kind="program", version_name="x")
    assert report.errors and report.errors[0].startswith("Berkas tidak dapat dibaca")
    assert not RegulationVersion.objects.filter(kode=VERSION).exists()


def test_continuation_without_a_code_row_after_the_table_started_is_an_error():
    grid = [
        ["1", "", "", "", "", "URUSAN"],
        ["", "", "", "", "", "lanjutan"],
        ["1", "0y", "", "", "", "X"],
        ["", "", "", "", "", "lanjutan baris rusak"],
    ]
    result = parse_grid(grid, kind="program")
    assert [r.nama for r in result.rows] == ["URUSAN lanjutan"]
    # continuation lines of a rejected row are not reported a second time
    assert result.errors == ["Baris 3: kode '1.0y' tidak valid"]


def test_empty_sheet_is_reported():
    assert parse_grid([["KODE", "", "", "", "", "NOMENKLATUR"]], kind="program").errors == [
        "Tidak ada baris kode yang terbaca."
    ]
