"""Stage diff as a page (staff and public), as CSV and through the API: who may see what, content, query counts."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from terang.accounts.testing import force_login_verified
from terang.budgeting.services import stages as svc
from terang.testing.factories import UserFactory

from .test_diff_services import case  # noqa: F401  (the hand-built diff case)
from .test_stages_helpers import add_line

pytestmark = pytest.mark.django_db


def _publish_both(case):  # noqa: F811
    bpkad = case["world"].users["bpkad"]
    svc.stage_publish(actor=bpkad, stage=case["base"])
    svc.stage_publish(actor=bpkad, stage=case["target"])


def _staff_url(case, name="budgeting:stage_diff"):  # noqa: F811
    return reverse(name, args=[case["base"].pk, case["target"].pk])


def _public_url(case, name="apbd:banding"):  # noqa: F811
    return reverse(name, args=[2026]) + f"?dari={case['base'].pk}&ke={case['target'].pk}"


def _api_url(case, suffix="/"):  # noqa: F811
    return f"/api/v1/tahapan/{case['base'].pk}/banding/{case['target'].pk}{suffix}"


def _csv_rows(response):
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


# --- staff page -------------------------------------------------------------------------------------------------


def test_staff_diff_page_for_pemda_roles(client, case):  # noqa: F811
    force_login_verified(client, case["world"].users["tapd"])
    response = client.get(_staff_url(case))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.count == 4 and {r.status for r in page.rows} == {"added", "removed", "changed"}
    text = response.content.decode()
    assert "Tambah kebutuhan kertas untuk laporan triwulan" in text and "PG-01/2026" in text


def test_opd_operator_sees_only_own_agency(client, case):  # noqa: F811
    force_login_verified(client, case["world"].users["operator_dispendik"])
    response = client.get(_staff_url(case))
    assert response.status_code == 200
    assert [(r.status, r.organisation_nama) for r in response.context["page"].rows] == [("added", "Dispendik")]
    # asking for another agency's rows gives nothing
    response = client.get(_staff_url(case) + f"?opd={case['world'].orgs['dinkes'].pk}")
    assert response.context["page"].count == 0
    rows = _csv_rows(client.get(_staff_url(case, "budgeting:stage_diff_csv")))
    assert [r["opd"] for r in rows] == ["Dispendik"]


@pytest.mark.parametrize("who", [None, "tapd_b", "no_role"])
def test_staff_diff_refused(client, case, who):  # noqa: F811
    if who == "no_role":
        force_login_verified(client, UserFactory())
    elif who:
        force_login_verified(client, case["world"].users[who])
    response = client.get(_staff_url(case))
    assert response.status_code == (302 if who is None else 404)


def test_diff_needs_frozen_stages(client, case):  # noqa: F811
    world = case["world"]
    force_login_verified(client, world.users["tapd"])
    open_stage = world.kua_ppas.__class__.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda,
                                                         kind="apbd", sequence=4, nama="APBD murni")
    assert client.get(reverse("budgeting:stage_diff", args=[case["base"].pk, open_stage.pk])).status_code == 404


def test_staff_filters_and_live_diff(client, case):  # noqa: F811
    world = case["world"]
    force_login_verified(client, world.users["bpkad"])
    response = client.get(_staff_url(case) + "?status=removed&status=added")
    assert {r.status for r in response.context["page"].rows} == {"removed", "added"}
    response = client.get(_staff_url(case) + "?min_selisih=300.000")
    assert [r.delta for r in response.context["page"].rows] == [-490000]
    add_line(world, vol1=1, user=world.users["operator"], uraian="Baris baru di data kerja")
    live = client.get(reverse("budgeting:stage_diff_live", args=[case["target"].pk]))
    assert [r.uraian for r in live.context["page"].rows] == ["Baris baru di data kerja"]
    compare = client.get(reverse("budgeting:stage_compare") + f"?dari={case['base'].pk}&ke={case['target'].pk}")
    assert compare["Location"] == _staff_url(case)


def test_staff_csv(client, case):  # noqa: F811
    force_login_verified(client, case["world"].users["auditor"])
    response = client.get(_staff_url(case, "budgeting:stage_diff_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert sorted(r["status"] for r in rows) == ["added", "changed", "changed", "removed"]


# --- public page ------------------------------------------------------------------------------------------------


def test_public_diff_only_between_published_stages(client, case):  # noqa: F811
    assert client.get(_public_url(case)).status_code == 404  # both frozen, not published
    svc.stage_publish(actor=case["world"].users["bpkad"], stage=case["base"])
    assert client.get(_public_url(case)).status_code == 404  # target still a draft
    svc.stage_publish(actor=case["world"].users["bpkad"], stage=case["target"])
    response = client.get(_public_url(case))
    assert response.status_code == 200 and response.context["page"].count == 4
    assert "Perkada 12/2026" in response.content.decode()
    rows = _csv_rows(client.get(_public_url(case, "apbd:banding_csv")))
    assert len(rows) == 4
    assert client.get(reverse("apbd:banding", args=[2027]) + f"?dari={case['base'].pk}&ke={case['target'].pk}"
                      ).status_code == 404
    assert client.get(reverse("apbd:banding", args=[2026]) + "?dari=x&ke=1").status_code == 404


def test_public_diff_query_count_does_not_grow_with_rows(client, case):  # noqa: F811
    _publish_both(case)
    with CaptureQueriesContext(connection) as small:
        client.get(_public_url(case))
    world = case["world"]
    op = world.users["operator"]
    rapbd = case["target"]
    # a bigger diff: six more added lines in a new published stage compared with the base
    for n in range(6):
        add_line(world, vol1=n + 1, user=op, uraian=f"Tambahan {n}")
    apbd = rapbd.__class__.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind="apbd",
                                          sequence=4, nama="APBD murni")
    svc.stage_open(actor=world.users["bpkad"], stage=apbd, opens_at=rapbd.closes_at, closes_at=rapbd.closes_at +
                   __import__("datetime").timedelta(days=3))
    svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=apbd)
    svc.stage_publish(actor=world.users["bpkad"], stage=apbd)
    url = reverse("apbd:banding", args=[2026]) + f"?dari={case['base'].pk}&ke={apbd.pk}"
    with CaptureQueriesContext(connection) as big:
        response = client.get(url)
    assert response.context["page"].count == 10
    assert len(big.captured_queries) == len(small.captured_queries)


# --- API -----------------------------------------------------------------------------------------------------


def test_api_diff_public_for_published_stages(client, case):  # noqa: F811
    assert client.get(_api_url(case)).status_code == 404
    _publish_both(case)
    response = client.get(_api_url(case) + "?page_size=3")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4 and len(body["results"]) == 3 and body["next"].endswith("page=2&page_size=3") is False
    assert "page=2" in body["next"] and body["previous"] is None
    assert body["dari"] == {"id": case["base"].pk, "nama": "RKA-SKPD", "jumlah": "2615500.00"}
    assert body["ke"]["jumlah"] == "2194700.00"
    assert body["ringkasan"]["total"]["selisih"] == "-420800.00"
    (dinkes,) = [g for g in body["ringkasan"]["per_opd"] if g["nama"] == "Dinkes"]
    assert dinkes["rincian"][0]["rincian"][0]["kode"] == "5.1.02.01.01.0024"
    changed = {r["kunci_baris"]: r for r in client.get(_api_url(case)).json()["results"]}[
        case["changed"].line_key.hex]
    assert {k: changed[k] for k in ("status", "volume_lama", "volume_baru", "harga_satuan_lama",
                                    "harga_satuan_baru", "jumlah_lama", "jumlah_baru", "selisih", "diubah_oleh",
                                    "alasan")} == {
        "status": "changed", "volume_lama": "20.0000", "volume_baru": "25.0000", "harga_satuan_lama": "56000.00",
        "harga_satuan_baru": "55000.00", "jumlah_lama": "1120000.00", "jumlah_baru": "1375000.00",
        "selisih": "255000.00", "diubah_oleh": "op.dinkes",
        "alasan": "Tambah kebutuhan kertas untuk laporan triwulan"}
    assert client.get(_api_url(case) + "?page=9").json()["results"] == []


def test_api_diff_csv_two_ways(client, case):  # noqa: F811
    _publish_both(case)
    by_suffix = client.get(_api_url(case, ".csv"))
    by_format = client.get(_api_url(case) + "?format=csv")
    assert by_suffix.status_code == by_format.status_code == 200
    assert _csv_rows(by_suffix) == _csv_rows(by_format)
    assert len(_csv_rows(client.get(_api_url(case, ".csv") + "?status=added"))) == 1


def test_api_diff_of_unpublished_stages_needs_a_role(client, case):  # noqa: F811
    world = case["world"]
    assert client.get(_api_url(case)).status_code == 404
    client.force_login(world.users["tapd_b"])
    assert client.get(_api_url(case)).status_code == 404
    client.force_login(world.users["operator"])
    body = client.get(_api_url(case)).json()
    assert {r["opd"]["nama"] for r in body["results"]} == {"Dinkes"} and body["count"] == 3
    client.force_login(world.users["tapd"])  # a 2FA role without the second factor reads as anonymous
    assert client.get(_api_url(case)).status_code == 404
    force_login_verified(client, world.users["tapd"])
    assert client.get(_api_url(case)).json()["count"] == 4
    live = client.get(f"/api/v1/tahapan/{case['target'].pk}/banding/kerja/")
    assert live.status_code == 200 and live.json()["count"] == 0
    client.logout()
    assert client.get(f"/api/v1/tahapan/{case['target'].pk}/banding/kerja/").status_code == 404


def test_api_diff_query_count_is_fixed(client, case):  # noqa: F811
    _publish_both(case)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(_api_url(case)).status_code == 200
    # 2 stages, the diff, sub-kegiatan names, shift reasons, audit reasons, 2 stage totals
    assert len(ctx.captured_queries) == 8
