"""RKA entry pages: who sees what (permission matrix), read-only modes, the agency RKA, sub-kegiatan forms, the
e-Budgeting home, and pinned query counts of the line editor."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from terang.accounts.testing import force_login_verified
from terang.audit.models import ChangeRecord
from terang.budgeting.calc import line_amounts
from terang.budgeting.choices import LineType, StageStatus, SubActivityStatus
from terang.budgeting.models import BudgetLine, Ceiling, SubActivityBudget
from terang.budgeting.services.lines import LineInput, line_create
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

ATK = "5.1.02.01.01.0024"
TWO_FACTOR_ROLES = {"tapd", "tapd_b", "bpkad", "head", "admin", "auditor", "sekda"}


@pytest.fixture
def world():
    return make_budget_world()


@pytest.fixture
def sub(world):
    return world.sub_activity("dinkes", "1.02.02.2.01.0002")


def login(client, world, who):
    user = world.users[who]
    if who in TWO_FACTOR_ROLES:
        force_login_verified(client, user)
    else:
        client.force_login(user)
    return user


def add_line(world, sub, **extra):
    values = {"account": ATK, "price_item": world.items["Refill Ballpoint"], "vol1": "10", "sat1": "Orang",
              "vol2": "12", "sat2": "Bulan"}
    values.update(extra)
    return line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(**values))


def editor_url(sub):
    return reverse("budgeting:line_editor", args=[sub.pk])


# --- permission matrix ----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, world, sub):
    for url in (editor_url(sub), reverse("budgeting:home"),
                reverse("budgeting:rka_agency", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["operator_dispendik", "operator_b", "tapd_b"])
def test_other_agency_or_other_pemda_get_404(client, world, sub, who):
    login(client, world, who)
    assert client.get(editor_url(sub)).status_code == 404
    assert client.get(reverse("budgeting:sub_activity_edit", args=[sub.pk])).status_code == 404
    agency = reverse("budgeting:rka_agency", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    assert client.get(agency).status_code == 404


def test_operator_gets_the_editor_with_an_entry_row(client, world, sub):
    add_line(world, sub)
    login(client, world, "operator")
    response = client.get(editor_url(sub))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="rka-entry"' in html
    assert "Refill Ballpoint" in html and "10 Orang x 12 Bulan" in html
    assert 'data-total="sub">Rp 2.826.000<' in html
    assert 'data-total="remaining">Rp 4.997.174.000<' in html
    assert "Mode baca saja" not in html


@pytest.mark.parametrize("who", ["tapd", "bpkad", "bappeda", "sekda", "dprd", "auditor"])
def test_pemda_wide_readers_see_the_editor_read_only(client, world, sub, who):
    line = add_line(world, sub)
    login(client, world, who)
    response = client.get(editor_url(sub))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="read-only"' in html
    assert "Anda hanya dapat membaca anggaran perangkat daerah ini." in html
    assert 'id="rka-entry"' not in html
    assert reverse("budgeting:line_delete", args=[line.pk]) not in html


def test_tapd_cannot_post_a_line_and_nothing_changes(client, world, sub):
    line = add_line(world, sub)
    records = ChangeRecord.objects.count()
    login(client, world, "tapd")
    response = client.post(reverse("budgeting:line_create", args=[sub.pk]),
                           {"account": ATK, "price_item": world.items["Lem Kertas Cair"].pk, "vol1": "1"})
    assert response.status_code == 403
    response = client.post(reverse("budgeting:line_update", args=[line.pk]),
                           {"account": ATK, "price_item": world.items["Refill Ballpoint"].pk, "vol1": "1",
                            "version": "1"})
    assert response.status_code == 403
    response = client.post(reverse("budgeting:line_delete", args=[line.pk]), {"version": "1"})
    assert response.status_code == 403
    assert list(BudgetLine.objects.values_list("pk", "version", "total")) == [(line.pk, 1, Decimal("2826000.00"))]
    assert ChangeRecord.objects.count() == records


def test_other_agency_cannot_post_and_nothing_changes(client, world, sub):
    line = add_line(world, sub)
    login(client, world, "operator_dispendik")
    assert client.post(reverse("budgeting:line_create", args=[sub.pk]), {"account": ATK}).status_code == 404
    assert client.post(reverse("budgeting:line_update", args=[line.pk]),
                       {"account": ATK, "vol1": "1", "version": "1"}).status_code == 404
    assert client.post(reverse("budgeting:line_delete", args=[line.pk]), {"version": "1"}).status_code == 404
    assert BudgetLine.objects.get().version == 1


# --- read-only modes --------------------------------------------------------------------------------------------


def test_closed_window_shows_read_only_with_the_reason(client, world, sub):
    add_line(world, sub)
    world.rka.closes_at = timezone.now() - timedelta(hours=1)
    world.rka.save()
    login(client, world, "operator")
    html = client.get(editor_url(sub)).content.decode()
    assert 'data-testid="read-only"' in html
    assert "Jendela input tahapan RKA-SKPD tidak sedang terbuka" in html
    assert 'id="rka-entry"' not in html
    response = client.post(reverse("budgeting:line_create", args=[sub.pk]),
                           {"account": ATK, "price_item": world.items["Lem Kertas Cair"].pk, "vol1": "1"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Jendela input tahapan RKA-SKPD tidak sedang terbuka" in response.content.decode()
    assert BudgetLine.objects.count() == 1


def test_submitted_sub_kegiatan_is_read_only(client, world, sub):
    SubActivityBudget.objects.filter(pk=sub.pk).update(status=SubActivityStatus.SUBMITTED)
    login(client, world, "operator")
    html = client.get(editor_url(sub)).content.decode()
    assert "Sub kegiatan ini berstatus Diajukan; rincian hanya dapat diubah saat draf atau dikembalikan." in html
    assert 'id="rka-entry"' not in html


def test_no_open_stage_at_all(client, world, sub):
    world.rka.status = StageStatus.CLOSED
    world.rka.save()
    login(client, world, "operator")
    html = client.get(editor_url(sub)).content.decode()
    assert "Tidak ada tahapan yang dibuka untuk TA 2026; input anggaran ditutup." in html


def test_window_text_counts_down(world):
    from terang.budgeting.selectors import window_text

    world.rka.closes_at = timezone.now() + timedelta(days=3, hours=4, minutes=10)
    assert window_text(world.rka) == "ditutup dalam 3 hari 4 jam"
    world.rka.closes_at = timezone.now() + timedelta(minutes=45, seconds=30)
    assert window_text(world.rka) == "ditutup dalam 45 menit"


# --- query counts ------------------------------------------------------------------------------------------------


def _bulk_lines(world, sub, n):
    items = [world.items["Refill Ballpoint"], world.items["Lem Kertas Cair"], world.items["Kertas HVS 70 gr A4"]]
    account = world.accounts[ATK]
    lines = []
    for i in range(n):
        item = items[i % 3]
        amounts = line_amounts(vol1=Decimal(i + 1), harga_satuan=item.harga, ppn=False, ppn_rate=Decimal("0.11"))
        lines.append(BudgetLine(
            fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=sub.organisation, sub_activity=sub,
            account=account, akun="5", kelompok=f"Paket {i % 4}", keterangan=f"Kegiatan {i % 7}",
            price_item=item, uraian=item.nama, vol1=Decimal(i + 1), sat1="Orang", volume=amounts.volume,
            satuan=item.satuan, harga_satuan=item.harga, total=amounts.total, sumber_dana=world.sumber_dana["1.1"],
            created_by=world.users["operator"], updated_by=world.users["operator"],
            line_type=LineType.UNDETAILED if i == 0 else LineType.ITEM))
    BudgetLine.objects.bulk_create(lines)


def test_line_editor_query_count_does_not_grow_with_lines(client, world, sub, django_assert_num_queries):
    login(client, world, "operator")
    _bulk_lines(world, sub, 10)
    client.get(editor_url(sub))  # warm caches (content types, sessions)
    with django_assert_num_queries(11) as small:
        assert client.get(editor_url(sub)).status_code == 200
    _bulk_lines(world, sub, 190)
    with django_assert_num_queries(11):
        response = client.get(editor_url(sub))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="rka-row rka-line') == 200
    assert html.count("rka-badge-undetailed") == 2  # the first line of each batch
    assert len(small.captured_queries) == 11


def test_agency_page_query_count_is_constant(client, world, sub, django_assert_num_queries):
    login(client, world, "operator")
    _bulk_lines(world, sub, 50)
    for kode in ("1.02.02.2.01.0001", "1.02.01.2.06.0002"):
        _bulk_lines(world, world.sub_activity("dinkes", kode), 20)
    url = reverse("budgeting:rka_agency", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    client.get(url)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count("data-sub=") == 3


# --- agency RKA and sub-kegiatan forms ------------------------------------------------------------------------


def test_agency_page_lists_sub_kegiatan_with_totals_and_ceiling_use(client, world, sub):
    add_line(world, sub)
    add_line(world, sub, line_type=LineType.UNDETAILED, price_item=None, harga_satuan="1.000.000.000", vol2=None,
             sat2="", sat1="")
    login(client, world, "operator")
    html = client.get(reverse("budgeting:rka_agency", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])).content
    html = html.decode()
    assert "1.02.02.2.01.0002" in html and "Pembangunan Puskesmas" in html
    assert 'data-total="sub">Rp 1.002.826.000<' in html
    assert "1 belum dirinci" in html
    assert 'data-total="belanja">Rp 1.002.826.000<' in html
    assert 'data-total="remaining">Rp 3.997.174.000<' in html
    assert "Pendapatan (akun 4)" in html
    assert "Pembiayaan (akun 6" not in html  # Dinkes is not the PPKD
    assert reverse("budgeting:sub_activity_create", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk]) in html


def test_ppkd_sees_the_financing_section(client, world):
    from terang.accounts.choices import Role
    from terang.testing.factories import make_user

    user = make_user(Role.OPD_OPERATOR, pemda=world.pemda, organisation=world.orgs["bpkad"], username="op.bpkad")
    client.force_login(user)
    html = client.get(reverse("budgeting:rka_agency", args=[world.fiscal_year.pk, world.orgs["bpkad"].pk])).content
    assert "Pembiayaan (akun 6, PPKD)" in html.decode()


def test_sub_kegiatan_form_offers_the_agency_codes_and_prefills_metadata(client, world):
    login(client, world, "operator")
    url = reverse("budgeting:sub_activity_create", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    html = client.get(url).content.decode()
    assert '<option value="1.02.02.2.01.0002" data-indikator="Jumlah Puskesmas yang Dibangun" data-satuan="Unit">' \
        in html
    assert 'value="1.02.01.2.06.0002"' in html  # support program expanded to the agency's bidang
    assert 'value="1.01.02.2.02.0024"' not in html  # another bidang
    assert "Desa 1 (Desa)" in html  # location down to desa
    desa = world.pemda.region.children.first().children.filter(level="desa").first()
    response = client.post(url, {"kode": "1.02.02.2.01.0002", "lokasi": [desa.pk], "target": "2",
                                 "bulan_mulai": "3", "bulan_selesai": "11", "sumber_dana": "1.1"})
    assert response.status_code == 302
    created = SubActivityBudget.objects.get(kode="1.02.02.2.01.0002")
    assert response["Location"] == editor_url(created)
    assert (created.indikator, created.satuan, created.target) == ("Jumlah Puskesmas yang Dibangun", "Unit",
                                                                   Decimal("2.00"))
    assert (created.bulan_mulai, created.bulan_selesai, created.sumber_dana.kode) == (3, 11, "1.1")
    assert list(created.lokasi.all()) == [desa]


def test_sub_kegiatan_form_shows_the_service_error(client, world):
    login(client, world, "operator")
    url = reverse("budgeting:sub_activity_create", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    response = client.post(url, {"kode": "1.01.02.2.02.0024", "bulan_mulai": "1", "bulan_selesai": "12"})
    assert response.status_code == 400
    assert "termasuk bidang 1.01 yang bukan urusan Dinkes" in response.content.decode()
    assert not SubActivityBudget.objects.exists()


def test_sub_kegiatan_edit_is_versioned(client, world, sub):
    login(client, world, "operator")
    url = reverse("budgeting:sub_activity_edit", args=[sub.pk])
    data = {"indikator": "Jumlah Puskesmas", "target": "1", "satuan": "Unit", "bulan_mulai": "1",
            "bulan_selesai": "12", "sumber_dana": "1.1", "version": "1"}
    assert client.post(url, data).status_code == 302
    sub.refresh_from_db()
    assert (sub.indikator, sub.version) == ("Jumlah Puskesmas", 2)
    response = client.post(url, {**data, "indikator": "Basi"})  # still version 1
    assert response.status_code == 409
    assert "Sub kegiatan ini sudah diubah orang lain" in response.content.decode()
    sub.refresh_from_db()
    assert sub.indikator == "Jumlah Puskesmas"


def test_tapd_cannot_add_a_sub_kegiatan(client, world):
    login(client, world, "tapd")
    url = reverse("budgeting:sub_activity_create", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    response = client.post(url, {"kode": "1.02.02.2.01.0002", "bulan_mulai": "1", "bulan_selesai": "12"})
    assert response.status_code == 403
    assert not SubActivityBudget.objects.exists()


# --- home ---------------------------------------------------------------------------------------------------------


def test_home_for_an_operator_shows_only_its_agency(client, world, sub):
    add_line(world, sub)
    login(client, world, "operator")
    response = client.get(reverse("budgeting:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-org=") == 1
    assert f'data-org="{world.orgs["dinkes"].pk}"' in html
    assert 'data-total="belanja">Rp 2.826.000<' in html
    assert 'data-status="draft">Draf 1<' in html
    assert "ditutup dalam 9 hari" in html or "ditutup dalam 10 hari" in html
    assert 'data-testid="apbd-identity"' not in html


def test_home_for_tapd_shows_every_agency_and_the_apbd_identity(client, world, sub, django_assert_num_queries):
    add_line(world, sub)
    line_create(actor=world.users["operator"], organisation=world.orgs["dinkes"], data=LineInput(
        account="4.1.01.09.01.0001", harga_satuan="5.000.000", extra={"fiscal_year": world.fiscal_year}))
    login(client, world, "tapd")
    client.get(reverse("budgeting:home"))
    with django_assert_num_queries(11):
        response = client.get(reverse("budgeting:home"))
    html = response.content.decode()
    assert html.count("data-org=") == 3  # Dinkes, Dispendik, BPKAD (not the agency of the other pemda)
    assert 'data-testid="apbd-identity"' in html
    assert 'data-total="pendapatan">Rp 5.000.000<' in html
    assert 'data-total="surplus">Rp 2.174.000<' in html
    assert 'data-total="silpa">Rp 2.174.000<' in html


def test_home_menu_entry_for_operators(client, world):
    login(client, world, "operator")
    html = client.get(reverse("staff:home")).content.decode()
    assert 'data-menu="budget"' in html


def test_home_is_forbidden_without_a_budget_role(client, world):
    from terang.accounts.choices import Role
    from terang.testing.factories import make_user

    village = world.pemda.region.children.first().children.filter(level="desa").first()
    user = make_user(Role.VILLAGE_OPERATOR, pemda=world.pemda, region=village, username="op.desa")
    client.force_login(user)
    assert client.get(reverse("budgeting:home")).status_code == 403


def test_ceiling_missing_is_shown_as_such(client, world, sub):
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).delete()
    login(client, world, "operator")
    html = client.get(editor_url(sub)).content.decode()
    assert 'data-total="ceiling">belum ditetapkan<' in html
