"""Official documents and APBD summaries (PDF, XLSX, CSV), mounted at /staf/anggaran/laporan/."""

from django.urls import path, re_path

from . import reports

FMT = r"(?P<fmt>pdf|xlsx|csv)"

urlpatterns = [
    path("", reports.report_index, name="report_index"),
    re_path(rf"^(?P<fy>\d+)/ringkasan-(?P<kind>akun|opd|urusan|fungsi|opd_akun_sumber)\.{FMT}$",
            reports.report_summary, name="report_summary"),
    re_path(rf"^(?P<fy>\d+)/rka/(?P<organisation>\d+)\.{FMT}$", reports.report_rka, name="report_rka"),
    re_path(r"^(?P<fy>\d+)/rka/(?P<organisation>\d+)\.pdf/status$", reports.report_rka_status,
            name="report_rka_status"),
    re_path(rf"^dpa/(?P<pk>\d+)\.{FMT}$", reports.report_dpa, name="report_dpa"),
    re_path(r"^dpa/(?P<pk>\d+)\.pdf/status$", reports.report_dpa_status, name="report_dpa_status"),
]
