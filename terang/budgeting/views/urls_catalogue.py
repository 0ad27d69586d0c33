"""Staff pages of the standard price catalogue, under /staf/anggaran/standar-harga/ (namespace "budgeting")."""

from django.urls import path

from . import catalogue as views

urlpatterns = [
    path("", views.catalogue_list, name="catalogue_list"),
    path("cari/", views.catalogue_search, name="catalogue_search"),
    path("impor/", views.catalogue_import_view, name="catalogue_import"),
    path("<int:pk>/", views.catalogue_item_detail, name="catalogue_item_detail"),
    path("usulan/", views.proposal_list, name="proposal_list"),
    path("usulan/baru/", views.proposal_create, name="proposal_create"),
    path("usulan/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("usulan/<int:pk>/ubah/", views.proposal_edit, name="proposal_edit"),
    path("usulan/<int:pk>/status/", views.proposal_transition, name="proposal_transition"),
    path("usulan/<int:pk>/bukti/", views.proposal_evidence_add, name="proposal_evidence_add"),
    path("usulan/<int:pk>/bukti/<int:evidence_pk>/", views.proposal_evidence_download,
         name="proposal_evidence_download"),
    path("usulan/<int:pk>/bukti/<int:evidence_pk>/hapus/", views.proposal_evidence_delete,
         name="proposal_evidence_delete"),
]
