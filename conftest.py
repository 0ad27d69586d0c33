"""Project-wide pytest fixtures."""

from __future__ import annotations

import pytest

from terang.testing.factories import OrganisationFactory, PemdaFactory, make_region_tree


def pytest_configure(config):
    """Tests keep rendered pages in memory, never in the on-disk page cache a server may share via TERANG_VAR_DIR."""
    from django.conf import settings
    from django.test.utils import override_settings

    pages = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "terang-test-pages"}
    override_settings(CACHES={**settings.CACHES, "pages": pages}).enable()


@pytest.fixture(autouse=True)
def _empty_caches():
    """Ids repeat between tests (each test's data is rolled back): every test starts with empty caches."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Argon2 is deliberately slow (~0.1 s a hash); tests that check the stored hash ask for `argon2_hasher`."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def argon2_hasher(settings, _fast_password_hasher):
    """The production hashers, for tests that assert what is stored."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def region_tree(db):
    return make_region_tree("99.01")


@pytest.fixture
def pemda(region_tree):
    return PemdaFactory(region=region_tree["kabupaten"])


@pytest.fixture
def other_pemda(db):
    tree = make_region_tree("99.02")
    return PemdaFactory(region=tree["kabupaten"])


@pytest.fixture
def opd(pemda):
    return OrganisationFactory(pemda=pemda, nama="Dinas Kesehatan", singkatan="Dinkes")


@pytest.fixture
def postgres_only(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("membutuhkan PostgreSQL")
