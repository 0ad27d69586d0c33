"""Token and session authentication: obtain/revoke a token, django-axes lockout, 2FA, /auth/me/."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terang.accounts.choices import Role
from terang.api.throttling import TokenObtainThrottle
from terang.testing.factories import make_user

from .assertions import assert_error, token_client

PASSWORD = "rahasia-uji-123"  # terang.testing.factories.UserFactory
TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/auth/me/"


def obtain(client, username, password=PASSWORD, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password, **extra}, format="json")


def totp_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# --- obtaining a token -------------------------------------------------------------------------------------------


def test_password_gives_a_token_that_authenticates(api, operator, public_data):
    response = obtain(api, "operator")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token"] == Token.objects.get(user=operator).key
    assert body["pengguna"]["username"] == "operator"
    me = token_client(body["token"]).get(ME_URL)
    assert me.status_code == 200
    assert me.json()["username"] == "operator"
    operator.refresh_from_db()
    assert operator.last_login is not None  # user_logged_in was sent


def test_a_new_token_replaces_the_previous_one(api, operator, operator_token):
    new = obtain(api, "operator").json()["token"]

    assert new != operator_token
    assert_error(token_client(operator_token).get(ME_URL), 401, "authentication_failed")
    assert token_client(new).get(ME_URL).status_code == 200


def test_wrong_password_is_401_and_gives_no_token(api, operator):
    response = obtain(api, "operator", "salah-sekali-123")

    error = assert_error(response, 401, "invalid_credentials")
    assert error["message"] == "Nama pengguna atau kata sandi salah."
    assert response["WWW-Authenticate"] == "Token"
    assert not Token.objects.filter(user=operator).exists()


def test_inactive_user_gets_no_token(api, operator):
    operator.is_active = False
    operator.save()

    assert_error(obtain(api, "operator"), 401, "invalid_credentials")
    assert not Token.objects.exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(api, operator):
    for _attempt in range(2):
        assert_error(obtain(api, "operator", "salah-sekali-123"), 401, "invalid_credentials")

    assert_error(obtain(api, "operator", "salah-sekali-123"), 429, "locked_out")
    error = assert_error(obtain(api, "operator"), 429, "locked_out")

    assert "dikunci" in error["message"]
    assert not Token.objects.filter(user=operator).exists()


def test_success_resets_the_failure_count(api, operator):
    with override_settings(AXES_FAILURE_LIMIT=3):
        for _attempt in range(2):
            obtain(api, "operator", "salah-sekali-123")
        assert obtain(api, "operator").status_code == 200
        for _attempt in range(2):
            obtain(api, "operator", "salah-sekali-123")
        assert obtain(api, "operator").status_code == 200


def test_token_requests_are_rate_limited_per_address(api, operator, monkeypatch):
    monkeypatch.setattr(TokenObtainThrottle, "get_rate", lambda self: "2/min")

    assert obtain(api, "operator").status_code == 200
    assert obtain(api, "operator").status_code == 200
    response = obtain(api, "operator")

    error = assert_error(response, 429, "throttled")
    assert error["details"]["retry_after"] > 0
    assert int(response["Retry-After"]) > 0


def test_a_logged_in_browser_needs_no_csrf_token_to_ask_for_a_token(operator):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(operator)

    assert obtain(client, "operator").status_code == 200


# --- two-factor authentication -----------------------------------------------------------------------------------


@pytest.fixture
def admin_user(public_data):
    """A pemda administrator: a role listed in TERANG_2FA_REQUIRED_ROLES."""
    return make_user(Role.PEMDA_ADMIN, pemda=public_data["pemda"], username="admin", full_name="Admin Pemda")


def test_role_needing_2fa_without_a_device_gets_no_token(api, admin_user):
    error = assert_error(obtain(api, "admin"), 403, "two_factor_required")

    assert "dua faktor" in error["message"]
    assert not Token.objects.exists()


def test_user_with_a_device_must_give_the_code(api, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)

    assert_error(obtain(api, "admin"), 401, "otp_required")
    assert not Token.objects.exists()

    response = obtain(api, "admin", otp_token=totp_code(device))

    assert response.status_code == 200, response.content
    assert response.json()["pengguna"]["dua_faktor"] == {"wajib": True, "aktif": True}


def test_a_wrong_code_gives_no_token(api, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    wrong = "000000" if totp_code(device) != "000000" else "111111"

    assert_error(obtain(api, "admin", otp_token=wrong), 401, "invalid_otp")
    assert not Token.objects.exists()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp's own throttling saw the failure


def test_a_backup_code_works_once(api, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    backup = StaticDevice.objects.create(user=admin_user, name="cadangan", confirmed=True)
    StaticToken.objects.create(device=backup, token="cadang12")

    assert obtain(api, "admin", otp_token="cadang12").status_code == 200
    assert_error(obtain(api, "admin", otp_token="cadang12"), 401, "invalid_otp")


# --- revoking ----------------------------------------------------------------------------------------------------


def test_delete_revokes_the_callers_token(operator, operator_token):
    client = token_client(operator_token)

    response = client.delete(TOKEN_URL)

    assert response.status_code == 204
    assert not Token.objects.filter(user=operator).exists()
    assert_error(client.get(ME_URL), 401, "authentication_failed")


def test_delete_needs_authentication(api, operator_token):
    assert_error(api.delete(TOKEN_URL), 401, "not_authenticated")
    assert Token.objects.filter(key=operator_token).exists()


# --- me ----------------------------------------------------------------------------------------------------------


def test_me_lists_name_two_factor_status_and_active_memberships(public_data, operator, operator_token):
    from terang.accounts.models import Membership

    kec = public_data["tree"]["desa1"]
    Membership.objects.create(user=operator, role=Role.VILLAGE_OPERATOR, pemda=public_data["pemda"], region=kec)
    Membership.objects.create(user=operator, role=Role.DPRD_MEMBER, pemda=public_data["pemda"], is_active=False)
    dinkes = public_data["dinkes"]

    response = token_client(operator_token).get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": operator.pk,
        "username": "operator",
        "nama": "Operator Dinkes",
        "email": "operator@contoh.go.id",
        "dua_faktor": {"wajib": False, "aktif": False},
        "keanggotaan": [
            {
                "peran": "opd_operator",
                "peran_label": "Operator OPD",
                "lingkup": "organisation",
                "lingkup_label": "Dinkes",
                "pemda": {"kode": "99.01", "nama": "Pemerintah Kabupaten Uji"},
                "perangkat_daerah": {"id": dinkes.pk, "kode": dinkes.kode, "nama": "Dinas Kesehatan"},
                "wilayah": None,
                "berlaku_sampai": None,
            },
            {
                "peran": "village_operator",
                "peran_label": "Operator desa",
                "lingkup": "desa",
                "lingkup_label": "99.01.01.2001 Desa 1",
                "pemda": {"kode": "99.01", "nama": "Pemerintah Kabupaten Uji"},
                "perangkat_daerah": None,
                "wilayah": {"kode": "99.01.01.2001", "nama": "Desa 1", "tingkat": "desa"},
                "berlaku_sampai": None,
            },
        ],
    }


def test_me_with_a_session(operator):
    client = APIClient()
    client.force_login(operator)

    response = client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["username"] == "operator"


def test_me_of_a_user_without_role(no_role_user):
    response = token_client(Token.objects.create(user=no_role_user).key).get(ME_URL)

    assert response.json()["keanggotaan"] == []


def test_me_refuses_anonymous(api, db):
    assert_error(api.get(ME_URL), 401, "not_authenticated")
