"""TAPD verification and red flags (mounted at /staf/anggaran/verifikasi/)."""

from django.urls import path

from . import verification as views

urlpatterns = [
    path("", views.board, name="verification_board"),
    path("opd/<int:org_pk>/", views.organisation, name="verification_organisation"),
    path("sub-kegiatan/<int:pk>/", views.sub_activity_detail, name="verification_sub_activity"),
    path("sub-kegiatan/<int:pk>/status/", views.sub_activity_transition, name="verification_transition"),
    path("sub-kegiatan/<int:pk>/catatan/", views.comment_add, name="verification_comment_add"),
    path("catatan/<int:pk>/tanggapan/", views.comment_respond, name="verification_comment_respond"),
    path("catatan/<int:pk>/selesai/", views.comment_resolve, name="verification_comment_resolve"),
    path("tanda-bahaya/", views.flag_list, name="flag_list"),
    path("tanda-bahaya/perbarui/", views.flag_refresh, name="flag_refresh"),
    path("tanda-bahaya/<int:pk>/abaikan/", views.flag_dismiss, name="flag_dismiss"),
]
