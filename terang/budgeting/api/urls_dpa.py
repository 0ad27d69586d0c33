"""API routes of the APBD summaries, the DPA and the cash plan, mounted under /api/v1/ (namespace "v1")."""

from django.urls import path

from . import dpa

urlpatterns = [
    path("anggaran/ringkasan/", dpa.RingkasanView.as_view(), name="anggaran-ringkasan"),
    path("anggaran/dpa/", dpa.DpaListView.as_view(), name="anggaran-dpa-list"),
    path("anggaran/dpa/<int:pk>/", dpa.DpaDetailView.as_view(), name="anggaran-dpa-detail"),
    path("anggaran/dpa/<int:pk>/anggaran-kas/", dpa.DpaCashPlanListView.as_view(), name="anggaran-dpa-kas"),
    path("anggaran/anggaran-kas/<int:pk>/", dpa.CashPlanDetailView.as_view(), name="anggaran-kas-detail"),
    path("anggaran/anggaran-kas/<int:pk>/izin-triwulan/", dpa.QuarterOverrideView.as_view(),
         name="anggaran-kas-izin"),
]
