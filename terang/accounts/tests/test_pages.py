"""Accounts pages: anonymous, no role, wrong pemda and right role; the administrator's user pages."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from terang.accounts.choices import Role
from terang.accounts.models import Membership, User
from terang.accounts.testing import force_login_verified
from terang.audit.models import ChangeRecord
from terang.testing.factories import UserFactory


@pytest.fixture
def admin_a(world):
    return world.user(Role.PEMDA_ADMIN, username="admin_a")


@pytest.fixture
def account_a(world):
    return world.user(Role.OPD_OPERATOR, username="operator_a")


def _protected_urls(account):
    return [
        reverse("accounts:users"),
        reverse("accounts:user_detail", args=[account.pk]),
        reverse("accounts:profile"),
        reverse("accounts:password_change"),
        reverse("accounts:two_factor"),
        reverse("accounts:two_factor_verify"),
    ]


def test_anonymous_is_sent_to_login(client, account_a):
    for url in _protected_urls(account_a):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{reverse('accounts:login')}?next="), url


def test_wrong_pemda_admin_gets_404_on_a_user_of_another_pemda(client, world, account_a):
    admin_b = world.user(Role.PEMDA_ADMIN, "foreign")
    force_login_verified(client, admin_b)
    before = (User.objects.get(pk=account_a.pk).full_name, Membership.objects.count(), ChangeRecord.objects.count())
    missing = client.get(reverse("accounts:user_detail", args=[999_999]))
    forbidden = client.get(reverse("accounts:user_detail", args=[account_a.pk]))
    assert missing.status_code == forbidden.status_code == 404
    # posting to it changes nothing either
    posted = client.post(
        reverse("accounts:user_detail", args=[account_a.pk]),
        {"action": "update", "full_name": "Diretas", "email": "", "nip": "", "phone": ""},
    )
    assert posted.status_code == 404
    after = (User.objects.get(pk=account_a.pk).full_name, Membership.objects.count(), ChangeRecord.objects.count())
    assert after == before
    # and the list does not show it
    listing = client.get(reverse("accounts:users"))
    assert account_a.username not in listing.content.decode()


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.PEMDA_ADMIN])
def test_other_roles_cannot_open_user_administration(client, world, account_a, role):
    user = world.user(role)
    force_login_verified(client, user)
    assert client.get(reverse("accounts:users")).status_code == 403
    assert client.get(reverse("accounts:user_detail", args=[account_a.pk])).status_code == 404


def test_user_without_role_cannot_open_user_administration(client, account_a):
    nobody = UserFactory(username="tanpa_peran")
    client.force_login(nobody)
    assert client.get(reverse("accounts:users")).status_code == 403
    assert client.get(reverse("accounts:user_detail", args=[account_a.pk])).status_code == 404
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_admin_without_second_factor_is_redirected(client, admin_a):
    client.force_login(admin_a)
    response = client.get(reverse("accounts:users"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor"))


def test_admin_lists_creates_and_invites(client, world, admin_a, account_a):
    world.user(Role.OPD_OPERATOR, "foreign", username="operator_b")
    force_login_verified(client, admin_a)
    listing = client.get(reverse("accounts:users"))
    html = listing.content.decode()
    assert listing.status_code == 200
    assert "operator_a" in html and "operator_b" not in html
    # create an account without a password: an invitation e-mail is sent
    response = client.post(
        reverse("accounts:users"),
        {"pemda": world.pemdas["A"].pk, "username": "baru", "full_name": "Pegawai Baru", "email": "baru@contoh.go.id"},
    )
    created = User.objects.get(username="baru")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user_detail", args=[created.pk])
    assert created.pemda_id == world.pemdas["A"].pk and not created.has_usable_password()
    assert len(mail.outbox) == 1 and "/akun/sandi/atur/" in mail.outbox[0].body


def test_admin_cannot_create_in_another_pemda_through_the_form(client, world, admin_a):
    force_login_verified(client, admin_a)
    response = client.post(
        reverse("accounts:users"),
        {"pemda": world.pemdas["B"].pk, "username": "x", "full_name": "X", "password": "Kata-Sandi-Panjang-42"},
    )
    assert response.status_code == 200 and response.context["form"].errors["pemda"]
    assert not User.objects.filter(username="x").exists()


def test_admin_grants_and_revokes_on_the_detail_page(client, world, admin_a, account_a):
    force_login_verified(client, admin_a)
    url = reverse("accounts:user_detail", args=[account_a.pk])
    assert client.get(url).status_code == 200
    granted = client.post(url, {"action": "grant", "role": Role.VILLAGE_HEAD, "region": world.regions["desa1"].pk})
    assert granted.status_code == 302
    membership = Membership.objects.get(user=account_a, role=Role.VILLAGE_HEAD)
    assert membership.region_id == world.regions["desa1"].pk and membership.pemda_id == world.pemdas["A"].pk
    # a desa of the other pemda is not even offered
    refused = client.post(url, {"action": "grant", "role": Role.VILLAGE_HEAD, "region": world.regions["desaB"].pk})
    assert refused.status_code == 200 and refused.context["grant_form"].errors["region"]
    # revoke
    revoked = client.post(url, {"action": "revoke", "membership": membership.pk})
    assert revoked.status_code == 302 and not Membership.objects.get(pk=membership.pk).is_active


def test_admin_cannot_revoke_a_membership_of_another_pemda_by_id(client, world, admin_a, account_a):
    other = world.user(Role.OPD_OPERATOR, "foreign", username="operator_b")
    foreign_membership = Membership.objects.get(user=other)
    force_login_verified(client, admin_a)
    response = client.post(
        reverse("accounts:user_detail", args=[account_a.pk]), {"action": "revoke", "membership": foreign_membership.pk}
    )
    assert response.status_code == 404
    assert Membership.objects.get(pk=foreign_membership.pk).is_active


def test_admin_updates_deactivates_and_resets_2fa(client, world, admin_a, account_a):
    force_login_verified(client, admin_a)
    url = reverse("accounts:user_detail", args=[account_a.pk])
    client.post(url, {"action": "update", "full_name": "Nama Baru", "email": "n@contoh.go.id", "nip": "", "phone": ""})
    assert User.objects.get(pk=account_a.pk).full_name == "Nama Baru"
    TOTPDevice.objects.create(user=account_a, confirmed=True)
    client.post(url, {"action": "reset_2fa"})
    assert not TOTPDevice.objects.filter(user=account_a).exists()
    client.post(url, {"action": "send_link"})
    assert len(mail.outbox) == 1
    client.post(url, {"action": "deactivate"})
    assert not User.objects.get(pk=account_a.pk).is_active


def test_profile_shows_roles_and_issues_a_token_once(client, world, account_a):
    client.force_login(account_a)
    page = client.get(reverse("accounts:profile"))
    assert "Operator OPD" in page.content.decode()
    created = client.post(reverse("accounts:profile"), {"action": "token_create"})
    key = Token.objects.get(user=account_a).key
    assert created.context["new_token"] == key
    assert key not in client.get(reverse("accounts:profile")).content.decode()


def test_profile_issues_a_token_to_a_verified_2fa_role(client, world):
    verifier = world.user(Role.TAPD_VERIFIER)
    force_login_verified(client, verifier)
    response = client.post(reverse("accounts:profile"), {"action": "token_create"})
    assert response.status_code == 200 and response.context["new_token"]
    assert Token.objects.filter(user=verifier).count() == 1
