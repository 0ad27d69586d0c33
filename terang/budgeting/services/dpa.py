"""DPA-SKPD and the cash plan (anggaran kas): creating a DPA from an approved frozen stage, setting the monthly
cash plan of one sub-kegiatan × account, and the Sekda's override of a locked (past) quarter.

Writes (`dpa_create`, `cash_plan_set`, `quarter_override_grant`) check permission and scope, validate, write and
append the change record and the domain event in one transaction. Reads (`dpa_list_for_user`, `dpa_for_user`,
`cash_plan_for_user`) restrict to the user's scope; missing and forbidden look the same (None).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from terang.accounts.permissions import can, require, scope_filter
from terang.audit.events import EventType
from terang.audit.services import record_change, record_event, snapshot
from terang.core.errors import ApplicationError, ConflictError, NotFoundError
from terang.core.money import format_rupiah
from terang.org.models import Organisation

from ..choices import LineType, StageKind
from ..models import CashPlan, Dpa, QuarterOverride, Stage, StageLine, SubActivityBudget
from ..models.dpa import MONTH_FIELDS
from ..summaries import stage_is_frozen

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Stages a DPA may be taken from: the enacted budget, its shifts and the amended budget.
DPA_STAGE_KINDS = (StageKind.APBD, StageKind.PERGESERAN, StageKind.APBD_P)
MIN_REASON_LENGTH = 20
MONTH_NAMES = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
               "November", "Desember")
QUARTER_LABELS = {1: "I", 2: "II", 3: "III", 4: "IV"}
MAX_LINES_NAMED = 10


def quarter_of_month(month: int) -> int:
    return (month - 1) // 3 + 1


def quarter_months(quarter: int) -> range:
    return range(3 * quarter - 2, 3 * quarter + 1)


def even_spread(total: Decimal, first_month: int = 1, last_month: int = 12) -> list[Decimal]:
    """Twelve months: `total` spread evenly over first..last month in whole rupiah, the remainder (including any
    cents) in the last month."""
    total = Decimal(total).quantize(CENT)
    months = [ZERO] * 12
    first = min(max(first_month, 1), 12)
    last = min(max(last_month, first), 12)
    count = last - first + 1
    share = (total / count).quantize(Decimal(1), rounding=ROUND_DOWN).quantize(CENT)
    if total < 0:  # totals are never negative (constraint); keep the arithmetic honest anyway
        share = ZERO
    for month in range(first, last):
        months[month - 1] = share
    months[last - 1] = total - share * (count - 1)
    return months


def dpa_nomor(*, stage: Stage, organisation: Organisation) -> str:
    """DPA/1.02.0.00.0.00.01.0000/2026; DPPA for APBD-P and pergeseran (…/2026/P1)."""
    tahun = stage.fiscal_year.tahun
    if stage.kind == StageKind.APBD:
        return f"DPA/{organisation.kode}/{tahun}"
    if stage.kind == StageKind.APBD_P:
        return f"DPPA/{organisation.kode}/{tahun}"
    return f"DPPA/{organisation.kode}/{tahun}/P{stage.number}"


def _line_label(line: StageLine, account_kode: str) -> str:
    return f"{line.sub_kegiatan_kode or '—'} / {account_kode} «{line.uraian}» ({format_rupiah(line.total)})"


# --- reads (scoped) ----------------------------------------------------------------------------------------------


def _dpa_scope(user: Any) -> Q:
    return scope_filter(user, "budget.view", region_field=None) | scope_filter(
        user, "pemda.view_all", region_field=None)


def dpa_list_for_user(*, user: Any, fiscal_year: Any = None) -> QuerySet[Dpa]:
    """DPA documents the user may read (own agency for agency staff, the whole pemda for pemda-wide readers)."""
    qs = Dpa.objects.filter(_dpa_scope(user)).select_related("organisation", "stage", "fiscal_year")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("organisation__kode", "stage__sequence")


def dpa_for_user(*, user: Any, pk: Any) -> Dpa | None:
    try:
        return dpa_list_for_user(user=user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def cash_plan_for_user(*, user: Any, pk: Any) -> CashPlan | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (CashPlan.objects.filter(pk=pk, dpa__in=dpa_list_for_user(user=user))
            .select_related("dpa", "dpa__organisation", "dpa__fiscal_year", "account", "sub_activity").first())


def cash_plans_of(dpa: Dpa) -> QuerySet[CashPlan]:
    return (dpa.cash_plans.select_related("account", "sub_activity")
            .prefetch_related("overrides").order_by("sub_activity__kode", "account__kode"))


# --- DPA ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def dpa_create(*, actor: Any, stage: Stage, organisation: Organisation) -> Dpa:
    """Create the DPA-SKPD of one agency from a frozen APBD / pergeseran / APBD-P stage, with one cash plan per
    sub-kegiatan × belanja account (total from the snapshot, spread evenly over the sub-kegiatan's months).

    Refused while the agency's snapshot holds a "belum dirinci" line (the message names each such line)."""
    require(actor, "budget.dpa", organisation)
    stage = Stage.objects.select_for_update(of=("self",)).select_related("fiscal_year").order_by().get(pk=stage.pk)
    if stage.pemda_id != organisation.pemda_id:
        raise NotFoundError()
    if stage.kind not in DPA_STAGE_KINDS:
        raise ApplicationError(
            _("DPA hanya dapat dibuat dari tahapan APBD, pergeseran atau APBD Perubahan, bukan dari “%(stage)s”.")
            % {"stage": stage.nama}, code="stage_kind", field="stage")
    if not stage_is_frozen(stage):
        raise ApplicationError(
            _("Tahapan “%(stage)s” belum ditutup dan dibekukan; DPA dibuat dari tahapan yang sudah disahkan.")
            % {"stage": stage.nama}, code="stage_not_frozen", field="stage")
    existing = Dpa.objects.filter(stage=stage, organisation=organisation).first()
    if existing is not None:
        raise ConflictError(
            _("DPA %(nomor)s untuk %(org)s pada tahapan “%(stage)s” sudah ada.")
            % {"nomor": existing.nomor, "org": organisation.nama, "stage": stage.nama}, code="dpa_exists")
    lines = StageLine.objects.filter(stage=stage, organisation_id=organisation.pk)
    if not lines.exists():
        raise ApplicationError(
            _("%(org)s tidak memiliki rincian anggaran pada tahapan “%(stage)s”.")
            % {"org": organisation.nama, "stage": stage.nama}, code="no_lines")
    _refuse_undetailed(lines)

    belanja = list(lines.filter(akun="5").values("sub_activity_id", "account_id").annotate(total=Sum("total"))
                   .order_by("sub_activity_id", "account_id"))
    dpa = Dpa(fiscal_year=stage.fiscal_year, pemda_id=organisation.pemda_id, organisation=organisation, stage=stage,
              nomor=dpa_nomor(stage=stage, organisation=organisation), total=ZERO, created_by=actor)
    dpa.total = sum((Decimal(row["total"]).quantize(CENT) for row in belanja), ZERO)
    try:
        with transaction.atomic():
            dpa.save()
    except IntegrityError as exc:  # created concurrently
        raise ConflictError(_("DPA untuk perangkat daerah dan tahapan ini baru saja dibuat oleh pengguna lain."),
                            code="dpa_exists") from exc
    sub_ids = {row["sub_activity_id"] for row in belanja if row["sub_activity_id"]}
    months_of = {s.pk: (s.bulan_mulai, s.bulan_selesai)
                 for s in SubActivityBudget.objects.filter(pk__in=sub_ids).only("bulan_mulai", "bulan_selesai")}
    plans = []
    for row in belanja:
        total = Decimal(row["total"]).quantize(CENT)
        first, last = months_of.get(row["sub_activity_id"], (1, 12))
        spread = even_spread(total, first, last)
        months = dict(zip(MONTH_FIELDS, spread, strict=True))
        plans.append(CashPlan(dpa=dpa, pemda_id=dpa.pemda_id, sub_activity_id=row["sub_activity_id"],
                              account_id=row["account_id"], total=total, **months))
    CashPlan.objects.bulk_create(plans, batch_size=500)
    record_change(action="create", instance=dpa, actor=actor,
                  after={**snapshot(dpa, exclude=("created_at",)), "cash_plans": len(plans)})
    record_event(event_type=EventType.DPA_CREATED, instance=dpa, actor=actor,
                 payload={"nomor": dpa.nomor, "stage": stage.pk, "organisation": organisation.pk,
                          "total": str(dpa.total), "cash_plans": len(plans)})
    return dpa


def _refuse_undetailed(lines: QuerySet[StageLine]) -> None:
    undetailed = list(lines.filter(line_type=LineType.UNDETAILED).order_by("sub_kegiatan_kode", "pk"))
    if not undetailed:
        return
    from terang.reference.models import Account

    kodes = dict(Account.objects.filter(pk__in={line.account_id for line in undetailed}).values_list("pk", "kode"))
    named = [_line_label(line, kodes.get(line.account_id, "")) for line in undetailed[:MAX_LINES_NAMED]]
    text = "; ".join(named)
    if len(undetailed) > MAX_LINES_NAMED:
        text += " " + _("dan %(n)s baris lainnya") % {"n": len(undetailed) - MAX_LINES_NAMED}
    raise ApplicationError(
        _("DPA tidak dapat dibuat: masih ada %(n)s baris “belum dirinci”: %(lines)s. Rinci baris tersebut melalui "
          "pergeseran atau perubahan sebelum DPA dibuat.") % {"n": len(undetailed), "lines": text},
        code="undetailed_lines", details={"line_keys": [str(line.line_key) for line in undetailed]})


# --- cash plan ---------------------------------------------------------------------------------------------------


def _clean_months(months: Sequence[Any]) -> list[Decimal]:
    if months is None or len(months) != 12:
        raise ApplicationError(_("Anggaran kas harus berisi 12 bulan."), code="invalid_months", field="months")
    cleaned = []
    for index, value in enumerate(months):
        name = MONTH_NAMES[index]
        try:
            amount = Decimal(value if value not in (None, "") else 0)
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise ApplicationError(_("Anggaran kas %(month)s bukan angka.") % {"month": name},
                                   code="invalid_months", field=MONTH_FIELDS[index]) from exc
        if not amount.is_finite():
            raise ApplicationError(_("Anggaran kas %(month)s bukan angka.") % {"month": name},
                                   code="invalid_months", field=MONTH_FIELDS[index])
        if amount < 0:
            raise ApplicationError(_("Anggaran kas %(month)s tidak boleh negatif (%(amount)s).")
                                   % {"month": name, "amount": format_rupiah(amount)},
                                   code="negative_month", field=MONTH_FIELDS[index])
        if amount != amount.quantize(CENT):
            raise ApplicationError(_("Anggaran kas %(month)s paling banyak dua angka di belakang koma.")
                                   % {"month": name}, code="invalid_months", field=MONTH_FIELDS[index])
        cleaned.append(amount.quantize(CENT))
    return cleaned


def past_quarters(*, tahun: int, today: datetime.date) -> set[int]:
    """Quarters of fiscal year `tahun` that have ended before `today`."""
    if today.year < tahun:
        return set()
    if today.year > tahun:
        return {1, 2, 3, 4}
    return set(range(1, quarter_of_month(today.month)))


def locked_quarters(cash_plan: CashPlan, *, today: datetime.date | None = None) -> set[int]:
    """Quarters of this cash plan that may not change: past quarters when the fiscal year has quarter locks,
    minus those the Sekda has opened with an override."""
    fiscal_year = cash_plan.dpa.fiscal_year
    if not fiscal_year.quarter_locks:
        return set()
    past = past_quarters(tahun=fiscal_year.tahun, today=today or timezone.localdate())
    if not past:
        return set()
    opened = set(cash_plan.overrides.values_list("quarter", flat=True))
    return past - opened


@transaction.atomic
def cash_plan_set(*, actor: Any, cash_plan: CashPlan, months: Sequence[Any], expected_version: int,
                  today: datetime.date | None = None) -> CashPlan:
    """Set the twelve monthly amounts of one cash plan. They must add up exactly to its total; no month may be
    negative; a stale version is refused. With quarter locks on, the months of a past quarter may not change
    unless the Sekda granted an override for that quarter (money planned for a past quarter stays there)."""
    locked = CashPlan.objects.select_for_update().filter(pk=cash_plan.pk).order_by().first()
    if locked is None:
        raise NotFoundError()
    dpa = Dpa.objects.select_related("organisation", "fiscal_year").get(pk=locked.dpa_id)
    locked.dpa = dpa
    require(actor, "budget.cash_plan", dpa.organisation)
    if locked.version != expected_version:
        raise ConflictError(
            _("Anggaran kas ini sudah diubah oleh pengguna lain (versi %(current)s, Anda mengubah versi %(yours)s). "
              "Muat ulang untuk melihat nilai terbaru.") % {"current": locked.version, "yours": expected_version},
            code="version_conflict",
            details={"version": locked.version, "months": [str(m) for m in locked.months]})
    values = _clean_months(months)
    new_total = sum(values, ZERO)
    if new_total != locked.total:
        difference = new_total - locked.total
        raise ApplicationError(
            _("Jumlah anggaran kas %(sum)s tidak sama dengan anggaran %(total)s (selisih %(diff)s).")
            % {"sum": format_rupiah(new_total), "total": format_rupiah(locked.total),
               "diff": format_rupiah(abs(difference))},
            code="sum_mismatch", field="months",
            details={"jumlah": str(new_total), "anggaran": str(locked.total), "selisih": str(difference)})
    before = locked.months
    past = past_quarters(tahun=dpa.fiscal_year.tahun, today=today or timezone.localdate()) \
        if dpa.fiscal_year.quarter_locks else set()
    opened = set(locked.overrides.values_list("quarter", flat=True)) if past else set()
    changed_past: list[int] = []
    for quarter in sorted(past):
        changed = [m for m in quarter_months(quarter) if values[m - 1] != before[m - 1]]
        if not changed:
            continue
        if quarter not in opened:
            raise ApplicationError(
                _("Triwulan %(q)s sudah lewat dan terkunci: anggaran kas %(months)s tidak dapat diubah tanpa izin "
                  "Sekretaris Daerah.") % {"q": QUARTER_LABELS[quarter],
                                           "months": ", ".join(MONTH_NAMES[m - 1] for m in changed)},
                code="quarter_locked", field=MONTH_FIELDS[changed[0] - 1], details={"quarter": quarter})
        changed_past.append(quarter)
    if values == before:
        return locked
    for name, value in zip(MONTH_FIELDS, values, strict=True):
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=[*MONTH_FIELDS, "version"])
    record_change(action="update", instance=locked, actor=actor,
                  before={"months": before, "version": expected_version},
                  after={"months": values, "version": locked.version})
    record_event(event_type=EventType.CASH_PLAN_SET, instance=locked, actor=actor,
                 payload={"dpa": dpa.pk, "sub_activity": locked.sub_activity_id, "account": locked.account_id,
                          "months": [str(v) for v in values], "overridden_quarters": changed_past})
    return locked


@transaction.atomic
def quarter_override_grant(*, actor: Any, cash_plan: CashPlan, quarter: int, reason: str) -> QuarterOverride:
    """The Sekda allows the cash plan of a past (locked) quarter to change, with a written reason (audited)."""
    locked = CashPlan.objects.select_for_update().filter(pk=cash_plan.pk).order_by().first()
    if locked is None:
        raise NotFoundError()
    dpa = Dpa.objects.select_related("organisation").get(pk=locked.dpa_id)
    require(actor, "budget.quarter_override", dpa.organisation)
    try:
        quarter = int(quarter)
    except (TypeError, ValueError):
        quarter = 0
    if quarter not in QUARTER_LABELS:
        raise ApplicationError(_("Triwulan harus 1, 2, 3 atau 4."), code="invalid_quarter", field="quarter")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ApplicationError(
            _("Alasan izin paling sedikit %(n)s karakter.") % {"n": MIN_REASON_LENGTH},
            code="reason_required", field="reason")
    if locked.overrides.filter(quarter=quarter).exists():
        raise ConflictError(_("Izin untuk triwulan %(q)s anggaran kas ini sudah diberikan.")
                            % {"q": QUARTER_LABELS[quarter]}, code="override_exists")
    override = QuarterOverride.objects.create(cash_plan=locked, pemda_id=locked.pemda_id, quarter=quarter,
                                              reason=reason, approved_by=actor)
    record_change(action="create", instance=override, actor=actor, reason=reason,
                  after=snapshot(override, exclude=("approved_at",)))
    record_event(event_type=EventType.QUARTER_OVERRIDE_GRANTED, instance=override, actor=actor,
                 payload={"cash_plan": locked.pk, "dpa": dpa.pk, "quarter": quarter, "reason": reason})
    return override


# --- helpers for pages -------------------------------------------------------------------------------------------


def quarter_totals(months: Sequence[Decimal]) -> list[Decimal]:
    return [sum((months[m - 1] for m in quarter_months(q)), ZERO) for q in (1, 2, 3, 4)]


def can_edit_cash_plan(user: Any, dpa: Dpa) -> bool:
    return can(user, "budget.cash_plan", dpa.organisation)


def can_override(user: Any, dpa: Dpa) -> bool:
    return can(user, "budget.quarter_override", dpa.organisation)


def group_by_sub_activity(cash_plans: Sequence[CashPlan]) -> list[tuple[Any, list[CashPlan]]]:
    groups: dict[Any, list[CashPlan]] = defaultdict(list)
    order: list[Any] = []
    for plan in cash_plans:
        if plan.sub_activity_id not in groups:
            order.append(plan.sub_activity_id)
        groups[plan.sub_activity_id].append(plan)
    return [(groups[key][0].sub_activity, groups[key]) for key in order]
