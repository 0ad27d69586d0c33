"""API routes of stages, stage diffs and pergeseran, mounted under /api/v1/ (namespace "v1")."""

from django.urls import path

from . import stages as views

urlpatterns = [
    path("tahapan/", views.StageListView.as_view(), name="tahapan-list"),
    path("tahapan/<int:pk>/", views.StageDetailView.as_view(), name="tahapan-detail"),
    path("tahapan/<int:pk>/verifikasi/", views.StageVerifyView.as_view(), name="tahapan-verifikasi"),
    path("tahapan/<int:pk>/buka/", views.StageOpenView.as_view(), name="tahapan-buka"),
    path("tahapan/<int:pk>/tutup/", views.StageCloseView.as_view(), name="tahapan-tutup"),
    path("tahapan/<int:pk>/publikasi/", views.StagePublishView.as_view(), name="tahapan-publikasi"),
    path("tahapan/<int:pk>/buka-kembali/", views.StageReopenView.as_view(), name="tahapan-buka-kembali"),
    path("tahapan/<int:pk>/banding/kerja/", views.StageLiveDiffView.as_view(), name="tahapan-banding-kerja"),
    path("tahapan/<int:pk>/banding/<int:other>/", views.StageDiffView.as_view(), name="tahapan-banding"),
    path("tahapan/<int:pk>/banding/<int:other>.csv", views.StageDiffCsvView.as_view(), name="tahapan-banding-csv"),
    path("tahapan/<int:pk>/pergeseran/", views.ShiftListView.as_view(), name="tahapan-pergeseran"),
    path("tahapan/<int:pk>/pergeseran/baru/", views.ShiftCreateView.as_view(), name="tahapan-pergeseran-baru"),
    path("pergeseran/<int:shift_pk>/", views.ShiftDetailView.as_view(), name="pergeseran-detail"),
    path("pergeseran/<int:shift_pk>/setujui/", views.ShiftApproveView.as_view(), name="pergeseran-setujui"),
]
