"""Loaders for the national code lists shipped in `terang/reference/data/` (provenance in its README.md).

`load_all()` loads every list in one transaction (all or nothing), is idempotent (keyed by canonical kode and by
(code, version) link), uses bulk inserts, and records one REFERENCE_LOADED audit event when something changed.
Rows are never deleted: a code missing from a newer file stays linked to the versions that had it.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.db import models, transaction
from django.utils.translation import gettext as _

from terang.audit.events import EventType
from terang.audit.services import record_event
from terang.core.errors import ApplicationError

from . import codes
from .choices import (
    AccountLevel,
    FungsiLevel,
    ProgramLevel,
    SumberDanaLevel,
    UrusanLevel,
    VersionKind,
    VillageAccountLevel,
    VillageActivityLevel,
)
from .models import (
    Account,
    Fungsi,
    ProgramCode,
    RegulationVersion,
    SumberDana,
    Urusan,
    VillageAccount,
    VillageActivity,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

V_PERMENDAGRI_90 = "permendagri-90-2019"
V_050_5889 = "050-5889/2021"
V_1317 = "900.1.15.5-1317/2023"
V_2027 = "pemutakhiran-2027"
V_APBD_2025 = "apbd-2025-observed"
V_PERMENDAGRI_20 = "permendagri-20-2018"

# kode, singkatan, nama, jenis, tanggal, amends, keterangan
VERSIONS: tuple[tuple[str, str, str, str, datetime.date | None, str | None, str], ...] = (
    (
        V_PERMENDAGRI_20,
        "Permendagri 20/2018",
        "Peraturan Menteri Dalam Negeri Nomor 20 Tahun 2018 tentang Pengelolaan Keuangan Desa",
        VersionKind.REGULATION,
        None,
        None,
        "Klasifikasi belanja desa (bidang, sub bidang, kegiatan) dan kode rekening desa.",
    ),
    (
        V_PERMENDAGRI_90,
        "Permendagri 90/2019",
        "Peraturan Menteri Dalam Negeri Nomor 90 Tahun 2019 tentang Klasifikasi, Kodefikasi, dan Nomenklatur "
        "Perencanaan Pembangunan dan Keuangan Daerah",
        VersionKind.REGULATION,
        datetime.date(2019, 10, 18),
        None,
        "Fungsi/sub fungsi; akun pendapatan (4) dan pembiayaan (6). Sub rincian objek 3 digit.",
    ),
    (
        V_050_5889,
        "Kepmendagri 050-5889/2021",
        "Keputusan Menteri Dalam Negeri Nomor 050-5889 Tahun 2021 tentang Hasil Verifikasi, Validasi dan "
        "Inventarisasi Pemutakhiran Klasifikasi, Kodefikasi dan Nomenklatur Perencanaan Pembangunan dan Keuangan "
        "Daerah",
        VersionKind.REGULATION,
        datetime.date(2021, 12, 27),
        V_PERMENDAGRI_90,
        "Kode belanja (akun 5), sumber dana (Lampiran H), urusan dan bidang urusan.",
    ),
    (
        V_1317,
        "Kepmendagri 900.1.15.5-1317/2023",
        "Keputusan Menteri Dalam Negeri Nomor 900.1.15.5-1317 Tahun 2023 tentang Perubahan atas Keputusan Menteri "
        "Dalam Negeri Nomor 050-5889 Tahun 2021",
        VersionKind.REGULATION,
        datetime.date(2023, 6, 23),
        V_050_5889,
        "Nomenklatur kabupaten/kota dengan sub kegiatan 4 digit; tambahan kode belanja.",
    ),
    (
        V_APBD_2025,
        "Kode teramati APBD 2025",
        "Kode pendapatan yang teramati pada APBD kabupaten TA 2025 (bukan teks regulasi)",
        VersionKind.OBSERVED,
        None,
        V_1317,
        "Kode pendapatan pasca UU HKPD (PBJT, opsen) dari data APBD publik; belum dicocokkan dengan lampiran resmi.",
    ),
    (
        V_2027,
        "Pemutakhiran 2027",
        "Nomenklatur sub kegiatan Kemendagri versi pemutakhiran 2027",
        VersionKind.UPDATE,
        None,
        V_1317,
        "Ekspor Kemendagri (Januari 2026), baris kabupaten/kota; memuat metadata SPM dan jenis sub kegiatan.",
    ),
)

ACCOUNT_LEVELS = [c.value for c in AccountLevel]
SUMBER_DANA_LEVELS = [c.value for c in SumberDanaLevel]


@dataclass
class CodeRow:
    """One row to store: canonical kode, its parent's kode, level, field values and version codes."""

    kode: str
    parent: str | None
    level: int
    values: dict[str, Any]
    versions: tuple[str, ...]


@dataclass
class LoadStats:
    """What one list's load did."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    links_created: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.links_created)

    def as_dict(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "links_created": self.links_created,
            **self.extra,
        }


def _meta(model: Any) -> Any:
    return model._meta


def read_csv(name: str, *, data_dir: Path | None = None) -> list[dict[str, str]]:
    """Rows of one shipped CSV file (UTF-8, header row), values stripped."""
    path = (data_dir or DATA_DIR) / name
    with open(path, newline="", encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _split_versions(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in value.split(";") if v.strip()))


def _error(name: str, line: int, message: str) -> ApplicationError:
    return ApplicationError(
        _("%(file)s baris %(line)s: %(message)s") % {"file": name, "line": line, "message": message},
        code="reference_data_invalid",
    )


# --- the generic upsert ----------------------------------------------------------------------------------------


def sync_codes(model: type[Any], rows: Iterable[CodeRow], versions: dict[str, RegulationVersion]) -> LoadStats:
    """Insert missing codes, update changed ones, link each to its versions; parents before children.

    Idempotent: a second call with the same rows writes nothing. Never deletes codes or links.
    """
    rows = list(rows)
    stats = LoadStats(rows=len(rows))
    existing: dict[str, Any] = {obj.kode: obj for obj in model._default_manager.all()}
    ids: dict[str, int] = {kode: obj.pk for kode, obj in existing.items()}
    by_level: dict[int, list[CodeRow]] = {}
    for row in rows:
        by_level.setdefault(row.level, []).append(row)
    update_fields: set[str] = set()
    for level in sorted(by_level):
        new: list[Any] = []
        changed: list[Any] = []
        for row in by_level[level]:
            parent_id = None
            if row.parent:
                if row.parent not in ids:
                    raise ApplicationError(
                        _("%(list)s: induk '%(parent)s' dari kode '%(kode)s' tidak ditemukan")
                        % {"list": model._meta.verbose_name, "parent": row.parent, "kode": row.kode},
                        code="reference_data_invalid",
                    )
                parent_id = ids[row.parent]
            values = {"level": row.level, "parent_id": parent_id, **row.values}
            obj = existing.get(row.kode)
            if obj is None:
                new.append(model(kode=row.kode, **values))
                continue
            diff = [name for name, value in values.items() if getattr(obj, name) != value]
            if diff:
                for name in diff:
                    setattr(obj, name, values[name])
                update_fields.update(diff)
                changed.append(obj)
        if new:
            created = model._default_manager.bulk_create(new, batch_size=500)
            missing = [obj.kode for obj in created if obj.pk is None]
            for obj in created:
                if obj.pk is not None:
                    ids[obj.kode] = obj.pk
            if missing:  # backends that do not return ids from bulk inserts
                ids.update(dict(model._default_manager.filter(kode__in=missing).values_list("kode", "pk")))
            stats.created += len(created)
        if changed:
            model._default_manager.bulk_update(changed, sorted(update_fields), batch_size=500)
            stats.updated += len(changed)
    stats.links_created = _link_versions(model, rows, ids, versions)
    return stats


def _link_versions(
    model: type[Any], rows: list[CodeRow], ids: dict[str, int], versions: dict[str, RegulationVersion]
) -> int:
    m2m = _meta(model).get_field("versions")
    through = m2m.remote_field.through
    src = m2m.m2m_field_name()
    dst = m2m.m2m_reverse_field_name()
    have = set(through.objects.values_list(f"{src}_id", f"{dst}_id"))
    links = []
    for row in rows:
        code_id = ids[row.kode]
        for version_code in row.versions:
            version = versions.get(version_code)
            if version is None:
                raise ApplicationError(
                    _("%(list)s: versi '%(version)s' pada kode '%(kode)s' tidak dikenal")
                    % {"list": model._meta.verbose_name, "version": version_code, "kode": row.kode},
                    code="reference_data_invalid",
                )
            key = (code_id, version.pk)
            if key not in have:
                have.add(key)
                links.append(through(**{f"{src}_id": code_id, f"{dst}_id": version.pk}))
    through.objects.bulk_create(links, batch_size=1000)
    return len(links)


# --- one loader per list -----------------------------------------------------------------------------------------


def load_versions() -> tuple[dict[str, RegulationVersion], LoadStats]:
    """Create or update the regulation versions the shipped files refer to."""
    stats = LoadStats(rows=len(VERSIONS))
    existing = {v.kode: v for v in RegulationVersion.objects.all()}
    for kode, singkatan, nama, jenis, tanggal, amends, keterangan in VERSIONS:
        values = {
            "singkatan": singkatan,
            "nama": nama,
            "jenis": str(jenis),
            "tanggal": tanggal,
            "amends_id": existing[amends].pk if amends else None,
            "keterangan": keterangan,
        }
        version = existing.get(kode)
        if version is None:
            existing[kode] = RegulationVersion.objects.create(kode=kode, **values)
            stats.created += 1
            continue
        diff = [name for name, value in values.items() if getattr(version, name) != value]
        if diff:
            for name in diff:
                setattr(version, name, values[name])
            version.save(update_fields=diff)
            stats.updated += 1
    return existing, stats


def _canonical(name: str, line: int, kode: str, scheme: codes.CodeScheme) -> str:
    try:
        canonical = codes.normalize(kode, scheme)
    except codes.InvalidCodeError as exc:
        raise _error(name, line, exc.message) from exc
    return canonical


def program_rows(*, data_dir: Path | None = None) -> list[CodeRow]:
    """Nomenclature rows joined with their sub-kegiatan metadata."""
    name = "nomenklatur_program_kegiatan_subkegiatan_kabkota.csv"
    meta_name = "nomenklatur_subkegiatan_metadata_kabkota.csv"
    metadata: dict[str, dict[str, str]] = {}
    for line, row in enumerate(read_csv(meta_name, data_dir=data_dir), start=2):
        metadata[_canonical(meta_name, line, row["kode"], codes.PROGRAM)] = row
    out = []
    levels = {c.value for c in ProgramLevel}
    for line, row in enumerate(read_csv(name, data_dir=data_dir), start=2):
        kode = _canonical(name, line, row["kode"], codes.PROGRAM)
        if row["tingkat"] not in levels:
            raise _error(name, line, _("tingkat '%(level)s' tidak dikenal") % {"level": row["tingkat"]})
        meta = metadata.get(kode, {})
        out.append(
            CodeRow(
                kode=kode,
                parent=codes.normalize(row["kode_induk"], codes.PROGRAM) if row["kode_induk"] else None,
                level=codes.program_level(kode),
                values={
                    "tingkat": row["tingkat"],
                    "nama": row["nama"],
                    "kinerja": meta.get("kinerja", ""),
                    "indikator": meta.get("indikator", ""),
                    "satuan": meta.get("satuan", ""),
                    "spm": meta.get("spm", ""),
                    "jenis": meta.get("jenis", ""),
                },
                versions=_split_versions(row["sumber"]),
            )
        )
    missing = set(metadata) - {r.kode for r in out}
    if missing:
        raise _error(
            meta_name, 0, _("metadata tanpa sub kegiatan: %(codes)s") % {"codes": ", ".join(sorted(missing)[:5])}
        )
    return out


def account_rows(*, data_dir: Path | None = None) -> list[CodeRow]:
    """The LRA chart of accounts (akun 4, 5, 6), six levels."""
    name = "kode_rekening_apbd.csv"
    out = []
    for line, row in enumerate(read_csv(name, data_dir=data_dir), start=2):
        kode = _canonical(name, line, row["kode"], codes.ACCOUNT)
        level = codes.level_of(kode)
        if row["tingkat"] != ACCOUNT_LEVELS[level - 1]:
            raise _error(
                name,
                line,
                _("tingkat '%(level)s' tidak sesuai dengan kode '%(kode)s'") % {"level": row["tingkat"], "kode": kode},
            )
        out.append(
            CodeRow(
                kode=kode,
                parent=codes.normalize(row["kode_induk"], codes.ACCOUNT) if row["kode_induk"] else None,
                level=level,
                values={"tingkat": row["tingkat"], "nama": row["nama"], "is_postable": level == 6},
                versions=_split_versions(row["sumber"]),
            )
        )
    return out


def _simple_rows(
    name: str,
    scheme: codes.CodeScheme,
    level_names: list[str],
    version: str,
    *,
    data_dir: Path | None = None,
    tingkat_map: dict[str, str] | None = None,
    extra: Callable[[dict[str, str]], dict[str, Any]] | None = None,
) -> list[CodeRow]:
    out = []
    for line, row in enumerate(read_csv(name, data_dir=data_dir), start=2):
        kode = _canonical(name, line, row["kode"], scheme)
        level = codes.level_of(kode)
        tingkat = (tingkat_map or {}).get(row["tingkat"], row["tingkat"])
        if level > len(level_names) or tingkat != level_names[level - 1]:
            raise _error(
                name,
                line,
                _("tingkat '%(level)s' tidak sesuai dengan kode '%(kode)s'") % {"level": row["tingkat"], "kode": kode},
            )
        parent = row.get("kode_induk", "")
        out.append(
            CodeRow(
                kode=kode,
                parent=codes.normalize(parent, scheme) if parent else codes.parent_of(kode),
                level=level,
                values={"tingkat": tingkat, "nama": row["nama"], **(extra(row) if extra else {})},
                versions=(version,),
            )
        )
    return out


def urusan_rows(*, data_dir: Path | None = None) -> list[CodeRow]:
    """Urusan and bidang urusan (kab/kota); the file's source letter is kept in `sumber_data`."""
    return _simple_rows(
        "urusan_bidang_urusan_kabkota.csv",
        codes.URUSAN,
        [c.value for c in UrusanLevel],
        V_050_5889,
        data_dir=data_dir,
        tingkat_map={"bidang": UrusanLevel.BIDANG_URUSAN.value},
        extra=lambda row: {"sumber_data": row.get("sumber", "")},
    )


def fungsi_rows(*, data_dir: Path | None = None) -> list[CodeRow]:
    """Fungsi and sub fungsi of Permendagri 90/2019."""
    return _simple_rows(
        "fungsi_subfungsi_permendagri90_2019.csv",
        codes.FUNGSI,
        [c.value for c in FungsiLevel],
        V_PERMENDAGRI_90,
        data_dir=data_dir,
    )


def sumber_dana_rows(*, data_dir: Path | None = None) -> list[CodeRow]:
    """Sumber dana (Lampiran H of Kepmendagri 050-5889/2021) with its keterangan."""
    return _simple_rows(
        "sumber_dana_kepmendagri_050_5889_2021.csv",
        codes.SUMBER_DANA,
        SUMBER_DANA_LEVELS,
        V_050_5889,
        data_dir=data_dir,
        extra=lambda row: {"keterangan": row.get("keterangan", "")},
    )


def village_account_rows(*, data_dir: Path | None = None) -> list[CodeRow]:
    """Village akun → kelompok → jenis (Permendagri 20/2018)."""
    return _simple_rows(
        "desa_kode_rekening_akun_kelompok_jenis.csv",
        codes.VILLAGE_ACCOUNT,
        [c.value for c in VillageAccountLevel],
        V_PERMENDAGRI_20,
        data_dir=data_dir,
    )


def village_activity_rows(*, data_dir: Path | None = None) -> list[CodeRow]:
    """Village bidang → sub-bidang → kegiatan, built from the flat kegiatan file (one row per kegiatan)."""
    name = "desa_bidang_subbidang_kegiatan_permendagri20_2018.csv"
    scheme = codes.VILLAGE_ACTIVITY
    bidang: dict[str, str] = {}
    sub_bidang: dict[str, str] = {}
    kegiatan: list[CodeRow] = []
    for line, row in enumerate(read_csv(name, data_dir=data_dir), start=2):
        kode = _canonical(name, line, row["kode_kegiatan"], scheme)
        kode_bidang = _canonical(name, line, row["kode_bidang"], scheme)
        kode_sub = _canonical(name, line, row["kode_sub_bidang"], scheme)
        if codes.parent_of(kode) != kode_sub or codes.parent_of(kode_sub) != kode_bidang:
            raise _error(
                name, line, _("kode '%(kode)s' tidak berada di bawah '%(parent)s'") % {"kode": kode, "parent": kode_sub}
            )
        for store, key, value in (
            (bidang, kode_bidang, row["nama_bidang"]),
            (sub_bidang, kode_sub, row["nama_sub_bidang"]),
        ):
            if store.setdefault(key, value) != value:
                raise _error(name, line, _("nama '%(kode)s' berbeda dari baris sebelumnya") % {"kode": key})
        kegiatan.append(
            CodeRow(
                kode=kode,
                parent=kode_sub,
                level=3,
                values={
                    "tingkat": VillageActivityLevel.KEGIATAN.value,
                    "nama": row["nama_kegiatan"],
                    "is_regional_addition": row["kode_tambahan_90_99"].lower() == "ya",
                    "is_detailable": "**" in row["tanda_bintang_sumber"],
                },
                versions=(V_PERMENDAGRI_20,),
            )
        )
    base = {"is_regional_addition": False, "is_detailable": False}
    heads = [
        CodeRow(k, None, 1, {"tingkat": VillageActivityLevel.BIDANG.value, "nama": v, **base}, (V_PERMENDAGRI_20,))
        for k, v in bidang.items()
    ] + [
        CodeRow(
            k,
            codes.parent_of(k),
            2,
            {"tingkat": VillageActivityLevel.SUB_BIDANG.value, "nama": v, **base},
            (V_PERMENDAGRI_20,),
        )
        for k, v in sub_bidang.items()
    ]
    return heads + kegiatan


# (result key, model, row builder); the order only matters for the output
LISTS: tuple[tuple[str, type[models.Model], Callable[..., list[CodeRow]]], ...] = (
    ("urusan", Urusan, urusan_rows),
    ("nomenklatur", ProgramCode, program_rows),
    ("rekening", Account, account_rows),
    ("fungsi", Fungsi, fungsi_rows),
    ("sumber_dana", SumberDana, sumber_dana_rows),
    ("desa_kegiatan", VillageActivity, village_activity_rows),
    ("desa_rekening", VillageAccount, village_account_rows),
)


@transaction.atomic
def load_all(*, stdout: TextIO | None = None, data_dir: Path | None = None) -> dict[str, int]:
    """Load every national code list from the shipped CSV files; returns the number of file rows per list.

    All or nothing (one transaction); a second run changes nothing and writes no audit event.
    """
    versions, version_stats = load_versions()
    counts: dict[str, int] = {"versi_regulasi": len(VERSIONS)}
    details: dict[str, Any] = {"versi_regulasi": version_stats.as_dict()}
    changed = version_stats.changed
    for key, model, builder in LISTS:
        rows = builder(data_dir=data_dir)
        stats = sync_codes(model, rows, versions)  # type: ignore[arg-type]
        if key == "desa_kegiatan":
            kegiatan = sum(1 for r in rows if r.level == 3)
            stats.extra = {"kegiatan": kegiatan, "bidang_sub_bidang": len(rows) - kegiatan}
            counts[key] = kegiatan
        elif key == "nomenklatur":
            stats.extra = {"sub_kegiatan": sum(1 for r in rows if r.level == 5)}
            counts[key] = len(rows)
        elif key == "rekening":
            stats.extra = {"postable": sum(1 for r in rows if r.level == 6)}
            counts[key] = len(rows)
        else:
            counts[key] = len(rows)
        details[key] = stats.as_dict()
        changed = changed or stats.changed
        if stdout is not None:
            stdout.write(
                f"  {key}: {stats.rows} baris, {stats.created} baru, {stats.updated} diperbarui, "
                f"{stats.links_created} tautan versi baru\n"
            )
    if changed:
        record_event(
            event_type=EventType.REFERENCE_LOADED,
            object_type="reference.codelist",
            object_id="all",
            payload={"counts": counts, "details": details},
        )
    return counts
