"""Middleware that gives every request an id, logs one line per request and makes the actor known.

`RequestContextMiddleware` is the outermost middleware. It

- accepts a sane incoming `X-Request-ID` (or makes a new one) and echoes it in the response;
- writes one access-log line per request (`terang.request`: method, path, status, duration, user);
- keeps the API's error shape for failures that happen outside Django REST framework: an unexpected exception
  in a view under /api/ becomes a JSON 500 without a traceback, and Django's HTML error pages under /api/
  (unknown URL, CSRF failure, lockout page) are replaced by the same JSON shape.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import empty
from django.utils.translation import gettext_lazy as _

from . import context

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

access_logger = logging.getLogger("terang.request")
error_logger = logging.getLogger("terang.errors")

# Requests under this prefix always get the JSON error shape (see terang.api.errors).
API_PREFIX = "/api/"
# Polled by load balancers or served in bulk: logged at DEBUG so they do not drown the access log.
QUIET_PREFIXES = ("/healthz", "/static/", "/favicon.ico")

_STATUS_ERRORS: dict[int, tuple[str, StrOrPromise]] = {
    400: ("bad_request", _("Permintaan tidak valid.")),
    401: ("not_authenticated", _("Kredensial autentikasi tidak diberikan.")),
    403: ("permission_denied", _("Anda tidak berwenang melakukan tindakan ini.")),
    404: ("not_found", _("Alamat tidak ditemukan.")),
    405: ("method_not_allowed", _("Metode tidak diizinkan.")),
    429: ("throttled", _("Terlalu banyak permintaan. Coba lagi nanti.")),
    500: ("server_error", _("Terjadi kesalahan pada server. Sebutkan request_id ini saat melapor.")),
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one error shape of the API: {"error": {"code", "message", "request_id", "field"?, "details"?}}."""
    body: dict[str, Any] = {"code": code, "message": message, "request_id": context.get_request_id()}
    body.update({key: value for key, value in extra.items() if value})
    return {"error": body}


def json_error(status: int) -> JsonResponse:
    code, message = _STATUS_ERRORS.get(status, ("error" if status < 500 else "server_error", _("Permintaan gagal.")))
    return JsonResponse(error_body(code, str(message)), status=status, json_dumps_params={"ensure_ascii": False})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _is_html_error(response: HttpResponse) -> bool:
    if getattr(response, "accepted_renderer", None) is not None:
        return False  # rendered by DRF: already our shape (HTML only when a browser asked for the browsable API)
    content_type = response.get("Content-Type", "")
    return response.status_code >= 400 and (not content_type or content_type.startswith(("text/html", "text/plain")))


def _resolved_username(request: HttpRequest) -> str | None:
    """The user's name if authentication already ran; never loads the session just to log (the database may be down)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.get_username() if user.is_authenticated else None


class RequestContextMiddleware:
    """Assign a request id (or accept a sane X-Request-ID), echo it, log the request, keep API errors JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else context.new_request_id()
        request.request_id = rid  # type: ignore[attr-defined]
        # Set, not reset on the way out: Django's own "Not Found: …" lines (django.request) are written after the
        # middleware returns and must carry the id too. `_clear_context` runs on request_finished.
        context.set_request_id(rid)
        context.set_actor(None)
        started = time.perf_counter()
        response = self.get_response(request)
        if _is_api(request) and _is_html_error(response):
            replaced = json_error(response.status_code)
            for header in ("Retry-After", "Allow", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            replaced._has_been_logged = getattr(response, "_has_been_logged", False)  # type: ignore[attr-defined]
            response = replaced
        response["X-Request-ID"] = rid
        self._log(request, response, started)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """An unexpected exception in a view under /api/: log it with its traceback, answer JSON 500 without one."""
        if not _is_api(request):
            return None
        if isinstance(exception, Http404 | PermissionDenied | SuspiciousOperation | BadRequest):
            return None  # Django turns these into 4xx responses, made JSON in __call__
        error_logger.error(
            "Kesalahan tak terduga pada %s %s",
            request.method,
            request.path,
            exc_info=(type(exception), exception, exception.__traceback__),
        )
        return json_error(500)

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponse, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        username = _resolved_username(request)
        level = logging.DEBUG if request.path.startswith(QUIET_PREFIXES) else logging.INFO
        access_logger.log(
            level,
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user": username,
            },
        )


@receiver(request_finished, dispatch_uid="terang.core.middleware.clear_context")
def _clear_context(**kwargs: Any) -> None:
    """After the response is sent: nothing logged between requests claims the previous request's id or actor."""
    context.set_request_id("-")
    context.set_actor(None)


class ActorMiddleware:
    """After authentication: record the user as the actor of this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.set_actor(user)
        return self.get_response(request)


class IndonesianByDefaultMiddleware:
    """Bahasa Indonesia unless the visitor chose another language with the switch (language cookie).

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language header, so a phone set to
    English would get English pages without asking. Placed just before LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
