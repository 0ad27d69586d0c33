"""Staff pages of the catalogue: permission matrix, scope, search-as-you-type, import (dry run → confirm),
proposal pages and buttons, JSON search endpoint; pinned query counts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from terang.accounts.choices import Role
from terang.accounts.testing import force_login_verified as login
from terang.audit.events import EventType
from terang.audit.models import DomainEvent
from terang.budgeting.choices import CatalogueKind, ProposalKind
from terang.budgeting.models import FiscalYear, PriceItem, PriceProposal, PriceProposalEvidence
from terang.budgeting.services.catalogue import ProposalInput, price_proposal_create, price_proposal_transition
from terang.testing.budget import make_budget_world
from terang.testing.factories import UserFactory, make_user

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "ssh_kota_malang_2026_sample.csv"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    return make_budget_world()


@pytest.fixture
def proposal(world):
    return price_proposal_create(
        actor=world.users["operator"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
        data=ProposalInput(kind=ProposalKind.NEW_PRICE, item=world.items["Refill Ballpoint"], harga="25000",
                           alasan="Survei"),
        evidence=[SimpleUploadedFile("survei.pdf", PDF)])


def codes(response) -> list[str]:
    return [item.kode for item in response.context["page"]]


URLS = [
    ("budgeting:catalogue_list", []), ("budgeting:catalogue_import", []), ("budgeting:proposal_list", []),
    ("budgeting:proposal_create", []), ("budgeting:catalogue_item_detail", [1]),
    ("budgeting:proposal_detail", [1]), ("budgeting:proposal_edit", [1]),
]


@pytest.mark.parametrize(("name", "args"), URLS)
def test_anonymous_is_sent_to_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_user_without_role(client, world, proposal):
    login(client, UserFactory(username="tanpaperan"))
    assert client.get(reverse("budgeting:catalogue_list")).status_code == 403
    assert client.get(reverse("budgeting:catalogue_import")).status_code == 403
    assert client.get(reverse("budgeting:proposal_create")).status_code == 403
    item = world.items["Bata Merah"]
    assert client.get(reverse("budgeting:catalogue_item_detail", args=[item.pk])).status_code == 404
    assert client.get(reverse("budgeting:proposal_detail", args=[proposal.pk])).status_code == 404
    assert list(client.get(reverse("budgeting:proposal_list")).context["page"]) == []
    assert client.get(reverse("budgeting:catalogue_search"), {"q": "bata"}).status_code == 404


# --- catalogue list ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "head", "tapd", "bpkad", "bappeda", "admin", "auditor", "sekda", "dprd"])
def test_every_budgeting_role_reads_its_catalogue(client, world, role):
    login(client, world.users[role])
    response = client.get(reverse("budgeting:catalogue_list"))
    assert response.status_code == 200
    assert response.context["fiscal_year"] == world.fiscal_year
    assert len(codes(response)) == 7


def test_other_pemda_sees_its_own_year_and_not_ours(client, world):
    login(client, world.users["operator_b"])
    response = client.get(reverse("budgeting:catalogue_list"))
    assert response.context["fiscal_year"] == world.other_fiscal_year
    assert client.get(reverse("budgeting:catalogue_list"), {"ta": world.fiscal_year.pk}).status_code == 404
    ours = world.items["Bata Merah"]
    assert client.get(reverse("budgeting:catalogue_item_detail", args=[ours.pk])).status_code == 404


def test_search_filters_and_htmx_partial(client, world):
    login(client, world.users["operator"])
    url = reverse("budgeting:catalogue_list")
    assert codes(client.get(url, {"q": "bata"})) == ["1.1.12.01.01.0001.17124"]
    assert codes(client.get(url, {"q": "1.1.12.01.03"})) == ["1.1.12.01.03.0001.07001", "1.1.12.01.03.0001.07533",
                                                            "1.1.12.01.03.0004.00012"]
    assert codes(client.get(url, {"jenis": "sbu"})) == ["4.01.01.0001"]
    assert codes(client.get(url, {"rekening": "5.2.02.05.02.006"})) == ["1.3.2.05.02.06.003"]  # 2019 width
    assert codes(client.get(url, {"rekening": "5.1.02.01.001.00052"})) == ["4.01.01.0001"]  # 2026 width
    assert codes(client.get(url, {"rekening": "5.2"})) == ["1.3.2.05.02.06.003"]  # prefix
    assert codes(client.get(url, {"rekening": "abc"})) == []
    partial = client.get(url, {"q": "kertas"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    html = partial.content.decode()
    assert "<html" not in html and "Lem Kertas Cair" in html and "Kertas HVS 70 gr A4" in html
    assert "Rp 9.800" in html


def test_catalogue_list_query_count_is_pinned(client, world, django_assert_num_queries):
    fy = world.fiscal_year
    PriceItem.objects.bulk_create([
        PriceItem(fiscal_year=fy, pemda=world.pemda, kind=CatalogueKind.SSH, kode=f"9.9.{i:04d}", nama=f"Barang {i}",
                  satuan="Buah", harga=Decimal(1000 + i)) for i in range(80)])
    login(client, world.users["tapd"])
    url = reverse("budgeting:catalogue_list")
    # session, user, OTP device, memberships, fiscal years, count, page, accounts (prefetch); TAPD proposes
    # nothing, so "may propose" needs no query
    with django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["page"]) == 50
    with django_assert_num_queries(8):
        client.get(url, {"halaman": 2, "q": "barang"})
    login(client, world.users["operator"])
    with django_assert_num_queries(9):  # + may the operator's agency propose
        client.get(url, {"q": "barang"})


def test_item_detail_shows_history_and_proposal_buttons(client, world, proposal):
    item = world.items["Refill Ballpoint"]
    login(client, world.users["operator"])
    response = client.get(reverse("budgeting:catalogue_item_detail", args=[item.pk]))
    assert response.status_code == 200
    assert response.context["can_propose"] is True
    assert [p.pk for p in response.context["proposals"]] == [proposal.pk]
    assert "Rp 23.550" in response.content.decode()
    login(client, world.users["tapd"])
    assert client.get(reverse("budgeting:catalogue_item_detail", args=[item.pk])).context["can_propose"] is False


# --- JSON search -----------------------------------------------------------------------------------------------------


def test_json_search_filters_by_account_and_limits(client, world, django_assert_num_queries):
    fy = world.fiscal_year
    through = PriceItem.allowed_accounts.through
    extra = PriceItem.objects.bulk_create([
        PriceItem(fiscal_year=fy, pemda=world.pemda, kind=CatalogueKind.SSH, kode=f"1.1.12.01.03.0009.{i:05d}",
                  nama=f"Kertas Warna {i:02d}", satuan="Rim", harga=Decimal(50000)) for i in range(30)])
    atk = world.accounts["5.1.02.01.01.0024"]
    through.objects.bulk_create([through(priceitem_id=item.pk, account_id=atk.pk) for item in extra])
    login(client, world.users["operator"])
    url = reverse("budgeting:catalogue_search")

    # session, user, OTP device, memberships, fiscal year, items, accounts
    with django_assert_num_queries(7):
        response = client.get(url, {"q": "kertas", "rekening": "5.1.02.01.001.00024", "tahun": 2026})
    body = response.json()
    assert (body["tahun"], body["pemda"]) == (2026, world.pemda.kode)
    assert len(body["results"]) == 20
    assert body["results"][0]["nama"] == "Kertas HVS 70 gr A4"
    assert body["results"][1] == {
        "id": extra[0].pk, "kode": "1.1.12.01.03.0009.00000", "nama": "Kertas Warna 00", "spesifikasi": "",
        "satuan": "Rim", "harga": "50000.00", "jenis": "ssh", "rekening": ["5.1.02.01.01.0024"]}

    body = client.get(url, {"q": "lem", "rekening": "5.1.02.01.01.0024"}).json()
    assert [r["nama"] for r in body["results"]] == ["Lem Kertas Cair"]
    body = client.get(url, {"q": "lem", "rekening": "5.1.02.01.01.0001"}).json()
    assert body["results"] == []  # glue is not allowed under the construction account
    body = client.get(url, {"q": "ups"}).json()
    assert body["results"][0]["harga"] == "3500000.00"
    body = client.get(url, {"q": "1.1.12.01.01"}).json()
    assert [r["nama"] for r in body["results"]] == ["Alluminium Strip", "Bata Merah"]
    # names starting with the query come first
    PriceItem.objects.create(fiscal_year=fy, pemda=world.pemda, kind="ssh", kode="Z.1", nama="Kaleng Lem",
                             satuan="Buah", harga=1)
    assert [r["nama"] for r in client.get(url, {"q": "lem"}).json()["results"]] == ["Lem Kertas Cair", "Kaleng Lem"]
    assert client.get(url, {"tahun": 2031}).status_code == 404


def test_json_search_scoped_and_needs_login(client, world):
    url = reverse("budgeting:catalogue_search")
    response = client.get(url, {"q": "bata"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    login(client, world.users["operator_b"])
    body = client.get(url, {"q": "bata"}).json()
    assert body["pemda"] == world.other_pemda.kode
    assert [r["id"] for r in body["results"]] != [world.items["Bata Merah"].pk]
    assert client.get(url, {"q": "bata", "pemda": world.pemda.kode}).status_code == 404


def test_json_search_hides_inactive_items(client, world):
    item = world.items["Bata Merah"]
    PriceItem.objects.filter(pk=item.pk).update(is_active=False)
    login(client, world.users["operator"])
    assert client.get(reverse("budgeting:catalogue_search"), {"q": "bata"}).json()["results"] == []


# --- import page -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("operator", 403), ("tapd", 403), ("auditor", 403), ("admin", 200),
                                               ("bpkad", 200), ("operator_b", 403)])
def test_import_page_permission(client, world, role, status):
    login(client, world.users[role])
    assert client.get(reverse("budgeting:catalogue_import")).status_code == status


def test_import_dry_run_then_confirm(client, world):
    fy = FiscalYear.objects.create(pemda=world.pemda, tahun=2027, program_version=world.fiscal_year.program_version,
                                   account_version=world.fiscal_year.account_version)
    login(client, world.users["bpkad"])
    url = reverse("budgeting:catalogue_import")
    response = client.post(url, {"fiscal_year": fy.pk, "jenis": "ssh",
                                 "file": SimpleUploadedFile("ssh.csv", SAMPLE.read_bytes())})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok and report.dry_run and report.created == 32
    token = response.context["token"]
    assert token and not PriceItem.objects.filter(fiscal_year=fy).exists()
    assert "Aspal Buton" in response.content.decode()

    response = client.post(url, {"token": token})
    assert response.status_code == 302 and response["Location"].endswith(f"?ta={fy.pk}")
    assert PriceItem.objects.filter(fiscal_year=fy).count() == 32
    assert DomainEvent.objects.get(event_type=EventType.CATALOGUE_IMPORTED).actor_username == "bpkad"
    # the token is single use
    assert client.post(url, {"token": token}).status_code == 302
    assert DomainEvent.objects.filter(event_type=EventType.CATALOGUE_IMPORTED).count() == 1


def test_import_page_shows_row_errors_and_saves_nothing(client, world):
    login(client, world.users["admin"])
    content = SAMPLE.read_bytes().replace(b",1850,", b",seribu,")
    response = client.post(reverse("budgeting:catalogue_import"), {
        "fiscal_year": world.fiscal_year.pk, "jenis": "ssh", "file": SimpleUploadedFile("ssh.csv", content)})
    assert response.status_code == 200
    assert response.context["token"] == ""
    assert [str(e) for e in response.context["report"].errors] == [
        "Baris 12, kolom harga_satuan: 'seribu' bukan angka."]
    assert "import-errors" in response.content.decode()
    assert PriceItem.objects.filter(fiscal_year=world.fiscal_year).count() == 7


def test_import_page_refuses_other_pemda_year(client, world):
    login(client, world.users["admin"])
    response = client.post(reverse("budgeting:catalogue_import"), {
        "fiscal_year": world.other_fiscal_year.pk, "jenis": "ssh", "file": SimpleUploadedFile("a.csv", b"x")})
    assert response.status_code == 200 and "fiscal_year" in response.context["form"].errors
    assert response.context["report"] is None


# --- proposals -------------------------------------------------------------------------------------------------------


def test_proposal_list_is_scoped(client, world, proposal):
    other = price_proposal_create(
        actor=world.users["operator_dispendik"], fiscal_year=world.fiscal_year, organisation=world.orgs["dispendik"],
        data=ProposalInput(kind=ProposalKind.NEW_ACCOUNT, item=world.items["Bata Merah"],
                           accounts=["5.1.02.01.01.0024"], alasan="x"))
    url = reverse("budgeting:proposal_list")
    expected = {"operator": [proposal.pk], "operator_dispendik": [other.pk], "admin": [other.pk, proposal.pk],
                "tapd": [other.pk, proposal.pk], "auditor": [other.pk, proposal.pk], "operator_b": [],
                "tapd_b": []}
    for role, pks in expected.items():
        login(client, world.users[role])
        assert [p.pk for p in client.get(url).context["page"]] == pks, role


def test_proposal_list_query_count_is_pinned(client, world, proposal, django_assert_num_queries):
    for _ in range(5):
        price_proposal_create(
            actor=world.users["operator"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
            data=ProposalInput(kind=ProposalKind.NEW_ITEM, nama="Barang", alasan="x"))
    login(client, world.users["admin"])
    # session, user, OTP device, memberships, count, page (organisation, item, year, author joined); the
    # administrator proposes nothing, so "may create" needs no query
    with django_assert_num_queries(6):
        response = client.get(reverse("budgeting:proposal_list"))
    assert len(response.context["page"]) == 6
    login(client, world.users["operator"])
    with django_assert_num_queries(7):
        assert len(client.get(reverse("budgeting:proposal_list")).context["page"]) == 6


@pytest.mark.parametrize(("role", "status"), [("operator", 200), ("head", 200), ("admin", 200), ("tapd", 200),
                                               ("operator_dispendik", 404), ("operator_b", 404), ("tapd_b", 404)])
def test_proposal_detail_matrix(client, world, proposal, role, status):
    login(client, world.users[role])
    assert client.get(reverse("budgeting:proposal_detail", args=[proposal.pk])).status_code == status


def test_proposal_buttons_follow_roles_and_page_transitions(client, world, proposal):
    url = reverse("budgeting:proposal_detail", args=[proposal.pk])
    login(client, world.users["operator"])
    assert [o.to_status for o in client.get(url).context["options"]] == ["submitted"]
    login(client, world.users["tapd"])
    assert client.get(url).context["options"] == []

    login(client, world.users["operator"])
    response = client.post(reverse("budgeting:proposal_transition", args=[proposal.pk]),
                           {"to_status": "submitted", "version": 1})
    assert response.status_code == 302
    login(client, world.users["admin"])
    assert [o.to_status for o in client.get(url).context["options"]] == ["admin_approved", "rejected"]
    response = client.post(reverse("budgeting:proposal_transition", args=[proposal.pk]),
                           {"to_status": "rejected", "reason": "", "version": 2})
    assert response.status_code == 400 and "Alasan wajib diisi." in response.content.decode()
    response = client.post(reverse("budgeting:proposal_transition", args=[proposal.pk]),
                           {"to_status": "admin_approved", "version": 2})
    assert response.status_code == 302
    login(client, world.users["tapd"])
    client.post(reverse("budgeting:proposal_transition", args=[proposal.pk]),
                {"to_status": "approved", "reason": "ok", "version": 3})
    proposal.refresh_from_db()
    assert proposal.status == "approved"
    assert PriceItem.objects.get(pk=world.items["Refill Ballpoint"].pk).harga == Decimal("25000.00")


def test_wrong_scope_cannot_transition_through_page(client, world, proposal):
    login(client, world.users["operator_dispendik"])
    response = client.post(reverse("budgeting:proposal_transition", args=[proposal.pk]), {"to_status": "submitted"})
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "draft"


def test_proposal_create_page_with_evidence(client, world):
    login(client, world.users["operator"])
    item = world.items["Bata Merah"]
    url = reverse("budgeting:proposal_create")
    response = client.get(url, {"item": item.pk, "jenis": "new_price"})
    assert response.status_code == 200
    assert response.context["form"].initial["item_kode"] == item.kode
    response = client.post(url, {
        "fiscal_year": world.fiscal_year.pk, "organisation": world.orgs["dinkes"].pk, "kind": "new_price",
        "item_kode": item.kode, "item_zona": "", "harga": "2.000", "alasan": "Survei toko bangunan",
        "bukti": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n0000")],
    })
    assert response.status_code == 302
    created = PriceProposal.objects.get()
    assert (created.item, created.harga, created.created_by) == (item, Decimal("2000.00"), world.users["operator"])
    assert created.evidence.count() == 2

    response = client.post(url, {
        "fiscal_year": world.fiscal_year.pk, "organisation": world.orgs["dinkes"].pk, "kind": "new_price",
        "item_kode": "TIDAK.ADA", "harga": "2000", "alasan": "x"})
    assert response.status_code == 200 and "item_kode" in response.context["form"].errors
    response = client.post(url, {
        "fiscal_year": world.fiscal_year.pk, "organisation": world.orgs["dispendik"].pk, "kind": "new_price",
        "item_kode": item.kode, "harga": "2000", "alasan": "x"})
    assert response.status_code == 200 and "organisation" in response.context["form"].errors
    assert PriceProposal.objects.count() == 1


def test_proposal_create_refused_for_reviewers(client, world):
    login(client, world.users["tapd"])
    assert client.get(reverse("budgeting:proposal_create")).status_code == 403


def test_proposal_edit_and_evidence_pages(client, world, proposal):
    login(client, world.users["operator"])
    edit = reverse("budgeting:proposal_edit", args=[proposal.pk])
    response = client.post(edit, {
        "fiscal_year": world.fiscal_year.pk, "organisation": world.orgs["dinkes"].pk, "kind": "new_price",
        "item_kode": proposal.item.kode, "harga": "24000", "alasan": "Survei ulang", "version": 1})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.harga, proposal.version) == (Decimal("24000.00"), 2)
    response = client.post(edit, {
        "fiscal_year": world.fiscal_year.pk, "organisation": world.orgs["dinkes"].pk, "kind": "new_price",
        "item_kode": proposal.item.kode, "harga": "1", "alasan": "basi", "version": 1})
    assert response.status_code == 409
    proposal.refresh_from_db()
    assert proposal.harga == Decimal("24000.00")

    add = reverse("budgeting:proposal_evidence_add", args=[proposal.pk])
    response = client.post(add, {"file": SimpleUploadedFile("setup.pdf", b"MZ\x90\x00" + b"\x00" * 60)})
    assert response.status_code == 400 and "bukan PDF" in response.content.decode()
    assert proposal.evidence.count() == 1
    response = client.post(add, {"file": SimpleUploadedFile("foto.jpg", b"\xff\xd8\xff\xe0" + b"1" * 40),
                                 "description": "Foto etalase"})
    assert response.status_code == 302
    evidence = PriceProposalEvidence.objects.get(description="Foto etalase")
    download = client.get(reverse("budgeting:proposal_evidence_download", args=[proposal.pk, evidence.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert b"".join(download.streaming_content).startswith(b"\xff\xd8\xff")

    login(client, world.users["operator_dispendik"])
    assert client.get(reverse("budgeting:proposal_evidence_download",
                              args=[proposal.pk, evidence.pk])).status_code == 404
    assert client.post(reverse("budgeting:proposal_evidence_delete",
                               args=[proposal.pk, evidence.pk])).status_code == 404
    assert proposal.evidence.count() == 2
    login(client, world.users["operator"])
    assert client.post(reverse("budgeting:proposal_evidence_delete",
                               args=[proposal.pk, evidence.pk])).status_code == 302
    assert proposal.evidence.count() == 1


def test_admin_of_other_pemda_sees_nothing(client, world, proposal):
    admin_b = make_user(Role.PEMDA_ADMIN, pemda=world.other_pemda, username="admin.b")
    login(client, admin_b)
    assert client.get(reverse("budgeting:proposal_detail", args=[proposal.pk])).status_code == 404
    response = client.post(reverse("budgeting:proposal_transition", args=[proposal.pk]), {"to_status": "submitted"})
    assert response.status_code == 404
    price_proposal_transition(actor=world.users["operator"], proposal=proposal, to_status="submitted")
    response = client.post(reverse("budgeting:proposal_transition", args=[proposal.pk]),
                           {"to_status": "admin_approved"})
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
