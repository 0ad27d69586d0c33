"""Public APBD pages: anonymous, published stages only, exact figures, every line with catalogue reference and its
last editor; drafts answer 404 and no draft figure appears anywhere."""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from terang.budgeting.choices import StageKind, StageStatus
from terang.budgeting.models import RedFlag, StageLine
from terang.org.models import Organisation
from terang.testing.factories import OrganisationFactory

from .test_public_selectors import (
    DRAFT_TEXT,
    add_stage_line,
    build_public_world,
    clear_summary_cache,
    make_stage,
)

pytestmark = pytest.mark.django_db
NO_PAGE_CACHE = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_summary_cache()
    yield
    clear_summary_cache()


@pytest.fixture
def pw(db):
    return build_public_world()


def url(name, pw, *args, **query):
    path = reverse(f"apbd:{name}", args=[pw.pemda.kode, 2026, *args])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def field(html, name):
    match = re.search(rf'data-field="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


def public_urls(pw, tahapan=None):
    """Every public page and download of the fiscal year (optionally for one stage)."""
    q = {"tahapan": tahapan} if tahapan else {}
    dinkes, dispendik = pw.org("dinkes").pk, pw.org("dispendik").pk
    return [
        url("overview", pw, **q),
        url("organisation", pw, dinkes, **q),
        url("organisation", pw, dispendik, **q),
        url("organisation", pw, pw.org("bpkad").pk, **q),
        url("sub_activity", pw, "1.02.02.2.01.0002", **q),
        url("sub_activity", pw, "1.02.02.2.01.0002", opd=dinkes, **q),
        url("flags", pw, **q),
        url("download_lines_csv", pw, **q),
        url("download_lines_json", pw, **q),
        url("download_by_organisation_csv", pw, **q),
        url("download_by_account_csv", pw, **q),
    ]


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_index_lists_published_years_with_their_latest_stage(client, pw):
    html = client.get(reverse("apbd:index")).content.decode()
    assert pw.pemda.nama in html
    assert url("overview", pw) in html
    assert "APBD murni" in html and "Rancangan APBD" not in html


def test_overview_shows_the_identity_per_capita_and_agencies(client, pw):
    response = client.get(url("overview", pw))
    assert response.status_code == 200
    html = response.content.decode()
    assert [field(html, f) for f in ("pendapatan", "belanja", "surplus_defisit", "pembiayaan_netto",
                                     "penerimaan_pembiayaan", "pengeluaran_pembiayaan", "silpa")] == [
        "Rp 5.000.000.000", "Rp 4.939.994.050", "Rp 60.005.950", "Rp 100.000.000", "Rp 100.000.000", "Rp 0",
        "Rp 160.005.950"]
    assert field(html, "penduduk") == "1.234.567"
    assert field(html, "belanja_per_penduduk") == "Rp 4.001"
    assert field(html, "pendapatan_per_penduduk") == "Rp 4.050"
    top = html.split('data-apbd="top-opd"')[1].split("</table>")[0]
    assert top.index("Dinas Pendidikan") < top.index("Dinas Kesehatan")
    assert "Badan Pengelolaan" not in top  # no belanja
    assert url("organisation", pw, pw.org("dinkes").pk) in html
    data = json.loads(re.search(r'<script id="apbd-data" type="application/json">(.*?)</script>', html, re.S)
                      .group(1))
    assert data["identity"]["values"] == [5000000000.0, 4939994050.0, 100000000.0, 0.0]
    assert sorted(data["treemaps"]) == ["akun", "opd", "urusan"]
    assert sum(n["value"] for n in data["treemaps"]["opd"]) == 4939994050.0
    # stage selector: every published stage, never the closed RAPBD
    selector = html.split('name="tahapan"')[1].split("</select>")[0]
    assert re.findall(r"<option value=\"(\d+)\"", selector) == [str(pw.kua.pk), str(pw.apbd.pk)]
    assert "Rancangan APBD" not in html
    assert "belum dirinci" in html  # the Rp 500.000.000 placeholder is announced
    assert "1 tanda bahaya" in html
    for name in ("download_lines_csv", "download_lines_json", "download_by_organisation_csv",
                 "download_by_account_csv"):
        assert url(name, pw) in html


def test_overview_links_to_the_stage_diff_and_stage_list(client, pw):
    html = client.get(url("overview", pw)).content.decode()
    diff = reverse("apbd:banding", args=[2026]) + f"?dari={pw.kua.pk}&amp;ke={pw.apbd.pk}"
    assert diff in html
    assert client.get(diff.replace("&amp;", "&")).status_code == 200
    assert reverse("apbd:tahapan_list", args=[2026]) + f"?pemda={pw.pemda.kode}" in html
    oldest = client.get(url("overview", pw, tahapan=pw.kua.pk)).content.decode()
    assert 'data-apbd="diff"' not in oldest  # nothing published before KUA-PPAS


def test_overview_of_an_older_stage_says_so(client, pw):
    html = client.get(url("overview", pw, tahapan=pw.kua.pk)).content.decode()
    assert 'data-apbd="older-stage"' in html
    assert field(html, "pendapatan") == "Rp 3.000.000.000"
    assert field(html, "belanja") == "Rp 7.000.000"
    assert f"?tahapan={pw.kua.pk}" in html  # links keep the chosen stage


def test_organisation_page_shows_every_line_with_catalogue_and_last_editor(client, pw):
    html = client.get(url("organisation", pw, pw.org("dinkes").pk)).content.decode()
    assert field(html, "belanja") == "Rp 29.994.050"
    ups_key = pw.lines["ups"].line_key
    row = html.split(f'id="baris-{ups_key}"')[1].split("</tr>")[0]
    assert "UPS 1.200 VA" in row
    assert "1.3.2.05.02.06.003" in row and "Rp 3.500.000" in row  # catalogue reference and its maximum price
    assert 'data-apbd="di-atas-standar"' in row  # Rp 4.000.000 > Rp 3.500.000
    assert "Rp 4.000.000" in row and "Rp 880.000" in row and "Rp 8.880.000" in row
    assert "2 Unit" in row
    assert "oleh op.dinkes pada 10 Januari 2026, 09.08" in row
    assert "Harga di atas standar" in row  # the open red flag
    bata = html.split(f'id="baris-{pw.lines["bata"].line_key}"')[1].split("</tr>")[0]
    assert 'data-apbd="di-atas-standar"' not in bata
    assert "[#] Pembangunan Puskesmas Sarongan" in html and "[-] Dinding" in html
    assert "1.02.02.2.01.0002" in html and "Pembangunan Puskesmas" in html
    assert url("sub_activity", pw, "1.02.02.2.01.0002", opd=pw.org("dinkes").pk) in html


def test_sub_kegiatan_blocks_load_their_accounts_when_opened(client, pw):
    dinkes = pw.org("dinkes").pk
    html = client.get(url("organisation", pw, dinkes)).content.decode()
    fragment_url = url("sub_activity", pw, "1.02.02.2.01.0002", opd=dinkes, bagian="rekening")
    assert f'hx-get="{fragment_url.replace("&", "&amp;")}"' in html
    fragment = client.get(fragment_url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith("\n<table") or fragment.lstrip().startswith("<table")
    assert "5.1.02.01.01.0001" in fragment and "Rp 18.500.000" in fragment
    assert "5.2.02.05.02.0006" in fragment and "Rp 8.880.000" in fragment
    # the PPKD's revenue and financing accounts are shown at once (no sub-kegiatan page for them)
    bpkad = client.get(url("organisation", pw, pw.org("bpkad").pk)).content.decode()
    assert "4.1.01.09.01.0001" in bpkad.split('data-apbd="sub-kegiatan"')[1].split('id="rincian"')[0]
    assert client.get(url("sub_activity", pw, "1.02.02.2.01.0002", opd=dinkes, bagian="rekening",
                          tahapan=pw.rapbd.pk)).status_code == 404


def test_undetailed_lines_are_labelled(client, pw):
    html = client.get(url("organisation", pw, pw.org("dispendik").pk)).content.decode()
    row = html.split(f'id="baris-{pw.lines["placeholder"].line_key}"')[1].split("</tr>")[0]
    assert 'data-apbd="belum-dirinci"' in row and "Belum dirinci" in row
    assert "Rp 500.000.000" in row
    assert "oleh op.dispendik" in row


def test_organisation_search_and_pagination(client, pw):
    for n in range(105):
        add_stage_line(pw.world, pw.apbd, "dinkes", "5.1.02.01.01.0052", f"Nasi Kotak Rapat {n:03d}", vol="10",
                       harga="40000", sub_kegiatan="1.02.01.2.06.0002", item="Nasi Kotak Rapat")
    base = url("organisation", pw, pw.org("dinkes").pk)
    first = client.get(base).content.decode()
    assert first.count('class="apbd-row-line') == 100
    assert "halaman=2" in first
    second = client.get(base + "?halaman=2").content.decode()
    assert second.count('class="apbd-row-line') == 8
    found = client.get(base + "?q=ballpoint").content.decode()
    assert found.count('class="apbd-row-line') == 1 and "Refill Ballpoint" in found


def test_organisation_page_query_count_is_pinned(client, pw, django_assert_num_queries, settings):
    settings.CACHES = {**settings.CACHES, "pages": NO_PAGE_CACHE}  # the render is pinned here (cache: test_perf_*)
    page = url("organisation", pw, pw.org("dinkes").pk)
    client.get(page)  # warm the stage summary cache
    # fiscal year, stages, agency, blocks (+ names), count, lines, then accounts, agencies, names, funding sources,
    # catalogue items, users, whether the stage froze its own flags, flags
    with django_assert_num_queries(15):
        assert client.get(page).status_code == 200
    for n in range(50):
        add_stage_line(pw.world, pw.apbd, "dinkes", "5.1.02.01.01.0052", f"Nasi {n}", vol="10", harga="40000",
                       sub_kegiatan="1.02.01.2.06.0002", item="Nasi Kotak Rapat", user=pw.world.users["head"])
    with django_assert_num_queries(15):
        assert client.get(page).status_code == 200


def test_overview_query_count_is_pinned(client, pw, django_assert_num_queries, settings):
    settings.CACHES = {**settings.CACHES, "pages": NO_PAGE_CACHE}  # the render is pinned here (cache: test_perf_*)
    # fiscal year, stages, 6 for the summary (two GROUP BY, accounts, account names, agencies, program names),
    # kecamatan count, years, whether the stage froze its own flags (then cached), flags of the year + which of
    # their lines are in the stage
    with django_assert_num_queries(13):
        assert client.get(url("overview", pw)).status_code == 200
    with django_assert_num_queries(6):  # the summary of a published stage is cached
        assert client.get(url("overview", pw)).status_code == 200


def test_sub_activity_page(client, pw):
    html = client.get(url("sub_activity", pw, "1.01.02.2.02.0024", opd=pw.org("dispendik").pk)).content.decode()
    assert "Pengelolaan Dana BOS Sekolah Dasar" in html
    assert field(html, "jumlah") == "Rp 4.910.000.000"
    assert "Jumlah Sekolah yang Menerima Dana BOS" in html  # indicator from the nomenclature
    assert html.count('class="apbd-row-line') == 2
    assert "450.000 Buah" in html and "Rp 4.410.000.000" in html


@pytest.mark.parametrize("path", [
    "sub-kegiatan/9.99.99.2.99.9999/",
    "sub-kegiatan/1.02.02.2.01.0002/?opd=abc",
    "opd/999999/",
])
def test_unknown_things_are_404(client, pw, path):
    assert client.get(f"/apbd/{pw.pemda.kode}/2026/{path}").status_code == 404


def test_agency_of_another_pemda_is_404(client, pw):
    assert client.get(url("organisation", pw, pw.org("dinkes_b").pk)).status_code == 404
    assert client.get(url("sub_activity", pw, "1.02.02.2.01.0002", opd=pw.org("dinkes_b").pk)).status_code == 404


def test_agency_without_lines_in_the_stage(client, pw):
    org = OrganisationFactory(pemda=pw.pemda, nama="Dinas Pariwisata")
    html = client.get(url("organisation", pw, org.pk)).content.decode()
    assert "tidak mempunyai anggaran pada tahapan ini" in html


def test_flags_page_lists_findings_with_dismissal_reason(client, pw):
    html = client.get(url("flags", pw)).content.decode()
    assert "Harga satuan di atas standar harga UPS 1.200 VA." in html
    assert "RKAS sekolah menyusul sebelum DPA." in html
    assert "2 temuan" in html
    only_open = client.get(url("flags", pw, status="open")).content.decode()
    assert "1 temuan" in only_open and "RKAS sekolah" not in only_open
    # a flag on a line that is not in the published stage (e.g. a draft line) is not shown
    RedFlag.objects.create(fiscal_year=pw.fy, pemda=pw.pemda, organisation=pw.org("dinkes"), line=pw.draft_line,
                           line_key=pw.draft_line.line_key, rule="round_total", message=f"Total Rp {DRAFT_TEXT}")
    assert DRAFT_TEXT not in client.get(url("flags", pw)).content.decode()


# -- drafts are never public ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["rapbd", "rka"])
def test_unpublished_stages_are_404_everywhere(client, pw, which):
    stage = pw.rapbd if which == "rapbd" else pw.world.rka
    for path in public_urls(pw, tahapan=stage.pk):
        assert client.get(path).status_code == 404, path


def test_years_and_pemda_without_published_stage_are_404(client, pw):
    assert client.get(f"/apbd/{pw.pemda.kode}/2027/").status_code == 404
    assert client.get("/apbd/00.00/2026/").status_code == 404
    assert client.get("/apbd/00.00/").status_code == 404
    StageLine.objects.filter(stage=pw.kua).delete()
    pw.kua.status = StageStatus.CLOSED
    pw.kua.save()
    pw.apbd.status = StageStatus.CLOSED
    pw.apbd.save()
    for path in public_urls(pw):
        assert client.get(path).status_code == 404, path
    page = client.get(f"/apbd/{pw.pemda.kode}/")
    assert page.status_code == 200 and "belum mempublikasikan APBD" in page.content.decode()


def test_no_draft_figure_appears_on_any_public_page(client, pw):
    pages = [reverse("apbd:index"), f"/apbd/{pw.pemda.kode}/", "/", f"/wilayah/{pw.pemda.region.kode}/"]
    pages += public_urls(pw) + public_urls(pw, tahapan=pw.kua.pk) + public_urls(pw, tahapan=pw.apbd.pk)
    pages += [url("organisation", pw, pw.org("dinkes").pk, q="lem")]
    pages += [reverse("v1:apbd-list"), reverse("v1:apbd-ringkasan", args=[pw.pemda.kode, 2026]),
              reverse("v1:apbd-rincian", args=[pw.pemda.kode, 2026]) + "?page_size=500"]
    for path in pages:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        text = body(response)
        for secret in (DRAFT_TEXT, "777777777", "Lem Kertas Cair rahasia", "Lem draf"):
            assert secret not in text, (path, secret)


# -- published stages never disappear ---------------------------------------------------------------------------


def _lines_table(html):
    return html.split('data-apbd="lines"')[1].split("</table>")[0]


def _identity(html):
    return html.split('data-apbd="identity"')[1].split('<div class="row row-cards mb-3">')[0]


def test_publishing_a_newer_stage_keeps_the_older_one_identical(client, pw):
    dinkes = pw.org("dinkes").pk
    older = {
        "overview": url("overview", pw, tahapan=pw.apbd.pk),
        "organisation": url("organisation", pw, dinkes, tahapan=pw.apbd.pk),
        "sub": url("sub_activity", pw, "1.02.02.2.01.0002", opd=dinkes, tahapan=pw.apbd.pk),
        "csv": url("download_lines_csv", pw, tahapan=pw.apbd.pk),
        "json": url("download_lines_json", pw, tahapan=pw.apbd.pk),
        "opd_csv": url("download_by_organisation_csv", pw, tahapan=pw.apbd.pk),
        "api_summary": reverse("v1:apbd-ringkasan", args=[pw.pemda.kode, 2026]) + f"?tahapan={pw.apbd.pk}",
        "api_lines": reverse("v1:apbd-rincian", args=[pw.pemda.kode, 2026]) + f"?tahapan={pw.apbd.pk}",
    }
    before = {k: body(client.get(v)) for k, v in older.items()}
    latest_before = body(client.get(url("download_lines_csv", pw)))
    assert latest_before == before["csv"]

    shift = make_stage(pw.world, StageKind.PERGESERAN, 5, "Pergeseran 1", StageStatus.PUBLISHED, 0)
    for line in StageLine.objects.filter(stage=pw.apbd):
        line.pk, line.stage = None, shift
        if line.uraian == "Bata Merah":
            line.total, line.volume = Decimal("37000000.00"), Decimal("20000")
        line.save()
    add_stage_line(pw.world, shift, "dinkes", "5.1.02.01.01.0024", "Kertas HVS", vol="10", harga="56000",
                   sub_kegiatan="1.02.01.2.06.0002", item="Kertas HVS 70 gr A4", line_key=uuid.uuid4())

    after = {k: body(client.get(v)) for k, v in older.items()}
    for key in ("csv", "json", "opd_csv", "api_summary", "api_lines"):
        assert after[key] == before[key], key
    assert _identity(after["overview"]) == _identity(before["overview"])
    assert _lines_table(after["organisation"]) == _lines_table(before["organisation"])
    assert _lines_table(after["sub"]) == _lines_table(before["sub"])
    assert 'data-apbd="older-stage"' in after["overview"]
    # the default now shows the newer stage, and the selector lists all three published stages
    latest = client.get(url("overview", pw)).content.decode()
    assert field(latest, "belanja") == "Rp 4.959.054.050"  # + 18.500.000 (bata) + 560.000 (HVS)
    selector = latest.split('name="tahapan"')[1].split("</select>")[0]
    assert re.findall(r"<option value=\"(\d+)\"", selector) == [str(pw.kua.pk), str(pw.apbd.pk), str(shift.pk)]
    assert body(client.get(url("download_lines_csv", pw))) != before["csv"]


# -- portal entry points -----------------------------------------------------------------------------------------


def test_portal_links_to_the_apbd(client, pw):
    home = client.get("/").content.decode()
    assert f'href="{reverse("apbd:index")}"' in home
    assert f'href="/apbd/{pw.pemda.kode}/"' in home
    region = client.get(f"/wilayah/{pw.pemda.region.kode}/").content.decode()
    assert 'data-apbd="region-link"' in region
    response = client.get(f"/apbd/{pw.pemda.kode}/")
    assert response.status_code == 302 and response["Location"] == url("overview", pw)


def test_pages_are_the_same_for_a_logged_in_official(client, pw):
    client.force_login(pw.world.users["operator"])
    html = client.get(url("organisation", pw, pw.org("dinkes").pk)).content.decode()
    assert DRAFT_TEXT not in html and "Lem draf" not in html
    assert client.get(url("overview", pw, tahapan=pw.world.rka.pk)).status_code == 404


def test_organisation_ids_are_checked_against_the_pemda(client, pw):
    assert Organisation.objects.filter(pk=pw.org("dinkes_b").pk).exists()
    assert client.get(url("organisation", pw, pw.org("dinkes_b").pk)).status_code == 404


def test_pemda_root_prefers_the_newest_year_with_a_published_budget_over_next_years_ceilings(client, pw):
    """Next year's published KUA-PPAS (ceilings, no lines) must not hide this year's APBD from a visitor arriving at
    /apbd/<pemda>/; once next year's APBD is published, the root moves on to it."""
    from django.utils import timezone

    from terang.budgeting.models import FiscalYear, Stage

    fy = pw.world.fiscal_year
    nxt = FiscalYear.objects.create(pemda=fy.pemda, tahun=fy.tahun + 1, program_version=fy.program_version,
                                    account_version=fy.account_version)
    now = timezone.now()
    Stage.objects.create(fiscal_year=nxt, pemda=fy.pemda, kind=StageKind.KUA_PPAS, sequence=1, nama="KUA-PPAS",
                         status=StageStatus.PUBLISHED, frozen_at=now, published_at=now)
    root = reverse("apbd:pemda", args=[pw.pemda.kode])
    response = client.get(root)
    assert response.status_code == 302
    assert response["Location"].rstrip("/").endswith(f"/{fy.tahun}")
    Stage.objects.create(fiscal_year=nxt, pemda=fy.pemda, kind=StageKind.APBD, sequence=4, nama="APBD",
                         status=StageStatus.PUBLISHED, frozen_at=now, published_at=now)
    response = client.get(root)
    assert response["Location"].rstrip("/").endswith(f"/{fy.tahun + 1}")
