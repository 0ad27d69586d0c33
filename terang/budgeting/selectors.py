"""Scoped reads of RKA entry: fiscal years, agencies, sub-kegiatan and lines a user may read, and the running
totals against the ceilings.

Who reads what (`budget.view`): agency staff (OPD operator/head) their own agency and its sub-units; pemda-wide
readers (Sekda, DPRD members, and every `pemda.view_all` role: administrator, auditor, Bappeda, TAPD, BPKAD) every
agency of their pemda. Missing and forbidden look the same: the single-object selectors return None.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from terang.accounts.choices import ROLE_SCOPE, ScopeKind
from terang.accounts.permissions import ROLE_ACTIONS, active_memberships, can, scope_filter
from terang.core.errors import ApplicationError
from terang.org.choices import SKPD_KINDS
from terang.org.models import Organisation
from terang.reference.models import Account

from .choices import LineType, StageStatus, SubActivityStatus
from .models import BudgetLine, Ceiling, FiscalYear, Stage, SubActivityBudget

ZERO = Decimal("0.00")
VIEW = "budget.view"
EDIT = "budget.edit_lines"
PENERIMAAN_PEMBIAYAAN = "6.1"
PENGELUARAN_PEMBIAYAAN = "6.2"


# --- scope ----------------------------------------------------------------------------------------------------------


def _view_roles() -> set[str]:
    return set(ROLE_ACTIONS[VIEW]) | set(ROLE_ACTIONS["pemda.view_all"])


def _scope(user: Any, *, pemda_field: str = "pemda", organisation_field: str | None = "organisation") -> Q:
    """Rows of the agencies (or pemda) the user may read budgets of."""
    return scope_filter(user, VIEW, pemda_field=pemda_field, organisation_field=organisation_field,
                        region_field=None) | scope_filter(user, "pemda.view_all", pemda_field=pemda_field,
                                                          organisation_field=None, region_field=None)


def view_pemda_ids(user: Any) -> set[int]:
    roles = _view_roles()
    return {m.pemda_id for m in active_memberships(user) if m.role in roles}


def is_pemda_wide(user: Any, pemda_id: int) -> bool:
    """True when the user reads every agency of the pemda (TAPD, BPKAD, Bappeda, Sekda, DPRD, admin, auditor)."""
    roles = _view_roles()
    return any(m.pemda_id == pemda_id and m.role in roles and ROLE_SCOPE[m.role] == ScopeKind.PEMDA
               for m in active_memberships(user))


# --- fiscal years ---------------------------------------------------------------------------------------------------


def fiscal_years_for_user(*, user: Any) -> QuerySet[FiscalYear]:
    """Fiscal years of every pemda where the user may read budgets, newest first."""
    return (FiscalYear.objects.filter(pemda_id__in=view_pemda_ids(user))
            .select_related("pemda", "program_version", "account_version").order_by("pemda__nama", "-tahun"))


def fiscal_year_for_user(*, user: Any, pk: Any) -> FiscalYear | None:
    try:
        return fiscal_years_for_user(user=user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


# --- agencies -------------------------------------------------------------------------------------------------------


def organisations_for_budget(*, user: Any, fiscal_year: FiscalYear) -> QuerySet[Organisation]:
    """Agencies of the fiscal year's pemda the user may read budgets of: the SKPD, the PPKD, and any unit that has a
    ceiling or sub-kegiatan in the year."""
    with_budget = Q(pk__in=Ceiling.objects.filter(fiscal_year=fiscal_year).values("organisation_id")) | Q(
        pk__in=SubActivityBudget.objects.filter(fiscal_year=fiscal_year).values("organisation_id"))
    cond = Q(pemda_id=fiscal_year.pemda_id, is_active=True) & (Q(kind__in=SKPD_KINDS) | Q(is_ppkd=True) | with_budget)
    scope = Q(pk__in=[])
    roles = _view_roles()
    for m in active_memberships(user):
        if m.role not in roles or m.pemda_id != fiscal_year.pemda_id:
            continue
        if ROLE_SCOPE[m.role] == ScopeKind.PEMDA:
            scope |= Q(pemda_id=m.pemda_id)
        elif ROLE_SCOPE[m.role] == ScopeKind.ORGANISATION and m.organisation_id:
            scope |= Q(pk=m.organisation_id) | Q(parent_id=m.organisation_id)
    return Organisation.objects.filter(cond & scope).order_by("kode")


def organisation_for_budget(*, user: Any, fiscal_year: FiscalYear, pk: Any) -> Organisation | None:
    try:
        org = Organisation.objects.select_related("pemda", "region").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None
    if org is None or org.pemda_id != fiscal_year.pemda_id or not can(user, VIEW, org):
        return None
    return org


# --- sub-kegiatan ---------------------------------------------------------------------------------------------------


def sub_activities_for_user(*, user: Any, fiscal_year: FiscalYear | None = None,
                            organisation: Organisation | None = None) -> QuerySet[SubActivityBudget]:
    """Sub-kegiatan the user may read, with their belanja total and number of lines."""
    qs = SubActivityBudget.objects.filter(_scope(user))
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    return (qs.select_related("fiscal_year", "organisation", "sumber_dana", "sub_kegiatan")
            .annotate(jumlah=Sum("lines__total"), jumlah_baris=Count("lines"),
                      jumlah_belum_dirinci=Count("lines", filter=Q(lines__line_type=LineType.UNDETAILED)))
            .order_by("kode"))


def sub_activity_for_user(*, user: Any, pk: Any) -> SubActivityBudget | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (SubActivityBudget.objects.filter(_scope(user), pk=pk)
            .select_related("fiscal_year__pemda", "fiscal_year__account_version", "fiscal_year__program_version",
                            "organisation", "sumber_dana", "sub_kegiatan").first())


# --- lines ----------------------------------------------------------------------------------------------------------


def lines_for_user(*, user: Any) -> QuerySet[BudgetLine]:
    """Every line the user may read, with what a list shows without a query per row."""
    return (BudgetLine.objects.filter(_scope(user))
            .select_related("account", "price_item", "sumber_dana", "updated_by", "sub_activity", "organisation"))


def line_for_user(*, user: Any, pk: Any) -> BudgetLine | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return lines_for_user(user=user).select_related("fiscal_year").filter(pk=pk).first()


def lines_of_sub_activity(sub: SubActivityBudget) -> list[BudgetLine]:
    """The lines of one sub-kegiatan in editor order: account, group [#], note [-], entry order."""
    return list(BudgetLine.objects.filter(sub_activity=sub)
                .select_related("account", "price_item", "sumber_dana", "updated_by")
                .order_by("account__kode", "kelompok", "keterangan", "pk"))


def agency_lines(*, organisation: Organisation, fiscal_year: FiscalYear, akun: tuple[str, ...]) -> list[BudgetLine]:
    return list(BudgetLine.objects.filter(organisation=organisation, fiscal_year=fiscal_year, akun__in=akun)
                .select_related("account", "sumber_dana", "updated_by").order_by("account__kode", "pk"))


# --- running totals -----------------------------------------------------------------------------------------------


@dataclass
class CeilingUse:
    """A total against its ceiling (None: no ceiling set)."""

    total: Decimal
    ceiling: Decimal | None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.ceiling is None else self.ceiling - self.total

    @property
    def percent(self) -> int:
        if not self.ceiling:
            return 0
        return min(100, int(self.total * 100 / self.ceiling))

    @property
    def over(self) -> bool:
        return self.ceiling is not None and self.total > self.ceiling


@dataclass
class RunningTotals:
    """What the line editor shows after every save."""

    sub_total: Decimal
    sub_lines: int
    sub_ceiling: CeilingUse | None
    agency: CeilingUse
    undetailed: Decimal = ZERO


def running_totals(sub: SubActivityBudget) -> RunningTotals:
    """The sub-kegiatan total and the agency's belanja against its ceilings (two queries)."""
    agg = BudgetLine.objects.filter(fiscal_year_id=sub.fiscal_year_id, organisation_id=sub.organisation_id,
                                    akun="5").aggregate(
        agency=Sum("total"),
        sub=Sum("total", filter=Q(sub_activity_id=sub.pk)),
        sub_kegiatan=Sum("total", filter=Q(sub_activity__sub_kegiatan_id=sub.sub_kegiatan_id)),
        n=Count("pk", filter=Q(sub_activity_id=sub.pk)),
        undetailed=Sum("total", filter=Q(sub_activity_id=sub.pk, line_type=LineType.UNDETAILED)),
    )
    ceilings = {(c.sub_kegiatan_id, c.sumber_dana_id): c.amount for c in Ceiling.objects.filter(
        fiscal_year_id=sub.fiscal_year_id, organisation_id=sub.organisation_id, sumber_dana__isnull=True).filter(
        Q(sub_kegiatan__isnull=True) | Q(sub_kegiatan_id=sub.sub_kegiatan_id))}
    sub_ceiling = ceilings.get((sub.sub_kegiatan_id, None))
    return RunningTotals(
        sub_total=agg["sub"] or ZERO,
        sub_lines=agg["n"] or 0,
        sub_ceiling=CeilingUse(agg["sub_kegiatan"] or ZERO, sub_ceiling) if sub_ceiling is not None else None,
        agency=CeilingUse(agg["agency"] or ZERO, ceilings.get((None, None))),
        undetailed=agg["undetailed"] or ZERO,
    )


def group_totals(sub: SubActivityBudget, *, account_id: int, kelompok: str) -> dict[str, Decimal]:
    """Subtotals of one account, one [#] group and every [-] note under it (one query)."""
    rows = (BudgetLine.objects.filter(sub_activity=sub, account_id=account_id)
            .values("kelompok", "keterangan").annotate(s=Sum("total")))
    account_total = ZERO
    group_total = ZERO
    notes: dict[str, Decimal] = {}
    for row in rows:
        account_total += row["s"] or ZERO
        if row["kelompok"] == kelompok:
            group_total += row["s"] or ZERO
            notes[row["keterangan"]] = row["s"] or ZERO
    return {"account": account_total, "kelompok": group_total, **{f"ket:{k}": v for k, v in notes.items()}}


@dataclass
class AgencySummary:
    """One agency on the e-Budgeting home: belanja vs ceiling, revenue, financing, sub-kegiatan by status."""

    organisation: Organisation
    belanja: CeilingUse
    pendapatan: Decimal = ZERO
    penerimaan_pembiayaan: Decimal = ZERO
    pengeluaran_pembiayaan: Decimal = ZERO
    undetailed: Decimal = ZERO
    lines: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def sub_activities(self) -> int:
        return sum(self.by_status.values())

    @property
    def status_rows(self) -> list[tuple[str, str, int]]:
        return [(value, str(label), self.by_status[value]) for value, label in SubActivityStatus.choices
                if self.by_status.get(value)]


def agency_summaries(*, fiscal_year: FiscalYear, organisations: list[Organisation]) -> list[AgencySummary]:
    """Totals of many agencies in three grouped queries."""
    ids = [o.pk for o in organisations]
    totals: dict[int, dict[str, Any]] = {
        row["organisation_id"]: dict(row)
        for row in BudgetLine.objects.filter(fiscal_year=fiscal_year, organisation_id__in=ids)
        .values("organisation_id").annotate(
            belanja=Sum("total", filter=Q(akun="5")),
            pendapatan=Sum("total", filter=Q(akun="4")),
            masuk=Sum("total", filter=Q(akun="6", account__kode__startswith=PENERIMAAN_PEMBIAYAAN + ".")),
            keluar=Sum("total", filter=Q(akun="6", account__kode__startswith=PENGELUARAN_PEMBIAYAAN + ".")),
            undetailed=Sum("total", filter=Q(line_type=LineType.UNDETAILED)),
            n=Count("pk"),
        )
    }
    ceilings = dict(Ceiling.objects.filter(fiscal_year=fiscal_year, organisation_id__in=ids, sub_kegiatan__isnull=True,
                                           sumber_dana__isnull=True).values_list("organisation_id", "amount"))
    statuses: dict[int, dict[str, int]] = defaultdict(dict)
    for status_row in (SubActivityBudget.objects.filter(fiscal_year=fiscal_year, organisation_id__in=ids)
                       .values("organisation_id", "status").annotate(n=Count("pk"))):
        statuses[status_row["organisation_id"]][status_row["status"]] = status_row["n"]
    out = []
    for org in organisations:
        row: dict[str, Any] = totals.get(org.pk, {})
        out.append(AgencySummary(
            organisation=org,
            belanja=CeilingUse(row.get("belanja") or ZERO, ceilings.get(org.pk)),
            pendapatan=row.get("pendapatan") or ZERO,
            penerimaan_pembiayaan=row.get("masuk") or ZERO,
            pengeluaran_pembiayaan=row.get("keluar") or ZERO,
            undetailed=row.get("undetailed") or ZERO,
            lines=row.get("n") or 0,
            by_status=statuses.get(org.pk, {}),
        ))
    return out


# --- input window -------------------------------------------------------------------------------------------------


@dataclass
class EntryState:
    """Whether lines of a sub-kegiatan (or an agency's revenue) can be edited now, and why not."""

    editable: bool
    stage: Stage | None
    reason: str = ""
    can_edit: bool = False  # the user holds budget.edit_lines over the agency

    @property
    def read_only(self) -> bool:
        return not self.editable


def entry_state(*, user: Any, fiscal_year: FiscalYear, organisation: Organisation,
                sub: SubActivityBudget | None = None) -> EntryState:
    """The same rules the line services apply (role and scope, open window or reopening, sub-kegiatan status)."""
    from .services.lines import EDITABLE_SUB_ACTIVITY, editable_stage

    allowed = can(user, EDIT, organisation)
    try:
        stage = editable_stage(fiscal_year=fiscal_year, organisation=organisation, lock=False)
    except ApplicationError as exc:
        return EntryState(False, current_stage(fiscal_year), exc.message, allowed)
    if not allowed:
        return EntryState(False, stage, _("Anda hanya dapat membaca anggaran perangkat daerah ini."), allowed)
    if sub is not None and sub.status not in EDITABLE_SUB_ACTIVITY:
        return EntryState(False, stage, _("Sub kegiatan ini berstatus %(status)s; rincian hanya dapat diubah saat "
                                          "draf atau dikembalikan.") % {"status": sub.get_status_display()}, allowed)
    return EntryState(True, stage, "", allowed)


def current_stage(fiscal_year: FiscalYear) -> Stage | None:
    """The open stage of the year, else the latest stage that has a window."""
    stages = list(Stage.objects.filter(fiscal_year=fiscal_year).order_by("sequence"))
    for stage in stages:
        if stage.status == StageStatus.OPEN:
            return stage
    return stages[-1] if stages else None


def _span(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d hari", "%(n)d hari", days) % {"n": days})
    if hours or (days and not mins):
        parts.append(ngettext("%(n)d jam", "%(n)d jam", hours) % {"n": hours})
    if not days and (mins or not hours):
        parts.append(ngettext("%(n)d menit", "%(n)d menit", mins) % {"n": mins})
    return " ".join(parts[:2])


def window_text(stage: Stage | None, *, at: datetime | None = None) -> str:
    """'ditutup dalam 3 hari 4 jam', 'dibuka dalam 2 hari', 'ditutup sejak …' for a stage's input window."""
    if stage is None:
        return _("belum ada tahapan")
    now = at or timezone.now()
    if stage.status == StageStatus.OPEN:
        if stage.opens_at and now < stage.opens_at:
            return _("dibuka dalam %(span)s") % {"span": _span(stage.opens_at - now)}
        if stage.closes_at and now < stage.closes_at:
            return _("ditutup dalam %(span)s") % {"span": _span(stage.closes_at - now)}
        if stage.closes_at:
            return _("jendela input sudah lewat (%(when)s)") % {
                "when": timezone.localtime(stage.closes_at).strftime("%d-%m-%Y %H:%M")}
        return _("dibuka tanpa batas waktu")
    return str(stage.get_status_display()).lower()


# --- accounts for entry -----------------------------------------------------------------------------


def entry_accounts(*, fiscal_year: FiscalYear, akun: tuple[str, ...] = ("5",), q: str = "",
                   limit: int = 20) -> list[Account]:
    """Postable accounts of the year's chart of accounts under `akun`, searched by code prefix or name words."""
    from terang.reference import codes
    from terang.reference.selectors import accounts_for_version, search

    qs = accounts_for_version(fiscal_year.account_version.kode, postable_only=True)
    cond = Q(pk__in=[])
    for a in akun:
        cond |= Q(kode__startswith=f"{a}.")
    qs = search(qs.filter(cond), q, codes.ACCOUNT) if q else qs.filter(cond)
    return list(qs.order_by("kode")[:limit])
