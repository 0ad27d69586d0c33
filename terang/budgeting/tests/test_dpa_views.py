"""DPA pages: scoped list, creation by BPKAD, the cash plan grid with htmx saves (sum rule, version conflict,
quarter lock), the Sekda's override form; permission matrix and pinned query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from terang.accounts.testing import force_login_verified as login
from terang.budgeting.models import CashPlan, Dpa, QuarterOverride
from terang.budgeting.services import dpa as services
from terang.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def dpa(budget, apbd):
    return services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])


def _plan(dpa, account="5.1.02.01.01.0001"):
    return CashPlan.objects.get(dpa=dpa, account__kode=account)


def _post_months(client, plan, months, version, htmx=True):
    data = {f"m{i:02d}": value for i, value in enumerate(months, start=1)}
    data["version"] = version
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("budgeting:cash_plan_save", args=[plan.pk]), data, headers=headers)


def test_anonymous_is_sent_to_login(client, dpa):
    for url in (reverse("budgeting:dpa_list"), reverse("budgeting:dpa_detail", args=[dpa.pk]),
                reverse("budgeting:quarter_override", args=[_plan(dpa).pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    response = client.post(reverse("budgeting:cash_plan_save", args=[_plan(dpa).pk]), {})
    assert response.status_code == 302
    assert _plan(dpa).version == 1


def test_dpa_list_is_scoped(client, budget, dpa, django_assert_max_num_queries):
    other = services.dpa_create(actor=budget.users["bpkad"], stage=dpa.stage, organisation=budget.orgs["dispendik"])
    expected = {"operator": [dpa.pk], "operator_dispendik": [other.pk], "tapd": [other.pk, dpa.pk],
                "sekda": [other.pk, dpa.pk], "operator_b": []}
    for who, pks in expected.items():
        login(client, budget.users[who])
        response = client.get(reverse("budgeting:dpa_list"))
        assert response.status_code == 200
        assert [d.pk for d in response.context["dpas"]] == pks, who
    login(client, UserFactory())
    assert client.get(reverse("budgeting:dpa_list")).context["dpas"] == []
    login(client, budget.users["tapd"])
    with django_assert_max_num_queries(9):  # session, user, OTP, memberships, years, DPAs (+stages, orgs if BPKAD)
        client.get(reverse("budgeting:dpa_list"))


def test_bpkad_creates_a_dpa_from_the_page(client, budget, apbd):
    login(client, budget.users["bpkad"])
    page = client.get(reverse("budgeting:dpa_list"))
    assert page.context["can_create"] and page.context["stages"] == [apbd]
    assert [o.kode for o in page.context["organisations"]] == [
        "1.01.0.00.0.00.01.0000", "1.02.0.00.0.00.01.0000", "5.02.0.00.0.00.01.0000"]
    response = client.post(reverse("budgeting:dpa_create"), {"stage": apbd.pk,
                                                             "organisation": budget.orgs["dinkes"].pk})
    dpa = Dpa.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("budgeting:dpa_detail", args=[dpa.pk])
    # twice: the refusal comes back as a message on the list
    response = client.post(reverse("budgeting:dpa_create"), {"stage": apbd.pk,
                                                             "organisation": budget.orgs["dinkes"].pk}, follow=True)
    assert "sudah ada" in response.content.decode()
    assert Dpa.objects.count() == 1


def test_only_bpkad_may_create(client, budget, apbd):
    login(client, budget.users["operator"])
    assert not client.get(reverse("budgeting:dpa_list")).context["can_create"]
    response = client.post(reverse("budgeting:dpa_create"), {"stage": apbd.pk,
                                                             "organisation": budget.orgs["dinkes"].pk})
    assert response.status_code == 403
    login(client, budget.users["operator_b"])
    response = client.post(reverse("budgeting:dpa_create"), {"stage": apbd.pk,
                                                             "organisation": budget.orgs["dinkes"].pk})
    assert response.status_code == 404
    assert not Dpa.objects.exists()


def test_dpa_detail_grid_and_scope(client, budget, dpa, django_assert_num_queries):
    login(client, budget.users["operator"])
    url = reverse("budgeting:dpa_detail", args=[dpa.pk])
    # session, user, OTP device, memberships, DPA, month totals, sub-kegiatan count and page, cash plans, overrides
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "DPA/1.02.0.00.0.00.01.0000/2026" in html and 'data-testid="kas-grid"' in html
    assert response.context["can_edit"] and not response.context["can_override"]
    groups = response.context["groups"]
    assert [sub.kode for sub, _rows in groups] == ["1.02.01.2.06.0001", "1.02.02.2.01.0002"]
    assert sum(response.context["month_totals"], D(0)) == dpa.total
    assert 'name="m01" value="154.166"' in html and 'data-testid="kas-totals"' in html
    assert response.context["mismatched_count"] == 0
    for who, status in (("tapd", 200), ("sekda", 200), ("operator_dispendik", 404), ("operator_b", 404)):
        login(client, budget.users[who])
        assert client.get(reverse("budgeting:dpa_totals", args=[dpa.pk])).status_code == status
        response = client.get(url)
        assert response.status_code == status, who
        if status == 200:
            assert not response.context["can_edit"]


def test_htmx_save_row(client, budget, dpa):
    login(client, budget.users["operator"])
    plan = _plan(dpa)
    months = ["0"] * 6 + ["925.000", "925.000"] + ["0"] * 4
    response = _post_months(client, plan, months, 1)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="kas-{plan.pk}"' in html and "Tersimpan." in html
    assert response["HX-Trigger"] == "kas-saved"
    totals = client.get(reverse("budgeting:dpa_totals", args=[dpa.pk]))
    assert totals.context["month_totals"][6] == D("925000.00") + D("398232.00") + D("100000.00") + D("971250.00")
    assert "Rp 13.605.860" in totals.content.decode()
    plan.refresh_from_db()
    assert plan.version == 2 and plan.m07 == D("925000.00") and plan.m01 == 0
    # the difference is named and nothing is saved
    response = _post_months(client, plan, ["0"] * 6 + ["925.000", "900.000"] + ["0"] * 4, 2)
    assert "Jumlah anggaran kas Rp 1.825.000 tidak sama dengan anggaran Rp 1.850.000 (selisih Rp 25.000)." in (
        response.content.decode())
    assert 'value="900.000"' in response.content.decode()  # the user's input stays in the row
    # a stale version shows the current values and the user's own
    response = _post_months(client, plan, ["1.850.000"] + ["0"] * 11, 1)
    html = response.content.decode()
    assert "sudah diubah oleh pengguna lain" in html and "Nilai Anda (belum tersimpan):" in html
    assert 'name="m07" value="925.000"' in html
    # unreadable input
    response = _post_months(client, plan, ["satu juta"] + ["0"] * 11, 2)
    assert "Anggaran kas Januari bukan angka" in response.content.decode()
    assert "HX-Trigger" not in response
    plan.refresh_from_db()
    assert plan.version == 2 and plan.m07 == D("925000.00")


def test_plain_post_redirects_with_a_message(client, budget, dpa):
    login(client, budget.users["head"])
    plan = _plan(dpa)
    response = _post_months(client, plan, ["1850000"] + ["0"] * 11, 1, htmx=False)
    assert response.status_code == 302 and response["Location"] == reverse("budgeting:dpa_detail", args=[dpa.pk])
    plan.refresh_from_db()
    assert plan.m01 == D("1850000.00")


def test_save_row_permission_matrix(client, budget, dpa):
    plan = _plan(dpa)
    for who, status in (("bpkad", 403), ("tapd", 403), ("sekda", 403), ("operator_dispendik", 404),
                        ("operator_b", 404)):
        login(client, budget.users[who])
        assert _post_months(client, plan, ["1850000"] + ["0"] * 11, 1).status_code == status, who
    plan.refresh_from_db()
    assert plan.version == 1


def test_locked_quarter_in_the_grid_and_the_sekda_override(client, budget, dpa, monkeypatch):
    fy = budget.fiscal_year
    fy.quarter_locks = True
    fy.save()
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2026, 5, 10))
    plan = _plan(dpa)
    login(client, budget.users["operator"])
    html = client.get(reverse("budgeting:dpa_detail", args=[dpa.pk])).content.decode()
    assert "TW 1" in html and 'title="Triwulan terkunci"' in html
    response = _post_months(client, plan, ["0"] + ["154.166"] * 4 + ["308.332"] + ["154.166"] * 5 + ["154.174"], 1)
    assert "Triwulan I sudah lewat dan terkunci" in response.content.decode()
    # agency staff cannot open the override form
    url = reverse("budgeting:quarter_override", args=[plan.pk])
    assert client.get(url).status_code == 403
    login(client, budget.users["sekda"])
    page = client.get(url + "?triwulan=1")
    assert page.status_code == 200 and 'value="1" selected' in page.content.decode()
    short = client.post(url, {"quarter": "1", "reason": "singkat"})
    assert short.status_code == 400 and "paling sedikit 20 karakter" in short.content.decode()
    assert not QuarterOverride.objects.exists()
    response = client.post(url, {"quarter": "1", "reason": "Keterlambatan lelang karena sanggahan peserta."})
    assert response.status_code == 302
    assert QuarterOverride.objects.get().reason == "Keterlambatan lelang karena sanggahan peserta."
    login(client, budget.users["operator"])
    response = _post_months(client, plan, ["0"] + ["154.166"] * 4 + ["308.332"] + ["154.166"] * 5 + ["154.174"], 1)
    assert "Tersimpan." in response.content.decode()
    plan.refresh_from_db()
    assert plan.m01 == 0 and plan.version == 2


def test_grid_pages_and_mismatch_filter(client, budget, dpa):
    from terang.budgeting.views import dpa as views

    CashPlan.objects.filter(pk=_plan(dpa).pk).update(m01=D("1.00"))  # months no longer add up (e.g. old data)
    login(client, budget.users["operator"])
    url = reverse("budgeting:dpa_detail", args=[dpa.pk])
    response = client.get(url)
    assert response.context["mismatched_count"] == 1
    assert "1 baris anggaran kas belum sama dengan anggarannya." in response.content.decode()
    only = client.get(url + "?selisih=1")
    assert [[row["plan"].account.kode for row in rows] for _sub, rows in only.context["groups"]] == [
        ["5.1.02.01.01.0001"]]
    assert only.context["groups"][0][1][0]["selisih"] == D("1.00") - D("154166.00")
    assert views.SUBS_PER_PAGE == 10 and only.context["page"].paginator.num_pages == 1
