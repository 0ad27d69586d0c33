"""Public APBD pages, mounted at /apbd/ (namespace "apbd"). Published stages only; everything else is 404."""

from django.urls import path

from . import public

urlpatterns = [
    path("", public.index, name="index"),
    path("<str:pemda>/", public.pemda_latest, name="pemda"),
    path("<str:pemda>/<int:tahun>/", public.overview, name="overview"),
    path("<str:pemda>/<int:tahun>/opd/<int:org_id>/", public.organisation, name="organisation"),
    path("<str:pemda>/<int:tahun>/sub-kegiatan/<str:kode>/", public.sub_activity, name="sub_activity"),
    path("<str:pemda>/<int:tahun>/tanda-bahaya/", public.flags, name="flags"),
    path("<str:pemda>/<int:tahun>/unduh/rincian.csv", public.download_lines_csv, name="download_lines_csv"),
    path("<str:pemda>/<int:tahun>/unduh/rincian.json", public.download_lines_json, name="download_lines_json"),
    path("<str:pemda>/<int:tahun>/unduh/ringkasan-opd.csv", public.download_by_organisation_csv,
         name="download_by_organisation_csv"),
    path("<str:pemda>/<int:tahun>/unduh/ringkasan-<str:kind>.pdf", public.download_summary_pdf,
         name="download_summary_pdf"),
    path("<str:pemda>/<int:tahun>/unduh/ringkasan-rekening.csv", public.download_by_account_csv,
         name="download_by_account_csv"),
]
