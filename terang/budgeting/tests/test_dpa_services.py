"""DPA and cash plan services: creating a DPA from a frozen stage, the sum rule, optimistic versions, quarter locks
with the Sekda's override, and the role/scope matrix — every refusal leaves nothing changed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from terang.accounts.choices import Role
from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import LineType, StageKind, StageStatus
from terang.budgeting.models import CashPlan, Dpa, QuarterOverride
from terang.budgeting.models.dpa import MONTH_FIELDS
from terang.budgeting.services import dpa as services
from terang.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from terang.testing.factories import make_user

from .test_dpa_world import DINKES_BELANJA, add_line, freeze

pytestmark = pytest.mark.django_db

D = Decimal
Z = D("0.00")
MAY = datetime.date(2026, 5, 10)  # quarter II of fiscal year 2026: quarter I is past


@pytest.fixture
def dpa(budget, apbd):
    return services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])


def _plan(dpa, account):
    return CashPlan.objects.get(dpa=dpa, account__kode=account)


def _events(event_type):
    return DomainEvent.objects.filter(event_type=int(event_type))


# --- dpa_create ----------------------------------------------------------------------------------------------------


def test_dpa_created_from_the_approved_stage_with_even_cash_plans(budget, apbd):
    dpa = services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])
    assert dpa.nomor == "DPA/1.02.0.00.0.00.01.0000/2026"
    assert dpa.total == DINKES_BELANJA
    assert (dpa.fiscal_year, dpa.pemda, dpa.stage, dpa.created_by) == (
        budget.fiscal_year, budget.pemda, apbd, budget.users["bpkad"])
    plans = {(p.sub_activity.kode, p.account.kode): p for p in dpa.cash_plans.select_related("sub_activity",
                                                                                             "account")}
    assert {key: p.total for key, p in plans.items()} == {
        ("1.02.02.2.01.0002", "5.1.02.01.01.0024"): D("3185860.00"),
        ("1.02.02.2.01.0002", "5.1.02.01.01.0052"): D("800000.00"),
        ("1.02.02.2.01.0002", "5.2.02.05.02.0006"): D("7770000.00"),
        ("1.02.01.2.06.0001", "5.1.02.01.01.0001"): D("1850000.00"),
    }
    # Pembangunan Puskesmas runs March–October: 8 even months in whole rupiah, the remainder in October
    atk = plans[("1.02.02.2.01.0002", "5.1.02.01.01.0024")]
    assert atk.months == [Z, Z] + [D("398232.00")] * 7 + [D("398236.00"), Z, Z]
    kantor = plans[("1.02.01.2.06.0001", "5.1.02.01.01.0001")]
    assert kantor.months == [D("154166.00")] * 11 + [D("154174.00")]
    assert all(sum(p.months, Z) == p.total for p in plans.values())
    event = _events(EventType.DPA_CREATED).get()
    assert event.payload == {"nomor": dpa.nomor, "stage": apbd.pk, "organisation": budget.orgs["dinkes"].pk,
                             "total": "13605860.00", "cash_plans": 4}
    assert ChangeRecord.objects.get(object_type="budgeting.dpa", object_id=str(dpa.pk)).after["cash_plans"] == 4


def test_dpa_numbers_for_amended_budget_and_shifts(budget):
    org = budget.orgs["dinkes"]
    shift = freeze(budget, kind=StageKind.PERGESERAN, number=2, nama="Pergeseran 2")
    amended = freeze(budget, kind=StageKind.APBD_P)
    assert services.dpa_create(actor=budget.users["bpkad"], stage=shift, organisation=org).nomor == (
        "DPPA/1.02.0.00.0.00.01.0000/2026/P2")
    assert services.dpa_create(actor=budget.users["bpkad"], stage=amended, organisation=org).nomor == (
        "DPPA/1.02.0.00.0.00.01.0000/2026")


def test_dpa_refused_while_a_belum_dirinci_line_exists_and_names_it(budget):
    add_line(budget, "cadangan", org="dinkes", sub="puskesmas", account="5.1.02.01.01.0024", uraian="Cadangan ATK",
             vols=[(1, "Paket")], harga="10000000", line_type=LineType.UNDETAILED)
    stage = freeze(budget)
    with pytest.raises(ApplicationError) as exc:
        services.dpa_create(actor=budget.users["bpkad"], stage=stage, organisation=budget.orgs["dinkes"])
    assert exc.value.code == "undetailed_lines"
    assert exc.value.message == (
        "DPA tidak dapat dibuat: masih ada 1 baris “belum dirinci”: 1.02.02.2.01.0002 / 5.1.02.01.01.0024 "
        "«Cadangan ATK» (Rp 10.000.000). Rinci baris tersebut melalui pergeseran atau perubahan sebelum DPA dibuat.")
    assert exc.value.details == {"line_keys": [str(budget.lines["cadangan"].line_key)]}
    assert not Dpa.objects.exists() and not CashPlan.objects.exists()
    assert not _events(EventType.DPA_CREATED).exists()
    # another agency of the same stage is not held up
    assert services.dpa_create(actor=budget.users["bpkad"], stage=stage, organisation=budget.orgs["dispendik"])


@pytest.mark.parametrize(("kind", "status", "code"), [
    (StageKind.RAPBD, StageStatus.PUBLISHED, "stage_kind"),
    (StageKind.APBD, StageStatus.OPEN, "stage_not_frozen"),
])
def test_dpa_refused_from_a_wrong_or_unfrozen_stage(budget, kind, status, code):
    stage = freeze(budget, kind=kind, status=status)
    if status == StageStatus.OPEN:
        stage.frozen_at = None
        stage.save()
    with pytest.raises(ApplicationError) as exc:
        services.dpa_create(actor=budget.users["bpkad"], stage=stage, organisation=budget.orgs["dinkes"])
    assert exc.value.code == code
    assert not Dpa.objects.exists()


def test_dpa_refused_twice_and_without_lines(budget, apbd, dpa):
    with pytest.raises(ConflictError) as exc:
        services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])
    assert "DPA/1.02.0.00.0.00.01.0000/2026" in exc.value.message
    from terang.testing.factories import OrganisationFactory

    empty = OrganisationFactory(pemda=budget.pemda, nama="Dinas Tanpa Anggaran")
    with pytest.raises(ApplicationError) as exc:
        services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=empty)
    assert exc.value.code == "no_lines"
    assert Dpa.objects.count() == 1 and CashPlan.objects.count() == 4


def test_only_bpkad_of_the_pemda_creates_a_dpa(budget, apbd):
    for who in ("operator", "head", "tapd", "sekda", "admin", "auditor", "dprd", "operator_b"):
        with pytest.raises(PermissionDeniedError):
            services.dpa_create(actor=budget.users[who], stage=apbd, organisation=budget.orgs["dinkes"])
    other_bpkad = make_user(Role.BPKAD_OFFICER, pemda=budget.other_pemda)
    with pytest.raises(PermissionDeniedError):
        services.dpa_create(actor=other_bpkad, stage=apbd, organisation=budget.orgs["dinkes"])
    assert not Dpa.objects.exists() and not _events(EventType.DPA_CREATED).exists()


def test_dpa_for_an_agency_of_another_pemda_is_not_found(budget, apbd):
    other_bpkad = make_user(Role.BPKAD_OFFICER, pemda=budget.other_pemda)
    with pytest.raises(NotFoundError):
        services.dpa_create(actor=other_bpkad, stage=apbd, organisation=budget.orgs["dinkes_b"])


def test_even_spread_keeps_cents_in_the_last_month():
    assert services.even_spread(D("100.05"), 1, 3) == [D("33.00"), D("33.00"), D("34.05")] + [Z] * 9
    assert services.even_spread(D("0"), 1, 12) == [Z] * 12
    assert services.even_spread(D("7"), 12, 12) == [Z] * 11 + [D("7.00")]


# --- cash_plan_set ------------------------------------------------------------------------------------------------


def test_cash_plan_months_must_sum_exactly_to_the_total(budget, dpa):
    plan = _plan(dpa, "5.1.02.01.01.0001")
    months = [D("154000")] * 12  # 1.848.000
    with pytest.raises(ApplicationError) as exc:
        services.cash_plan_set(actor=budget.users["operator"], cash_plan=plan, months=months, expected_version=1)
    assert exc.value.code == "sum_mismatch"
    assert exc.value.message == (
        "Jumlah anggaran kas Rp 1.848.000 tidak sama dengan anggaran Rp 1.850.000 (selisih Rp 2.000).")
    assert exc.value.details["selisih"] == "-2000.00"
    months[0] = D("156000.01")
    with pytest.raises(ApplicationError) as exc:
        services.cash_plan_set(actor=budget.users["operator"], cash_plan=plan, months=months, expected_version=1)
    assert "(selisih Rp 0,01)" in exc.value.message
    plan.refresh_from_db()
    assert plan.version == 1 and plan.m01 == D("154166.00")
    assert not _events(EventType.CASH_PLAN_SET).exists()


INVALID_MONTHS = [
    ([D("-1")] + [D("0")] * 10 + [D("1850001")], "negative_month",
     "Anggaran kas Januari tidak boleh negatif (-Rp 1)."),
    ([D("1850000")] * 1, "invalid_months", "Anggaran kas harus berisi 12 bulan."),
    ([D("0.001")] + [D("0")] * 10 + [D("1849999.999")], "invalid_months",
     "Anggaran kas Januari paling banyak dua angka di belakang koma."),
    (["abc"] + [D("0")] * 11, "invalid_months", "Anggaran kas Januari bukan angka."),
]


def test_invalid_months_are_refused(budget, dpa):
    plan = _plan(dpa, "5.1.02.01.01.0001")
    for months, code, text in INVALID_MONTHS:
        with pytest.raises(ApplicationError) as exc:
            services.cash_plan_set(actor=budget.users["operator"], cash_plan=plan, months=months,
                                   expected_version=1)
        assert (exc.value.code, exc.value.message) == (code, text)
    plan.refresh_from_db()
    assert plan.version == 1 and not _events(EventType.CASH_PLAN_SET).exists()


def test_cash_plan_set_writes_version_audit_and_event(budget, dpa):
    plan = _plan(dpa, "5.1.02.01.01.0001")
    months = [Z] * 6 + [D("925000")] * 2 + [Z] * 4
    saved = services.cash_plan_set(actor=budget.users["head"], cash_plan=plan, months=months, expected_version=1)
    assert saved.version == 2 and saved.months == months
    plan.refresh_from_db()
    assert plan.months == months and plan.version == 2
    event = _events(EventType.CASH_PLAN_SET).get()
    assert event.payload["months"][6] == "925000.00" and event.payload["overridden_quarters"] == []
    record = ChangeRecord.objects.get(object_type="budgeting.cashplan", object_id=str(plan.pk))
    assert record.before["version"] == 1 and record.after["version"] == 2
    # a stale version is refused and shows the current values; nothing changes
    with pytest.raises(ConflictError) as exc:
        services.cash_plan_set(actor=budget.users["operator"], cash_plan=plan, months=[D("154166")] * 11 + [
            D("154174")], expected_version=1)
    assert exc.value.code == "version_conflict"
    assert exc.value.details["version"] == 2 and exc.value.details["months"][6] == "925000.00"
    plan.refresh_from_db()
    assert plan.months == months and plan.version == 2
    assert _events(EventType.CASH_PLAN_SET).count() == 1


def test_only_the_agency_sets_its_cash_plan(budget, dpa):
    plan = _plan(dpa, "5.1.02.01.01.0001")
    for who in ("bpkad", "tapd", "sekda", "operator_dispendik", "operator_b", "auditor", "dprd"):
        with pytest.raises(PermissionDeniedError):
            services.cash_plan_set(actor=budget.users[who], cash_plan=plan, months=[D("1850000")] + [Z] * 11,
                                   expected_version=1)
    plan.refresh_from_db()
    assert plan.version == 1 and not _events(EventType.CASH_PLAN_SET).exists()


# --- quarter locks and the Sekda's override -----------------------------------------------------------------------


def test_past_quarter_is_locked_until_the_sekda_grants_an_override(budget, dpa):
    fy = budget.fiscal_year
    fy.quarter_locks = True
    fy.save()
    plan = _plan(dpa, "5.1.02.01.01.0001")
    original = plan.months
    moved = [Z, *original[1:5], original[5] + original[0], *original[6:]]  # January's money to June
    with pytest.raises(ApplicationError) as exc:
        services.cash_plan_set(actor=budget.users["operator"], cash_plan=plan, months=moved, expected_version=1,
                               today=MAY)
    assert exc.value.code == "quarter_locked"
    assert exc.value.message == ("Triwulan I sudah lewat dan terkunci: anggaran kas Januari tidak dapat diubah tanpa "
                                 "izin Sekretaris Daerah.")
    plan.refresh_from_db()
    assert plan.months == original and plan.version == 1
    # months of the current and later quarters stay free
    later = [*original[:3], Z, original[3] + original[4], *original[5:]]
    plan = services.cash_plan_set(actor=budget.users["operator"], cash_plan=plan, months=later, expected_version=1,
                                  today=MAY)
    assert plan.version == 2
    assert services.locked_quarters(plan, today=MAY) == {1}
    # the Sekda opens quarter I with a reason (audited); the same change is then allowed
    override = services.quarter_override_grant(actor=budget.users["sekda"], cash_plan=plan, quarter=1,
                                               reason="Keterlambatan lelang karena sanggahan peserta tender.")
    assert (override.quarter, override.approved_by, override.pemda) == (1, budget.users["sekda"], budget.pemda)
    event = _events(EventType.QUARTER_OVERRIDE_GRANTED).get()
    assert event.payload == {"cash_plan": plan.pk, "dpa": dpa.pk, "quarter": 1,
                             "reason": "Keterlambatan lelang karena sanggahan peserta tender."}
    assert ChangeRecord.objects.get(object_type="budgeting.quarteroverride").reason.startswith("Keterlambatan")
    assert services.locked_quarters(plan, today=MAY) == set()
    moved = [Z, *later[1:5], later[5] + later[0], *later[6:]]
    plan = services.cash_plan_set(actor=budget.users["operator"], cash_plan=plan, months=moved, expected_version=2,
                                  today=MAY)
    assert plan.m01 == Z and plan.version == 3
    assert _events(EventType.CASH_PLAN_SET).latest("seq").payload["overridden_quarters"] == [1]


def test_quarter_locks_follow_the_calendar_and_the_switch(budget, dpa):
    plan = _plan(dpa, "5.1.02.01.01.0001")
    assert services.past_quarters(tahun=2026, today=datetime.date(2025, 12, 31)) == set()
    assert services.past_quarters(tahun=2026, today=datetime.date(2026, 3, 31)) == set()
    assert services.past_quarters(tahun=2026, today=datetime.date(2026, 10, 1)) == {1, 2, 3}
    assert services.past_quarters(tahun=2026, today=datetime.date(2027, 1, 2)) == {1, 2, 3, 4}
    # without quarter locks a past month may change
    moved = [Z, *plan.months[1:11], plan.m12 + plan.m01]
    assert services.cash_plan_set(actor=budget.users["operator"], cash_plan=plan, months=moved, expected_version=1,
                                  today=datetime.date(2026, 11, 1)).version == 2


OVERRIDE_REFUSALS = [
    ("sekda", 1, "   terlalu pendek         ", "reason_required"),
    ("sekda", 5, "Alasan yang cukup panjang untuk dicatat.", "invalid_quarter"),
    ("operator", 1, "Alasan yang cukup panjang untuk dicatat.", "permission_denied"),
    ("bpkad", 1, "Alasan yang cukup panjang untuk dicatat.", "permission_denied"),
    ("head", 1, "Alasan yang cukup panjang untuk dicatat.", "permission_denied"),
    ("tapd_b", 1, "Alasan yang cukup panjang untuk dicatat.", "permission_denied"),
]


def test_quarter_override_refusals_change_nothing(budget, dpa):
    plan = _plan(dpa, "5.1.02.01.01.0001")
    for who, quarter, reason, code in OVERRIDE_REFUSALS:
        with pytest.raises(ApplicationError) as exc:
            services.quarter_override_grant(actor=budget.users[who], cash_plan=plan, quarter=quarter,
                                            reason=reason)
        assert exc.value.code == code, who
    assert not QuarterOverride.objects.exists()
    assert not _events(EventType.QUARTER_OVERRIDE_GRANTED).exists()


def test_quarter_override_is_granted_once_per_quarter_and_only_in_the_sekdas_pemda(budget, dpa):
    plan = _plan(dpa, "5.1.02.01.01.0001")
    reason = "Keterlambatan lelang karena sanggahan peserta tender."
    services.quarter_override_grant(actor=budget.users["sekda"], cash_plan=plan, quarter=2, reason=reason)
    with pytest.raises(ConflictError):
        services.quarter_override_grant(actor=budget.users["sekda"], cash_plan=plan, quarter=2, reason=reason)
    other_sekda = make_user(Role.SEKDA, pemda=budget.other_pemda)
    with pytest.raises(PermissionDeniedError):
        services.quarter_override_grant(actor=other_sekda, cash_plan=plan, quarter=3, reason=reason)
    assert list(QuarterOverride.objects.values_list("quarter", flat=True)) == [2]


def test_scoped_reads(budget, dpa):
    users = budget.users
    assert list(services.dpa_list_for_user(user=users["operator"])) == [dpa]
    assert list(services.dpa_list_for_user(user=users["tapd"])) == [dpa]
    assert list(services.dpa_list_for_user(user=users["sekda"])) == [dpa]
    assert list(services.dpa_list_for_user(user=users["operator_dispendik"])) == []
    assert list(services.dpa_list_for_user(user=users["operator_b"])) == []
    plan = _plan(dpa, "5.1.02.01.01.0001")
    assert services.cash_plan_for_user(user=users["head"], pk=plan.pk) == plan
    assert services.cash_plan_for_user(user=users["tapd_b"], pk=plan.pk) is None
    assert services.cash_plan_for_user(user=users["head"], pk="x") is None
    assert len(MONTH_FIELDS) == 12
