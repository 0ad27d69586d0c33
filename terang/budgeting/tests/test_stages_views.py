"""Stage pages (staff and public): permission matrix, actions through the pages, reopenings shown publicly,
query counts of list pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from terang.accounts.choices import Role
from terang.accounts.testing import force_login_verified
from terang.budgeting.choices import StageKind, StageStatus
from terang.budgeting.models import FiscalYear, Stage, StageLine, StageReopening
from terang.budgeting.services import stages as svc
from terang.reference.models import RegulationVersion
from terang.testing.budget import make_budget_world
from terang.testing.factories import make_user

from .test_stages_helpers import add_line, at, force_status

pytestmark = pytest.mark.django_db

REASON = "Dispendik terlambat karena data BOS sekolah baru diterima."


@pytest.fixture
def world():
    return make_budget_world()


def _login(client, user):
    force_login_verified(client, user)
    return client


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


# --- permission matrix ----------------------------------------------------------------------------------------


def _staff_urls(world):
    return [
        reverse("budgeting:stage_fiscal_years"),
        reverse("budgeting:stage_fiscal_year", args=[world.fiscal_year.pk]),
        reverse("budgeting:stage_detail", args=[world.rka.pk]),
        reverse("budgeting:stage_reopenings"),
    ]


def test_anonymous_is_sent_to_login(client, world):
    for url in _staff_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and "/akun/" in response["Location"], url


def test_wrong_pemda_sees_404(client, world):
    _login(client, world.users["tapd_b"])
    for url in _staff_urls(world)[1:3]:
        assert client.get(url).status_code == 404, url
    response = client.get(reverse("budgeting:stage_fiscal_years"))
    assert list(response.context["years"]) == [world.other_fiscal_year]


@pytest.mark.parametrize("who", ["operator", "tapd", "bpkad", "auditor", "dprd"])
def test_roles_of_the_pemda_see_the_stage_pages(client, world, who):
    _login(client, world.users[who])
    for url in _staff_urls(world):
        assert client.get(url).status_code == 200, url


def test_user_without_role_sees_nothing(client, world):
    from terang.testing.factories import UserFactory

    _login(client, UserFactory())
    assert client.get(reverse("budgeting:stage_detail", args=[world.rka.pk])).status_code == 404
    assert list(client.get(reverse("budgeting:stage_fiscal_years")).context["years"]) == []


# --- actions through the pages ------------------------------------------------------------------------------------


def test_bpkad_creates_a_fiscal_year_from_the_page(client, world):
    version = RegulationVersion.objects.get()
    _login(client, world.users["bpkad"])
    response = client.post(reverse("budgeting:stage_fiscal_years"), {
        "pemda": world.pemda.pk, "tahun": 2027, "program_version": version.pk, "account_version": version.pk})
    fy = FiscalYear.objects.get(pemda=world.pemda, tahun=2027)
    assert response.status_code == 302 and response["Location"] == reverse("budgeting:stage_fiscal_year",
                                                                           args=[fy.pk])
    assert fy.stages.count() == 4


def test_operator_cannot_post_a_fiscal_year(client, world):
    version = RegulationVersion.objects.get()
    _login(client, world.users["operator"])
    response = client.post(reverse("budgeting:stage_fiscal_years"), {
        "pemda": world.pemda.pk, "tahun": 2027, "program_version": version.pk, "account_version": version.pk})
    assert response.status_code == 403
    assert not FiscalYear.objects.filter(tahun=2027).exists()


def test_close_needs_confirmation_then_freezes(client, world):
    add_line(world)
    _login(client, world.users["bpkad"])
    url = reverse("budgeting:stage_close", args=[world.rka.pk])
    response = client.post(url, {"version": world.rka.version})
    assert response.status_code == 400 and "konfirmasi" in response.content.decode()
    assert Stage.objects.get(pk=world.rka.pk).status == StageStatus.OPEN
    response = client.post(url, {"version": world.rka.version, "confirm": "on"})
    assert response.status_code == 302
    assert Stage.objects.get(pk=world.rka.pk).status == StageStatus.CLOSED
    assert StageLine.objects.filter(stage=world.rka).count() == 1
    page = client.get(reverse("budgeting:stage_detail", args=[world.rka.pk]) + "?periksa=1")
    assert "Isi tahapan sama dengan saat dibekukan." in page.content.decode()


def test_stale_version_is_refused_on_the_page(client, world):
    _login(client, world.users["bpkad"])
    response = client.post(reverse("budgeting:stage_close", args=[world.rka.pk]),
                           {"version": world.rka.version - 1 + 5, "confirm": "on"})
    assert response.status_code == 409
    assert Stage.objects.get(pk=world.rka.pk).status == StageStatus.OPEN


@pytest.mark.parametrize("who", ["operator", "tapd", "admin", "sekda"])
def test_stage_actions_refused_to_other_roles(client, world, who):
    _login(client, world.users[who])
    before = Stage.objects.filter(pk=world.rka.pk).values().get()
    for name in ("stage_close", "stage_publish"):
        response = client.post(reverse(f"budgeting:{name}", args=[world.rka.pk]),
                               {"version": world.rka.version, "confirm": "on"})
        assert response.status_code in (400, 403), name
    response = client.post(reverse("budgeting:stage_open", args=[world.rka.pk]),
                           {"opens_at": _local(at(0)), "closes_at": _local(at(3))})
    assert response.status_code in (400, 403)
    assert Stage.objects.filter(pk=world.rka.pk).values().get() == before
    assert not StageLine.objects.exists()


def test_open_through_the_page(client, world):
    _login(client, world.users["bpkad"])
    svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    rapbd = Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.RAPBD, sequence=3,
                                 nama="Rancangan APBD")
    response = client.post(reverse("budgeting:stage_open", args=[rapbd.pk]),
                           {"opens_at": _local(at(-0.1)), "closes_at": _local(at(4)), "version": rapbd.version})
    assert response.status_code == 302
    rapbd.refresh_from_db()
    assert rapbd.status == StageStatus.OPEN and rapbd.window_is_open()


def test_reopen_through_the_page_and_shown_publicly(client, world):
    force_status(world.rka, StageStatus.OPEN, closes_at=at(-0.1))
    admin = world.users["admin"]
    _login(client, admin)
    url = reverse("budgeting:stage_reopen", args=[world.rka.pk])
    response = client.post(url, {"until": _local(at(1)), "reason": "terlambat",
                                 "organisation": world.orgs["dispendik"].pk})
    assert response.status_code == 400 and not StageReopening.objects.exists()
    response = client.post(url, {"until": _local(at(1)), "reason": REASON,
                                 "organisation": world.orgs["dispendik"].pk})
    assert response.status_code == 302
    reopening = StageReopening.objects.get()
    assert reopening.organisation == world.orgs["dispendik"]
    client.logout()
    public = client.get(reverse("apbd:tahapan_list", args=[2026]))
    text = public.content.decode()
    assert public.status_code == 200 and REASON in text and "Dinas Pendidikan" in text
    detail = client.get(reverse("apbd:tahapan_detail", args=[2026, world.rka.pk]))
    assert REASON in detail.content.decode()


def test_add_stage_through_the_page(client, world):
    _login(client, world.users["bpkad"])
    response = client.post(reverse("budgeting:stage_fiscal_year", args=[world.fiscal_year.pk]),
                           {"kind": StageKind.RAPBD, "nama": ""})
    assert response.status_code == 302
    assert Stage.objects.get(fiscal_year=world.fiscal_year, kind=StageKind.RAPBD).sequence == 3
    response = client.post(reverse("budgeting:stage_fiscal_year", args=[world.fiscal_year.pk]),
                           {"kind": StageKind.PERGESERAN})
    assert response.status_code == 400 and "APBD murni" in response.content.decode()


def test_tapd_cannot_add_a_stage(client, world):
    _login(client, world.users["tapd"])
    response = client.post(reverse("budgeting:stage_fiscal_year", args=[world.fiscal_year.pk]),
                           {"kind": StageKind.RAPBD})
    assert response.status_code == 403
    assert world.fiscal_year.stages.count() == 2


# --- public pages ------------------------------------------------------------------------------------------------


def test_public_stage_list_shows_status_and_digest_of_published_stages_only(client, world):
    add_line(world)
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    digest = svc.stage_digest(stage).digest
    text = client.get(reverse("apbd:tahapan_list", args=[2026])).content.decode()
    assert "RKA-SKPD" in text and digest not in text  # frozen but not published: no content yet
    svc.stage_publish(actor=world.users["bpkad"], stage=stage)
    text = client.get(reverse("apbd:tahapan_list", args=[2026])).content.decode()
    assert digest in text
    assert client.get(reverse("apbd:tahapan_list", args=[2031])).status_code == 404


def test_public_stage_list_query_count_is_fixed(client, world):
    for extra in range(3):
        Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.PERGESERAN,
                             number=extra + 1, sequence=3 + extra, nama=f"Pergeseran {extra + 1}")
    StageReopening.objects.create(stage=world.rka, pemda=world.pemda, reason=REASON,
                                  reopened_by=world.users["bpkad"], until=at(1))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("apbd:tahapan_list", args=[2026]))
    assert response.status_code == 200
    assert len(ctx.captured_queries) == 4  # fiscal years, stages, frozen digests, reopenings


def test_fiscal_year_page_query_count_is_fixed(client, world):
    user = world.users["bpkad"]
    _login(client, user)
    client.get(reverse("budgeting:stage_fiscal_year", args=[world.fiscal_year.pk]))  # warm the session
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("budgeting:stage_fiscal_year", args=[world.fiscal_year.pk]))
    for extra in range(4):
        Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.PERGESERAN,
                             number=extra + 1, sequence=3 + extra, nama=f"Pergeseran {extra + 1}",
                             status=StageStatus.PLANNED)
        StageReopening.objects.create(stage=world.rka, pemda=world.pemda, reason=REASON, reopened_by=user,
                                      until=at(1))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("budgeting:stage_fiscal_year", args=[world.fiscal_year.pk]))
    assert len(second.captured_queries) == len(first.captured_queries)


def test_public_stage_detail_of_another_year_is_404(client, world):
    assert client.get(reverse("apbd:tahapan_detail", args=[2027, world.rka.pk])).status_code == 404
    assert client.get(reverse("apbd:tahapan_detail", args=[2026, world.rka.pk])).status_code == 200


def test_other_pemda_bpkad_cannot_act(client, world):
    other = make_user(Role.BPKAD_OFFICER, pemda=world.other_pemda, username="bpkad.b")
    _login(client, other)
    response = client.post(reverse("budgeting:stage_close", args=[world.rka.pk]),
                           {"version": world.rka.version, "confirm": "on"})
    assert response.status_code == 404
    assert Stage.objects.get(pk=world.rka.pk).status == StageStatus.OPEN
