"""Public read-only API of the code lists: filters, detail by code in any width, pinned query counts."""

import pytest

from terang.reference.loaders import V_050_5889, V_1317, V_2027
from terang.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "urusan",
    "program",
    "rekening",
    "fungsi",
    "sumber-dana",
    "desa/kegiatan",
    "desa/rekening",
]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_endpoint_is_public_and_pins_its_queries(
    reference_slice, client, path, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = client.get(f"/api/v1/referensi/{path}/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] > 0
    first = body["results"][0]
    assert set(first) >= {"kode", "nama", "tingkat", "level", "kode_induk", "versi", "has_children"}
    assert first["versi"]


def test_logged_in_user_gets_the_same_data(reference_slice, client):
    anonymous = client.get("/api/v1/referensi/fungsi/").json()
    client.force_login(UserFactory())
    assert client.get("/api/v1/referensi/fungsi/").json() == anonymous


def test_program_filters_by_version_level_parent_and_search(reference_slice, client):
    url = "/api/v1/referensi/program/"
    body = client.get(url, {"versi": V_1317, "tingkat": "sub_kegiatan", "induk": "X.XX.01.2.01"}).json()
    kodes = [r["kode"] for r in body["results"]]
    assert kodes and "X.XX.01.2.01.0008" not in kodes
    assert all(r["kode_induk"] == "X.XX.01.2.01" and V_1317 in r["versi"] for r in body["results"])
    body = client.get(url, {"versi": V_2027, "induk": "X.XX.01.2.01"}).json()
    assert "X.XX.01.2.01.0008" in [r["kode"] for r in body["results"]]
    body = client.get(url, {"q": "1.02.02.2.01.01", "tingkat": "5"}).json()
    assert [r["kode"] for r in body["results"]][:1] == ["1.02.02.2.01.0001"]
    row = body["results"][0]
    assert row["indikator"] and row["satuan"] and row["is_support"] is False


def test_account_filters(reference_slice, client):
    body = client.get("/api/v1/referensi/rekening/", {"q": "5.1.02.01.001", "is_postable": "true"}).json()
    assert body["count"] > 0 and all(r["is_postable"] and r["level"] == 6 for r in body["results"])
    assert all(r["kode"].startswith("5.1.02.01.01.") for r in body["results"])
    body = client.get("/api/v1/referensi/rekening/", {"versi": V_050_5889, "tingkat": "sub_rincian_objek"}).json()
    assert "5.1.02.01.01.0024" in [r["kode"] for r in body["results"]]


def test_detail_by_code_in_any_width(reference_slice, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/referensi/rekening/5.1.02.01.001.00024/")
    assert response.status_code == 200
    assert response.json() == {
        "kode": "5.1.02.01.01.0024",
        "nama": "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor",
        "tingkat": "sub_rincian_objek",
        "level": 6,
        "kode_induk": "5.1.02.01.01",
        "keterangan": "",
        "versi": [V_050_5889],
        "has_children": False,
        "is_postable": True,
    }
    support = client.get("/api/v1/referensi/program/5.01.01.2.01.0001/").json()
    assert support["kode"] == "X.XX.01.2.01.0001" and support["is_support"] is True
    village = client.get("/api/v1/referensi/desa/rekening/4.2.1/").json()
    assert village["nama"] == "Dana Desa" and village["kode_induk"] == "4.2"


def test_missing_code_uses_the_error_shape(reference_slice, client):
    response = client.get("/api/v1/referensi/program/9.99/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_versions_endpoint(reference_slice, client):
    body = client.get("/api/v1/referensi/versi/").json()
    assert {v["kode"] for v in body["results"]} >= {V_050_5889, V_1317, V_2027, "permendagri-20-2018"}
    detail = client.get(f"/api/v1/referensi/versi/{V_1317}/").json()
    assert (detail["amends"], detail["tanggal"], detail["jenis"]) == (V_050_5889, "2023-06-23", "regulasi")


def test_api_is_read_only(reference_slice, client):
    client.force_login(UserFactory())
    response = client.post("/api/v1/referensi/program/", {"kode": "9"}, content_type="application/json")
    assert response.status_code == 405
    assert client.delete("/api/v1/referensi/rekening/5.1.02.01.01.0024/").status_code == 405
