"""The verifier's red-flag list (page and API): scope, filters, counts per rule, the htmx dismiss form, the
permission matrix of dismissing, and pinned query counts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from terang.accounts.testing import force_login_verified as login
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import FlagRule, FlagStatus, LineType
from terang.budgeting.models import RedFlag
from terang.budgeting.services.flags import flag_dismiss, flags_refresh
from terang.testing.factories import UserFactory

from .test_flags_support import add_line, module_world

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
REASON = "Harga sesuai kontrak payung e-katalog 2026."
LIST = "/staf/anggaran/verifikasi/tanda-bahaya/"
API = "/api/v1/anggaran/tanda-bahaya/"


def _build(world) -> None:
    dinkes = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    add_line(world, dinkes, item="Refill Ballpoint", vol1=10, harga=30000)  # price (3)
    add_line(world, dinkes, item="Nasi Kotak Rapat", vol1=10, sat1="Kotak")  # not allowed under ATK (3)
    add_line(world, dinkes, line_type=LineType.UNDETAILED, total="7500000")  # placeholder (2)
    disp = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    add_line(world, disp, item="Lem Kertas Cair", vol1=500, sat1="Siswa", vol2=12, sat2="Bulan")  # volume (2)
    other = world.sub_activity("dinkes_b", "1.02.02.2.01.0002")
    add_line(world, other, line_type=LineType.UNDETAILED, total="1000000")
    flags_refresh(fiscal_year=world.fiscal_year)
    flags_refresh(fiscal_year=world.other_fiscal_year)


_world = module_world(_build)


@pytest.fixture
def world(shared_world, db):
    cache.clear()
    return shared_world


def rules(response) -> list[str]:
    return [f.rule for f in response.context["page"]]


def test_anonymous_and_no_role(client, world):
    assert client.get(LIST).status_code == 302
    login(client, UserFactory())
    assert client.get(LIST).status_code == 404


def test_tapd_sees_every_flag_of_the_pemda_most_severe_first(client, world, django_assert_num_queries):
    login(client, world.users["tapd"])
    # session, user, OTP device, memberships, fiscal year, count, page, counts per rule, agencies for the filter
    with django_assert_num_queries(9):
        response = client.get(LIST)
    assert response.status_code == 200
    # severity, then agency code (Dispendik 1.01 before Dinkes 1.02), then rule
    assert rules(response) == [FlagRule.ITEM_NOT_ALLOWED, FlagRule.PRICE_ABOVE_CATALOGUE, FlagRule.VOLUME_OUTLIER,
                               FlagRule.PLACEHOLDER]
    counts = {row["rule"]: (row["open"], row["dismissed"]) for row in response.context["rule_rows"]}
    assert counts[FlagRule.PRICE_ABOVE_CATALOGUE] == (1, 0)
    assert counts[FlagRule.ROUND_TOTAL] == (0, 0)
    html = response.content.decode()
    assert html.count('name="reason"') == 4  # a dismiss form per open flag
    assert "Harga satuan Rp 30.000 melebihi standar harga Rp 23.550 untuk Refill Ballpoint" in html


@pytest.mark.parametrize(("who", "expected"), [
    ("operator", [FlagRule.ITEM_NOT_ALLOWED, FlagRule.PRICE_ABOVE_CATALOGUE, FlagRule.PLACEHOLDER]),
    ("operator_dispendik", [FlagRule.VOLUME_OUTLIER]),
    ("auditor", [FlagRule.ITEM_NOT_ALLOWED, FlagRule.PRICE_ABOVE_CATALOGUE, FlagRule.VOLUME_OUTLIER,
                 FlagRule.PLACEHOLDER]),
])
def test_list_is_scoped(client, world, who, expected):
    login(client, world.users[who])
    response = client.get(LIST)
    assert rules(response) == expected
    assert 'name="reason"' not in response.content.decode()  # only TAPD dismisses


def test_other_pemda_sees_its_own(client, world):
    login(client, world.users["tapd_b"])
    assert rules(client.get(LIST)) == [FlagRule.PLACEHOLDER]
    assert client.get(LIST, {"ta": world.fiscal_year.pk}).status_code == 404


def test_filters(client, world):
    login(client, world.users["tapd"])
    assert rules(client.get(LIST, {"aturan": "placeholder"})) == [FlagRule.PLACEHOLDER]
    assert rules(client.get(LIST, {"opd": world.orgs["dispendik"].pk})) == [FlagRule.VOLUME_OUTLIER]
    assert rules(client.get(LIST, {"tingkat": 3})) == [FlagRule.ITEM_NOT_ALLOWED, FlagRule.PRICE_ABOVE_CATALOGUE]
    assert rules(client.get(LIST, {"status": "dismissed"})) == []
    assert rules(client.get(LIST, {"aturan": "bukan-aturan", "tingkat": "x"})) == rules(client.get(LIST))


def test_htmx_dismiss(client, world):
    target = RedFlag.objects.get(rule=FlagRule.PLACEHOLDER, fiscal_year=world.fiscal_year)
    login(client, world.users["tapd"])
    response = client.post(reverse("budgeting:flag_dismiss", args=[target.pk]), {"reason": "singkat"}, **HTMX)
    assert response.status_code == 422
    assert "minimal 10 karakter" in response.content.decode()
    assert RedFlag.objects.get(pk=target.pk).status == FlagStatus.OPEN
    response = client.post(reverse("budgeting:flag_dismiss", args=[target.pk]), {"reason": REASON}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="flag-{target.pk}"') and 'data-status="dismissed"' in html
    assert REASON in html
    assert RedFlag.objects.get(pk=target.pk).dismissed_reason == REASON
    counts = client.get(LIST).context["rule_rows"]
    assert {r["rule"]: r["dismissed"] for r in counts}[FlagRule.PLACEHOLDER] == 1


@pytest.mark.parametrize(("who", "status"), [("head", 403), ("bpkad", 403), ("operator_dispendik", 404),
                                             ("tapd_b", 404)])
def test_dismiss_refused(client, world, who, status):
    target = RedFlag.objects.get(rule=FlagRule.PLACEHOLDER, fiscal_year=world.fiscal_year)
    before = (ChangeRecord.objects.count(), DomainEvent.objects.count())
    login(client, world.users[who])
    response = client.post(reverse("budgeting:flag_dismiss", args=[target.pk]), {"reason": REASON})
    assert response.status_code == status
    assert RedFlag.objects.get(pk=target.pk).status == FlagStatus.OPEN
    assert (ChangeRecord.objects.count(), DomainEvent.objects.count()) == before


def test_dismiss_without_htmx_redirects_back(client, world):
    target = RedFlag.objects.get(rule=FlagRule.PLACEHOLDER, fiscal_year=world.fiscal_year)
    login(client, world.users["tapd"])
    response = client.post(reverse("budgeting:flag_dismiss", args=[target.pk]),
                           {"reason": REASON, "next": LIST + "?aturan=placeholder"})
    assert (response.status_code, response["Location"]) == (302, LIST + "?aturan=placeholder")
    response = client.post(reverse("budgeting:flag_dismiss", args=[target.pk]),
                           {"reason": REASON, "next": "https://contoh.invalid/"})
    assert response["Location"] == f"{LIST}?ta={world.fiscal_year.pk}"


# --- API -----------------------------------------------------------------------------------------------------------


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_api_list(world, django_assert_num_queries):
    tapd = api(world.users["tapd"])
    tapd.get(API)
    with django_assert_num_queries(3):  # fiscal year, count, page
        response = tapd.get(API, {"tingkat": 3})
    body = response.json()
    assert body["count"] == 2
    first = body["results"][0]
    assert {k: first[k] for k in ("aturan", "aturan_label", "tingkat", "status", "kode_sub_kegiatan",
                                  "alasan_diabaikan", "diabaikan_oleh")} == {
        "aturan": "item_not_allowed", "aturan_label": "Komponen tidak sesuai rekening", "tingkat": 3,
        "status": "open", "kode_sub_kegiatan": "1.02.02.2.01.0002", "alasan_diabaikan": "", "diabaikan_oleh": None}
    assert first["rincian_temuan"] == {"komponen": "4.01.01.0001", "komponen_nama": "Nasi Kotak Rapat",
                                       "rekening": "5.1.02.01.01.0024", "rekening_diizinkan": ["5.1.02.01.01.0052"]}
    assert [r["aturan"] for r in api(world.users["operator_dispendik"]).get(API).json()["results"]] == [
        "volume_outlier"]
    assert api().get(API).status_code == 401
    assert api(world.users["tapd_b"]).get(API, {"ta": world.fiscal_year.pk}).status_code == 404


def test_api_dismiss(world):
    target = RedFlag.objects.get(rule=FlagRule.PRICE_ABOVE_CATALOGUE, fiscal_year=world.fiscal_year)
    url = f"{API}{target.pk}/abaikan/"
    for user, status in ((None, 401), (world.users["head"], 403), (world.users["tapd_b"], 404)):
        assert api(user).post(url, {"reason": REASON}, format="json").status_code == status
    response = api(world.users["tapd"]).post(url, {"reason": "pendek"}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "reason_too_short")
    assert RedFlag.objects.get(pk=target.pk).status == FlagStatus.OPEN
    response = api(world.users["tapd"]).post(url, {"reason": REASON}, format="json")
    assert (response.status_code, response.json()["status"], response.json()["alasan_diabaikan"],
            response.json()["diabaikan_oleh"]) == (200, "dismissed", REASON, "tapd")
    response = api(world.users["tapd"]).post(url, {"reason": REASON}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "transition_not_allowed")


def test_dismissed_flags_keep_their_reason_in_the_list(world):
    target = RedFlag.objects.get(rule=FlagRule.VOLUME_OUTLIER, fiscal_year=world.fiscal_year)
    flag_dismiss(actor=world.users["tapd"], flag=target, reason=REASON)
    body = api(world.users["auditor"]).get(API, {"status": "dismissed"}).json()
    assert [(r["id"], r["alasan_diabaikan"]) for r in body["results"]] == [(target.pk, REASON)]


def test_tapd_reruns_the_checks_from_the_list(client, world):
    url = reverse("budgeting:flag_refresh")
    login(client, world.users["operator"])
    events = DomainEvent.objects.count()
    assert client.post(url).status_code == 403
    assert "Periksa ulang semua rincian" not in client.get(LIST).content.decode()
    assert DomainEvent.objects.count() == events
    login(client, world.users["tapd"])
    assert "Periksa ulang semua rincian" in client.get(LIST).content.decode()
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(f"{LIST}?ta={world.fiscal_year.pk}", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Tanda bahaya diperbarui: 4 terbuka, 0 diabaikan (0 baru, 0 tidak berlaku lagi)."]
    assert DomainEvent.objects.order_by("-seq").first().actor_username == "tapd"
    login(client, world.users["tapd_b"])
    assert client.post(url + f"?ta={world.fiscal_year.pk}").status_code == 404
