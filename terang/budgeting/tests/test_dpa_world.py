"""A budget with lines for the DPA, report and summary tests, built on `make_budget_world()`.

`build_budget(world)` writes lines straight through the ORM (totals from calc.line_amounts) — the line services are
not what these tests test — and `freeze(world, kind)` copies them into a closed stage's snapshot (StageLine) the way
closing a stage does. The tests at the bottom pin the figures the other test modules rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from terang.budgeting.calc import line_amounts
from terang.budgeting.choices import LineType, StageKind, StageStatus
from terang.budgeting.models import BudgetLine, Stage, StageLine, SubActivityBudget
from terang.testing.budget import BudgetWorld, make_budget_world

PPN = Decimal("0.11")


@dataclass
class Budget:
    world: BudgetWorld
    subs: dict[str, SubActivityBudget] = field(default_factory=dict)
    lines: dict[str, BudgetLine] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)


def add_line(budget: Budget, key: str, *, org: str, account: str, uraian: str, vols: list[tuple[Any, str]],
             harga: Any, sub: str | None = None, ppn: bool = False, kelompok: str = "", keterangan: str = "",
             item: str | None = None, satuan: str = "", sumber: str | None = None,
             line_type: str = LineType.ITEM) -> BudgetLine:
    world = budget.world
    factors = [Decimal(str(v)) for v, _ in vols] + [None] * (4 - len(vols))
    units = [s for _, s in vols] + [""] * (4 - len(vols))
    amounts = line_amounts(vol1=factors[0], vol2=factors[1], vol3=factors[2], vol4=factors[3],
                           harga_satuan=Decimal(str(harga)), ppn=ppn, ppn_rate=PPN)
    org_obj = world.orgs[org]
    line = BudgetLine.objects.create(
        fiscal_year=world.fiscal_year if org_obj.pemda_id == world.pemda.pk else world.other_fiscal_year,
        pemda=org_obj.pemda, organisation=org_obj, sub_activity=budget.subs[sub] if sub else None,
        account=world.accounts[account], akun=account[0],
        sumber_dana=world.sumber_dana[sumber] if sumber else None, kelompok=kelompok, keterangan=keterangan,
        line_type=line_type, price_item=world.items[item] if item else None, uraian=uraian,
        vol1=factors[0], sat1=units[0], vol2=factors[1], sat2=units[1], vol3=factors[2], sat3=units[2],
        vol4=factors[3], sat4=units[3], volume=amounts.volume, satuan=satuan, harga_satuan=Decimal(str(harga)),
        ppn=ppn, ppn_amount=amounts.ppn_amount, total=amounts.total)
    budget.lines[key] = line
    return line


def build_budget(world: BudgetWorld | None = None) -> Budget:
    """Dinkes: Pembangunan Puskesmas (Mar–Oct; ATK, meals, UPS) and its office support sub-kegiatan; Dispendik:
    BOS SD; BPKAD: pendapatan and SiLPA. Figures are pinned in test_budget_figures below."""
    world = world or make_budget_world()
    world.orgs["dinkes"].kepala_nama = "dr. Siti Aminah, M.Kes"
    world.orgs["dinkes"].kepala_nip = "197001012000032001"
    world.orgs["dinkes"].save()
    world.orgs["bpkad"].kepala_nama = "Drs. Bambang Sutrisno"
    world.orgs["bpkad"].kepala_nip = "196805101990031005"
    world.orgs["bpkad"].save()
    budget = Budget(world=world)
    budget.subs["puskesmas"] = world.sub_activity("dinkes", "1.02.02.2.01.0002", bulan_mulai=3, bulan_selesai=10,
                                                  target=Decimal(2))
    budget.subs["puskesmas"].lokasi.add(world.pemda.region.children.order_by("kode").first())
    budget.subs["kantor"] = world.sub_activity("dinkes", "1.02.01.2.06.0001")
    budget.subs["bos"] = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    atk = "5.1.02.01.01.0024"
    add_line(budget, "ballpoint", org="dinkes", sub="puskesmas", account=atk, uraian="Refill Ballpoint",
             vols=[(10, "Buah"), (12, "Bulan")], harga="23550", ppn=True, kelompok="ATK Puskesmas",
             keterangan="Kebutuhan kantor", item="Refill Ballpoint", satuan="Buah")
    add_line(budget, "lem", org="dinkes", sub="puskesmas", account=atk, uraian="Lem Kertas Cair",
             vols=[(5, "Buah")], harga="9800", kelompok="ATK Puskesmas", keterangan="Kebutuhan kantor",
             item="Lem Kertas Cair", satuan="Buah")
    add_line(budget, "nasi", org="dinkes", sub="puskesmas", account="5.1.02.01.01.0052", uraian="Nasi Kotak Rapat",
             vols=[(10, "Orang"), (2, "Hari"), (1, "Kali")], harga="40000", item="Nasi Kotak Rapat",
             satuan="Kotak", kelompok="Rapat koordinasi")
    add_line(budget, "ups", org="dinkes", sub="puskesmas", account="5.2.02.05.02.0006", uraian="UPS 1.200 VA",
             vols=[(2, "Unit")], harga="3500000", ppn=True, item="UPS 1.200 VA", satuan="Unit", sumber="2.1")
    add_line(budget, "bata", org="dinkes", sub="kantor", account="5.1.02.01.01.0001", uraian="Bata Merah",
             vols=[(1000, "Buah")], harga="1850", item="Bata Merah", satuan="Buah")
    add_line(budget, "hvs", org="dispendik", sub="bos", account=atk, uraian="Kertas HVS 70 gr A4",
             vols=[(209, "Sekolah"), (12, "Rim")], harga="56000", item="Kertas HVS 70 gr A4", satuan="Rim",
             sumber="1.2")
    add_line(budget, "reklame", org="bpkad", account="4.1.01.09.01.0001", uraian="Pajak Reklame",
             vols=[(1, "Tahun")], harga="1250000000")
    add_line(budget, "dau", org="bpkad", account="4.2.01.08.01.0001", uraian="Dana Alokasi Umum",
             vols=[(1, "Tahun")], harga="800000000000")
    add_line(budget, "silpa", org="bpkad", account="6.1.01.01.01.0001", uraian="SiLPA tahun lalu",
             vols=[(1, "Tahun")], harga="25000000000")
    return budget


def freeze(budget: Budget | BudgetWorld, *, kind: str = StageKind.APBD, status: str = StageStatus.PUBLISHED,
           number: int = 1, nama: str | None = None) -> Stage:
    """A closed (default: published) stage of the world's fiscal year with a snapshot of every live line, copied
    the way services.stages.freeze_sql does (sub_kegiatan_kode = the sub-kegiatan's code, other fields as stored)."""
    world = budget.world if isinstance(budget, Budget) else budget
    fy = world.fiscal_year
    now = timezone.now()
    sequence = (fy.stages.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
    stage = Stage.objects.create(fiscal_year=fy, pemda=world.pemda, kind=kind, number=number, sequence=sequence,
                                 nama=nama or dict(StageKind.choices)[kind], status=status, frozen_at=now,
                                 published_at=now if status == StageStatus.PUBLISHED else None)
    StageLine.objects.bulk_create([
        StageLine(stage=stage, line_key=line.line_key, line_id=line.pk, pemda_id=line.pemda_id,
                  organisation_id=line.organisation_id, sub_activity_id=line.sub_activity_id,
                  sub_kegiatan_kode=line.sub_activity.kode if line.sub_activity_id else "",
                  account_id=line.account_id, akun=line.akun,
                  sumber_dana_id=line.sumber_dana_id,
                  kelompok=line.kelompok, keterangan=line.keterangan, line_type=line.line_type,
                  price_item_id=line.price_item_id, uraian=line.uraian, spesifikasi=line.spesifikasi,
                  volume=line.volume, satuan=line.satuan, harga_satuan=line.harga_satuan,
                  ppn_amount=line.ppn_amount, total=line.total, updated_by_id=line.updated_by_id,
                  updated_at=line.updated_at)
        for line in BudgetLine.objects.filter(fiscal_year=fy).select_related("sub_activity")
    ])
    return stage


# Pinned figures (Rp): ballpoint 120 × 23.550 = 2.826.000 + PPN 310.860 = 3.136.860; lem 5 × 9.800 = 49.000;
# nasi 20 × 40.000 = 800.000; UPS 2 × 3.500.000 = 7.000.000 + PPN 770.000 = 7.770.000; bata 1.000 × 1.850 =
# 1.850.000; HVS 2.508 × 56.000 = 140.448.000; reklame 1.250.000.000; DAU 800.000.000.000; SiLPA 25.000.000.000.
PUSKESMAS = Decimal("11755860.00")
DINKES_BELANJA = Decimal("13605860.00")
BELANJA = Decimal("154053860.00")
PENDAPATAN = Decimal("801250000000.00")
SILPA = Decimal("25000000000.00")


@pytest.mark.django_db
def test_budget_figures():
    budget = build_budget()
    lines = budget.lines
    assert lines["ballpoint"].total == Decimal("3136860.00")
    assert lines["ballpoint"].koefisien == "10 Buah x 12 Bulan"
    assert lines["nasi"].koefisien == "10 Orang x 2 Hari x 1 Kali"
    assert lines["ups"].total == Decimal("7770000.00")
    assert lines["hvs"].total == Decimal("140448000.00")
    assert sum(line.total for key, line in lines.items() if key in ("ballpoint", "lem", "nasi", "ups")) == PUSKESMAS
    assert sum(line.total for line in lines.values() if line.akun == "5") == BELANJA
    assert sum(line.total for line in lines.values() if line.akun == "4") == PENDAPATAN
    stage = freeze(budget)
    assert stage.frozen_lines.count() == 9
    # copied as stored (the summaries fall back to the sub-kegiatan's funding source, as for live lines)
    assert stage.frozen_lines.get(line_key=lines["lem"].line_key).sumber_dana_id is None
