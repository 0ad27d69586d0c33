"""Document pages under /staf/anggaran/laporan/: the list per fiscal year and stage, downloads with the right
content type and file name, and who may fetch what (agency staff: own agency; pemda-wide readers: everything;
summaries of a published stage: every staff member of the pemda)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from terang.accounts.testing import force_login_verified as login
from terang.budgeting.choices import StageKind, StageStatus
from terang.budgeting.services import dpa as services

from .test_dpa_world import freeze

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_report_cache(settings, tmp_path):
    settings.TERANG_REPORT_CACHE_DIR = str(tmp_path / "report-cache")


def _summary(fy, kind, fmt, stage=None):
    return reverse("budgeting:report_summary", args=[fy.pk, kind, fmt]) + (f"?tahapan={stage.pk}" if stage else "")


def _rka(fy, org, fmt, stage=None):
    return reverse("budgeting:report_rka", args=[fy.pk, org.pk, fmt]) + (f"?tahapan={stage.pk}" if stage else "")


def test_index_lists_documents_in_scope(client, budget, apbd, django_assert_max_num_queries):
    login(client, budget.users["tapd"])
    with django_assert_max_num_queries(13):
        response = client.get(reverse("budgeting:report_index"))
    assert response.status_code == 200
    assert response.context["stage"] == apbd and response.context["show_summaries"]
    assert [org.nama for org, _row in response.context["agencies"]] == [
        "Dinas Pendidikan", "Dinas Kesehatan", "Badan Pengelolaan Keuangan dan Aset Daerah"]
    html = response.content.decode()
    assert _summary(budget.fiscal_year, "fungsi", "pdf", apbd).replace("?", "") in html.replace("?", "")
    live = client.get(reverse("budgeting:report_index") + "?tahapan=terkini")
    assert live.context["stage"] is None
    login(client, budget.users["operator"])
    response = client.get(reverse("budgeting:report_index"))
    assert [org.nama for org, _row in response.context["agencies"]] == ["Dinas Kesehatan"]
    assert response.context["show_summaries"]  # the stage is published
    live = client.get(reverse("budgeting:report_index") + "?tahapan=terkini")
    assert not live.context["show_summaries"]
    assert client.get(reverse("budgeting:report_index") + "?tahapan=999999").status_code == 404


def test_downloads_have_type_and_filename(client, budget, apbd):
    fy = budget.fiscal_year
    login(client, budget.users["bpkad"])
    response = client.get(_summary(fy, "akun", "pdf", apbd) + "&kertas=f4")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="ringkasan-apbd_akun_{budget.pemda.kode}_2026_apbd.pdf"')
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # served from the report cache
    response = client.get(_summary(fy, "opd", "xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('_2026_terkini.xlsx"')
    response = client.get(_summary(fy, "opd_akun_sumber", "csv", apbd))
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3
    response = client.get(_rka(fy, budget.orgs["dinkes"], "xlsx", apbd))
    assert response["Content-Disposition"] == (
        'attachment; filename="RKA-SKPD_1.02.0.00.0.00.01.0000_2026_apbd.xlsx"')
    assert client.get(_summary(fy, "akun", "pdf", apbd) + "&kertas=b5").status_code == 400
    dpa = services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])
    response = client.get(reverse("budgeting:report_dpa", args=[dpa.pk, "csv"]))
    assert response["Content-Disposition"] == 'attachment; filename="DPA_1.02.0.00.0.00.01.0000_2026.csv"'
    assert len(list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))) == 4


def test_document_permission_matrix(client, budget, apbd):
    fy = budget.fiscal_year
    dinkes = budget.orgs["dinkes"]
    draft = freeze(budget, kind=StageKind.RAPBD, status=StageStatus.CLOSED)
    dpa = services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=dinkes)
    urls = {
        "rka_own": _rka(fy, dinkes, "csv", apbd),
        "rka_other": _rka(fy, budget.orgs["dispendik"], "csv", apbd),
        "summary_published": _summary(fy, "urusan", "csv", apbd),
        "summary_draft": _summary(fy, "urusan", "csv", draft),
        "summary_live": _summary(fy, "urusan", "csv"),
        "dpa": reverse("budgeting:report_dpa", args=[dpa.pk, "csv"]),
    }
    expected = {
        "operator": {"rka_own": 200, "rka_other": 404, "summary_published": 200, "summary_draft": 404,
                     "summary_live": 404, "dpa": 200},
        "operator_dispendik": {"rka_own": 404, "rka_other": 200, "summary_published": 200, "summary_draft": 404,
                               "summary_live": 404, "dpa": 404},
        "tapd": dict.fromkeys(urls, 200),
        "dprd": dict.fromkeys(urls, 200),
        "operator_b": dict.fromkeys(urls, 404),
    }
    for who, statuses in expected.items():
        login(client, budget.users[who])
        for name, url in urls.items():
            assert client.get(url).status_code == statuses[name], (who, name)
    client.logout()
    for url in urls.values():
        assert client.get(url).status_code == 302
