"""Loaders on a slice of the shipped files: counts, idempotence, updates, all-or-nothing on bad files."""

import csv
import io

import pytest

from terang.audit.events import EventType
from terang.audit.models import DomainEvent
from terang.core.errors import ApplicationError
from terang.reference.loaders import V_1317, V_2027, load_all
from terang.reference.models import Account, Fungsi, ProgramCode, RegulationVersion, SumberDana, VillageActivity

from .conftest import write_slice

pytestmark = pytest.mark.django_db


def _rewrite(path, change):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_slice_load_stores_every_row_with_parents_and_versions(tmp_path):
    written = write_slice(tmp_path)
    counts = load_all(data_dir=tmp_path)
    assert counts["nomenklatur"] == written["nomenklatur"] == ProgramCode.objects.count()
    assert counts["rekening"] == written["rekening"] == Account.objects.count()
    assert ProgramCode.objects.filter(parent__isnull=True).count() == 3  # urusan 1, 5 and X
    assert ProgramCode.objects.exclude(level=1).filter(parent__isnull=True).count() == 0
    atk = Account.objects.get(kode="5.1.02.01.01.0024")
    assert (atk.level, atk.tingkat, atk.is_postable, atk.parent.kode) == (6, "sub_rincian_objek", True, "5.1.02.01.01")
    sub = ProgramCode.objects.get(kode="1.02.02.2.01.0001")
    assert sorted(sub.versions.values_list("kode", flat=True)) == [V_1317, V_2027]
    assert sub.indikator and sub.satuan
    kegiatan = VillageActivity.objects.get(kode="01.01.01")
    assert (kegiatan.parent.kode, kegiatan.parent.parent.kode) == ("01.01", "01")
    assert SumberDana.objects.get(kode="1.1.01.01").keterangan.startswith("Digunakan untuk mencatat")


def test_second_load_creates_and_updates_nothing(tmp_path):
    write_slice(tmp_path)
    load_all(data_dir=tmp_path)
    before = (ProgramCode.objects.count(), ProgramCode.versions.through.objects.count(), DomainEvent.objects.count())
    out = io.StringIO()
    load_all(data_dir=tmp_path, stdout=out)
    after = (ProgramCode.objects.count(), ProgramCode.versions.through.objects.count(), DomainEvent.objects.count())
    assert after == before
    assert "nomenklatur: " in out.getvalue() and "0 baru, 0 diperbarui, 0 tautan versi baru" in out.getvalue()


def test_changed_name_in_file_updates_the_row_and_records_it(tmp_path):
    write_slice(tmp_path)
    load_all(data_dir=tmp_path)
    _rewrite(
        tmp_path / "fungsi_subfungsi_permendagri90_2019.csv",
        lambda rows: [{**r, "nama": "Statistik Daerah"} if r["kode"] == "01.01" else r for r in rows],
    )
    load_all(data_dir=tmp_path)
    assert Fungsi.objects.get(kode="01.01").nama == "Statistik Daerah"
    event = DomainEvent.objects.filter(event_type=EventType.REFERENCE_LOADED).order_by("-seq").first()
    assert event.payload["details"]["fungsi"]["updated"] == 1
    assert event.payload["details"]["fungsi"]["created"] == 0


def test_bad_code_in_a_later_file_saves_nothing(tmp_path):
    write_slice(tmp_path)
    _rewrite(tmp_path / "kode_rekening_apbd.csv", lambda rows: [*rows, {**rows[-1], "kode": "5.1.0x"}])
    with pytest.raises(ApplicationError) as exc:
        load_all(data_dir=tmp_path)
    assert "kode '5.1.0x' tidak valid" in exc.value.message
    # the nomenclature was loaded before the accounts in the same transaction: rolled back too
    assert ProgramCode.objects.count() == 0
    assert RegulationVersion.objects.count() == 0
    assert not DomainEvent.objects.filter(event_type=EventType.REFERENCE_LOADED).exists()


def test_unknown_version_is_refused(tmp_path):
    write_slice(tmp_path)
    _rewrite(
        tmp_path / "nomenklatur_program_kegiatan_subkegiatan_kabkota.csv",
        lambda rows: [{**r, "sumber": "versi-tak-dikenal"} if r["kode"] == "1.02" else r for r in rows],
    )
    with pytest.raises(ApplicationError) as exc:
        load_all(data_dir=tmp_path)
    assert "versi-tak-dikenal" in exc.value.message
    assert ProgramCode.objects.count() == 0


def test_missing_parent_is_refused(tmp_path):
    write_slice(tmp_path)
    _rewrite(
        tmp_path / "kode_rekening_apbd.csv",
        lambda rows: [r for r in rows if r["kode"] != "5.1.02.01.01"],
    )
    with pytest.raises(ApplicationError) as exc:
        load_all(data_dir=tmp_path)
    assert "induk '5.1.02.01.01'" in exc.value.message
    assert Account.objects.count() == 0
