import re

import pytest

from terang.testing.factories import make_region_tree


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_kabupaten_page_shows_figures_children_and_map(client, bwi):
    response = client.get("/wilayah/35.10/")

    html = response.content.decode()
    text = _text(html)
    assert response.status_code == 200
    assert '<h1 class="page-title">Kabupaten Banyuwangi</h1>' in html
    assert "1.791.789 jiwa" in text
    assert "894.056" in text and "897.733" in text
    assert "3.593,85 km²" in text
    assert "499 jiwa/km²" in text
    # children: the kecamatan with their desa/kelurahan counts
    assert "Kecamatan di Kabupaten Banyuwangi" in text
    assert 'href="/wilayah/35.10.01/">Pesanggaran</a>' in html
    assert 'href="/wilayah/35.10.16/">Banyuwangi</a>' in html
    assert re.search(r'data-field="jumlah-kecamatan">2<', html)
    assert re.search(r'data-field="jumlah-desa">2<', html)
    assert re.search(r'data-field="jumlah-kelurahan">1<', html)
    # breadcrumb: Beranda / Provinsi Jawa Timur / Kabupaten Banyuwangi (current)
    assert 'href="/wilayah/35/">Provinsi Jawa Timur</a>' in html
    assert '<li class="breadcrumb-item active" aria-current="page">Kabupaten Banyuwangi</li>' in html
    # the map reads its polygons from this server
    assert 'data-geojson-url="/wilayah/35.10/peta.geojson"' in html
    assert 'data-attribution="© Cahya DSN, MIT"' in html
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html


def test_kecamatan_page_lists_desa_and_kelurahan(client, bwi):
    html = client.get("/wilayah/35.10.01/").content.decode()
    text = _text(html)

    assert '<h1 class="page-title">Kecamatan Pesanggaran</h1>' in html
    assert "441,23 km²" in text
    assert "Desa dan kelurahan di Kecamatan Pesanggaran" in text
    assert 'href="/wilayah/35.10.01.2001/">Sarongan</a>' in html
    assert re.search(r'data-field="jumlah-desa">2<', html)
    assert re.search(r'data-field="jumlah-kelurahan">0<', html)
    assert 'href="/wilayah/35.10/">Kabupaten Banyuwangi</a>' in html
    assert 'data-geojson-url="/wilayah/35.10.01/peta.geojson"' in html


def test_desa_page_shows_jenis_area_and_trail(client, bwi):
    html = client.get("/wilayah/35.10.01.2001/").content.decode()
    text = _text(html)

    assert '<h1 class="page-title">Desa Sarongan</h1>' in html
    assert "Desa (pemerintahan desa dengan APBDes)" in text
    assert "188,23 km²" in text
    # no population known for desa: shown as such, no density
    assert re.search(r'data-field="penduduk">\s*<span class="text-secondary">belum tersedia', html)
    crumbs = re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(.*?)</li>', html)
    assert [_text(c).strip() for c in crumbs] == [
        "Beranda",
        "Provinsi Jawa Timur",
        "Kabupaten Banyuwangi",
        "Kecamatan Pesanggaran",
        "Desa Sarongan",
    ]
    assert 'data-geojson-url="/wilayah/35.10.01.2001/peta.geojson"' in html


def test_desa_without_official_area_uses_the_map_area(client, bwi):
    text = _text(client.get("/wilayah/35.10.01.2002/").content.decode())
    assert "26,84 km² (dihitung dari peta)" in text


def test_kelurahan_page_says_kelurahan(client, bwi):
    html = client.get("/wilayah/35.10.16.1001/").content.decode()
    assert '<h1 class="page-title">Kelurahan Pakis</h1>' in html
    assert "Kelurahan (bagian dari kecamatan, tanpa APBDes)" in _text(html)


def test_province_page_lists_kabupaten_without_map(client, bwi):
    html = client.get("/wilayah/35/").content.decode()
    assert '<h1 class="page-title">Provinsi Jawa Timur</h1>' in html
    assert "Kabupaten dan kota di Provinsi Jawa Timur" in _text(html)
    assert "data-terang-map" not in html


def test_region_of_pemda_without_boundary_files_has_no_map(client, db):
    make_region_tree("99.01")

    response = client.get("/wilayah/99.01/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-terang-map" not in html
    assert "leaflet" not in html
    assert 'href="/wilayah/99.01.01/">Kecamatan 1</a>' in html
    assert client.get("/wilayah/99.01/peta.geojson").status_code == 404


@pytest.mark.parametrize("kode", ["35.99", "xx", "35.10.01.9999"])
def test_unknown_region_is_404_with_portal_layout(client, bwi, kode):
    response = client.get(f"/wilayah/{kode}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Halaman tidak ditemukan" in html
    assert 'href="/"' in html


def test_region_page_query_count_is_bounded(client, bwi, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get("/wilayah/35.10.01.2001/")
