"""One JSON error shape for every API error.

    {"error": {"code": "not_found", "message": "Tidak ditemukan.", "request_id": "…", "field"?: …, "details"?: …}}

`code` is stable and meant for programs; `message` is Indonesian and meant for people; `request_id` matches the
X-Request-ID response header and the server logs. Validation errors (400) carry `details`: field → messages.
This handler covers everything raised inside Django REST framework views; unexpected exceptions and Django's own
error pages under /api/ get the same shape from `terang.core.middleware.RequestContextMiddleware`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from terang.core.errors import ApplicationError
from terang.core.middleware import error_body

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_MESSAGES: dict[str, StrOrPromise] = {
    "not_found": _("Data tidak ditemukan."),
    "method_not_allowed": _("Metode tidak diizinkan untuk alamat ini."),
    "not_authenticated": _("Kredensial autentikasi tidak diberikan."),
    "authentication_failed": _("Kredensial autentikasi tidak valid."),
    "permission_denied": _("Anda tidak berwenang melakukan tindakan ini."),
    "throttled": _("Terlalu banyak permintaan. Coba lagi nanti."),
    "parse_error": _("Isi permintaan tidak dapat dibaca."),
    "unsupported_media_type": _("Jenis isi permintaan tidak didukung."),
    "not_acceptable": _("Format jawaban yang diminta tidak tersedia."),
}


def _details(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    return {"non_field_errors": data if isinstance(data, list) else [data]}


def exception_handler(exc: Exception, ctx: dict[str, Any]) -> Response | None:
    """DRF EXCEPTION_HANDLER: map every known error to the one shape; unknown ones propagate (→ JSON 500)."""
    if isinstance(exc, ApplicationError):
        set_rollback()
        body = error_body(exc.code, exc.message, field=exc.field, details=exc.details)
        return Response(body, status=exc.status_code)
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, ctx)  # sets WWW-Authenticate / Retry-After and rolls back
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", gettext("Data tidak valid."), details=_details(response.data))
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        detail = str(exc.detail) if isinstance(exc.detail, str) else ""
        # Our message, in Indonesian; DRF's specific text (e.g. "CSRF Failed: …") stays available to developers.
        message = str(_MESSAGES.get(code) or detail or gettext("Permintaan gagal."))
        details: dict[str, Any] = {}
        if isinstance(exc, exceptions.Throttled):
            wait = getattr(exc, "wait", None)
            details = {"retry_after": wait} if wait else {}
        elif detail and detail not in (message, str(type(exc).default_detail)):
            details = {"detail": detail}
        response.data = error_body(code, message, details=details)
    return response
