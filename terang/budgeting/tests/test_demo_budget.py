"""The e-Budgeting demo generator: exact APBD identity, deterministic, idempotent, every clean line within the rules
the services enforce, and the planted anomalies found by the red-flag rules (and nothing else but 'belum dirinci').
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from terang.budgeting.calc import line_amounts
from terang.budgeting.choices import FlagRule, LineType, StageKind, StageStatus, SubActivityStatus
from terang.budgeting.models import (
    BudgetLine,
    Ceiling,
    FiscalYear,
    PriceItem,
    RedFlag,
    Stage,
    StageLine,
    SubActivityBudget,
)
from terang.budgeting.services.demo import FIGURES, VERSION, budget_demo_load, budget_lines_digest
from terang.budgeting.services.stages import stage_verify
from terang.demo.services import demo_data_load
from terang.reference import codes
from terang.reference.models import ProgramCode
from terang.reference.selectors import accounts_for_version

pytestmark = pytest.mark.django_db

IDENTITY_SMALL = {
    "pendapatan": Decimal("62375000000"), "belanja": Decimal("63000000000"), "surplus_defisit": Decimal("-625000000"),
    "penerimaan_pembiayaan": Decimal("625000000"), "pengeluaran_pembiayaan": Decimal("0"),
    "pembiayaan_netto": Decimal("625000000"), "silpa": Decimal("0"),
}
IDENTITY_REGENCY = {
    "pendapatan": Decimal("2495696641125"), "belanja": Decimal("2520696641125"),
    "surplus_defisit": Decimal("-25000000000"), "penerimaan_pembiayaan": Decimal("25000000000"),
    "pengeluaran_pembiayaan": Decimal("0"), "pembiayaan_netto": Decimal("25000000000"), "silpa": Decimal("0"),
}


def _load(scale: str = "small", seed: int = 7) -> dict:
    call_command("load_reference", stdout=StringIO())
    result = demo_data_load(scale=scale, seed=seed)
    assert result.budget is not None
    return result.budget


@pytest.fixture
def small() -> dict:
    return _load()


def _identity(summary_identity: dict) -> dict:
    return {key: Decimal(value) for key, value in summary_identity.items()}


def _wipe_budget(fy: FiscalYear) -> None:
    """Remove one fiscal year's demo budget (audit records stay: they are append-only)."""
    RedFlag.objects.filter(fiscal_year=fy).delete()
    StageLine.objects.filter(stage__fiscal_year=fy).delete()
    stages = Stage.objects.filter(fiscal_year=fy)
    for relation in Stage._meta.related_objects:  # other frozen snapshots of the stages (sub-kegiatan, flags, …)
        relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": stages}).delete()
    BudgetLine.objects.filter(fiscal_year=fy).delete()
    SubActivityBudget.objects.filter(fiscal_year=fy).delete()
    Ceiling.objects.filter(fiscal_year=fy).delete()
    PriceItem.objects.filter(fiscal_year=fy).delete()
    Stage.objects.filter(fiscal_year=fy).delete()
    fy.delete()


def test_small_scale_hits_round_figures_exactly_in_the_lines_and_the_published_apbd(small):
    assert small["created"] is True
    assert (small["scale"], small["seed"], small["tahun"]) == ("small", 7, 2026)
    assert _identity(small["identity"]) == IDENTITY_SMALL
    assert _identity(small["stage_identity"]["APBD murni"]) == IDENTITY_SMALL
    kua = _identity(small["stage_identity"]["KUA-PPAS"])
    assert kua["silpa"] == 0 and kua["penerimaan_pembiayaan"] == Decimal("625000000")  # balanced as well
    fy = FiscalYear.objects.get(pk=small["fiscal_year"])
    assert (fy.tahun, fy.program_version.kode, fy.account_version.kode, fy.ppn_rate) == (2026, VERSION, VERSION,
                                                                                          Decimal("0.1100"))
    counts = small["counts"]
    assert 250 <= counts["standar_harga"] <= 450
    assert counts["perangkat_daerah"] == 32  # 31 agencies and Kecamatan Tegalsari
    assert counts["rincian_belum_dirinci"] == 3
    stages = list(Stage.objects.filter(fiscal_year=fy).order_by("sequence"))
    assert [(s.kind, s.status) for s in stages] == [(StageKind.KUA_PPAS, StageStatus.PUBLISHED),
                                                   (StageKind.APBD, StageStatus.PUBLISHED)]
    assert [s.frozen_at.year for s in stages] == [2025, 2025]
    assert all(stage_verify(s)[0] for s in stages)  # the stage service's recorded digests match
    assert StageLine.objects.filter(stage=stages[1]).count() == counts["rincian"]
    diff = small["diff"]
    assert diff["changed"] > 0 and diff["added"] > 0 and diff["removed"] > 0 and diff["new_sub_kegiatan"] >= 2
    assert set(SubActivityBudget.objects.filter(fiscal_year=fy).values_list("status", flat=True)) == {
        SubActivityStatus.LOCKED}


def test_every_clean_line_obeys_the_service_rules_and_only_the_planted_anomalies_are_flagged(small):
    _check_clean_lines(small)
    _check_flags(small)


def _check_clean_lines(small: dict) -> None:
    fy = FiscalYear.objects.get(pk=small["fiscal_year"])
    planted = {row["line_key"] for row in small["anomalies"] if row["line_key"]}
    postable = set(accounts_for_version(VERSION, postable_only=True).values_list("pk", flat=True))
    through = PriceItem.allowed_accounts.through
    allowed: dict[int, set[int]] = defaultdict(set)
    for item_id, account_id in through.objects.filter(priceitem__fiscal_year=fy).values_list("priceitem_id",
                                                                                            "account_id"):
        allowed[item_id].add(account_id)
    prices = dict(PriceItem.objects.filter(fiscal_year=fy).values_list("pk", "harga"))
    assert all(account in postable for accounts in allowed.values() for account in accounts)
    assert all(1 <= len(accounts) <= 3 for accounts in allowed.values())
    ppkd = set(fy.lines.filter(organisation__is_ppkd=True).values_list("organisation_id", flat=True))
    lines = BudgetLine.objects.filter(fiscal_year=fy)
    fields = ("line_key", "organisation_id", "sub_activity_id", "account_id", "akun", "line_type", "price_item_id",
              "vol1", "vol2", "vol3", "vol4", "volume", "harga_satuan", "ppn", "ppn_amount", "total")
    checked = 0
    for row in lines.values(*fields):
        amounts = line_amounts(vol1=row["vol1"], vol2=row["vol2"], vol3=row["vol3"], vol4=row["vol4"],
                               harga_satuan=row["harga_satuan"], ppn=row["ppn"], ppn_rate=fy.ppn_rate)
        assert (amounts.volume, amounts.ppn_amount, amounts.total) == (row["volume"], row["ppn_amount"], row["total"])
        assert row["account_id"] in postable
        if row["akun"] == "5":
            assert row["sub_activity_id"] is not None
        else:
            assert row["sub_activity_id"] is None and row["price_item_id"] is None
        if row["akun"] == "6":
            assert row["organisation_id"] in ppkd
        if str(row["line_key"]) in planted:
            continue
        if row["akun"] == "5" and row["line_type"] == LineType.ITEM:
            assert row["price_item_id"] is not None
            assert row["harga_satuan"] <= prices[row["price_item_id"]], row
            assert row["account_id"] in allowed[row["price_item_id"]], row
            checked += 1
        elif row["line_type"] == LineType.UNDETAILED:
            assert row["akun"] == "5" and row["price_item_id"] is None
    assert checked > 2000
    # sub-kegiatan: from the year's nomenclature, in the unit's bidang, support program expanded to the main bidang
    version_codes = set(ProgramCode.objects.filter(versions__kode=VERSION, tingkat="sub_kegiatan")
                        .values_list("pk", flat=True))
    for sub in SubActivityBudget.objects.filter(fiscal_year=fy).select_related("organisation", "sub_kegiatan"):
        assert sub.sub_kegiatan_id in version_codes
        bidang = sub.organisation.bidang_urusan.split(";")
        if sub.sub_kegiatan.is_support:
            assert sub.kode == codes.expand_support_code(sub.sub_kegiatan.kode, sub.organisation.main_bidang)
        else:
            assert sub.kode == sub.sub_kegiatan.kode and sub.kode[:4] in bidang
    # ceilings hold (the planted sub-kegiatan is filled exactly, never above)
    belanja = lines.filter(akun="5")
    org_totals = dict(belanja.values_list("organisation_id").annotate(s=Sum("total")).order_by())
    sub_totals = {(org, sk): total for org, sk, total in belanja.values_list(
        "organisation_id", "sub_activity__sub_kegiatan_id").annotate(s=Sum("total")).order_by()}
    sumber_totals = {(org, sd): total for org, sd, total in belanja.values_list(
        "organisation_id", "sumber_dana_id").annotate(s=Sum("total")).order_by()}
    ceilings = list(Ceiling.objects.filter(fiscal_year=fy))
    assert {c.organisation_id for c in ceilings if c.sub_kegiatan_id is None and c.sumber_dana_id is None} == set(
        org_totals)
    for ceiling in ceilings:
        if ceiling.sub_kegiatan_id:
            used = sub_totals.get((ceiling.organisation_id, ceiling.sub_kegiatan_id), 0)
        elif ceiling.sumber_dana_id:
            used = sumber_totals.get((ceiling.organisation_id, ceiling.sumber_dana_id), 0)
        else:
            used = org_totals[ceiling.organisation_id]
        assert used <= ceiling.amount, ceiling


def _check_flags(small: dict) -> None:
    """The planted anomalies are found by the red-flag rules, and nothing else but the 'belum dirinci' lines."""
    fy = FiscalYear.objects.get(pk=small["fiscal_year"])
    anomalies = {row["kode"]: row for row in small["anomalies"]}
    assert set(anomalies) == {"lem_aibon", "ups", "fills_ceiling", "round_total"}
    aibon = BudgetLine.objects.get(line_key=anomalies["lem_aibon"]["line_key"])
    assert (aibon.sub_activity.kode, aibon.account.kode, aibon.sat1, aibon.vol2, aibon.harga_satuan) == (
        "1.01.02.2.01.0029", "5.1.02.01.01.0024", "Orang", Decimal("12"), Decimal("184000"))
    assert aibon.harga_satuan > aibon.price_item.harga  # the catalogue's glue is far cheaper
    ups = BudgetLine.objects.get(line_key=anomalies["ups"]["line_key"])
    assert ups.sub_activity.planning_trace == "" and ups.harga_satuan > ups.price_item.harga
    kua = Stage.objects.get(fiscal_year=fy, kind=StageKind.KUA_PPAS)
    assert not StageLine.objects.filter(stage=kua, sub_kegiatan_kode=ups.sub_activity.kode).exists()
    round_line = BudgetLine.objects.get(line_key=anomalies["round_total"]["line_key"])
    assert round_line.total == Decimal("1000000000")
    flags = list(RedFlag.objects.filter(fiscal_year=fy).select_related("line", "sub_activity"))
    found = defaultdict(set)
    for flag in flags:
        key = str(flag.line.line_key) if flag.line_id else flag.sub_activity.kode if flag.sub_activity_id else ""
        found[key].add(flag.rule)
    for row in anomalies.values():
        key = row["line_key"] or row["sub_kegiatan"]
        if row["kode"] == "ups":
            assert FlagRule.NEW_AFTER_PPAS in found[row["sub_kegiatan"]]
            assert FlagRule.PRICE_ABOVE_CATALOGUE in found[row["line_key"]]
        else:
            assert set(row["rules"]) <= found[key] | found[row["sub_kegiatan"]], row
    expected = {row["line_key"] for row in anomalies.values() if row["line_key"]} | {
        row["sub_kegiatan"] for row in anomalies.values()}
    unexpected = [(flag.rule, flag.message) for flag in flags if flag.rule != FlagRule.PLACEHOLDER
                  and (str(flag.line.line_key) if flag.line_id else flag.sub_activity.kode) not in expected]
    assert unexpected == []
    assert sum(1 for f in flags if f.rule == FlagRule.PLACEHOLDER) == small["counts"]["rincian_belum_dirinci"]
    assert small["flags"] == dict(RedFlag.objects.filter(fiscal_year=fy).values_list("rule").annotate(
        n=Count("pk")).order_by("rule"))


def test_second_run_adds_nothing(small):
    before = {model.__name__: model.objects.count() for model in (BudgetLine, StageLine, SubActivityBudget, Ceiling,
                                                                  PriceItem, Stage, RedFlag)}
    again = budget_demo_load(pemda=FiscalYear.objects.get(tahun=2026).pemda, scale="regency", seed=99)
    assert again["created"] is False and again["next_year"]["created"] is False
    assert again["identity"] == small["identity"] and again["anomalies"] == small["anomalies"]
    assert {model.__name__: model.objects.count() for model in (BudgetLine, StageLine, SubActivityBudget, Ceiling,
                                                                PriceItem, Stage, RedFlag)} == before


def test_same_seed_same_budget_other_seed_other_lines(small):
    fy = FiscalYear.objects.get(tahun=2026)
    pemda = fy.pemda
    digest = budget_lines_digest(fiscal_year=fy)
    _wipe_budget(fy)
    again = budget_demo_load(pemda=pemda, scale="small", seed=7)
    assert budget_lines_digest(fiscal_year=FiscalYear.objects.get(tahun=2026)) == digest
    assert again["counts"] == small["counts"] and again["stage_identity"] == small["stage_identity"]
    assert again["diff"] == small["diff"]
    _wipe_budget(FiscalYear.objects.get(tahun=2026))
    other = budget_demo_load(pemda=pemda, scale="small", seed=8)
    assert budget_lines_digest(fiscal_year=FiscalYear.objects.get(tahun=2026)) != digest
    assert _identity(other["identity"]) == IDENTITY_SMALL  # the figures do not depend on the seed


def test_demo_data_prints_the_budget_summary(db):
    out = StringIO()
    call_command("load_reference", stdout=StringIO())
    call_command("demo_data", "--scale", "small", "--seed", "3", "--quiet-users", stdout=out)
    text = out.getvalue()
    assert "Anggaran TA 2026 (skala small, seed 3): dibuat" in text
    assert "APBD murni: Pendapatan Rp 62.375.000.000 · Belanja Rp 63.000.000.000" in text
    assert "SiLPA tahun berkenaan Rp 0" in text
    assert "lem_aibon: Dispendik 1.01.02.2.01.0029" in text
    assert "Anggaran TA 2027 (penyusunan, dibuat): KUA-PPAS (Dipublikasikan), RKA-SKPD (Dibuka)" in text
    assert "operator.dinkes dapat menginput rincian (3 sub kegiatan, 12 rincian sudah diisi)" in text
    out = StringIO()
    call_command("demo_data", "--scale", "small", "--seed", "3", "--quiet-users", stdout=out)
    assert "sudah ada, tidak ada yang ditambahkan" in out.getvalue()
    assert "Anggaran TA 2027 (penyusunan, sudah ada)" in out.getvalue()


def test_demo_data_can_skip_the_budget(db):
    from terang.org.loaders import load_regions

    load_regions()
    call_command("demo_data", "--scale", "small", "--tanpa-anggaran", "--quiet-users", stdout=StringIO())
    assert not FiscalYear.objects.exists()


# --- TA 2027: in preparation, RKA open for the demo operator -------------------------------------------------------


def _operator():
    from terang.accounts.models import User

    return User.objects.get(username="operator.dinkes")


def _next_year_content(fy: FiscalYear) -> list[tuple]:
    """What the generator entered in TA 2027, by codes (line keys and primary keys aside)."""
    subs = [(s.kode, s.organisation.kode, s.status, s.planning_trace, s.sumber_dana_id)
            for s in SubActivityBudget.objects.filter(fiscal_year=fy).select_related("organisation").order_by("kode")]
    lines = list(BudgetLine.objects.filter(fiscal_year=fy).order_by("sub_activity__kode", "account__kode", "pk")
                 .values_list("sub_activity__kode", "account__kode", "price_item__kode", "volume", "harga_satuan",
                              "total", "created_by__username"))
    ceilings = list(Ceiling.objects.filter(fiscal_year=fy).order_by("organisation__kode")
                    .values_list("organisation__kode", "amount"))
    return [subs, lines, ceilings]


def test_next_year_has_kua_ppas_published_and_rka_open_with_the_operators_first_lines(small):
    from django.utils import timezone

    from terang.audit.models import ChangeRecord

    info = small["next_year"]
    assert info["created"] is True and info["tahun"] == 2027 and info["rka_open"] is True
    fy = FiscalYear.objects.get(tahun=2027)
    base = FiscalYear.objects.get(tahun=2026)
    assert (fy.status, fy.program_version_id, fy.account_version_id) == ("preparation", base.program_version_id,
                                                                          base.account_version_id)
    stages = list(Stage.objects.filter(fiscal_year=fy).order_by("sequence"))
    assert [(s.kind, s.status) for s in stages] == [
        (StageKind.KUA_PPAS, StageStatus.PUBLISHED), (StageKind.RKA, StageStatus.OPEN),
        (StageKind.RAPBD, StageStatus.PLANNED), (StageKind.APBD, StageStatus.PLANNED)]
    kua, rka = stages[0], stages[1]
    assert stage_verify(kua)[0] and kua.frozen_at < kua.published_at < timezone.now()
    now = timezone.now()
    assert rka.window_is_open(now) and rka.opens_at <= now
    assert rka.closes_at - now > timedelta(days=29)
    # ceilings: every agency with belanja last year, at least last year's belanja
    last_year = dict(BudgetLine.objects.filter(fiscal_year=base, akun="5").values_list("organisation_id")
                     .annotate(s=Sum("total")).order_by())
    ceilings = {c.organisation_id: c.amount for c in Ceiling.objects.filter(fiscal_year=fy)}
    assert set(ceilings) == set(last_year) and all(ceilings[k] >= last_year[k] for k in last_year)
    # the catalogue carried over, with the same allowed accounts
    assert PriceItem.objects.filter(fiscal_year=fy).count() == PriceItem.objects.filter(fiscal_year=base).count()
    # the demo operator's agency: three sub-kegiatan in draft with four lines each, entered by the operator
    operator = _operator()
    dinkes = operator.memberships.get().organisation
    subs = list(SubActivityBudget.objects.filter(fiscal_year=fy))
    assert len(subs) == 3 and {(s.organisation_id, s.status) for s in subs} == {(dinkes.pk, SubActivityStatus.DRAFT)}
    lines = BudgetLine.objects.filter(fiscal_year=fy)
    assert lines.count() == 12 and set(lines.values_list("created_by_id", flat=True)) == {operator.pk}
    line_ids = [str(pk) for pk in lines.values_list("pk", flat=True)]
    assert ChangeRecord.objects.filter(object_type="budgeting.budgetline", object_id__in=line_ids).count() == 12
    assert not RedFlag.objects.filter(fiscal_year=fy).exists()


def test_the_line_editor_is_open_for_the_demo_operator_in_2027_only(small, client):
    from django.urls import reverse

    from terang.accounts.testing import force_login_verified

    operator = _operator()
    dinkes = operator.memberships.get().organisation
    force_login_verified(client, operator)
    sub_2027 = SubActivityBudget.objects.filter(fiscal_year__tahun=2027, organisation=dinkes).order_by("kode").first()
    response = client.get(reverse("budgeting:line_editor", args=[sub_2027.pk]))
    assert response.status_code == 200
    state = response.context["state"]
    assert state.editable and state.can_edit and state.stage.kind == StageKind.RKA
    assert len(response.context["groups"]) >= 1
    sub_2026 = SubActivityBudget.objects.filter(fiscal_year__tahun=2026, organisation=dinkes).order_by("kode").first()
    state = client.get(reverse("budgeting:line_editor", args=[sub_2026.pk])).context["state"]
    assert not state.editable


def test_the_demo_operator_can_add_a_line_in_2027_and_is_refused_in_2026(small):
    from terang.audit.models import ChangeRecord
    from terang.budgeting.services.lines import LineInput, line_create, sub_activity_create
    from terang.core.errors import ApplicationError

    operator = _operator()
    dinkes = operator.memberships.get().organisation
    fy = FiscalYear.objects.get(tahun=2027)
    sub = SubActivityBudget.objects.filter(fiscal_year=fy, organisation=dinkes).order_by("kode").first()
    used = BudgetLine.objects.filter(sub_activity=sub).values_list("price_item_id", flat=True)
    item = (PriceItem.objects.filter(fiscal_year=fy, allowed_accounts__kode__startswith="5.1.02.01")
            .exclude(pk__in=used).order_by("kode").first())
    account = item.allowed_accounts.filter(kode__startswith="5.1.02.01").order_by("kode").first()
    before = BudgetLine.objects.filter(fiscal_year=fy).count()
    line = line_create(actor=operator, sub_activity=sub, data=LineInput(
        account=account, price_item=item, vol1=Decimal(3), sat1=item.satuan, harga_satuan=item.harga))
    line.refresh_from_db()
    assert (line.fiscal_year_id, line.organisation_id, line.created_by_id) == (fy.pk, dinkes.pk, operator.pk)
    assert line.volume == 3 and line.harga_satuan == item.harga
    assert line.total == line_amounts(vol1=Decimal(3), vol2=None, vol3=None, vol4=None, harga_satuan=item.harga,
                                      ppn=False, ppn_rate=fy.ppn_rate).total
    assert BudgetLine.objects.filter(fiscal_year=fy).count() == before + 1
    assert ChangeRecord.objects.filter(object_type="budgeting.budgetline", object_id=str(line.pk),
                                       action="create").exists()

    # TA 2026 is in execution: no open stage, so nothing can be entered there (and nothing changes)
    base = FiscalYear.objects.get(tahun=2026)
    state = (BudgetLine.objects.count(), SubActivityBudget.objects.count(), ChangeRecord.objects.count())
    closed = "Tidak ada tahapan yang dibuka untuk TA 2026; input anggaran ditutup."
    revenue = BudgetLine.objects.filter(fiscal_year=base, organisation=dinkes, akun="4").first()
    with pytest.raises(ApplicationError) as exc:
        line_create(actor=operator, organisation=dinkes, data=LineInput(
            account=revenue.account, uraian="Retribusi pelayanan kesehatan", harga_satuan=Decimal(1_000_000),
            extra={"fiscal_year": base}))
    assert (exc.value.code, exc.value.message) == ("stage_closed", closed)
    old_sub = SubActivityBudget.objects.filter(fiscal_year=base, organisation=dinkes).order_by("kode").first()
    with pytest.raises(ApplicationError) as exc:
        sub_activity_create(actor=operator, fiscal_year=base, organisation=dinkes, kode=sub.kode)
    assert (exc.value.code, exc.value.message) == ("stage_closed", closed)
    with pytest.raises(ApplicationError) as exc:  # its sub-kegiatan are locked since the APBD was enacted
        line_create(actor=operator, sub_activity=old_sub, data=LineInput(
            account=account, price_item=PriceItem.objects.get(fiscal_year=base, kode=item.kode, zone=item.zone),
            vol1=Decimal(1), harga_satuan=item.harga))
    assert exc.value.code == "sub_activity_not_editable"
    assert (BudgetLine.objects.count(), SubActivityBudget.objects.count(), ChangeRecord.objects.count()) == state


def test_next_year_is_deterministic_and_a_later_run_keeps_the_window_from_running_out(small):
    from django.utils import timezone

    fy = FiscalYear.objects.get(tahun=2027)
    pemda = fy.pemda
    content = _next_year_content(fy)
    _wipe_budget(fy)
    again = budget_demo_load(pemda=pemda, scale="small", seed=7)
    assert again["created"] is False and again["next_year"]["created"] is True  # 2026 kept, 2027 made again
    fy = FiscalYear.objects.get(tahun=2027)
    assert _next_year_content(fy) == content
    # a window about to close is pushed out again (through the stage service), nothing else is added
    rka = Stage.objects.get(fiscal_year=fy, kind=StageKind.RKA)
    Stage.objects.filter(pk=rka.pk).update(closes_at=timezone.now() + timedelta(days=2))
    counts = (BudgetLine.objects.count(), SubActivityBudget.objects.count(), Ceiling.objects.count())
    summary = budget_demo_load(pemda=pemda, scale="small", seed=7)["next_year"]
    rka.refresh_from_db()
    assert summary["created"] is False and summary["rka_open"] is True
    assert rka.status == StageStatus.OPEN and rka.closes_at - timezone.now() > timedelta(days=29)
    assert (BudgetLine.objects.count(), SubActivityBudget.objects.count(), Ceiling.objects.count()) == counts


@pytest.mark.skipif(not os.environ.get("TERANG_SLOW_TESTS"), reason="regency scale: set TERANG_SLOW_TESTS=1")
def test_regency_scale_is_banyuwangi_sized_with_the_published_rapbd_figures():
    summary = _load("regency", seed=2026)
    assert _identity(summary["identity"]) == IDENTITY_REGENCY
    assert _identity(summary["stage_identity"]["APBD murni"]) == IDENTITY_REGENCY
    fig = FIGURES["regency"]
    fy = FiscalYear.objects.get(tahun=2026)
    pad = BudgetLine.objects.filter(fiscal_year=fy, account__kode__startswith="4.1.").aggregate(s=Sum("total"))["s"]
    transfer = BudgetLine.objects.filter(fiscal_year=fy, account__kode__startswith="4.2.").aggregate(
        s=Sum("total"))["s"]
    assert (pad, transfer) == (fig.pad, fig.transfer)
    counts = summary["counts"]
    assert counts["perangkat_daerah"] == 60
    assert 2300 <= counts["sub_kegiatan"] <= 2700
    assert 90_000 <= counts["rincian"] <= 115_000
    assert 2700 <= counts["standar_harga"] <= 3300
    flags = summary["flags"]
    assert flags.get(FlagRule.PLACEHOLDER) == counts["rincian_belum_dirinci"]
    assert sum(flags.values()) - flags.get(FlagRule.PLACEHOLDER, 0) <= 12  # the planted anomalies, nothing else
    assert summary["next_year"]["rka_open"] and summary["next_year"]["rincian"] > 0
