"""Demo data for Kabupaten Banyuwangi: the real agency list and regions, plus fictitious people.

Deterministic for a given seed; running it twice creates nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from terang.accounts.choices import Role
from terang.org.choices import OrganisationKind, RegionLevel
from terang.org.loaders import load_banyuwangi_organisations, pemda_ensure
from terang.org.models import DprdMember, Fraksi, Organisation, Pemda, Region

from .names import fictitious_names

DEMO_PEMDA = "35.10"
# Fractions of the DPRD (demo: names of the national parties' fractions, seat counts fictitious).
FRAKSI = [
    ("Fraksi Partai Kebangkitan Bangsa", "F-PKB", 10),
    ("Fraksi PDI Perjuangan", "F-PDIP", 9),
    ("Fraksi Partai Gerindra", "F-Gerindra", 8),
    ("Fraksi Partai Golkar", "F-Golkar", 7),
    ("Fraksi Partai Demokrat", "F-Demokrat", 5),
    ("Fraksi Partai NasDem", "F-NasDem", 4),
    ("Fraksi Partai Keadilan Sejahtera", "F-PKS", 4),
    ("Fraksi Amanat Pembangunan", "F-AP", 3),
]
DEMO_PASSWORD_SUFFIX = "-2026"  # noqa: S105 - published demo credentials
DEMO_VILLAGE = "35.10.23.2006"  # Desa Tegalrejo, Kec. Tegalsari: where e-Village Budgeting was launched in 2014
DEMO_KECAMATAN = "35.10.23"


@dataclass
class DemoUser:
    username: str
    password: str
    role: str
    scope: str
    totp_secret: str | None = None


@dataclass
class DemoResult:
    pemda: Pemda
    counts: dict[str, Any] = field(default_factory=dict)
    users: list[DemoUser] = field(default_factory=list)
    budget: dict[str, Any] | None = None


def _ensure_units(pemda: Pemda, scale: str) -> dict[str, int]:
    """Puskesmas under Dinkes (one per kecamatan, demo names), kelurahan under their kecamatan office, and a
    pemerintah desa for every desa."""
    counts = {"puskesmas": 0, "kelurahan": 0, "pemerintah_desa": 0}
    dinkes = Organisation.objects.get(pemda=pemda, singkatan="Dinkes")
    kecamatan_offices = {o.region_id: o for o in Organisation.objects.filter(pemda=pemda, kind="kecamatan")}
    existing = set(Organisation.objects.filter(pemda=pemda).values_list("kode", flat=True))
    kecamatan = list(Region.objects.filter(parent=pemda.region, level=RegionLevel.KECAMATAN).order_by("kode"))
    new: list[Organisation] = []
    base = dinkes.kode[:-4]
    for number, kec in enumerate(kecamatan, start=3):  # 0001 and 0002 are the two RSUD
        kode = f"{base}{number:04d}"
        if kode not in existing:
            new.append(Organisation(pemda=pemda, kode=kode, kode_generated=True, nama=f"UPTD Puskesmas {kec.nama}",
                                    singkatan=f"PKM {kec.nama}", kind=OrganisationKind.PUSKESMAS, bidang_urusan="1.02",
                                    parent=dinkes, region=kec, source="demo: satu puskesmas per kecamatan (fiktif)"))
            counts["puskesmas"] += 1
    villages = Region.objects.filter(parent__parent=pemda.region).order_by("kode")
    per_kecamatan: dict[int, int] = {}
    for village in villages:
        if village.level == RegionLevel.KELURAHAN:
            office = kecamatan_offices.get(village.parent_id)
            if office is None:
                continue
            per_kecamatan[office.pk] = per_kecamatan.get(office.pk, 0) + 1
            kode = f"{office.kode[:-4]}{per_kecamatan[office.pk]:04d}"
            if kode not in existing:
                new.append(Organisation(pemda=pemda, kode=kode, kode_generated=True, nama=f"Kelurahan {village.nama}",
                                        kind=OrganisationKind.KELURAHAN, bidang_urusan="7.01", parent=office,
                                        region=village, source="kode unit dibuat sistem"))
                counts["kelurahan"] += 1
        else:
            if village.kode not in existing:
                new.append(Organisation(pemda=pemda, kode=village.kode, kode_generated=True,
                                        nama=f"Pemerintah Desa {village.nama}", kind=OrganisationKind.PEMERINTAH_DESA,
                                        region=village, source="pemerintah desa; kode = kode desa Kemendagri"))
                counts["pemerintah_desa"] += 1
    Organisation.objects.bulk_create(new)
    if not Organisation.objects.filter(pemda=pemda, kind=OrganisationKind.DPRD).exists():
        Organisation.objects.create(pemda=pemda, kode="DPRD", kode_generated=True,
                                    nama="Dewan Perwakilan Rakyat Daerah Kabupaten Banyuwangi", singkatan="DPRD",
                                    kind=OrganisationKind.DPRD, source="lembaga legislatif daerah")
    return counts


def _ensure_dprd(pemda: Pemda, seed: int) -> int:
    if DprdMember.objects.filter(pemda=pemda).exists():
        return 0
    total = sum(seats for _, _, seats in FRAKSI)
    names = fictitious_names(total, seed)
    members: list[DprdMember] = []
    index = 0
    for nama, singkatan, seats in FRAKSI:
        fraksi, _ = Fraksi.objects.get_or_create(pemda=pemda, nama=nama, defaults={"singkatan": singkatan})
        for _ in range(seats):
            members.append(DprdMember(pemda=pemda, nama=f"{names[index]} (fiktif)", fraksi=fraksi,
                                      dapil=f"Banyuwangi {index % 6 + 1}", jabatan="Anggota"))
            index += 1
    members[0].jabatan = "Ketua"
    DprdMember.objects.bulk_create(members)
    return len(members)


def _demo_users(pemda: Pemda, scale: str) -> list[DemoUser]:
    from terang.accounts.services import demo_user_ensure
    from terang.accounts.two_factor import totp_secret_for

    dinkes = Organisation.objects.get(pemda=pemda, singkatan="Dinkes")
    kecamatan = Region.objects.get(kode=DEMO_KECAMATAN)
    desa = Region.objects.get(kode=DEMO_VILLAGE)
    specs: list[tuple[str, str, str, dict[str, Any]]] = [
        ("admin", "Administrator Pemda (demo)", Role.PEMDA_ADMIN, {}),
        ("bappeda", "Perencana Bappeda (demo)", Role.BAPPEDA_PLANNER, {}),
        ("tapd", "Verifikator TAPD (demo)", Role.TAPD_VERIFIER, {}),
        ("bpkad", "Pejabat BPKAD (demo)", Role.BPKAD_OFFICER, {}),
        ("operator.dinkes", "Operator Dinas Kesehatan (demo)", Role.OPD_OPERATOR, {"organisation": dinkes}),
        ("kepala.dinkes", "Kepala Dinas Kesehatan (demo)", Role.OPD_HEAD, {"organisation": dinkes}),
        ("camat.tegalsari", "Camat Tegalsari (demo)", Role.KECAMATAN_VERIFIER, {"region": kecamatan}),
        ("dpmd", "Verifikator DPMD (demo)", Role.DPMD_VERIFIER, {}),
        ("operator.tegalrejo", "Operator Desa Tegalrejo (demo)", Role.VILLAGE_OPERATOR, {"region": desa}),
        ("kades.tegalrejo", "Kepala Desa Tegalrejo (demo)", Role.VILLAGE_HEAD, {"region": desa}),
        ("dprd", "Anggota DPRD (demo)", Role.DPRD_MEMBER, {}),
        ("auditor", "Auditor Inspektorat (demo)", Role.AUDITOR, {}),
        ("sekda", "Sekretaris Daerah (demo)", Role.SEKDA, {}),
    ]
    if scale == "regency":
        for org in Organisation.objects.filter(pemda=pemda, kind__in=["dinas", "badan", "satuan", "inspektorat",
                                                                      "sekretariat_daerah", "sekretariat_dprd",
                                                                      "rsud"]).exclude(pk=dinkes.pk):
            slug = org.singkatan.lower().replace(" ", "")
            specs.append((f"operator.{slug}", f"Operator {org.singkatan} (demo)", Role.OPD_OPERATOR,
                          {"organisation": org}))
        for village in Region.objects.filter(parent__parent=pemda.region, level=RegionLevel.DESA).exclude(pk=desa.pk):
            slug = village.kode.replace(".", "")
            specs.append((f"desa.{slug}", f"Operator Desa {village.nama} (demo)", Role.VILLAGE_OPERATOR,
                          {"region": village}))
    from django.conf import settings

    users: list[DemoUser] = []
    for index, (username, full_name, role, scope) in enumerate(specs):
        password = f"{username.replace('.', '-')}{DEMO_PASSWORD_SUFFIX}"
        seed_hex = None
        if role in settings.TERANG_2FA_REQUIRED_ROLES:
            seed_hex = f"{index + 1:02x}" * 20  # fixed, documented demo TOTP keys
        user = demo_user_ensure(username=username, password=password, full_name=full_name, role=role, pemda=pemda,
                                totp_seed_hex=seed_hex, **scope)
        secret = totp_secret_for(user) if seed_hex else None
        scope_label = str(scope.get("organisation") or scope.get("region") or pemda)
        users.append(DemoUser(user.username, password, role, scope_label, secret))
    return users


@transaction.atomic
def demo_data_load(*, scale: str = "small", seed: int = 2026, budget: bool = True) -> DemoResult:
    """Banyuwangi as the demo tenant: pemda, real agencies, generated sub-units, DPRD, one user per role, and (unless
    `budget` is false) the e-Budgeting demo: APBD TA 2026 with two published stages
    (terang.budgeting.services.demo.budget_demo_load)."""
    pemda = pemda_ensure(kode=DEMO_PEMDA, website="https://banyuwangikab.go.id")
    result = DemoResult(pemda=pemda)
    result.counts["perangkat_daerah"] = load_banyuwangi_organisations(pemda).as_dict()
    result.counts.update(_ensure_units(pemda, scale))
    result.counts["anggota_dprd"] = _ensure_dprd(pemda, seed)
    result.users = _demo_users(pemda, scale)
    if budget:
        from terang.budgeting.services.demo import budget_demo_load

        result.budget = budget_demo_load(pemda=pemda, scale=scale, seed=seed)
    return result
