"""Authentication endpoints: obtain/revoke an API token, and who am I.

POST /api/v1/auth/token/ checks the password through django.contrib.auth.authenticate (django-axes counts the
failures and locks the account + address), asks for the second factor when the user has a confirmed TOTP device,
then issues the token through accounts.services.api_token_create (which refuses it to a user whose role needs
2FA but who has not set it up). A new token replaces the previous one.
"""

from __future__ import annotations

from typing import Any, cast

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from terang.accounts import services, two_factor
from terang.accounts.models import User
from terang.accounts.permissions import active_memberships
from terang.api.authentication import API_AUTHENTICATION
from terang.api.throttling import API_THROTTLES, TokenObtainThrottle
from terang.core.errors import ApplicationError

from .serializers import MeSerializer, TokenRequestSerializer, TokenResponseSerializer

ERROR = OpenApiResponse(description=_("Galat dengan bentuk {error: {code, message, request_id, details?}}"))


def me_payload(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "nama": user.display_name,
        "email": user.email,
        "dua_faktor": {
            "wajib": two_factor.user_requires_two_factor(user),
            "aktif": two_factor.has_confirmed_device(user),
        },
        "keanggotaan": active_memberships(user),
    }


def _second_factor_ok(user: Any, token: str) -> bool:
    """A TOTP code or an unused backup code, checked device by device so django-otp's throttling applies.

    Same rule as the login page (accounts.views.two_factor_verify); candidate to share from accounts.two_factor.
    """
    models = [TOTPDevice, StaticDevice] if token.isdigit() else [StaticDevice]
    for model in models:
        for candidate in model.objects.devices_for_user(user, confirmed=True):
            if django_otp.verify_token(user, candidate.persistent_id, token) is not None:
                return True
    return False


class TokenView(APIView):
    """Obtain (POST, with username and password) or revoke (DELETE, authenticated) the caller's API token."""

    def _method(self) -> str | None:
        request = getattr(self, "request", None)  # None while drf-spectacular builds the schema
        return request.method if request is not None else None

    def get_authenticators(self) -> list[Any]:
        if self._method() == "POST":
            # Credentials come in the body; no session, so a logged-in browser needs no CSRF token here.
            return [TokenAuthentication()]
        return [cls() for cls in API_AUTHENTICATION]

    def get_permissions(self) -> list[Any]:
        if self._method() == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self) -> list[Any]:
        if self._method() == "POST":
            return [TokenObtainThrottle()]
        return [cls() for cls in API_THROTTLES]

    @extend_schema(
        summary=_("Minta token API"),
        description=_(
            "Tukar nama pengguna dan kata sandi (dan `otp_token` bila pengguna memakai autentikasi dua faktor) "
            "dengan token. Token lama diganti. Setelah beberapa kegagalan, akun dan alamat dikunci sementara (429)."
        ),
        tags=["auth"],
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 429: ERROR},
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        user = authenticate(request=request, username=username, password=serializer.validated_data["password"])
        if user is None:
            if getattr(request, "axes_locked_out", False) or AxesProxyHandler.is_locked(
                request, {"username": username}
            ):
                raise ApplicationError(
                    gettext("Terlalu banyak percobaan masuk yang gagal. Akun ini dikunci sementara; coba lagi nanti."),
                    code="locked_out",
                    status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise exceptions.AuthenticationFailed(
                gettext("Nama pengguna atau kata sandi salah."), code="invalid_credentials"
            )
        if two_factor.has_confirmed_device(user):
            otp = (serializer.validated_data.get("otp_token") or "").strip()
            if not otp:
                raise exceptions.AuthenticationFailed(
                    gettext("Masukkan kode autentikasi dua faktor di isian otp_token."), code="otp_required"
                )
            if not _second_factor_ok(user, otp):
                raise exceptions.AuthenticationFailed(gettext("Kode autentikasi dua faktor salah."), code="invalid_otp")
        token = services.api_token_create(user=user)
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response(TokenResponseSerializer({"token": token.key, "pengguna": me_payload(user)}).data)

    @extend_schema(
        summary=_("Cabut token API milik sendiri"),
        description=_("Hapus token API pengguna yang sedang masuk; skrip yang memakainya tidak dapat masuk lagi."),
        tags=["auth"],
        request=None,
        responses={204: None, 401: ERROR},
    )
    def delete(self, request: Request) -> Response:
        services.api_token_revoke(user=cast(User, request.user))  # IsAuthenticated
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user: name, two-factor status and active memberships (role + scope)."""

    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = API_THROTTLES

    @extend_schema(
        summary=_("Pengguna yang sedang masuk"),
        description=_("Nama, status autentikasi dua faktor dan keanggotaan aktif (peran dan lingkupnya)."),
        tags=["auth"],
        responses={200: MeSerializer, 401: ERROR},
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(me_payload(request.user)).data)
