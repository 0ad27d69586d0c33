"""Public stage pages (mounted at /apbd/ by terang.budgeting.public_urls, namespace "apbd")."""

from django.urls import path

from . import stages as views

urlpatterns = [
    path("<int:tahun>/tahapan/", views.public_stage_list, name="tahapan_list"),
    path("<int:tahun>/tahapan/<int:pk>/", views.public_stage_detail, name="tahapan_detail"),
    path("<int:tahun>/banding/", views.public_diff, name="banding"),
    path("<int:tahun>/banding.csv", views.public_diff_csv, name="banding_csv"),
]
