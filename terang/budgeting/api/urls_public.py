"""Public APBD API routes (published stages only), mounted under /api/v1/."""

from django.urls import path

from . import public

urlpatterns = [
    path("apbd/", public.ApbdIndexView.as_view(), name="apbd-list"),
    path("apbd/<str:pemda>/<int:tahun>/ringkasan/", public.ApbdSummaryView.as_view(), name="apbd-ringkasan"),
    path("apbd/<str:pemda>/<int:tahun>/rincian/", public.ApbdLinesView.as_view(), name="apbd-rincian"),
]
