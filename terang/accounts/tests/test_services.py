"""Accounts services and selectors: users, memberships, audit records, API tokens, demo accounts."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django_otp.oath import totp
from rest_framework.authtoken.models import Token

from terang.accounts import selectors, services, two_factor
from terang.accounts.choices import Role
from terang.accounts.models import Membership, User
from terang.accounts.testing import totp_device_for
from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.core.errors import ApplicationError, PermissionDeniedError
from terang.testing.factories import MembershipFactory, UserFactory


@pytest.fixture
def admin(world):
    return world.user(Role.PEMDA_ADMIN, username="admin_a")


def _audit_text() -> str:
    rows = list(ChangeRecord.objects.values("before", "after", "reason", "object_repr"))
    rows += list(DomainEvent.objects.values("payload"))
    return json.dumps(rows, default=str)


# --- users ---------------------------------------------------------------------------------------------------------


def test_user_create_writes_user_change_record_and_event(world, admin):
    # when the administrator of pemda A creates an account with an initial password
    user = services.user_create(
        actor=admin,
        pemda=world.pemdas["A"],
        username="siti",
        full_name="Siti Aminah",
        email="Siti@Contoh.go.id",
        nip="198001012005012001",
        password="Kata-Sandi-Panjang-42",
    )
    # then the account belongs to pemda A, the password is hashed, and both audit records exist
    user.refresh_from_db()
    assert (user.username, user.full_name, user.pemda_id) == ("siti", "Siti Aminah", world.pemdas["A"].pk)
    assert user.email == "Siti@contoh.go.id"
    assert user.check_password("Kata-Sandi-Panjang-42")
    change = ChangeRecord.objects.get(object_type="accounts.user", object_id=str(user.pk))
    assert (change.action, change.actor_id, change.pemda_id) == ("create", admin.pk, world.pemdas["A"].pk)
    assert "password" not in change.after
    event = DomainEvent.objects.get(event_type=EventType.USER_CREATED)
    assert event.payload == {"username": "siti"}
    # and the password never reaches the audit trail
    assert "Kata-Sandi-Panjang-42" not in _audit_text()
    assert user.password not in _audit_text()


def test_user_create_without_password_gets_unusable_password(world, admin):
    user = services.user_create(actor=admin, pemda=world.pemdas["A"], username="budi", full_name="Budi")
    assert not user.has_usable_password()


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [("admin_a", None, "username"), ("baru", "12345678901", None), ("baru", "pendek", None), ("", None, "username")],
)
def test_user_create_refuses_invalid_input_and_writes_nothing(world, admin, username, password, field):
    users, changes = User.objects.count(), ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=admin, pemda=world.pemdas["A"], username=username, full_name="X", password=password)
    if field:
        assert field in exc.value.message_dict
    assert (User.objects.count(), ChangeRecord.objects.count()) == (users, changes)


def test_user_create_in_another_pemda_is_refused(world, admin):
    with pytest.raises(PermissionDeniedError):
        services.user_create(actor=admin, pemda=world.pemdas["B"], username="x", full_name="X")
    assert not User.objects.filter(username="x").exists()


def test_user_update_records_before_and_after(world, admin):
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    services.user_update(actor=admin, user=target, full_name="Nama Baru", email="baru@contoh.go.id", nip="1", phone="")
    change = ChangeRecord.objects.filter(object_type="accounts.user", object_id=str(target.pk)).last()
    assert change.action == "update"
    assert change.before["full_name"] != "Nama Baru" and change.after["full_name"] == "Nama Baru"
    assert "password" not in change.before and "password" not in change.after


def test_user_update_without_change_writes_no_record(world, admin):
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    changes = ChangeRecord.objects.count()
    services.user_update(actor=admin, user=target, full_name=target.full_name, email=target.email, nip="", phone="")
    assert ChangeRecord.objects.count() == changes


def test_user_deactivate_removes_token_and_refuses_self(world, admin):
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    Token.objects.create(user=target)
    services.user_deactivate(actor=admin, user=target, reason="pindah tugas")
    assert not User.objects.get(pk=target.pk).is_active
    assert not Token.objects.filter(user=target).exists()
    with pytest.raises(ApplicationError) as exc:
        services.user_deactivate(actor=admin, user=admin)
    assert exc.value.code == "self_deactivate"
    services.user_reactivate(actor=admin, user=target)
    assert User.objects.get(pk=target.pk).is_active


def test_superuser_is_never_managed_by_a_pemda_admin(world, admin):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    User.objects.filter(pk=root.pk).update(pemda=world.pemdas["A"])
    root.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        services.user_update(actor=admin, user=root, full_name="x", email="", nip="", phone="")
    assert selectors.user_for_admin(user=admin, pk=root.pk) is None


def test_password_change_stores_argon2_and_audits_without_password(world, argon2_hasher):
    user = world.user(Role.OPD_OPERATOR)
    services.password_change(user=user, new_password="Sandi-Baru-Yang-Panjang-7")
    fresh = User.objects.get(pk=user.pk)
    assert fresh.password.startswith("argon2")
    assert fresh.check_password("Sandi-Baru-Yang-Panjang-7")
    assert "Sandi-Baru-Yang-Panjang-7" not in _audit_text()
    assert fresh.password not in _audit_text()


def test_password_change_enforces_validators(world):
    user = world.user(Role.OPD_OPERATOR)
    with pytest.raises(ValidationError):
        services.password_change(user=user, new_password="password")


# --- memberships ---------------------------------------------------------------------------------------------------


def test_membership_grant_writes_record_and_event(world, admin):
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    membership = services.membership_grant(
        actor=admin, user=target, role=Role.KECAMATAN_VERIFIER, pemda=world.pemdas["A"], region=world.regions["kec1"]
    )
    assert (membership.role, membership.region_id, membership.is_active) == (
        Role.KECAMATAN_VERIFIER,
        world.regions["kec1"].pk,
        True,
    )
    event = DomainEvent.objects.get(event_type=EventType.MEMBERSHIP_GRANTED)
    assert event.payload["role"] == Role.KECAMATAN_VERIFIER and event.payload["user"] == target.pk
    assert event.pemda_id == world.pemdas["A"].pk


@pytest.mark.parametrize(
    ("role", "org", "region", "field"),
    [
        (Role.OPD_OPERATOR, None, None, "organisation"),  # agency role without agency
        (Role.OPD_OPERATOR, "opdB", None, "organisation"),  # agency of another pemda (refused before: not A's)
        (Role.KECAMATAN_VERIFIER, None, "desa1", "region"),  # wrong region level
        (Role.VILLAGE_HEAD, None, "desaB", "region"),  # desa of another pemda
        (Role.AUDITOR, "opd1", None, None),  # pemda-wide role with an agency
    ],
)
def test_membership_grant_validates_scope(world, admin, role, org, region, field):
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    before = list(Membership.objects.values_list("pk", "is_active"))
    with pytest.raises(ValidationError) as exc:
        services.membership_grant(
            actor=admin,
            user=target,
            role=role,
            pemda=world.pemdas["A"],
            organisation=world.orgs[org] if org else None,
            region=world.regions[region] if region else None,
        )
    if field:
        assert field in exc.value.message_dict
    assert list(Membership.objects.values_list("pk", "is_active")) == before


def test_membership_grant_twice_is_refused_and_revoked_one_is_reactivated(world, admin):
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    existing = Membership.objects.get(user=target)
    with pytest.raises(ValidationError):
        services.membership_grant(
            actor=admin, user=target, role=Role.OPD_OPERATOR, pemda=world.pemdas["A"], organisation=world.orgs["opd1"]
        )
    services.membership_revoke(actor=admin, membership=existing, reason="mutasi")
    assert not Membership.objects.get(pk=existing.pk).is_active
    assert DomainEvent.objects.filter(event_type=EventType.MEMBERSHIP_REVOKED).count() == 1
    again = services.membership_grant(
        actor=admin, user=target, role=Role.OPD_OPERATOR, pemda=world.pemdas["A"], organisation=world.orgs["opd1"]
    )
    assert again.pk == existing.pk and again.is_active
    assert Membership.objects.filter(user=target).count() == 1


def test_admin_cannot_revoke_own_admin_role(world, admin):
    own = Membership.objects.get(user=admin)
    with pytest.raises(ApplicationError) as exc:
        services.membership_revoke(actor=admin, membership=own)
    assert exc.value.code == "self_revoke"
    assert Membership.objects.get(pk=own.pk).is_active


def test_revoked_role_takes_effect_immediately(world, admin):
    target = world.user(Role.OPD_OPERATOR, username="sasaran")
    from terang.accounts.permissions import can

    assert can(target, "scope.view", world.orgs["opd1"])
    services.membership_revoke(actor=admin, membership=Membership.objects.get(user=target))
    assert not can(User.objects.get(pk=target.pk), "scope.view", world.orgs["opd1"])


# --- selectors -----------------------------------------------------------------------------------------------------


def test_users_for_admin_lists_only_accounts_of_own_pemda(world, admin):
    own = world.user(Role.OPD_OPERATOR, username="milik_a")
    world.user(Role.OPD_OPERATOR, "foreign", username="milik_b")
    homed = UserFactory(username="rumah_a")
    User.objects.filter(pk=homed.pk).update(pemda=world.pemdas["A"])
    straddling = world.user(Role.AUDITOR, username="dua_pemda")
    MembershipFactory(user=straddling, role=Role.AUDITOR, pemda=world.pemdas["B"])
    UserFactory(username="tanpa_pemda")

    names = set(selectors.users_for_admin(user=admin).values_list("username", flat=True))

    assert names == {"admin_a", own.username, "rumah_a"}
    assert selectors.user_for_admin(user=admin, pk=straddling.pk) is None
    assert set(selectors.users_for_admin(user=own).values_list("pk", flat=True)) == set()


def test_memberships_for_admin_are_limited_to_own_pemda(world, admin):
    world.user(Role.OPD_OPERATOR, username="milik_a")
    world.user(Role.OPD_OPERATOR, "foreign", username="milik_b")
    pemdas = set(selectors.memberships_for_admin(user=admin).values_list("pemda_id", flat=True))
    assert pemdas == {world.pemdas["A"].pk}


def test_grantable_regions_and_organisations_stay_inside_the_pemda(world, admin):
    regions = set(selectors.grantable_regions(user=admin, pemda=world.pemdas["A"]).values_list("kode", flat=True))
    assert regions == {"99.01.01", "99.01.02", "99.01.01.2001", "99.01.02.2001", "99.01.01.1001", "99.01.02.1001"}
    assert not selectors.grantable_regions(user=admin, pemda=world.pemdas["B"]).exists()
    orgs = set(selectors.grantable_organisations(user=admin, pemda=world.pemdas["A"]).values_list("pk", flat=True))
    assert world.orgs["opd1"].pk in orgs and world.orgs["opdB"].pk not in orgs


# --- API tokens ----------------------------------------------------------------------------------------------------


def test_api_token_for_a_2fa_role_needs_a_confirmed_device(world):
    verifier = world.user(Role.TAPD_VERIFIER)
    with pytest.raises(ApplicationError) as exc:
        services.api_token_create(user=verifier)
    assert exc.value.code == "two_factor_required"
    assert not Token.objects.filter(user=verifier).exists()
    totp_device_for(verifier)
    token = services.api_token_create(user=verifier)
    assert Token.objects.get(user=verifier).key == token.key
    assert token.key not in _audit_text()


def test_api_token_for_operator_without_2fa_and_rotation(world):
    operator = world.user(Role.OPD_OPERATOR)
    first = services.api_token_create(user=operator).key
    second = services.api_token_create(user=operator).key
    assert first != second and Token.objects.filter(user=operator).count() == 1
    services.api_token_revoke(user=operator)
    assert not Token.objects.filter(user=operator).exists()


def test_granting_a_2fa_role_removes_a_token_made_without_2fa(world, admin):
    operator = world.user(Role.OPD_OPERATOR, username="sasaran")
    services.api_token_create(user=operator)
    services.membership_grant(
        actor=admin, user=operator, role=Role.OPD_HEAD, pemda=world.pemdas["A"], organisation=world.orgs["opd1"]
    )
    assert not Token.objects.filter(user=operator).exists()


# --- demo accounts -------------------------------------------------------------------------------------------------


def test_demo_user_ensure_is_idempotent_and_sets_known_totp_seed(world):
    seed = "3132333435363738393031323334353637383930"
    kwargs = {
        "username": "demo_tapd",
        "password": "demo-sandi-123",
        "full_name": "Demo TAPD",
        "role": Role.TAPD_VERIFIER,
        "pemda": world.pemdas["A"],
        "totp_seed_hex": seed,
    }
    first = services.demo_user_ensure(**kwargs)
    records = (ChangeRecord.objects.count(), DomainEvent.objects.count())
    second = services.demo_user_ensure(**kwargs)

    assert first.pk == second.pk
    assert (ChangeRecord.objects.count(), DomainEvent.objects.count()) == records
    assert Membership.objects.filter(user=first).count() == 1
    device = two_factor.confirmed_totp_device(first)
    assert device.key == seed
    assert two_factor.secret_base32(device) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert device.verify_token(str(totp(device.bin_key)).zfill(6))
    assert User.objects.get(pk=first.pk).check_password("demo-sandi-123")


def test_demo_user_ensure_random_seed_for_2fa_role_kept_across_runs(world):
    kwargs = {
        "username": "demo_admin",
        "password": "demo-sandi-123",
        "full_name": "Demo Admin",
        "role": Role.PEMDA_ADMIN,
        "pemda": world.pemdas["A"],
    }
    user = services.demo_user_ensure(**kwargs)
    key = two_factor.confirmed_totp_device(user).key
    services.demo_user_ensure(**{**kwargs, "password": "sandi-lain-456"})
    assert two_factor.confirmed_totp_device(user).key == key
    assert User.objects.get(pk=user.pk).check_password("sandi-lain-456")


def test_demo_user_ensure_scoped_role_without_2fa(world):
    user = services.demo_user_ensure(
        username="demo_desa",
        password="demo-sandi-123",
        full_name="Operator Desa",
        role=Role.VILLAGE_OPERATOR,
        pemda=world.pemdas["A"],
        region=world.regions["desa1"],
    )
    assert two_factor.confirmed_totp_device(user) is None
    assert Membership.objects.get(user=user).region_id == world.regions["desa1"].pk


def test_accounts_create_admin_command(world, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("TERANG_ADMIN_PASSWORD", "Kata-Sandi-Panjang-42")
    call_command("accounts_create_admin", "--pemda", world.pemdas["A"].kode, "--username", "admin_pertama")
    user = User.objects.get(username="admin_pertama")
    assert user.check_password("Kata-Sandi-Panjang-42") and user.pemda_id == world.pemdas["A"].pk
    assert Membership.objects.get(user=user).role == Role.PEMDA_ADMIN
    assert two_factor.confirmed_totp_device(user) is None
    assert DomainEvent.objects.filter(event_type=EventType.USER_CREATED, actor_id__isnull=True).count() == 1
