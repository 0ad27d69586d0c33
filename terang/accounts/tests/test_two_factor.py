"""TOTP two-factor authentication: setup with a real code, verification, enforcement, backup codes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from terang.accounts import services
from terang.accounts.choices import Role
from terang.accounts.middleware import TwoFactorMiddleware
from terang.accounts.testing import force_login_verified, totp_code, totp_device_for
from terang.audit.events import EventType
from terang.audit.models import DomainEvent

PASSWORD = "rahasia-uji-123"  # set by UserFactory
STAFF = "/staf/"


def _login(client, user, next_url: str = STAFF):
    return client.post(
        f"{reverse('accounts:login')}?next={next_url}", {"username": user.username, "password": PASSWORD}
    )


def _is_verified(client) -> bool:
    return "otp_device_id" in client.session


def test_setup_with_a_real_totp_code(client, world):
    # given a TAPD verifier (2FA required) without a device, after the password step
    verifier = world.user(Role.TAPD_VERIFIER)
    response = _login(client, verifier)
    setup_url = reverse("accounts:two_factor")
    assert response.status_code == 302 and response["Location"].startswith(setup_url)
    # when the setup page is shown
    page = client.get(response["Location"])
    # then it draws the QR code inline (SVG, no external service) and prints the secret
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<img" not in html and "chart.googleapis" not in html
    device = TOTPDevice.objects.get(user=verifier, confirmed=False)
    secret = page.context["secret"].replace(" ", "")
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    # when the user confirms with the code their app shows
    confirm = client.post(setup_url, {"action": "confirm", "otp_token": totp_code(device), "next": STAFF})
    # then the device is confirmed, the session is verified and ten one-time backup codes are shown once
    assert confirm.status_code == 200
    assert "no-store" in confirm["Cache-Control"]
    assert len(confirm.context["codes"]) == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert StaticToken.objects.filter(device__user=verifier).count() == 10
    assert _is_verified(client)
    assert client.get(STAFF).status_code == 200
    assert DomainEvent.objects.filter(event_type=EventType.TWO_FACTOR_ENABLED, object_id=str(verifier.pk)).exists()


def test_setup_refuses_a_wrong_code(client, world):
    verifier = world.user(Role.TAPD_VERIFIER)
    client.force_login(verifier)
    client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=verifier)
    wrong = str((int(totp_code(device)) + 1) % 1_000_000).zfill(6)
    response = client.post(reverse("accounts:two_factor"), {"action": "confirm", "otp_token": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["otp_token"]
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert not StaticDevice.objects.filter(user=verifier).exists()
    assert client.get(STAFF).status_code == 302


def test_login_with_device_asks_for_the_code_then_lets_in(client, world):
    # given a camat with a confirmed device
    camat = world.user(Role.KECAMATAN_VERIFIER)
    device = totp_device_for(camat)
    # when they sign in with the password
    response = _login(client, camat, "/staf/?tab=1")
    verify_url = reverse("accounts:two_factor_verify")
    # then they are sent to the code page, and staff pages redirect there too
    assert response["Location"].startswith(verify_url)
    assert client.get(STAFF)["Location"].startswith(verify_url)
    # when the code is right
    done = client.post(verify_url, {"otp_token": totp_code(device), "next": "/staf/?tab=1"})
    # then they reach the page they asked for
    assert done.status_code == 302 and done["Location"] == "/staf/?tab=1"
    assert client.get(STAFF).status_code == 200


def test_verify_refuses_a_wrong_code_and_an_open_redirect(client, world):
    camat = world.user(Role.KECAMATAN_VERIFIER)
    device = totp_device_for(camat)
    client.force_login(camat)
    wrong = str((int(totp_code(device)) + 5) % 1_000_000).zfill(6)
    response = client.post(reverse("accounts:two_factor_verify"), {"otp_token": wrong})
    assert response.status_code == 200 and not _is_verified(client)
    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post(
        reverse("accounts:two_factor_verify"), {"otp_token": totp_code(device), "next": "https://jahat.example/"}
    )
    assert ok["Location"] == reverse("staff:home")


def test_backup_code_works_once(client, world):
    # given a verifier with 2FA set up through the service (backup codes returned once)
    verifier = world.user(Role.DPMD_VERIFIER)
    pending = services.totp_device_start(user=verifier)
    codes = services.totp_device_confirm(user=verifier, device=pending, token=totp_code(pending))
    # when they sign in with a backup code instead of the app
    _login(client, verifier)
    first = client.post(reverse("accounts:two_factor_verify"), {"otp_token": codes[0].upper(), "next": STAFF})
    # then it works, and the code is used up
    assert first.status_code == 302 and first["Location"] == STAFF
    assert client.get(STAFF).status_code == 200
    assert StaticToken.objects.filter(device__user=verifier).count() == 9
    # when the same code is tried again in a new session
    client.post(reverse("accounts:logout"))
    _login(client, verifier)
    again = client.post(reverse("accounts:two_factor_verify"), {"otp_token": codes[0], "next": STAFF})
    # then it is refused
    assert again.status_code == 200 and not _is_verified(client)
    assert client.get(STAFF).status_code == 302


def test_operator_is_not_asked_for_a_second_factor(client, world):
    operator = world.user(Role.OPD_OPERATOR)
    response = _login(client, operator)
    assert response["Location"] == STAFF
    assert client.get(STAFF).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_operator_who_set_up_2fa_voluntarily_is_asked_for_it(client, world):
    operator = world.user(Role.OPD_OPERATOR)
    totp_device_for(operator)
    response = _login(client, operator)
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))


@pytest.mark.parametrize(
    "role",
    [
        Role.PEMDA_ADMIN,
        Role.TAPD_VERIFIER,
        Role.BPKAD_OFFICER,
        Role.OPD_HEAD,
        Role.KECAMATAN_VERIFIER,
        Role.DPMD_VERIFIER,
        Role.VILLAGE_HEAD,
        Role.AUDITOR,
    ],
)
def test_every_role_that_verifies_approves_or_administers_is_redirected(client, world, role):
    user = world.user(role)
    client.force_login(user)
    for url in (STAFF, reverse("accounts:profile"), reverse("accounts:password_change")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:two_factor")), url
    # public pages, logout, the 2FA pages and password reset stay reachable
    assert client.get("/").status_code == 200
    assert client.get(reverse("accounts:two_factor")).status_code == 200
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_required_roles_come_from_settings(client, world, settings):
    settings.TERANG_2FA_REQUIRED_ROLES = [Role.OPD_OPERATOR]
    operator = world.user(Role.OPD_OPERATOR)
    auditor = world.user(Role.AUDITOR)
    client.force_login(operator)
    assert client.get(STAFF).status_code == 302
    client.force_login(auditor)
    assert client.get(STAFF).status_code == 200


def test_verified_helper_reaches_staff_pages(client, world):
    admin = world.user(Role.PEMDA_ADMIN)
    force_login_verified(client, admin)
    assert client.get(STAFF).status_code == 200


def test_api_writes_need_the_second_factor_and_reads_fall_back_to_public(world):
    verifier = world.user(Role.TAPD_VERIFIER)
    middleware = TwoFactorMiddleware(lambda request: HttpResponse())
    factory = RequestFactory()

    def view(request):  # a stand-in API view
        return HttpResponse()

    write = factory.post("/api/v1/sesuatu/")
    write.user = verifier
    verifier.is_verified = lambda: False
    refused = middleware.process_view(write, view, (), {})
    assert refused.status_code == 403
    assert b"two_factor_required" in refused.content

    read = factory.get("/api/v1/sesuatu/")
    read.user = verifier
    assert middleware.process_view(read, view, (), {}) is None
    assert isinstance(read.user, AnonymousUser)

    verifier.is_verified = lambda: True
    write.user = verifier
    assert middleware.process_view(write, view, (), {}) is None


def test_disable_and_admin_reset(client, world):
    admin = world.user(Role.PEMDA_ADMIN)
    operator = world.user(Role.OPD_OPERATOR)
    pending = services.totp_device_start(user=operator)
    services.totp_device_confirm(user=operator, device=pending, token=totp_code(pending))
    # an administrator resets a lost phone
    services.two_factor_disable(actor=admin, user=operator, reason="ponsel hilang")
    assert not TOTPDevice.objects.filter(user=operator).exists()
    assert not StaticDevice.objects.filter(user=operator).exists()
    event = DomainEvent.objects.get(event_type=EventType.TWO_FACTOR_DISABLED)
    assert event.payload["by_admin"] is True and event.actor_id == admin.pk


def test_regenerate_backup_codes_from_the_status_page(client, world):
    verifier = world.user(Role.TAPD_VERIFIER)
    pending = services.totp_device_start(user=verifier)
    old = services.totp_device_confirm(user=verifier, device=pending, token=totp_code(pending))
    force_login_verified(client, verifier)
    status = client.get(reverse("accounts:two_factor"))
    assert status.status_code == 200 and status.context["backup_codes_left"] == 10
    response = client.post(reverse("accounts:two_factor"), {"action": "regenerate"})
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=verifier).values_list("token", flat=True)) == set(new)


def test_unverified_user_with_device_cannot_manage_2fa(client, world):
    verifier = world.user(Role.TAPD_VERIFIER)
    totp_device_for(verifier)
    client.force_login(verifier)
    response = client.post(reverse("accounts:two_factor"), {"action": "disable"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert TOTPDevice.objects.filter(user=verifier, confirmed=True).exists()


def test_superuser_needs_2fa_for_django_admin(client, db, settings):
    from terang.testing.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.get("/django-admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor"))
    force_login_verified(client, root)
    assert client.get("/django-admin/").status_code == 200
    settings.TERANG_2FA_REQUIRED_FOR_SUPERUSERS = False
    other = UserFactory(username="root2", is_superuser=True, is_staff=True)
    client.force_login(other)
    assert client.get("/django-admin/").status_code == 200


def test_token_authentication_refuses_a_2fa_role_without_device(world):
    from rest_framework.authtoken.models import Token
    from rest_framework.exceptions import AuthenticationFailed

    from terang.accounts.authentication import TwoFactorTokenAuthentication

    auth = TwoFactorTokenAuthentication()
    operator = world.user(Role.OPD_OPERATOR)
    key = Token.objects.create(user=operator).key
    assert auth.authenticate_credentials(key)[0] == operator
    # a token made for a 2FA role without a device (e.g. before the role was configured as 2FA) is refused
    verifier = world.user(Role.TAPD_VERIFIER)
    stale = Token.objects.create(user=verifier).key
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials(stale)
    totp_device_for(verifier)
    assert auth.authenticate_credentials(stale)[0] == verifier
