"""Public APBD pages (mounted at /apbd/, namespace "apbd"): anyone may read published stages."""

from django.urls import include, path

app_name = "apbd"
urlpatterns = [
    path("", include("terang.budgeting.views.urls_public")),
    path("", include("terang.budgeting.views.urls_public_stages")),
]
