"""Top-level URLs: public portal, staff pages, accounts, API, health check."""

from django.contrib import admin
from django.urls import include, path

from terang.api import views as api_views

urlpatterns = [
    path("", include("terang.portal.urls")),
    path("referensi/", include("terang.reference.urls")),
    path("akun/", include("terang.accounts.urls")),
    path("staf/", include("terang.staff.urls")),
    path("staf/organisasi/", include("terang.org.urls")),
    path("staf/audit/", include("terang.audit.urls")),
    path("staf/anggaran/", include("terang.budgeting.urls")),
    path("apbd/", include("terang.budgeting.public_urls")),
    path("api/", include("terang.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", api_views.healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
]
