import re

from django.utils import translation


def _h1(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def test_indonesian_by_default(client, bwi):
    html = client.get("/").content.decode()
    assert _h1(html) == "Pemerintah daerah"
    assert '<html lang="id">' in html


def test_language_switch_to_english_and_back(client, bwi):
    # when the visitor presses "EN" in the language switch
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/wilayah/35.10/"})

    # then they return to the same page, now in English
    assert response.status_code == 302
    assert response["Location"] == "/wilayah/35.10/"
    html = client.get("/").content.decode()
    assert _h1(html) == "Regional governments"
    assert '<html lang="en">' in html
    region = client.get("/wilayah/35.10/").content.decode()
    assert "Districts in Kabupaten Banyuwangi" in region
    assert "1.791.789 inhabitants" in region  # numbers keep the Indonesian separators

    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert _h1(client.get("/").content.decode()) == "Pemerintah daerah"


def test_choice_labels_are_translated():
    from terang.accounts.choices import Role
    from terang.org.choices import RegionLevel

    with translation.override("en"):
        assert str(RegionLevel.KECAMATAN.label) == "District"
        assert str(Role.BAPPEDA_PLANNER.label) == "Bappeda planner"
    with translation.override("id"):
        assert str(RegionLevel.KECAMATAN.label) == "Kecamatan"
