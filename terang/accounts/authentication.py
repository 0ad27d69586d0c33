"""DRF token authentication that keeps the two-factor rule for scripts.

`services.api_token_create` only issues a token to a user whose role needs 2FA once they have a confirmed TOTP
device. This class enforces the same rule on every request, so a token stays unusable if the role or the
configuration changes later, or the device is removed by other means. Use it in place of DRF's
TokenAuthentication (terang.api.authentication.API_AUTHENTICATION).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from . import two_factor


class TwoFactorTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; refused for a user who needs 2FA but has no confirmed device."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if two_factor.user_requires_two_factor(user) and not two_factor.has_confirmed_device(user):
            raise exceptions.AuthenticationFailed(
                _("Peran Anda mewajibkan autentikasi dua faktor. Aktifkan dulu, lalu buat token baru."),
                code="two_factor_required",
            )
        return user, token
