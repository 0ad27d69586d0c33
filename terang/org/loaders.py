"""Loaders for regions (Kemendagri codes, population, area, points) and for a pemda's agency list.

All loaders are idempotent (keyed by kode) and transactional.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from terang.audit.events import EventType
from terang.audit.services import record_change, record_event
from terang.core.errors import ApplicationError

from .choices import OrganisationKind, PemdaKind, RegionLevel
from .models import Organisation, Pemda, Region

DATA_DIR = Path(__file__).resolve().parent / "data"
WILAYAH_SOURCE = "cahyadsn/wilayah (MIT), Kepmendagri 300.2.2-2138/2025 & 300.2.2-2430/2025"
ORG_CODE_RE = re.compile(r"^\d\.\d{2}\.\d\.\d{2}\.\d\.\d{2}\.\d{2}\.\d{4}$")


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _dec(value: str | None) -> Decimal | None:
    value = (value or "").strip()
    return Decimal(value) if value else None


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value else None


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, **self.details}


def _upsert(existing: dict[str, Region], kode: str, values: dict[str, Any], result: LoadResult) -> Region:
    region = existing.get(kode)
    if region is None:
        region = Region.objects.create(kode=kode, **values)
        existing[kode] = region
        result.created += 1
        return region
    changed = False
    for key, value in values.items():
        if getattr(region, key if key != "parent" else "parent_id") != (
            value.pk if key == "parent" and value is not None else value
        ):
            setattr(region, key, value)
            changed = True
    if changed:
        region.save()
        result.updated += 1
    else:
        result.unchanged += 1
    return region


@transaction.atomic
def load_regions() -> LoadResult:
    """Load East Java (35) with its 38 kabupaten/kota, and Banyuwangi's 25 kecamatan and 217 desa/kelurahan."""
    result = LoadResult()
    existing = {r.kode: r for r in Region.objects.all()}
    jatim = _read_csv("jatim_kabkota_penduduk_luas_jumlah_wilayah.csv")
    points = {row["kode"]: row for row in _read_csv("banyuwangi_wilayah_titik_3510.csv")}
    areas = {row["kode"]: row for row in _read_csv("banyuwangi_luas_wilayah_3510.csv")}
    province = None
    for row in jatim:
        kode = row["kode"]
        level = RegionLevel.PROVINSI if "." not in kode else (
            RegionLevel.KOTA if row["nama"].startswith("Kota") else RegionLevel.KABUPATEN
        )
        point = points.get(kode, {})
        region = _upsert(
            existing,
            kode,
            {
                "nama": row["nama"],
                "level": level,
                "parent": province if level != RegionLevel.PROVINSI else None,
                "population": _int(row["penduduk_total"]),
                "population_male": _int(row["penduduk_pria"]),
                "population_female": _int(row["penduduk_wanita"]),
                "area_km2": _dec(row["luas_km2"]),
                "lat": _dec(point.get("lat_dalam")),
                "lng": _dec(point.get("lng_dalam")),
                "source": WILAYAH_SOURCE,
            },
            result,
        )
        if level == RegionLevel.PROVINSI:
            province = region
    for row in _read_csv("wilayah_banyuwangi_3510.csv"):
        kode = row["kode"]
        if row["tingkat"] == "kabupaten":
            continue  # loaded above with its population
        if row["tingkat"] == "kecamatan":
            level = RegionLevel.KECAMATAN
            parent = existing[kode.rsplit(".", 1)[0]]
        else:
            level = RegionLevel.KELURAHAN if row["jenis"] == "kelurahan" else RegionLevel.DESA
            parent = existing[row["kode_kecamatan"]]
        point = points.get(kode, {})
        _upsert(
            existing,
            kode,
            {
                "nama": row["nama"],
                "level": level,
                "parent": parent,
                "area_km2": _dec(areas.get(kode, {}).get("luas_km2")),
                "lat": _dec(point.get("lat_dalam")),
                "lng": _dec(point.get("lng_dalam")),
                "source": WILAYAH_SOURCE,
            },
            result,
        )
    if result.created or result.updated:
        record_event(event_type=EventType.REFERENCE_LOADED, object_type="org.region", payload={
            "list": "wilayah", **result.as_dict()})
    return result


@transaction.atomic
def pemda_ensure(*, kode: str, website: str = "") -> Pemda:
    """Create (or return) the pemda of a loaded kabupaten/kota region."""
    existing = Pemda.objects.filter(kode=kode).first()
    if existing:
        return existing
    region = Region.objects.filter(kode=kode, level__in=[RegionLevel.KABUPATEN, RegionLevel.KOTA,
                                                         RegionLevel.PROVINSI]).first()
    if region is None:
        raise ApplicationError(
            _("Wilayah %(kode)s belum dimuat atau bukan kabupaten/kota/provinsi; jalankan load_reference dulu.")
            % {"kode": kode},
            code="region_missing", field="kode")
    kind = {RegionLevel.KABUPATEN: PemdaKind.KABUPATEN, RegionLevel.KOTA: PemdaKind.KOTA}.get(
        region.level, PemdaKind.PROVINSI)
    prefix = {"kabupaten": "Pemerintah", "kota": "Pemerintah", "provinsi": "Pemerintah Provinsi"}[kind]
    nama = f"{prefix} {region.nama}"
    pemda = Pemda.objects.create(kode=kode, nama=nama, slug=slugify(region.nama), kind=kind, region=region,
                                 website=website)
    record_change(action="create", instance=pemda, after={"kode": kode, "nama": nama}, pemda=pemda)
    return pemda


def _generated_code(bidang: list[str], taken: set[str]) -> str:
    pairs = [*bidang[:3]] + ["0.00"] * (3 - len(bidang[:3]))
    prefix = ".".join(pairs)
    for number in range(1, 100):
        code = f"{prefix}.{number:02d}.0000"
        if code not in taken and not any(t.startswith(f"{pairs[0]}.") and t.split(".")[6] == f"{number:02d}"
                                         and t.endswith(".0000") for t in taken):
            return code
    raise ApplicationError(_("Tidak ada nomor urut kode organisasi yang tersisa."), code="code_exhausted")


@dataclass
class OrganisationRow:
    nama: str
    singkatan: str
    kind: str
    bidang: list[str]
    kode: str
    source: str


def parse_organisation_csv(rows: Iterable[dict[str, str]]) -> list[OrganisationRow]:
    """Validate the agency list layout (nama,singkatan,jenis,bidang_urusan,kode_skpd,sumber); all errors at once."""
    parsed: list[OrganisationRow] = []
    errors: list[str] = []
    kinds = set(OrganisationKind.values)
    for number, row in enumerate(rows, start=2):
        nama = (row.get("nama") or "").strip()
        kind = (row.get("jenis") or "").strip()
        bidang = [b.strip() for b in (row.get("bidang_urusan") or "").split(";") if b.strip()]
        kode = (row.get("kode_skpd") or "").strip()
        if not nama:
            errors.append(_("Baris %(row)s: kolom '%(field)s' kosong.") % {"row": number, "field": "nama"})
        if kind not in kinds:
            errors.append(_("Baris %(row)s: jenis '%(kind)s' tidak dikenal.") % {"row": number, "kind": kind})
        if any(not re.match(r"^\d\.\d{2}$", b) for b in bidang) or not bidang:
            errors.append(_("Baris %(row)s: bidang urusan '%(value)s' tidak valid.")
                          % {"row": number, "value": row.get("bidang_urusan", "")})
        if kode and not ORG_CODE_RE.match(kode):
            errors.append(_("Baris %(row)s: kode organisasi '%(kode)s' tidak sesuai pola 0.00.0.00.0.00.00.0000.")
                          % {"row": number, "kode": kode})
        parsed.append(OrganisationRow(nama, (row.get("singkatan") or "").strip(), kind, bidang, kode,
                                      (row.get("sumber") or "").strip()))
    if errors:
        raise ApplicationError(_("Daftar perangkat daerah tidak dapat dimuat."), code="invalid_rows",
                               details={"errors": errors})
    return parsed


@transaction.atomic
def load_organisations(*, pemda: Pemda, rows: list[OrganisationRow]) -> LoadResult:
    """Create or update a pemda's agencies; codes missing in the source are generated and marked as generated."""
    result = LoadResult()
    by_name = {o.nama: o for o in Organisation.objects.filter(pemda=pemda)}
    taken = set(Organisation.objects.filter(pemda=pemda).values_list("kode", flat=True))
    taken |= {r.kode for r in rows if r.kode}
    kecamatan_by_name = {r.nama.lower(): r for r in Region.objects.filter(
        parent=pemda.region, level=RegionLevel.KECAMATAN)}
    generated = 0
    for row in rows:
        values: dict[str, Any] = {
            "singkatan": row.singkatan, "kind": row.kind, "bidang_urusan": ";".join(row.bidang), "source": row.source,
        }
        if row.kind == OrganisationKind.KECAMATAN:
            values["region"] = kecamatan_by_name.get(row.nama.removeprefix("Kecamatan ").strip().lower())
        org = by_name.get(row.nama)
        if org is None:
            kode = row.kode
            kode_generated = False
            if not kode:
                kode = _generated_code(row.bidang, taken)
                kode_generated = True
                generated += 1
                taken.add(kode)
            org = Organisation.objects.create(pemda=pemda, nama=row.nama, kode=kode, kode_generated=kode_generated,
                                              **values)
            by_name[row.nama] = org
            result.created += 1
            record_change(action="create", instance=org, after={"kode": kode, "nama": org.nama})
        else:
            changed = {k: v for k, v in values.items() if getattr(org, k) != v}
            if row.kode and row.kode != org.kode:
                changed["kode"] = row.kode
                changed["kode_generated"] = False
            if changed:
                before = {k: getattr(org, k if k != "region" else "region_id") for k in changed}
                for k, v in changed.items():
                    setattr(org, k, v)
                org.full_clean()
                org.save()
                result.updated += 1
                record_change(action="update", instance=org, before=before,
                              after={k: (v.pk if hasattr(v, "pk") else v) for k, v in changed.items()})
            else:
                result.unchanged += 1
    # Sub-units share their parent's code with a non-zero unit number (e.g. RSUD 1.02...01.0001 under Dinkes .0000).
    orgs = list(Organisation.objects.filter(pemda=pemda))
    by_code = {o.kode: o for o in orgs}
    for org in orgs:
        if not org.kode.endswith(".0000") and ORG_CODE_RE.match(org.kode):
            parent = by_code.get(org.kode[:-4] + "0000")
            if parent and org.parent_id != parent.pk:
                org.parent = parent
                org.save(update_fields=["parent"])
    result.details["kode_generated"] = generated
    return result


def load_banyuwangi_organisations(pemda: Pemda) -> LoadResult:
    """The real Banyuwangi agency list (31 agencies + 25 kecamatan), BPKAD marked as PPKD/BUD."""
    rows = parse_organisation_csv(_read_csv("banyuwangi_perangkat_daerah.csv"))
    result = load_organisations(pemda=pemda, rows=rows)
    Organisation.objects.filter(pemda=pemda, singkatan="BPKAD").update(is_ppkd=True)
    return result
