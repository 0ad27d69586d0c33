"""`load_reference` and `demo_data`: everything a fresh install needs, idempotent and deterministic."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from terang.accounts.choices import Role
from terang.accounts.models import Membership, User
from terang.accounts.two_factor import has_confirmed_device
from terang.org.models import DprdMember, Organisation, Pemda, Region
from terang.reference.models import Account, ProgramCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    out = StringIO()
    call_command("load_reference", stdout=out)
    call_command("demo_data", "--scale", "small", "--seed", "7", stdout=out)
    return out.getvalue()


def _counts():
    return {
        "regions": Region.objects.count(),
        "orgs": Organisation.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "dprd": DprdMember.objects.count(),
        "program": ProgramCode.objects.count(),
        "accounts": Account.objects.count(),
    }


def test_demo_loads_banyuwangi_with_one_user_per_role(loaded):
    pemda = Pemda.objects.get(kode="35.10")
    assert pemda.nama == "Pemerintah Kabupaten Banyuwangi"
    assert Organisation.objects.filter(pemda=pemda, kind="puskesmas").count() == 25
    assert Organisation.objects.filter(pemda=pemda, kind="kelurahan").count() == 28
    assert Organisation.objects.filter(pemda=pemda, kind="pemerintah_desa").count() == 189
    assert DprdMember.objects.filter(pemda=pemda).count() == 50
    roles = set(Membership.objects.filter(pemda=pemda).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert "operator.dinkes" in loaded and "operator-dinkes-2026" in loaded
    # a printed password works, and 2FA roles have a confirmed TOTP device whose secret is printed
    request = RequestFactory().post("/akun/masuk/")
    assert authenticate(request, username="operator.dinkes", password="operator-dinkes-2026") is not None
    auditor = User.objects.get(username="auditor")
    assert has_confirmed_device(auditor)
    assert "2FA TOTP" in loaded
    assert not has_confirmed_device(User.objects.get(username="bappeda"))


def test_running_everything_twice_duplicates_nothing(loaded):
    before = _counts()
    call_command("load_reference", stdout=StringIO())
    call_command("demo_data", "--scale", "small", "--seed", "7", stdout=StringIO())
    assert _counts() == before


def test_seed_makes_dprd_names_deterministic(loaded):
    names = list(DprdMember.objects.order_by("pk").values_list("nama", flat=True))
    DprdMember.objects.all().delete()
    call_command("demo_data", "--scale", "small", "--seed", "7", stdout=StringIO())
    assert list(DprdMember.objects.order_by("pk").values_list("nama", flat=True)) == names
    assert all(name.endswith("(fiktif)") for name in names)


def test_regency_scale_adds_an_operator_per_agency_and_desa(loaded):
    call_command("demo_data", "--scale", "regency", stdout=StringIO())
    village_operators = Membership.objects.filter(role=Role.VILLAGE_OPERATOR).count()
    assert village_operators == 189
    assert Membership.objects.filter(role=Role.OPD_OPERATOR).count() >= 31
