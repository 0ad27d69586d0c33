"""Pergeseran: level validation from the widest move, zero-sum rule, before/after per line, approval roles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import ShiftLevel, StageKind, StageStatus
from terang.budgeting.models import BudgetLine, BudgetShift, ShiftLine
from terang.budgeting.services import shifts
from terang.budgeting.services import stages as svc
from terang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from terang.core.money import format_rupiah
from terang.testing.budget import make_budget_world

from .test_stages_helpers import add_line, apbd_frozen, at, force_status

pytestmark = pytest.mark.django_db

D = Decimal
REASON = "Kebutuhan kertas naik karena penambahan laporan triwulan."


@pytest.fixture
def setup():
    world = make_budget_world()
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0001")
    other_sub = world.sub_activity("dinkes", "1.02.01.2.06.0002")
    lines = {
        "atk": add_line(world, sub, item="Kertas HVS 70 gr A4", vol1=20),            # 5.1.02.01.01.0024: 1.120.000
        "atk2": add_line(world, sub, item="Refill Ballpoint", vol1=40),              # 5.1.02.01.01.0024: 942.000
        "bangunan": add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=1000),  # 1.850.000
        "mamin": add_line(world, sub, item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=50),  # 2.000.000
        "ups": add_line(world, sub, item="UPS 1.200 VA", account="5.2.02.05.02.0006", vol1=1),  # 3.500.000
        "other_sub": add_line(world, other_sub, item="Refill Ballpoint", vol1=100),  # 2.355.000
        "dispendik": add_line(world, org="dispendik", item="Refill Ballpoint", vol1=100),
    }
    apbd_frozen(world)
    stage = svc.stage_add(actor=world.users["bpkad"], fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN)
    stage = svc.stage_open(actor=world.users["bpkad"], stage=stage, opens_at=at(-0.01), closes_at=at(5))
    return world, stage, lines


def _create(world, stage, changes, level, nomor="PG-001", actor=None):
    return shifts.shift_create(actor=actor or world.users["bpkad"], stage=stage, nomor=nomor,
                               legal_basis="Perkada Nomor 5 Tahun 2026", level=level, reason=REASON, changes=changes)


def _totals(lines):
    return {k: BudgetLine.objects.get(pk=v.pk).total for k, v in lines.items()}


def test_ppkd_shift_within_one_rincian_objek_records_before_after(setup):
    world, stage, lines = setup
    # HVS 20 × 56.000 → 20 × 53.645 (-47.100); ballpoint 40 → 42 × 23.550 (+47.100)
    changes = [(lines["atk"], {"harga_satuan": "53645"}), (lines["atk2"], {"vol1": "42"})]
    plan = shifts.shift_plan(stage=stage, changes=changes)
    assert (plan.required_level, plan.net_delta, plan.moved) == (ShiftLevel.PPKD, D("0.00"), D("47100.00"))
    shift = _create(world, stage, changes, ShiftLevel.PPKD)
    assert (shift.nomor, shift.level, shift.legal_basis, shift.approved_at) == (
        "PG-001", "ppkd", "Perkada Nomor 5 Tahun 2026", None)
    recorded = {sl.line_key: sl for sl in ShiftLine.objects.filter(shift=shift)}
    atk = recorded[lines["atk"].line_key]
    assert (atk.before_total, atk.after_total) == (D("1120000.00"), D("1072900.00"))
    assert atk.before["harga_satuan"] == "56000.00" and atk.after["harga_satuan"] == "53645.00"
    assert atk.before["version"] == 1 and atk.after["version"] == 2
    atk2 = recorded[lines["atk2"].line_key]
    assert (atk2.before_total, atk2.after_total) == (D("942000.00"), D("989100.00"))
    live = _totals(lines)
    assert (live["atk"], live["atk2"]) == (D("1072900.00"), D("989100.00"))
    line = BudgetLine.objects.get(pk=lines["atk"].pk)
    assert (line.version, line.updated_by) == (2, world.users["bpkad"])
    record = ChangeRecord.objects.filter(object_type="budgeting.budgetline", object_id=str(line.pk)).last()
    assert record.reason == f"Pergeseran PG-001: {REASON}"
    event = DomainEvent.objects.get(event_type=EventType.SHIFT_CREATED)
    assert event.payload["net_delta"] == "0.00" and event.payload["lines"] == 2


def test_zero_sum_rule_unless_perda(setup):
    world, stage, lines = setup
    before = _totals(lines)
    changes = [(lines["atk"], {"vol1": "10"}), (lines["atk2"], {"vol1": "41"})]  # -560.000 + 23.550
    for level in (ShiftLevel.PPKD, ShiftLevel.PERKADA):
        with pytest.raises(ApplicationError) as exc:
            _create(world, stage, changes, level)
        assert exc.value.code == "not_zero_sum"
        assert "Rp 536.450" in exc.value.message
    assert _totals(lines) == before
    assert not BudgetShift.objects.exists() and not ShiftLine.objects.exists()
    shift = _create(world, stage, changes, ShiftLevel.PERDA)
    assert shift.level == ShiftLevel.PERDA
    assert _totals(lines)["atk"] == D("560000.00")


@pytest.mark.parametrize(("other", "change", "required"), [
    ("bangunan", {"harga_satuan": "1794"}, ShiftLevel.PPKD),     # 5.1.02.01.01.0001: same rincian objek
    ("ups", {"harga_satuan": "3444000"}, ShiftLevel.PERDA),      # 5.2.02…: another jenis
    ("other_sub", {"harga_satuan": "22990"}, ShiftLevel.PERDA),  # another sub-kegiatan
    ("dispendik", {"harga_satuan": "22990"}, ShiftLevel.PERDA),  # another organisation
])
def test_level_follows_the_widest_move(setup, other, change, required):
    world, stage, lines = setup
    # HVS 20 → 21 rim (+56.000); the other line gives 56.000 through a lower unit price
    changes = [(lines["atk"], {"vol1": "21"}), (lines[other], change)]
    plan = shifts.shift_plan(stage=stage, changes=changes)
    assert (plan.net_delta, plan.moved, plan.required_level) == (D("0.00"), D("56000.00"), required)
    wrong = ShiftLevel.PPKD if required != ShiftLevel.PPKD else ShiftLevel.PERKADA
    with pytest.raises(ApplicationError) as exc:
        _create(world, stage, changes, wrong)
    assert exc.value.code == "level_mismatch" and exc.value.details["required"] == required
    assert not BudgetShift.objects.exists()
    _create(world, stage, changes, required)
    assert BudgetShift.objects.get().level == required


def test_perkada_level_within_one_jenis(setup):
    world, stage, lines = setup
    from terang.reference.models import Account

    parent = world.accounts["5.1.02"]
    objek = Account.objects.create(kode="5.1.02.02", level=4, tingkat="objek", nama="Belanja Jasa", parent=parent)
    rincian = Account.objects.create(kode="5.1.02.02.01", level=5, tingkat="rincian_objek", nama="Belanja Jasa Kantor",
                                     parent=objek)
    jasa = Account.objects.create(kode="5.1.02.02.01.0026", level=6, tingkat="sub_rincian_objek",
                                  nama="Belanja Jasa Tenaga Administrasi", parent=rincian, is_postable=True)
    world.accounts[jasa.kode] = jasa
    honor = add_line(world, lines["atk"].sub_activity, item=None, account=jasa.kode, vol1=12, harga="1000000",
                     uraian="Tenaga administrasi")
    changes = [(lines["atk"], {"harga_satuan": "55400"}), (honor, {"harga_satuan": "1001000"})]  # -12.000 / +12.000
    plan = shifts.shift_plan(stage=stage, changes=changes)
    assert (plan.net_delta, plan.required_level, plan.explanation) == (
        D("0.00"), ShiftLevel.PERKADA, "pergeseran antar rincian objek/objek dalam satu jenis belanja 5.1.02")
    with pytest.raises(ApplicationError) as exc:
        _create(world, stage, changes, ShiftLevel.PPKD)
    assert exc.value.code == "level_mismatch"
    assert "Perubahan Perkada Penjabaran" in exc.value.message
    assert _create(world, stage, changes, ShiftLevel.PERKADA).level == ShiftLevel.PERKADA


def test_shift_validations(setup):
    world, stage, lines = setup
    ok = [(lines["atk"], {"harga_satuan": "53645"}), (lines["atk2"], {"vol1": "42"})]
    cases = [
        ({"changes": []}, "no_lines"),
        ({"changes": [(lines["atk"], {"harga_satuan": "60000"}), (lines["atk2"], {"vol1": "30"})]},
         "price_above_catalogue"),
        ({"changes": [(lines["atk"], {"vol1": "20"})]}, "no_change"),
        ({"changes": [(lines["atk"], {"total": "1"})]}, "invalid_change"),
        ({"changes": [(lines["atk"], {"vol1": "-1"})]}, "invalid_change"),
        ({"changes": [*ok, (lines["atk"], {"vol1": "1"})]}, "duplicate_line"),
        ({"changes": ok, "reason": "singkat"}, "reason_required"),
        ({"changes": ok, "legal_basis": ""}, "legal_basis_required"),
        ({"changes": ok, "nomor": ""}, "nomor_required"),
    ]
    before = _totals(lines)
    for kwargs, code in cases:
        params = {"actor": world.users["bpkad"], "stage": stage, "nomor": "PG-9", "legal_basis": "Perkada 5/2026",
                  "level": ShiftLevel.PPKD, "reason": REASON}
        params.update(kwargs)
        with pytest.raises(ApplicationError) as exc:
            shifts.shift_create(**params)
        assert exc.value.code == code, kwargs
    assert _totals(lines) == before and not BudgetShift.objects.exists()
    _create(world, stage, ok, ShiftLevel.PPKD, nomor="PG-9")
    with pytest.raises(ApplicationError) as exc:
        _create(world, stage, [(BudgetLine.objects.get(pk=lines["atk"].pk), {"harga_satuan": "56000"}),
                               (BudgetLine.objects.get(pk=lines["atk2"].pk), {"vol1": "40"})],
                ShiftLevel.PPKD, nomor="PG-9")
    assert exc.value.code == "duplicate_nomor"


def test_stale_line_is_refused(setup):
    world, stage, lines = setup
    BudgetLine.objects.filter(pk=lines["atk"].pk).update(version=5)
    with pytest.raises(ConflictError):
        _create(world, stage, [(lines["atk"], {"harga_satuan": "53645"}), (lines["atk2"], {"vol1": "42"})],
                ShiftLevel.PPKD)
    assert not BudgetShift.objects.exists()


def test_shift_needs_an_open_pergeseran_stage_and_the_shift_role(setup):
    world, stage, lines = setup
    changes = [(lines["atk"], {"harga_satuan": "53645"}), (lines["atk2"], {"vol1": "42"})]
    for who in ("operator", "tapd", "sekda", "admin"):
        with pytest.raises(PermissionDeniedError):
            _create(world, stage, changes, ShiftLevel.PPKD, actor=world.users[who])
    with pytest.raises(ApplicationError) as exc:
        _create(world, world.rka, changes, ShiftLevel.PPKD)
    assert exc.value.code in ("not_shift_stage", "stage_closed")
    force_status(stage, StageStatus.OPEN, closes_at=at(-0.01))
    with pytest.raises(ApplicationError) as exc:
        _create(world, stage, changes, ShiftLevel.PPKD)
    assert exc.value.code == "stage_closed"
    assert not BudgetShift.objects.exists()
    assert BudgetLine.objects.get(pk=lines["atk"].pk).version == 1


def test_approval_roles_and_four_eyes(setup):
    world, stage, lines = setup
    from terang.accounts.choices import Role
    from terang.testing.factories import make_user

    ppkd = _create(world, stage, [(lines["atk"], {"harga_satuan": "53645"}), (lines["atk2"], {"vol1": "42"})],
                   ShiftLevel.PPKD)
    with pytest.raises(PermissionDeniedError):
        shifts.shift_approve(actor=world.users["sekda"], shift=ppkd)  # PPKD level: BPKAD approves
    with pytest.raises(ApplicationError) as exc:
        shifts.shift_approve(actor=world.users["bpkad"], shift=ppkd)
    assert exc.value.code == "four_eyes"
    for who in ("operator", "tapd", "admin"):
        with pytest.raises(PermissionDeniedError):
            shifts.shift_approve(actor=world.users[who], shift=ppkd)
    assert BudgetShift.objects.get(pk=ppkd.pk).approved_at is None
    second_bpkad = make_user(Role.BPKAD_OFFICER, pemda=world.pemda, username="bpkad2")
    approved = shifts.shift_approve(actor=second_bpkad, shift=ppkd)
    assert (approved.approved_by, approved.approved_at is not None) == (second_bpkad, True)
    assert DomainEvent.objects.filter(event_type=EventType.SHIFT_APPROVED, object_id=str(ppkd.pk)).count() == 1
    with pytest.raises(ApplicationError) as exc:
        shifts.shift_approve(actor=second_bpkad, shift=ppkd)
    assert exc.value.code == "already_approved"

    fresh = BudgetLine.objects.get(pk=lines["atk"].pk)  # the instance from before PG-001 is stale now
    perda = _create(world, stage, [(fresh, {"vol1": "10"})], ShiftLevel.PERDA, nomor="PG-002")
    with pytest.raises(PermissionDeniedError):
        shifts.shift_approve(actor=second_bpkad, shift=perda)
    other_sekda = make_user(Role.SEKDA, pemda=world.other_pemda, username="sekda.b")
    with pytest.raises(PermissionDeniedError):
        shifts.shift_approve(actor=other_sekda, shift=perda)
    assert shifts.shift_approve(actor=world.users["sekda"], shift=perda).approved_by == world.users["sekda"]


def test_pergeseran_stage_freezes_only_when_every_shift_is_approved(setup):
    world, stage, lines = setup
    shift = _create(world, stage, [(lines["atk"], {"harga_satuan": "53645"}), (lines["atk2"], {"vol1": "42"})],
                    ShiftLevel.PPKD)
    with pytest.raises(ApplicationError) as exc:
        svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=stage)
    assert exc.value.code == "shifts_pending"
    BudgetShift.objects.filter(pk=shift.pk).update(approved_at=at(0), approved_by=world.users["sekda"])
    assert svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=stage).status == StageStatus.CLOSED


# --- new lines in a pergeseran and the ceiling rule -----------------------------------------------------------------


def _new(world, sub, item="Refill Ballpoint", account="5.1.02.01.01.0024", **extra):
    from terang.budgeting.services.lines import LineInput

    values = {"account": account, "price_item": world.items[item], "vol1": "2", "sat1": "Buah"}
    values.update(extra)
    return (sub, LineInput(**values))


def test_a_pergeseran_can_add_a_catalogue_line_recorded_with_an_empty_before(setup):
    world, stage, lines = setup
    sub = lines["atk"].sub_activity
    # HVS 20 × 56.000 → 20 × 53.645 (-47.100); a new ballpoint line 2 × 23.550 (+47.100), same rincian objek
    changes = [(lines["atk"], {"harga_satuan": "53645"})]
    new_lines = [_new(world, sub)]
    plan = shifts.shift_plan(stage=stage, changes=changes, new_lines=new_lines)
    assert (plan.required_level, plan.net_delta, len(plan.lines)) == (ShiftLevel.PPKD, D("0.00"), 2)
    shift = shifts.shift_create(actor=world.users["bpkad"], stage=stage, nomor="PG-NEW", legal_basis="Perkada 5/2026",
                                level=ShiftLevel.PPKD, reason=REASON, changes=changes, new_lines=new_lines)
    added = BudgetLine.objects.exclude(pk__in=[line.pk for line in lines.values()]).get()
    assert (added.total, added.version, added.sub_activity, added.created_by) == (
        D("47100.00"), 1, sub, world.users["bpkad"])
    recorded = ShiftLine.objects.get(shift=shift, line_key=added.line_key)
    assert (recorded.before_total, recorded.after_total, recorded.before) == (D("0.00"), D("47100.00"), {})
    assert recorded.after["price_item"] == world.items["Refill Ballpoint"].pk
    record = ChangeRecord.objects.get(object_type="budgeting.budgetline", object_id=str(added.pk))
    assert record.action == "create" and record.reason == f"Pergeseran PG-NEW: {REASON}"
    event = DomainEvent.objects.get(event_type=EventType.SHIFT_CREATED)
    assert (event.payload["lines"], event.payload["new_lines"]) == (2, 1)


def test_the_level_rule_counts_the_new_lines_account(setup):
    world, stage, lines = setup
    sub = lines["atk"].sub_activity
    # 56.000 less for paper, a new 5.2 (modal) line is another jenis: Perda, not PPKD
    changes = [(lines["atk"], {"harga_satuan": "53200"})]
    plan = shifts.shift_plan(stage=stage, changes=changes, new_lines=[
        _new(world, sub, item="UPS 1.200 VA", account="5.2.02.05.02.0006", vol1="1", harga_satuan="56000")])
    assert (plan.net_delta, plan.required_level) == (D("0.00"), ShiftLevel.PERDA)
    assert "5.1.02, 5.2.02" in plan.explanation


def test_new_lines_are_checked_by_the_line_rules(setup):
    world, stage, lines = setup
    from terang.budgeting.choices import LineType

    sub = lines["atk"].sub_activity
    foreign = world.sub_activity("dinkes_b", "1.02.01.2.06.0001")
    cases = [
        (_new(world, sub, harga_satuan="30000"), "price_above_catalogue", "Baris baru 1: Harga satuan Rp 30.000"),
        (_new(world, sub, account="5.1.02.01.01.0001"), "item_not_allowed", "Baris baru 1: Komponen"),
        (_new(world, sub, price_item=None), "price_item_required", "Baris baru 1: baris baru dalam pergeseran"),
        (_new(world, sub, line_type=LineType.UNDETAILED, harga_satuan="1000"), "price_item_required", "Baris baru"),
        (_new(world, 999999), "sub_activity_not_found", "Baris baru 1: sub kegiatan #999999"),
        # another pemda's sub-kegiatan (its own fiscal year): refused as if it did not exist, nothing written there
        (_new(world, foreign), "sub_activity_not_found", f"Baris baru 1: sub kegiatan #{foreign.pk}"),
    ]
    count = BudgetLine.objects.count()
    for new, code, start in cases:
        with pytest.raises(ApplicationError) as exc:
            shifts.shift_create(actor=world.users["bpkad"], stage=stage, nomor="PG-X", legal_basis="Perkada 5",
                                level=ShiftLevel.PERDA, reason=REASON, changes=[], new_lines=[new])
        assert exc.value.code == code and exc.value.message.startswith(start), exc.value.message
    assert BudgetLine.objects.count() == count and not BudgetShift.objects.exists()
    assert not BudgetLine.objects.filter(sub_activity=foreign).exists()


def test_a_perda_shift_may_raise_totals_only_up_to_the_ceiling(setup):
    world, stage, lines = setup
    from terang.budgeting.models import Ceiling

    used = sum(BudgetLine.objects.filter(organisation=world.orgs["dinkes"]).values_list("total", flat=True), D(0))
    Ceiling.objects.filter(organisation=world.orgs["dinkes"], sub_kegiatan=None, sumber_dana=None).update(
        amount=used + D("100000"))
    before = _totals(lines)
    with pytest.raises(ApplicationError) as exc:
        _create(world, stage, [(lines["atk"], {"vol1": "22"})], ShiftLevel.PERDA)  # +112.000
    assert exc.value.code == "ceiling_exceeded"
    assert exc.value.message == (
        f"Jumlah belanja Dinkes menjadi {format_rupiah(used + D('112000'))}, melebihi pagu "
        f"{format_rupiah(used + D('100000'))} (kelebihan Rp 12.000). Pergeseran tidak disimpan; pagu hanya dapat "
        "dinaikkan lewat KUPA-PPAS Perubahan.")
    assert _totals(lines) == before and not BudgetShift.objects.exists() and not ShiftLine.objects.exists()
    shift = _create(world, stage, [(lines["atk"], {"vol1": "21"})], ShiftLevel.PERDA)  # +56.000 fits
    assert shift.level == ShiftLevel.PERDA and _totals(lines)["atk"] == D("1176000.00")


def test_a_zero_sum_shift_must_not_overfill_a_funding_source_ceiling(setup):
    world, stage, lines = setup
    from terang.budgeting.models import Ceiling

    dak = world.sumber_dana["1.2"]
    BudgetLine.objects.filter(pk=lines["atk2"].pk).update(sumber_dana=dak)  # ballpoint paid from another source
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           sumber_dana=dak, amount=D("942000"))  # exactly what it holds
    changes = [(lines["atk"], {"harga_satuan": "53645"}), (lines["atk2"], {"vol1": "42"})]  # -47.100 / +47.100
    with pytest.raises(ApplicationError) as exc:
        _create(world, stage, changes, ShiftLevel.PPKD)
    assert exc.value.code == "ceiling_exceeded" and f"sumber dana {dak.nama}" in exc.value.message
    assert "kelebihan Rp 47.100" in exc.value.message
    assert BudgetLine.objects.get(pk=lines["atk2"].pk).version == 1 and not BudgetShift.objects.exists()
