"""Pergeseran pages: check then save a shift, detail with before/after, approval; who may see and do what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from terang.accounts.choices import Role
from terang.accounts.testing import force_login_verified
from terang.budgeting.choices import StageKind
from terang.budgeting.models import BudgetLine, BudgetShift
from terang.budgeting.services import stages as svc
from terang.testing.budget import make_budget_world
from terang.testing.factories import make_user

from .test_stages_helpers import add_line, apbd_frozen, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    world = make_budget_world()
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0001")
    hvs = add_line(world, sub, item="Kertas HVS 70 gr A4", vol1=20)
    pen = add_line(world, sub, item="Refill Ballpoint", vol1=40)
    apbd_frozen(world)
    stage = svc.stage_add(actor=world.users["bpkad"], fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN)
    stage = svc.stage_open(actor=world.users["bpkad"], stage=stage, opens_at=at(-0.01), closes_at=at(5))
    return world, stage, hvs, pen


def _post(world, stage, hvs, pen, **extra):
    data = {"opd": world.orgs["dinkes"].pk, f"vol1_{hvs.pk}": "20", f"harga_satuan_{hvs.pk}": "53645",
            f"version_{hvs.pk}": hvs.version, f"vol1_{pen.pk}": "42", f"harga_satuan_{pen.pk}": "23550.00",
            f"version_{pen.pk}": pen.version, "nomor": "PG-7", "legal_basis": "Perkada Nomor 5 Tahun 2026",
            "level": "ppkd", "reason": "Kebutuhan kertas naik karena laporan triwulan."}
    data.update(extra)
    return data


def test_check_then_save_then_approve(client, setup):
    world, stage, hvs, pen = setup
    force_login_verified(client, world.users["bpkad"])
    url = reverse("budgeting:shift_create", args=[stage.pk])
    page = client.get(url + f"?opd={world.orgs['dinkes'].pk}")
    assert [line.pk for line in page.context["lines"]] == [hvs.pk, pen.pk]
    checked = client.post(url, _post(world, stage, hvs, pen, periksa="1"))
    plan = checked.context["plan"]
    assert (plan.net_delta, plan.required_level) == (0, "ppkd") and not BudgetShift.objects.exists()
    saved = client.post(url, _post(world, stage, hvs, pen, simpan="1"))
    shift = BudgetShift.objects.get()
    assert saved["Location"] == reverse("budgeting:shift_detail", args=[stage.pk, shift.pk])
    detail = client.get(saved["Location"])
    assert detail.status_code == 200 and not detail.context["can_approve"]  # the recorder cannot approve
    assert detail.context["net_delta"] == 0 and detail.context["rows"][0]["before_account"] == "5.1.02.01.01.0024"
    other = make_user(Role.BPKAD_OFFICER, pemda=world.pemda, username="bpkad2")
    force_login_verified(client, other)
    assert client.get(saved["Location"]).context["can_approve"]
    client.post(reverse("budgeting:shift_approve", args=[stage.pk, shift.pk]))
    shift.refresh_from_db()
    assert shift.approved_by == other
    listing = client.get(reverse("budgeting:shift_list", args=[stage.pk]))
    assert list(listing.context["shifts"]) == [shift]


def test_wrong_level_is_explained_and_nothing_saved(client, setup):
    world, stage, hvs, pen = setup
    force_login_verified(client, world.users["bpkad"])
    response = client.post(reverse("budgeting:shift_create", args=[stage.pk]),
                           _post(world, stage, hvs, pen, simpan="1", level="perda"))
    assert response.status_code == 400
    assert "Perubahan DPA (persetujuan PPKD)" in response.content.decode()
    assert not BudgetShift.objects.exists() and BudgetLine.objects.get(pk=hvs.pk).version == 1


@pytest.mark.parametrize("who", ["operator", "tapd"])
def test_other_roles_cannot_record_a_shift(client, setup, who):
    world, stage, hvs, pen = setup
    force_login_verified(client, world.users[who])
    response = client.post(reverse("budgeting:shift_create", args=[stage.pk]), _post(world, stage, hvs, pen,
                                                                                     simpan="1"))
    assert response.status_code == (404 if who == "operator" else 403)
    assert not BudgetShift.objects.exists()


def test_shift_pages_hidden_from_agency_staff_and_other_pemda(client, setup):
    world, stage, _hvs, _pen = setup
    for user in (world.users["operator"], world.users["tapd_b"]):
        force_login_verified(client, user)
        assert client.get(reverse("budgeting:shift_list", args=[stage.pk])).status_code == 404
    force_login_verified(client, world.users["auditor"])
    assert client.get(reverse("budgeting:shift_list", args=[stage.pk])).status_code == 200
    assert client.get(reverse("budgeting:shift_list", args=[world.rka.pk])).status_code == 404  # not pergeseran


def test_a_new_line_through_the_form_and_the_detail_marks_it(client, setup):
    world, stage, hvs, pen = setup
    force_login_verified(client, world.users["bpkad"])
    url = reverse("budgeting:shift_create", args=[stage.pk])
    # HVS 20 × 56.000 → 20 × 53.645 (-47.100); new ballpoint line 2 × 23.550 (+47.100)
    data = _post(world, stage, hvs, pen, simpan="1", **{
        f"vol1_{pen.pk}": "40.0000", "baru_sub_0": hvs.sub_activity_id, "baru_rekening_0": "5.1.02.01.01.0024",
        "baru_komponen_0": "1.1.12.01.03.0001.07533", "baru_vol1_0": "2", "baru_sat1_0": "Buah"})
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.context["error"].message if saved.context else saved
    shift = BudgetShift.objects.get()
    new = BudgetLine.objects.exclude(pk__in=[hvs.pk, pen.pk]).get()
    assert (new.total, new.sub_activity_id) == (47100, hvs.sub_activity_id)
    detail = client.get(saved["Location"])
    assert "baris baru" in detail.content.decode()
    assert shift.lines.count() == 2


def test_a_new_line_with_an_unknown_component_is_explained_and_nothing_saved(client, setup):
    world, stage, hvs, pen = setup
    force_login_verified(client, world.users["bpkad"])
    data = _post(world, stage, hvs, pen, simpan="1", **{
        "baru_sub_0": hvs.sub_activity_id, "baru_rekening_0": "5.1.02.01.01.0024", "baru_komponen_0": "9.9.9",
        "baru_vol1_0": "2"})
    response = client.post(reverse("budgeting:shift_create", args=[stage.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Baris baru 1: komponen 9.9.9 tidak ada di standar harga TA 2026." in html
    assert 'value="9.9.9"' in html  # what was typed is shown again
    assert not BudgetShift.objects.exists() and BudgetLine.objects.count() == 2


def test_api_records_a_shift_with_a_new_line(client, setup):
    world, stage, hvs, _pen = setup
    force_login_verified(client, world.users["bpkad"])
    response = client.post(f"/api/v1/tahapan/{stage.pk}/pergeseran/baru/", {
        "nomor": "PG-API", "dasar_hukum": "Perkada 5/2026", "tingkat": "ppkd",
        "alasan": "Kebutuhan kertas naik karena laporan triwulan.",
        "perubahan": [{"id_baris": hvs.pk, "versi": 1, "harga_satuan": "53645"}],
        "baris_baru": [{"id_sub_kegiatan": hvs.sub_activity_id, "rekening": "5.1.02.01.01.0024",
                        "kode_komponen": "1.1.12.01.03.0001.07533", "vol1": "2", "sat1": "Buah"}],
    }, content_type="application/json")
    assert response.status_code == 201, response.json()
    rows = response.json()["baris"]
    assert sorted((r["sebelum"], r["sesudah"]) for r in rows) == [("0.00", "47100.00"),
                                                                  ("1120000.00", "1072900.00")]
    assert next(r for r in rows if r["sebelum"] == "0.00")["rincian_sebelum"] == {}
    refused = client.post(f"/api/v1/tahapan/{stage.pk}/pergeseran/baru/", {
        "nomor": "PG-API2", "dasar_hukum": "Perkada 5/2026", "tingkat": "perda",
        "alasan": "Kebutuhan kertas naik karena laporan triwulan.",
        "baris_baru": [{"id_sub_kegiatan": hvs.sub_activity_id, "rekening": "5.1.02.01.01.0024",
                        "kode_komponen": "tidak-ada", "vol1": "2"}],
    }, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "unknown_price_item"
    assert BudgetShift.objects.count() == 1 and BudgetLine.objects.count() == 3
