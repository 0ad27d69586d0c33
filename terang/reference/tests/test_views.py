"""Public reference pages: index, searchable lists with drill-down and versions, detail pages."""

import pytest
from django.urls import reverse

from terang.reference.loaders import V_1317, V_2027
from terang.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_index_lists_every_code_list_with_counts(reference_slice, client):
    response = client.get(reverse("reference:index"))
    assert response.status_code == 200
    counts = {s["list"].slug: s["count"] for s in response.context["summaries"]}
    assert counts["fungsi"] == 56
    assert counts["sumber-dana"] == 284
    assert counts["desa-kegiatan"] == 239 + 5 + 27
    html = response.content.decode()
    assert "Kode rekening APBD" in html and "Kepmendagri 900.1.15.5-1317/2023" in html
    assert reverse("reference:list", args=["program"]) in html


def test_anonymous_and_logged_in_users_see_the_same_public_list(reference_slice, client):
    url = reverse("reference:list", args=["fungsi"])
    anonymous = client.get(url)
    client.force_login(UserFactory())
    logged_in = client.get(url)
    assert anonymous.status_code == logged_in.status_code == 200
    assert [r.kode for r in anonymous.context["rows"]] == [r.kode for r in logged_in.context["rows"]]


def test_list_searches_codes_in_old_and_new_width(reference_slice, client):
    url = reverse("reference:list", args=["rekening"])
    for typed in ("5.1.02.01.001.00024", "5.1.02.01.01.0024", "5.1.02.01.01.024"):
        response = client.get(url, {"q": typed})
        assert [r.kode for r in response.context["rows"]] == ["5.1.02.01.01.0024"], typed
    response = client.get(url, {"q": "alat tulis"})
    assert "5.1.02.01.01.0024" in response.content.decode()


def test_list_filters_by_version_level_and_parent(reference_slice, client, django_assert_max_num_queries):
    url = reverse("reference:list", args=["program"])
    with django_assert_max_num_queries(6):
        response = client.get(url, {"versi": V_1317, "tingkat": "sub_kegiatan", "induk": "X.XX.01.2.01"})
    kodes = [r.kode for r in response.context["rows"]]
    assert kodes and all(k.startswith("X.XX.01.2.01.") for k in kodes)
    assert "X.XX.01.2.01.0008" not in kodes  # only in pemutakhiran-2027
    response = client.get(url, {"versi": V_2027, "induk": "X.XX.01.2.01"})
    assert "X.XX.01.2.01.0008" in [r.kode for r in response.context["rows"]]
    assert response.context["parent"].kode == "X.XX.01.2.01"


def test_list_page_query_count_does_not_grow_with_rows(reference_slice, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(reverse("reference:list", args=["sumber-dana"]))
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.num_pages == 6
    second = client.get(reverse("reference:list", args=["sumber-dana"]), {"page": 2})
    assert second.context["rows"][0].kode != response.context["rows"][0].kode


def test_drill_down_links_children(reference_slice, client):
    response = client.get(reverse("reference:list", args=["desa-kegiatan"]), {"tingkat": "bidang"})
    assert [r.kode for r in response.context["rows"]] == ["01", "02", "03", "04", "05"]
    assert all(r.has_children for r in response.context["rows"])
    assert "?induk=01" in response.content.decode()


def test_unknown_list_and_parent_are_404(reference_slice, client):
    assert client.get("/referensi/tidak-ada/").status_code == 404
    assert client.get(reverse("reference:list", args=["program"]), {"induk": "9.99"}).status_code == 404


def test_detail_shows_parents_children_metadata_and_versions(reference_slice, client):
    response = client.get(reverse("reference:detail", args=["program", "1.02.02.2.01"]))
    assert response.status_code == 200
    assert [a.kode for a in response.context["ancestors"]] == ["1", "1.02", "1.02.02"]
    assert "1.02.02.2.01.0001" in [c.kode for c in response.context["children"]]
    sub = client.get(reverse("reference:detail", args=["program", "1.02.02.2.01.01"]))  # old width
    assert sub.context["obj"].kode == "1.02.02.2.01.0001"
    html = sub.content.decode()
    assert sub.context["obj"].indikator in html
    assert "Kepmendagri 900.1.15.5-1317/2023" in html and "Pemutakhiran 2027" in html
    assert "1.02.02.2.01.01</code>" in html  # the same code in the Permendagri 90/2019 width


def test_detail_of_account_shows_2026_width_and_postable(reference_slice, client):
    response = client.get(reverse("reference:detail", args=["rekening", "5.1.02.01.01.0024"]))
    html = response.content.decode()
    assert "5.1.02.01.001.00024" in html
    assert response.context["is_account"] and response.context["obj"].is_postable


def test_detail_of_agency_support_code_explains_the_expansion(reference_slice, client):
    response = client.get(reverse("reference:detail", args=["program", "5.01.01.2.01.0001"]))
    assert response.context["obj"].kode == "X.XX.01.2.01.0001"
    assert response.context["expanded"] == "5.01.01.2.01.0001"


def test_detail_of_missing_code_is_404(reference_slice, client):
    assert client.get(reverse("reference:detail", args=["rekening", "9.9.99"])).status_code == 404
    assert client.get(reverse("reference:detail", args=["rekening", "bukan-kode"])).status_code == 404


def test_pages_are_read_only(reference_slice, client):
    assert client.post(reverse("reference:list", args=["program"])).status_code == 405
