"""API of RKA entry: fiscal years, sub-kegiatan, lines (If-Match / version → 409 with both versions), ceilings;
scoped like the pages (anonymous 401, outside the scope 404, readers cannot write)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from terang.accounts.testing import force_login_verified
from terang.audit.models import ChangeRecord
from terang.budgeting.choices import LineType
from terang.budgeting.models import BudgetLine, SubActivityBudget
from terang.budgeting.services.lines import LineInput, line_create, line_update
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

ATK = "5.1.02.01.01.0024"
BASE = "/api/v1/anggaran"


@pytest.fixture
def world():
    return make_budget_world()


@pytest.fixture
def sub(world):
    return world.sub_activity("dinkes", "1.02.02.2.01.0002")


@pytest.fixture
def api():
    return APIClient()


def as_user(api, world, who):
    user = world.users[who]
    if who in {"tapd", "tapd_b", "head", "bpkad", "sekda", "auditor", "admin"}:
        force_login_verified(api, user)
    else:
        api.force_login(user)
    return user


def add_line(world, sub, **extra):
    values = {"account": ATK, "price_item": world.items["Refill Ballpoint"], "vol1": "10", "sat1": "Orang",
              "vol2": "12", "sat2": "Bulan"}
    values.update(extra)
    return line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(**values))


# --- permission matrix ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/tahun/", "/sub-kegiatan/", "/rincian/", "/opd/1/pagu/"])
def test_anonymous_gets_401(api, world, path):
    response = api.get(BASE + path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_operator_reads_only_its_agency(api, world, sub):
    line = add_line(world, sub)
    other = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    as_user(api, world, "operator")
    assert [y["tahun"] for y in api.get(BASE + "/tahun/").json()["results"]] == [2026]
    assert [s["id"] for s in api.get(BASE + "/sub-kegiatan/").json()["results"]] == [sub.pk]
    assert [r["id"] for r in api.get(BASE + "/rincian/").json()["results"]] == [line.pk]
    assert api.get(f"{BASE}/sub-kegiatan/{other.pk}/").status_code == 404
    assert api.get(f"{BASE}/opd/{world.orgs['dispendik'].pk}/pagu/").status_code == 404
    assert api.get(f"{BASE}/tahun/{world.other_fiscal_year.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["operator_b", "tapd_b"])
def test_other_pemda_sees_nothing_of_this_one(api, world, sub, who):
    line = add_line(world, sub)
    as_user(api, world, who)
    assert api.get(f"{BASE}/rincian/{line.pk}/").status_code == 404
    assert api.get(f"{BASE}/sub-kegiatan/{sub.pk}/").status_code == 404
    assert api.get(BASE + "/rincian/").json()["count"] == 0
    assert api.get(f"{BASE}/opd/{world.orgs['dinkes'].pk}/pagu/").status_code == 404
    response = api.patch(f"{BASE}/rincian/{line.pk}/", {"vol1": 1}, format="json", HTTP_IF_MATCH="1")
    assert response.status_code == 404
    assert BudgetLine.objects.get().version == 1


def test_tapd_reads_every_agency_but_cannot_write(api, world, sub):
    line = add_line(world, sub)
    world.sub_activity("dispendik", "1.01.02.2.02.0024")
    records = ChangeRecord.objects.count()
    as_user(api, world, "tapd")
    assert api.get(BASE + "/sub-kegiatan/").json()["count"] == 2
    response = api.patch(f"{BASE}/rincian/{line.pk}/", {"vol1": 1}, format="json", HTTP_IF_MATCH="1")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    response = api.post(BASE + "/rincian/", {"sub_kegiatan": sub.pk, "kode_rekening": ATK,
                                             "komponen": world.items["Refill Ballpoint"].pk, "vol1": 1},
                        format="json")
    assert response.status_code == 403
    assert api.delete(f"{BASE}/rincian/{line.pk}/", HTTP_IF_MATCH="1").status_code == 403
    assert list(BudgetLine.objects.values_list("version", "total")) == [(1, Decimal("2826000.00"))]
    assert ChangeRecord.objects.count() == records


# --- lines --------------------------------------------------------------------------------------------------------


def test_line_list_with_filters_and_pinned_query_count(api, world, sub, django_assert_num_queries):
    for i in range(12):
        add_line(world, sub, vol1=str(i + 1))
    add_line(world, sub, line_type=LineType.UNDETAILED, price_item=None, harga_satuan="1000000", vol2=None,
             sat2="", sat1="")
    line_create(actor=world.users["operator"], organisation=world.orgs["dinkes"], data=LineInput(
        account="4.1.01.09.01.0001", harga_satuan="5000000", extra={"fiscal_year": world.fiscal_year}))
    as_user(api, world, "operator")
    api.get(BASE + "/rincian/")
    with django_assert_num_queries(6):
        data = api.get(BASE + "/rincian/", {"akun": "5"}).json()
    assert data["count"] == 13
    first = data["results"][0]
    assert first["kode_rekening"] == ATK and first["kode_sub_kegiatan"] == "1.02.02.2.01.0002"
    assert api.get(BASE + "/rincian/", {"line_type": "belum_dirinci"}).json()["count"] == 1
    assert api.get(BASE + "/rincian/", {"akun": "4"}).json()["results"][0]["jumlah"] == "5000000.00"
    assert api.get(BASE + "/rincian/", {"sub_kegiatan": sub.pk, "opd": world.orgs["dinkes"].pk}).json()[
        "count"] == 13
    assert api.get(BASE + "/rincian/", {"opd": world.orgs["dispendik"].pk}).json()["count"] == 0


def test_create_line_returns_it_with_its_etag(api, world, sub):
    as_user(api, world, "operator")
    response = api.post(BASE + "/rincian/", {
        "sub_kegiatan": sub.pk, "kode_rekening": ATK, "kode_komponen": "1.1.12.01.03.0001.07533", "vol1": "1.250",
        "sat1": "Orang", "vol2": 12, "sat2": "Bulan", "ppn": True, "kelompok": "ATK"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["jumlah"], body["ppn_rp"], body["koefisien"], body["version"]) == (
        "392107500.00", "38857500.00", "1.250 Orang x 12 Bulan", 1)
    assert response["ETag"] == '"1"'
    assert body["diubah_oleh"] == "op.dinkes"


def test_create_refused_with_the_service_message(api, world, sub):
    as_user(api, world, "operator")
    response = api.post(BASE + "/rincian/", {"sub_kegiatan": sub.pk, "kode_rekening": ATK,
                                             "komponen": world.items["Refill Ballpoint"].pk, "vol1": 1,
                                             "harga_satuan": 30000}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("price_above_catalogue", "harga_satuan")
    assert error["message"] == "Harga satuan Rp 30.000 melebihi harga standar Rp 23.550 untuk Refill Ballpoint."
    assert not BudgetLine.objects.exists()


def test_json_numbers_are_exact(api, world, sub):
    as_user(api, world, "operator")
    response = api.post(BASE + "/rincian/", {"sub_kegiatan": sub.pk, "kode_rekening": ATK,
                                             "komponen": world.items["Lem Kertas Cair"].pk, "vol1": 1.125},
                        format="json")
    assert response.status_code == 201
    assert response.json()["vol1"] == "1.1250"  # a JSON number is never read as "1.125 thousand"


def test_patch_with_if_match_and_409_with_both_versions(api, world, sub):
    line = add_line(world, sub)
    as_user(api, world, "operator")
    response = api.patch(f"{BASE}/rincian/{line.pk}/", {"vol1": 20}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert (response.json()["jumlah"], response.json()["version"], response["ETag"]) == ("5652000.00", 2, '"2"')
    line_update(actor=world.users["head"], line=line, expected_version=2, data=LineInput(
        account=ATK, price_item=world.items["Refill Ballpoint"], vol1="5", sat1="Orang", vol2="12", sat2="Bulan"))
    response = api.patch(f"{BASE}/rincian/{line.pk}/", {"vol1": 7}, format="json", HTTP_IF_MATCH="2")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict" and "kepala.dinkes" in error["message"]
    assert error["details"]["current_version"] == 3
    assert error["details"]["current"]["vol1"] == "5.0000"
    assert error["details"]["yours"]["vol1"] == "7"
    line.refresh_from_db()
    assert (line.vol1, line.version) == (Decimal("5.0000"), 3)


def test_put_with_version_in_the_body_and_precondition_required(api, world, sub):
    line = add_line(world, sub)
    as_user(api, world, "operator")
    body = {"kode_rekening": ATK, "komponen": world.items["Lem Kertas Cair"].pk, "vol1": "3", "sat1": "Buah"}
    response = api.put(f"{BASE}/rincian/{line.pk}/", body, format="json")
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"
    response = api.put(f"{BASE}/rincian/{line.pk}/", {**body, "version": 1}, format="json")
    assert response.status_code == 200
    assert (response.json()["kode_komponen"], response.json()["jumlah"], response.json()["vol2"]) == (
        "1.1.12.01.03.0001.07001", "29400.00", None)


def test_delete_with_if_match(api, world, sub):
    line = add_line(world, sub)
    as_user(api, world, "operator")
    assert api.delete(f"{BASE}/rincian/{line.pk}/").status_code == 428
    assert api.delete(f"{BASE}/rincian/{line.pk}/", HTTP_IF_MATCH="9").status_code == 409
    assert BudgetLine.objects.exists()
    assert api.delete(f"{BASE}/rincian/{line.pk}/?alasan=salah+input", HTTP_IF_MATCH="1").status_code == 204
    assert not BudgetLine.objects.exists()
    record = ChangeRecord.objects.filter(object_type="budgeting.budgetline").latest("seq")
    assert (record.action, record.reason) == ("delete", "salah input")


def test_revenue_line_through_the_api(api, world):
    as_user(api, world, "operator")
    response = api.post(BASE + "/rincian/", {"tahun": world.fiscal_year.pk, "opd": world.orgs["dinkes"].pk,
                                             "kode_rekening": "4.1.01.09.01.0001", "harga_satuan": "2.500.000",
                                             "vol1": 4}, format="json")
    assert response.status_code == 201
    assert (response.json()["akun"], response.json()["sub_kegiatan"], response.json()["jumlah"]) == (
        "4", None, "10000000.00")
    response = api.post(BASE + "/rincian/", {"tahun": world.other_fiscal_year.pk, "opd": world.orgs["dinkes_b"].pk,
                                             "kode_rekening": "4.1.01.09.01.0001", "harga_satuan": 1},
                        format="json")
    assert response.status_code == 404


# --- sub-kegiatan -------------------------------------------------------------------------------------------------


def test_sub_kegiatan_create_and_versioned_update(api, world):
    as_user(api, world, "operator")
    desa = world.pemda.region.children.order_by("kode").first().children.filter(level="desa").first()
    response = api.post(BASE + "/sub-kegiatan/", {"tahun": world.fiscal_year.pk, "opd": world.orgs["dinkes"].pk,
                                                  "kode": "1.02.02.2.01.0002", "lokasi": [desa.kode],
                                                  "sumber_dana": "1.1", "bulan_mulai": 2}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["indikator"], body["satuan"], body["lokasi"], body["sumber_dana"], body["version"]) == (
        "Jumlah Puskesmas yang Dibangun", "Unit", [desa.kode], "1.1", 1)
    pk = body["id"]
    response = api.patch(f"{BASE}/sub-kegiatan/{pk}/", {"target": "3"}, format="json", HTTP_IF_MATCH="1")
    assert response.status_code == 200 and response.json()["target"] == "3.00" and response["ETag"] == '"2"'
    response = api.patch(f"{BASE}/sub-kegiatan/{pk}/", {"target": "4"}, format="json", HTTP_IF_MATCH="1")
    assert response.status_code == 409
    assert SubActivityBudget.objects.get(pk=pk).target == Decimal("3.00")
    response = api.patch(f"{BASE}/sub-kegiatan/{pk}/", {"lokasi": ["99.99"], "version": 2}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_location"


def test_sub_kegiatan_create_refused_outside_the_bidang(api, world):
    as_user(api, world, "operator")
    response = api.post(BASE + "/sub-kegiatan/", {"tahun": world.fiscal_year.pk, "opd": world.orgs["dinkes"].pk,
                                                  "kode": "1.01.02.2.02.0024"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "wrong_bidang"
    response = api.post(BASE + "/sub-kegiatan/", {"tahun": world.fiscal_year.pk, "opd": world.orgs["dispendik"].pk,
                                                  "kode": "1.01.02.2.02.0024"}, format="json")
    assert response.status_code == 404
    assert not SubActivityBudget.objects.exists()


# --- ceilings -------------------------------------------------------------------------------------------------------


def test_agency_totals_against_ceilings(api, world, sub):
    from terang.budgeting.models import Ceiling

    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           sub_kegiatan=sub.sub_kegiatan, amount=Decimal("10000000"))
    add_line(world, sub)
    add_line(world, sub, line_type=LineType.UNDETAILED, price_item=None, harga_satuan="1000000", vol2=None,
             sat2="", sat1="")
    as_user(api, world, "operator")
    body = api.get(f"{BASE}/opd/{world.orgs['dinkes'].pk}/pagu/").json()
    assert (body["belanja"], body["pagu"], body["sisa"], body["persen"]) == (
        "3826000.00", "5000000000.00", "4996174000.00", 0)
    assert body["belum_dirinci"] == "1000000.00" and body["sub_kegiatan_per_status"] == {"draft": 1}
    assert body["pagu_sub_kegiatan"] == [{"kode": "1.02.02.2.01.0002", "nama": "Pembangunan Puskesmas",
                                          "pagu": "10000000.00", "jumlah": "3826000.00", "sisa": "6174000.00"}]
    assert body["teks"] == "Belanja Rp 3.826.000 dari pagu Rp 5.000.000.000"
    assert api.get(f"{BASE}/opd/{world.orgs['dinkes'].pk}/pagu/", {"tahun": world.other_fiscal_year.pk}
                   ).status_code == 404
