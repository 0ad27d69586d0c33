"""Stage and pergeseran API: public reads, workflow actions with their permission matrix, digest verification."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from terang.accounts.choices import Role
from terang.accounts.testing import force_login_verified
from terang.budgeting.choices import ShiftLevel, StageKind, StageStatus
from terang.budgeting.models import BudgetLine, BudgetShift, Stage, StageLine, StageReopening
from terang.budgeting.services import stages as svc
from terang.testing.budget import make_budget_world
from terang.testing.factories import make_user

from .test_stages_helpers import add_line, apbd_frozen, at, force_status

pytestmark = pytest.mark.django_db

REASON = "Dinkes terlambat karena gangguan jaringan SIPD pada hari terakhir."


@pytest.fixture
def world():
    return make_budget_world()


def _state(stage):
    return Stage.objects.filter(pk=stage.pk).values().get()


def test_stage_list_is_public_and_query_count_fixed(client, world):
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/v1/tahapan/?tahun=2026").json()
    assert body["count"] == 4
    assert [(s["pemda"], s["nama"], s["status"]) for s in body["results"] if s["pemda"] == world.pemda.kode] == [
        (world.pemda.kode, "KUA-PPAS", "published"), (world.pemda.kode, "RKA-SKPD", "open")]
    assert len(ctx.captured_queries) == 3  # count, stages, frozen digests
    for n in range(3):
        Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.PERGESERAN,
                             number=n + 1, sequence=3 + n, nama=f"Pergeseran {n + 1}")
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(f"/api/v1/tahapan/?pemda={world.pemda.kode}").json()
    assert body["count"] == 5 and len(body["results"]) == 5 and len(ctx.captured_queries) == 3


def test_stage_detail_shows_reopenings_and_digest_only_when_published(client, world):
    add_line(world)
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    svc.stage_reopen(actor=world.users["bpkad"], stage=stage, reason=REASON, until=at(1),
                     organisation=world.orgs["dinkes"])
    body = client.get(f"/api/v1/tahapan/{stage.pk}/").json()
    assert body["beku"] is None  # frozen but not published: anonymous callers see no content
    assert [(r["alasan"], r["opd"], r["dibuka_oleh"]) for r in body["pembukaan_kembali"]] == [
        (REASON, "Dinas Kesehatan", "bpkad")]
    client.force_login(world.users["operator"])
    body = client.get(f"/api/v1/tahapan/{stage.pk}/").json()
    assert body["beku"]["baris"] == 1 and len(body["beku"]["digest"]) == 64


def test_verify_endpoint(client, world):
    add_line(world)
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    assert client.get(f"/api/v1/tahapan/{stage.pk}/verifikasi/").status_code == 404
    svc.stage_publish(actor=world.users["bpkad"], stage=stage)
    body = client.get(f"/api/v1/tahapan/{stage.pk}/verifikasi/").json()
    assert body["utuh"] is True and body["digest"] == body["digest_tercatat"] and body["baris"] == 1
    StageLine.objects.filter(stage=stage).update(uraian="diubah diam-diam")
    body = client.get(f"/api/v1/tahapan/{stage.pk}/verifikasi/").json()
    assert body["utuh"] is False and body["digest"] != body["digest_tercatat"]


def test_close_permission_matrix(client, world):
    url = f"/api/v1/tahapan/{world.rka.pk}/tutup/"
    before = _state(world.rka)
    assert client.post(url, {}, content_type="application/json").status_code == 401
    client.force_login(world.users["operator"])
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    other = make_user(Role.BPKAD_OFFICER, pemda=world.other_pemda, username="bpkad.b")
    force_login_verified(client, other)
    assert client.post(url, {}, content_type="application/json").status_code == 404
    assert _state(world.rka) == before and not StageLine.objects.exists()
    force_login_verified(client, world.users["bpkad"])
    response = client.post(url, {"versi": world.rka.version}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "closed" and response.json()["beku"]["baris"] == 0
    stale = client.post(f"/api/v1/tahapan/{world.rka.pk}/publikasi/", {"versi": 1}, content_type="application/json")
    assert stale.status_code == 409
    published = client.post(f"/api/v1/tahapan/{world.rka.pk}/publikasi/", {}, content_type="application/json")
    assert published.json()["status"] == "published"


def test_open_and_reopen_through_the_api(client, world):
    force_login_verified(client, world.users["bpkad"])
    svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    rapbd = Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.RAPBD, sequence=3,
                                 nama="Rancangan APBD")
    response = client.post(f"/api/v1/tahapan/{rapbd.pk}/buka/",
                           {"dibuka": at(-1).isoformat(), "ditutup": at(-0.5).isoformat()},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "window_past"
    response = client.post(f"/api/v1/tahapan/{rapbd.pk}/buka/",
                           {"dibuka": at(-1).isoformat(), "ditutup": at(0.0001).isoformat()},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "open"
    force_status(rapbd, StageStatus.OPEN, closes_at=at(-0.01))
    response = client.post(f"/api/v1/tahapan/{rapbd.pk}/buka-kembali/", {"alasan": "pendek", "sampai":
                                                                          at(1).isoformat()},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "reason_required"
    response = client.post(f"/api/v1/tahapan/{rapbd.pk}/buka-kembali/",
                           {"alasan": REASON, "sampai": at(1).isoformat(), "opd": world.orgs["dinkes"].pk},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["opd"] == "Dinas Kesehatan"
    client.force_login(world.users["operator"])
    response = client.post(f"/api/v1/tahapan/{rapbd.pk}/buka-kembali/",
                           {"alasan": REASON, "sampai": at(1).isoformat()}, content_type="application/json")
    assert response.status_code == 403
    assert StageReopening.objects.count() == 1


# --- pergeseran through the API ----------------------------------------------------------------------------------


@pytest.fixture
def shift_world(world):
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0001")
    hvs = add_line(world, sub, item="Kertas HVS 70 gr A4", vol1=20)
    pen = add_line(world, sub, item="Refill Ballpoint", vol1=40)
    apbd_frozen(world)
    stage = svc.stage_add(actor=world.users["bpkad"], fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN)
    stage = svc.stage_open(actor=world.users["bpkad"], stage=stage, opens_at=at(-0.01), closes_at=at(5))
    return world, stage, hvs, pen


def _shift_body(hvs, pen, **extra):
    body = {"nomor": "PG-API-1", "dasar_hukum": "Perkada Nomor 5 Tahun 2026", "tingkat": "ppkd",
            "alasan": "Kebutuhan kertas naik karena laporan triwulan.",
            "perubahan": [{"id_baris": hvs.pk, "versi": hvs.version, "harga_satuan": "53645"},
                          {"id_baris": pen.pk, "versi": pen.version, "vol1": "42"}]}
    body.update(extra)
    return body


def test_shift_create_list_detail_approve(client, shift_world):
    world, stage, hvs, pen = shift_world
    url = f"/api/v1/tahapan/{stage.pk}/pergeseran/baru/"
    client.force_login(world.users["operator"])
    assert client.post(url, _shift_body(hvs, pen), content_type="application/json").status_code == 403
    force_login_verified(client, world.users["bpkad"])
    response = client.post(url, _shift_body(hvs, pen, tingkat="perkada"), content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "level_mismatch"
    assert not BudgetShift.objects.exists()
    response = client.post(url, _shift_body(hvs, pen), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["tingkat"] == ShiftLevel.PPKD and len(body["baris"]) == 2
    assert {(b["sebelum"], b["sesudah"]) for b in body["baris"]} == {("1120000.00", "1072900.00"),
                                                                     ("942000.00", "989100.00")}
    stale = client.post(url, _shift_body(hvs, pen, nomor="PG-API-2"), content_type="application/json")
    assert stale.status_code == 409
    listing = client.get(f"/api/v1/tahapan/{stage.pk}/pergeseran/").json()
    assert [s["nomor"] for s in listing] == ["PG-API-1"]
    shift_id = body["id"]
    approve = f"/api/v1/pergeseran/{shift_id}/setujui/"
    assert client.post(approve).json()["error"]["code"] == "four_eyes"
    force_login_verified(client, world.users["sekda"])
    assert client.post(approve).status_code == 403  # PPKD level is approved by BPKAD
    force_login_verified(client, make_user(Role.BPKAD_OFFICER, pemda=world.pemda, username="bpkad2"))
    approved = client.post(approve).json()
    assert approved["disetujui_oleh"] == "bpkad2"
    client.logout()
    assert client.get(f"/api/v1/pergeseran/{shift_id}/").status_code == 404  # stage not published
    assert BudgetLine.objects.get(pk=hvs.pk).total == 1072900
