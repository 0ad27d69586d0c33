"""A visitor on a 360 px phone opens the APBD overview and an agency's budget: charts draw, nothing scrolls
sideways, nothing is fetched from another host, and a sub-kegiatan opens to its accounts."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from terang.budgeting.tests.test_public_selectors import build_public_world

pytestmark = pytest.mark.browser


def test_apbd_pages_work_on_a_phone(live_server, transactional_db, new_page):
    cache.clear()  # stage summaries are cached per process
    pw = build_public_world()
    page = new_page(width=360, height=740)

    page.goto(f"{live_server.url}/apbd/{pw.pemda.kode}/2026/")
    page.wait_for_function("window.terangApbdCharts && window.terangApbdCharts.length === 2")
    assert page.locator('[data-field="belanja"]').inner_text() == "Rp 4.939.994.050"
    assert page.locator("#apbd-treemap canvas").count() == 1
    page.click("[data-treemap=urusan]")
    assert page.locator("#apbd-treemap").get_attribute("data-view") == "urusan"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.click(f'a[href="/apbd/{pw.pemda.kode}/2026/opd/{pw.org("dinkes").pk}/"] >> nth=0')
    page.wait_for_url(f"**/opd/{pw.org('dinkes').pk}/")
    assert page.locator("h1").inner_text() == "Dinas Kesehatan"
    page.locator("details.apbd-sub summary").nth(1).click()
    page.wait_for_selector("details.apbd-sub [data-apbd=sub-accounts]")
    assert "5.2.02.05.02.0006" in page.locator("details.apbd-sub").nth(1).inner_text()
    assert page.locator(f'#baris-{pw.lines["ups"].line_key}').inner_text().count("op.dinkes") == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.foreign_requests == []
