"""/api/v1/anggaran/ringkasan/: public for published stages, 404 for drafts (except pemda-wide readers of frozen
stages), exact figures per `menurut`, one aggregate query."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from terang.budgeting.choices import StageKind, StageStatus

from .test_dpa_world import BELANJA, freeze

pytestmark = pytest.mark.django_db

URL = "/api/v1/anggaran/ringkasan/"


@pytest.fixture
def api():
    return APIClient()


def test_public_summary_of_the_latest_published_stage(api, budget, django_assert_num_queries):
    apbd = freeze(budget)
    assert reverse("v1:anggaran-ringkasan") == URL
    params = {"pemda": budget.pemda.kode, "tahun": 2026}
    # pemda, fiscal year, stages, the GROUP BY, account names
    with django_assert_num_queries(5):
        response = api.get(URL, params)
    assert response.status_code == 200
    body = response.json()
    assert body["tahapan"] == {"id": apbd.pk, "jenis": "apbd", "nomor": 1, "nama": "APBD murni",
                               "status": "published"}
    assert body["menurut"] == "akun"
    assert body["identitas"] == {
        "pendapatan": "801250000000.00", "belanja": str(BELANJA), "surplus_defisit": "801095946140.00",
        "penerimaan_pembiayaan": "25000000000.00", "pengeluaran_pembiayaan": "0.00",
        "pembiayaan_netto": "25000000000.00", "silpa": "826095946140.00"}
    assert body["baris"][0] == {"kode": "4", "nama": "PENDAPATAN DAERAH", "tingkat": "akun",
                                "jumlah": "801250000000.00"}
    by_slug = api.get(URL, {**params, "pemda": budget.pemda.slug, "tahapan": "apbd", "tingkat": 1}).json()
    assert [row["kode"] for row in by_slug["baris"]] == ["4", "5", "6"]


def test_each_menurut(api, budget):
    freeze(budget)
    params = {"pemda": budget.pemda.kode, "tahun": 2026}
    opd = api.get(URL, {**params, "menurut": "opd"}).json()
    assert [row["nama"] for row in opd["baris"]] == [
        "Dinas Pendidikan", "Dinas Kesehatan", "Badan Pengelolaan Keuangan dan Aset Daerah"]
    assert opd["baris"][1]["belanja_modal"] == "7770000.00"
    assert opd["identitas"]["silpa"] == "826095946140.00"
    urusan = api.get(URL, {**params, "menurut": "urusan"}).json()
    assert [(r["kode"], r["tingkat"], r["belanja"]) for r in urusan["baris"]] == [
        ("1", "urusan", str(BELANJA)), ("1.01", "bidang_urusan", "140448000.00"),
        ("1.02", "bidang_urusan", "13605860.00")]
    assert urusan["identitas"] is None
    fungsi = api.get(URL, {**params, "menurut": "fungsi", "identitas": "true"}).json()
    assert [(r["kode"], r["disimpulkan"]) for r in fungsi["baris"]] == [
        ("06", False), ("06.01", False), ("08", True), ("08.01", True)]
    assert fungsi["identitas"]["belanja"] == str(BELANJA)
    cube = api.get(URL, {**params, "menurut": "opd_akun_sumber"}).json()
    assert cube["baris"][2] == {
        "perangkat_daerah_id": budget.orgs["dinkes"].pk, "perangkat_daerah_kode": "1.02.0.00.0.00.01.0000",
        "perangkat_daerah_nama": "Dinas Kesehatan", "rekening_kode": "5.2.02",
        "rekening_nama": "Belanja Modal Peralatan dan Mesin", "sumber_dana_kode": "2.1",
        "sumber_dana_nama": "DANA ALOKASI KHUSUS", "jumlah": "7770000.00"}
    bad = api.get(URL, {**params, "menurut": "program"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_drafts_are_not_public(api, budget):
    from terang.accounts.testing import force_login_verified

    draft = freeze(budget, kind=StageKind.RAPBD, status=StageStatus.CLOSED)
    params = {"pemda": budget.pemda.kode, "tahun": 2026}
    response = api.get(URL, params)  # nothing published yet beyond KUA-PPAS (not frozen lines here)
    assert response.status_code == 200 and response.json()["tahapan"]["jenis"] == "kua_ppas"
    assert response.json()["baris"] == []
    for tahapan in (str(draft.pk), "rapbd", "rka", str(budget.rka.pk)):
        assert api.get(URL, {**params, "tahapan": tahapan}).status_code == 404, tahapan
    assert api.get(URL, {**params, "tahun": 2031}).status_code == 404
    assert api.get(URL, {**params, "pemda": "00.00"}).status_code == 404
    # an agency operator is not a pemda-wide reader; TAPD is
    force_login_verified(api, budget.users["operator"])
    assert api.get(URL, {**params, "tahapan": "rapbd"}).status_code == 404
    force_login_verified(api, budget.users["tapd"])
    response = api.get(URL, {**params, "tahapan": "rapbd"})
    assert response.status_code == 200 and response.json()["identitas"]["belanja"] == str(BELANJA)
    assert api.get(URL, {**params, "tahapan": "rka"}).status_code == 404  # open: not frozen
    force_login_verified(api, budget.users["tapd_b"])
    assert api.get(URL, {**params, "tahapan": "rapbd"}).status_code == 404
