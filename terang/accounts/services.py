"""Writes to accounts: users, memberships, passwords, two-factor devices and API tokens.

Every service is keyword-only, runs in one transaction, validates with `full_clean()`, checks the actor's
permission (`accounts.manage_users` over the pemda concerned) and writes a change record and, where a domain
event exists, a typed event in the same transaction. Passwords, TOTP keys, backup codes and API token keys are
never written to the audit trail or to logs.

API tokens (DRF TokenAuthentication, used by scripts) cannot carry a second factor, so a user whose role needs
2FA gets a token only after setting up a confirmed TOTP device (`api_token_create`), and loses it when a 2FA role is
granted before the device exists or when the device is removed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from terang.audit.events import EventType
from terang.audit.services import record_change, record_event, snapshot
from terang.core.errors import ApplicationError, PermissionDeniedError
from terang.org.models import Organisation, Pemda, Region

from . import two_factor
from .choices import Role
from .models import Membership, User
from .permissions import Target, require
from .selectors import MANAGE_USERS, user_owner_pemda_ids

USER_AUDIT_EXCLUDE = ("password", "last_login")


# --- helpers -------------------------------------------------------------------------------------------------------


def _user_snapshot(user: User) -> dict[str, Any]:
    return snapshot(user, exclude=USER_AUDIT_EXCLUDE)


def _user_pemda_id(user: User) -> int | None:
    if user.pemda_id:
        return user.pemda_id
    return Membership.objects.filter(user=user).order_by("pk").values_list("pemda_id", flat=True).first()


def _require_manage_user(actor: Any, target: User) -> None:
    """The actor must administer every pemda the account belongs to. Superusers are not managed here."""
    owners = user_owner_pemda_ids(target)
    if target.is_superuser or not owners:
        raise PermissionDeniedError()
    for pemda_id in owners:
        require(actor, MANAGE_USERS, Target(pemda_id=pemda_id))


def _forget_memberships(user: User) -> None:
    user.__dict__.pop("_terang_memberships", None)


def _locked_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


# --- users ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: Any,
    pemda: Pemda,
    username: str,
    full_name: str,
    email: str = "",
    nip: str = "",
    phone: str = "",
    password: str | None = None,
) -> User:
    """Create an official's account in the administrator's pemda (no role yet: grant memberships next).

    Without a password the account gets an unusable one; the caller sends the set-password link.
    """
    require(actor, MANAGE_USERS, pemda)
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        email=User.objects.normalize_email(email.strip()),
        nip=nip.strip(),
        phone=phone.strip(),
        pemda=pemda,
    )
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    record_change(action="create", instance=user, after=_user_snapshot(user), actor=actor)
    record_event(event_type=EventType.USER_CREATED, instance=user, payload={"username": user.username}, actor=actor)
    return user


@transaction.atomic
def user_update(*, actor: Any, user: User, full_name: str, email: str, nip: str, phone: str) -> User:
    """Change an account's identity details (name, e-mail, NIP, telephone)."""
    _require_manage_user(actor, user)
    locked = _locked_user(user)
    before = _user_snapshot(locked)
    locked.full_name = full_name.strip()
    locked.email = User.objects.normalize_email(email.strip())
    locked.nip = nip.strip()
    locked.phone = phone.strip()
    locked.full_clean()
    after = _user_snapshot(locked)
    if after != before:
        locked.save(update_fields=["full_name", "email", "nip", "phone"])
        record_change(action="update", instance=locked, before=before, after=after, actor=actor)
    return locked


@transaction.atomic
def user_deactivate(*, actor: Any, user: User, reason: str = "") -> User:
    """Close an account: it can no longer sign in and its API token is removed. Memberships stay as history."""
    _require_manage_user(actor, user)
    if getattr(actor, "pk", None) == user.pk:
        raise ApplicationError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."), code="self_deactivate")
    locked = _locked_user(user)
    if not locked.is_active:
        return locked
    before = _user_snapshot(locked)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    Token.objects.filter(user=locked).delete()
    record_change(
        action="update", instance=locked, before=before, after=_user_snapshot(locked), reason=reason, actor=actor
    )
    return locked


@transaction.atomic
def user_reactivate(*, actor: Any, user: User, reason: str = "") -> User:
    """Open a closed account again."""
    _require_manage_user(actor, user)
    locked = _locked_user(user)
    if locked.is_active:
        return locked
    before = _user_snapshot(locked)
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    record_change(
        action="update", instance=locked, before=before, after=_user_snapshot(locked), reason=reason, actor=actor
    )
    return locked


@transaction.atomic
def password_change(*, user: User, new_password: str) -> User:
    """Set the user's own password (after password change or an e-mailed reset link). Stored as an Argon2 hash."""
    validate_password(new_password, user)
    locked = _locked_user(user)
    locked.set_password(new_password)
    locked.save(update_fields=["password"])
    user.password = locked.password
    record_change(action="update", instance=locked, reason="kata sandi diubah", actor=locked)
    return locked


# --- memberships ---------------------------------------------------------------------------------------------------


def _membership_payload(membership: Membership) -> dict[str, Any]:
    return {
        "user": membership.user_id,
        "username": membership.user.username,
        "role": membership.role,
        "organisation": membership.organisation_id,
        "region": membership.region_id,
        "valid_until": membership.valid_until,
    }


@transaction.atomic
def membership_grant(
    *,
    actor: Any,
    user: User,
    role: str,
    pemda: Pemda,
    organisation: Organisation | None = None,
    region: Region | None = None,
    valid_until: datetime.date | None = None,
) -> Membership:
    """Give `user` a role within a scope of `pemda` (the whole pemda, one agency, one kecamatan or one desa).

    A revoked membership with the same scope is reactivated instead of duplicated.
    """
    require(actor, MANAGE_USERS, pemda)
    _require_manage_user(actor, user)
    existing = (
        Membership.objects.select_for_update()
        .filter(user=user, role=role, pemda=pemda, organisation=organisation, region=region)
        .first()
    )
    if existing is not None and existing.is_active:
        raise ValidationError(_("Pengguna sudah memiliki peran ini di lingkup yang sama."))
    if existing is not None:
        membership = existing
        before = snapshot(membership)
        membership.is_active = True
        membership.valid_until = valid_until
        membership.full_clean()
        membership.save(update_fields=["is_active", "valid_until"])
        record_change(action="update", instance=membership, before=before, after=snapshot(membership), actor=actor)
    else:
        membership = Membership(
            user=user, role=role, pemda=pemda, organisation=organisation, region=region, valid_until=valid_until
        )
        membership.full_clean()
        membership.save()
        record_change(action="create", instance=membership, after=snapshot(membership), actor=actor)
    if two_factor.role_requires_two_factor(role) and not two_factor.has_confirmed_device(user):
        # a script token would bypass the second factor this role now needs
        Token.objects.filter(user=user).delete()
    record_event(
        event_type=EventType.MEMBERSHIP_GRANTED,
        instance=membership,
        payload=_membership_payload(membership),
        actor=actor,
    )
    _forget_memberships(user)
    return membership


@transaction.atomic
def membership_revoke(*, actor: Any, membership: Membership, reason: str = "") -> Membership:
    """End a membership (kept as inactive history). An administrator cannot revoke their own administrator role."""
    require(actor, MANAGE_USERS, Target(pemda_id=membership.pemda_id))
    locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if not locked.is_active:
        raise ApplicationError(_("Keanggotaan ini sudah dicabut."), code="already_revoked")
    if locked.user_id == getattr(actor, "pk", None) and locked.role == Role.PEMDA_ADMIN:
        raise ApplicationError(
            _("Anda tidak dapat mencabut peran administrator milik Anda sendiri."), code="self_revoke"
        )
    before = snapshot(locked)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    record_change(action="update", instance=locked, before=before, after=snapshot(locked), reason=reason, actor=actor)
    record_event(
        event_type=EventType.MEMBERSHIP_REVOKED,
        instance=locked,
        payload={**_membership_payload(locked), "reason": reason},
        actor=actor,
    )
    _forget_memberships(locked.user)
    membership.is_active = False
    return locked


# --- two-factor authentication -------------------------------------------------------------------------------------


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device whose secret the user is about to scan (reused until confirmed)."""
    if two_factor.has_confirmed_device(user):
        raise ApplicationError(_("Autentikasi dua faktor sudah aktif."), code="two_factor_active")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=two_factor.TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm a new TOTP device with a code from the app; returns fresh one-time backup codes (shown once).

    The code is checked outside the write transaction so django-otp's failure throttling is kept on a wrong code.
    """
    if device.user_id != user.pk or device.confirmed:
        raise ApplicationError(_("Perangkat tidak dikenal."), code="invalid_device")
    if verify_token(user, device.persistent_id, (token or "").strip()) is None:
        raise ApplicationError(
            _("Kode salah atau sudah kedaluwarsa. Periksa jam ponsel Anda lalu coba lagi."),
            code="invalid_token",
            field="otp_token",
        )
    return _two_factor_enable(user=user, device_pk=device.pk)


@transaction.atomic
def _two_factor_enable(*, user: User, device_pk: int) -> list[str]:
    device = TOTPDevice.objects.select_for_update().get(pk=device_pk, user=user)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _backup_codes_replace(user)
    pemda_id = _user_pemda_id(user)
    record_change(
        action="create",
        object_type="otp_totp.totpdevice",
        object_id=device.pk,
        object_repr=f"TOTP {user.username}",
        after={"user": user.pk, "name": device.name, "confirmed": True},
        pemda=pemda_id,
        actor=user,
    )
    record_event(
        event_type=EventType.TWO_FACTOR_ENABLED,
        object_type="accounts.user",
        object_id=user.pk,
        payload={"username": user.username, "backup_codes": len(codes)},
        pemda=pemda_id,
        actor=user,
    )
    return codes


def _backup_codes_replace(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=two_factor.BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(two_factor.BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's one-time backup codes (old ones stop working). Needs an active TOTP device."""
    if not two_factor.has_confirmed_device(user):
        raise ApplicationError(_("Aktifkan autentikasi dua faktor terlebih dahulu."), code="two_factor_inactive")
    codes = _backup_codes_replace(user)
    record_change(
        action="update",
        object_type="otp_static.staticdevice",
        object_id=user.pk,
        object_repr=f"kode cadangan {user.username}",
        reason="kode cadangan dibuat ulang",
        pemda=_user_pemda_id(user),
        actor=user,
    )
    return codes


@transaction.atomic
def two_factor_disable(*, actor: Any, user: User, reason: str = "") -> None:
    """Remove the user's TOTP device and backup codes (own reset, or an administrator helping with a lost phone).

    A user whose role needs 2FA is sent to set it up again on the next staff page; their API token is removed.
    """
    if getattr(actor, "pk", None) != user.pk:
        _require_manage_user(actor, user)
    removed = TOTPDevice.objects.filter(user=user).count() + StaticDevice.objects.filter(user=user).count()
    if not removed:
        return
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if two_factor.user_requires_two_factor(user):
        Token.objects.filter(user=user).delete()
    pemda_id = _user_pemda_id(user)
    record_change(
        action="delete",
        object_type="otp_totp.totpdevice",
        object_id=user.pk,
        object_repr=f"TOTP {user.username}",
        reason=reason,
        pemda=pemda_id,
        actor=actor,
    )
    record_event(
        event_type=EventType.TWO_FACTOR_DISABLED,
        object_type="accounts.user",
        object_id=user.pk,
        payload={"username": user.username, "by_admin": getattr(actor, "pk", None) != user.pk, "reason": reason},
        pemda=pemda_id,
        actor=actor,
    )


# --- API tokens ----------------------------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User, actor: Any = None) -> Token:
    """Issue (or rotate) the user's API token for scripts (DRF TokenAuthentication).

    Refused for a user whose role needs 2FA until they have a confirmed TOTP device. The key is returned to be
    shown once; it is never audited.
    """
    actor = actor if actor is not None else user
    if getattr(actor, "pk", None) != user.pk:
        _require_manage_user(actor, user)
    if not user.is_active:
        raise ApplicationError(_("Akun tidak aktif."), code="inactive")
    if two_factor.user_requires_two_factor(user) and not two_factor.has_confirmed_device(user):
        raise ApplicationError(
            _("Peran Anda mewajibkan autentikasi dua faktor. Aktifkan dulu sebelum membuat token API."),
            code="two_factor_required",
            status_code=403,
        )
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    record_change(
        action="create",
        object_type="authtoken.token",
        object_id=user.pk,
        object_repr=f"token API {user.username}",
        after={"user": user.pk},
        pemda=_user_pemda_id(user),
        actor=actor,
    )
    return token


@transaction.atomic
def api_token_revoke(*, user: User, actor: Any = None) -> None:
    """Remove the user's API token."""
    actor = actor if actor is not None else user
    if getattr(actor, "pk", None) != user.pk:
        _require_manage_user(actor, user)
    deleted, _rows = Token.objects.filter(user=user).delete()
    if deleted:
        record_change(
            action="delete",
            object_type="authtoken.token",
            object_id=user.pk,
            object_repr=f"token API {user.username}",
            pemda=_user_pemda_id(user),
            actor=actor,
        )


# --- bootstrap -------------------------------------------------------------------------------------------------------


@transaction.atomic
def pemda_admin_bootstrap(*, username: str, full_name: str, email: str, pemda: Pemda, password: str) -> User:
    """Create the first administrator of a pemda from the command line (actor "sistem").

    No TOTP device is made: the administrator scans their own QR code at the first sign-in.
    """
    user = User(username=username.strip(), full_name=full_name.strip(), email=email.strip(), pemda=pemda)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    record_change(action="create", instance=user, after=_user_snapshot(user))
    record_event(event_type=EventType.USER_CREATED, instance=user, payload={"username": user.username})
    membership = Membership(user=user, role=Role.PEMDA_ADMIN, pemda=pemda)
    membership.full_clean()
    membership.save()
    record_change(action="create", instance=membership, after=snapshot(membership))
    record_event(event_type=EventType.MEMBERSHIP_GRANTED, instance=membership, payload=_membership_payload(membership))
    return user


# --- demo ------------------------------------------------------------------------------------------------------------


@transaction.atomic
def demo_user_ensure(
    *,
    username: str,
    password: str,
    full_name: str,
    role: str,
    pemda: Pemda,
    organisation: Organisation | None = None,
    region: Region | None = None,
    totp_seed_hex: str | None = None,
    email: str | None = None,
) -> User:
    """Create or refresh a demo account holding one membership; safe to run again (bootstrap, actor "sistem").

    For a role that needs 2FA (or when `totp_seed_hex` is given) the account gets a confirmed TOTP device: with
    `totp_seed_hex` its key is that hex string, otherwise a random key made once and kept on later runs. Print the
    secret for an authenticator app with `two_factor.secret_base32(two_factor.confirmed_totp_device(user))`.
    """
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, pemda=pemda, email=email or f"{username}@terang.test")
        user.set_password(password)
        user.full_clean()
        user.save()
        record_change(action="create", instance=user, after=_user_snapshot(user))
        record_event(event_type=EventType.USER_CREATED, instance=user, payload={"username": username, "demo": True})
    else:
        changed = []
        for field, value in (("full_name", full_name), ("pemda_id", pemda.pk), ("is_active", True)):
            if getattr(user, field) != value:
                setattr(user, field, value)
                changed.append(field)
        if email is not None and user.email != email:
            user.email = email
            changed.append("email")
        if not user.check_password(password):
            user.set_password(password)
            changed.append("password")
        if changed:
            user.full_clean()
            user.save()
            record_change(action="update", instance=user, after=_user_snapshot(user), reason="data demo")

    membership = Membership.objects.filter(
        user=user, role=role, pemda=pemda, organisation=organisation, region=region
    ).first()
    if membership is None:
        membership = Membership(user=user, role=role, pemda=pemda, organisation=organisation, region=region)
        membership.full_clean()
        membership.save()
        record_change(action="create", instance=membership, after=snapshot(membership))
        record_event(
            event_type=EventType.MEMBERSHIP_GRANTED, instance=membership, payload=_membership_payload(membership)
        )
    elif not membership.is_active or membership.valid_until is not None:
        membership.is_active = True
        membership.valid_until = None
        membership.save(update_fields=["is_active", "valid_until"])
        record_change(action="update", instance=membership, after=snapshot(membership), reason="data demo")
    _forget_memberships(user)

    if totp_seed_hex is not None or two_factor.role_requires_two_factor(role):
        device = two_factor.confirmed_totp_device(user)
        if device is None:
            device = TOTPDevice(user=user, name=two_factor.TOTP_DEVICE_NAME, confirmed=True)
            if totp_seed_hex is not None:
                device.key = totp_seed_hex.lower()
            device.full_clean()
            device.save()
            record_event(
                event_type=EventType.TWO_FACTOR_ENABLED,
                object_type="accounts.user",
                object_id=user.pk,
                payload={"username": username, "demo": True},
                pemda=pemda,
            )
        elif totp_seed_hex is not None and device.key != totp_seed_hex.lower():
            device.key = totp_seed_hex.lower()
            device.last_t = -1
            device.full_clean()
            device.save()
    return user
