"""TAPD verification and red-flag API routes, mounted under /api/v1/."""

from django.urls import path

from . import verification as views

urlpatterns = [
    path("anggaran/sub-kegiatan/<int:pk>/transisi/", views.SubActivityTransitionView.as_view(),
         name="anggaran-sub-kegiatan-transisi"),
    path("anggaran/sub-kegiatan/<int:pk>/catatan/", views.CommentListView.as_view(),
         name="anggaran-sub-kegiatan-catatan"),
    path("anggaran/catatan/<int:pk>/tanggapan/", views.CommentRespondView.as_view(), name="anggaran-catatan-tanggapan"),
    path("anggaran/catatan/<int:pk>/selesai/", views.CommentResolveView.as_view(), name="anggaran-catatan-selesai"),
    path("anggaran/tanda-bahaya/", views.FlagListView.as_view(), name="anggaran-tanda-bahaya"),
    path("anggaran/tanda-bahaya/<int:pk>/abaikan/", views.FlagDismissView.as_view(),
         name="anggaran-tanda-bahaya-abaikan"),
    path("anggaran/verifikasi/papan/", views.BoardView.as_view(), name="anggaran-verifikasi-papan"),
]
