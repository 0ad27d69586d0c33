"""Staff pages of fiscal years, stages, stage diffs and pergeseran (mounted at /staf/anggaran/tahapan/)."""

from django.urls import path

from . import stages as views

urlpatterns = [
    path("", views.fiscal_year_list, name="stage_fiscal_years"),
    path("ta/<int:pk>/", views.fiscal_year_detail, name="stage_fiscal_year"),
    path("buka-kembali/", views.reopening_list, name="stage_reopenings"),
    path("banding/", views.stage_compare, name="stage_compare"),
    path("<int:pk>/", views.stage_detail, name="stage_detail"),
    path("<int:pk>/buka/", views.stage_open_view, name="stage_open"),
    path("<int:pk>/tutup/", views.stage_close_view, name="stage_close"),
    path("<int:pk>/publikasi/", views.stage_publish_view, name="stage_publish"),
    path("<int:pk>/buka-kembali/", views.stage_reopen_view, name="stage_reopen"),
    path("<int:pk>/banding/kerja/", views.stage_diff_view, name="stage_diff_live"),
    path("<int:pk>/banding/kerja.csv", views.stage_diff_csv, name="stage_diff_live_csv"),
    path("<int:pk>/banding/<int:other>/", views.stage_diff_view, name="stage_diff"),
    path("<int:pk>/banding/<int:other>.csv", views.stage_diff_csv, name="stage_diff_csv"),
    path("<int:pk>/pergeseran/", views.shift_list, name="shift_list"),
    path("<int:pk>/pergeseran/baru/", views.shift_create_view, name="shift_create"),
    path("<int:pk>/pergeseran/<int:shift_pk>/", views.shift_detail, name="shift_detail"),
    path("<int:pk>/pergeseran/<int:shift_pk>/setujui/", views.shift_approve_view, name="shift_approve"),
]
