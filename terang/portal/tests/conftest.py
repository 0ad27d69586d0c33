import pytest

from .banyuwangi import make_banyuwangi


@pytest.fixture
def bwi(db):
    return make_banyuwangi()
