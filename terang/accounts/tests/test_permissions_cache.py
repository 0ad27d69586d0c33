"""Memberships are read once per request (cached on the request's user object) and never outlive it: the next
request, with a fresh user object, sees a revoked membership at once."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terang.accounts.choices import Role
from terang.accounts.models import Membership, User
from terang.accounts.permissions import active_memberships, can, scope_filter
from terang.testing.budget import make_budget_world
from terang.testing.factories import make_user

pytestmark = pytest.mark.django_db


def test_many_checks_cost_one_query(opd, django_assert_num_queries):
    make_user(Role.OPD_OPERATOR, pemda=opd.pemda, organisation=opd, username="op")
    user = User.objects.get(username="op")
    with django_assert_num_queries(1):
        assert can(user, "budget.edit_lines", opd)
        assert can(user, "budget.view", opd)
        assert not can(user, "budget.verify", opd)
        scope_filter(user, "budget.view")
        assert len(active_memberships(user)) == 1


def test_the_cache_lives_on_one_user_object_only(opd):
    make_user(Role.OPD_OPERATOR, pemda=opd.pemda, organisation=opd, username="op")
    during = User.objects.get(username="op")
    assert can(during, "budget.edit_lines", opd)
    Membership.objects.filter(user=during).update(is_active=False)
    fresh = User.objects.get(username="op")  # what the next request loads
    assert not can(fresh, "budget.edit_lines", opd)
    assert active_memberships(fresh) == []


def test_a_revoked_membership_is_refused_on_the_next_api_request():
    world = make_budget_world()
    operator = world.users["operator"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operator).key}")
    assert [y["tahun"] for y in client.get("/api/v1/anggaran/tahun/").json()["results"]] == [2026]
    Membership.objects.filter(user=operator).update(is_active=False)
    assert client.get("/api/v1/anggaran/tahun/").json()["results"] == []
