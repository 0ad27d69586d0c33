"""/api/v1/ (each app contributes its own routes), OpenAPI schema and local interactive docs.

Unknown URLs under /api/ answer the JSON 404 shape (terang.core.middleware.RequestContextMiddleware).
"""

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView

from . import views

v1: list[URLPattern | URLResolver] = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("", include("terang.org.api.urls")),
    path("", include("terang.reference.api.urls")),
    path("", include("terang.accounts.api.urls")),
    path("", include("terang.budgeting.api.urls")),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", views.RedocView.as_view(url_name="schema"), name="api-redoc"),
]
