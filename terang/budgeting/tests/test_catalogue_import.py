"""Catalogue import (SIPD export layout, CSV and Excel): exact prices, all-or-nothing with row/column errors,
idempotent re-import with change records, permission, management command."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import CatalogueKind
from terang.budgeting.models import FiscalYear, PriceChange, PriceItem
from terang.budgeting.services.catalogue import catalogue_import
from terang.core.errors import PermissionDeniedError
from terang.reference.codes import normalize_account_code
from terang.reference.models import Account
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "ssh_kota_malang_2026_sample.csv"
VERSION = "900.1.15.5-1317/2023"


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def ensure_sample_accounts(world) -> dict[str, Account]:
    """The accounts the sample uses (2026 width in the file), built from the file itself, in the FY's version."""
    version = world.fiscal_year.account_version
    out = {}
    for row in sample_rows():
        kode = normalize_account_code(row["kode_rekening_2026"])
        parent = world.accounts[kode.rsplit(".", 1)[0]]
        account, _ = Account.objects.get_or_create(
            kode=kode, defaults={"level": 6, "tingkat": "sub_rincian_objek", "nama": kode, "is_postable": True,
                                 "parent": parent})
        account.versions.add(version)
        out[kode] = account
    return out


@pytest.fixture
def world():
    w = make_budget_world()
    ensure_sample_accounts(w)
    return w


@pytest.fixture
def fresh_year(world):
    """FY 2027 of pemda A: same account version, empty catalogue."""
    return FiscalYear.objects.create(pemda=world.pemda, tahun=2027, program_version=world.fiscal_year.program_version,
                                     account_version=world.fiscal_year.account_version)


def items_of(fy) -> dict[tuple[str, str], PriceItem]:
    return {(i.kode, i.zone): i for i in PriceItem.objects.filter(fiscal_year=fy).prefetch_related("allowed_accounts")}


def write_csv(tmp_path, rows: list[list[str]], *, delimiter=",", name="ssh.csv") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


HEADER = ["id_standar_harga", "kode_kelompok_barang", "uraian_kelompok_barang", "kode_barang", "uraian_barang",
          "spesifikasi", "satuan", "harga_satuan", "kode_rekening_2026"]


def test_sample_file_imports_32_items_with_exact_prices(world, fresh_year):
    report = catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=SAMPLE)

    assert report.messages == []
    assert (report.rows_read, report.created, report.updated, report.unchanged) == (32, 32, 0, 0)
    assert report.saved and report.by_kind == {"ssh": 32}
    items = items_of(fresh_year)
    assert len(items) == 32
    bata = items[("1.1.12.01.01.0001.17127", "")]
    assert (bata.nama, bata.satuan, bata.harga, bata.kind) == ("Bata Merah", "Buah", Decimal("1850.00"), "ssh")
    assert bata.kode_kelompok == "1.1.12.01.01.0001" and bata.nama_kelompok == "Bahan Bangunan dan Konstruksi"
    assert bata.source_id == "13227175" and bata.spesifikasi == ""
    assert [a.kode for a in bata.allowed_accounts.all()] == ["5.1.02.01.01.0001"]
    aspal = items[("1.1.12.01.01.0001.17117", "")]
    assert (aspal.nama, aspal.spesifikasi, aspal.satuan, aspal.harga) == ("Aspal Buton", "A", "Ton",
                                                                          Decimal("2583700.00"))
    refill = items[("1.1.12.01.03.0001.07533", "")]
    assert refill.harga == Decimal("23550.00")
    assert [a.kode for a in refill.allowed_accounts.all()] == ["5.1.02.01.01.0024"]
    besi = items[("1.1.12.01.01.0001.17152", "")]
    assert besi.spesifikasi == "DiaMeter 10 MM, 12 M"
    event = DomainEvent.objects.get(event_type=EventType.CATALOGUE_IMPORTED)
    assert event.payload["created"] == 32 and event.payload["updated"] == 0 and event.pemda_id == world.pemda.pk
    assert event.object_id == str(fresh_year.pk)
    assert len(event.payload["sha256"]) == 64
    assert ChangeRecord.objects.filter(action="import", object_id=str(fresh_year.pk)).count() == 1


def test_sample_into_world_year_updates_the_three_known_codes(world):
    """The world's FY 2026 already holds 17115, 17124 and 07533: they are updated, 29 items are new."""
    before = PriceItem.objects.filter(fiscal_year=world.fiscal_year).count()

    report = catalogue_import(actor=world.users["bpkad"], fiscal_year=world.fiscal_year, path=SAMPLE)

    assert (report.created, report.updated, report.unchanged) == (29, 3, 0)
    assert PriceItem.objects.filter(fiscal_year=world.fiscal_year).count() == before + 29
    timbunan = PriceItem.objects.get(fiscal_year=world.fiscal_year, kode="1.1.12.01.01.0001.17124")
    assert (timbunan.nama, timbunan.harga, timbunan.satuan, timbunan.version) == (
        "Bahan TiMbunan", Decimal("100000.00"), "M3", 2)
    change = PriceChange.objects.get(item=timbunan)
    assert (change.old_harga, change.new_harga, change.applied, change.proposal_id) == (
        Decimal("1850.00"), Decimal("100000.00"), True, None)
    record = ChangeRecord.objects.get(action="import", object_type="budgeting.fiscalyear",
                                      object_id=str(world.fiscal_year.pk))
    assert record.actor_username == "bpkad" and record.pemda_id == world.pemda.pk
    assert sorted(record.before["items"]) == sorted(record.after["updated_items"]) == sorted(
        str(world.items[n].pk) for n in ("Bata Merah", "Alluminium Strip", "Refill Ballpoint"))
    assert record.before["items"][str(timbunan.pk)] == {
        "nama": "Bata Merah", "satuan": "Buah", "harga": "1850.00", "kode_kelompok": "",
        "nama_kelompok": "", "source_id": ""}
    assert record.after["updated_items"][str(timbunan.pk)] == {
        "kode": "1.1.12.01.01.0001.17124", "zona": "", "nama": "Bahan TiMbunan", "satuan": "M3",
        "harga": "100000.00", "kode_kelompok": "1.1.12.01.01.0001", "nama_kelompok": "Bahan Bangunan dan Konstruksi",
        "source_id": "13227172"}
    assert (record.after["created"], record.after["updated"]) == (29, 3)
    # the other pemda's catalogue is untouched
    other = PriceItem.objects.get(fiscal_year=world.other_fiscal_year, kode="1.1.12.01.01.0001.17124")
    assert (other.nama, other.harga) == ("Bata Merah", Decimal("1850.00"))


def test_reimport_is_idempotent_and_updates_prices_with_change_records(world, fresh_year, tmp_path):
    catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=SAMPLE)
    again = catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=SAMPLE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 32)
    assert PriceChange.objects.count() == 0
    assert ChangeRecord.objects.get(action="import", seq=ChangeRecord.objects.latest("seq").seq).before == {
        "items": {}}

    rows = [HEADER] + [[r[h] for h in HEADER] for r in sample_rows()]
    rows[11][7] = "1.900"  # Bata Merah (Buah), row 12 of the file, Indonesian thousands dot
    rows[4][7] = "2.600.000,00"  # Aspal Buton A
    rows[19][8] = "5.1.02.01.001.00024; 5.1.02.01.001.00001"  # Refill Ballpoint gets a second account
    path = write_csv(tmp_path, rows)

    report = catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=path)

    assert (report.created, report.updated, report.unchanged, report.price_changes) == (0, 3, 29, 3)
    items = items_of(fresh_year)
    assert items[("1.1.12.01.01.0001.17127", "")].harga == Decimal("1900.00")
    assert items[("1.1.12.01.01.0001.17117", "")].harga == Decimal("2600000.00")
    refill = items[("1.1.12.01.03.0001.07533", "")]
    assert sorted(a.kode for a in refill.allowed_accounts.all()) == ["5.1.02.01.01.0001", "5.1.02.01.01.0024"]
    bata_change = PriceChange.objects.get(item=items[("1.1.12.01.01.0001.17127", "")])
    assert (bata_change.old_harga, bata_change.new_harga) == (Decimal("1850.00"), Decimal("1900.00"))
    refill_change = PriceChange.objects.get(item=refill)
    assert refill_change.new_harga is None
    assert [a.kode for a in refill_change.added_accounts.all()] == ["5.1.02.01.01.0001"]
    record = ChangeRecord.objects.filter(action="import").latest("seq")
    assert record.before["items"][str(refill.pk)] == {"allowed_accounts": ["5.1.02.01.01.0024"]}
    assert record.after["updated_items"][str(refill.pk)] == {
        "kode": "1.1.12.01.03.0001.07533", "zona": "", "allowed_accounts": ["5.1.02.01.01.0001", "5.1.02.01.01.0024"]}
    bata = items[("1.1.12.01.01.0001.17127", "")]
    assert record.before["items"][str(bata.pk)] == {"harga": "1850.00"}
    assert len(record.before["items"]) == 3
    item_record = ChangeRecord.objects.get(action="update", object_type="budgeting.priceitem", object_id=str(bata.pk))
    assert (item_record.before, item_record.after["harga"]) == ({"harga": "1850.00"}, "1900.00")
    assert item_record.reason.startswith("Impor standar harga")
    assert DomainEvent.objects.filter(event_type=EventType.CATALOGUE_IMPORTED).count() == 3


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_saved(world, fresh_year, tmp_path):
    rows = [HEADER, *[[r[h] for h in HEADER] for r in sample_rows()][:10]]
    rows[5][7] = "abc"  # file row 6
    rows[7][8] = "5.1.02.01.001.99999"  # file row 8
    rows[8][8] = "5.1.02.01.001"  # file row 9: not postable (rincian objek)
    rows[9][4] = ""  # file row 10: no name
    rows.append(list(rows[2]))  # file row 12 duplicates row 3
    rows[3][7] = "-5"  # file row 4
    rows[1][8] = "5.1.x"  # file row 2
    path = write_csv(tmp_path, rows, delimiter=";")
    events = DomainEvent.objects.count()

    report = catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=path)

    assert report.messages == [
        "Baris 2, kolom kode_rekening_2026: kode rekening '5.1.x' tidak valid.",
        "Baris 4, kolom harga_satuan: harga harus lebih dari 0.",
        "Baris 6, kolom harga_satuan: 'abc' bukan angka.",
        "Baris 8, kolom kode_rekening_2026: rekening 5.1.02.01.001.99999 tidak ada di versi 900.1.15.5-1317/2023.",
        "Baris 9, kolom kode_rekening_2026: rekening 5.1.02.01.001 bukan rekening rincian (sub rincian objek) "
        "sehingga tidak dapat dianggarkan.",
        "Baris 10, kolom uraian_barang: wajib diisi.",
        "Baris 12, kolom kode_barang: kode 1.1.12.01.01.0001.17115 sudah ada di baris 3.",
    ]
    assert not report.saved
    assert PriceItem.objects.filter(fiscal_year=fresh_year).count() == 0
    assert DomainEvent.objects.count() == events
    assert not ChangeRecord.objects.filter(action="import").exists()


def test_one_bad_row_blocks_updates_of_good_rows(world, fresh_year, tmp_path):
    catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=SAMPLE)
    rows = [HEADER] + [[r[h] for h in HEADER] for r in sample_rows()]
    rows[11][7] = "1900"
    rows[30][7] = "12,5,3"
    path = write_csv(tmp_path, rows)

    report = catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=path)

    assert report.messages == ["Baris 31, kolom harga_satuan: '12,5,3' bukan angka."]
    assert items_of(fresh_year)[("1.1.12.01.01.0001.17127", "")].harga == Decimal("1850.00")
    assert PriceChange.objects.count() == 0


def test_missing_column_is_a_file_error(world, fresh_year, tmp_path):
    path = write_csv(tmp_path, [HEADER[:-1], ["1", "", "", "K.1", "Barang", "-", "Buah", "100"]])

    report = catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=path)

    assert report.messages == ["Kolom wajib tidak ada: kode_rekening_2026."]
    assert not PriceItem.objects.filter(fiscal_year=fresh_year).exists()


def test_excel_with_title_row_jenis_zones_and_several_accounts(world, fresh_year, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["STANDAR HARGA KOTA MALANG TA 2026"])
    ws.append(["ID Standar Harga", "KODE BARANG", "Uraian Barang", "SPESIFIKASI", "Satuan", "HARGA SATUAN",
               "Kode Rekening 2026", "Jenis", "Zona", "Harga Zona 2"])
    ws.append([13227175, "1.1.12.01.01.0001.17127", "Bata Merah", "-", "Buah", 1850, "5.1.02.01.001.00001", "1",
               "", 1950.5])
    ws.append([None, "4.01.01.0002", "Honorarium Narasumber", "Eselon II", "OJ", 1125.75,
               "5.1.02.01.001.00024\n5.1.02.01.001.00001", "sbu", "1", None])
    ws.append([None, None, None, None, None, None, None, None, None, None])
    ws.append([None, "2.2.1.01", "Pasangan Bata 1 m2", "", "M2", "150.000", "5.1.02.01.001.00001", "HSPK",
               "", None])
    path = tmp_path / "ssh.xlsx"
    wb.save(path)

    report = catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=path)

    assert report.messages == []
    assert (report.rows_read, report.items_read, report.created) == (3, 4, 4)
    items = items_of(fresh_year)
    assert items[("1.1.12.01.01.0001.17127", "")].harga == Decimal("1850.00")
    assert items[("1.1.12.01.01.0001.17127", "")].source_id == "13227175"
    assert items[("1.1.12.01.01.0001.17127", "2")].harga == Decimal("1950.50")
    honor = items[("4.01.01.0002", "1")]
    assert (honor.kind, honor.harga) == (CatalogueKind.SBU, Decimal("1125.75"))
    assert sorted(a.kode for a in honor.allowed_accounts.all()) == ["5.1.02.01.01.0001", "5.1.02.01.01.0024"]
    pasangan = items[("2.2.1.01", "")]
    assert (pasangan.kind, pasangan.harga) == (CatalogueKind.HSPK, Decimal("150000.00"))


def test_excel_errors_use_spreadsheet_row_numbers(world, fresh_year, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["judul"])
    ws.append(HEADER)
    ws.append(["1", "", "", "K.1", "Barang", "-", "Buah", "abc", "5.1.02.01.001.00001"])
    ws.append(["2", "", "", "K.2", "Barang", "-", "Buah", 10, "5.1.02.01.001.00001"])
    ws.append(["3", "", "", "K.3", "Barang", "-", "Buah", 10, "5.1.02.01.001.00001", "x"])
    path = tmp_path / "bad.xlsx"
    wb.save(path)

    report = catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=path)

    assert report.messages == ["Baris 3, kolom harga_satuan: 'abc' bukan angka."]


def test_rows_argument_and_kind_default_and_dry_run(world, fresh_year):
    rows = [{"Kode Barang": "K.1", "uraian_barang": "Uang Saku", "satuan": "OH", "harga_satuan": "150.000",
             "kode_rekening_2026": "5.1.02.01.01.0024"},
            {"kode_barang": "K.2", "uraian_barang": "Uang Harian", "satuan": "OH", "harga_satuan": "2.583.700,50",
             "kode_rekening_2026": "5.1.2.01.01.0024", "jenis": "4"}]

    dry = catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, rows=rows, kind_default="sbu",
                           dry_run=True)

    assert dry.ok and dry.dry_run and not dry.saved and dry.created == 2
    assert not PriceItem.objects.filter(fiscal_year=fresh_year).exists()
    assert not DomainEvent.objects.filter(event_type=EventType.CATALOGUE_IMPORTED).exists()

    catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, rows=rows, kind_default="sbu")
    items = items_of(fresh_year)
    assert items[("K.1", "")].harga == Decimal("150000.00") and items[("K.1", "")].kind == "sbu"
    assert items[("K.2", "")].harga == Decimal("2583700.50")


@pytest.mark.parametrize("role", ["operator", "tapd", "auditor", "bappeda", "operator_b", "tapd_b"])
def test_import_refused_without_catalogue_import(world, fresh_year, role):
    with pytest.raises(PermissionDeniedError):
        catalogue_import(actor=world.users[role], fiscal_year=fresh_year, path=SAMPLE)
    assert not PriceItem.objects.filter(fiscal_year=fresh_year).exists()
    assert not DomainEvent.objects.filter(event_type=EventType.CATALOGUE_IMPORTED).exists()


def test_other_pemda_admin_cannot_import(world):
    from terang.accounts.choices import Role
    from terang.testing.factories import make_user

    admin_b = make_user(Role.PEMDA_ADMIN, pemda=world.other_pemda, username="admin.b")
    with pytest.raises(PermissionDeniedError):
        catalogue_import(actor=admin_b, fiscal_year=world.fiscal_year, path=SAMPLE)
    assert PriceItem.objects.filter(fiscal_year=world.fiscal_year).count() == 7


def test_management_command_dry_run_then_import(world, fresh_year, capsys):
    call_command("import_catalogue", str(SAMPLE), "--pemda", world.pemda.kode, "--tahun", "2027", "--dry-run")
    out = capsys.readouterr().out
    assert "Baris data terbaca: 32" in out
    assert "32 komponen baru" in out
    assert not PriceItem.objects.filter(fiscal_year=fresh_year).exists()

    call_command("import_catalogue", str(SAMPLE), "--pemda", world.pemda.kode, "--tahun", "2027")
    assert PriceItem.objects.filter(fiscal_year=fresh_year).count() == 32
    event = DomainEvent.objects.get(event_type=EventType.CATALOGUE_IMPORTED)
    assert event.actor_username == "sistem"


def test_management_command_reports_errors(world, fresh_year, tmp_path, capsys):
    path = write_csv(tmp_path, [HEADER, ["1", "", "", "K.1", "Barang", "-", "Buah", "abc", "5.1.02.01.001.00001"]])
    with pytest.raises(CommandError, match="1 masalah"):
        call_command("import_catalogue", str(path), "--pemda", world.pemda.kode, "--tahun", "2027")
    assert "Baris 2, kolom harga_satuan: 'abc' bukan angka." in capsys.readouterr().err
    with pytest.raises(CommandError, match="tidak ada"):
        call_command("import_catalogue", str(path), "--pemda", world.pemda.kode, "--tahun", "2030")


def test_closed_year_is_refused(world, fresh_year):
    from terang.core.errors import ApplicationError

    FiscalYear.objects.filter(pk=fresh_year.pk).update(status="closed")
    with pytest.raises(ApplicationError) as exc:
        catalogue_import(actor=world.users["admin"], fiscal_year=fresh_year, path=SAMPLE)
    assert exc.value.code == "fiscal_year_closed"
    assert not PriceItem.objects.filter(fiscal_year=fresh_year).exists()
