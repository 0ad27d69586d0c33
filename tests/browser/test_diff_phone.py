"""A visitor on a 360 px phone compares two published stages: nothing scrolls the page sideways, each changed line
is a readable card (label and value side by side, amounts unbroken), the koefisien change is visible, and the wide
summary table scrolls inside its box with the group column kept in view."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from terang.budgeting.choices import StageKind
from terang.budgeting.models import Stage
from terang.budgeting.services import stages as svc
from terang.budgeting.tests.test_stages_helpers import add_line, at, set_line
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.browser


def _two_published_stages():
    world = make_budget_world()
    bpkad = world.users["bpkad"]
    line = add_line(world, vol1=10, vol2=2, user=world.users["operator"])
    line.sat1, line.sat2 = "Orang", "Hari"
    line.save()
    removed = add_line(world, item="Kertas HVS 70 gr A4", vol1=500, uraian="Kertas HVS untuk seluruh bidang")
    add_line(world, org="dispendik", item="Lem Kertas Cair", vol1=7)
    rka = svc.stage_publish(actor=bpkad, stage=svc.stage_close_and_freeze(actor=bpkad, stage=world.rka))
    rapbd = Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.RAPBD, sequence=3,
                                 nama="Rancangan APBD")
    svc.stage_open(actor=bpkad, stage=rapbd, opens_at=at(-0.01), closes_at=at(3))
    set_line(line, vol1=12, sat2="Kali")
    removed.delete()
    add_line(world, org="dispendik", item="UPS 1.200 VA", account="5.2.02.05.02.0006", vol1=40,
             uraian="UPS untuk seluruh ruang kelas sekolah dasar negeri")
    rapbd = svc.stage_publish(actor=bpkad, stage=svc.stage_close_and_freeze(actor=bpkad, stage=rapbd))
    return world, rka, rapbd


def test_stage_diff_is_usable_on_a_phone(live_server, transactional_db, new_page):
    cache.clear()
    _world, rka, rapbd = _two_published_stages()
    page = new_page(width=360, height=740)
    page.goto(f"{live_server.url}/apbd/2026/banding/?dari={rka.pk}&ke={rapbd.pk}", timeout=60_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    rows = page.locator("[data-terang=diff-rows] tbody tr")
    assert rows.count() == 3  # changed, removed, added
    assert not page.locator("[data-terang=diff-rows] thead").is_visible()  # labels move into each card
    for i in range(rows.count()):
        box = rows.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    changed = page.locator("[data-terang=diff-rows] tr[data-status=changed]")
    koefisien = changed.locator("[data-terang=koefisien]")
    assert "10 Orang x 2 Hari" in koefisien.inner_text() and "12 Orang x 2 Kali" in koefisien.inner_text()
    assert "koefisien" in changed.locator("[data-terang=changed-fields]").inner_text()
    # each value sits next to its label, and amounts are never broken over lines
    label = page.evaluate(
        "el => getComputedStyle(el, '::before').content",
        changed.locator("td[data-label]").nth(5).element_handle())
    assert label.strip('"') == "Jumlah"
    for amount in page.locator("[data-terang=diff-rows] .terang-num").all():
        text = amount.inner_text()
        box = amount.bounding_box()
        assert box["x"] + box["width"] <= 360, (text, box)
        for part in text.split("\n"):
            assert "Rp" not in part or part.strip().startswith(("Rp", "-Rp", "→")), text
        assert amount.evaluate("el => getComputedStyle(el).whiteSpace") == "nowrap"

    # the summary table scrolls inside its own box; its first column stays in view
    summary = page.locator("[data-terang=diff-summary]")
    wrapper = summary.locator("xpath=..")
    assert wrapper.evaluate("el => el.scrollWidth > el.clientWidth")
    first = summary.locator("tbody tr").first.locator("th, td").first
    before = first.bounding_box()["x"]
    wrapper.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    page.wait_for_timeout(50)
    assert first.bounding_box()["x"] == pytest.approx(before, abs=1)
    assert first.evaluate("el => getComputedStyle(el).position") == "sticky"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.foreign_requests == []
