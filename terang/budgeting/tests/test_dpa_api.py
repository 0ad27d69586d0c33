"""DPA and cash plan API: authenticated and scoped (missing and forbidden answer 404), creation by BPKAD, PUT of the
twelve months with `versi`, the Sekda's override; errors in the one JSON shape; pinned query counts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from terang.accounts.testing import force_login_verified as login
from terang.budgeting.models import CashPlan, Dpa, QuarterOverride
from terang.budgeting.services import dpa as services

pytestmark = pytest.mark.django_db

BASE = "/api/v1/anggaran"


@pytest.fixture
def dpa(budget, apbd):
    return services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])


@pytest.fixture
def api():
    return APIClient()


def _plan(dpa, account="5.1.02.01.01.0001"):
    return CashPlan.objects.get(dpa=dpa, account__kode=account)


def test_anonymous_gets_401_everywhere(api, dpa):
    plan = _plan(dpa)
    for method, url in (("get", f"{BASE}/dpa/"), ("post", f"{BASE}/dpa/"), ("get", f"{BASE}/dpa/{dpa.pk}/"),
                        ("get", f"{BASE}/dpa/{dpa.pk}/anggaran-kas/"), ("get", f"{BASE}/anggaran-kas/{plan.pk}/"),
                        ("put", f"{BASE}/anggaran-kas/{plan.pk}/"),
                        ("post", f"{BASE}/anggaran-kas/{plan.pk}/izin-triwulan/")):
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"


def test_list_detail_and_cash_plans_are_scoped(api, budget, dpa, django_assert_num_queries):
    login(api, budget.users["operator"])
    with django_assert_num_queries(6):  # session, user, memberships, count, page, (OTP device)
        body = api.get(f"{BASE}/dpa/").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["nomor"] == "DPA/1.02.0.00.0.00.01.0000/2026" and item["jumlah"] == "13605860.00"
    assert item["jumlah_anggaran_kas"] == 4 and item["perangkat_daerah"]["nama"] == "Dinas Kesehatan"
    assert item["tahapan"] == {"id": dpa.stage_id, "jenis": "apbd", "nomor": 1, "nama": "APBD murni"}
    assert api.get(f"{BASE}/dpa/", {"tahun": 2025}).json()["count"] == 0
    assert api.get(f"{BASE}/dpa/", {"tahun": "x"}).status_code == 400
    plans = api.get(f"{BASE}/dpa/{dpa.pk}/anggaran-kas/").json()["results"]
    assert [p["rekening"]["kode"] for p in plans] == [
        "5.1.02.01.01.0001", "5.1.02.01.01.0024", "5.1.02.01.01.0052", "5.2.02.05.02.0006"]
    assert plans[0]["bulan"][0] == "154166.00" and plans[0]["selisih"] == "0.00" and plans[0]["versi"] == 1
    assert plans[0]["triwulan_terkunci"] == [] and plans[0]["izin"] == []
    for who in ("operator_dispendik", "operator_b", "tapd_b"):
        login(api, budget.users[who])
        assert api.get(f"{BASE}/dpa/").json()["count"] == 0
        assert api.get(f"{BASE}/dpa/{dpa.pk}/").status_code == 404
        assert api.get(f"{BASE}/anggaran-kas/{plans[0]['id']}/").status_code == 404
    login(api, budget.users["sekda"])
    assert api.get(f"{BASE}/dpa/{dpa.pk}/").status_code == 200


def test_create_dpa(api, budget, apbd):
    payload = {"tahapan": apbd.pk, "perangkat_daerah": budget.orgs["dispendik"].pk}
    login(api, budget.users["operator"])
    response = api.post(f"{BASE}/dpa/", payload, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    login(api, budget.users["operator_b"])
    assert api.post(f"{BASE}/dpa/", payload, format="json").status_code == 404
    assert not Dpa.objects.exists()
    login(api, budget.users["bpkad"])
    response = api.post(f"{BASE}/dpa/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["nomor"] == "DPA/1.01.0.00.0.00.01.0000/2026"
    again = api.post(f"{BASE}/dpa/", payload, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "dpa_exists"
    assert api.post(f"{BASE}/dpa/", {"tahapan": "x"}, format="json").status_code == 400


def test_put_months(api, budget, dpa):
    plan = _plan(dpa)
    url = f"{BASE}/anggaran-kas/{plan.pk}/"
    months = ["0"] * 6 + ["925000", "925000"] + ["0"] * 4
    login(api, budget.users["tapd"])
    assert api.put(url, {"bulan": months, "versi": 1}, format="json").status_code == 403
    login(api, budget.users["operator"])
    wrong = api.put(url, {"bulan": ["0"] * 11 + ["1"], "versi": 1}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["error"] == {
        "code": "sum_mismatch", "field": "months", "request_id": wrong.json()["error"]["request_id"],
        "message": "Jumlah anggaran kas Rp 1 tidak sama dengan anggaran Rp 1.850.000 (selisih Rp 1.849.999).",
        "details": {"jumlah": "1.00", "anggaran": "1850000.00", "selisih": "-1849999.00"}}
    assert api.put(url, {"bulan": ["1"] * 11, "versi": 1}, format="json").status_code == 400
    response = api.put(url, {"bulan": months, "versi": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["versi"] == 2 and response.json()["bulan"][6] == "925000.00"
    stale = api.put(url, {"bulan": months, "versi": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["details"]["version"] == 2
    plan.refresh_from_db()
    assert plan.version == 2


def test_quarter_override(api, budget, dpa):
    plan = _plan(dpa)
    url = f"{BASE}/anggaran-kas/{plan.pk}/izin-triwulan/"
    payload = {"triwulan": 1, "alasan": "Keterlambatan lelang karena sanggahan peserta."}
    for who, status in (("operator", 403), ("bpkad", 403), ("operator_b", 404)):
        login(api, budget.users[who])
        assert api.post(url, payload, format="json").status_code == status, who
    login(api, budget.users["sekda"])
    short = api.post(url, {"triwulan": 1, "alasan": "singkat"}, format="json")
    assert short.status_code == 400 and short.json()["error"]["code"] == "reason_required"
    assert api.post(url, {"triwulan": 7, "alasan": payload["alasan"]}, format="json").status_code == 400
    assert not QuarterOverride.objects.exists()
    response = api.post(url, payload, format="json")
    assert response.status_code == 201
    assert response.json()["triwulan"] == 1 and response.json()["disetujui_oleh"] == "sekda"
    detail = api.get(f"{BASE}/anggaran-kas/{plan.pk}/").json()
    assert [i["triwulan"] for i in detail["izin"]] == [1]
