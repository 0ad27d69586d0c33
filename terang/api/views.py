"""Operational endpoints (/healthz), the v1 index and the interactive API docs served from local files."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from .authentication import API_AUTHENTICATION
from .throttling import API_THROTTLES

logger = logging.getLogger("terang.healthz")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise (for load balancers and monitoring; exempt from SSL redirect)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        logger.warning("Basis data tidak terjangkau: %s", type(exc).__name__)
        return JsonResponse({"status": "error", "database": "unreachable", "detail": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


class ApiRootView(APIView):
    """GET /api/v1/: where the documentation and the schema are."""

    authentication_classes = API_AUTHENTICATION
    throttle_classes = API_THROTTLES

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "versi": "v1",
                "dokumentasi": reverse("api-docs", request=request),
                "redoc": reverse("api-redoc", request=request),
                "skema": reverse("schema", request=request),
            }
        )


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI from drf-spectacular-sidecar's local files; the online validator badge is switched off."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        swagger_settings = json.loads(response.data["settings"])
        swagger_settings["validatorUrl"] = None  # otherwise the browser would call validator.swagger.io
        response.data["settings"] = json.dumps(swagger_settings, indent=2)
        return response


class RedocView(SpectacularRedocView):
    """Redoc from local files; our template drops the Google Fonts links of drf-spectacular's default one."""

    template_name = "api/redoc.html"
