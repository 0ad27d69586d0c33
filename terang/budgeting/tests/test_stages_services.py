"""Fiscal years and stages: creation, opening, closing and freezing, publishing, reopening; permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import StageKind, StageStatus
from terang.budgeting.models import FiscalYear, Stage, StageLine, StageReopening
from terang.budgeting.selectors_stages import frozen_info
from terang.budgeting.services import stages as svc
from terang.core.errors import ApplicationError, PermissionDeniedError
from terang.core.workflow import transition
from terang.reference.models import RegulationVersion
from terang.testing.budget import make_budget_world

from .test_stages_helpers import add_line, apbd_frozen, at, force_status, set_line

pytestmark = pytest.mark.django_db

REASON = "Dinkes terlambat karena gangguan jaringan SIPD pada hari terakhir."


@pytest.fixture
def world():
    return make_budget_world()


def _events(stage, event_type):
    return list(DomainEvent.objects.filter(event_type=event_type, object_type="budgeting.stage",
                                           object_id=str(stage.pk)).order_by("seq"))


def _state(stage):
    stage.refresh_from_db()
    return (stage.status, stage.opens_at, stage.closes_at, stage.frozen_at, stage.published_at, stage.version)


# --- fiscal years ------------------------------------------------------------------------------------------------


def test_fiscal_year_create_makes_the_default_stages_as_data(world):
    version = RegulationVersion.objects.get()
    fy = svc.fiscal_year_create(actor=world.users["bpkad"], pemda=world.pemda, tahun=2027, program_version=version,
                                account_version=version)
    stages = list(fy.stages.order_by("sequence").values_list("kind", "number", "sequence", "nama", "status"))
    assert stages == [
        ("kua_ppas", 1, 1, "KUA-PPAS", "planned"), ("rka", 1, 2, "RKA-SKPD", "planned"),
        ("rapbd", 1, 3, "Rancangan APBD", "planned"), ("apbd", 1, 4, "APBD murni", "planned"),
    ]
    assert ChangeRecord.objects.filter(object_type="budgeting.fiscalyear", object_id=str(fy.pk),
                                       action="create").count() == 1
    assert ChangeRecord.objects.filter(object_type="budgeting.stage", action="create").count() == 4


@pytest.mark.parametrize("who", ["operator", "tapd", "admin", "sekda", "dprd"])
def test_fiscal_year_create_refused_to_other_roles(world, who):
    version = RegulationVersion.objects.get()
    with pytest.raises(PermissionDeniedError):
        svc.fiscal_year_create(actor=world.users[who], pemda=world.pemda, tahun=2027, program_version=version,
                               account_version=version)
    assert not FiscalYear.objects.filter(tahun=2027).exists()


def test_fiscal_year_create_refused_out_of_scope_and_duplicate(world):
    version = RegulationVersion.objects.get()
    with pytest.raises(PermissionDeniedError):
        svc.fiscal_year_create(actor=world.users["bpkad"], pemda=world.other_pemda, tahun=2027,
                               program_version=version, account_version=version)
    with pytest.raises(ApplicationError) as exc:
        svc.fiscal_year_create(actor=world.users["bpkad"], pemda=world.pemda, tahun=2026, program_version=version,
                               account_version=version)
    assert exc.value.code == "duplicate_year"
    assert FiscalYear.objects.count() == 2


def test_stage_add_numbers_pergeseran_and_requires_frozen_apbd(world):
    bpkad = world.users["bpkad"]
    with pytest.raises(ApplicationError) as exc:
        svc.stage_add(actor=bpkad, fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN)
    assert exc.value.code == "apbd_not_frozen"
    apbd_frozen(world)
    first = svc.stage_add(actor=bpkad, fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN)
    second = svc.stage_add(actor=bpkad, fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN)
    apbd_p = svc.stage_add(actor=bpkad, fiscal_year=world.fiscal_year, kind=StageKind.APBD_P)
    assert [(s.nama, s.number, s.sequence) for s in (first, second, apbd_p)] == [
        ("Pergeseran 1", 1, 4), ("Pergeseran 2", 2, 5), ("APBD Perubahan", 1, 6)]
    with pytest.raises(ApplicationError) as exc:
        svc.stage_add(actor=bpkad, fiscal_year=world.fiscal_year, kind=StageKind.APBD_P)
    assert exc.value.code == "duplicate_stage"
    with pytest.raises(PermissionDeniedError):
        svc.stage_add(actor=world.users["admin"], fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN)
    assert Stage.objects.filter(fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN).count() == 2


def test_stage_delete_only_planned_and_never_published(world):
    bpkad = world.users["bpkad"]
    apbd_frozen(world)
    extra = svc.stage_add(actor=bpkad, fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN)
    with pytest.raises(ApplicationError) as exc:
        svc.stage_delete(actor=bpkad, stage=world.kua_ppas)
    assert exc.value.code == "published"
    with pytest.raises(ApplicationError):
        svc.stage_delete(actor=bpkad, stage=world.rka)
    svc.stage_delete(actor=bpkad, stage=extra)
    assert not Stage.objects.filter(pk=extra.pk).exists()
    assert Stage.objects.filter(pk=world.kua_ppas.pk, status=StageStatus.PUBLISHED).exists()


# --- opening ---------------------------------------------------------------------------------------------------


def _planned_rapbd(world):
    return Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.RAPBD, sequence=3,
                                nama="Rancangan APBD")


def test_stage_open_only_one_open_at_a_time(world):
    rapbd = _planned_rapbd(world)
    bpkad = world.users["bpkad"]
    before = _state(rapbd)
    with pytest.raises(ApplicationError) as exc:
        svc.stage_open(actor=bpkad, stage=rapbd, opens_at=at(0), closes_at=at(5))
    assert exc.value.code == "other_stage_open"
    assert _state(rapbd) == before
    svc.stage_close_and_freeze(actor=bpkad, stage=world.rka)
    opened = svc.stage_open(actor=bpkad, stage=rapbd, opens_at=at(-0.01), closes_at=at(5))
    assert opened.status == StageStatus.OPEN and opened.window_is_open()
    assert len(_events(rapbd, EventType.STAGE_OPENED)) == 1


def test_stage_open_validates_the_window(world):
    svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    rapbd = _planned_rapbd(world)
    for opens, closes, code in ((at(2), at(1), "window_order"), (at(-3), at(-1), "window_past")):
        with pytest.raises(ApplicationError) as exc:
            svc.stage_open(actor=world.users["bpkad"], stage=rapbd, opens_at=opens, closes_at=closes)
        assert exc.value.code == code
    assert Stage.objects.get(pk=rapbd.pk).status == StageStatus.PLANNED


@pytest.mark.parametrize("who", ["operator", "head", "tapd", "admin", "sekda", "auditor"])
def test_stage_open_refused_to_other_roles(world, who):
    svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    rapbd = _planned_rapbd(world)
    before = _state(rapbd)
    with pytest.raises(PermissionDeniedError):
        svc.stage_open(actor=world.users[who], stage=rapbd, opens_at=at(0), closes_at=at(3))
    assert _state(rapbd) == before
    assert not _events(rapbd, EventType.STAGE_OPENED)


def test_stage_open_refused_to_bpkad_of_another_pemda(world):
    from terang.accounts.choices import Role
    from terang.testing.factories import make_user

    other_bpkad = make_user(Role.BPKAD_OFFICER, pemda=world.other_pemda, username="bpkad.b")
    before = _state(world.rka)
    with pytest.raises(PermissionDeniedError):
        svc.stage_close_and_freeze(actor=other_bpkad, stage=world.rka)
    assert _state(world.rka) == before
    assert not StageLine.objects.exists()


def test_reschedule_before_deadline_only(world):
    bpkad = world.users["bpkad"]
    new_close = at(20)
    svc.stage_open(actor=bpkad, stage=world.rka, opens_at=world.rka.opens_at, closes_at=new_close)
    assert Stage.objects.get(pk=world.rka.pk).closes_at == new_close
    force_status(world.rka, StageStatus.OPEN, closes_at=at(-0.1))
    with pytest.raises(ApplicationError) as exc:
        svc.stage_open(actor=bpkad, stage=world.rka, opens_at=world.rka.opens_at, closes_at=at(3))
    assert exc.value.code == "deadline_passed"


def test_later_stage_started_blocks_opening_an_earlier_one(world):
    bpkad = world.users["bpkad"]
    svc.stage_close_and_freeze(actor=bpkad, stage=world.rka)
    rapbd = _planned_rapbd(world)
    svc.stage_open(actor=bpkad, stage=rapbd, opens_at=at(0), closes_at=at(2))
    svc.stage_close_and_freeze(actor=bpkad, stage=rapbd)
    with pytest.raises(ApplicationError) as exc:
        transition(workflow=svc.STAGE_WORKFLOW, obj_or_pk=world.rka, to_status=StageStatus.OPEN, actor=bpkad,
                   data={"opens_at": at(0), "closes_at": at(1)})
    assert exc.value.code == "transition_not_allowed"


# --- close and freeze --------------------------------------------------------------------------------------------


def test_freeze_copies_every_line_exactly(world):
    operator = world.users["operator"]
    lines = [add_line(world, vol1=10, user=operator), add_line(world, item="Kertas HVS 70 gr A4", vol1=3, ppn=True),
             add_line(world, org="dispendik", item="Lem Kertas Cair", vol1=7)]
    add_line(world, org="dinkes_b", vol1=1)  # another pemda's fiscal year: not copied
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    assert stage.status == StageStatus.CLOSED
    assert stage.frozen_by == world.users["bpkad"] and stage.frozen_at is not None
    assert stage.closes_at == stage.frozen_at  # the window was cut at the moment of closing
    frozen = {sl.line_key: sl for sl in StageLine.objects.filter(stage=stage)}
    assert len(frozen) == 3
    for line in lines:
        sl = frozen[line.line_key]
        assert (sl.line_id, sl.organisation_id, sl.sub_activity_id, sl.sub_kegiatan_kode, sl.account_id, sl.akun,
                sl.uraian, sl.volume, sl.harga_satuan, sl.ppn_amount, sl.total, sl.updated_by_id) == (
            line.pk, line.organisation_id, line.sub_activity_id, "1.02.01.2.06.0001", line.account_id, "5",
            line.uraian, line.volume, line.harga_satuan, line.ppn_amount, line.total, line.updated_by_id)
    assert frozen[lines[1].line_key].total == Decimal("186480.00")  # 3 × 56.000 + 11 % PPN
    closed = _events(stage, EventType.STAGE_CLOSED)
    frozen_events = _events(stage, EventType.STAGE_FROZEN)
    assert len(closed) == 1 and len(frozen_events) == 1
    payload = frozen_events[0].payload
    expected_total = sum(line.total for line in lines)
    assert payload["lines"] == 3 and Decimal(payload["total"]) == expected_total
    assert payload["digest"] == svc.stage_digest(stage).digest and len(payload["digest"]) == 64
    # a live change after the freeze does not touch the snapshot
    set_line(lines[0], vol1=99)
    assert StageLine.objects.get(stage=stage, line_key=lines[0].line_key).total == Decimal("235500.00")
    assert svc.stage_verify(stage)[0] is True


def test_digest_is_stable_and_detects_tampering(world):
    add_line(world, vol1=10)
    add_line(world, org="dispendik", item="Lem Kertas Cair", vol1=7)
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    first = svc.stage_digest(stage)
    assert svc.stage_digest(stage) == first
    assert frozen_info([stage])[stage.pk].digest == first.digest
    StageLine.objects.filter(stage=stage, organisation_id=world.orgs["dispendik"].pk).update(total=Decimal("68601"))
    ok, current, recorded = svc.stage_verify(stage)
    assert not ok and current.digest != recorded and recorded == first.digest
    assert current.total == first.total + 1


def _documented_digest(world, stage, version):
    """The digest recomputed from the ORM rows in Python, exactly as documented in services/stages.py."""
    import hashlib
    import json
    from datetime import UTC

    from terang.budgeting.models import StageSubActivity

    def text(value):
        return f"{len(value)}:{value}"

    def num(value):
        return "" if value is None else str(value)

    def dec(value, places):
        return "" if value is None else f"{value:.{places}f}"

    sha = hashlib.sha256(f"terang-stage|{version}|{world.pemda.pk}|2026|rka|1\n".encode())
    for sl in sorted(StageLine.objects.filter(stage=stage), key=lambda sl: sl.line_key.hex):
        when = sl.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if sl.updated_at else ""
        fields = [sl.line_key.hex, num(sl.line_id), num(sl.pemda_id), num(sl.organisation_id),
                  num(sl.sub_activity_id), text(sl.sub_kegiatan_kode), num(sl.account_id), text(sl.akun),
                  num(sl.sumber_dana_id), text(sl.kelompok), text(sl.keterangan), text(sl.line_type),
                  num(sl.price_item_id), text(sl.uraian), text(sl.spesifikasi), f"{sl.volume:.4f}", text(sl.satuan),
                  f"{sl.harga_satuan:.2f}", f"{sl.ppn_amount:.2f}", f"{sl.total:.2f}", num(sl.updated_by_id), when]
        if version >= 2:
            fields += [dec(sl.vol1, 4), text(sl.sat1), dec(sl.vol2, 4), text(sl.sat2), dec(sl.vol3, 4), text(sl.sat3),
                       dec(sl.vol4, 4), text(sl.sat4), "1" if sl.ppn else "0", text(sl.penerima)]
        sha.update(("|".join(fields) + "\n").encode())
    if version >= 2:
        sha.update(b"#sub_kegiatan\n")
        for sub in StageSubActivity.objects.filter(stage=stage).order_by("sub_activity_id"):
            lokasi = json.dumps(sub.lokasi, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            fields = [num(sub.sub_activity_id), num(sub.pemda_id), num(sub.organisation_id),
                      num(sub.program_code_id), text(sub.kode), text(sub.nama), text(lokasi), text(sub.indikator),
                      dec(sub.target, 2), text(sub.satuan), num(sub.bulan_mulai), num(sub.bulan_selesai),
                      num(sub.sumber_dana_id), text(sub.planning_trace), text(sub.status)]
            sha.update(("|".join(fields) + "\n").encode())
    return sha.hexdigest()


@pytest.mark.parametrize("version", [1, 2])
def test_digest_follows_the_documented_canonical_format(world, version):
    """Recompute the digest from the ORM rows in Python, exactly as documented in services/stages.py — the same
    bytes on SQLite and PostgreSQL, so anyone with the frozen lines (and, from version 2, sub-kegiatan) can check
    it."""
    from terang.org.models import Region

    operator = world.users["operator"]
    add_line(world, vol1=10, vol2=2, user=operator, uraian="Refill | ballpoint: “biru”")
    add_line(world, item="Kertas HVS 70 gr A4", vol1=3, ppn=True)
    line = add_line(world, org="dispendik", item=None, harga="1234.56", vol1="2.5", uraian="Belanja tanpa komponen")
    line.sat2, line.vol3, line.sat3, line.penerima = "Hari", Decimal("1.5"), "Kali|x", "Pokmas Ñusa"
    line.save()
    sub = line.sub_activity
    sub.target, sub.planning_trace = Decimal("12.50"), "RKPD 2026 · prioritas 3"
    sub.save()
    sub.lokasi.set([Region.objects.get(kode="97.01.02"), Region.objects.get(kode="97.01.01.2001")])
    Region.objects.filter(kode="97.01.02").update(nama="Kecamatan Glenmore “Ñ”")
    sub.lokasi.set(Region.objects.filter(kode__in=["97.01.02", "97.01.01.2001"]))
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    assert _events(stage, EventType.STAGE_FROZEN)[0].payload["digest_version"] == svc.DIGEST_VERSION == 2
    assert svc.stage_digest(stage, version).digest == _documented_digest(world, stage, version)


def test_freeze_of_empty_fiscal_year(world):
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    payload = _events(stage, EventType.STAGE_FROZEN)[0].payload
    assert (payload["lines"], payload["total"]) == (0, "0.00")


def test_close_refused_before_the_window_starts(world):
    force_status(world.rka, StageStatus.OPEN, opens_at=at(1), closes_at=at(3))
    with pytest.raises(ApplicationError) as exc:
        svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    assert exc.value.code == "not_started"
    assert not StageLine.objects.exists()


# --- publish -------------------------------------------------------------------------------------------------


def test_publish_and_published_is_forever(world):
    bpkad = world.users["bpkad"]
    add_line(world)
    stage = svc.stage_close_and_freeze(actor=bpkad, stage=world.rka)
    with pytest.raises(PermissionDeniedError):
        svc.stage_publish(actor=world.users["admin"], stage=stage)
    published = svc.stage_publish(actor=bpkad, stage=stage)
    assert published.status == StageStatus.PUBLISHED and published.published_at is not None
    assert len(_events(stage, EventType.STAGE_PUBLISHED)) == 1
    before = _state(stage)
    for to in (StageStatus.CLOSED, StageStatus.OPEN, StageStatus.PLANNED):
        with pytest.raises(ApplicationError) as exc:
            transition(workflow=svc.STAGE_WORKFLOW, obj_or_pk=stage, to_status=to, actor=bpkad)
        assert exc.value.code == "transition_not_allowed"
    with pytest.raises(ApplicationError):
        svc.stage_close_and_freeze(actor=bpkad, stage=stage)
    with pytest.raises(ApplicationError) as exc:
        svc.stage_delete(actor=bpkad, stage=stage)
    assert exc.value.code == "published"
    with pytest.raises(ApplicationError) as exc:
        svc.stage_reopen(actor=bpkad, stage=stage, reason=REASON, until=at(1))
    assert exc.value.code == "published"
    assert _state(stage) == before
    assert StageLine.objects.filter(stage=stage).count() == 1


def test_publish_needs_a_frozen_stage(world):
    with pytest.raises(ApplicationError) as exc:
        svc.stage_publish(actor=world.users["bpkad"], stage=world.rka)
    assert exc.value.code == "transition_not_allowed"
    assert Stage.objects.get(pk=world.rka.pk).status == StageStatus.OPEN


# --- reopening ---------------------------------------------------------------------------------------------------


def test_reopen_requires_a_written_reason(world):
    bpkad = world.users["bpkad"]
    force_status(world.rka, StageStatus.OPEN, closes_at=at(-0.1))
    for reason in ("", "   ", "terlambat"):
        with pytest.raises(ApplicationError) as exc:
            svc.stage_reopen(actor=bpkad, stage=world.rka, reason=reason, until=at(1))
        assert exc.value.code == "reason_required"
    assert not StageReopening.objects.exists()
    reopening = svc.stage_reopen(actor=bpkad, stage=world.rka, reason=REASON, until=at(1),
                                 organisation=world.orgs["dinkes"])
    assert (reopening.reason, reopening.organisation, reopening.reopened_by) == (REASON, world.orgs["dinkes"], bpkad)
    event = _events(world.rka, EventType.STAGE_REOPENED)[0]
    assert event.payload["reason"] == REASON and event.payload["organisation"] == world.orgs["dinkes"].pk
    record = ChangeRecord.objects.get(object_type="budgeting.stagereopening", object_id=str(reopening.pk))
    assert record.reason == REASON and record.actor_username == "bpkad"


@pytest.mark.parametrize("who", ["operator", "head", "tapd", "sekda", "auditor", "tapd_b"])
def test_reopen_refused_to_other_roles(world, who):
    force_status(world.rka, StageStatus.OPEN, closes_at=at(-0.1))
    with pytest.raises(PermissionDeniedError):
        svc.stage_reopen(actor=world.users[who], stage=world.rka, reason=REASON, until=at(1))
    assert not StageReopening.objects.exists()
    assert not _events(world.rka, EventType.STAGE_REOPENED)


def test_reopen_rules(world):
    admin = world.users["admin"]  # pemda administrators may reopen too
    with pytest.raises(ApplicationError) as exc:
        svc.stage_reopen(actor=admin, stage=world.rka, reason=REASON, until=at(1))
    assert exc.value.code == "window_open"
    force_status(world.rka, StageStatus.OPEN, closes_at=at(-0.1))
    for until, code in ((at(-1), "until_past"), (at(120), "until_too_far")):
        with pytest.raises(ApplicationError) as exc:
            svc.stage_reopen(actor=admin, stage=world.rka, reason=REASON, until=until)
        assert exc.value.code == code
    with pytest.raises(ApplicationError) as exc:
        svc.stage_reopen(actor=admin, stage=world.rka, reason=REASON, until=at(1),
                         organisation=world.orgs["dinkes_b"])
    assert exc.value.code == "invalid_organisation"
    assert svc.stage_reopen(actor=admin, stage=world.rka, reason=REASON, until=at(1)).organisation is None


def test_reopened_frozen_stage_must_be_refrozen_before_publishing(world):
    bpkad = world.users["bpkad"]
    line = add_line(world, vol1=10)
    stage = svc.stage_close_and_freeze(actor=bpkad, stage=world.rka)
    first = frozen_info([stage])[stage.pk]
    reopening = svc.stage_reopen(actor=bpkad, stage=stage, reason=REASON, until=at(1),
                                 organisation=world.orgs["dinkes"])
    with pytest.raises(ApplicationError) as exc:
        svc.stage_publish(actor=bpkad, stage=stage)
    assert exc.value.code == "snapshot_stale"
    with pytest.raises(ApplicationError) as exc:
        svc.stage_close_and_freeze(actor=bpkad, stage=stage)
    assert exc.value.code == "reopening_active"
    set_line(line, vol1=12)  # Dinkes corrects its line during the reopening
    add_line(world, vol1=1)
    StageReopening.objects.filter(pk=reopening.pk).update(until=at(-0.001))
    refrozen = svc.stage_close_and_freeze(actor=bpkad, stage=stage)
    second = frozen_info([stage])[stage.pk]
    assert second.lines == 2 and second.digest != first.digest
    assert _events(stage, EventType.STAGE_FROZEN)[-1].payload["previous_digest"] == first.digest
    assert StageLine.objects.get(stage=stage, line_key=line.line_key).total == Decimal("282600.00")
    assert svc.stage_publish(actor=bpkad, stage=refrozen).status == StageStatus.PUBLISHED


def test_refreeze_without_reopening_is_refused(world):
    bpkad = world.users["bpkad"]
    stage = svc.stage_close_and_freeze(actor=bpkad, stage=world.rka)
    with pytest.raises(ApplicationError) as exc:
        svc.stage_close_and_freeze(actor=bpkad, stage=stage)
    assert exc.value.code == "nothing_to_refreeze"
    assert len(_events(stage, EventType.STAGE_FROZEN)) == 1


def test_only_the_latest_started_stage_can_be_reopened(world):
    bpkad = world.users["bpkad"]
    stage = svc.stage_close_and_freeze(actor=bpkad, stage=world.rka)
    rapbd = _planned_rapbd(world)
    svc.stage_open(actor=bpkad, stage=rapbd, opens_at=at(0), closes_at=at(2))
    with pytest.raises(ApplicationError) as exc:
        svc.stage_reopen(actor=bpkad, stage=stage, reason=REASON, until=at(1))
    assert exc.value.code == "later_stage_started"
