"""Published stages show what was frozen with them: the koefisien of each line, the sub-kegiatan details (lokasi,
indikator, target, months) and the red flags with their dismissal reasons of that time — not the live data, which
has moved on. Stages frozen before those snapshots existed fall back to the live data; drafts are never public.
The stage diff reports koefisien changes (page, CSV, API)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from terang.audit.events import EventType
from terang.audit.services import record_event
from terang.budgeting import selectors_public as sel
from terang.budgeting.choices import FlagRule, FlagStatus, StageKind, StageStatus
from terang.budgeting.diff import CHANGED, stage_diff
from terang.budgeting.models import RedFlag, Stage, StageFlag, StageLine, StageSubActivity
from terang.budgeting.services import stages as svc
from terang.core.errors import NotFoundError
from terang.org.models import Region
from terang.testing.budget import make_budget_world

from .test_stages_helpers import add_line, at, set_line

pytestmark = pytest.mark.django_db

D = Decimal
NO_PAGE_CACHE = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
SUB = "1.02.01.2.06.0001"


@pytest.fixture(autouse=True)
def _no_caches(settings):
    cache.clear()
    settings.CACHES = {**settings.CACHES, "pages": NO_PAGE_CACHE}
    yield
    cache.clear()


def _stage_url(name, world, stage, *args, **query):
    path = reverse(f"apbd:{name}", args=[world.pemda.kode, 2026, *args])
    query = {"tahapan": stage.pk, **query}
    return path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def _next_stage(world, kind, sequence, nama):
    stage = Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=kind, sequence=sequence,
                                 nama=nama)
    svc.stage_open(actor=world.users["bpkad"], stage=stage, opens_at=at(-0.01), closes_at=at(3))
    return stage


@pytest.fixture
def snap():
    """RKA frozen and published with a line "10 Orang x 2 Hari", a sub-kegiatan with location/indicator/target, an
    open and a dismissed flag; then the live data changes everything."""
    world = make_budget_world()
    bpkad = world.users["bpkad"]
    line = add_line(world, vol1=10, vol2=2, user=world.users["operator"])
    line.sat1, line.sat2 = "Orang", "Hari"
    line.save()
    other = add_line(world, org="dispendik", item="Lem Kertas Cair", vol1=7)
    sub = line.sub_activity
    sub.indikator, sub.target, sub.satuan, sub.bulan_mulai, sub.bulan_selesai = (
        "Jumlah dokumen perencanaan", D("4.00"), "Dokumen", 2, 6)
    sub.save()
    sub.lokasi.set(Region.objects.filter(kode="97.01.02"))
    flag = RedFlag.objects.create(
        fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=line.organisation, line=line,
        line_key=line.line_key, rule=FlagRule.VOLUME_OUTLIER, severity=3, message="Volume 20 jauh di atas median 4",
        status=FlagStatus.DISMISSED, dismissed_reason="Rapat koordinasi seluruh puskesmas, bukan pemborosan.",
        dismissed_by=world.users["tapd"], dismissed_at=at(-0.1))
    RedFlag.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=other.organisation,
                           line=other, line_key=other.line_key, rule=FlagRule.ROUND_TOTAL, severity=1,
                           message="Total bulat Rp 68.600")
    rka = svc.stage_close_and_freeze(actor=bpkad, stage=world.rka)
    rka = svc.stage_publish(actor=bpkad, stage=rka)
    # the live data moves on
    set_line(line, vol1=12, sat2="Kali")
    sub.target, sub.indikator = D("9.00"), "Indikator baru sesudah pembekuan"
    sub.save()
    sub.lokasi.set(Region.objects.filter(kode="97.01.01"))
    flag.delete()
    RedFlag.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=line.organisation,
                           line=line, line_key=line.line_key, rule=FlagRule.ROUND_TOTAL, severity=1,
                           message="Temuan live yang belum ada saat pembekuan")
    return {"world": world, "rka": rka, "line": line, "other": other, "sub": sub}


def test_public_sub_activity_page_shows_the_frozen_koefisien_details_and_flags(client, snap):
    world, rka = snap["world"], snap["rka"]
    html = client.get(_stage_url("sub_activity", world, rka, SUB, opd=world.orgs["dinkes"].pk)).content.decode()
    assert "10 Orang x 2 Hari" in html
    assert "12 Orang" not in html and "2 Kali" not in html
    assert re.search(r'data-field="lokasi">Kecamatan 2<', html)
    assert re.search(r'data-field="target">4 Dokumen<', html)
    assert 'data-field="indikator">Jumlah dokumen perencanaan<' in html
    assert "Indikator baru" not in html and "Kecamatan 1<" not in html
    assert "Februari – Juni" in html
    assert "saat tahapan ini dibekukan" in html
    # the flag badge is the frozen one, with the reason of then; the live-only finding is not there
    assert "Volume jauh di atas median" in html and "Rapat koordinasi seluruh puskesmas" in html
    assert "Temuan live" not in html


def test_public_flags_page_lists_the_findings_of_the_stage_time(client, snap):
    world, rka = snap["world"], snap["rka"]
    response = client.get(_stage_url("flags", world, rka))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-apbd="flags-frozen"' in html
    assert "Volume 20 jauh di atas median 4" in html
    assert "Rapat koordinasi seluruh puskesmas, bukan pemborosan." in html
    assert "Total bulat Rp 68.600" in html
    assert "Temuan live" not in html
    assert sel.stage_flag_count(stage=rka) == 1  # the open one; the dismissed one is shown but not counted
    only_dismissed = client.get(_stage_url("flags", world, rka, status="dismissed")).content.decode()
    assert "Volume 20 jauh" in only_dismissed and "Total bulat Rp 68.600" not in only_dismissed


def test_public_api_lines_carry_the_frozen_koefisien(client, snap):
    world, rka, line = snap["world"], snap["rka"], snap["line"]
    url = reverse("v1:apbd-rincian", args=[world.pemda.kode, 2026])
    data = client.get(url, {"tahapan": rka.pk}).json()
    row = next(r for r in data["results"] if r["kunci_baris"] == str(line.line_key))
    assert row["koefisien"] == "10 Orang x 2 Hari"
    assert row["faktor_volume"] == [{"volume": "10.0000", "satuan": "Orang"}, {"volume": "2.0000", "satuan": "Hari"}]
    assert [f["aturan"] for f in row["tanda_bahaya"]] == ["volume_outlier"]
    assert row["tanda_bahaya"][0]["alasan_diabaikan"].startswith("Rapat koordinasi")


def test_stage_frozen_before_the_snapshot_falls_back_to_live_details_and_flags(client, snap):
    """An APBD stage frozen the old way (lines only, digest version 1, no factors): its pages show the live
    sub-kegiatan and flags, and the volume instead of a koefisien."""
    world = snap["world"]
    old = Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.APBD, sequence=3,
                               nama="APBD murni", status=StageStatus.CLOSED, frozen_at=at(-0.5))
    with connection.cursor() as cursor:
        cursor.execute(svc.freeze_sql(), [old.pk, old.fiscal_year_id])
    StageLine.objects.filter(stage=old).update(vol1=None, vol2=None, sat1="", sat2="")
    v1 = svc.stage_digest(old, 1)
    record_event(event_type=EventType.STAGE_FROZEN, instance=old, pemda=old.pemda_id, payload={
        "lines": v1.lines, "total": str(v1.total), "digest": v1.digest, "digest_version": 1})
    Stage.objects.filter(pk=old.pk).update(status=StageStatus.PUBLISHED, published_at=at(-0.4))
    old.refresh_from_db()
    assert not StageSubActivity.objects.filter(stage=old).exists()
    html = client.get(_stage_url("sub_activity", world, old, SUB, opd=world.orgs["dinkes"].pk)).content.decode()
    assert "24 Buah" in html  # 12 x 2 as volume and satuan: no factors were frozen
    assert 'data-field="indikator">Indikator baru sesudah pembekuan<' in html
    assert "data kerja saat ini" in html
    assert "Temuan live yang belum ada saat pembekuan" in html
    flags_html = client.get(_stage_url("flags", world, old)).content.decode()
    assert "Temuan live yang belum ada saat pembekuan" in flags_html and 'data-apbd="flags-frozen"' not in flags_html
    assert svc.stage_verify(old)[0] is True


def test_frozen_details_of_an_unpublished_stage_are_never_public(client, snap):
    world = snap["world"]
    rapbd = _next_stage(world, StageKind.RAPBD, 3, "Rancangan APBD")
    set_line(snap["line"], harga="777777")
    rapbd = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=rapbd)  # closed, not published
    assert StageSubActivity.objects.filter(stage=rapbd).exists() and StageFlag.objects.filter(stage=rapbd).exists()
    for name, args in (("sub_activity", [SUB]), ("flags", []), ("organisation", [world.orgs["dinkes"].pk])):
        response = client.get(_stage_url(name, world, rapbd, *args))
        assert response.status_code == 404
        assert "777.777" not in response.content.decode()
    for call in (lambda: sel.sub_activity_details(stage=rapbd, kode=SUB),
                 lambda: sel.public_stage_flags(stage=rapbd),
                 lambda: sel.sub_activity_totals(stage=rapbd, kode=SUB)):
        with pytest.raises(NotFoundError):
            call()


def test_diff_reports_a_koefisien_change_even_at_equal_volume(client, snap):
    """RKA "10 Orang x 2 Hari" → RAPBD "12 Orang x 2 Kali" (volume 20 → 24), and a second line whose factors
    changed at an unchanged volume ("7 Buah" → "7 Botol"): both are changed rows naming the koefisien."""
    world, rka, line, other = snap["world"], snap["rka"], snap["line"], snap["other"]
    rapbd = _next_stage(world, StageKind.RAPBD, 3, "Rancangan APBD")
    other.sat1 = "Botol"
    other.save()
    rapbd = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=rapbd)
    rapbd = svc.stage_publish(actor=world.users["bpkad"], stage=rapbd)
    rows = {r.line_key: r for r in stage_diff(base=rka, target=rapbd).rows()}
    changed = rows[line.line_key.hex]
    assert changed.status == CHANGED
    assert (changed.old_koefisien, changed.koefisien) == ("10 Orang x 2 Hari", "12 Orang x 2 Kali")
    assert changed.changed_fields[:2] == ("koefisien", "volume")
    same_volume = rows[other.line_key.hex]
    assert (same_volume.status, same_volume.changed_fields) == (CHANGED, ("koefisien",))
    assert (same_volume.old_koefisien, same_volume.koefisien, same_volume.delta) == ("7 Buah", "7 Botol", D("0.00"))
    assert same_volume.as_dict()["koefisien_lama"] == "7 Buah"
    assert same_volume.as_dict()["kolom_berubah"] == ["koefisien"]

    csv_text = "".join(stage_diff(base=rka, target=rapbd).csv_lines())
    records = {r["kunci_baris"]: r for r in csv.DictReader(io.StringIO(csv_text))}
    assert (records[line.line_key.hex]["koefisien_lama"], records[line.line_key.hex]["koefisien_baru"]) == (
        "10 Orang x 2 Hari", "12 Orang x 2 Kali")
    assert records[other.line_key.hex]["kolom_berubah"] == "koefisien"

    page = client.get(reverse("apbd:banding", args=[2026]), {"dari": rka.pk, "ke": rapbd.pk}).content.decode()
    assert "10 Orang x 2 Hari" in page and "12 Orang x 2 Kali" in page and "7 Botol" in page
    public_csv = client.get(reverse("apbd:banding_csv", args=[2026]), {"dari": rka.pk, "ke": rapbd.pk})
    assert "7 Buah,7 Botol" in b"".join(public_csv.streaming_content).decode()


def test_diff_against_a_stage_without_factors_is_not_a_koefisien_change(snap):
    """A stage frozen before the factors were kept has none: comparing it with a newer stage must not mark every
    line changed."""
    world, rka = snap["world"], snap["rka"]
    old = Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.KUA_PPAS,
                               number=2, sequence=9, nama="Salinan lama", status=StageStatus.PUBLISHED,
                               frozen_at=at(-2), published_at=at(-2))
    StageLine.objects.bulk_create([StageLine(**{**{f.attname: getattr(sl, f.attname) for f in StageLine._meta.fields
                                                   if f.attname not in ("id", "stage_id")},
                                                "stage_id": old.pk, "vol1": None, "vol2": None, "sat1": "",
                                                "sat2": ""})
                                   for sl in StageLine.objects.filter(stage=rka)])
    assert list(stage_diff(base=old, target=rka).rows()) == []
