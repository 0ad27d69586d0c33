"""A small but real e-Budgeting world for tests: reference codes, a fiscal year with stages, a catalogue,
agencies with ceilings and users per role. Build it with `make_budget_world()`.

Codes and prices are real (Kepmendagri nomenclature and accounts; Kota Malang SSH 2026 prices) so tests read
like the domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from terang.accounts.choices import Role
from terang.budgeting.choices import CatalogueKind, StageKind, StageStatus
from terang.budgeting.models import Ceiling, FiscalYear, PriceItem, Stage, SubActivityBudget
from terang.org.choices import OrganisationKind
from terang.org.models import Organisation, Pemda
from terang.reference.models import Account, ProgramCode, RegulationVersion, SumberDana

from .factories import OrganisationFactory, PemdaFactory, make_region_tree, make_user

PROGRAM_CODES = [
    # kode, tingkat, nama, (kinerja, indikator, satuan)
    ("1", "urusan", "URUSAN PEMERINTAHAN WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR", None),
    ("1.01", "bidang_urusan", "URUSAN PEMERINTAHAN BIDANG PENDIDIKAN", None),
    ("1.01.02", "program", "PROGRAM PENGELOLAAN PENDIDIKAN", None),
    ("1.01.02.2.02", "kegiatan", "Pengelolaan Pendidikan Sekolah Dasar", None),
    ("1.01.02.2.02.0024", "sub_kegiatan", "Pengelolaan Dana BOS Sekolah Dasar",
     ("Sekolah yang Menerima Dana BOS", "Jumlah Sekolah yang Menerima Dana BOS", "Unit")),
    ("1.02", "bidang_urusan", "URUSAN PEMERINTAHAN BIDANG KESEHATAN", None),
    ("1.02.02", "program", "PROGRAM PEMENUHAN UPAYA KESEHATAN PERORANGAN DAN UPAYA KESEHATAN MASYARAKAT", None),
    ("1.02.02.2.01", "kegiatan", "Penyediaan Fasilitas Pelayanan Kesehatan untuk UKM dan UKP Kewenangan Daerah "
     "Kabupaten/Kota", None),
    ("1.02.02.2.01.0001", "sub_kegiatan", "Pembangunan Rumah Sakit beserta Sarana dan Prasarana Pendukungnya",
     ("Rumah Sakit yang Dibangun", "Jumlah Rumah Sakit yang Dibangun", "Unit")),
    ("1.02.02.2.01.0002", "sub_kegiatan", "Pembangunan Puskesmas",
     ("Puskesmas yang Dibangun", "Jumlah Puskesmas yang Dibangun", "Unit")),
    ("X", "urusan", "URUSAN X.XX", None),
    ("X.XX", "bidang_urusan", "URUSAN PEMERINTAHAN BIDANG XX", None),
    ("X.XX.01", "program", "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA", None),
    ("X.XX.01.2.06", "kegiatan", "Administrasi Umum Perangkat Daerah", None),
    ("X.XX.01.2.06.0001", "sub_kegiatan", "Penyediaan Komponen Instalasi Listrik/Penerangan Bangunan Kantor",
     ("Komponen Instalasi Listrik yang Disediakan", "Jumlah Paket Komponen Instalasi Listrik", "Paket")),
    ("X.XX.01.2.06.0002", "sub_kegiatan", "Penyediaan Peralatan dan Perlengkapan Kantor",
     ("Peralatan dan Perlengkapan Kantor yang Disediakan", "Jumlah Paket Peralatan Kantor", "Paket")),
]

ACCOUNTS = [
    ("4", "PENDAPATAN DAERAH"), ("4.1", "PENDAPATAN ASLI DAERAH (PAD)"), ("4.1.01", "Pajak Daerah"),
    ("4.1.01.09", "Pajak Reklame"), ("4.1.01.09.01", "Pajak Reklame Papan/Billboard/Videotron/Megatron"),
    ("4.1.01.09.01.0001", "Pajak Reklame Papan/Billboard/Videotron/Megatron"),
    ("4.2", "PENDAPATAN TRANSFER"), ("4.2.01", "Pendapatan Transfer Pemerintah Pusat"),
    ("4.2.01.08", "Dana Alokasi Umum"), ("4.2.01.08.01", "DAU yang Tidak Ditentukan Penggunaannya"),
    ("4.2.01.08.01.0001", "DAU yang Tidak Ditentukan Penggunaannya"),
    ("5", "BELANJA DAERAH"), ("5.1", "BELANJA OPERASI"), ("5.1.02", "Belanja Barang dan Jasa"),
    ("5.1.02.01", "Belanja Barang"), ("5.1.02.01.01", "Belanja Barang Pakai Habis"),
    ("5.1.02.01.01.0001", "Belanja Bahan-Bahan Bangunan dan Konstruksi"),
    ("5.1.02.01.01.0024", "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor"),
    ("5.1.02.01.01.0052", "Belanja Makanan dan Minuman Rapat"),
    ("5.2", "BELANJA MODAL"), ("5.2.02", "Belanja Modal Peralatan dan Mesin"),
    ("5.2.02.05", "Belanja Modal Alat Kantor dan Rumah Tangga"), ("5.2.02.05.02", "Belanja Modal Alat Rumah Tangga"),
    ("5.2.02.05.02.0006", "Belanja Modal Alat Pendingin dan Penunjang Listrik (UPS)"),
    ("6", "PEMBIAYAAN DAERAH"), ("6.1", "PENERIMAAN PEMBIAYAAN"),
    ("6.1.01", "Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya"), ("6.1.01.01", "SiLPA"),
    ("6.1.01.01.01", "SiLPA"), ("6.1.01.01.01.0001", "Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya"),
]

SUMBER_DANA = [
    ("1", "sumber_dana", "DANA UMUM"), ("1.1", "kelompok", "PENDAPATAN ASLI DAERAH (PAD)"),
    ("1.2", "kelompok", "DANA TRANSFER UMUM"),
    ("2", "sumber_dana", "DANA YANG DITENTUKAN PENGGUNAANNYA"), ("2.1", "kelompok", "DANA ALOKASI KHUSUS"),
]

# kode, kind, nama, satuan, harga, allowed accounts
CATALOGUE = [
    ("1.1.12.01.03.0001.07533", CatalogueKind.SSH, "Refill Ballpoint", "Buah", "23550", ["5.1.02.01.01.0024"]),
    ("1.1.12.01.03.0001.07001", CatalogueKind.SSH, "Lem Kertas Cair", "Buah", "9800", ["5.1.02.01.01.0024"]),
    ("1.1.12.01.03.0004.00012", CatalogueKind.SSH, "Kertas HVS 70 gr A4", "Rim", "56000", ["5.1.02.01.01.0024"]),
    ("1.1.12.01.01.0001.17124", CatalogueKind.SSH, "Bata Merah", "Buah", "1850", ["5.1.02.01.01.0001"]),
    ("1.1.12.01.01.0001.17115", CatalogueKind.SSH, "Alluminium Strip", "M", "33250", ["5.1.02.01.01.0001"]),
    ("1.3.2.05.02.06.003", CatalogueKind.SSH, "UPS 1.200 VA", "Unit", "3500000", ["5.2.02.05.02.0006"]),
    ("4.01.01.0001", CatalogueKind.SBU, "Nasi Kotak Rapat", "Kotak", "40000", ["5.1.02.01.01.0052"]),
]


@dataclass
class BudgetWorld:
    pemda: Pemda
    other_pemda: Pemda
    fiscal_year: FiscalYear
    other_fiscal_year: FiscalYear
    kua_ppas: Stage
    rka: Stage
    orgs: dict[str, Organisation]
    program: dict[str, ProgramCode]
    accounts: dict[str, Account]
    sumber_dana: dict[str, SumberDana]
    items: dict[str, PriceItem]
    users: dict[str, Any] = field(default_factory=dict)

    def sub_activity(self, org_key: str, kode: str, **extra: Any) -> SubActivityBudget:
        """An RKA sub-kegiatan of an agency (created directly, for tests)."""
        org = self.orgs[org_key]
        code = self.program.get(kode)
        if code is None:  # an agency's support code, e.g. 1.02.01.2.06.0001 for X.XX.01.2.06.0001
            generic = "X.XX" + kode[4:]
            code = self.program[generic]
        fy = self.fiscal_year if org.pemda_id == self.pemda.pk else self.other_fiscal_year
        defaults = {"nama": code.nama, "indikator": code.indikator, "satuan": code.satuan,
                    "sumber_dana": self.sumber_dana["1.1"]}
        defaults.update(extra)
        return SubActivityBudget.objects.create(fiscal_year=fy, pemda=org.pemda, organisation=org, sub_kegiatan=code,
                                                kode=kode, **defaults)


def _reference() -> tuple[RegulationVersion, dict[str, ProgramCode], dict[str, Account], dict[str, SumberDana]]:
    version, _ = RegulationVersion.objects.get_or_create(
        kode="900.1.15.5-1317/2023", defaults={"nama": "Kepmendagri 900.1.15.5-1317/2023"})
    program: dict[str, ProgramCode] = {}
    for kode, tingkat, nama, meta in PROGRAM_CODES:
        parent = program.get(kode.rsplit(".", 1)[0]) if "." in kode else None
        if tingkat in ("sub_kegiatan", "kegiatan") and parent is None:
            parent = program.get(".".join(kode.split(".")[:3 if tingkat == "kegiatan" else 5]))
        kinerja, indikator, satuan = meta or ("", "", "")
        code, _ = ProgramCode.objects.get_or_create(
            kode=kode, defaults={"level": kode.count(".") + 1 - (1 if tingkat in ("kegiatan", "sub_kegiatan") else 0),
                                 "tingkat": tingkat, "nama": nama, "parent": parent, "kinerja": kinerja,
                                 "indikator": indikator, "satuan": satuan})
        code.versions.add(version)
        program[kode] = code
    accounts: dict[str, Account] = {}
    for kode, nama in ACCOUNTS:
        level = kode.count(".") + 1
        tingkat = ["akun", "kelompok", "jenis", "objek", "rincian_objek", "sub_rincian_objek"][level - 1]
        account, _ = Account.objects.get_or_create(
            kode=kode, defaults={"level": level, "tingkat": tingkat, "nama": nama, "is_postable": level == 6,
                                 "parent": accounts.get(kode.rsplit(".", 1)[0]) if level > 1 else None})
        account.versions.add(version)
        accounts[kode] = account
    sumber: dict[str, SumberDana] = {}
    for kode, tingkat, nama in SUMBER_DANA:
        item, _ = SumberDana.objects.get_or_create(
            kode=kode, defaults={"level": kode.count(".") + 1, "tingkat": tingkat, "nama": nama,
                                 "parent": sumber.get(kode.rsplit(".", 1)[0]) if "." in kode else None})
        item.versions.add(version)
        sumber[kode] = item
    return version, program, accounts, sumber


def make_fiscal_year(pemda: Pemda, version: RegulationVersion, tahun: int = 2026) -> tuple[FiscalYear, Stage, Stage]:
    fy = FiscalYear.objects.create(pemda=pemda, tahun=tahun, program_version=version, account_version=version)
    now = timezone.now()
    kua = Stage.objects.create(fiscal_year=fy, pemda=pemda, kind=StageKind.KUA_PPAS, sequence=1, nama="KUA-PPAS",
                               status=StageStatus.PUBLISHED, opens_at=now - timedelta(days=60),
                               closes_at=now - timedelta(days=30), frozen_at=now - timedelta(days=30),
                               published_at=now - timedelta(days=29))
    rka = Stage.objects.create(fiscal_year=fy, pemda=pemda, kind=StageKind.RKA, sequence=2, nama="RKA-SKPD",
                               status=StageStatus.OPEN, opens_at=now - timedelta(days=10),
                               closes_at=now + timedelta(days=10))
    return fy, kua, rka


def make_budget_world(*, with_users: bool = True) -> BudgetWorld:
    """Two pemda (A with Dinkes, Dispendik, BPKAD; B with one agency), fiscal year 2026 with KUA-PPAS (published)
    and RKA (open), the catalogue, ceilings and one user per budgeting role (A) plus an operator in B."""
    version, program, accounts, sumber = _reference()
    tree_a = make_region_tree("97.01")
    tree_b = make_region_tree("97.02")
    pemda = PemdaFactory(region=tree_a["kabupaten"])
    other = PemdaFactory(region=tree_b["kabupaten"])
    fy, kua, rka = make_fiscal_year(pemda, version)
    fy_b, _, _ = make_fiscal_year(other, version)
    orgs = {
        "dinkes": OrganisationFactory(pemda=pemda, nama="Dinas Kesehatan", singkatan="Dinkes",
                                      kode="1.02.0.00.0.00.01.0000", bidang_urusan="1.02"),
        "dispendik": OrganisationFactory(pemda=pemda, nama="Dinas Pendidikan", singkatan="Dispendik",
                                         kode="1.01.0.00.0.00.01.0000", bidang_urusan="1.01"),
        "bpkad": OrganisationFactory(pemda=pemda, nama="Badan Pengelolaan Keuangan dan Aset Daerah",
                                     singkatan="BPKAD", kode="5.02.0.00.0.00.01.0000", bidang_urusan="5.02",
                                     kind=OrganisationKind.BADAN, is_ppkd=True),
        "dinkes_b": OrganisationFactory(pemda=other, nama="Dinas Kesehatan B", singkatan="DinkesB",
                                        kode="1.02.0.00.0.00.01.0000", bidang_urusan="1.02"),
    }
    items: dict[str, PriceItem] = {}
    for kode, kind, nama, satuan, harga, allowed in CATALOGUE:
        for year in (fy, fy_b):
            item = PriceItem.objects.create(fiscal_year=year, pemda=year.pemda, kind=kind, kode=kode, nama=nama,
                                            satuan=satuan, harga=Decimal(harga))
            item.allowed_accounts.set([accounts[a] for a in allowed])
            if year == fy:
                items[nama] = item
    for key, amount in (("dinkes", "5000000000"), ("dispendik", "90000000000"), ("bpkad", "1000000000")):
        Ceiling.objects.create(fiscal_year=fy, pemda=pemda, organisation=orgs[key], amount=Decimal(amount))
    Ceiling.objects.create(fiscal_year=fy_b, pemda=other, organisation=orgs["dinkes_b"], amount=Decimal("5000000000"))
    world = BudgetWorld(pemda=pemda, other_pemda=other, fiscal_year=fy, other_fiscal_year=fy_b, kua_ppas=kua, rka=rka,
                        orgs=orgs, program=program, accounts=accounts, sumber_dana=sumber, items=items)
    if with_users:
        u = world.users
        u["operator"] = make_user(Role.OPD_OPERATOR, pemda=pemda, organisation=orgs["dinkes"], username="op.dinkes")
        u["head"] = make_user(Role.OPD_HEAD, pemda=pemda, organisation=orgs["dinkes"], username="kepala.dinkes")
        u["operator_dispendik"] = make_user(Role.OPD_OPERATOR, pemda=pemda, organisation=orgs["dispendik"],
                                            username="op.dispendik")
        u["tapd"] = make_user(Role.TAPD_VERIFIER, pemda=pemda, username="tapd")
        u["bpkad"] = make_user(Role.BPKAD_OFFICER, pemda=pemda, username="bpkad")
        u["bappeda"] = make_user(Role.BAPPEDA_PLANNER, pemda=pemda, username="bappeda")
        u["admin"] = make_user(Role.PEMDA_ADMIN, pemda=pemda, username="admin")
        u["auditor"] = make_user(Role.AUDITOR, pemda=pemda, username="auditor")
        u["sekda"] = make_user(Role.SEKDA, pemda=pemda, username="sekda")
        u["dprd"] = make_user(Role.DPRD_MEMBER, pemda=pemda, username="dprd")
        u["operator_b"] = make_user(Role.OPD_OPERATOR, pemda=other, organisation=orgs["dinkes_b"], username="op.b")
        u["tapd_b"] = make_user(Role.TAPD_VERIFIER, pemda=other, username="tapd.b")
    return world
