"""Setting KUA-PPAS ceilings: who may, never below what is budgeted, audited; the page lists every agency."""

from decimal import Decimal

import pytest
from django.urls import reverse

from terang.accounts.testing import force_login_verified
from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.models import Ceiling
from terang.budgeting.services.ceilings import ceiling_set
from terang.budgeting.services.lines import LineInput, line_create
from terang.core.errors import ApplicationError, PermissionDeniedError
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_budget_world()


def test_planner_sets_and_changes_a_ceiling_with_audit(world):
    ceiling = ceiling_set(actor=world.users["bappeda"], fiscal_year=world.fiscal_year,
                          organisation=world.orgs["dinkes"], amount=Decimal("7500000000"), reason="Nota kesepakatan")
    assert (ceiling.amount, ceiling.version) == (Decimal("7500000000"), 2)
    record = ChangeRecord.objects.filter(object_type="budgeting.ceiling").latest("seq")
    assert (record.before["amount"], record.after["amount"], record.reason) == (
        "5000000000.00", "7500000000", "Nota kesepakatan")
    assert DomainEvent.objects.filter(event_type=EventType.CEILING_SET).count() == 1
    sub_ceiling = ceiling_set(actor=world.users["bpkad"], fiscal_year=world.fiscal_year,
                              organisation=world.orgs["dinkes"], amount=Decimal("100000"),
                              sub_kegiatan=world.program["1.02.02.2.01.0002"])
    assert sub_ceiling.sub_kegiatan.kode == "1.02.02.2.01.0002"


def test_ceiling_cannot_drop_below_budgeted_belanja(world):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(
        account="5.1.02.01.01.0024", price_item=world.items["Refill Ballpoint"], vol1="100"))
    with pytest.raises(ApplicationError) as excinfo:
        ceiling_set(actor=world.users["bappeda"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
                    amount=Decimal("1000000"))
    assert excinfo.value.message == (
        "Pagu Dinkes tidak dapat diturunkan menjadi Rp 1.000.000 karena belanja yang sudah dianggarkan "
        "Rp 2.355.000. Kurangi rincian dulu.")
    assert Ceiling.objects.get(organisation=world.orgs["dinkes"]).amount == Decimal("5000000000")


@pytest.mark.parametrize("who", ["operator", "head", "tapd", "auditor", "sekda", "dprd"])
def test_other_roles_cannot_set_ceilings(world, who):
    with pytest.raises(PermissionDeniedError):
        ceiling_set(actor=world.users[who], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
                    amount=Decimal("1"))
    assert Ceiling.objects.get(organisation=world.orgs["dinkes"]).amount == Decimal("5000000000")


def test_planner_of_another_pemda_cannot(world):
    with pytest.raises(PermissionDeniedError):
        ceiling_set(actor=world.users["tapd_b"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
                    amount=Decimal("1"))


def test_page_lists_agencies_and_saves_for_planners_only(client, world):
    url = reverse("budgeting:ceiling_list", args=[world.fiscal_year.pk])
    force_login_verified(client, world.users["bappeda"])
    page = client.get(url).content.decode()
    assert "Dinas Kesehatan" in page and "Rp 5.000.000.000" in page and 'name="amount"' in page
    response = client.post(url, {"organisation": world.orgs["dispendik"].pk, "amount": "95.000.000.000"})
    assert response.status_code == 302
    assert Ceiling.objects.get(organisation=world.orgs["dispendik"]).amount == Decimal("95000000000")
    client.logout()
    force_login_verified(client, world.users["operator"])
    page = client.get(url)
    assert page.status_code == 200 and 'name="amount"' not in page.content.decode()
    assert client.post(url, {"organisation": world.orgs["dinkes"].pk, "amount": "1"}).status_code == 404
    assert Ceiling.objects.get(organisation=world.orgs["dinkes"]).amount == Decimal("5000000000")
    client.logout()
    force_login_verified(client, world.users["operator_b"])
    assert client.get(url).status_code == 404
