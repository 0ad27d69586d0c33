import datetime
import re

import pytest

from terang.accounts.choices import Role
from terang.accounts.models import Membership
from terang.testing.factories import OrganisationFactory, UserFactory, make_kecamatan_office, make_user


def _count(html: str, key: str) -> int:
    return int(re.search(rf'data-count="{key}">([\d.]+)<', html).group(1).replace(".", ""))


def test_staff_home_requires_login(client, db):
    response = client.get("/staf/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/masuk/?next=/staf/")


def test_staff_home_shows_memberships_and_scope_counts(client, bwi):
    # given a Bappeda planner of Banyuwangi (pemda-wide) who is also an OPD operator at Dinkes
    pemda = bwi["pemda"]
    dinkes = OrganisationFactory(pemda=pemda, nama="Dinas Kesehatan", singkatan="Dinkes")
    OrganisationFactory(pemda=pemda, nama="Dinas Pendidikan", singkatan="Dispendik")
    user = make_user(Role.BAPPEDA_PLANNER, pemda=pemda, full_name="Siti Perencana")
    Membership.objects.create(
        user=user, role=Role.OPD_OPERATOR, pemda=pemda, organisation=dinkes, valid_until=datetime.date(2027, 3, 31)
    )
    client.force_login(user)

    # when the staff home page is opened
    response = client.get("/staf/")

    # then the page greets the user and lists each membership as "Peran · Lingkup"
    html = response.content.decode()
    assert response.status_code == 200
    assert "Selamat datang, Siti Perencana" in html
    assert "Perencana Bappeda · Pemerintah Kabupaten Banyuwangi" in html
    assert "Operator OPD · Dinkes" in html
    assert "berlaku sampai 31 Maret 2027" in html
    # and counts what lies in the scope: all agencies and regions of the pemda
    assert _count(html, "organisations") == 2
    assert _count(html, "kecamatan") == 2
    assert _count(html, "desa") == 2
    assert _count(html, "kelurahan") == 1
    assert 'href="/wilayah/35.10/"' in html


def test_scope_counts_of_a_kecamatan_verifier(client, bwi):
    pemda = bwi["pemda"]
    make_kecamatan_office(pemda, bwi["pesanggaran"])
    OrganisationFactory(pemda=pemda)
    user = make_user(Role.KECAMATAN_VERIFIER, pemda=pemda, region=bwi["pesanggaran"])
    client.force_login(user)

    html = client.get("/staf/").content.decode()

    assert "Verifikator kecamatan (camat) · 35.10.01 Pesanggaran" in html
    assert _count(html, "organisations") == 1
    assert _count(html, "kecamatan") == 1
    assert _count(html, "desa") == 2
    assert _count(html, "kelurahan") == 0


def test_user_without_membership_is_told_so(client, db):
    client.force_login(UserFactory(full_name="Tanpa Peran"))
    html = client.get("/staf/").content.decode()
    assert "Anda belum memiliki peran." in html
    assert 'data-testid="summary"' not in html


def test_staff_home_in_english(client, bwi):
    client.force_login(make_user(Role.BAPPEDA_PLANNER, pemda=bwi["pemda"], full_name="Siti"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/staf/"})
    html = client.get("/staf/").content.decode()
    assert "Welcome, Siti" in html
    assert "Bappeda planner · Pemerintah Kabupaten Banyuwangi" in html


@pytest.mark.parametrize("role", [Role.BAPPEDA_PLANNER, Role.AUDITOR])
def test_logout_is_a_post_form(client, bwi, role):
    client.force_login(make_user(role, pemda=bwi["pemda"]))
    html = client.get("/staf/").content.decode()
    logout_form = r'<form method="post" action="/akun/keluar/"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"'
    assert re.search(logout_form, html)
    assert 'href="/akun/keluar/"' not in html
