"""Public APBD API: /api/v1/apbd/ — published stages only, exact figures, filters, one error shape, pinned queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from terang.budgeting.models import StageLine

from .test_public_selectors import BELANJA, add_stage_line, build_public_world, clear_summary_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_summary_cache()
    yield
    clear_summary_cache()


@pytest.fixture
def pw(db):
    return build_public_world()


def ringkasan(pw, **query):
    return reverse("v1:apbd-ringkasan", args=[pw.pemda.kode, 2026]), query


def rincian(pw):
    return reverse("v1:apbd-rincian", args=[pw.pemda.kode, 2026])


def test_index_lists_pemda_years_and_published_stages(client, pw):
    data = client.get(reverse("v1:apbd-list")).json()
    mine = next(p for p in data if p["kode"] == pw.pemda.kode)
    year = mine["tahun_anggaran"][0]
    assert (year["tahun"], year["tahapan_terbaru"]) == (2026, pw.apbd.pk)
    assert [(s["id"], s["jenis"], s["nama"]) for s in year["tahapan"]] == [
        (pw.kua.pk, "kua_ppas", "KUA-PPAS"), (pw.apbd.pk, "apbd", "APBD murni")]


def test_summary_identity_and_per_capita_are_exact(client, pw):
    path, query = ringkasan(pw)
    data = client.get(path, query).json()
    assert data["tahapan"]["id"] == pw.apbd.pk
    assert data["identitas"] == {
        "pendapatan": "5000000000.00", "belanja": "4939994050.00", "surplus_defisit": "60005950.00",
        "penerimaan_pembiayaan": "100000000.00", "pengeluaran_pembiayaan": "0.00",
        "pembiayaan_netto": "100000000.00", "silpa": "160005950.00"}
    assert data["per_kapita"] == {"penduduk": 1234567, "jumlah_kecamatan": 2, "belanja_per_penduduk": "4001",
                                  "pendapatan_per_penduduk": "4050", "belanja_per_kecamatan": "2469997025"}
    assert data["jumlah_baris"] == 8 and data["belum_dirinci"] == "500000000.00"
    assert sum(Decimal(o["belanja"]) for o in data["per_perangkat_daerah"]) == BELANJA
    groups = {g["kode"]: g["jumlah"] for g in data["per_kelompok_rekening"]}
    assert groups["5.1.02"] == "4931114050.00" and groups["5.2"] == "8880000.00"
    assert max(g["tingkat"] for g in data["per_kelompok_rekening"]) == 3


def test_summary_of_an_older_stage(client, pw):
    path, query = ringkasan(pw, tahapan=pw.kua.pk)
    data = client.get(path, query).json()
    assert (data["tahapan"]["nama"], data["identitas"]["belanja"]) == ("KUA-PPAS", "7000000.00")


@pytest.mark.parametrize("which", ["rapbd", "rka", "garbage", "other_year"])
def test_unpublished_stage_answers_the_404_shape(client, pw, which):
    tahapan = {"rapbd": pw.rapbd.pk, "rka": pw.world.rka.pk, "garbage": "abc",
               "other_year": pw.world.other_fiscal_year.stages.first().pk}[which]
    for path in (ringkasan(pw)[0], rincian(pw)):
        response = client.get(path, {"tahapan": tahapan})
        if which == "garbage" and path == rincian(pw):  # validated as an integer
            assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")
        else:
            assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
        assert "777777777" not in response.content.decode()


def test_unknown_pemda_or_year_is_404(client, pw):
    assert client.get(reverse("v1:apbd-ringkasan", args=["00.00", 2026])).status_code == 404
    assert client.get(reverse("v1:apbd-rincian", args=[pw.pemda.kode, 2027])).status_code == 404


def test_lines_carry_catalogue_reference_editor_and_flags(client, pw):
    data = client.get(rincian(pw)).json()
    assert data["count"] == 8
    ups = next(r for r in data["results"] if r["uraian"] == "UPS 1.200 VA")
    assert ups["kunci_baris"] == str(pw.lines["ups"].line_key)
    assert ups["perangkat_daerah"] == {"id": pw.org("dinkes").pk, "kode": pw.org("dinkes").kode,
                                       "nama": "Dinas Kesehatan"}
    assert (ups["kode_rekening"], ups["sub_kegiatan"], ups["harga_satuan"], ups["ppn"], ups["jumlah"]) == (
        "5.2.02.05.02.0006", "Pembangunan Puskesmas", "4000000.00", "880000.00", "8880000.00")
    assert ups["standar_harga"] == {"kode": "1.3.2.05.02.06.003", "nama": "UPS 1.200 VA", "satuan": "Unit",
                                    "harga_maksimum": "3500000.00"}
    assert ups["melebihi_standar"] is True
    assert (ups["terakhir_diubah_oleh"], ups["terakhir_diubah_pada"]) == ("op.dinkes", "2026-01-10T09:08:00+07:00")
    assert [f["aturan"] for f in ups["tanda_bahaya"]] == ["price_above_catalogue"]
    placeholder = next(r for r in data["results"] if r["uraian"] == "Cadangan BOP sekolah")
    assert (placeholder["jenis_baris"], placeholder["standar_harga"]) == ("belum_dirinci", None)
    assert placeholder["tanda_bahaya"][0]["alasan_diabaikan"] == "RKAS sekolah menyusul sebelum DPA."


@pytest.mark.parametrize(("query", "expected"), [
    ({"akun": "4"}, ["DAU", "Pajak Reklame"]),
    ({"akun": "5.2"}, ["UPS 1.200 VA"]),
    ({"sub_kegiatan": "1.01.02.2.02.0024"}, ["Cadangan BOP sekolah", "Lem Kertas Cair"]),
    ({"q": "ballpoint"}, ["Refill Ballpoint"]),
])
def test_line_filters(client, pw, query, expected):
    data = client.get(rincian(pw), query).json()
    assert sorted(r["uraian"] for r in data["results"]) == expected


def test_line_filter_by_agency_and_validation(client, pw):
    data = client.get(rincian(pw), {"opd": pw.org("dispendik").pk}).json()
    assert data["count"] == 2
    response = client.get(rincian(pw), {"opd": "abc"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert "opd" in response.json()["error"]["details"]


def test_lines_are_paginated(client, pw):
    data = client.get(rincian(pw), {"page_size": 3, "page": 3}).json()
    assert (data["count"], len(data["results"]), data["next"]) == (8, 2, None)
    assert client.get(rincian(pw), {"page": 9}).status_code == 404


def test_line_list_query_count_is_pinned(client, pw, django_assert_num_queries):
    # fiscal year, stages, count, page, then accounts, agencies, names, funding sources, catalogue items, users,
    # whether the stage froze its own flags, flags — whatever the number of lines
    with django_assert_num_queries(12):
        assert client.get(rincian(pw)).status_code == 200
    for n in range(40):
        add_stage_line(pw.world, pw.apbd, "dinkes", "5.1.02.01.01.0052", f"Nasi {n}", vol="10", harga="40000",
                       sub_kegiatan="1.02.01.2.06.0002", item="Nasi Kotak Rapat", user=pw.world.users["head"])
    with django_assert_num_queries(12):
        assert client.get(rincian(pw), {"page_size": 500}).json()["count"] == 48


def test_api_is_read_only(client, pw):
    for path in (reverse("v1:apbd-list"), ringkasan(pw)[0], rincian(pw)):
        assert client.post(path, {}).status_code in (403, 405)
    assert StageLine.objects.filter(stage=pw.apbd).count() == 8
