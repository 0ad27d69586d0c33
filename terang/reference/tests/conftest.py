"""Fixtures of the reference tests: a small slice of the shipped files (fast) and the full load (module-scoped)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.db import transaction

from terang.reference.loaders import DATA_DIR, load_all

# program codes kept in the slice: urusan 1 with bidang 1.02 (Kesehatan), urusan 5 with bidang 5.01, and the
# X.XX support program
PROGRAM_PREFIXES = ("1.02", "5.01", "X")
PROGRAM_ROOTS = {"1", "5"}
# accounts kept: belanja barang pakai habis (5.1.02.01.01) and PBJT (4.1.01.19, observed in 2025 budgets)
ACCOUNT_PREFIXES = ("5.1.02.01.01", "4.1.01.19")


def _is_kept_account(kode: str) -> bool:
    return any(kode.startswith(p) or p.startswith(kode + ".") or p == kode for p in ACCOUNT_PREFIXES)


def _is_kept_program(kode: str) -> bool:
    return kode in PROGRAM_ROOTS or kode.startswith(PROGRAM_PREFIXES)


def _copy(name: str, target: Path, keep=None) -> int:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [row for row in reader if keep is None or keep(row)]
        fields = reader.fieldnames
    with open(target / name, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def write_slice(target: Path) -> dict[str, int]:
    """Write a consistent subset of the shipped CSV files into `target`; returns rows written per file."""
    target.mkdir(parents=True, exist_ok=True)
    return {
        "nomenklatur": _copy(
            "nomenklatur_program_kegiatan_subkegiatan_kabkota.csv", target, lambda r: _is_kept_program(r["kode"])
        ),
        "metadata": _copy(
            "nomenklatur_subkegiatan_metadata_kabkota.csv", target, lambda r: _is_kept_program(r["kode"])
        ),
        "rekening": _copy("kode_rekening_apbd.csv", target, lambda r: _is_kept_account(r["kode"])),
        "sumber_dana": _copy("sumber_dana_kepmendagri_050_5889_2021.csv", target),
        "fungsi": _copy("fungsi_subfungsi_permendagri90_2019.csv", target),
        "urusan": _copy("urusan_bidang_urusan_kabkota.csv", target),
        "desa_kegiatan": _copy("desa_bidang_subbidang_kegiatan_permendagri20_2018.csv", target),
        "desa_rekening": _copy("desa_kode_rekening_akun_kelompok_jenis.csv", target),
    }


@pytest.fixture
def slice_dir(tmp_path) -> Path:
    target = tmp_path / "data"
    write_slice(target)
    return target


@pytest.fixture
def reference_slice(db, slice_dir) -> dict[str, int]:
    """A small but real reference load (a few hundred codes) for selector, page and API tests."""
    return load_all(data_dir=slice_dir)


@pytest.fixture(scope="module")
def full_reference(django_db_setup, django_db_blocker):
    """The whole shipped data loaded once for a test module, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = load_all()
        yield counts
        transaction.set_rollback(True)
