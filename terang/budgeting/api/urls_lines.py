"""API routes of RKA entry, mounted under /api/v1/ (tahun anggaran, sub kegiatan, rincian, pagu OPD)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import lines as views

router = SimpleRouter()
router.register("anggaran/tahun", views.FiscalYearViewSet, basename="anggaran-tahun")
router.register("anggaran/sub-kegiatan", views.SubActivityViewSet, basename="anggaran-sub-kegiatan")
router.register("anggaran/rincian", views.LineViewSet, basename="anggaran-rincian")

urlpatterns = [
    *router.urls,
    path("anggaran/opd/<int:pk>/pagu/", views.AgencyCeilingView.as_view(), name="anggaran-opd-pagu"),
]
