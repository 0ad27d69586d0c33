"""RKA entry pages under /staf/anggaran/rka/ (namespace "budgeting")."""

from django.urls import path

from . import lines

urlpatterns = [
    path("<int:fy>/opd/<int:org>/", lines.rka_agency, name="rka_agency"),
    path("<int:fy>/opd/<int:org>/sub-kegiatan/tambah/", lines.sub_activity_create, name="sub_activity_create"),
    path("<int:fy>/opd/<int:org>/baris/tambah/", lines.agency_line_create, name="agency_line_create"),
    path("<int:fy>/opd/<int:org>/impor/", lines.rka_import_view, name="rka_import"),
    path("<int:fy>/opd/<int:org>/templat.xlsx", lines.rka_template, name="rka_template"),
    path("<int:fy>/opd/<int:org>/ekspor.xlsx", lines.rka_export, name="rka_export"),
    path("sub-kegiatan/<int:pk>/", lines.line_editor, name="line_editor"),
    path("sub-kegiatan/<int:pk>/ubah/", lines.sub_activity_edit, name="sub_activity_edit"),
    path("sub-kegiatan/<int:pk>/tabel/", lines.line_table, name="line_table"),
    path("sub-kegiatan/<int:pk>/baris/tambah/", lines.line_create, name="line_create"),
    path("sub-kegiatan/<int:pk>/ekspor.xlsx", lines.sub_activity_export, name="sub_activity_export"),
    path("baris/<int:pk>/", lines.line_update, name="line_update"),
    path("baris/<int:pk>/hapus/", lines.line_delete, name="line_delete"),
    path("cari/rekening/", lines.account_search, name="account_search"),
]
