"""Reads of TAPD verification and red flags, scoped to the reader.

Who sees what: agency staff (operator, head) see their own agency and its sub-units; pemda-wide readers (TAPD,
BPKAD, Bappeda, administrator, auditor, Sekda, DPRD) see every agency of their pemda. Missing and forbidden look the
same (None / absent from the list). `public_flags` is the portal's read: only flags of lines that are part of a
published stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from terang.accounts.permissions import pemda_ids, scope_filter

from .choices import FiscalYearStatus, FlagStatus, StageStatus, SubActivityStatus
from .models import (
    BudgetLine,
    Ceiling,
    FiscalYear,
    RedFlag,
    Stage,
    StageLine,
    SubActivityBudget,
    VerificationComment,
)

READ_ACTION = "budget.view"
STATUSES = [s.value for s in SubActivityStatus]


def budget_scope(user: Any, *, organisation_field: str = "organisation") -> Q:
    """Rows (with pemda and organisation fields) the user may read in e-Budgeting."""
    return scope_filter(user, READ_ACTION, organisation_field=organisation_field, region_field=None) | scope_filter(
        user, "pemda.view_all", organisation_field=None, region_field=None)


# --- fiscal years --------------------------------------------------------------------------------------------------


def fiscal_years_for_user(*, user: Any) -> QuerySet[FiscalYear]:
    """Fiscal years of the pemda where the user holds any role, newest first."""
    return FiscalYear.objects.filter(pemda_id__in=sorted(pemda_ids(user))).select_related("pemda").order_by(
        "-tahun", "pemda_id")


def fiscal_year_for_user(*, user: Any, pk: Any = None) -> FiscalYear | None:
    """The fiscal year asked for (`pk`), else the newest one still being prepared, else the newest one."""
    qs = fiscal_years_for_user(user=user)
    if pk not in (None, ""):
        try:
            return qs.filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            return None
    years = list(qs[:5])
    for fy in years:
        if fy.status == FiscalYearStatus.PREPARATION:
            return fy
    return years[0] if years else None


# --- sub-kegiatan --------------------------------------------------------------------------------------------------


def sub_activities_for_user(*, user: Any, fiscal_year: FiscalYear | None = None) -> QuerySet[SubActivityBudget]:
    """RKA sub-kegiatan the user may read."""
    qs = SubActivityBudget.objects.filter(budget_scope(user))
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.select_related("organisation", "fiscal_year")


def sub_activity_for_user(*, user: Any, pk: Any) -> SubActivityBudget | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return sub_activities_for_user(user=user).filter(pk=pk).first()


def sub_activity_list(*, user: Any, fiscal_year: FiscalYear, organisation_id: int | None = None,
                      status: str = "") -> QuerySet[SubActivityBudget]:
    """Sub-kegiatan with their belanja total, open comments and open flags (one query)."""
    qs = sub_activities_for_user(user=user, fiscal_year=fiscal_year)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    if status in STATUSES:
        qs = qs.filter(status=status)
    return qs.annotate(
        belanja=Coalesce(Subquery(
            BudgetLine.objects.filter(sub_activity=OuterRef("pk"), akun="5").order_by().values("sub_activity")
            .annotate(s=Sum("total")).values("s")[:1]), Value(Decimal(0)), output_field=DecimalField()),
        open_comments=_count(VerificationComment.objects.filter(sub_activity=OuterRef("pk"), resolved=False),
                             "sub_activity"),
        open_flags=_count(RedFlag.objects.filter(sub_activity=OuterRef("pk"), status=FlagStatus.OPEN),
                          "sub_activity"),
    ).order_by("organisation__kode", "kode")


def verification_lines(*, sub_activity: SubActivityBudget) -> list[BudgetLine]:
    """The lines of one sub-kegiatan with account, catalogue item, flags and comments (for the verifier's page)."""
    return list(
        BudgetLine.objects.filter(sub_activity=sub_activity)
        .select_related("account", "price_item", "updated_by")
        .prefetch_related(
            Prefetch("flags", queryset=RedFlag.objects.order_by("-severity", "rule")),
            Prefetch("comments", queryset=VerificationComment.objects.select_related("author", "responded_by")
                     .order_by("created_at", "pk")),
        )
        .order_by("account__kode", "kelompok", "keterangan", "pk")
    )


def sub_activity_comments(*, sub_activity: SubActivityBudget) -> QuerySet[VerificationComment]:
    """Comments on the sub-kegiatan itself (not on a line), oldest first."""
    return (VerificationComment.objects.filter(sub_activity=sub_activity, line__isnull=True)
            .select_related("author", "responded_by").order_by("created_at", "pk"))


def sub_activity_flags(*, sub_activity: SubActivityBudget) -> QuerySet[RedFlag]:
    """Flags on the sub-kegiatan as a whole (new after KUA-PPAS, round total, fills its ceiling)."""
    return RedFlag.objects.filter(sub_activity=sub_activity, line__isnull=True).order_by("-severity", "rule")


def comments_for_user(*, user: Any, sub_activity: SubActivityBudget | None = None) -> QuerySet[VerificationComment]:
    qs = VerificationComment.objects.filter(budget_scope(user, organisation_field="sub_activity__organisation"))
    if sub_activity is not None:
        qs = qs.filter(sub_activity=sub_activity)
    return qs.select_related("author", "responded_by", "sub_activity").order_by("created_at", "pk")


def comment_for_user(*, user: Any, pk: Any) -> VerificationComment | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return comments_for_user(user=user).filter(pk=pk).first()


# --- the board -----------------------------------------------------------------------------------------------------


def _count(qs: QuerySet, group: str) -> Coalesce:
    return Coalesce(Subquery(qs.order_by().values(group).annotate(n=Count("pk")).values("n")[:1]), 0,
                    output_field=IntegerField())


@dataclass
class BoardRow:
    """One agency on the verification board."""

    organisation_id: int
    kode: str
    nama: str
    singkatan: str
    counts: dict[str, int]
    open_comments: int
    open_flags: int
    total: Decimal
    ceiling: Decimal | None

    @property
    def cells(self) -> list[tuple[str, int]]:
        """(status, count) in workflow order, for the board's columns."""
        return [(s, self.counts[s]) for s in STATUSES]

    @property
    def sub_activities(self) -> int:
        return sum(self.counts.values())

    @property
    def waiting_opd(self) -> int:
        """Sub-kegiatan the agency must act on: drafts and returned ones."""
        return self.counts[SubActivityStatus.DRAFT] + self.counts[SubActivityStatus.RETURNED]

    @property
    def waiting_tapd(self) -> int:
        return self.counts[SubActivityStatus.SUBMITTED]

    @property
    def done(self) -> int:
        return self.counts[SubActivityStatus.VERIFIED] + self.counts[SubActivityStatus.LOCKED]

    @property
    def progress(self) -> int:
        """Percent of sub-kegiatan verified or locked."""
        return round(100 * self.done / self.sub_activities) if self.sub_activities else 0

    @property
    def ceiling_used(self) -> Decimal | None:
        if not self.ceiling:
            return None
        return (self.total * 100 / self.ceiling).quantize(Decimal("0.1"))

    @property
    def waiting_on(self) -> str:
        """"opd", "tapd", "both", or "" when nothing waits."""
        if self.waiting_opd and self.waiting_tapd:
            return "both"
        return "opd" if self.waiting_opd else "tapd" if self.waiting_tapd else ""


@dataclass
class Board:
    fiscal_year: FiscalYear
    rows: list[BoardRow]
    totals: BoardRow = field(init=False)

    def __post_init__(self) -> None:
        counts = {s: sum(r.counts[s] for r in self.rows) for s in STATUSES}
        ceilings = [r.ceiling for r in self.rows if r.ceiling is not None]
        self.totals = BoardRow(
            organisation_id=0, kode="", nama="", singkatan="", counts=counts,
            open_comments=sum(r.open_comments for r in self.rows), open_flags=sum(r.open_flags for r in self.rows),
            total=sum((r.total for r in self.rows), Decimal(0)),
            ceiling=sum(ceilings, Decimal(0)) if ceilings else None,
        )


def verification_board(*, user: Any, fiscal_year: FiscalYear, status: str = "",
                       waiting_on: str = "") -> Board:
    """Each agency's progress through verification in one aggregate query: sub-kegiatan per status, open comments,
    open flags, belanja total against the agency ceiling. Agencies appear when they have a ceiling or a
    sub-kegiatan in the fiscal year. `status` keeps agencies with at least one sub-kegiatan in that status;
    `waiting_on` ("opd" / "tapd") keeps agencies with something waiting on that side."""
    from terang.org.models import Organisation

    subs = SubActivityBudget.objects.filter(fiscal_year=fiscal_year, organisation=OuterRef("pk"))
    annotations: dict[str, Any] = {
        f"n_{s}": _count(subs.filter(status=s), "organisation") for s in STATUSES
    }
    annotations.update(
        open_comments=_count(VerificationComment.objects.filter(
            sub_activity__fiscal_year=fiscal_year, sub_activity__organisation=OuterRef("pk"), resolved=False),
            "sub_activity__organisation"),
        open_flags=_count(RedFlag.objects.filter(fiscal_year=fiscal_year, organisation=OuterRef("pk"),
                                                 status=FlagStatus.OPEN), "organisation"),
        belanja=Coalesce(Subquery(
            BudgetLine.objects.filter(fiscal_year=fiscal_year, organisation=OuterRef("pk"), akun="5").order_by()
            .values("organisation").annotate(s=Sum("total")).values("s")[:1]),
            Value(Decimal(0)), output_field=DecimalField()),
        ceiling=Subquery(Ceiling.objects.filter(fiscal_year=fiscal_year, organisation=OuterRef("pk"),
                                                sub_kegiatan__isnull=True, sumber_dana__isnull=True)
                         .values("amount")[:1]),
    )
    qs = (Organisation.objects.filter(pemda_id=fiscal_year.pemda_id).filter(_organisation_scope(user))
          .annotate(**annotations)
          .filter(Q(ceiling__isnull=False) | _any_sub(STATUSES)))
    if status in STATUSES:
        qs = qs.filter(**{f"n_{status}__gt": 0})
    if waiting_on == "opd":
        qs = qs.filter(Q(n_draft__gt=0) | Q(n_returned__gt=0))
    elif waiting_on == "tapd":
        qs = qs.filter(**{"n_submitted__gt": 0})
    rows = [
        BoardRow(organisation_id=o.pk, kode=o.kode, nama=o.nama, singkatan=o.singkatan,
                 counts={s: getattr(o, f"n_{s}") for s in STATUSES}, open_comments=o.open_comments,
                 open_flags=o.open_flags, total=o.belanja, ceiling=o.ceiling)
        for o in cast(Iterable[Any], qs.order_by("kode", "pk").only("pk", "kode", "nama", "singkatan"))
    ]
    return Board(fiscal_year=fiscal_year, rows=rows)


def _any_sub(statuses: list[str]) -> Q:
    condition = Q(pk__in=[])
    for s in statuses:
        condition |= Q(**{f"n_{s}__gt": 0})
    return condition


def _organisation_scope(user: Any) -> Q:
    """Agencies the user may read in e-Budgeting (their own and its sub-units, or all of their pemda)."""
    from terang.org.selectors import organisations_for_user

    return Q(pk__in=organisations_for_user(user=user, action=READ_ACTION).values("pk")) | Q(
        pk__in=organisations_for_user(user=user, action="pemda.view_all").values("pk"))


def organisations_for_budget_user(*, user: Any, fiscal_year: FiscalYear) -> QuerySet[Any]:
    """Agencies of the fiscal year's pemda the user may read (for filters)."""
    from terang.org.models import Organisation

    return (Organisation.objects.filter(pemda_id=fiscal_year.pemda_id).filter(_organisation_scope(user))
            .only("pk", "kode", "nama", "singkatan").order_by("kode", "pk"))


def organisation_for_budget_user(*, user: Any, pk: Any) -> Any:
    """One agency the user may read in e-Budgeting, or None."""
    from terang.org.models import Organisation

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Organisation.objects.filter(_organisation_scope(user), pk=pk).first()


# --- red flags -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagFilters:
    rule: str = ""
    organisation_id: int | None = None
    status: str = ""
    severity: int | None = None
    sub_activity_id: int | None = None


def flags_for_user(*, user: Any, fiscal_year: FiscalYear, filters: FlagFilters | None = None) -> QuerySet[RedFlag]:
    """Red flags the user may read, most severe first."""
    filters = filters or FlagFilters()
    qs = RedFlag.objects.filter(budget_scope(user), fiscal_year=fiscal_year)
    if filters.rule:
        qs = qs.filter(rule=filters.rule)
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.sub_activity_id:
        qs = qs.filter(sub_activity_id=filters.sub_activity_id)
    return qs.select_related("organisation", "sub_activity", "line", "dismissed_by").order_by(
        "-severity", "organisation__kode", "rule", "pk")


def flag_for_user(*, user: Any, pk: Any) -> RedFlag | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return RedFlag.objects.filter(budget_scope(user), pk=pk).select_related(
        "organisation", "sub_activity", "line", "dismissed_by").first()


def flag_counts(qs: QuerySet[RedFlag]) -> dict[str, dict[str, int]]:
    """{rule: {"open": n, "dismissed": m}} for a flag queryset (one query)."""
    counts: dict[str, dict[str, int]] = {}
    for rule, status, n in qs.order_by().values_list("rule", "status").annotate(n=Count("pk")):
        counts.setdefault(rule, {"open": 0, "dismissed": 0})[status] = n
    return counts


def public_flags(*, fiscal_year: FiscalYear, stage: Stage | None = None) -> QuerySet[RedFlag]:
    """Red flags anyone may read: open ones and dismissed ones (with the published reason), limited to what is
    already public — lines, sub-kegiatan and agencies that appear in a published stage of the fiscal year (or in
    `stage`, which must be published). Drafts never show here."""
    stages = Stage.objects.filter(fiscal_year=fiscal_year, status=StageStatus.PUBLISHED)
    if stage is not None:
        stages = stages.filter(pk=stage.pk)
    published = StageLine.objects.filter(stage__in=stages)
    return (
        RedFlag.objects.filter(fiscal_year=fiscal_year, status__in=[FlagStatus.OPEN, FlagStatus.DISMISSED])
        .filter(
            Q(line_key__in=published.values("line_key"))
            | Q(line__isnull=True, sub_activity_id__in=published.exclude(sub_activity_id=None)
                .values("sub_activity_id"))
            | Q(line__isnull=True, sub_activity__isnull=True, organisation_id__in=published.values("organisation_id"))
        )
        .select_related("organisation", "sub_activity")
        .order_by("-severity", "organisation__kode", "rule", "pk")
    )
