"""Fixtures for the API tests: a client, a small public data set, users holding tokens."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terang.accounts.choices import Role
from terang.org.choices import OrganisationKind
from terang.org.models import DprdMember, Fraksi
from terang.testing.factories import OrganisationFactory, PemdaFactory, UserFactory, make_region_tree, make_user


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Rate-limit counters live in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def public_data(db):
    """Two pemda (99.01 with data, 99.02 with one agency), one inactive pemda, agencies, DPRD."""
    tree = make_region_tree("99.01")
    kab = tree["kabupaten"]
    kab.population, kab.population_male, kab.population_female = 1_700_000, 850_100, 849_900
    kab.area_km2, kab.lat, kab.lng, kab.source = Decimal("5782.400"), Decimal("-8.219233"), Decimal("114.369227"), "BPS"
    kab.save()
    pemda = PemdaFactory(region=kab, nama="Pemerintah Kabupaten Uji", website="https://uji.go.id")
    other = PemdaFactory(region=make_region_tree("99.02")["kabupaten"], nama="Pemerintah Kabupaten Lain")
    inactive = PemdaFactory(region=make_region_tree("99.03")["kabupaten"], is_active=False)

    dinkes = OrganisationFactory(
        pemda=pemda,
        kode="1.02.0.00.0.00.01.0000",
        nama="Dinas Kesehatan",
        singkatan="Dinkes",
        bidang_urusan="1.02",
        kind=OrganisationKind.DINAS,
    )
    puskesmas = OrganisationFactory(
        pemda=pemda,
        kode="1.02.0.00.0.00.01.0001",
        nama="Puskesmas Satu",
        singkatan="PKM1",
        bidang_urusan="1.02",
        kind=OrganisationKind.PUSKESMAS,
        parent=dinkes,
        kode_generated=True,
    )
    bpkad = OrganisationFactory(
        pemda=pemda,
        kode="5.02.0.00.0.00.01.0000",
        nama="Badan Pengelolaan Keuangan dan Aset Daerah",
        singkatan="BPKAD",
        bidang_urusan="5.02;5.01",
        kind=OrganisationKind.BADAN,
        is_ppkd=True,
    )
    kecamatan = OrganisationFactory(
        pemda=pemda,
        kode="7.01.0.00.0.00.01.0000",
        nama="Kecamatan 1",
        singkatan="Kec1",
        bidang_urusan="7.01",
        kind=OrganisationKind.KECAMATAN,
        region=tree["kec1"],
    )
    closed = OrganisationFactory(pemda=pemda, nama="Dinas Lama", is_active=False)
    other_org = OrganisationFactory(pemda=other, nama="Dinas Kesehatan Lain", bidang_urusan="1.02")
    hidden_org = OrganisationFactory(pemda=inactive, nama="Dinas Pemda Nonaktif")

    fraksi_a = Fraksi.objects.create(pemda=pemda, nama="Fraksi Amanah", singkatan="FA")
    fraksi_b = Fraksi.objects.create(pemda=pemda, nama="Fraksi Bersatu", singkatan="FB")
    members = [
        DprdMember.objects.create(pemda=pemda, nama="Ani", fraksi=fraksi_a, dapil="Dapil 1", jabatan="Ketua"),
        DprdMember.objects.create(pemda=pemda, nama="Budi", fraksi=fraksi_a, dapil="Dapil 2"),
        DprdMember.objects.create(pemda=pemda, nama="Citra", fraksi=fraksi_b, dapil="Dapil 1"),
    ]
    retired = DprdMember.objects.create(pemda=pemda, nama="Dedi", fraksi=fraksi_b, is_active=False)
    return {
        "tree": tree,
        "pemda": pemda,
        "other": other,
        "inactive": inactive,
        "dinkes": dinkes,
        "puskesmas": puskesmas,
        "bpkad": bpkad,
        "kecamatan": kecamatan,
        "closed": closed,
        "other_org": other_org,
        "hidden_org": hidden_org,
        "fraksi_a": fraksi_a,
        "fraksi_b": fraksi_b,
        "members": members,
        "retired": retired,
    }


@pytest.fixture
def operator(public_data):
    """An OPD operator of Dinkes (a role without mandatory 2FA) holding an API token."""
    return make_user(
        Role.OPD_OPERATOR,
        pemda=public_data["pemda"],
        organisation=public_data["dinkes"],
        username="operator",
        full_name="Operator Dinkes",
    )


@pytest.fixture
def operator_token(operator):
    return Token.objects.create(user=operator).key


@pytest.fixture
def no_role_user(db):
    return UserFactory(username="tanpaperan")
