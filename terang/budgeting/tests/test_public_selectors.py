"""Public APBD reads: published stages only, identity and totals exact, names resolved in bulk.

Also holds the world the other test_public_* modules use (`build_public_world`): the shared budget world plus a
published KUA-PPAS with two lines, a closed-but-unpublished RAPBD and a live RKA line that both carry the
distinctive draft amount Rp 777.777.777, and a published APBD murni with real lines.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from terang.budgeting import selectors_public as sel
from terang.budgeting.calc import line_amounts
from terang.budgeting.choices import FlagRule, FlagStatus, LineType, StageKind, StageStatus
from terang.budgeting.models import BudgetLine, RedFlag, Stage, StageLine
from terang.core.errors import NotFoundError
from terang.testing.budget import BudgetWorld, make_budget_world

JAKARTA = datetime.timezone(datetime.timedelta(hours=7))
EDITED_AT = datetime.datetime(2026, 1, 10, 9, 8, tzinfo=JAKARTA)
DRAFT_AMOUNT = Decimal("777777777")
DRAFT_TEXT = "777.777.777"
POPULATION = 1_234_567


def clear_summary_cache() -> None:
    """Stage summaries are cached per stage; ids repeat between tests, so every test starts empty."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_summary_cache()
    yield
    clear_summary_cache()


@dataclass
class PublicWorld:
    world: BudgetWorld
    kua: Stage
    rapbd: Stage  # closed (frozen) but never published
    apbd: Stage  # published
    lines: dict[str, StageLine] = field(default_factory=dict)
    draft_line: BudgetLine | None = None

    @property
    def pemda(self) -> Any:
        return self.world.pemda

    @property
    def fy(self) -> Any:
        return self.world.fiscal_year

    def org(self, key: str) -> Any:
        return self.world.orgs[key]


def add_stage_line(world: BudgetWorld, stage: Stage, org_key: str, account: str, uraian: str, *,
                   vol: str = "1", harga: str, sub_kegiatan: str = "", item: str | None = None, ppn: bool = False,
                   satuan: str = "", line_type: str = LineType.ITEM, kelompok: str = "", keterangan: str = "",
                   user: Any = None, updated_at: datetime.datetime | None = None,
                   line_key: uuid.UUID | None = None) -> StageLine:
    """A frozen line written directly (the freeze service belongs to the stage area)."""
    amounts = line_amounts(vol1=Decimal(vol), harga_satuan=Decimal(harga), ppn=ppn,
                           ppn_rate=world.fiscal_year.ppn_rate)
    org = world.orgs[org_key]
    price_item = world.items[item] if item else None
    return StageLine.objects.create(
        stage=stage, line_key=line_key or uuid.uuid4(), pemda_id=org.pemda_id, organisation_id=org.pk,
        sub_activity_id=None, sub_kegiatan_kode=sub_kegiatan, account_id=world.accounts[account].pk,
        akun=account[0], sumber_dana_id=world.sumber_dana["1.1"].pk, kelompok=kelompok, keterangan=keterangan,
        line_type=line_type, price_item_id=price_item.pk if price_item else None, uraian=uraian,
        spesifikasi=price_item.spesifikasi if price_item else "", volume=amounts.volume,
        satuan=satuan or (price_item.satuan if price_item else ""), harga_satuan=Decimal(harga),
        ppn_amount=amounts.ppn_amount, total=amounts.total, updated_by_id=user.pk if user else None,
        updated_at=updated_at or EDITED_AT,
    )


def make_stage(world: BudgetWorld, kind: str, sequence: int, nama: str, status: str, days_ago: int) -> Stage:
    now = timezone.now()
    return Stage.objects.create(
        fiscal_year=world.fiscal_year, pemda=world.pemda, kind=kind, sequence=sequence, nama=nama, status=status,
        frozen_at=now - datetime.timedelta(days=days_ago + 1),
        published_at=(now - datetime.timedelta(days=days_ago)) if status == StageStatus.PUBLISHED else None)


def build_public_world() -> PublicWorld:
    world = make_budget_world()
    region = world.pemda.region
    region.population = POPULATION
    region.save(update_fields=["population"])
    op = world.users["operator"]
    op_dik = world.users["operator_dispendik"]

    # KUA-PPAS (published by make_budget_world) gets two lines.
    kua = world.kua_ppas
    pw = PublicWorld(world=world, kua=kua, rapbd=world.rka, apbd=world.rka)
    ups_key = uuid.uuid4()
    add_stage_line(world, kua, "dinkes", "5.2.02.05.02.0006", "UPS 1.200 VA", vol="2", harga="3500000",
                   sub_kegiatan="1.02.02.2.01.0002", item="UPS 1.200 VA", user=op, line_key=ups_key)
    add_stage_line(world, kua, "bpkad", "4.2.01.08.01.0001", "DAU", harga="3000000000", user=world.users["bpkad"])

    # RAPBD: frozen (closed) but not published — its figures must never be shown.
    pw.rapbd = make_stage(world, StageKind.RAPBD, 3, "Rancangan APBD", StageStatus.CLOSED, 5)
    add_stage_line(world, pw.rapbd, "dinkes", "5.1.02.01.01.0024", "Lem Kertas Cair rahasia", harga=str(DRAFT_AMOUNT),
                   sub_kegiatan="1.02.02.2.01.0002", user=op)

    # The live RKA (open) has a draft line with the same distinctive amount.
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    pw.draft_line = BudgetLine.objects.create(
        fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"], sub_activity=sub,
        account=world.accounts["5.1.02.01.01.0024"], akun="5", uraian="Lem draf", vol1=Decimal(1),
        harga_satuan=DRAFT_AMOUNT, total=DRAFT_AMOUNT, updated_by=op)

    # APBD murni: published.
    pw.apbd = apbd = make_stage(world, StageKind.APBD, 4, "APBD murni", StageStatus.PUBLISHED, 1)
    lines = pw.lines
    lines["bata"] = add_stage_line(
        world, apbd, "dinkes", "5.1.02.01.01.0001", "Bata Merah", vol="10000", harga="1850",
        sub_kegiatan="1.02.02.2.01.0002", item="Bata Merah", kelompok="Pembangunan Puskesmas Sarongan",
        keterangan="Dinding", user=op)
    lines["ups"] = add_stage_line(
        world, apbd, "dinkes", "5.2.02.05.02.0006", "UPS 1.200 VA", vol="2", harga="4000000", ppn=True,
        sub_kegiatan="1.02.02.2.01.0002", item="UPS 1.200 VA", user=op, line_key=ups_key)
    lines["ballpoint"] = add_stage_line(
        world, apbd, "dinkes", "5.1.02.01.01.0024", "Refill Ballpoint", vol="100", harga="23550", ppn=True,
        sub_kegiatan="1.02.01.2.06.0002", item="Refill Ballpoint", user=op)
    lines["placeholder"] = add_stage_line(
        world, apbd, "dispendik", "5.1.02.01.01.0024", "Cadangan BOP sekolah", harga="500000000", satuan="Paket",
        sub_kegiatan="1.01.02.2.02.0024", line_type=LineType.UNDETAILED, user=op_dik)
    lines["lem"] = add_stage_line(
        world, apbd, "dispendik", "5.1.02.01.01.0024", "Lem Kertas Cair", vol="450000", harga="9800",
        sub_kegiatan="1.01.02.2.02.0024", item="Lem Kertas Cair", user=op_dik)
    lines["reklame"] = add_stage_line(world, apbd, "bpkad", "4.1.01.09.01.0001", "Pajak Reklame",
                                      harga="2000000000", user=world.users["bpkad"])
    lines["dau"] = add_stage_line(world, apbd, "bpkad", "4.2.01.08.01.0001", "DAU", harga="3000000000",
                                  user=world.users["bpkad"])
    lines["silpa"] = add_stage_line(world, apbd, "bpkad", "6.1.01.01.01.0001", "SiLPA tahun lalu",
                                    harga="100000000", user=world.users["bpkad"])

    # Red flags: one open on the UPS line, one dismissed on the placeholder.
    RedFlag.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           line_key=ups_key, rule=FlagRule.PRICE_ABOVE_CATALOGUE, severity=3,
                           message="Harga satuan di atas standar harga UPS 1.200 VA.")
    RedFlag.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dispendik"],
                           line_key=lines["placeholder"].line_key, rule=FlagRule.PLACEHOLDER, severity=2,
                           message="Baris belum dirinci.", status=FlagStatus.DISMISSED,
                           dismissed_reason="RKAS sekolah menyusul sebelum DPA.", dismissed_by=world.users["tapd"],
                           dismissed_at=EDITED_AT)
    return pw


# Expected figures of the APBD murni stage
BELANJA = Decimal("18500000") + Decimal("8880000") + Decimal("2614050") + Decimal("500000000") + Decimal("4410000000")
PENDAPATAN = Decimal("5000000000")


@pytest.fixture
def pw(db) -> PublicWorld:
    return build_public_world()


def test_identity_of_the_published_stage_is_exact(pw):
    identity = sel.stage_identity(stage=pw.apbd)
    assert identity.as_dict() == {
        "pendapatan": Decimal("5000000000.00"),
        "belanja": Decimal("4939994050.00"),
        "surplus_defisit": Decimal("60005950.00"),
        "penerimaan_pembiayaan": Decimal("100000000.00"),
        "pengeluaran_pembiayaan": Decimal("0.00"),
        "pembiayaan_netto": Decimal("100000000.00"),
        "silpa": Decimal("160005950.00"),
    }
    assert identity.belanja == BELANJA


def test_identity_matches_the_summaries_module(pw):
    """The portal's one-pass aggregate and terang.budgeting.summaries agree to the cent (cents included)."""
    from terang.budgeting import summaries

    for n in range(30):
        add_stage_line(pw.world, pw.apbd, "dinkes", "5.1.02.01.01.0024", f"Ballpoint {n}", vol="3",
                       harga="23550.33", ppn=True, sub_kegiatan="1.02.01.2.06.0002", item="Refill Ballpoint")
    clear_summary_cache()
    assert sel.stage_identity(stage=pw.apbd) == summaries.apbd_identity(stage=pw.apbd)
    mine = {a.kode: a.total for a in sel.stage_summary(stage=pw.apbd).accounts if a.level <= 3}
    theirs = {r.kode: r.total for r in summaries.summary_by_account(stage=pw.apbd)}
    assert mine == theirs


def test_draft_and_closed_stages_are_refused(pw):
    for stage in (pw.rapbd, pw.world.rka):
        with pytest.raises(NotFoundError):
            sel.stage_summary(stage=stage)
        with pytest.raises(NotFoundError):
            sel.public_lines(stage=stage)
        with pytest.raises(NotFoundError):
            list(sel.iter_line_records(stage=stage))
        with pytest.raises(NotFoundError):
            sel.public_stage_flags(stage=stage)


def test_only_published_stages_are_listed_and_picked(pw):
    stages = sel.public_stages(fiscal_year=pw.fy)
    assert [s.nama for s in stages] == ["KUA-PPAS", "APBD murni"]
    assert sel.pick_stage(stages) == pw.apbd
    assert sel.pick_stage(stages, str(pw.kua.pk)) == pw.kua
    assert sel.pick_stage(stages, str(pw.rapbd.pk)) is None
    assert sel.pick_stage(stages, "abc") is None
    assert sel.previous_stage(stages, pw.apbd) == pw.kua
    index = sel.public_apbd_index()
    assert [(e.pemda.kode, [(y.tahun, y.latest.nama) for y in e.years]) for e in index] == [
        (pw.pemda.kode, [(2026, "APBD murni")]),
        (pw.world.other_pemda.kode, [(2026, "KUA-PPAS")]),
    ]


def test_fiscal_year_without_published_stage_is_not_public(pw):
    Stage.objects.filter(fiscal_year=pw.fy, status=StageStatus.PUBLISHED).update(status=StageStatus.CLOSED)
    assert sel.public_fiscal_year(pemda_kode=pw.pemda.kode, tahun=2026) is None
    assert sel.public_pemda_years(pemda_kode=pw.pemda.kode) == []


def test_summary_by_organisation_account_and_sub_kegiatan(pw):
    summary = sel.stage_summary(stage=pw.apbd)
    by_org = {o.kode: (o.pendapatan, o.belanja, o.penerimaan_pembiayaan, o.belum_dirinci, o.lines)
              for o in summary.organisations}
    assert by_org == {
        pw.org("dispendik").kode: (Decimal(0), Decimal("4910000000"), Decimal(0), Decimal("500000000"), 2),
        pw.org("dinkes").kode: (Decimal(0), Decimal("29994050"), Decimal(0), Decimal(0), 3),
        pw.org("bpkad").kode: (Decimal("5000000000"), Decimal(0), Decimal("100000000"), Decimal(0), 3),
    }
    assert [o.kode for o in summary.organisations][:2] == [pw.org("dispendik").kode, pw.org("dinkes").kode]
    accounts = {a.kode: a.total for a in summary.accounts if a.level <= 2}
    assert accounts == {"4": PENDAPATAN, "4.1": Decimal("2000000000"), "4.2": Decimal("3000000000"),
                        "5": BELANJA, "5.1": Decimal("4931114050"), "5.2": Decimal("8880000"),
                        "6": Decimal("100000000"), "6.1": Decimal("100000000")}
    assert summary.line_count == 8
    assert (summary.belum_dirinci_total, summary.belum_dirinci_lines) == (Decimal("500000000"), 1)
    subs = {(s.kode, s.nama): s.belanja for s in summary.sub_activities}
    assert subs == {
        ("1.01.02.2.02.0024", "Pengelolaan Dana BOS Sekolah Dasar"): Decimal("4910000000"),
        ("1.02.01.2.06.0002", "Penyediaan Peralatan dan Perlengkapan Kantor"): Decimal("2614050"),
        ("1.02.02.2.01.0002", "Pembangunan Puskesmas"): Decimal("27380000"),
    }


def test_public_flags_follow_the_verification_rule(pw):
    """The portal's cheaper computation selects exactly what selectors_verification.public_flags selects."""
    from terang.budgeting.selectors_verification import public_flags

    sub = pw.world.sub_activity("dispendik", "1.01.02.2.02.0024")
    StageLine.objects.filter(pk=pw.lines["lem"].pk).update(sub_activity_id=sub.pk)
    RedFlag.objects.create(fiscal_year=pw.fy, pemda=pw.pemda, organisation=pw.org("dispendik"), sub_activity=sub,
                           rule=FlagRule.NEW_AFTER_PPAS, message="Sub kegiatan baru setelah KUA-PPAS.")
    RedFlag.objects.create(fiscal_year=pw.fy, pemda=pw.pemda, organisation=pw.org("dinkes"), line=pw.draft_line,
                           line_key=pw.draft_line.line_key, rule=FlagRule.ROUND_TOTAL, message="Draf")
    RedFlag.objects.create(fiscal_year=pw.fy, pemda=pw.pemda, organisation=pw.org("bpkad"),
                           rule=FlagRule.FILLS_CEILING, message="Total tepat mengisi pagu.")
    for stage in (pw.apbd, pw.kua):
        mine = sorted(sel.public_stage_flag_ids(stage=stage))
        theirs = sorted(public_flags(fiscal_year=pw.fy, stage=stage).values_list("pk", flat=True))
        assert mine == theirs
    assert len(sel.public_stage_flag_ids(stage=pw.apbd)) == 4  # UPS, placeholder, new sub-kegiatan, BPKAD


def test_per_capita_is_rounded_to_the_rupiah(pw):
    capita = sel.per_capita(identity=sel.stage_identity(stage=pw.apbd), region=pw.pemda.region)
    assert capita.population == POPULATION
    assert capita.belanja_per_penduduk == Decimal("4001")  # 4.939.994.050 / 1.234.567 = 4.001,36
    assert capita.pendapatan_per_penduduk == Decimal("4050")
    assert capita.kecamatan == 2
    assert capita.belanja_per_kecamatan == Decimal("2469997025")


def test_treemaps_cover_all_belanja(pw):
    summary = sel.stage_summary(stage=pw.apbd)
    for nodes in (sel.treemap_by_organisation(summary), sel.treemap_by_urusan(summary),
                  sel.treemap_by_account(summary)):
        assert sum(Decimal(str(n["value"])) for n in nodes) == BELANJA
    urusan = sel.treemap_by_urusan(summary)
    assert [(n["name"], n["fullName"]) for n in urusan] == [
        ("1 WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR",
         "1 URUSAN PEMERINTAHAN WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR")]
    bidang = [c["name"] for c in urusan[0]["children"]]
    assert bidang == ["1.01 PENDIDIKAN", "1.02 KESEHATAN"]
    support = [p["name"] for p in urusan[0]["children"][1]["children"]]
    assert support[0] == "1.02.01 PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA"
    akun = sel.treemap_by_account(summary)
    assert [n["name"] for n in akun] == ["5.1 BELANJA OPERASI", "5.2 BELANJA MODAL"]


def test_resolve_lines_uses_one_query_per_lookup(pw, django_assert_num_queries):
    lines = list(sel.public_lines(stage=pw.apbd))
    # accounts, agencies, names, funding sources, catalogue items, users, whether the stage froze its flags, flags
    with django_assert_num_queries(8):
        resolved = sel.resolve_lines(lines, fiscal_year_id=pw.fy.pk)
    ups = next(r for r in resolved if r.line.uraian == "UPS 1.200 VA")
    assert (ups.account_kode, ups.price_item.kode, ups.catalogue_price, ups.above_catalogue, ups.updated_by) == (
        "5.2.02.05.02.0006", "1.3.2.05.02.06.003", Decimal("3500000.00"), True, "op.dinkes")
    assert [f.rule for f in ups.flags] == [FlagRule.PRICE_ABOVE_CATALOGUE]
    bata = next(r for r in resolved if r.line.uraian == "Bata Merah")
    assert (bata.above_catalogue, bata.sub_kegiatan_nama) == (False, "Pembangunan Puskesmas")


def test_public_lines_filters(pw):
    def uraian(**kw):
        return sorted(ln.uraian for ln in sel.public_lines(stage=pw.apbd, **kw))

    assert uraian(organisation_id=pw.org("dinkes").pk) == ["Bata Merah", "Refill Ballpoint", "UPS 1.200 VA"]
    assert uraian(akun="5.2") == ["UPS 1.200 VA"]
    assert uraian(akun="4") == ["DAU", "Pajak Reklame"]
    assert uraian(sub_kegiatan="1.01.02.2.02.0024") == ["Cadangan BOP sekolah", "Lem Kertas Cair"]
    assert uraian(q="lem") == ["Lem Kertas Cair"]
    assert uraian(q="5.1.02.01.01.0001") == ["Bata Merah"]
    assert uraian(q="sarongan") == ["Bata Merah"]


def test_group_lines_prints_like_the_rka(pw):
    lines = sel.resolve_lines(list(sel.public_lines(stage=pw.apbd, organisation_id=pw.org("dinkes").pk)))
    groups = sel.group_lines(lines)
    assert [(g.sub_kegiatan_kode, g.account_kode, g.starts_sub_kegiatan) for g in groups] == [
        ("1.02.01.2.06.0002", "5.1.02.01.01.0024", True),
        ("1.02.02.2.01.0002", "5.1.02.01.01.0001", True),
        ("1.02.02.2.01.0002", "5.2.02.05.02.0006", False),
    ]
    assert [(kind, item if kind != "line" else item.line.uraian) for kind, item in groups[1].rows] == [
        ("kelompok", "Pembangunan Puskesmas Sarongan"), ("keterangan", "Dinding"), ("line", "Bata Merah")]


def test_download_records_total_equals_stage_total(pw):
    records = list(sel.iter_line_records(stage=pw.apbd, chunk_size=2))
    assert len(records) == 8
    assert sum(Decimal(r["jumlah"]) for r in records) == BELANJA + PENDAPATAN + Decimal("100000000")
    assert list(records[0]) == sel.LINE_EXPORT_FIELDS


def test_summary_is_cached_per_published_stage(pw, django_assert_num_queries):
    sel.stage_summary(stage=pw.apbd)
    with django_assert_num_queries(0):
        assert sel.stage_summary(stage=pw.apbd).identity.pendapatan == PENDAPATAN
