"""Verification API: transitions, comments and the board, with a permission matrix per endpoint (anonymous, wrong
scope, wrong role, right role), the one error shape, nothing changed on refusal, and pinned query counts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import SubActivityStatus as S
from terang.budgeting.models import SubActivityBudget, VerificationComment
from terang.budgeting.services.verification import (
    sub_activity_return,
    sub_activity_submit,
    verification_comment_add,
)

from .test_flags_support import add_line, module_world

pytestmark = pytest.mark.django_db

_world = module_world()


@pytest.fixture
def world(shared_world, db):
    cache.clear()  # throttle counters
    return shared_world


@pytest.fixture
def sub(world):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=1000)
    return sub


def client_for(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def base(sub) -> str:
    return f"/api/v1/anggaran/sub-kegiatan/{sub.pk}"


def unchanged(sub) -> tuple:
    fresh = SubActivityBudget.objects.get(pk=sub.pk)
    return (fresh.status, fresh.version, VerificationComment.objects.count(), ChangeRecord.objects.count(),
            DomainEvent.objects.count())


# --- transitions ---------------------------------------------------------------------------------------------------


def test_transition_by_the_agency_head(world, sub):
    response = client_for(world.users["head"]).post(f"{base(sub)}/transisi/",
                                                    {"to_status": "submitted", "expected_version": 1}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "id": sub.pk, "kode": "1.02.02.2.01.0002", "nama": "Pembangunan Puskesmas",
        "perangkat_daerah": world.orgs["dinkes"].pk, "tahun_anggaran": world.fiscal_year.pk,
        "status": "submitted", "status_label": "Diajukan", "versi": 2, "transisi_tersedia": [],
    }


def test_status_with_available_transitions(world, sub):
    sub = sub_activity_submit(actor=world.users["head"], sub_activity=sub)
    body = client_for(world.users["tapd"]).get(f"{base(sub)}/transisi/").json()
    assert body["transisi_tersedia"] == [
        {"ke": "returned", "ke_label": "Dikembalikan", "label": "Kembalikan", "wajib_alasan": True},
        {"ke": "verified", "ke_label": "Terverifikasi", "label": "Nyatakan terverifikasi", "wajib_alasan": False},
    ]


@pytest.mark.parametrize(("who", "status", "code"), [
    (None, 401, "not_authenticated"), ("operator", 403, "permission_denied"), ("tapd", 403, "permission_denied"),
    ("operator_dispendik", 404, "not_found"), ("operator_b", 404, "not_found"), ("tapd_b", 404, "not_found"),
])
def test_transition_refused(world, sub, who, status, code):
    before = unchanged(sub)
    response = client_for(world.users.get(who)).post(f"{base(sub)}/transisi/", {"to_status": "submitted"},
                                                     format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert unchanged(sub) == before


def test_transition_errors_use_the_one_shape(world, sub):
    head = client_for(world.users["head"])
    response = head.post(f"{base(sub)}/transisi/", {"to_status": "submitted", "expected_version": 5}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "conflict")
    response = head.post(f"{base(sub)}/transisi/", {"to_status": "dihapus"}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")
    assert "to_status" in response.json()["error"]["details"]
    sub = sub_activity_submit(actor=world.users["head"], sub_activity=sub)
    response = client_for(world.users["tapd"]).post(f"{base(sub)}/transisi/", {"to_status": "returned"},
                                                    format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "reason_required")
    response = client_for(world.users["tapd"]).post(f"{base(sub)}/transisi/",
                                                    {"to_status": "returned", "reason": "Kurang rinci."},
                                                    format="json")
    assert response.json()["status"] == "returned"
    assert client_for(world.users["tapd"]).get("/api/v1/anggaran/sub-kegiatan/999999/transisi/").status_code == 404


# --- comments ------------------------------------------------------------------------------------------------------


def test_comment_list_and_create(world, sub, django_assert_num_queries):
    sub = sub_activity_submit(actor=world.users["head"], sub_activity=sub)
    line = sub.lines.get()
    tapd = client_for(world.users["tapd"])
    response = tapd.post(f"{base(sub)}/catatan/", {"body": "Survei harga?", "line": line.pk}, format="json")
    assert response.status_code == 201
    created = response.json()
    assert {k: created[k] for k in ("sub_kegiatan", "rincian", "kunci_rincian", "verifikator", "catatan",
                                    "tanggapan", "ditanggapi_oleh", "selesai")} == {
        "sub_kegiatan": sub.pk, "rincian": line.pk, "kunci_rincian": str(line.line_key), "verifikator": "tapd",
        "catatan": "Survei harga?", "tanggapan": "", "ditanggapi_oleh": None, "selesai": False}
    verification_comment_add(actor=world.users["tapd"], sub_activity=sub, body="Kedua.")
    operator = client_for(world.users["operator"])
    operator.get(f"{base(sub)}/catatan/")  # memberships cached on the user object
    with django_assert_num_queries(2):  # the sub-kegiatan, the comments (authors joined)
        response = operator.get(f"{base(sub)}/catatan/")
    assert [c["catatan"] for c in response.json()] == ["Survei harga?", "Kedua."]


@pytest.mark.parametrize(("who", "status"), [
    (None, 401), ("head", 403), ("bpkad", 403), ("operator_dispendik", 404), ("tapd_b", 404),
])
def test_comment_create_refused(world, sub, who, status):
    sub = sub_activity_submit(actor=world.users["head"], sub_activity=sub)
    before = unchanged(sub)
    response = client_for(world.users.get(who)).post(f"{base(sub)}/catatan/", {"body": "x"}, format="json")
    assert response.status_code == status
    assert unchanged(sub) == before


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("operator_dispendik", 404), ("operator_b", 404)])
def test_comment_list_refused(world, sub, who, status):
    assert client_for(world.users.get(who)).get(f"{base(sub)}/catatan/").status_code == status


def test_respond_and_resolve(world, sub):
    u = world.users
    sub = sub_activity_submit(actor=u["head"], sub_activity=sub)
    comment = verification_comment_add(actor=u["tapd"], sub_activity=sub, body="Survei harga?")
    sub_activity_return(actor=u["tapd"], sub_activity=sub, reason="Jawab catatan.")
    url = f"/api/v1/anggaran/catatan/{comment.pk}"
    before = unchanged(sub)
    assert client_for(u["tapd"]).post(f"{url}/tanggapan/", {"response": "x"}, format="json").status_code == 403
    assert client_for(u["operator_b"]).post(f"{url}/tanggapan/", {"response": "x"}, format="json").status_code == 404
    assert client_for().post(f"{url}/tanggapan/", {"response": "x"}, format="json").status_code == 401
    assert unchanged(sub) == before
    response = client_for(u["operator"]).post(f"{url}/tanggapan/", {"response": "Terlampir."}, format="json")
    assert (response.status_code, response.json()["tanggapan"], response.json()["ditanggapi_oleh"]) == (
        200, "Terlampir.", "op.dinkes")
    response = client_for(u["tapd"]).post(f"{url}/selesai/")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "not_submitted")
    for c in VerificationComment.objects.filter(sub_activity=sub):
        client_for(u["operator"]).post(f"/api/v1/anggaran/catatan/{c.pk}/tanggapan/", {"response": "Ok."},
                                       format="json")
    sub_activity_submit(actor=u["head"], sub_activity=sub)
    assert client_for(u["head"]).post(f"{url}/selesai/").status_code == 403
    response = client_for(u["tapd"]).post(f"{url}/selesai/")
    assert (response.status_code, response.json()["selesai"]) == (200, True)


# --- board ---------------------------------------------------------------------------------------------------------


def test_board_json(world, sub, django_assert_num_queries):
    sub_activity_submit(actor=world.users["head"], sub_activity=sub)
    tapd = client_for(world.users["tapd"])
    tapd.get("/api/v1/anggaran/verifikasi/papan/")
    with django_assert_num_queries(2):  # fiscal year, board
        response = tapd.get("/api/v1/anggaran/verifikasi/papan/")
    body = response.json()
    assert (body["tahun"], [r["singkatan"] for r in body["perangkat_daerah"]]) == (
        2026, ["Dispendik", "Dinkes", "BPKAD"])
    dinkes = body["perangkat_daerah"][1]
    assert dinkes == {
        "perangkat_daerah": world.orgs["dinkes"].pk, "kode": "1.02.0.00.0.00.01.0000", "nama": "Dinas Kesehatan",
        "singkatan": "Dinkes",
        "jumlah_per_status": {"draft": 0, "submitted": 1, "returned": 0, "verified": 0, "locked": 0},
        "jumlah_sub_kegiatan": 1, "catatan_terbuka": 0, "tanda_bahaya_terbuka": 0, "menunggu_opd": 0,
        "menunggu_tapd": 1, "menunggu": "tapd", "belanja": "1850000.00", "pagu": "5000000000.00",
        "kemajuan_persen": 0,
    }
    assert body["jumlah"]["jumlah_sub_kegiatan"] == 1
    operator = client_for(world.users["operator"]).get("/api/v1/anggaran/verifikasi/papan/").json()
    assert [r["singkatan"] for r in operator["perangkat_daerah"]] == ["Dinkes"]
    assert client_for().get("/api/v1/anggaran/verifikasi/papan/").status_code == 401
    other = client_for(world.users["tapd_b"]).get("/api/v1/anggaran/verifikasi/papan/",
                                                   {"ta": world.fiscal_year.pk})
    assert other.status_code == 404
    filtered = tapd.get("/api/v1/anggaran/verifikasi/papan/", {"status": S.DRAFT}).json()
    assert filtered["perangkat_daerah"] == []
