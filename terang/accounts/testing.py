"""Test helpers for pages behind the two-factor check (import from any app's tests).

`force_login_verified(client, user)` signs `user` in on a Django test client as if they had entered a TOTP code,
so tests of staff pages for 2FA roles (pemda_admin, tapd_verifier, ...) reach the page instead of the 2FA redirect.
"""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor


def totp_device_for(user: Any) -> TOTPDevice:
    """The user's confirmed TOTP device, created if missing."""
    device = two_factor.confirmed_totp_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=two_factor.TOTP_DEVICE_NAME, confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The current code of a device (steps_ahead=1 gives the next one, still accepted with tolerance 1)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead)
    return str(value).zfill(device.digits)


def force_login_verified(client: Any, user: Any) -> TOTPDevice:
    """Log `user` in on `client` with an OTP-verified session (creates a confirmed TOTP device if needed)."""
    device = totp_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
