"""Bulk CSV import: every failing row and column reported (both paths alike), lines kept in file order, and the
ceilings of agency, sub-kegiatan and sumber dana held against the lines already there plus the file's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terang.audit.events import EventType
from terang.audit.models import DomainEvent
from terang.budgeting.models import BudgetLine, Ceiling
from terang.budgeting.services.bulk_import import lines_bulk_import_csv
from terang.budgeting.tests.test_demo_bulk_import import _row, _write
from terang.core.errors import ApplicationError
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

SUB = "1.02.02.2.01.0002"
LINE = Decimal("3136860.00")  # the default row: 10 × 12 × 23,550 + 11 % PPN


@pytest.fixture
def world():
    w = make_budget_world()
    w.sub = w.sub_activity("dinkes", SUB)
    return w


def _refused(world, path, code="bulk_import_invalid") -> ApplicationError:
    with pytest.raises(ApplicationError) as excinfo:
        lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=path)
    assert excinfo.value.code == code
    return excinfo.value


def test_every_failing_row_and_column_is_named_and_nothing_is_written(world, tmp_path):
    rows = [
        _row(world),
        _row(world, kode_opd="9.99.0.00.0.00.01.0000"),
        _row(world, vol2="dua belas", ppn="mungkin"),
        _row(world, vol3="", sat3="Hari"),
        _row(world, kode_komponen=world.items["Bata Merah"].kode, harga_satuan="1000", kode_sumber_dana="7.7"),
        _row(world),
    ]
    error = _refused(world, _write(tmp_path, rows))
    assert [(e["baris"], e["kolom"]) for e in error.details["kesalahan"]] == [
        (3, "kode_opd"), (4, "vol2"), (4, "ppn"), (5, "vol3"), (6, "kode_komponen"), (6, "kode_sumber_dana")]
    messages = {(e["baris"], e["kolom"]): e["pesan"] for e in error.details["kesalahan"]}
    assert messages[(5, "vol3")] == "Satuan 3 diisi tanpa volume 3."
    assert messages[(6, "kode_sumber_dana")] == "Sumber dana '7.7' tidak dikenal."
    assert "6 kesalahan pada 6 baris" in error.message
    assert not BudgetLine.objects.exists()
    assert not DomainEvent.objects.filter(event_type=EventType.RKA_IMPORTED).exists()


def test_lines_keep_the_order_of_the_file(world, tmp_path):
    rows = [_row(world, keterangan=f"baris {n}", vol1=str(n)) for n in range(1, 41)]
    lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, rows))
    assert list(BudgetLine.objects.order_by("pk").values_list("keterangan", flat=True)) == [
        f"baris {n}" for n in range(1, 41)]


def test_postgresql_line_keys_are_unique_v8_keys_increasing_in_file_order(world, tmp_path, postgres_only):
    rows = [_row(world, keterangan=f"baris {n}") for n in range(1, 31)]
    lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, rows))
    lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, rows[:5]))
    keys = list(BudgetLine.objects.order_by("pk").values_list("line_key", flat=True))
    first, second = keys[:30], keys[30:]
    assert len(set(keys)) == 35 and all(k.version == 8 for k in keys)
    assert first == sorted(first) and second == sorted(second)
    assert first[0].hex[:16] != second[0].hex[:16]  # a fresh random prefix per import
    assert [int(k.hex[17:], 16) for k in first] == list(range(1, 31))


def test_header_only_file_imports_nothing(world, tmp_path):
    result = lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, []))
    assert (result.rows, result.created, result.total) == (0, 0, Decimal(0))
    assert not BudgetLine.objects.exists()


def test_agency_ceiling_counts_the_lines_already_there(world, tmp_path):
    lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, [_row(world)]))
    first = BudgetLine.objects.get()
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("5000000"))
    error = _refused(world, _write(tmp_path, [_row(world)]), code="ceiling_exceeded")
    assert error.details["pagu"][0]["jumlah"] == str(2 * LINE)
    assert list(BudgetLine.objects.values_list("pk", "total")) == [(first.pk, LINE)]


def test_sub_kegiatan_ceiling_is_held(world, tmp_path):
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           sub_kegiatan=world.program[SUB], amount=Decimal("6000000"))
    error = _refused(world, _write(tmp_path, [_row(world), _row(world)]), code="ceiling_exceeded")
    assert [(p["pagu"], p["jumlah"]) for p in error.details["pagu"]] == [("6000000.00", str(2 * LINE))]
    assert not BudgetLine.objects.exists()
    result = lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, [_row(world)]))
    assert (result.created, BudgetLine.objects.count()) == (1, 1)


def test_sumber_dana_ceiling_counts_only_lines_of_that_source(world, tmp_path):
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           sumber_dana=world.sumber_dana["1.2"], amount=Decimal("4000000"))
    # one line on sumber 1.2 and two on the sub-kegiatan's own 1.1: within the 1.2 ceiling
    rows = [_row(world, kode_sumber_dana="1.2"), _row(world), _row(world)]
    assert lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, rows)).created == 3
    error = _refused(world, _write(tmp_path, [_row(world, kode_sumber_dana="1.2")]), code="ceiling_exceeded")
    assert [(p["pagu"], p["jumlah"]) for p in error.details["pagu"]] == [("4000000.00", str(2 * LINE))]
    assert BudgetLine.objects.count() == 3
