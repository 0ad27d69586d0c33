"""Officials of two roles sign in and open the main pages; the public map is clicked down to a desa."""

from __future__ import annotations

import re

import pytest

from terang.accounts.choices import Role
from terang.portal.tests.banyuwangi import make_banyuwangi
from terang.testing.factories import OrganisationFactory, make_user

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def _login(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/akun/masuk/")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/staf/$"))


def _heading(page) -> str:
    return page.locator("h1").first.inner_text().strip()


@pytest.mark.parametrize(
    ("role", "membership"),
    [
        (Role.BAPPEDA_PLANNER, "Perencana Bappeda · Pemerintah Kabupaten Banyuwangi"),
        (Role.OPD_OPERATOR, "Operator OPD · Dinkes"),
    ],
)
def test_official_signs_in_and_opens_the_main_pages(live_server, transactional_db, new_page, role, membership):
    # given Banyuwangi with one agency, and an official holding `role` (neither role needs two-factor auth)
    bwi = make_banyuwangi()
    dinkes = OrganisationFactory(pemda=bwi["pemda"], nama="Dinas Kesehatan", singkatan="Dinkes")
    make_user(
        role,
        pemda=bwi["pemda"],
        organisation=dinkes if role == Role.OPD_OPERATOR else None,
        username=f"uji_{role}",
        full_name="Wahyu Pratama",
    )
    page = new_page()

    # when they sign in, they land on the staff home with their membership and the menu
    _login(page, live_server.url, f"uji_{role}")
    assert _heading(page) == "Selamat datang, Wahyu Pratama"
    assert page.locator("[data-testid=memberships]").inner_text().count(membership) == 1
    assert page.locator("[data-menu=home]").is_visible()
    assert page.locator("[data-menu=audit]").count() == 0  # only auditors and pemda admins see Audit
    organisations = page.locator("[data-count=organisations]").inner_text()
    assert organisations == "1"

    # the public portal lists the pemda and leads to its region page with the map
    page.goto(f"{live_server.url}/")
    assert _heading(page) == "Pemerintah daerah"
    page.get_by_role("link", name="Lihat wilayah dan peta").click()
    page.wait_for_url(re.compile(r".*/wilayah/35\.10/$"))
    assert _heading(page) == "Kabupaten Banyuwangi"
    assert "1.791.789 jiwa" in page.locator("[data-field=penduduk]").inner_text()
    page.wait_for_selector("[data-terang-map][data-state=ready]")

    # signing out is a POST from the user menu, back to the public portal
    page.goto(f"{live_server.url}/staf/")
    page.locator(".terang-user-menu .dropdown-toggle").click()
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{live_server.url}/staf/")
    assert "/akun/masuk/" in page.url
    assert page.foreign_requests == []


def _click_region(page, kode: str) -> str:
    """Hover, then click the map at the interior point of `kode`'s polygon (a real click, hit-tested by the map)."""
    page.locator("[data-terang-map]").scroll_into_view_if_needed()
    point = page.evaluate(
        """(kode) => {
            const entry = window.terangMaps[0];
            const layer = entry.layers[kode];
            const [lat, lng] = layer.feature.properties.titik;
            const p = entry.map.latLngToContainerPoint([lat, lng]);
            const box = entry.element.getBoundingClientRect();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        kode,
    )
    page.mouse.move(point["x"], point["y"])
    tooltip = page.locator(".leaflet-tooltip").first.inner_text()
    page.mouse.click(point["x"], point["y"])
    return tooltip


def test_public_map_clicks_through_to_a_desa(live_server, transactional_db, new_page, tmp_path):
    make_banyuwangi()
    page = new_page()

    # the kabupaten map draws its 25 kecamatan from this server's boundary file
    page.goto(f"{live_server.url}/wilayah/35.10/")
    page.wait_for_selector("[data-terang-map][data-state=ready]")
    assert page.locator("[data-terang-map] path.leaflet-interactive").count() == 25
    assert page.locator(".leaflet-control-attribution").inner_text() == "© Cahya DSN, MIT"
    assert page.locator(".leaflet-tile").count() == 0

    # clicking Pesanggaran opens the kecamatan page
    assert _click_region(page, "35.10.01") == "Pesanggaran"
    page.wait_for_url(re.compile(r".*/wilayah/35\.10\.01/$"))
    assert _heading(page) == "Kecamatan Pesanggaran"
    page.wait_for_selector("[data-terang-map][data-state=ready]")
    assert page.locator("[data-terang-map] path.leaflet-interactive").count() == 5

    # clicking Sarongan opens the desa page
    assert _click_region(page, "35.10.01.2001") == "Sarongan"
    page.wait_for_url(re.compile(r".*/wilayah/35\.10\.01\.2001/$"))
    assert _heading(page) == "Desa Sarongan"
    page.wait_for_selector("[data-terang-map][data-state=ready]")
    assert "Desa (pemerintahan desa dengan APBDes)" in page.locator("[data-field=jenis]").inner_text()

    # on a 360-px phone the pages fit the screen (no sideways scrolling) and the menu folds away
    page.set_viewport_size({"width": 360, "height": 780})
    for path in ["/wilayah/35.10.01.2001/", "/wilayah/35.10/", "/"]:
        page.goto(f"{live_server.url}{path}")
        if path != "/":
            page.wait_for_selector("[data-terang-map][data-state=ready]")
        name = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=str(tmp_path / f"{name}_360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    assert (tmp_path / "wilayah_35.10.01.2001_360.png").stat().st_size > 10_000
    menu_link = page.locator("#portal-menu").get_by_role("link", name="Beranda")
    assert not menu_link.is_visible()
    page.get_by_role("button", name="Buka menu").click()
    menu_link.wait_for(state="visible")

    assert page.foreign_requests == []
