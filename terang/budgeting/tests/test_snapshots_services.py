"""Frozen stages keep everything: koefisien and penerima on StageLine, sub-kegiatan details (StageSubActivity) and
red flags (StageFlag) written by the same freeze; digest version 2 covers them; version 1 stages stay verifiable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terang.audit.events import EventType
from terang.audit.models import DomainEvent
from terang.audit.services import record_event
from terang.budgeting.choices import FlagRule, FlagStatus, StageKind, StageStatus
from terang.budgeting.models import RedFlag, Stage, StageFlag, StageLine, StageSubActivity
from terang.budgeting.selectors_stages import frozen_info
from terang.budgeting.services import stages as svc
from terang.budgeting.services.flags import flags_refresh
from terang.org.models import Region
from terang.testing.budget import make_budget_world

from .test_stages_helpers import add_line, at, set_line

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def world():
    return make_budget_world()


def _frozen_payload(stage):
    return (DomainEvent.objects.filter(event_type=EventType.STAGE_FROZEN, object_type="budgeting.stage",
                                       object_id=str(stage.pk)).order_by("-seq").first().payload)


def _planted(world):
    """Two agencies' lines with koefisien, a sub-kegiatan with location/indicator/target/months, an open and a
    dismissed red flag (after a real refresh, so the refresh time is recorded)."""
    op = world.users["operator"]
    line = add_line(world, vol1=10, vol2=2, user=op)
    line.sat1, line.sat2, line.penerima = "Orang", "Hari", "Kelompok Tani Makmur"
    line.save()
    other = add_line(world, org="dispendik", item="Lem Kertas Cair", vol1=7)
    sub = line.sub_activity
    sub.indikator, sub.target, sub.satuan = "Jumlah puskesmas terlayani", D("12.00"), "Unit"
    sub.bulan_mulai, sub.bulan_selesai, sub.planning_trace = 3, 9, "RKPD 2026 prioritas 2"
    sub.save()
    sub.lokasi.set(Region.objects.filter(kode__in=["97.01.02", "97.01.01.2001"]))
    flags_refresh(fiscal_year=world.fiscal_year, actor=world.users["tapd"])
    RedFlag.objects.filter(line__in=[line, other]).delete()  # the two findings below are planted by hand
    open_flag = RedFlag.objects.create(
        fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=line.organisation, sub_activity=sub, line=line,
        line_key=line.line_key, rule=FlagRule.VOLUME_OUTLIER, severity=2, message="Volume jauh di atas median",
        details={"total": "235500"})
    dismissed = RedFlag.objects.create(
        fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=other.organisation, line=other,
        line_key=other.line_key, rule=FlagRule.PRICE_ABOVE_CATALOGUE, severity=3, message="Harga di atas standar",
        status=FlagStatus.DISMISSED, dismissed_reason="Harga pasar naik; survei harga terlampir.",
        dismissed_by=world.users["tapd"], dismissed_at=at(-0.1))
    return line, other, sub, open_flag, dismissed


def test_freeze_writes_koefisien_sub_activities_and_flags(world):
    line, other, sub, open_flag, dismissed = _planted(world)
    other_pemda_sub = world.sub_activity("dinkes_b", "1.02.01.2.06.0001")  # another fiscal year: not copied
    flags_before = RedFlag.objects.filter(fiscal_year=world.fiscal_year).count()
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)

    frozen = StageLine.objects.get(stage=stage, line_key=line.line_key)
    assert (frozen.vol1, frozen.sat1, frozen.vol2, frozen.sat2, frozen.vol3, frozen.ppn, frozen.penerima) == (
        D("10.0000"), "Orang", D("2.0000"), "Hari", None, False, "Kelompok Tani Makmur")

    subs = {s.sub_activity_id: s for s in StageSubActivity.objects.filter(stage=stage)}
    assert set(subs) == {line.sub_activity_id, other.sub_activity_id}
    assert other_pemda_sub.pk not in subs
    s = subs[sub.pk]
    assert (s.kode, s.nama, s.organisation_id, s.pemda_id, s.program_code_id, s.indikator, s.target, s.satuan,
            s.bulan_mulai, s.bulan_selesai, s.sumber_dana_id, s.planning_trace, s.status) == (
        sub.kode, sub.nama, sub.organisation_id, sub.pemda_id, sub.sub_kegiatan_id, "Jumlah puskesmas terlayani",
        D("12.00"), "Unit", 3, 9, sub.sumber_dana_id, "RKPD 2026 prioritas 2", "draft")
    assert s.lokasi == [{"kode": "97.01.01.2001", "nama": "Desa 1"}, {"kode": "97.01.02", "nama": "Kecamatan 2"}]
    assert subs[other.sub_activity_id].lokasi == []

    flags = {f.flag_id: f for f in StageFlag.objects.filter(stage=stage)}
    assert len(flags) == flags_before
    f_open, f_dismissed = flags[open_flag.pk], flags[dismissed.pk]
    assert (f_open.rule, f_open.severity, f_open.message, f_open.details, f_open.status, f_open.line_key,
            f_open.sub_activity_id, f_open.organisation_id) == (
        FlagRule.VOLUME_OUTLIER, 2, "Volume jauh di atas median", {"total": "235500"}, "open", line.line_key, sub.pk,
        line.organisation_id)
    assert (f_dismissed.status, f_dismissed.dismissed_reason, f_dismissed.dismissed_at) == (
        "dismissed", "Harga pasar naik; survei harga terlampir.", dismissed.dismissed_at)

    payload = _frozen_payload(stage)
    refreshed = DomainEvent.objects.filter(event_type=EventType.FLAGS_REFRESHED).order_by("-seq").first()
    assert (payload["digest_version"], payload["lines"], payload["sub_activities"], payload["flags"]) == (
        2, 2, 2, flags_before)
    assert payload["flags_refreshed_at"] == refreshed.created_at.isoformat()
    info = frozen_info([stage])[stage.pk]
    assert info.has_snapshot and info.digest_version == 2 and info.flags_refreshed == refreshed.created_at

    # the live data moves on; the snapshot does not
    set_line(line, vol1=12, sat2="Kali")
    sub.target = D("20")
    sub.save()
    sub.lokasi.clear()
    RedFlag.objects.filter(pk=open_flag.pk).delete()
    assert StageLine.objects.get(stage=stage, line_key=line.line_key).vol1 == D("10.0000")
    s = StageSubActivity.objects.get(stage=stage, sub_activity_id=sub.pk)
    assert s.target == D("12.00") and len(s.lokasi) == 2
    assert StageFlag.objects.filter(stage=stage, flag_id=open_flag.pk).exists()
    assert svc.stage_verify(stage)[0] is True


def test_freeze_without_refresh_records_none_and_refreeze_replaces_the_snapshot(world):
    line = add_line(world, vol1=3)
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    payload = _frozen_payload(stage)
    assert (payload["flags"], payload["flags_refreshed_at"], payload["sub_activities"]) == (0, None, 1)
    first = frozen_info([stage])[stage.pk]

    svc.stage_reopen(actor=world.users["bpkad"], stage=stage, until=at(hours=1),
                     reason="Dinkes terlambat karena gangguan jaringan SIPD pada hari terakhir.")
    sub = line.sub_activity
    sub.target = D("5")
    sub.save()
    RedFlag.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=line.organisation,
                           line=line, line_key=line.line_key, rule=FlagRule.ROUND_TOTAL, message="Total bulat")
    from terang.budgeting.models import StageReopening

    StageReopening.objects.filter(stage=stage).update(until=at(hours=-0.01))  # the reopening has ended
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=Stage.objects.get(pk=stage.pk))
    assert StageSubActivity.objects.filter(stage=stage).get().target == D("5.00")
    assert StageFlag.objects.filter(stage=stage).count() == 1
    second = frozen_info([stage])[stage.pk]
    assert second.digest != first.digest  # the sub-kegiatan target is part of digest version 2
    assert _frozen_payload(stage)["previous_digest"] == first.digest
    assert svc.stage_verify(stage)[0] is True


@pytest.mark.parametrize("tamper", ["koefisien", "penerima", "ppn", "sub_target", "sub_lokasi", "sub_status"])
def test_digest_v2_detects_edits_the_v1_digest_cannot_see(world, tamper):
    line, *_rest = _planted(world)
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    v1_before = svc.stage_digest(stage, 1).digest
    lines = StageLine.objects.filter(stage=stage, line_key=line.line_key)
    subs = StageSubActivity.objects.filter(stage=stage, sub_activity_id=line.sub_activity_id)
    if tamper == "koefisien":  # "10 Orang x 2 Hari" -> "10 Orang x 2 Kali": same volume, same money
        lines.update(sat2="Kali")
    elif tamper == "penerima":
        lines.update(penerima="Kelompok Tani Fiktif")
    elif tamper == "ppn":
        lines.update(ppn=True)
    elif tamper == "sub_target":
        subs.update(target=D("13.00"))
    elif tamper == "sub_lokasi":
        subs.update(lokasi=[{"kode": "97.01.02", "nama": "Kecamatan 2"}])
    else:
        subs.update(status="locked")
    ok, current, recorded = svc.stage_verify(stage)
    assert not ok and current.digest != recorded
    assert current.lines == 2
    assert svc.stage_digest(stage, 1).digest == v1_before  # what version 1 would not have noticed


def test_stage_frozen_with_version_1_still_verifies(world):
    """A stage frozen before version 2 (lines only, the event says digest_version 1 — or nothing at all) is
    recomputed with version 1, not with the current one."""
    add_line(world, vol1=10, vol2=2)
    add_line(world, org="dispendik", item="Lem Kertas Cair", vol1=7)
    old = Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.RAPBD, sequence=3,
                               nama="Rancangan APBD", status=StageStatus.CLOSED, frozen_at=at(-1))
    from django.db import connection

    with connection.cursor() as cursor:  # what the freeze wrote before the snapshot tables existed
        cursor.execute(svc.freeze_sql(), [old.pk, old.fiscal_year_id])
    StageLine.objects.filter(stage=old).update(vol1=None, vol2=None, sat1="", sat2="")
    v1 = svc.stage_digest(old, 1)
    record_event(event_type=EventType.STAGE_FROZEN, instance=old, pemda=old.pemda_id, payload={
        "lines": v1.lines, "total": str(v1.total), "digest": v1.digest, "algorithm": "sha256", "digest_version": 1})
    info = frozen_info([old])[old.pk]
    assert info.digest_version == 1 and not info.has_snapshot
    ok, current, recorded = svc.stage_verify(old)
    assert ok and current.digest == recorded == v1.digest
    assert svc.stage_digest(old).digest != v1.digest  # version 2 would have reported a false alarm

    StageLine.objects.filter(stage=old, organisation_id=world.orgs["dispendik"].pk).update(total=D("1"))
    assert svc.stage_verify(old)[0] is False  # version 1 still catches what it covers

    # an event written before the version was recorded at all counts as version 1
    StageLine.objects.filter(stage=old, organisation_id=world.orgs["dispendik"].pk).update(total=D("68600"))
    record_event(event_type=EventType.STAGE_FROZEN, instance=old, pemda=old.pemda_id, payload={
        "lines": v1.lines, "total": str(v1.total), "digest": v1.digest})
    assert frozen_info([old])[old.pk].digest_version == 1
    assert svc.stage_verify(old)[0] is True


def test_unknown_digest_version_is_refused(world):
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    from terang.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        svc.stage_digest(stage, 9)
    assert exc.value.code == "digest_version_unknown"
