"""Password login, lockout after repeated failures, password reset by e-mail and password change."""

from __future__ import annotations

import re

from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from terang.accounts import services
from terang.accounts.choices import Role
from terang.accounts.models import User
from terang.accounts.testing import force_login_verified
from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent

PASSWORD = "rahasia-uji-123"  # set by UserFactory
LOGIN = "/akun/masuk/"


def _post_login(client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_page_has_username_and_password_fields(client, db):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert reverse("accounts:password_reset") in html


def test_login_and_logout(client, world):
    operator = world.user(Role.OPD_OPERATOR)
    response = _post_login(client, operator.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("staff:home")
    assert int(client.session["_auth_user_id"]) == operator.pk
    assert client.get(reverse("accounts:logout")).status_code == 405  # logout is POST only
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_wrong_password_shows_indonesian_error(client, world):
    operator = world.user(Role.OPD_OPERATOR)
    response = _post_login(client, operator.username, "salah")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in response.content.decode()


def test_login_ignores_an_offsite_next(client, world):
    operator = world.user(Role.OPD_OPERATOR)
    response = client.post(
        f"{LOGIN}?next=https://jahat.example/", {"username": operator.username, "password": PASSWORD}
    )
    assert response["Location"] == reverse("staff:home")


def test_lockout_after_five_failures_even_the_right_password(client, world, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    operator = world.user(Role.OPD_OPERATOR)
    # four failures: still the login form
    for _ in range(4):
        assert _post_login(client, operator.username, "salah").status_code == 200
    # the fifth failure locks the account for this username + address
    locked = _post_login(client, operator.username, "salah")
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan" in locked.content.decode()
    # then even the right password is refused and nobody is signed in
    refused = _post_login(client, operator.username, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    # and one LOGIN_LOCKED_OUT event is recorded (not one per further attempt)
    events = DomainEvent.objects.filter(event_type=EventType.LOGIN_LOCKED_OUT)
    assert events.count() == 1
    event = events.get()
    assert event.object_id == str(operator.pk)
    assert event.payload["username"] == operator.username and event.payload["ip_address"] == "127.0.0.1"
    assert event.pemda_id == world.pemdas["A"].pk
    assert AccessAttempt.objects.filter(username=operator.username).exists()


def test_lockout_is_per_username(client, world):
    victim = world.user(Role.OPD_OPERATOR)
    other = world.user(Role.OPD_OPERATOR)
    for _ in range(5):
        _post_login(client, victim.username, "salah")
    assert _post_login(client, other.username, PASSWORD).status_code == 302


def test_password_reset_by_email(client, world, argon2_hasher):
    # given an account with an e-mail address
    operator = world.user(Role.OPD_OPERATOR)
    # when a reset is asked for that address
    response = client.post(reverse("accounts:password_reset"), {"email": operator.email})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    # then one Indonesian e-mail carries a one-use link
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [operator.email]
    assert "kata sandi" in message.subject.lower()
    link = re.search(r"http://testserver(/akun/sandi/atur/\S+/)", message.body).group(1)
    # when the link is followed and a new password set
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Sandi-Baru-Yang-Panjang-7", "new_password2": "Sandi-Baru-Yang-Panjang-7"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("accounts:password_reset_complete")
    # then the new password works, is stored with Argon2, and the change is audited without it
    fresh = User.objects.get(pk=operator.pk)
    assert fresh.password.startswith("argon2")
    assert _post_login(client, operator.username, "Sandi-Baru-Yang-Panjang-7").status_code == 302
    assert ChangeRecord.objects.filter(object_type="accounts.user", reason="kata sandi diubah").exists()
    assert "Sandi-Baru" not in str(list(ChangeRecord.objects.values("before", "after")))
    # and the link cannot be used twice
    client.post(reverse("accounts:logout"))
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_for_unknown_address_sends_nothing_and_looks_the_same(client, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "tidak.ada@contoh.go.id"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_invited_account_can_set_its_password(client, world):
    admin = world.user(Role.PEMDA_ADMIN)
    invited = services.user_create(
        actor=admin, pemda=world.pemdas["A"], username="undangan", full_name="Undangan", email="u@contoh.go.id"
    )
    assert not invited.has_usable_password()
    client.post(reverse("accounts:password_reset"), {"email": "u@contoh.go.id"})
    assert len(mail.outbox) == 1


def test_password_change(client, world):
    operator = world.user(Role.OPD_OPERATOR)
    client.force_login(operator)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Sandi-Baru-Yang-Panjang-7",
            "new_password2": "Sandi-Baru-Yang-Panjang-7",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    assert User.objects.get(pk=operator.pk).check_password("Sandi-Baru-Yang-Panjang-7")
    # the session survives the change
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_password_change_refuses_wrong_old_password(client, world):
    operator = world.user(Role.OPD_OPERATOR)
    client.force_login(operator)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "salah",
            "new_password1": "Sandi-Baru-Yang-Panjang-7",
            "new_password2": "Sandi-Baru-Yang-Panjang-7",
        },
    )
    assert response.status_code == 200
    assert User.objects.get(pk=operator.pk).check_password(PASSWORD)


def test_password_change_for_2fa_role_needs_verification(client, world):
    admin = world.user(Role.PEMDA_ADMIN)
    client.force_login(admin)
    assert client.get(reverse("accounts:password_change")).status_code == 302
    force_login_verified(client, admin)
    assert client.get(reverse("accounts:password_change")).status_code == 200


def test_configured_hasher_is_argon2():
    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_hash_on_account_creation(world, argon2_hasher):
    admin = world.user(Role.PEMDA_ADMIN)
    user = services.user_create(
        actor=admin, pemda=world.pemdas["A"], username="hash", full_name="Hash", password="Sandi-Baru-Yang-Panjang-7"
    )
    assert User.objects.get(pk=user.pk).password.startswith("argon2$argon2id$")
