"""Whole-page cache of the public APBD pages (views.public.cached_page): a repeat visit costs a few queries, and the
cache never shows a draft, another stage, another pemda, another language, a stale red flag or another visitor's
CSRF token. (conftest.py gives tests an in-memory page cache, emptied before every test.)"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from terang.budgeting.choices import FlagStatus, StageKind, StageStatus
from terang.budgeting.models import RedFlag, Stage
from terang.budgeting.services.flags import flag_dismiss, flags_refresh
from terang.budgeting.views.public import CSRF_PLACEHOLDER, flags_stamp

from .test_public_selectors import build_public_world

pytestmark = pytest.mark.django_db

CACHE_HEADER = "X-Terang-Page-Cache"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def pw(db):
    return build_public_world()


def url(name, pw, *args, **query):
    path = reverse(f"apbd:{name}", args=[pw.pemda.kode, 2026, *args])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def pages(pw):
    dinkes = pw.org("dinkes").pk
    return [url("overview", pw), url("organisation", pw, dinkes), url("flags", pw),
            url("sub_activity", pw, "1.02.02.2.01.0002", opd=dinkes), url("overview", pw, tahapan=pw.kua.pk)]


def without_token(html: str) -> str:
    return TOKEN.sub("", html)


@pytest.mark.parametrize("index", range(5))
def test_repeat_visit_is_served_from_the_cache_with_few_queries(pw, index, django_assert_max_num_queries):
    page = pages(pw)[index]
    first = Client().get(page)
    assert first.status_code == 200 and first[CACHE_HEADER] == "miss"
    # fiscal year, published stages, stages of the pemda, red flags of the year, last event of the year
    with django_assert_max_num_queries(5):
        again = Client().get(page)
    assert again.status_code == 200 and again[CACHE_HEADER] == "hit"
    assert without_token(again.content.decode()) == without_token(first.content.decode())
    assert again["Content-Type"] == first["Content-Type"]


def test_every_visitor_gets_its_own_working_csrf_token(pw):
    page = url("overview", pw)
    Client().get(page)  # stored
    a, b = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    html_a, html_b = a.get(page), b.get(page)
    assert html_a[CACHE_HEADER] == html_b[CACHE_HEADER] == "hit"
    token_a, token_b = TOKEN.findall(html_a.content.decode()), TOKEN.findall(html_b.content.decode())
    assert token_a and token_b and token_a[0] != token_b[0]
    assert CSRF_PLACEHOLDER not in html_a.content.decode()
    assert "\x00" not in html_a.content.decode()
    # the language switch (a POST form) works with the token of the cached page
    response = a.post(reverse("set_language"), {"language": "en", "next": page, "csrfmiddlewaretoken": token_a[0]})
    assert response.status_code == 302
    # the checks are really on: a forged token is refused
    assert a.post(reverse("set_language"), {"language": "id", "next": page,
                                            "csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_signed_in_users_and_unknown_parameters_bypass_the_cache(pw):
    page = url("overview", pw)
    Client().get(page)
    staff = Client()
    staff.force_login(pw.world.users["tapd"])
    response = staff.get(page)
    assert response.status_code == 200 and CACHE_HEADER not in response
    assert "Halaman staf" in response.content.decode()
    odd = Client().get(page + "?utm=1")
    assert odd.status_code == 200 and CACHE_HEADER not in odd
    search = Client().get(url("organisation", pw, pw.org("dinkes").pk, q="UPS"))
    assert search.status_code == 200 and CACHE_HEADER not in search


def test_stage_language_and_pemda_never_mix(pw, client):
    default, kua = url("overview", pw), url("overview", pw, tahapan=pw.kua.pk)
    assert client.get(default)[CACHE_HEADER] == "miss"
    other = client.get(kua)
    assert other[CACHE_HEADER] == "miss"
    assert client.get(default).content != other.content
    english = Client()
    english.cookies["django_language"] = "en"
    response = english.get(default)
    assert response[CACHE_HEADER] == "miss" and '<html lang="en"' in response.content.decode()
    assert english.get(default)[CACHE_HEADER] == "hit"
    assert '<html lang="id"' in client.get(default).content.decode()
    # another pemda with a published stage of the same year: its own page
    other_fy = pw.world.other_fiscal_year
    Stage.objects.create(fiscal_year=other_fy, pemda=other_fy.pemda, kind=StageKind.APBD, sequence=99,
                         nama="APBD lain", status=StageStatus.PUBLISHED, published_at=timezone.now())
    theirs = client.get(reverse("apbd:overview", args=[other_fy.pemda.kode, 2026]))
    assert theirs.status_code == 200 and theirs[CACHE_HEADER] == "miss"
    html = theirs.content.decode()
    assert other_fy.pemda.nama in html and "APBD lain" in html and pw.pemda.nama not in html


def test_a_draft_stage_is_never_served(pw, client):
    for page in pages(pw):
        assert client.get(page).status_code == 200
    assert client.get(url("overview", pw, tahapan=pw.rapbd.pk)).status_code == 404  # closed, never published
    Stage.objects.filter(fiscal_year=pw.fy, status=StageStatus.PUBLISHED).update(status=StageStatus.CLOSED)
    for page in pages(pw):
        assert client.get(page).status_code == 404  # the stage is chosen before the cache is asked


def test_a_new_publication_shows_at_once(pw, client):
    page = url("overview", pw)
    client.get(page)
    assert client.get(page)[CACHE_HEADER] == "hit"
    Stage.objects.filter(pk=pw.rapbd.pk).update(status=StageStatus.PUBLISHED, published_at=timezone.now())
    response = client.get(url("overview", pw, tahapan=pw.apbd.pk))
    assert response[CACHE_HEADER] == "miss"
    assert f"?tahapan={pw.rapbd.pk}" in response.content.decode() or "Rancangan APBD" in response.content.decode()


def test_flag_dismissal_updates_the_cached_pages(pw, client):
    flag = RedFlag.objects.get(fiscal_year=pw.fy, status=FlagStatus.OPEN)
    flags_page, overview = url("flags", pw), url("overview", pw)
    before = client.get(flags_page).content.decode()
    client.get(overview)
    assert client.get(flags_page)[CACHE_HEADER] == "hit"
    reason = "Harga UPS sesuai kontrak payung provinsi."
    flag_dismiss(actor=pw.world.users["tapd"], flag=flag, reason=reason)
    after = client.get(flags_page)
    assert after[CACHE_HEADER] == "miss"
    assert reason not in before and reason in after.content.decode()
    assert client.get(overview)[CACHE_HEADER] == "miss"  # its open-flag count changed


def test_flag_refresh_and_removal_change_the_stamp(pw):
    stamp = flags_stamp(pw.fy)
    flags_refresh(fiscal_year=pw.fy)  # records FLAGS_REFRESHED on the fiscal year, even when nothing changed
    refreshed = flags_stamp(pw.fy)
    assert refreshed != stamp
    assert flags_stamp(pw.fy) == refreshed  # stable while nothing happens
    RedFlag.objects.filter(fiscal_year=pw.fy).first().delete()  # e.g. the cascade of a deleted line
    assert flags_stamp(pw.fy) != refreshed
