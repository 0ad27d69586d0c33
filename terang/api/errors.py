"""One JSON error shape for every API error: {"error": {"code", "message", "field"?, "details"?}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from terang.core import context
from terang.core.errors import ApplicationError


def _payload(code: str, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "request_id": context.get_request_id()}
    body.update({k: v for k, v in extra.items() if v})
    return {"error": body}


def exception_handler(exc: Exception, ctx: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(_payload(exc.code, exc.message, field=exc.field, details=exc.details), status=exc.status_code)
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, ctx)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _payload("invalid", "Data tidak valid.", details=response.data)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else "Permintaan ditolak."
        response.data = _payload(exc.get_codes() if isinstance(exc.get_codes(), str) else "error", message)
    if response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        response.data["error"]["code"] = "method_not_allowed"
    return response
