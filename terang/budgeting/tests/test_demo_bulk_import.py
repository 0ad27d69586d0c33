"""Bulk CSV import of belanja lines (the benchmark's import path): exact totals, all-or-nothing with errors by row
and column, ceilings, and the same result on SQLite (streaming Python) and PostgreSQL (COPY + set-based SQL)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from terang.audit.events import EventType
from terang.audit.models import DomainEvent
from terang.budgeting.calc import line_amounts
from terang.budgeting.models import BudgetLine, Ceiling
from terang.budgeting.services.bulk_import import CSV_COLUMNS, lines_bulk_import_csv
from terang.core.errors import ApplicationError, PermissionDeniedError
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

ATK = "5.1.02.01.01.0024"


@pytest.fixture
def world():
    w = make_budget_world()
    w.sub = w.sub_activity("dinkes", "1.02.02.2.01.0002")
    return w


def _row(world, **extra) -> dict[str, str]:
    row = dict.fromkeys(CSV_COLUMNS, "")
    row.update({"kode_opd": world.orgs["dinkes"].kode, "kode_sub_kegiatan": "1.02.02.2.01.0002",
                "kode_rekening": ATK, "kode_komponen": world.items["Refill Ballpoint"].kode, "vol1": "10",
                "sat1": "Orang", "vol2": "12", "sat2": "Bulan", "harga_satuan": "23550", "ppn": "1"})
    row.update(extra)
    return row


def _write(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "rincian.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _rows(world) -> list[dict[str, str]]:
    return [
        _row(world),
        _row(world, kode_rekening="5.1.02.01.001.00024", vol1="3.5", vol2="", sat2="", ppn="0", uraian="Pulpen rapat",
             harga_satuan="20000", kode_sumber_dana="1.2", kelompok="[#] Rapat", keterangan="Triwulan I"),
        _row(world, kode_komponen=world.items["Nasi Kotak Rapat"].kode, kode_rekening="5.1.02.01.01.0052",
             vol1="25", sat1="Orang", vol2="4", sat2="Kali", vol3="1.5", sat3="Hari", harga_satuan="39999.99",
             ppn="ya"),
    ]


def _check_result(world, result) -> None:
    lines = list(BudgetLine.objects.filter(fiscal_year=world.fiscal_year).order_by("pk"))
    assert (result.rows, result.created, len(lines)) == (3, 3, 3)
    first, second, third = lines
    assert (first.volume, first.ppn_amount, first.total) == (Decimal("120"), Decimal("310860.00"),
                                                             Decimal("3136860.00"))
    assert (second.uraian, second.account.kode, second.sumber_dana.kode, second.kelompok, second.keterangan) == (
        "Pulpen rapat", ATK, "1.2", "[#] Rapat", "Triwulan I")
    assert (second.vol2, second.total, second.ppn) == (None, Decimal("70000.00"), False)
    expected = line_amounts(vol1=Decimal("25"), vol2=Decimal("4"), vol3=Decimal("1.5"),
                            harga_satuan=Decimal("39999.99"), ppn=True, ppn_rate=Decimal("0.11"))
    assert (third.volume, third.ppn_amount, third.total) == (expected.volume, expected.ppn_amount, expected.total)
    assert (first.uraian, first.satuan, first.sumber_dana.kode, first.sub_activity_id) == (
        "Refill Ballpoint", "Buah", "1.1", world.sub.pk)
    assert all(line.akun == "5" and line.version == 1 and line.price_item_id for line in lines)
    assert len({line.line_key for line in lines}) == 3
    assert result.total == sum(line.total for line in lines)
    event = DomainEvent.objects.filter(event_type=EventType.RKA_IMPORTED).latest("seq")
    assert (event.payload["bulk"], event.payload["rincian"], event.payload["jumlah"]) == (True, 3, str(result.total))


def test_imports_priced_lines_with_exact_totals(world, tmp_path):
    result = lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, _rows(world)))
    _check_result(world, result)


def test_postgresql_fast_path_gives_the_same_lines(world, tmp_path, postgres_only):
    result = lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, _rows(world)))
    assert set(result.phases) >= {"copy", "resolve", "insert", "pagu"}
    _check_result(world, result)


@pytest.mark.parametrize(("extra", "column", "message"), [
    ({"kode_opd": "9.99.0.00.0.00.01.0000"}, "kode_opd", "Perangkat daerah '9.99.0.00.0.00.01.0000' tidak dikenal."),
    ({"kode_sub_kegiatan": "1.02.02.2.01.0001"}, "kode_sub_kegiatan",
     "Sub kegiatan '1.02.02.2.01.0001' tidak ada di RKA perangkat daerah ini."),
    ({"kode_rekening": "5.1.02.01.01"}, "kode_rekening",
     "Rekening '5.1.02.01.01' bukan rekening belanja tingkat 6 versi 900.1.15.5-1317/2023."),
    ({"kode_komponen": "0.0.0"}, "kode_komponen", "Komponen '0.0.0' tidak ada di standar harga."),
    ({"harga_satuan": "30000"}, "harga_satuan", "Harga satuan 30000 melebihi harga standar 23550.00."),
    ({"vol1": "abc"}, "vol1", None),
    ({"ppn": "mungkin"}, "ppn", "PPN harus 1/0, ya/tidak atau true/false."),
    ({"kode_sumber_dana": "9.9"}, "kode_sumber_dana", "Sumber dana '9.9' tidak dikenal."),
])
def test_any_invalid_row_rejects_the_whole_file_with_row_and_column(world, tmp_path, extra, column, message):
    rows = [_row(world), _row(world, **extra)]
    with pytest.raises(ApplicationError) as excinfo:
        lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, rows))
    assert excinfo.value.code == "bulk_import_invalid"
    errors = excinfo.value.details["kesalahan"]
    assert [(e["baris"], e["kolom"]) for e in errors] == [(3, column)]
    if message:
        assert errors[0]["pesan"] == message
    assert not BudgetLine.objects.exists()


def test_item_not_allowed_for_the_account_is_refused(world, tmp_path):
    rows = [_row(world, kode_rekening="5.1.02.01.01.0001")]
    with pytest.raises(ApplicationError) as excinfo:
        lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, rows))
    assert [(e["baris"], e["kolom"]) for e in excinfo.value.details["kesalahan"]] == [(2, "kode_komponen")]
    assert not BudgetLine.objects.exists()


def test_exceeding_a_ceiling_rolls_everything_back(world, tmp_path):
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("5000000"))
    rows = [_row(world), _row(world)]  # 2 × Rp 3.136.860 > Rp 5.000.000
    with pytest.raises(ApplicationError) as excinfo:
        lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, rows))
    assert excinfo.value.code == "ceiling_exceeded"
    assert excinfo.value.details["pagu"][0]["jumlah"] == "6273720.00"
    assert not BudgetLine.objects.exists()


def test_with_an_actor_needs_edit_rights_over_every_agency(world, tmp_path):
    path = _write(tmp_path, [_row(world)])
    with pytest.raises(PermissionDeniedError):
        lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=path, actor=world.users["operator_dispendik"])
    assert not BudgetLine.objects.exists()
    result = lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=path, actor=world.users["operator"])
    line = BudgetLine.objects.get()
    assert (result.created, line.created_by, line.updated_by) == (1, world.users["operator"],
                                                                  world.users["operator"])


def test_missing_columns_are_named(world, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("kode_opd,vol1\n", encoding="utf-8")
    with pytest.raises(ApplicationError) as excinfo:
        lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=path)
    assert excinfo.value.code == "bulk_import_columns"
    assert "kode_sub_kegiatan" in excinfo.value.message
