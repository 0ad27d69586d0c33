"""Red-flag rules: the 2019 lem Aibon line and the 2014 UPS insertion are flagged (domain.md §6.1–6.2), and each
rule fires on its pattern and stays quiet just below it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terang.budgeting.choices import FlagRule, LineType
from terang.budgeting.models import Ceiling, RedFlag
from terang.budgeting.services.flags import flags_refresh

from .test_flags_support import add_line, extra_agencies, module_world, peer_sub, ppas_line

pytestmark = pytest.mark.django_db
D = Decimal


_world = module_world(with_users=False)


@pytest.fixture
def world(shared_world, db):
    return shared_world


def flags_of(obj) -> dict[str, RedFlag]:
    field = "line" if obj.__class__.__name__ == "BudgetLine" else "sub_activity"
    qs = RedFlag.objects.filter(**{field: obj})
    if field == "sub_activity":
        qs = qs.filter(line__isnull=True)
    return {f.rule: f for f in qs}


def refresh(world):
    return flags_refresh(fiscal_year=world.fiscal_year)


# --- the two Jakarta cases -----------------------------------------------------------------------------------------


def test_lem_aibon_line_is_flagged(world):
    """Suku Dinas Pendidikan: 37.500 orang × 12 bulan × Rp 184.000 of glue under ATK = Rp 82,8 miliar (2019)."""
    bos = world.sub_activity("dispendik", "1.01.02.2.02.0024", nama="Penyediaan Biaya Operasional Pendidikan SDN")
    aibon = add_line(world, bos, item="Lem Kertas Cair", vol1=37500, sat1="Orang", vol2=12, sat2="Bulan",
                     harga=184000, uraian="Lem Aibon")
    assert (aibon.volume, aibon.total) == (D(450000), D("82800000000.00"))
    # four other agencies use the same glue in normal quantities
    for org, volume in zip(extra_agencies(world, 4), (10, 12, 20, 24), strict=True):
        add_line(world, peer_sub(world, org), item="Lem Kertas Cair", vol1=volume)

    refresh(world)

    flags = flags_of(aibon)
    assert set(flags) == {FlagRule.PRICE_ABOVE_CATALOGUE, FlagRule.VOLUME_OUTLIER, FlagRule.ROUND_TOTAL}
    price = flags[FlagRule.PRICE_ABOVE_CATALOGUE]
    assert (price.severity, price.message) == (
        3, "Harga satuan Rp 184.000 melebihi standar harga Rp 9.800 untuk Lem Kertas Cair (1.777,6% di atas standar).")
    assert (price.line_key, price.sub_activity, price.organisation) == (aibon.line_key, bos, world.orgs["dispendik"])
    assert price.details == {"komponen": "1.1.12.01.03.0001.07001", "komponen_nama": "Lem Kertas Cair",
                             "harga_satuan": "184000", "harga_standar": "9800", "persen_di_atas": "1777.6"}
    volume = flags[FlagRule.VOLUME_OUTLIER]
    assert volume.severity == 2
    assert volume.message == (
        "Volume Lem Kertas Cair di sub kegiatan ini 450.000 Buah, 28.125 kali median 16 di 4 sub kegiatan perangkat "
        "daerah lain (batas 5 kali). 37.500 Orang × 12 bulan: 1 Buah Lem Kertas Cair per orang per bulan (batas wajar "
        "0,5 untuk alat tulis kantor).")
    assert volume.details == {
        "komponen_nama": "Lem Kertas Cair", "volume": "450000", "satuan": "Buah", "total": "82800000000",
        "pembanding": {"volume_sub_kegiatan": "450000", "median": "16", "jumlah_pembanding": 4, "rasio": "28125",
                       "batas_rasio": "5"},
        "per_orang": {"orang": "37500", "satuan_orang": "Orang", "bulan": "12", "bulan_dari": "rincian",
                      "per_orang_per_bulan": "1", "batas": "0.5"},
    }
    assert flags[FlagRule.ROUND_TOTAL].details == {"total": "82800000000", "kelipatan": "100000000"}
    assert flags[FlagRule.ROUND_TOTAL].severity == 1
    # the peers' lines are clean
    assert RedFlag.objects.exclude(sub_activity=bos).count() == 0


def test_lem_aibon_without_peers_is_still_caught_per_beneficiary(world):
    bos = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    aibon = add_line(world, bos, item="Lem Kertas Cair", vol1=37500, sat1="Orang", vol2=12, sat2="Bulan",
                     harga=184000)
    refresh(world)
    volume = flags_of(aibon)[FlagRule.VOLUME_OUTLIER]
    assert volume.details["pembanding"] is None
    assert volume.details["per_orang"]["per_orang_per_bulan"] == "1"
    assert FlagRule.PRICE_ABOVE_CATALOGUE in flags_of(aibon)


def test_ups_insertion_after_kua_ppas_is_flagged(world):
    """UPS units at Rp 5,8 miliar each in a sub-kegiatan that was not in KUA-PPAS and has no RKPD/Renja trace."""
    bos = world.sub_activity("dispendik", "1.01.02.2.02.0024", planning_trace="RKPD 2026 / Renja Dispendik 1.2")
    add_line(world, bos, item="Kertas HVS 70 gr A4", vol1=400, sat1="Rim")
    ppas_line(world, bos, "22400000")
    inserted = world.sub_activity("dispendik", "1.01.01.2.06.0001")
    ups = add_line(world, inserted, item="UPS 1.200 VA", account="5.2.02.05.02.0006", vol1=25, sat1="Unit",
                   harga=5800000000, uraian="UPS 120 kVA untuk 25 SMA/SMK")

    refresh(world)

    line_flags = flags_of(ups)
    assert set(line_flags) == {FlagRule.PRICE_ABOVE_CATALOGUE, FlagRule.ROUND_TOTAL}
    assert line_flags[FlagRule.PRICE_ABOVE_CATALOGUE].message == (
        "Harga satuan Rp 5.800.000.000 melebihi standar harga Rp 3.500.000 untuk UPS 1.200 VA "
        "(165.614,3% di atas standar).")
    sub_flags = flags_of(inserted)
    assert set(sub_flags) == {FlagRule.NEW_AFTER_PPAS, FlagRule.ROUND_TOTAL}
    new = sub_flags[FlagRule.NEW_AFTER_PPAS]
    assert (new.severity, new.line_id, new.organisation_id) == (3, None, world.orgs["dispendik"].pk)
    assert new.message == ("Sub kegiatan 1.01.01.2.06.0001 (Rp 145.000.000.000) tidak ada di KUA-PPAS dan tidak "
                           "memiliki rujukan RKPD/Renja.")
    assert new.details == {"kode": "1.01.01.2.06.0001", "total": "145000000000", "total_kua_ppas": "0"}
    # the planned sub-kegiatan, unchanged since KUA-PPAS, is clean
    assert RedFlag.objects.filter(sub_activity=bos).count() == 0


# --- each rule, positive and negative ------------------------------------------------------------------------------


def test_price_at_catalogue_is_clean_and_one_rupiah_above_is_flagged(world):
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0002")
    at = add_line(world, sub, item="Refill Ballpoint", vol1=10)
    above = add_line(world, sub, item="Refill Ballpoint", vol1=10, harga="23551")
    refresh(world)
    assert flags_of(at) == {}
    assert flags_of(above)[FlagRule.PRICE_ABOVE_CATALOGUE].details["persen_di_atas"] == "0"


def test_item_not_allowed_for_the_account(world):
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0002")
    wrong = add_line(world, sub, item="Nasi Kotak Rapat", account="5.1.02.01.01.0024", vol1=20, sat1="Kotak")
    right = add_line(world, sub, item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=20, sat1="Kotak")
    refresh(world)
    flag = flags_of(wrong)[FlagRule.ITEM_NOT_ALLOWED]
    assert flag.message == ("Komponen Nasi Kotak Rapat tidak diizinkan untuk rekening 5.1.02.01.01.0024; rekening "
                            "yang diizinkan: 5.1.02.01.01.0052.")
    assert flag.severity == 3
    assert flags_of(right) == {}


@pytest.mark.parametrize(("volume", "flagged"), [(80, False), (81, True)])
def test_volume_outlier_against_other_agencies_median(world, volume, flagged):
    # peers: 10, 16, 20 → median 16; 5 × 16 = 80 is the limit
    for org, peer_volume in zip(extra_agencies(world, 3), (10, 16, 20), strict=True):
        add_line(world, peer_sub(world, org), item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=peer_volume,
                 sat1="Kotak")
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0002")
    line = add_line(world, sub, item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=volume, sat1="Kotak")
    refresh(world)
    assert (FlagRule.VOLUME_OUTLIER in flags_of(line)) is flagged
    if flagged:
        assert flags_of(line)[FlagRule.VOLUME_OUTLIER].details["pembanding"] == {
            "volume_sub_kegiatan": "81", "median": "16", "jumlah_pembanding": 3, "rasio": "5.06", "batas_rasio": "5"}


def test_volume_rule_needs_three_peers_and_sums_lines_of_a_sub_activity(world):
    orgs = extra_agencies(world, 3)
    for org in orgs[:2]:
        add_line(world, peer_sub(world, org), item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=10)
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0002")
    first = add_line(world, sub, item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=30)
    second = add_line(world, sub, item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=30)
    refresh(world)
    assert flags_of(first) == {}  # only two peers
    add_line(world, peer_sub(world, orgs[2]), item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=10)
    refresh(world)
    # 30 + 30 = 60 > 5 × 10 although each line alone (30) is not
    assert FlagRule.VOLUME_OUTLIER in flags_of(first)
    assert FlagRule.VOLUME_OUTLIER in flags_of(second)


def test_per_beneficiary_rule_only_for_person_units_and_office_supplies(world):
    sub = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    sane = add_line(world, sub, item="Refill Ballpoint", vol1=100, sat1="Siswa", vol2=6, sat2="Bulan", vol3=D("0.5"),
                    sat3="Buah")  # half a refill per pupil per month
    heavy = add_line(world, sub, item="Refill Ballpoint", vol1=100, sat1="Siswa", vol2=2, sat2="Bulan", vol3=2,
                     sat3="Buah")  # two refills per pupil per month
    yearly = add_line(world, sub, item="Kertas HVS 70 gr A4", vol1=300, sat1="Pegawai", vol2=3, sat2="Rim")
    meals = add_line(world, sub, item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=40, sat1="Orang",
                     vol2=3, sat2="Kali")
    refresh(world)
    assert flags_of(sane) == {}
    person = flags_of(heavy)[FlagRule.VOLUME_OUTLIER].details["per_orang"]
    assert (person["per_orang_per_bulan"], person["bulan"], person["bulan_dari"]) == ("2", "2", "rincian")
    # 3 rim per employee over the sub-kegiatan's 12 months = 0,25 per month
    assert flags_of(yearly) == {}
    assert flags_of(meals) == {}  # not office supplies


def test_placeholder_line(world):
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0002")
    reserved = add_line(world, sub, line_type=LineType.UNDETAILED, total="250000000", uraian="Cadangan pagu")
    refresh(world)
    flag = flags_of(reserved)[FlagRule.PLACEHOLDER]
    assert (flag.severity, flag.message) == (
        2, "Baris belum dirinci sebesar Rp 250.000.000: uang dicadangkan tanpa rincian komponen; tidak dapat masuk "
           "DPA sebelum dirinci.")


def test_round_totals(world):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    bricks = add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=200000, harga=1500)
    below = add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=40000, harga=1250)  # Rp 50 jt
    refresh(world)
    assert flags_of(bricks)[FlagRule.ROUND_TOTAL].message == (
        "Jumlah rincian Rp 300.000.000 adalah kelipatan tepat Rp 100.000.000.")
    assert flags_of(below) == {}
    assert flags_of(sub) == {}  # Rp 350 juta is not a multiple of Rp 1 miliar
    add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=650000, harga=1000)
    refresh(world)
    assert flags_of(sub)[FlagRule.ROUND_TOTAL].message == (
        "Total sub kegiatan 1.02.02.2.01.0002 Rp 1.000.000.000 adalah kelipatan tepat Rp 1.000.000.000.")


def test_totals_that_fill_a_ceiling_exactly(world):
    dinkes = world.orgs["dinkes"]
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=dinkes,
                           sub_kegiatan=world.program["1.02.02.2.01.0002"], amount=D("18500000"))
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=dinkes,
                           sumber_dana=world.sumber_dana["1.1"], amount=D("18500001"))
    add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=10000)  # 10.000 × 1.850
    refresh(world)
    flag = flags_of(sub)[FlagRule.FILLS_CEILING]
    assert (flag.severity, flag.details) == (2, {"lingkup": "sub_kegiatan", "total": "18500000", "pagu": "18500000"})
    org_level = RedFlag.objects.filter(organisation=dinkes, sub_activity__isnull=True, rule=FlagRule.FILLS_CEILING)
    assert not org_level.exists()  # agency ceiling Rp 5 miliar, funding source one rupiah higher
    Ceiling.objects.filter(organisation=dinkes, sub_kegiatan__isnull=True, sumber_dana__isnull=True).update(
        amount=D("18500000"))
    refresh(world)
    assert [f.details["lingkup"] for f in org_level.all()] == ["opd"]
    assert org_level.get().message == "Total belanja perangkat daerah Rp 18.500.000 tepat sama dengan pagunya."
    Ceiling.objects.filter(organisation=dinkes, sumber_dana__isnull=False).update(amount=D("18500000"))
    refresh(world)
    assert sorted(f.details["lingkup"] for f in org_level.all()) == ["opd", "sumber_dana"]
    funded = org_level.get(details__lingkup="sumber_dana")
    assert (funded.details["sumber_dana"], funded.message) == (
        world.sumber_dana["1.1"].pk,
        "Total belanja dari satu sumber dana Rp 18.500.000 tepat sama dengan pagu sumber dana itu.")


@pytest.mark.parametrize(("total", "trace", "expected"), [
    ("120000000", "", set()),  # +20 % exactly: at the limit
    ("120500000", "", {FlagRule.INCREASE_AFTER_PPAS}),
    ("150000000", "Renja Dinkes 2026 no. 14", set()),  # traced to the plan
])
def test_increase_after_kua_ppas(world, total, trace, expected):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002", planning_trace=trace)
    ppas_line(world, sub, "100000000")
    add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=1, harga=total)
    refresh(world)
    assert set(flags_of(sub)) - {FlagRule.ROUND_TOTAL} == expected
    if expected:
        assert flags_of(sub)[FlagRule.INCREASE_AFTER_PPAS].message == (
            "Total sub kegiatan 1.02.02.2.01.0002 naik 20,5% dari KUA-PPAS (Rp 100.000.000 menjadi Rp 120.500.000), "
            "di atas batas 20%, tanpa rujukan RKPD/Renja.")


def test_after_ppas_rules_are_skipped_without_a_snapshot(world):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=100)
    refresh(world)
    assert flags_of(sub) == {}
