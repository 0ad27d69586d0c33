"""Permission matrix: for each role, what it may do in its own scope, and that nobody reaches another scope.

Given a world of two pemda (A, B), each with agencies, kecamatan and desa, for every role a user sits in scope A,
another in a sibling scope of A (other OPD, kecamatan or desa) and another in pemda B. Then:
- `can()` answers exactly EXPECTED_ACTIONS[role] over the own scope and False everywhere else;
- `scope_filter()` and the org selectors show only own-scope drafts and agencies;
- writes through the accounts services by a wrong-scope actor are refused and change nothing.

Later modules extend EXPECTED_ACTIONS when they declare an action in ROLE_ACTIONS: add the action to the row of
every role that holds it. The test walks every declared action, so a new action missing here fails loudly.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import get_resolver

from terang.accounts import services
from terang.accounts.choices import ROLE_SCOPE, Role, ScopeKind
from terang.accounts.models import Membership, User
from terang.accounts.permissions import ROLE_ACTIONS, can, scope_filter
from terang.audit.models import ChangeRecord, DomainEvent
from terang.core.errors import PermissionDeniedError
from terang.org.choices import ProfileRequestStatus
from terang.org.models import OrganisationProfileRequest
from terang.org.selectors import organisation_for_user, organisations_for_user
from terang.testing.factories import UserFactory

from .conftest import OWN_TARGETS, SCOPES

# Role -> actions the role holds over its own scope (what `can()` answers there). Everything else is refused.
EXPECTED_ACTIONS: dict[str, set[str]] = {
    Role.PEMDA_ADMIN: {
        "pemda.view_all",
        "scope.view",
        "audit.view",
        "accounts.manage_users",
        "org.manage",
        "org.review_profile_change",
        "reference.manage",
        "budget.view",
        "budget.reopen_stage",
        "catalogue.import",
        "catalogue.review_admin",
    },
    Role.BAPPEDA_PLANNER: {"pemda.view_all", "scope.view", "budget.view", "budget.manage_ceilings"},
    Role.TAPD_VERIFIER: {
        "pemda.view_all", "scope.view", "budget.view", "budget.verify", "budget.dismiss_flag",
        "catalogue.review_tapd",
    },
    Role.BPKAD_OFFICER: {
        "pemda.view_all", "scope.view", "budget.view", "budget.manage_stages", "budget.reopen_stage",
        "budget.manage_ceilings", "budget.shift", "budget.approve_shift", "budget.dpa", "catalogue.import",
    },
    Role.OPD_OPERATOR: {
        "scope.view", "org.request_profile_change", "budget.view", "budget.edit_lines", "budget.cash_plan",
        "catalogue.propose",
    },
    Role.OPD_HEAD: {
        "scope.view", "org.request_profile_change", "org.submit_profile_change", "budget.view", "budget.edit_lines",
        "budget.submit", "budget.cash_plan", "catalogue.propose",
    },
    Role.KECAMATAN_VERIFIER: {"scope.view"},
    Role.DPMD_VERIFIER: {"scope.view"},
    Role.VILLAGE_OPERATOR: {"scope.view"},
    Role.VILLAGE_HEAD: {"scope.view"},
    Role.DPRD_MEMBER: {"scope.view", "budget.view"},
    Role.AUDITOR: {"pemda.view_all", "scope.view", "audit.view", "budget.view"},
    Role.SEKDA: {"scope.view", "budget.view", "budget.approve_shift", "budget.quarter_override"},
}

ALL_ROLES = list(Role.values)
# (role, where) pairs of users outside scope A: another OPD/kecamatan/desa of pemda A, and the same role in pemda B.
OTHER_SCOPES = [(r, w) for r in ALL_ROLES for w in ("sibling", "foreign") if w in SCOPES[ROLE_SCOPE[r]]]
# Actors whose accounts writes over pemda A must be refused: everyone except the administrator of pemda A.
WRONG_ACTORS = [
    (r, w)
    for r in ALL_ROLES
    for w in ("own", "sibling", "foreign")
    if w in SCOPES[ROLE_SCOPE[r]] and not (r == Role.PEMDA_ADMIN and w == "own")
]
ORG_TARGETS = {
    "opd1",
    "opd1_unit",
    "opd2",
    "kecoffice1",
    "kecoffice2",
    "desagov1",
    "desagov2",
    "opdB",
    "kecofficeB",
    "desagovB",
}


def declared_actions() -> list[str]:
    """Every action declared so far; importing the URLconf loads the modules that declare theirs."""
    get_resolver().url_patterns  # noqa: B018
    return sorted(ROLE_ACTIONS)


def test_matrix_covers_every_role():
    assert set(EXPECTED_ACTIONS) == set(ALL_ROLES)
    assert len(ALL_ROLES) == 13  # the 12 roles of the foundation issue + Sekda (quarter-lock overrides)


def _drafts(world: Any) -> dict[str, OrganisationProfileRequest]:
    creator = UserFactory(username="pembuat-draf")
    return {
        name: OrganisationProfileRequest.objects.create(
            pemda=world.orgs[name].pemda,
            organisation=world.orgs[name],
            status=ProfileRequestStatus.DRAFT,
            changes={"alamat": f"Jl. {name}"},
            created_by=creator,
        )
        for name in sorted(ORG_TARGETS)
    }


def _visible_drafts(user: Any, action: str = "scope.view") -> set[int]:
    condition = scope_filter(user, action, organisation_field="organisation", region_field="organisation__region")
    return set(OrganisationProfileRequest.objects.filter(condition).values_list("pk", flat=True))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_can_answers_the_matrix_in_own_scope_and_nothing_elsewhere(world, role):
    # given a user of `role` in scope A
    user = world.user(role)
    own = OWN_TARGETS[ROLE_SCOPE[role]]
    # when every declared action is asked over every target of both pemda
    mismatches = []
    for action in declared_actions():
        for name in world.target_names:
            expected = action in EXPECTED_ACTIONS[role] and name in own
            if can(user, action, world.target(name)) != expected:
                mismatches.append((action, name, expected))
    # then the answers are exactly the matrix
    assert mismatches == []


@pytest.mark.parametrize(("role", "where"), OTHER_SCOPES)
def test_user_of_another_scope_can_do_nothing_in_scope_a(world, role, where):
    # given the same role held in another OPD / kecamatan / desa / pemda
    other = world.user(role, where)
    own_a = OWN_TARGETS[ROLE_SCOPE[role]]
    # then no action is allowed over anything in scope A
    allowed = [(a, n) for a in declared_actions() for n in sorted(own_a) if can(other, a, world.target(n))]
    assert allowed == []


@pytest.mark.parametrize("role", ALL_ROLES)
def test_drafts_and_agencies_visible_only_in_own_scope(world, role):
    drafts = _drafts(world)
    kind = ROLE_SCOPE[role]
    own_orgs = OWN_TARGETS[kind] & ORG_TARGETS
    user = world.user(role)
    # scope_filter keeps exactly the drafts of the own scope
    assert _visible_drafts(user) == {drafts[name].pk for name in own_orgs}
    # every action the role holds is bounded the same way; actions it lacks show nothing
    for action in declared_actions():
        expected = {drafts[name].pk for name in own_orgs} if role in ROLE_ACTIONS[action] else set()
        assert _visible_drafts(user, action) == expected, action
    # the org selectors agree
    assert set(organisations_for_user(user=user).values_list("pk", flat=True)) == {
        world.orgs[name].pk for name in own_orgs
    }
    for name in sorted(ORG_TARGETS):
        found = organisation_for_user(user=user, pk=world.orgs[name].pk)
        assert (found is not None) == (name in own_orgs), name


@pytest.mark.parametrize(("role", "where"), OTHER_SCOPES)
def test_other_scope_sees_no_draft_of_scope_a(world, role, where):
    drafts = _drafts(world)
    own_a = OWN_TARGETS[ROLE_SCOPE[role]] & ORG_TARGETS
    other = world.user(role, where)
    assert _visible_drafts(other) & {drafts[name].pk for name in own_a} == set()
    assert not set(organisations_for_user(user=other).values_list("pk", flat=True)) & {world.orgs[n].pk for n in own_a}
    for name in sorted(own_a):
        assert organisation_for_user(user=other, pk=world.orgs[name].pk) is None


@pytest.mark.parametrize("who", ["anonymous", "no_membership", "inactive_membership", "expired_membership"])
def test_users_without_an_active_role_can_do_nothing(world, who):
    import datetime

    _drafts(world)
    if who == "anonymous":
        user: Any = AnonymousUser()
    else:
        user = world.user(Role.PEMDA_ADMIN)
        membership = Membership.objects.get(user=user)
        if who == "no_membership":
            membership.delete()
        elif who == "inactive_membership":
            Membership.objects.filter(pk=membership.pk).update(is_active=False)
        else:
            Membership.objects.filter(pk=membership.pk).update(valid_until=datetime.date(2020, 1, 1))
        user = User.objects.get(pk=user.pk)
    assert [(a, n) for a in declared_actions() for n in world.target_names if can(user, a, world.target(n))] == []
    assert _visible_drafts(user) == set()
    assert not organisations_for_user(user=user).exists()
    assert organisation_for_user(user=user, pk=world.orgs["opd1"].pk) is None


# --- real writes through the services -------------------------------------------------------------------------------


def _state(target: User) -> dict[str, Any]:
    fresh = User.objects.get(pk=target.pk)
    return {
        "user": (fresh.full_name, fresh.email, fresh.nip, fresh.phone, fresh.is_active, fresh.password),
        "memberships": list(
            Membership.objects.order_by("pk").values_list(
                "pk", "user_id", "role", "is_active", "organisation_id", "region_id", "valid_until"
            )
        ),
        "changes": ChangeRecord.objects.count(),
        "events": DomainEvent.objects.count(),
    }


def _attempt_every_write(actor: Any, world: Any, target: User) -> list[str]:
    """Try each accounts write against `target` (a user of pemda A); return the names of those not refused."""
    membership = Membership.objects.get(user=target)
    attempts = {
        "membership_grant": lambda: services.membership_grant(
            actor=actor, user=target, role=Role.OPD_HEAD, pemda=world.pemdas["A"], organisation=world.orgs["opd1"]
        ),
        "membership_revoke": lambda: services.membership_revoke(actor=actor, membership=membership),
        "user_update": lambda: services.user_update(
            actor=actor, user=target, full_name="Diubah", email="diubah@contoh.go.id", nip="1", phone="2"
        ),
        "user_deactivate": lambda: services.user_deactivate(actor=actor, user=target),
        "user_create": lambda: services.user_create(
            actor=actor, pemda=world.pemdas["A"], username="penyusup", full_name="Penyusup", password=None
        ),
        "two_factor_disable": lambda: services.two_factor_disable(actor=actor, user=target),
        "api_token_create": lambda: services.api_token_create(user=target, actor=actor),
    }
    not_refused = []
    for name, attempt in attempts.items():
        try:
            attempt()
        except PermissionDeniedError:
            continue
        not_refused.append(name)
    return not_refused


@pytest.mark.parametrize(("role", "where"), WRONG_ACTORS)
def test_wrong_scope_writes_are_refused_and_change_nothing(world, role, where):
    # given an account of pemda A with a membership, and an actor of `role` in scope `where`
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    actor = world.user(role, where)
    before = _state(target)
    # when the actor tries every accounts write against it
    not_refused = _attempt_every_write(actor, world, target)
    # then every write is refused and nothing changed (rows, fields, audit trail)
    assert not_refused == []
    assert _state(target) == before
    assert not User.objects.filter(username="penyusup").exists()


@pytest.mark.parametrize("who", ["anonymous", "no_membership"])
def test_writes_without_a_role_are_refused(world, who):
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    actor: Any = AnonymousUser() if who == "anonymous" else UserFactory(username="tanpa-peran")
    before = _state(target)
    assert _attempt_every_write(actor, world, target) == []
    assert _state(target) == before


def test_pemda_admin_of_own_pemda_may_write(world):
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    admin = world.user(Role.PEMDA_ADMIN)
    changes = ChangeRecord.objects.count()
    granted = services.membership_grant(
        actor=admin, user=target, role=Role.OPD_HEAD, pemda=world.pemdas["A"], organisation=world.orgs["opd1"]
    )
    updated = services.user_update(actor=admin, user=target, full_name="Nama Baru", email="", nip="", phone="")
    assert granted.is_active and granted.role == Role.OPD_HEAD
    assert User.objects.get(pk=target.pk).full_name == "Nama Baru" == updated.full_name
    assert ChangeRecord.objects.count() == changes + 2


def test_admin_cannot_grant_a_membership_in_another_pemda(world):
    # given an administrator of pemda A and an account of pemda A
    admin = world.user(Role.PEMDA_ADMIN)
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    before = _state(target)
    # when the administrator grants a role in pemda B (or in an agency of pemda B)
    with pytest.raises(PermissionDeniedError):
        services.membership_grant(actor=admin, user=target, role=Role.AUDITOR, pemda=world.pemdas["B"])
    with pytest.raises(PermissionDeniedError):
        services.membership_grant(
            actor=admin, user=target, role=Role.OPD_OPERATOR, pemda=world.pemdas["B"], organisation=world.orgs["opdB"]
        )
    # then nothing changed
    assert _state(target) == before


def test_admin_cannot_touch_an_account_of_another_pemda(world):
    admin_b = world.user(Role.PEMDA_ADMIN, "foreign")
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    before = _state(target)
    # even granting inside pemda B itself: the account belongs to pemda A
    with pytest.raises(PermissionDeniedError):
        services.membership_grant(actor=admin_b, user=target, role=Role.AUDITOR, pemda=world.pemdas["B"])
    assert _state(target) == before


def test_scope_kinds_are_all_exercised():
    assert {ROLE_SCOPE[r] for r in ALL_ROLES} == {
        ScopeKind.PEMDA,
        ScopeKind.ORGANISATION,
        ScopeKind.KECAMATAN,
        ScopeKind.DESA,
    }
