"""An operator enters an RKA line with the keyboard only, and two editors of one line meet the conflict panel."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from terang.accounts.choices import Role
from terang.budgeting.models import BudgetLine
from terang.testing.budget import make_budget_world
from terang.testing.factories import make_user

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def _login(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/akun/masuk/")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/staf/$"))


def _pick(page, field, text: str, option: str) -> None:
    """Type into a search field and take the highlighted suggestion with Enter."""
    field.focus()
    page.keyboard.type(text, delay=20)
    box = field.locator("xpath=following-sibling::div[contains(@class,'rka-suggest')]")
    box.locator(".rka-option[aria-selected=true]", has_text=option).wait_for()
    page.keyboard.press("Enter")


def test_keyboard_entry_then_a_conflict_between_two_editors(live_server, transactional_db, new_page):
    world = make_budget_world()
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    make_user(Role.OPD_OPERATOR, pemda=world.pemda, organisation=world.orgs["dinkes"], username="op2.dinkes",
              full_name="Sari Wulandari")
    editor = f"{live_server.url}/staf/anggaran/rka/sub-kegiatan/{sub.pk}/"

    page = new_page()
    _login(page, live_server.url, "op.dinkes")
    page.goto(editor)
    entry = page.locator("#rka-entry")

    # account by name, then group and note, type, catalogue item from the suggestions — keyboard only
    _pick(page, entry.locator("[name=account]"), "alat tulis", "5.1.02.01.01.0024")
    assert entry.locator("[name=account]").input_value() == "5.1.02.01.01.0024"
    assert page.evaluate("document.activeElement.name") == "kelompok"
    page.keyboard.type("ATK")
    page.keyboard.press("Enter")
    page.keyboard.type("Rapat koordinasi")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "line_type"
    page.keyboard.press("Enter")
    _pick(page, entry.locator("[name=komponen]"), "ballp", "Refill Ballpoint")
    assert page.evaluate("document.activeElement.name") == "uraian"
    assert entry.locator("[name=harga_satuan]").input_value() == "23.550"
    page.keyboard.press("Enter")
    page.keyboard.type("1250")
    page.keyboard.press("Enter")
    assert entry.locator("[name=vol1]").input_value() == "1.250"  # thousands separator while typing on
    page.keyboard.type("Orang")
    page.keyboard.press("Enter")
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    page.keyboard.type("Bulan")
    page.keyboard.press("Enter")
    assert entry.locator("[data-preview]").inner_text() == "≈ Rp 353.250.000"
    page.keyboard.press("Enter")  # empty third volume: straight to the price
    assert page.evaluate("document.activeElement.name") == "harga_satuan"
    page.keyboard.press("Enter")  # Enter on the price saves and opens a new row

    row = page.locator(".rka-line").first
    row.wait_for()
    assert "1.250 Orang x 12 Bulan" in row.inner_text()
    assert row.locator("[data-field=total]").inner_text() == "Rp 353.250.000"
    assert page.locator("#rka-totals [data-total=sub]").inner_text() == "Rp 353.250.000"
    assert page.locator("#rka-totals [data-total=remaining]").inner_text() == "Rp 4.646.750.000"
    page.wait_for_function("document.activeElement && document.activeElement.name === 'komponen'")
    assert page.locator("#rka-entry [name=account]").input_value() == "5.1.02.01.01.0024"  # kept for the next
    line_id = row.get_attribute("data-line")

    # the same line open in two browsers
    other = new_page()
    _login(other, live_server.url, "op2.dinkes")
    other.goto(editor)
    page.locator(f"#line-{line_id} .rka-edit").click()
    other.locator(f"#line-{line_id} .rka-edit").click()
    mine = page.locator(f"form#line-{line_id}")
    theirs = other.locator(f"form#line-{line_id}")
    theirs.locator("[name=vol1]").fill("5")
    theirs.locator("[name=vol1]").press("Control+s")
    other.locator(f"div#line-{line_id}").wait_for()
    assert "5 Orang x 12 Bulan" in other.locator(f"div#line-{line_id}").inner_text()

    mine.locator("[name=vol1]").fill("7")
    mine.locator("[name=vol1]").press("Control+s")
    panel = page.locator("[data-testid=conflict]")
    panel.wait_for()
    assert "Versi Anda" in panel.inner_text()
    assert re.search(r"Versi tersimpan \(oleh Sari Wulandari \(op2\.dinkes\), pukul", panel.inner_text())
    assert "7 Orang x 12 Bulan" in panel.locator("[data-version=yours]").inner_text()
    assert "5 Orang x 12 Bulan" in panel.locator("[data-version=saved]").inner_text()
    assert page.locator(f"form#line-{line_id} [name=vol1]").input_value() == "7"  # nothing typed is lost

    # "Timpa dengan versi saya" is an explicit choice
    panel.locator("[data-role=overwrite]").click()
    page.locator(f"div#line-{line_id}").wait_for()
    assert "7 Orang x 12 Bulan" in page.locator(f"div#line-{line_id}").inner_text()
    assert page.locator("#rka-totals [data-total=sub]").inner_text() == "Rp 1.978.200"

    # autosave: an edited line is saved when focus leaves it; Esc abandons an edit
    other.reload()
    other.locator(f"#line-{line_id} .rka-edit").click()
    other.wait_for_function("document.activeElement && document.activeElement.name === 'komponen'")
    other.locator(f"form#line-{line_id} [name=vol1]").fill("8")
    other.locator("h1").click()
    other.locator(f"div#line-{line_id}").wait_for()
    assert "8 Orang x 12 Bulan" in other.locator(f"div#line-{line_id}").inner_text()
    assert other.locator("#rka-totals [data-total=sub]").inner_text() == "Rp 2.260.800"
    other.locator(f"#line-{line_id} .rka-edit").click()
    other.wait_for_function("document.activeElement && document.activeElement.name === 'komponen'")
    other.locator(f"form#line-{line_id} [name=vol1]").fill("99")
    other.keyboard.press("Escape")
    other.locator(f"div#line-{line_id}").wait_for()
    other.wait_for_timeout(400)  # a stray autosave would have landed by now
    assert "8 Orang x 12 Bulan" in other.locator(f"div#line-{line_id}").inner_text()
    assert BudgetLine.objects.get(pk=int(line_id)).vol1 == Decimal("8")
    assert page.foreign_requests == [] and other.foreign_requests == []


def test_phone_width_shows_lines_as_cards(live_server, transactional_db, new_page):
    world = make_budget_world()
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    from terang.budgeting.services.lines import LineInput, line_create

    line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(
        account="5.1.02.01.01.0024", price_item=world.items["Refill Ballpoint"], vol1="10", sat1="Orang"))
    page = new_page(width=360, height=740)
    _login(page, live_server.url, "op.dinkes")
    page.goto(f"{live_server.url}/staf/anggaran/rka/sub-kegiatan/{sub.pk}/")
    page.locator(".rka-line").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator(".rka-head").first.is_hidden()
    assert page.locator(".rka-line .rka-c-total").first.inner_text() == "Rp 235.500"
