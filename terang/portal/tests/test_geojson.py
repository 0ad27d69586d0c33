import json

import pytest

from terang.portal import geo


def _get(client, kode):
    response = client.get(f"/wilayah/{kode}/peta.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def test_kabupaten_map_holds_its_25_kecamatan(client, bwi):
    data = _get(client, "35.10")

    features = data["features"]
    assert data["type"] == "FeatureCollection"
    assert data["attribution"] == "© Cahya DSN, MIT"
    assert len(features) == 25
    assert [f["properties"]["kode"] for f in features][:2] == ["35.10.01", "35.10.02"]
    first = features[0]["properties"]
    assert first["nama"] == "Pesanggaran"
    assert first["url"] == "/wilayah/35.10.01/"
    assert first["luas_km2"] == 441.23
    assert first["titik"] == [-8.494335, 113.946485]
    assert features[0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    # kecamatan that are not (yet) in the database are drawn without a link
    urls = {f["properties"]["kode"]: f["properties"]["url"] for f in features}
    assert urls["35.10.16"] == "/wilayah/35.10.16/"
    assert urls["35.10.02"] is None
    assert sum(1 for u in urls.values() if u) == 2


def test_kecamatan_map_holds_its_desa(client, bwi):
    data = _get(client, "35.10.01")

    props = [f["properties"] for f in data["features"]]
    assert [p["kode"] for p in props] == [
        "35.10.01.2001",
        "35.10.01.2002",
        "35.10.01.2004",
        "35.10.01.2009",
        "35.10.01.2010",
    ]
    assert props[0] == {
        "kode": "35.10.01.2001",
        "nama": "Sarongan",
        "url": "/wilayah/35.10.01.2001/",
        "jenis": "desa",
        "luas_km2": 188.23,
        "titik": props[0]["titik"],
    }
    assert props[2]["url"] is None


def test_kelurahan_side_of_the_kecamatan_map(client, bwi):
    props = [f["properties"] for f in _get(client, "35.10.16")["features"]]
    assert len(props) == 18
    assert {p["jenis"] for p in props} == {"kelurahan"}
    assert props[0]["url"] == "/wilayah/35.10.16.1001/"


def test_desa_map_is_the_desa_itself(client, bwi):
    data = _get(client, "35.10.01.2001")

    assert len(data["features"]) == 1
    assert data["features"][0]["properties"]["kode"] == "35.10.01.2001"
    assert data["features"][0]["properties"]["url"] == "/wilayah/35.10.01.2001/"


def test_unknown_region_and_region_without_map_are_404(client, bwi):
    assert client.get("/wilayah/35.10.99/peta.geojson").status_code == 404  # not in the database
    assert client.get("/wilayah/35/peta.geojson").status_code == 404  # province: no boundary file


def test_files_are_read_once_and_responses_cached(bwi, client, monkeypatch):
    geo.clear_cache()
    calls = []
    real_load = geo._load
    monkeypatch.setattr(geo, "_load", lambda prefix: calls.append(prefix) or real_load(prefix))

    first = client.get("/wilayah/35.10/peta.geojson").content
    second = client.get("/wilayah/35.10.01/peta.geojson").content
    again = client.get("/wilayah/35.10/peta.geojson").content

    assert calls == ["35.10"]
    assert first == again and first != second
    assert client.get("/wilayah/35.10/peta.geojson")["Cache-Control"] == "public, max-age=3600"


def test_other_geo_directory_and_no_directory(tmp_path, settings):
    settings.TERANG_GEO_DIR = tmp_path / "missing"
    geo.clear_cache()
    try:
        assert geo.map_codes("35.10") == []
        assert geo.has_map("35.10.01") is False
    finally:
        del settings.TERANG_GEO_DIR
        geo.clear_cache()
    assert geo.has_map("35.10.01")


@pytest.mark.parametrize(
    ("kode", "count"), [("35.10", 25), ("35.10.16", 18), ("35.10.16.1001", 1), ("35.1", 0), ("35.100", 0), ("99.01", 0)]
)
def test_map_codes(kode, count):
    assert len(geo.map_codes(kode)) == count
