import pytest

from terang.portal.tests.banyuwangi import make_banyuwangi


@pytest.fixture(autouse=True)
def _no_two_factor(settings):
    """These tests are about the shell and menus; two-factor enforcement is tested in terang/accounts."""
    settings.TERANG_2FA_REQUIRED_ROLES = []


@pytest.fixture
def bwi(db):
    return make_banyuwangi()
