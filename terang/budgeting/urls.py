"""Staff pages of e-Budgeting (mounted at /staf/anggaran/, namespace "budgeting"). Each area has its own module."""

from django.urls import include, path

app_name = "budgeting"
urlpatterns = [
    path("", include("terang.budgeting.views.urls_home")),
    path("standar-harga/", include("terang.budgeting.views.urls_catalogue")),
    path("rka/", include("terang.budgeting.views.urls_lines")),
    path("tahapan/", include("terang.budgeting.views.urls_stages")),
    path("pagu/", include("terang.budgeting.views.urls_ceilings")),
    path("verifikasi/", include("terang.budgeting.views.urls_verification")),
    path("dpa/", include("terang.budgeting.views.urls_dpa")),
    path("laporan/", include("terang.budgeting.views.urls_reports")),
]
