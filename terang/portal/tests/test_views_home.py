from terang.testing.factories import PemdaFactory, RegionFactory


def test_home_lists_active_pemda_with_figures(client, bwi):
    # given an active pemda (Banyuwangi) and an inactive one
    PemdaFactory(
        region=RegionFactory(kode="35.01", nama="Kabupaten Pacitan"), nama="Pemerintah Pacitan", is_active=False
    )

    # when the public home page is opened
    response = client.get("/")

    # then only the active pemda is listed, with Indonesian-formatted figures and a link to its region page
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pemerintah Kabupaten Banyuwangi" in html
    assert "Pemerintah Pacitan" not in html
    assert "1.791.789 jiwa" in html
    assert "3.593,85 km²" in html
    assert "499 jiwa/km²" in html  # 1,791,789 / 3,593.849
    assert 'href="/wilayah/35.10/"' in html


def test_home_without_pemda_says_so(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "Belum ada pemerintah daerah yang aktif." in response.content.decode()


def test_home_has_portal_navigation(client, db):
    html = client.get("/").content.decode()
    assert 'href="/akun/masuk/"' in html  # Masuk
    assert 'href="/api/docs/"' in html
    assert 'action="/i18n/setlang/"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<html lang="id">' in html
