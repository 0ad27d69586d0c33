"""Test-only URLs: the project's URLs plus views under /api/test/ that fail in every way an endpoint can."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns
from terang.core.errors import ApplicationError, ConflictError, PermissionDeniedError

FAILURES = {
    "application": lambda: ApplicationError(
        "Pagu melebihi plafon.", code="ceiling_exceeded", field="pagu", details={"plafon": "100.00"}
    ),
    "conflict": lambda: ConflictError("Data sudah diubah pengguna lain. Muat ulang.", code="stale_version"),
    "forbidden": lambda: PermissionDeniedError(),
    "django_forbidden": lambda: PermissionDenied(),
    "django_validation": lambda: ValidationError({"nama": ["Nama wajib diisi."]}),
    "django_validation_plain": lambda: ValidationError("Periode sudah ditutup."),
    "http404": lambda: Http404(),
    "throttled": lambda: exceptions.Throttled(wait=30),
    "crash": lambda: RuntimeError("rahasia internal: kata sandi basis data"),
}


class FailingView(APIView):
    def get(self, request: Request, kind: str) -> HttpResponse:
        raise FAILURES[kind]()


def plain_crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("rahasia internal di view Django biasa")


def plain_404(request: HttpRequest) -> HttpResponse:
    raise Http404("tidak ada")


def plain_post(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("api/test/fail/<str:kind>/", FailingView.as_view()),
    path("api/test/plain-crash/", plain_crash),
    path("api/test/plain-404/", plain_404),
    path("api/test/plain-post/", plain_post),
    path("test/page-crash/", plain_crash),
    *project_urlpatterns,
]
