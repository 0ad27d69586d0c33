"""e-Budgeting API routes, mounted under /api/v1/ (each area has its own module)."""

from django.urls import include, path

urlpatterns = [
    path("", include("terang.budgeting.api.urls_catalogue")),
    path("", include("terang.budgeting.api.urls_lines")),
    path("", include("terang.budgeting.api.urls_stages")),
    path("", include("terang.budgeting.api.urls_verification")),
    path("", include("terang.budgeting.api.urls_dpa")),
    path("", include("terang.budgeting.api.urls_public")),
]
