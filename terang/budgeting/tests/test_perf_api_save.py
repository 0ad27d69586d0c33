"""Cost of one API save (PATCH /api/v1/anggaran/rincian/<id>/ with If-Match, token auth — what bench_load.py's
operators do): the API adds at most three queries around the line service (token, memberships, the line in the
caller's scope) and answers with the saved row without reading it again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terang.audit.models import ChangeRecord
from terang.budgeting.api import lines as api_lines
from terang.budgeting.models import BudgetLine
from terang.budgeting.services.lines import LineInput, line_create
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

ATK = "5.1.02.01.01.0024"
BASE = "/api/v1/anggaran/rincian"


@pytest.fixture
def world():
    return make_budget_world()


@pytest.fixture
def line(world):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    return line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(
        account=ATK, price_item=world.items["Refill Ballpoint"], vol1="10", sat1="Orang", vol2="12", sat2="Bulan"))


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def patch(client, line_pk, version, body):
    return client.patch(f"{BASE}/{line_pk}/", body, format="json", HTTP_IF_MATCH=f'"{version}"')


def test_api_adds_at_most_three_queries_around_the_service(world, line, monkeypatch):
    inside: list[int] = []
    original = api_lines.services.line_update

    def counted(**kwargs):
        with CaptureQueriesContext(connection) as ctx:
            result = original(**kwargs)
        inside.append(len(ctx.captured_queries))
        return result

    monkeypatch.setattr(api_lines.services, "line_update", counted)
    client = token_client(world.users["operator"])
    with CaptureQueriesContext(connection) as total:
        response = patch(client, line.pk, 1, {"vol1": "9", "alasan": "uji beban"})
    assert response.status_code == 200, response.content
    assert len(inside) == 1
    outside = len(total.captured_queries) - inside[0]
    assert outside <= 3, [q["sql"][:90] for q in total.captured_queries]  # token, memberships, scoped line
    assert BudgetLine.objects.get(pk=line.pk).vol1 == Decimal("9")


def test_whole_save_query_ceiling(world, line, django_assert_max_num_queries):
    client = token_client(world.users["operator"])
    assert patch(client, line.pk, 1, {"vol1": "9"}).status_code == 200  # warm per-process lookups
    with django_assert_max_num_queries(30):
        response = patch(client, line.pk, 2, {"vol1": "8", "alasan": "uji beban"})
    assert response.status_code == 200 and response["ETag"] == '"3"'


def test_answer_equals_a_fresh_read(world, line):
    client = token_client(world.users["operator"])
    saved = patch(client, line.pk, 1, {"vol1": "7", "alasan": "uji"})
    assert saved.status_code == 200
    fresh = client.get(f"{BASE}/{line.pk}/")
    assert saved.json() == fresh.json()
    assert saved["ETag"] == fresh["ETag"] == '"2"'
    assert saved.json()["jumlah"] == str(BudgetLine.objects.get(pk=line.pk).total)
    assert saved.json()["diubah_oleh"] == "op.dinkes"


def test_funding_source_is_kept_unless_sent(world, line):
    client = token_client(world.users["operator"])
    before = BudgetLine.objects.get(pk=line.pk).sumber_dana_id
    response = patch(client, line.pk, 1, {"vol1": "5"})
    assert response.status_code == 200
    assert BudgetLine.objects.get(pk=line.pk).sumber_dana_id == before
    response = patch(client, line.pk, 2, {"sumber_dana": "2.1"})
    assert response.status_code == 200, response.content
    assert response.json()["sumber_dana"] == "2.1"
    assert BudgetLine.objects.get(pk=line.pk).sumber_dana.kode == "2.1"


def test_outside_the_scope_is_404_and_changes_nothing(world, line):
    records = ChangeRecord.objects.count()
    response = patch(token_client(world.users["operator_b"]), line.pk, 1, {"vol1": "1"})
    assert response.status_code == 404
    assert patch(token_client(world.users["operator"]), "abc", 1, {"vol1": "1"}).status_code == 404
    stored = BudgetLine.objects.get(pk=line.pk)
    assert (stored.version, stored.vol1) == (1, Decimal("10"))
    assert ChangeRecord.objects.count() == records
