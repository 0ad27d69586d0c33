"""APBD summaries: the identity with the Banyuwangi RAPBD 2024 figures, each summary exact on a built budget, stage
summaries equal to live summaries at freeze time, and one query per aggregate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terang.budgeting import summaries
from terang.budgeting.choices import StageKind, StageStatus
from terang.core.errors import ApplicationError
from terang.testing.budget import make_budget_world

from .test_dpa_world import (
    BELANJA,
    DINKES_BELANJA,
    PENDAPATAN,
    SILPA,
    Budget,
    add_line,
    freeze,
)

pytestmark = pytest.mark.django_db

D = Decimal


# --- the APBD identity ---------------------------------------------------------------------------------------------


def test_identity_with_banyuwangi_rapbd_2024_figures(django_assert_num_queries):
    """RAPBD 2024: pendapatan Rp 2.495.696.641.125, belanja Rp 2.520.696.641.125, SiLPA penerimaan Rp 25 miliar."""
    world = make_budget_world(with_users=False)
    budget = Budget(world=world)
    budget.subs["rs"] = world.sub_activity("dinkes", "1.02.02.2.01.0001")
    add_line(budget, "pad", org="bpkad", account="4.1.01.09.01.0001", uraian="Pajak Reklame",
             vols=[(1, "Tahun")], harga="95696641125")
    add_line(budget, "dau", org="bpkad", account="4.2.01.08.01.0001", uraian="DAU", vols=[(1, "Tahun")],
             harga="2400000000000")
    add_line(budget, "rs", org="dinkes", sub="rs", account="5.1.02.01.01.0001", uraian="Bahan bangunan",
             vols=[(1, "Paket")], harga="2520696641125")
    add_line(budget, "silpa", org="bpkad", account="6.1.01.01.01.0001", uraian="SiLPA", vols=[(1, "Tahun")],
             harga="25000000000")
    with django_assert_num_queries(1):
        identity = summaries.apbd_identity(fiscal_year=world.fiscal_year)
    assert identity.pendapatan == D("2495696641125.00")
    assert identity.belanja == D("2520696641125.00")
    assert identity.surplus_defisit == D("-25000000000.00")
    assert identity.penerimaan_pembiayaan == D("25000000000.00")
    assert identity.pengeluaran_pembiayaan == D("0.00")
    assert identity.pembiayaan_netto == D("25000000000.00")
    assert identity.silpa == D("0.00")
    stage = freeze(world, kind=StageKind.RAPBD)
    assert summaries.apbd_identity(stage=stage) == identity
    assert summaries.apbd_identity(stage=stage).as_dict()["silpa"] == D("0.00")


def test_identity_of_one_agency_and_with_cents(budget):
    assert summaries.apbd_identity(fiscal_year=budget.fiscal_year, organisation=budget.orgs["dinkes"]).as_dict() == {
        "pendapatan": D("0.00"), "belanja": DINKES_BELANJA, "surplus_defisit": -DINKES_BELANJA,
        "penerimaan_pembiayaan": D("0.00"), "pengeluaran_pembiayaan": D("0.00"),
        "pembiayaan_netto": D("0.00"), "silpa": -DINKES_BELANJA}
    # cents stay exact however many lines are summed (SQLite stores decimals as floating point)
    for index in range(30):
        add_line(budget, f"sen{index}", org="dinkes", sub="kantor", account="5.1.02.01.01.0001", uraian="Paku",
                 vols=[(1, "Buah")], harga="0.10")
    identity = summaries.apbd_identity(fiscal_year=budget.fiscal_year)
    assert identity.belanja == BELANJA + D("3.00")
    assert identity.pendapatan == PENDAPATAN
    assert identity.silpa == PENDAPATAN - BELANJA - D("3.00") + SILPA


# --- each summary, exact ------------------------------------------------------------------------------------------


def test_summary_by_account(budget, django_assert_num_queries):
    with django_assert_num_queries(2):  # the GROUP BY, then the names of the groups
        rows = summaries.summary_by_account(fiscal_year=budget.fiscal_year)
    assert [(r.kode, r.level, r.total) for r in rows] == [
        ("4", 1, PENDAPATAN), ("4.1", 2, D("1250000000.00")), ("4.1.01", 3, D("1250000000.00")),
        ("4.2", 2, D("800000000000.00")), ("4.2.01", 3, D("800000000000.00")),
        ("5", 1, BELANJA), ("5.1", 2, D("146283860.00")), ("5.1.02", 3, D("146283860.00")),
        ("5.2", 2, D("7770000.00")), ("5.2.02", 3, D("7770000.00")),
        ("6", 1, SILPA), ("6.1", 2, SILPA), ("6.1.01", 3, SILPA),
    ]
    assert rows[5].nama == "BELANJA DAERAH" and rows[5].tingkat == "akun"
    assert rows[7].nama == "Belanja Barang dan Jasa" and rows[7].tingkat == "jenis"
    objek = summaries.summary_by_account(fiscal_year=budget.fiscal_year, depth=4,
                                         organisation=budget.orgs["dinkes"])
    assert [(r.kode, r.total) for r in objek if r.level == 4] == [
        ("5.1.02.01", D("5835860.00")), ("5.2.02.05", D("7770000.00"))]
    with pytest.raises(ApplicationError):
        summaries.summary_by_account(fiscal_year=budget.fiscal_year, depth=6)


def test_summary_by_organisation(budget, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = summaries.summary_by_organisation(fiscal_year=budget.fiscal_year)
    assert [r.as_dict() for r in rows] == [
        {"organisation_id": budget.orgs["dispendik"].pk, "kode": "1.01.0.00.0.00.01.0000", "nama": "Dinas Pendidikan",
         "pendapatan": D("0.00"), "belanja_operasi": D("140448000.00"), "belanja_modal": D("0.00"),
         "belanja_tidak_terduga": D("0.00"), "belanja_transfer": D("0.00"), "belanja": D("140448000.00"),
         "penerimaan_pembiayaan": D("0.00"), "pengeluaran_pembiayaan": D("0.00")},
        {"organisation_id": budget.orgs["dinkes"].pk, "kode": "1.02.0.00.0.00.01.0000", "nama": "Dinas Kesehatan",
         "pendapatan": D("0.00"), "belanja_operasi": D("5835860.00"), "belanja_modal": D("7770000.00"),
         "belanja_tidak_terduga": D("0.00"), "belanja_transfer": D("0.00"), "belanja": DINKES_BELANJA,
         "penerimaan_pembiayaan": D("0.00"), "pengeluaran_pembiayaan": D("0.00")},
        {"organisation_id": budget.orgs["bpkad"].pk, "kode": "5.02.0.00.0.00.01.0000",
         "nama": "Badan Pengelolaan Keuangan dan Aset Daerah", "pendapatan": PENDAPATAN,
         "belanja_operasi": D("0.00"), "belanja_modal": D("0.00"), "belanja_tidak_terduga": D("0.00"),
         "belanja_transfer": D("0.00"), "belanja": D("0.00"), "penerimaan_pembiayaan": SILPA,
         "pengeluaran_pembiayaan": D("0.00")},
    ]


def test_summary_by_urusan_uses_the_sub_kegiatan_code_and_the_agency_bidang_for_xxx(budget):
    # an unexpanded support code (X.XX…) falls back to the agency's bidang urusan (Dispendik: 1.01)
    budget.subs["x"] = budget.world.sub_activity("dispendik", "X.XX.01.2.06.0002")
    add_line(budget, "kursi", org="dispendik", sub="x", account="5.1.02.01.01.0024", uraian="Map",
             vols=[(10, "Buah")], harga="5000")
    rows = summaries.summary_by_urusan(fiscal_year=budget.fiscal_year)
    assert [(r.kode, r.level, r.belanja_operasi, r.belanja_modal, r.belanja) for r in rows] == [
        ("1", 1, D("146333860.00"), D("7770000.00"), D("154103860.00")),
        ("1.01", 2, D("140498000.00"), D("0.00"), D("140498000.00")),
        ("1.02", 2, D("5835860.00"), D("7770000.00"), DINKES_BELANJA),
    ]
    assert rows[0].nama == "URUSAN PEMERINTAHAN WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR"
    assert rows[2].nama == "URUSAN PEMERINTAHAN BIDANG KESEHATAN"
    assert rows[0].bidang == ["1.01", "1.02"]


def test_summary_by_fungsi(budget):
    rows = summaries.summary_by_fungsi(fiscal_year=budget.fiscal_year)
    assert [(r.kode, r.nama, r.level, r.belanja, r.inferred, r.bidang) for r in rows] == [
        ("06", "Kesehatan", 1, DINKES_BELANJA, False, ["1.02"]),
        ("06.01", "Kesehatan", 2, DINKES_BELANJA, False, ["1.02"]),
        ("08", "Pendidikan", 1, D("140448000.00"), True, ["1.01"]),
        ("08.01", "Pendidikan", 2, D("140448000.00"), True, ["1.01"]),
    ]
    assert sum(r.belanja for r in rows if r.level == 1) == BELANJA


def test_bidang_fungsi_map_covers_every_kabkota_bidang():
    mapping = summaries.bidang_fungsi_map()
    assert len(mapping) == 43
    assert mapping["1.02"]["kode_subfungsi"] == "06.01"
    assert mapping["2.20"]["kode_subfungsi"] == "01.01"
    assert mapping["1.01"]["kode_fungsi"] == "08"
    assert {row["dasar"] for row in mapping.values()} == {"inferred", "domain.md §1.6"}


def test_summary_by_organisation_account_sumber_is_one_query(budget, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = summaries.summary_by_organisation_account_sumber(fiscal_year=budget.fiscal_year)
    sd = budget.sumber_dana
    assert [(r.organisation_nama, r.akun_kode, r.akun_nama, r.sumber_dana_kode, r.total) for r in rows] == [
        ("Dinas Pendidikan", "5.1.02", "Belanja Barang dan Jasa", "1.2", D("140448000.00")),
        ("Dinas Kesehatan", "5.1.02", "Belanja Barang dan Jasa", "1.1", D("5835860.00")),
        ("Dinas Kesehatan", "5.2.02", "Belanja Modal Peralatan dan Mesin", "2.1", D("7770000.00")),
    ]
    assert rows[0].sumber_dana_id == sd["1.2"].pk and rows[0].sumber_dana_nama == "DANA TRANSFER UMUM"
    kelompok = summaries.summary_by_organisation_account_sumber(fiscal_year=budget.fiscal_year, level=2, akun="")
    assert [(r.organisation_nama, r.akun_kode, r.sumber_dana_kode, r.total) for r in kelompok][-3:] == [
        ("Badan Pengelolaan Keuangan dan Aset Daerah", "4.1", "", D("1250000000.00")),
        ("Badan Pengelolaan Keuangan dan Aset Daerah", "4.2", "", D("800000000000.00")),
        ("Badan Pengelolaan Keuangan dan Aset Daerah", "6.1", "", SILPA),
    ]


# --- stages ------------------------------------------------------------------------------------------------------


def test_stage_summaries_equal_live_summaries_at_freeze_time(budget):
    stage = freeze(budget)
    fy = budget.fiscal_year
    for kind in summaries.SUMMARY_KINDS:
        live = [row.as_dict() for row in summaries.summary(kind, fiscal_year=fy)]
        frozen = [row.as_dict() for row in summaries.summary(kind, stage=stage)]
        assert live == frozen, kind
        assert live
    assert summaries.apbd_identity(stage=stage) == summaries.apbd_identity(fiscal_year=fy)
    # later edits change the live budget only
    add_line(budget, "baru", org="dinkes", sub="kantor", account="5.1.02.01.01.0001", uraian="Semen",
             vols=[(1, "Sak")], harga="70000")
    assert summaries.apbd_identity(fiscal_year=fy).belanja == BELANJA + D("70000.00")
    assert summaries.apbd_identity(stage=stage).belanja == BELANJA


def test_unfrozen_stage_and_unknown_kind_are_refused(budget):
    with pytest.raises(ApplicationError) as exc:
        summaries.apbd_identity(stage=budget.rka)
    assert exc.value.code == "stage_not_frozen"
    assert "RKA-SKPD" in exc.value.message
    with pytest.raises(ApplicationError):
        summaries.summary("program", fiscal_year=budget.fiscal_year)
    with pytest.raises(ApplicationError):
        summaries.apbd_identity()
    closed = freeze(budget, kind=StageKind.RAPBD, status=StageStatus.CLOSED)
    assert summaries.apbd_identity(stage=closed).belanja == BELANJA


def test_other_pemda_lines_never_mix_in(budget):
    world = budget.world
    other = Budget(world=world)
    other.subs["b"] = world.sub_activity("dinkes_b", "1.02.02.2.01.0002")
    add_line(other, "b", org="dinkes_b", sub="b", account="5.1.02.01.01.0024", uraian="Refill Ballpoint",
             vols=[(1, "Buah")], harga="1000")
    assert summaries.apbd_identity(fiscal_year=budget.fiscal_year).belanja == BELANJA
    assert summaries.apbd_identity(fiscal_year=world.other_fiscal_year).belanja == D("1000.00")
