"""Line entry through the editor endpoints: htmx saves answer the row, the group subtotals and the running totals;
refused saves keep what was typed and show the service's message; stale saves show both versions; the same
endpoints work without JavaScript (POST and redirect)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from terang.audit.models import ChangeRecord
from terang.budgeting.choices import LineType
from terang.budgeting.models import BudgetLine, Ceiling
from terang.budgeting.services.lines import LineInput, line_create, line_update
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

ATK = "5.1.02.01.01.0024"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world():
    return make_budget_world()


@pytest.fixture
def sub(world):
    return world.sub_activity("dinkes", "1.02.02.2.01.0002")


@pytest.fixture
def operator(client, world):
    client.force_login(world.users["operator"])
    return world.users["operator"]


def add_line(world, sub, actor=None, **extra):
    values = {"account": ATK, "price_item": world.items["Refill Ballpoint"], "vol1": "10", "sat1": "Orang",
              "vol2": "12", "sat2": "Bulan", "kelompok": "ATK", "keterangan": "Rapat koordinasi"}
    values.update(extra)
    return line_create(actor=actor or world.users["operator"], sub_activity=sub, data=LineInput(**values))


def form(world, **extra):
    data = {"account": ATK, "kelompok": "ATK", "keterangan": "Rapat koordinasi", "line_type": "item",
            "price_item": str(world.items["Refill Ballpoint"].pk), "komponen": "Refill Ballpoint", "uraian": "",
            "vol1": "10", "sat1": "Orang", "vol2": "12", "sat2": "Bulan", "vol3": "", "sat3": "", "vol4": "",
            "sat4": "", "harga_satuan": "", "sumber_dana": ""}
    data.update(extra)
    return data


def total_of(html, name):
    match = re.search(rf'data-total="{name}">([^<]*)<', html)
    return match.group(1) if match else None


def create_url(sub):
    return reverse("budgeting:line_create", args=[sub.pk])


def update_url(line):
    return reverse("budgeting:line_update", args=[line.pk])


# --- create -------------------------------------------------------------------------------------------------------


def test_first_line_of_a_group_answers_the_whole_table_and_the_totals(client, world, sub, operator):
    response = client.post(create_url(sub), form(world, vol1="1.250", ppn="on"), **HX)
    html = response.content.decode()
    line = BudgetLine.objects.get()
    # 1.250 Orang x 12 Bulan x Rp 23.550 = Rp 353.250.000 + PPN 11 % Rp 38.857.500
    assert (line.volume, line.ppn_amount, line.total) == (Decimal("15000.0000"), Decimal("38857500.00"),
                                                          Decimal("392107500.00"))
    assert response.status_code == 200 and response["X-Terang-Outcome"] == "created"
    assert '<div id="rka-lines" class="rka-table"' in html and 'hx-swap-oob="true"' in html
    assert f'id="line-{line.pk}"' in html and "1.250 Orang x 12 Bulan" in html
    assert total_of(html, "sub") == "Rp 392.107.500"
    assert total_of(html, "agency") == "Rp 392.107.500"
    assert total_of(html, "remaining") == "Rp 4.607.892.500"
    # the entry row comes back empty except account, group and note, ready for the next line
    entry = html.split('<div id="rka-lines"')[0]
    assert 'id="rka-entry"' in entry and f'value="{ATK}"' in entry and 'value="ATK"' in entry
    assert 'value="Rapat koordinasi"' in entry and 'name="vol1" value=""' in entry
    assert "Tersimpan: Refill Ballpoint (Rp 392.107.500)" in entry


def test_next_line_in_the_same_group_is_appended_with_group_subtotals(client, world, sub, operator):
    first = add_line(world, sub)  # Rp 2.826.000
    response = client.post(create_url(sub), form(world, price_item=str(world.items["Lem Kertas Cair"].pk),
                                                 vol1="3", vol2="", sat2=""), **HX)
    html = response.content.decode()
    new = BudgetLine.objects.exclude(pk=first.pk).get()
    assert new.total == Decimal("29400.00")
    assert response["X-Terang-Outcome"] == "created"
    assert 'id="rka-lines"' not in html  # only the new row, appended to its group
    assert re.search(r'<div hx-swap-oob="beforeend:#list-ga\d+-k\w+-t\w+">\s*<div id="line-' + str(new.pk) + '"', html)
    assert re.findall(r'class="rka-subtotal" hx-swap-oob="true">([^<]*)<', html) == ["Rp 2.855.400"] * 3
    assert total_of(html, "sub") == "Rp 2.855.400"
    assert total_of(html, "remaining") == "Rp 4.997.144.600"


def test_undetailed_line_needs_only_an_amount_and_is_marked(client, world, sub, operator):
    data = form(world, line_type="belum_dirinci", price_item="", komponen="", vol1="", sat1="", vol2="", sat2="",
                uraian="Menunggu RKAS sekolah", harga_satuan="150.000.000")
    response = client.post(create_url(sub), data, **HX)
    html = response.content.decode()
    line = BudgetLine.objects.get()
    assert (line.line_type, line.total, line.uraian) == (LineType.UNDETAILED, Decimal("150000000.00"),
                                                         "Menunggu RKAS sekolah")
    assert "rka-badge-undetailed" in html and "rka-line rka-undetailed" in html
    assert "Rp 150.000.000 belum dirinci" in html


def test_price_above_catalogue_keeps_the_typed_row_and_marks_the_field(client, world, sub, operator):
    response = client.post(create_url(sub), form(world, harga_satuan="30.000", vol1="7"), **HX)
    html = response.content.decode()
    assert response.status_code == 422 and response["X-Terang-Outcome"] == "invalid"
    assert "Harga satuan Rp 30.000 melebihi harga standar Rp 23.550 untuk Refill Ballpoint." in html
    assert 'data-error-field="harga_satuan"' in html
    assert re.search(r'name="harga_satuan" value="30.000" class="[^"]*is-invalid', html)
    assert 'name="vol1" value="7"' in html and 'name="sat2" value="Bulan"' in html
    assert not BudgetLine.objects.exists()


def test_ceiling_error_text_is_shown_under_the_row(client, world, sub, operator):
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("3000000"))
    add_line(world, sub)  # Rp 2.826.000
    response = client.post(create_url(sub), form(world, vol1="1", vol2="10"), **HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert ("Jumlah belanja Dinkes menjadi Rp 3.061.500, melebihi pagu Rp 3.000.000 (kelebihan Rp 61.500). "
            "Baris tidak disimpan.") in html
    assert BudgetLine.objects.count() == 1


def test_account_and_item_errors_point_at_their_fields(client, world, sub, operator):
    response = client.post(create_url(sub), form(world, account="5.1.02.01.01"), **HX)
    assert 'data-error-field="account"' in response.content.decode()
    response = client.post(create_url(sub), form(world, account="5.1.02.01.01.0001"), **HX)
    html = response.content.decode()
    assert 'data-error-field="komponen"' in html
    assert "tidak diizinkan untuk rekening 5.1.02.01.01.0001" in html
    assert not BudgetLine.objects.exists()


def test_item_code_typed_without_javascript_is_found(client, world, sub, operator):
    data = form(world, price_item="", komponen="1.1.12.01.03.0001.07001 Lem Kertas Cair", vol2="", sat2="")
    response = client.post(create_url(sub), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("budgeting:line_editor", args=[sub.pk]) + "#rka-entry"
    assert BudgetLine.objects.get().price_item == world.items["Lem Kertas Cair"]


def test_refused_save_without_javascript_renders_the_page_with_the_typed_values(client, world, sub, operator):
    response = client.post(create_url(sub), form(world, harga_satuan="30000", vol1="7"))
    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" in html and "melebihi harga standar" in html
    assert 'name="vol1" value="7"' in html


# --- update -------------------------------------------------------------------------------------------------------


def test_edit_row_is_served_and_a_save_answers_the_row_and_totals(client, world, sub, operator):
    line = add_line(world, sub)
    add_line(world, sub, price_item=world.items["Lem Kertas Cair"], vol2=None, sat2="", vol1="5")  # Rp 49.000
    edit = client.get(update_url(line) + "?ubah=1", **HX)
    assert edit["X-Terang-Outcome"] == "edit"
    assert f'<form id="line-{line.pk}" class="rka-form rka-edit' in edit.content.decode()
    assert 'name="version" value="1"' in edit.content.decode()
    response = client.post(update_url(line), form(world, vol1="20", version="1"), **HX)
    html = response.content.decode()
    line.refresh_from_db()
    assert (line.total, line.version) == (Decimal("5652000.00"), 2)
    assert response["X-Terang-Outcome"] == "saved"
    assert html.startswith(f'<div id="line-{line.pk}" class="rka-row rka-line')
    assert "20 Orang x 12 Bulan" in html
    assert re.findall(r'class="rka-subtotal" hx-swap-oob="true">([^<]*)<', html) == ["Rp 5.701.000"] * 3
    assert total_of(html, "sub") == "Rp 5.701.000"
    record = ChangeRecord.objects.filter(object_type="budgeting.budgetline", object_id=str(line.pk)).latest("seq")
    assert (record.action, record.before["total"], record.after["total"]) == ("update", "2826000.00", "5652000.00")


def test_moving_a_line_to_a_new_group_answers_the_whole_table(client, world, sub, operator):
    line = add_line(world, sub)
    response = client.post(update_url(line), form(world, kelompok="Paket baru", version="1"), **HX)
    html = response.content.decode()
    assert response["X-Terang-Outcome"] == "moved"
    assert '<div id="rka-lines" class="rka-table"' in html and "[#] Paket baru" in html
    assert "[#] ATK" not in html


def test_stale_save_shows_both_versions_and_overwrite_is_an_audited_choice(client, world, sub, operator):
    line = add_line(world, sub)
    line_update(actor=world.users["head"], line=line, expected_version=1,
                data=LineInput(account=ATK, price_item=world.items["Refill Ballpoint"], vol1="5", sat1="Orang",
                               vol2="12", sat2="Bulan", kelompok="ATK", keterangan="Rapat koordinasi"))
    response = client.post(update_url(line), form(world, vol1="7", version="1"), **HX)
    html = response.content.decode()
    assert response.status_code == 409 and response["X-Terang-Outcome"] == "conflict"
    assert "Rincian ini sudah diubah oleh kepala.dinkes pada" in html
    assert "Versi Anda" in html
    assert re.search(r"Versi tersimpan \(oleh [^,]+, pukul \d+ \w+ 2026, \d\d\.\d\d\)", html)
    yours, saved = html.split('data-version="yours"')[1].split('data-version="saved"')
    assert "7 Orang x 12 Bulan" in yours and "Rp 1.978.200" in yours
    assert "5 Orang x 12 Bulan" in saved and "Rp 1.413.000" in saved
    assert 'name="vol1" value="7"' in html  # nothing typed is lost
    assert 'name="timpa" value="2"' in html and "Pakai versi tersimpan" in html
    fresh = BudgetLine.objects.get(pk=line.pk)
    assert (fresh.vol1, fresh.version) == (Decimal("5.0000"), 2)
    # saving again with the old version is refused again; "Timpa dengan versi saya" sends the current version
    again = client.post(update_url(line), form(world, vol1="7", version="1"), **HX)
    assert again.status_code == 409
    response = client.post(update_url(line), form(world, vol1="7", version="1", timpa="2"), **HX)
    assert response["X-Terang-Outcome"] == "saved"
    fresh.refresh_from_db()
    assert (fresh.vol1, fresh.version, fresh.updated_by) == (Decimal("7.0000"), 3, world.users["operator"])
    record = ChangeRecord.objects.filter(object_type="budgeting.budgetline", object_id=str(line.pk)).latest("seq")
    assert record.reason == ("Menimpa versi tersimpan 2 (oleh kepala.dinkes) dengan versi pengguna setelah "
                             "konflik.")
    assert (record.before["vol1"], record.after["vol1"]) == ("5.0000", "7.0000")


def test_use_saved_version_answers_the_saved_row(client, world, sub, operator):
    line = add_line(world, sub)
    response = client.get(update_url(line), **HX)
    html = response.content.decode()
    assert response["X-Terang-Outcome"] == "row"
    assert html.startswith(f'<div id="line-{line.pk}"') and total_of(html, "sub") == "Rp 2.826.000"


def test_stale_save_without_javascript_shows_the_conflict_on_the_page(client, world, sub, operator):
    line = add_line(world, sub)
    BudgetLine.objects.filter(pk=line.pk).update(version=4)
    response = client.post(update_url(line), form(world, vol1="7", version="1"))
    html = response.content.decode()
    assert response.status_code == 409
    assert "<html" in html and 'data-testid="conflict"' in html and 'name="timpa" value="4"' in html


def test_save_without_javascript_redirects_to_the_row(client, world, sub, operator):
    line = add_line(world, sub)
    response = client.post(update_url(line), form(world, vol1="2", version="1"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#line-{line.pk}")
    assert BudgetLine.objects.get().total == Decimal("565200.00")
    page = client.get(reverse("budgeting:line_editor", args=[sub.pk]) + f"?ubah={line.pk}").content.decode()
    assert f'<form id="line-{line.pk}" class="rka-form rka-edit' in page


# --- delete -------------------------------------------------------------------------------------------------------


def test_delete_answers_nothing_for_the_row_and_new_totals(client, world, sub, operator):
    first = add_line(world, sub)
    second = add_line(world, sub, vol1="1")
    response = client.post(reverse("budgeting:line_delete", args=[second.pk]), {"version": "1"}, **HX)
    html = response.content.decode()
    assert response["X-Terang-Outcome"] == "deleted"
    assert not html.startswith("<div id=\"line-")
    assert total_of(html, "sub") == "Rp 2.826.000"
    assert list(BudgetLine.objects.values_list("pk", flat=True)) == [first.pk]
    # the last line of its group takes the group with it: the whole table comes back
    response = client.post(reverse("budgeting:line_delete", args=[first.pk]), {"version": "1"}, **HX)
    assert "Belum ada rincian" in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_stale_delete_is_refused_and_the_row_stays(client, world, sub, operator):
    line = add_line(world, sub)
    BudgetLine.objects.filter(pk=line.pk).update(version=2)
    response = client.post(reverse("budgeting:line_delete", args=[line.pk]), {"version": "1"}, **HX)
    assert response.status_code == 409
    assert "sudah diubah oleh" in response.content.decode()
    assert BudgetLine.objects.filter(pk=line.pk).exists()


# --- search -------------------------------------------------------------------------------------------------------


def test_account_search_offers_postable_accounts_only(client, world, operator):
    url = reverse("budgeting:account_search")
    html = client.get(url, {"fy": world.fiscal_year.pk, "q": "5.1.02.01"}).content.decode()
    assert 'data-value="5.1.02.01.01.0024"' in html and 'data-value="5.1.02.01.01.0001"' in html
    assert 'data-value="5.1.02.01.01"' not in html
    data = client.get(url, {"fy": world.fiscal_year.pk, "q": "alat tulis", "format": "json"}).json()
    assert data == {"results": [{"kode": ATK, "nama": "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor"}]}
    data = client.get(url, {"fy": world.fiscal_year.pk, "q": "pajak", "akun": "4", "format": "json"}).json()
    assert [r["kode"] for r in data["results"]] == ["4.1.01.09.01.0001"]


def test_editor_searches_the_catalogue_for_items_allowed_for_the_account(client, world, sub, operator):
    """The entry row asks budgeting:catalogue_search (the catalogue's JSON search) with the row's account."""
    html = client.get(reverse("budgeting:line_editor", args=[sub.pk])).content.decode()
    url = reverse("budgeting:catalogue_search")
    assert f'data-item-url="{url}" data-tahun="2026" data-pemda="{world.pemda.kode}"' in html
    params = {"tahun": 2026, "pemda": world.pemda.kode, "rekening": ATK}
    data = client.get(url, params).json()
    assert [r["nama"] for r in data["results"]] == ["Kertas HVS 70 gr A4", "Lem Kertas Cair", "Refill Ballpoint"]
    hit = client.get(url, {**params, "q": "ball"}).json()["results"]
    assert [(r["id"], r["kode"], r["harga"], r["satuan"]) for r in hit] == [
        (world.items["Refill Ballpoint"].pk, "1.1.12.01.03.0001.07533", "23550.00", "Buah")]
    assert client.get(url, {**params, "rekening": "5.1.02.01.01.0001", "q": "ball"}).json()["results"] == []


def test_account_search_is_scoped_to_the_users_fiscal_years(client, world, operator):
    url = reverse("budgeting:account_search")
    assert client.get(url, {"fy": world.other_fiscal_year.pk, "q": "5.1"}).status_code == 404
    client.logout()
    assert client.get(url, {"fy": world.fiscal_year.pk, "q": "5.1"}).status_code == 302


# --- revenue and financing (plain forms) -----------------------------------------------------------------------


def test_revenue_line_of_an_agency(client, world, operator):
    url = reverse("budgeting:agency_line_create", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    response = client.post(url, {"account": "4.1.01.09.01.0001", "uraian": "Retribusi", "vol1": "",
                                 "harga_satuan": "250.000.000", "line_type": "item"})
    assert response.status_code == 302
    line = BudgetLine.objects.get()
    assert (line.akun, line.total, line.sub_activity) == ("4", Decimal("250000000.00"), None)
    page = client.get(reverse("budgeting:rka_agency", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk]))
    assert 'data-total="pendapatan">Rp 250.000.000<' in page.content.decode()


def test_financing_is_refused_for_an_agency_that_is_not_the_ppkd(client, world, operator):
    url = reverse("budgeting:agency_line_create", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    response = client.post(url, {"account": "6.1.01.01.01.0001", "harga_satuan": "1000", "line_type": "item"})
    assert response.status_code == 422
    assert "Pembiayaan (akun 6) hanya dianggarkan oleh PPKD." in response.content.decode()
    assert not BudgetLine.objects.exists()
