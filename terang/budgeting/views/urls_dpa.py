"""DPA and cash plan pages, mounted at /staf/anggaran/dpa/ (namespace "budgeting")."""

from django.urls import path

from . import dpa

urlpatterns = [
    path("", dpa.dpa_list, name="dpa_list"),
    path("buat/", dpa.dpa_create, name="dpa_create"),
    path("<int:pk>/", dpa.dpa_detail, name="dpa_detail"),
    path("<int:pk>/jumlah/", dpa.dpa_totals, name="dpa_totals"),
    path("kas/<int:pk>/", dpa.cash_plan_save, name="cash_plan_save"),
    path("kas/<int:pk>/izin/", dpa.quarter_override, name="quarter_override"),
]
