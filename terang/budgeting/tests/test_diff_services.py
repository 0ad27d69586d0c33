"""Stage diff computed in SQL: classification, exact old/new/delta values, who and why, grouping, CSV, live side."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from terang.audit.services import record_change
from terang.budgeting.choices import ShiftLevel, StageKind, StageStatus
from terang.budgeting.diff import ADDED, CHANGED, REMOVED, UNCHANGED, stage_diff
from terang.budgeting.models import BudgetShift, ShiftLine, Stage
from terang.budgeting.services import stages as svc
from terang.testing.budget import make_budget_world

from .test_stages_helpers import add_line, at, set_line

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def case():
    """RKA frozen with four lines; then: one changed by the operator with an audited reason, one moved in a
    pergeseran, one deleted, one untouched, one added by Dispendik; RAPBD frozen."""
    world = make_budget_world()
    op = world.users["operator"]
    op_dispendik = world.users["operator_dispendik"]
    bpkad = world.users["bpkad"]
    kept = add_line(world, vol1=10, user=op, uraian="Refill Ballpoint rapat")            # 235.500
    changed = add_line(world, item="Kertas HVS 70 gr A4", vol1=20, user=op)              # 1.120.000
    shifted = add_line(world, item="Lem Kertas Cair", vol1=100, user=op)                 # 980.000
    removed = add_line(world, item="Kertas HVS 70 gr A4", vol1=5, user=op, uraian="HVS cadangan")  # 280.000
    base = svc.stage_close_and_freeze(actor=bpkad, stage=world.rka)
    rapbd = Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.RAPBD, sequence=3,
                                 nama="Rancangan APBD")
    svc.stage_open(actor=bpkad, stage=rapbd, opens_at=at(-0.01), closes_at=at(3))
    before = {"vol1": "20.0000", "total": "1120000.00"}
    set_line(changed, vol1=25, harga="55000", user=op)                                   # 1.375.000
    record_change(action="update", instance=changed, before=before, after={"vol1": "25"}, actor=op,
                  reason="Tambah kebutuhan kertas untuk laporan triwulan")
    set_line(shifted, vol1=50, user=bpkad)                                               # 490.000
    shift = BudgetShift.objects.create(stage=rapbd, pemda=world.pemda, nomor="PG-01/2026",
                                       legal_basis="Perkada 12/2026", level=ShiftLevel.PPKD,
                                       reason="Efisiensi ATK untuk menutup kebutuhan kertas", created_by=bpkad,
                                       approved_by=world.users["sekda"], approved_at=at(-0.001))
    ShiftLine.objects.create(shift=shift, line_key=shifted.line_key, before_total=D("980000"),
                             after_total=D("490000"))
    removed_pk = removed.pk
    record_change(action="delete", instance=removed, before={"total": "280000.00"}, actor=op,
                  reason="Tidak jadi dibeli tahun ini")
    removed.delete()
    added = add_line(world, org="dispendik", item="Refill Ballpoint", vol1=4, user=op_dispendik)  # 94.200
    target = svc.stage_close_and_freeze(actor=bpkad, stage=rapbd)
    return {"world": world, "base": base, "target": target, "kept": kept, "changed": changed, "shifted": shifted,
            "removed_pk": removed_pk, "removed_key": removed.line_key.hex, "added": added}


def test_classification_with_exact_values_and_reasons(case):
    result = stage_diff(base=case["base"], target=case["target"])
    rows = {r.line_key: r for r in result.rows()}
    assert set(rows) == {case["changed"].line_key.hex, case["shifted"].line_key.hex, case["removed_key"],
                         case["added"].line_key.hex}
    changed = rows[case["changed"].line_key.hex]
    assert (changed.status, changed.old_volume, changed.new_volume, changed.old_harga_satuan,
            changed.new_harga_satuan, changed.old_total, changed.new_total, changed.delta) == (
        CHANGED, D("20.0000"), D("25.0000"), D("56000.00"), D("55000.00"), D("1120000.00"), D("1375000.00"),
        D("255000.00"))
    assert changed.changed_fields == ("koefisien", "volume", "harga_satuan", "total")  # vol1 20 → 25
    assert (changed.old_koefisien, changed.koefisien) == ("20 Rim", "25 Rim")
    assert (changed.changed_by, changed.reason, changed.reason_source) == (
        "op.dinkes", "Tambah kebutuhan kertas untuk laporan triwulan", "audit")
    shifted = rows[case["shifted"].line_key.hex]
    assert (shifted.status, shifted.old_total, shifted.new_total, shifted.delta) == (
        CHANGED, D("980000.00"), D("490000.00"), D("-490000.00"))
    assert (shifted.changed_by, shifted.reason, shifted.legal_basis, shifted.shift_nomor, shifted.reason_source) == (
        "bpkad", "Efisiensi ATK untuk menutup kebutuhan kertas", "Perkada 12/2026", "PG-01/2026", "pergeseran")
    removed = rows[case["removed_key"]]
    assert (removed.status, removed.old_total, removed.new_total, removed.delta, removed.old_volume,
            removed.new_volume) == (REMOVED, D("280000.00"), None, D("-280000.00"), D("5.0000"), None)
    assert (removed.uraian, removed.line_id, removed.changed_by, removed.reason) == (
        "HVS cadangan", case["removed_pk"], "op.dinkes", "Tidak jadi dibeli tahun ini")
    added = rows[case["added"].line_key.hex]
    assert (added.status, added.old_total, added.new_total, added.delta, added.changed_by, added.organisation_nama) \
        == (ADDED, None, D("94200.00"), D("94200.00"), "op.dispendik", "Dispendik")
    assert added.account_kode == "5.1.02.01.01.0024" and added.sub_kegiatan_kode == "1.02.01.2.06.0001"


def test_summary_grouped_by_opd_sub_kegiatan_and_account(case):
    summary = stage_diff(base=case["base"], target=case["target"]).summary()
    total = summary.total
    assert (total.added, total.removed, total.changed, summary.count) == (1, 1, 2, 4)
    assert (total.old_total, total.new_total, total.delta) == (D("2380000.00"), D("1959200.00"), D("-420800.00"))
    orgs = {g.nama: g for g in summary.organisation_list}
    assert set(orgs) == {"Dinkes", "Dispendik"}
    dinkes = orgs["Dinkes"]
    assert (dinkes.changed, dinkes.removed, dinkes.delta) == (2, 1, D("-515000.00"))
    (sub,) = dinkes.children_list
    assert sub.kode == "1.02.01.2.06.0001" and sub.nama.startswith("Penyediaan Komponen Instalasi")
    (account,) = sub.children_list
    assert (account.kode, account.delta) == ("5.1.02.01.01.0024", D("-515000.00"))
    assert orgs["Dispendik"].delta == D("94200.00")


def test_filters_status_organisation_min_delta_and_unchanged(case):
    base, target = case["base"], case["target"]
    assert [r.status for r in stage_diff(base=base, target=target, statuses=[ADDED]).rows()] == [ADDED]
    assert {r.status for r in stage_diff(base=base, target=target, statuses=[REMOVED, CHANGED]).rows()} == {
        REMOVED, CHANGED}
    dispendik = case["world"].orgs["dispendik"]
    assert [r.status for r in stage_diff(base=base, target=target, organisation=dispendik).rows()] == [ADDED]
    big = stage_diff(base=base, target=target, min_delta=D("280000")).rows()
    assert sorted(r.delta for r in big) == [D("-490000.00"), D("-280000.00")]
    everything = list(stage_diff(base=base, target=target, statuses=[ADDED, REMOVED, CHANGED, UNCHANGED]).rows())
    assert len(everything) == 5
    (kept,) = [r for r in everything if r.status == UNCHANGED]
    assert kept.line_key == case["kept"].line_key.hex and kept.delta == 0


def test_reverse_diff_swaps_added_and_removed(case):
    rows = {r.line_key: r for r in stage_diff(base=case["target"], target=case["base"]).rows()}
    assert rows[case["removed_key"]].status == ADDED
    assert rows[case["added"].line_key.hex].status == REMOVED
    assert rows[case["changed"].line_key.hex].delta == D("-255000.00")
    assert rows[case["shifted"].line_key.hex].reason_source == "pergeseran"


def test_diff_against_the_live_working_copy(case):
    world = case["world"]
    set_line(case["kept"], vol1=11, user=world.users["operator"])
    rows = list(stage_diff(base=case["target"], target=None).rows())
    assert [(r.status, r.line_key, r.old_total, r.new_total) for r in rows] == [
        (CHANGED, case["kept"].line_key.hex, D("235500.00"), D("259050.00"))]
    assert rows[0].changed_by == "op.dinkes"
    assert stage_diff(base=case["target"], target=None).stage_totals() == (D("2194700.00"), D("2218250.00"))


def test_page_runs_a_fixed_number_of_queries(case):
    result = stage_diff(base=case["base"], target=case["target"])
    with CaptureQueriesContext(connection) as ctx:
        page = result.page(1, 2)
    # the diff itself, sub-kegiatan names, shift reasons, audit reasons
    assert len(ctx.captured_queries) == 4
    assert page.count == 4 and page.num_pages == 2 and len(page.rows) == 2 and page.has_next
    assert [r.organisation_nama for r in page.rows] == ["Dispendik", "Dinkes"]  # ordered by OPD code
    second = stage_diff(base=case["base"], target=case["target"]).page(2, 2)
    assert len(second.rows) == 2 and not second.has_next


def test_csv_content(case):
    text = "".join(stage_diff(base=case["base"], target=case["target"]).csv_lines())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    by_key = {r["kunci_baris"]: r for r in rows}
    changed = by_key[case["changed"].line_key.hex]
    assert {k: changed[k] for k in ("status", "opd", "rekening_kode", "volume_lama", "volume_baru",
                                    "harga_satuan_lama", "harga_satuan_baru", "jumlah_lama", "jumlah_baru",
                                    "selisih", "diubah_oleh", "alasan")} == {
        "status": "changed", "opd": "Dinkes", "rekening_kode": "5.1.02.01.01.0024", "volume_lama": "20.0000",
        "volume_baru": "25.0000", "harga_satuan_lama": "56000.00", "harga_satuan_baru": "55000.00",
        "jumlah_lama": "1120000.00", "jumlah_baru": "1375000.00", "selisih": "255000.00",
        "diubah_oleh": "op.dinkes", "alasan": "Tambah kebutuhan kertas untuk laporan triwulan"}
    shifted = by_key[case["shifted"].line_key.hex]
    assert (shifted["dasar_hukum"], shifted["nomor_pergeseran"], shifted["selisih"]) == (
        "Perkada 12/2026", "PG-01/2026", "-490000.00")
    assert by_key[case["removed_key"]]["jumlah_baru"] == ""


def test_stages_of_different_years_cannot_be_compared(case):
    world = case["world"]
    other = Stage.objects.filter(fiscal_year=world.other_fiscal_year).first()
    with pytest.raises(ValueError):
        stage_diff(base=case["base"], target=other)


def test_published_status_does_not_change_the_diff(case):
    bpkad = case["world"].users["bpkad"]
    svc.stage_publish(actor=bpkad, stage=case["base"])
    svc.stage_publish(actor=bpkad, stage=case["target"])
    assert Stage.objects.get(pk=case["target"].pk).status == StageStatus.PUBLISHED
    assert stage_diff(base=case["base"], target=case["target"]).summary().count == 4
