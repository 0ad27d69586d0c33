"""Public read endpoints of the org app: exact payloads, filters, search, ordering, visibility, query counts."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from terang.accounts.choices import Role
from terang.org.choices import OrganisationKind, RegionLevel
from terang.org.models import DprdMember, Organisation, Pemda, Region
from terang.testing.factories import OrganisationFactory, RegionFactory, make_user

from .assertions import assert_error, token_client

BASE = "http://testserver/api/v1"


def kodes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["kode"] for row in response.json()["results"]]


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["nama"] for row in response.json()["results"]]


# --- pemda -------------------------------------------------------------------------------------------------------


def test_pemda_list_shows_active_pemda_only(api, public_data):
    response = api.get("/api/v1/pemda/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None and body["previous"] is None
    assert body["results"][0] == {
        "kode": "99.01",
        "nama": "Pemerintah Kabupaten Uji",
        "slug": "99-01",
        "jenis": "kabupaten",
        "jenis_label": "Pemerintah Kabupaten",
        "wilayah": {
            "kode": "99.01",
            "nama": "Kabupaten 99.01",
            "tingkat": "kabupaten",
            "url": f"{BASE}/wilayah/99.01/",
        },
        "situs_web": "https://uji.go.id",
        "url": f"{BASE}/pemda/99.01/",
    }
    assert [row["kode"] for row in body["results"]] == ["99.01", "99.02"]


def test_pemda_detail_by_kode(api, public_data):
    response = api.get("/api/v1/pemda/99.02/")

    assert response.status_code == 200
    assert response.json()["nama"] == "Pemerintah Kabupaten Lain"


def test_inactive_or_unknown_pemda_is_a_json_404(api, public_data):
    assert_error(api.get("/api/v1/pemda/99.03/"), 404, "not_found")
    assert_error(api.get("/api/v1/pemda/12.34/"), 404, "not_found")


def test_pemda_search_and_ordering(api, public_data):
    assert kodes(api.get("/api/v1/pemda/", {"q": "lain"})) == ["99.02"]
    assert kodes(api.get("/api/v1/pemda/", {"q": "99.01"})) == ["99.01"]
    assert kodes(api.get("/api/v1/pemda/", {"ordering": "-kode"})) == ["99.02", "99.01"]


# --- wilayah -----------------------------------------------------------------------------------------------------


def test_region_list_row(api, public_data):
    response = api.get("/api/v1/wilayah/", {"q": "99.01.01.2001"})

    assert response.json()["results"] == [
        {
            "kode": "99.01.01.2001",
            "nama": "Desa 1",
            "tingkat": "desa",
            "tingkat_label": "Desa",
            "induk": {
                "kode": "99.01.01",
                "nama": "Kecamatan 1",
                "tingkat": "kecamatan",
                "url": f"{BASE}/wilayah/99.01.01/",
            },
            "penduduk": None,
            "luas_km2": None,
            "lat": None,
            "lng": None,
            "url": f"{BASE}/wilayah/99.01.01.2001/",
        }
    ]


def test_region_detail_has_parent_children_population_area_and_coordinates(api, public_data):
    response = api.get("/api/v1/wilayah/99.01/")

    assert response.status_code == 200
    body = response.json()
    assert body["induk"] is None
    assert body["penduduk"] == 1_700_000
    assert body["penduduk_laki_laki"] == 850_100
    assert body["penduduk_perempuan"] == 849_900
    assert body["luas_km2"] == 5782.4
    assert body["lat"] == -8.219233
    assert body["lng"] == 114.369227
    assert body["sumber"] == "BPS"
    assert body["anak"] == [
        {
            "kode": "99.01.01",
            "nama": "Kecamatan 1",
            "tingkat": "kecamatan",
            "url": f"{BASE}/wilayah/99.01.01/",
            "jumlah_desa": 1,
            "jumlah_kelurahan": 1,
        },
        {
            "kode": "99.01.02",
            "nama": "Kecamatan 2",
            "tingkat": "kecamatan",
            "url": f"{BASE}/wilayah/99.01.02/",
            "jumlah_desa": 1,
            "jumlah_kelurahan": 1,
        },
    ]


def test_region_detail_of_a_village(api, public_data):
    body = api.get("/api/v1/wilayah/99.01.02.1001/").json()

    assert body["tingkat"] == "kelurahan"
    assert body["induk"]["kode"] == "99.01.02"
    assert body["anak"] == []


def test_region_filters(api, public_data):
    assert kodes(api.get("/api/v1/wilayah/", {"tingkat": "desa", "q": "99.01"})) == [
        "99.01.01.2001",
        "99.01.02.2001",
    ]
    assert kodes(api.get("/api/v1/wilayah/?tingkat=desa&tingkat=kelurahan&induk=99.01.01")) == [
        "99.01.01.1001",
        "99.01.01.2001",
    ]
    assert kodes(api.get("/api/v1/wilayah/", {"induk": "99.01"})) == ["99.01.01", "99.01.02"]
    assert kodes(api.get("/api/v1/wilayah/", {"q": "kelurahan 2", "induk": "99.02.02"})) == ["99.02.02.1001"]
    assert kodes(api.get("/api/v1/wilayah/", {"tingkat": "kabupaten", "ordering": "-kode"})) == [
        "99.03",
        "99.02",
        "99.01",
    ]


def test_region_filter_with_an_unknown_level_is_a_400_with_field_details(api, public_data):
    error = assert_error(api.get("/api/v1/wilayah/", {"tingkat": "dusun"}), 400, "invalid")

    assert list(error["details"]) == ["tingkat"]


def test_unknown_region_is_a_json_404(api, public_data):
    assert_error(api.get("/api/v1/wilayah/99.99.99/"), 404, "not_found")


# --- perangkat daerah --------------------------------------------------------------------------------------------


def test_organisation_detail_payload(api, public_data):
    pkm = public_data["puskesmas"]
    dinkes = public_data["dinkes"]

    response = api.get(f"/api/v1/perangkat-daerah/{pkm.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": pkm.pk,
        "pemda": {"kode": "99.01", "nama": "Pemerintah Kabupaten Uji", "url": f"{BASE}/pemda/99.01/"},
        "kode": "1.02.0.00.0.00.01.0001",
        "kode_generated": True,
        "nama": "Puskesmas Satu",
        "singkatan": "PKM1",
        "jenis": "puskesmas",
        "jenis_label": "Puskesmas",
        "bidang_urusan": ["1.02"],
        "induk": {
            "id": dinkes.pk,
            "kode": "1.02.0.00.0.00.01.0000",
            "nama": "Dinas Kesehatan",
            "url": f"{BASE}/perangkat-daerah/{dinkes.pk}/",
        },
        "wilayah": None,
        "is_ppkd": False,
        "kepala_nama": "",
        "alamat": "",
        "telepon": "",
        "email": "",
        "url": f"{BASE}/perangkat-daerah/{pkm.pk}/",
    }


def test_organisation_list_hides_inactive_agencies_and_inactive_pemda(api, public_data):
    response = api.get("/api/v1/perangkat-daerah/")

    assert names(response) == [
        "Dinas Kesehatan",
        "Puskesmas Satu",
        "Badan Pengelolaan Keuangan dan Aset Daerah",
        "Kecamatan 1",
        "Dinas Kesehatan Lain",
    ]
    assert_error(api.get(f"/api/v1/perangkat-daerah/{public_data['closed'].pk}/"), 404, "not_found")
    assert_error(api.get(f"/api/v1/perangkat-daerah/{public_data['hidden_org'].pk}/"), 404, "not_found")


def test_organisation_filters(api, public_data):
    url = "/api/v1/perangkat-daerah/"
    assert names(api.get(url, {"pemda": "99.02"})) == ["Dinas Kesehatan Lain"]
    assert names(api.get(url, {"pemda": "99.01", "jenis": "puskesmas"})) == ["Puskesmas Satu"]
    assert names(api.get(f"{url}?jenis=badan&jenis=kecamatan")) == [
        "Badan Pengelolaan Keuangan dan Aset Daerah",
        "Kecamatan 1",
    ]
    assert names(api.get(url, {"is_ppkd": "true"})) == ["Badan Pengelolaan Keuangan dan Aset Daerah"]
    assert names(api.get(url, {"induk": public_data["dinkes"].pk})) == ["Puskesmas Satu"]
    assert names(api.get(url, {"pemda": "99.01", "skpd": "true"})) == [
        "Dinas Kesehatan",
        "Badan Pengelolaan Keuangan dan Aset Daerah",
        "Kecamatan 1",
    ]
    assert names(api.get(url, {"pemda": "99.01", "skpd": "false"})) == ["Puskesmas Satu"]
    assert names(api.get(url, {"q": "bpkad"})) == ["Badan Pengelolaan Keuangan dan Aset Daerah"]
    assert names(api.get(url, {"q": "7.01"})) == ["Kecamatan 1"]
    assert names(api.get(url, {"pemda": "99.01", "ordering": "-nama"})) == [
        "Puskesmas Satu",
        "Kecamatan 1",
        "Dinas Kesehatan",
        "Badan Pengelolaan Keuangan dan Aset Daerah",
    ]


def test_bidang_urusan_filter_matches_whole_codes_in_the_list(api, public_data):
    url = "/api/v1/perangkat-daerah/"
    OrganisationFactory(pemda=public_data["pemda"], nama="Dinas Gabungan", bidang_urusan="2.11; 1.02")
    OrganisationFactory(pemda=public_data["pemda"], nama="Dinas Mirip", bidang_urusan="1.021")

    assert names(api.get(url, {"pemda": "99.01", "bidang_urusan": "1.02"})) == [
        "Dinas Kesehatan",
        "Puskesmas Satu",
        "Dinas Gabungan",
    ]
    assert names(api.get(url, {"bidang_urusan": "5.01"})) == ["Badan Pengelolaan Keuangan dan Aset Daerah"]
    assert names(api.get(url, {"bidang_urusan": "1.0"})) == []
    bpkad = api.get(f"{url}{public_data['bpkad'].pk}/").json()
    assert bpkad["bidang_urusan"] == ["5.02", "5.01"]


def test_organisation_with_a_region(api, public_data):
    body = api.get(f"/api/v1/perangkat-daerah/{public_data['kecamatan'].pk}/").json()

    assert body["wilayah"] == {
        "kode": "99.01.01",
        "nama": "Kecamatan 1",
        "tingkat": "kecamatan",
        "url": f"{BASE}/wilayah/99.01.01/",
    }
    assert body["jenis"] == OrganisationKind.KECAMATAN


# --- DPRD --------------------------------------------------------------------------------------------------------


def test_dprd_members(api, public_data):
    fraksi_a = public_data["fraksi_a"]
    ani = public_data["members"][0]

    response = api.get("/api/v1/dprd/anggota/", {"pemda": "99.01"})

    assert names(response) == ["Ani", "Budi", "Citra"]  # Dedi is no longer active
    assert response.json()["results"][0] == {
        "id": ani.pk,
        "pemda": {"kode": "99.01", "nama": "Pemerintah Kabupaten Uji", "url": f"{BASE}/pemda/99.01/"},
        "nama": "Ani",
        "fraksi": {
            "id": fraksi_a.pk,
            "nama": "Fraksi Amanah",
            "singkatan": "FA",
            "url": f"{BASE}/dprd/fraksi/{fraksi_a.pk}/",
        },
        "dapil": "Dapil 1",
        "jabatan": "Ketua",
        "periode_mulai": 2024,
        "periode_selesai": 2029,
        "url": f"{BASE}/dprd/anggota/{ani.pk}/",
    }
    assert names(api.get("/api/v1/dprd/anggota/", {"fraksi": public_data["fraksi_b"].pk})) == ["Citra"]
    assert names(api.get("/api/v1/dprd/anggota/", {"dapil": "dapil 1"})) == ["Ani", "Citra"]
    assert names(api.get("/api/v1/dprd/anggota/", {"q": "bud"})) == ["Budi"]
    assert names(api.get("/api/v1/dprd/anggota/", {"pemda": "99.02"})) == []
    assert_error(api.get(f"/api/v1/dprd/anggota/{public_data['retired'].pk}/"), 404, "not_found")


def test_dprd_fractions_count_active_members(api, public_data):
    response = api.get("/api/v1/dprd/fraksi/", {"pemda": "99.01"})

    rows = response.json()["results"]
    assert [(row["nama"], row["jumlah_anggota"]) for row in rows] == [("Fraksi Amanah", 2), ("Fraksi Bersatu", 1)]
    detail = api.get(f"/api/v1/dprd/fraksi/{public_data['fraksi_b'].pk}/").json()
    assert detail["jumlah_anggota"] == 1


# --- visibility matrix: public endpoints read the same for everyone; writes are refused -------------------------

LIST_URLS = [
    "/api/v1/pemda/",
    "/api/v1/wilayah/",
    "/api/v1/perangkat-daerah/",
    "/api/v1/dprd/anggota/",
    "/api/v1/dprd/fraksi/",
]


def _client_for(kind: str, public_data):
    if kind == "anonymous":
        from rest_framework.test import APIClient

        return APIClient()
    roles = {
        "no_role": None,
        "wrong_scope": (Role.OPD_OPERATOR, public_data["other"], public_data["other_org"]),
        "right_role": (Role.OPD_OPERATOR, public_data["pemda"], public_data["dinkes"]),
    }[kind]
    if roles is None:
        from terang.testing.factories import UserFactory

        user = UserFactory()
    else:
        role, pemda, org = roles
        user = make_user(role, pemda=pemda, organisation=org)
    return token_client(Token.objects.create(user=user).key)


@pytest.mark.parametrize("kind", ["anonymous", "no_role", "wrong_scope", "right_role"])
@pytest.mark.parametrize("url", LIST_URLS)
def test_everyone_reads_the_same_public_lists(kind, url, public_data, api):
    expected = api.get(url).json()

    response = _client_for(kind, public_data).get(url)

    assert response.status_code == 200
    assert response.json() == expected


@pytest.mark.parametrize("kind", ["anonymous", "right_role"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_refused_with_405_and_nothing_changes(kind, method, public_data):
    client = _client_for(kind, public_data)
    dinkes = public_data["dinkes"]
    counts = (Pemda.objects.count(), Region.objects.count(), Organisation.objects.count(), DprdMember.objects.count())

    list_response = getattr(client, method)("/api/v1/perangkat-daerah/", {"nama": "Baru"}, format="json")
    detail_response = getattr(client, method)(f"/api/v1/perangkat-daerah/{dinkes.pk}/", {"nama": "X"}, format="json")
    region_response = getattr(client, method)("/api/v1/wilayah/99.01/", {"nama": "X"}, format="json")

    for response in (list_response, detail_response, region_response):
        error = assert_error(response, 405, "method_not_allowed")
        assert error["message"] == "Metode tidak diizinkan untuk alamat ini."
        assert "GET" in response["Allow"]
    dinkes.refresh_from_db()
    assert dinkes.nama == "Dinas Kesehatan"
    after = (Pemda.objects.count(), Region.objects.count(), Organisation.objects.count(), DprdMember.objects.count())
    assert after == counts


# --- no N+1: list endpoints run a fixed number of queries whatever the page holds -------------------------------


@pytest.fixture
def many_rows(public_data):
    pemda = public_data["pemda"]
    kec = public_data["tree"]["kec1"]
    for i in range(40):
        RegionFactory(kode=f"99.01.01.3{i:03d}", nama=f"Desa Banyak {i}", level=RegionLevel.DESA, parent=kec)
        OrganisationFactory(
            pemda=pemda, nama=f"UPTD {i}", kind=OrganisationKind.UPTD, parent=public_data["dinkes"], region=kec
        )
        DprdMember.objects.create(pemda=pemda, nama=f"Anggota {i}", fraksi=public_data["fraksi_a"])
    return public_data


@pytest.mark.parametrize("url", [*LIST_URLS, "/api/v1/wilayah/?induk=99.01.01&tingkat=desa&ordering=-nama"])
def test_list_query_count_is_fixed(url, many_rows, api, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # COUNT(*) + one SELECT with its joins
        response = api.get(url, {"page_size": 100} if "?" not in url else None)
    assert response.status_code == 200


def test_authenticated_list_query_count_is_fixed(many_rows, operator_token, django_assert_max_num_queries):
    client = token_client(operator_token)
    with django_assert_max_num_queries(3):  # + the token lookup
        response = client.get("/api/v1/perangkat-daerah/", {"page_size": 100})
    assert response.json()["count"] == 45


def test_region_detail_query_count(many_rows, api, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the region with its parent + its children with their counts
        response = api.get("/api/v1/wilayah/99.01.01/")
    assert len(response.json()["anak"]) == 42
