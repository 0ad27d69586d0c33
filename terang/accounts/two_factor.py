"""Two-factor authentication (TOTP + one-time backup codes) questions asked by views, middleware and services.

Who must use 2FA is configuration: `settings.TERANG_2FA_REQUIRED_ROLES` lists role codes. A user holding an
active membership with one of those roles must verify a TOTP code (or a backup code) after the password before
any staff page. A user who set up 2FA voluntarily is asked for the code too.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .permissions import user_roles

TOTP_DEVICE_NAME = "Aplikasi autentikator"
BACKUP_DEVICE_NAME = "Kode cadangan"
BACKUP_CODE_COUNT = 10


def required_roles() -> set[str]:
    return set(getattr(settings, "TERANG_2FA_REQUIRED_ROLES", []))


def role_requires_two_factor(role: str) -> bool:
    return role in required_roles()


def user_requires_two_factor(user: Any) -> bool:
    """True when an active membership carries a role in TERANG_2FA_REQUIRED_ROLES, or for a superuser (unless
    TERANG_2FA_REQUIRED_FOR_SUPERUSERS is off)."""
    if getattr(user, "is_superuser", False) and getattr(settings, "TERANG_2FA_REQUIRED_FOR_SUPERUSERS", True):
        return True
    return bool(user_roles(user) & required_roles())


def confirmed_totp_device(user: Any) -> TOTPDevice | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def totp_secret_for(user: Any) -> str | None:
    """Base32 secret of the user's confirmed TOTP device (the demo prints it for an authenticator app)."""
    device = confirmed_totp_device(user)
    return secret_base32(device) if device is not None else None


def has_confirmed_device(user: Any) -> bool:
    return confirmed_totp_device(user) is not None


def verification_needed(user: Any) -> bool:
    """True when the user must enter a code after the password (2FA role, or 2FA set up voluntarily)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user_requires_two_factor(user) or has_confirmed_device(user)


def is_verified(user: Any) -> bool:
    """django_otp's OTPMiddleware installs `is_verified()`; users built outside a request are never verified."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def verify_second_factor(user: Any, token: str) -> Device | None:
    """The confirmed device that accepts `token` (a 6-digit TOTP code or an unused backup code), else None.

    Checked device by device through django_otp.verify_token, so django-otp's failure throttling applies and a
    backup code is used up. Shared by the login page and the API token endpoint.
    """
    token = (token or "").replace(" ", "").replace("-", "").strip().lower()
    if not token:
        return None
    models = [TOTPDevice, StaticDevice] if token.isdigit() else [StaticDevice]
    for model in models:
        for candidate in model.objects.devices_for_user(user, confirmed=True):
            device = django_otp.verify_token(user, candidate.persistent_id, token)
            if device is not None:
                return device
    return None


def backup_codes_left(user: Any) -> int:
    device = StaticDevice.objects.devices_for_user(user, confirmed=True).first()
    return device.token_set.count() if device else 0


def secret_base32(device: TOTPDevice) -> str:
    """The shared secret as the base32 text an authenticator app accepts (no padding)."""
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def secret_grouped(device: TOTPDevice) -> str:
    secret = secret_base32(device)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// provisioning URL as an inline SVG QR code, drawn locally (no external service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code" class="terang-qr" ', 1)
