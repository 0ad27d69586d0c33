"""Two-factor enforcement: staff pages and authenticated API writes need a verified second factor.

Add after `django_otp.middleware.OTPMiddleware` in settings.MIDDLEWARE. A signed-in user who must use 2FA
(a role in TERANG_2FA_REQUIRED_ROLES, or a device they set up themselves) and has not entered a code in this
session is sent to the code page (confirmed device) or to the setup page (no device) before any view under
/staf/, /akun/ or /django-admin/. Views marked with `two_factor_exempt` (login, logout, 2FA pages, password
reset) stay reachable. On /api/ such a session counts as anonymous for reads and is refused for writes;
token-authenticated scripts are covered by `services.api_token_create`, which needs a confirmed device first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from terang.core import context

from . import two_factor

PROTECTED_PREFIXES = ("/staf/", "/akun/", "/django-admin/")
API_PREFIX = "/api/"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def two_factor_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as reachable before the second factor (login, logout, 2FA setup/verify, password reset)."""
    view.two_factor_exempt = True  # type: ignore[attr-defined]
    return view


class TwoFactorMiddleware:
    """Redirect (pages) or refuse (API writes) until the session is OTP-verified, for users who need 2FA."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        path = request.path_info
        is_api = path.startswith(API_PREFIX)
        if not is_api and not path.startswith(PROTECTED_PREFIXES):
            return None
        if getattr(view_func, "two_factor_exempt", False):
            return None
        if two_factor.is_verified(user) or not two_factor.verification_needed(user):
            return None
        if is_api:
            if request.method in SAFE_METHODS:
                request.user = AnonymousUser()
                return None
            return JsonResponse(
                {
                    "error": {
                        "code": "two_factor_required",
                        "message": _("Masukkan kode autentikasi dua faktor terlebih dahulu."),
                        "request_id": context.get_request_id(),
                    }
                },
                status=403,
            )
        target = "accounts:two_factor_verify" if two_factor.has_confirmed_device(user) else "accounts:two_factor"
        return redirect_to_login(request.get_full_path(), login_url=reverse(target))
