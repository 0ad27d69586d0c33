"""API of the catalogue: public items of published years (filters, detail with history, pinned queries) and the
authenticated proposal endpoints (scope, create, evidence, transitions, one error shape)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terang.accounts.testing import totp_device_for
from terang.api.tests.assertions import assert_error, token_client
from terang.budgeting.choices import ProposalKind, StageStatus
from terang.budgeting.models import PriceItem, PriceProposal, Stage
from terang.budgeting.services.catalogue import ProposalInput, price_proposal_create
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/standar-harga/"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    return make_budget_world()


@pytest.fixture
def api():
    return APIClient()


def client_for(user) -> APIClient:
    if user.memberships.filter(role__in=["pemda_admin", "tapd_verifier", "opd_head"]).exists():
        totp_device_for(user)  # roles with mandatory 2FA get tokens only with a device
    return token_client(Token.objects.get_or_create(user=user)[0].key)


def kodes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["kode"] for row in response.json()["results"]]


# --- public items ----------------------------------------------------------------------------------------------------


def test_public_list_shows_published_years_only(api, world):
    Stage.objects.filter(fiscal_year=world.other_fiscal_year).update(status=StageStatus.PLANNED)
    body = api.get(BASE).json()
    assert body["count"] == 7
    assert {row["pemda"] for row in body["results"]} == {world.pemda.kode}
    bata = next(r for r in body["results"] if r["nama"] == "Bata Merah")
    assert bata == {
        "id": world.items["Bata Merah"].pk, "tahun": 2026, "pemda": world.pemda.kode, "jenis": "ssh",
        "kode": "1.1.12.01.01.0001.17124", "kode_kelompok": "", "nama_kelompok": "", "nama": "Bata Merah",
        "spesifikasi": "", "satuan": "Buah", "harga": "1850.00", "zona": "",
        "rekening": [{"kode": "5.1.02.01.01.0001", "nama": "Belanja Bahan-Bahan Bangunan dan Konstruksi"}],
        "id_sipd": "", "berlaku_mulai": None,
        "url": f"http://testserver{BASE}{world.items['Bata Merah'].pk}/",
    }


def test_public_list_hides_years_without_published_stage_and_inactive_items(api, world):
    Stage.objects.filter(fiscal_year=world.fiscal_year).update(status=StageStatus.OPEN)
    PriceItem.objects.filter(fiscal_year=world.other_fiscal_year, nama="UPS 1.200 VA").update(is_active=False)
    body = api.get(BASE).json()
    assert body["count"] == 6
    assert {row["pemda"] for row in body["results"]} == {world.other_pemda.kode}
    assert api.get(f"{BASE}{world.items['Bata Merah'].pk}/").status_code == 404


def test_public_filters(api, world):
    params = {"pemda": world.pemda.kode, "tahun": 2026}
    assert kodes(api.get(BASE, {**params, "jenis": "sbu"})) == ["4.01.01.0001"]
    assert kodes(api.get(BASE, {**params, "rekening": "5.2.02.05.02.0006"})) == ["1.3.2.05.02.06.003"]
    assert kodes(api.get(BASE, {**params, "rekening": "5.1.02.01.001.00001"})) == [
        "1.1.12.01.01.0001.17115", "1.1.12.01.01.0001.17124"]
    assert kodes(api.get(BASE, {**params, "q": "kertas"})) == ["1.1.12.01.03.0001.07001", "1.1.12.01.03.0004.00012"]
    assert kodes(api.get(BASE, {**params, "tahun": 2025})) == []
    assert_error(api.get(BASE, {"jenis": "xyz"}), 400, "invalid")


def test_public_list_query_count_is_pinned(api, world, django_assert_num_queries):
    with django_assert_num_queries(3):  # count, page (year and pemda joined), accounts
        response = api.get(BASE)
    assert response.json()["count"] == 14


def test_public_detail_with_history(api, world):
    from terang.budgeting.models import PriceChange

    item = world.items["UPS 1.200 VA"]
    PriceChange.objects.create(item=item, pemda=world.pemda, old_harga=Decimal("3000000"),
                               new_harga=Decimal("3500000"), effective_from="2026-01-02", applied=True)
    PriceChange.objects.create(item=item, pemda=world.pemda, old_harga=Decimal("3500000"),
                               new_harga=Decimal("9000000"), effective_from="2026-12-01", applied=False)
    body = api.get(f"{BASE}{item.pk}/").json()
    assert body["harga"] == "3500000.00"
    assert body["riwayat_harga"] == [{"berlaku_mulai": "2026-01-02", "harga_lama": "3000000.00",
                                      "harga_baru": "3500000.00", "rekening_ditambahkan": [], "usulan": None}]
    assert_error(api.get(f"{BASE}999999/"), 404, "not_found")
    assert_error(api.post(BASE, {}), 405, "method_not_allowed")


# --- proposals -------------------------------------------------------------------------------------------------------


def test_proposals_need_authentication(api, world):
    assert_error(api.get(f"{BASE}usulan/"), 401, "not_authenticated")
    assert_error(api.post(f"{BASE}usulan/", {}, format="json"), 401, "not_authenticated")


def test_proposal_list_scoped(world):
    mine = price_proposal_create(
        actor=world.users["operator"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
        data=ProposalInput(kind=ProposalKind.NEW_ITEM, nama="Map", alasan="x"))
    theirs = price_proposal_create(
        actor=world.users["operator_dispendik"], fiscal_year=world.fiscal_year, organisation=world.orgs["dispendik"],
        data=ProposalInput(kind=ProposalKind.NEW_ITEM, nama="Kapur", alasan="y"))
    for role, expected in (("operator", [mine.pk]), ("operator_dispendik", [theirs.pk]),
                           ("tapd", [theirs.pk, mine.pk]), ("operator_b", [])):
        body = client_for(world.users[role]).get(f"{BASE}usulan/").json()
        assert [r["id"] for r in body["results"]] == expected, role
    assert_error(client_for(world.users["operator_b"]).get(f"{BASE}usulan/{mine.pk}/"), 404, "not_found")


def test_proposal_list_query_count_is_pinned(world, django_assert_num_queries):
    for i in range(4):
        price_proposal_create(
            actor=world.users["operator"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
            data=ProposalInput(kind=ProposalKind.NEW_ITEM, nama=f"Barang {i}", alasan="x"))
    client = client_for(world.users["operator"])
    # token+user, memberships, count, page, accounts, evidence
    with django_assert_num_queries(6):
        response = client.get(f"{BASE}usulan/")
    assert response.json()["count"] == 4


def test_full_flow_through_the_api(world):
    operator, admin, tapd = (client_for(world.users[r]) for r in ("operator", "admin", "tapd"))
    item = world.items["Nasi Kotak Rapat"]
    response = operator.post(f"{BASE}usulan/", {
        "tahun": 2026, "perangkat_daerah": world.orgs["dinkes"].pk, "jenis": "new_price", "komponen": item.pk,
        "harga": "42500", "alasan": "Survei katering"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert (body["status"], body["harga"], body["komponen"]["kode"], body["versi"]) == (
        "draft", "42500.00", "4.01.01.0001", 1)

    error = assert_error(operator.post(f"{BASE}usulan/{pk}/transisi/", {"to_status": "submitted"}, format="json"),
                         400, "proposal_incomplete")
    assert "bukti" in error["message"]

    response = operator.post(f"{BASE}usulan/{pk}/bukti/", {
        "file": SimpleUploadedFile("survei.pdf", PDF), "keterangan": "Survei"}, format="multipart")
    assert response.status_code == 201, response.content
    assert [b["keterangan"] for b in response.json()["bukti"]] == ["Survei"]
    assert_error(operator.post(f"{BASE}usulan/{pk}/bukti/", {"file": SimpleUploadedFile("x.pdf", b"MZ" + b"0" * 9)},
                               format="multipart"), 400, "file_type_not_allowed")

    assert operator.post(f"{BASE}usulan/{pk}/transisi/", {"to_status": "submitted", "version": 1},
                         format="json").json()["status"] == "submitted"
    assert_error(tapd.post(f"{BASE}usulan/{pk}/transisi/", {"to_status": "admin_approved"}, format="json"),
                 403, "permission_denied")
    assert_error(admin.post(f"{BASE}usulan/{pk}/transisi/", {"to_status": "rejected"}, format="json"),
                 400, "reason_required")
    assert_error(admin.post(f"{BASE}usulan/{pk}/transisi/", {"to_status": "admin_approved", "version": 1},
                            format="json"), 409, "conflict")
    assert admin.post(f"{BASE}usulan/{pk}/transisi/", {"to_status": "admin_approved", "reason": "ok"},
                      format="json").json()["catatan_admin"] == "ok"
    body = tapd.post(f"{BASE}usulan/{pk}/transisi/", {"to_status": "approved"}, format="json").json()
    assert body["status"] == "approved" and body["diterapkan"] is not None
    item.refresh_from_db()
    assert item.harga == Decimal("42500.00")


def test_create_refused_out_of_scope_and_nothing_saved(world):
    item = world.items["Bata Merah"]
    payload = {"tahun": 2026, "perangkat_daerah": world.orgs["dinkes"].pk, "jenis": "new_price",
               "komponen": item.pk, "harga": "2000", "alasan": "x"}
    assert_error(client_for(world.users["operator_dispendik"]).post(f"{BASE}usulan/", payload, format="json"),
                 403, "permission_denied")
    assert_error(client_for(world.users["operator_b"]).post(f"{BASE}usulan/", payload, format="json"),
                 404, "not_found")
    assert_error(client_for(world.users["operator"]).post(f"{BASE}usulan/", {**payload, "jenis": "x"},
                                                          format="json"), 400, "invalid")
    assert_error(client_for(world.users["operator"]).post(f"{BASE}usulan/", {**payload, "komponen": 999999},
                                                          format="json"), 404, "not_found")
    assert not PriceProposal.objects.exists()
