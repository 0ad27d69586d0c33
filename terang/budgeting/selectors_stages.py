"""Reads about fiscal years and stages: input windows and reopenings, who may see which stage, frozen digests.

`stage_input_allowed` is the one rule for "may this agency enter lines in this stage now?": the stage is open and
`at` lies inside [opens_at, closes_at), or an unexpired reopening covers the agency (or all agencies). Published
stages never accept input.

Stage metadata (names, windows, status, reopenings with their reasons) is public; frozen lines and diffs are public
only for published stages. Staff see the stages of every pemda where they hold a role; agency staff (OPD roles)
see the lines of their own agency only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from terang.accounts.choices import ROLE_SCOPE, ScopeKind
from terang.accounts.permissions import ROLE_ACTIONS, active_memberships, pemda_ids
from terang.audit.events import EventType
from terang.audit.models import DomainEvent

from .choices import StageStatus
from .models import BudgetShift, FiscalYear, Stage, StageReopening

STAGE_OBJECT_TYPE = "budgeting.stage"
FROZEN_STATUSES = (StageStatus.CLOSED, StageStatus.PUBLISHED)


# --- input window ---------------------------------------------------------------------------------------------


def _org_ids(organisation: Any) -> list[int]:
    """The agency and its parent (a UPTD/puskesmas is covered by a reopening for its agency)."""
    if organisation is None:
        return []
    if isinstance(organisation, int):
        return [organisation]
    ids = [organisation.pk]
    if getattr(organisation, "parent_id", None):
        ids.append(organisation.parent_id)
    return ids


def active_reopening(*, stage: Stage, organisation: Any = None, at: datetime | None = None) -> StageReopening | None:
    """The unexpired reopening of `stage` covering `organisation` (or every agency) at `at`, latest end first."""
    if stage.status not in (StageStatus.OPEN, StageStatus.CLOSED):
        return None
    now = at or timezone.now()
    cover = Q(organisation__isnull=True)
    ids = _org_ids(organisation)
    if ids:
        cover |= Q(organisation_id__in=ids)
    return (
        StageReopening.objects.filter(stage=stage, reopened_at__lte=now, until__gt=now)
        .filter(cover)
        .order_by("-until", "-pk")
        .first()
    )


def stage_input_allowed(*, stage: Stage, organisation: Any = None, at: datetime | None = None) -> bool:
    """True when `organisation` may enter or change lines of `stage` at `at` (default now).

    Open stage: `opens_at` inclusive, `closes_at` exclusive. After that only an unexpired reopening for the agency
    (or for all agencies, `organisation` null) allows input. Planned and published stages never do.
    """
    now = at or timezone.now()
    if stage.status == StageStatus.OPEN and stage.window_is_open(now):
        return True
    return active_reopening(stage=stage, organisation=organisation, at=now) is not None


@dataclass(frozen=True)
class InputWindow:
    """Why input is (not) allowed: for pages that show the state of the window to an agency."""

    allowed: bool
    stage: Stage | None
    until: datetime | None
    reopening: StageReopening | None


def input_window(*, fiscal_year: FiscalYear, organisation: Any = None, at: datetime | None = None) -> InputWindow:
    """The stage of `fiscal_year` that accepts input from `organisation` now, and until when."""
    now = at or timezone.now()
    stages = list(Stage.objects.filter(fiscal_year=fiscal_year, status__in=(*FROZEN_STATUSES, StageStatus.OPEN))
                  .order_by("-sequence"))
    for stage in stages:
        if stage.status == StageStatus.OPEN and stage.window_is_open(now):
            return InputWindow(True, stage, stage.closes_at, None)
        reopening = active_reopening(stage=stage, organisation=organisation, at=now)
        if reopening is not None:
            return InputWindow(True, stage, reopening.until, reopening)
    return InputWindow(False, stages[0] if stages else None, None, None)


# --- visibility -----------------------------------------------------------------------------------------------


def fiscal_years_for_user(*, user: Any) -> QuerySet[FiscalYear]:
    """Fiscal years of every pemda where the user holds any role."""
    return FiscalYear.objects.filter(pemda_id__in=pemda_ids(user)).select_related("pemda").order_by("pemda__nama",
                                                                                                    "-tahun")


def fiscal_year_for_user(*, user: Any, pk: int) -> FiscalYear | None:
    return fiscal_years_for_user(user=user).filter(pk=pk).first()


def stages_for_user(*, user: Any) -> QuerySet[Stage]:
    return Stage.objects.filter(pemda_id__in=pemda_ids(user)).select_related("fiscal_year", "pemda")


def stage_for_user(*, user: Any, pk: int) -> Stage | None:
    """A stage the user may look at (any role in its pemda); None when missing or out of scope."""
    return stages_for_user(user=user).filter(pk=pk).first()


def line_scope_for_user(*, user: Any, pemda_id: int) -> list[int] | None:
    """Which agencies' lines the user may read in a pemda: None = all, a list of organisation ids otherwise
    (empty list = none). Pemda-wide roles holding budget.view (or pemda.view_all) read all lines."""
    allowed = ROLE_ACTIONS["budget.view"] | ROLE_ACTIONS["pemda.view_all"]
    org_ids: list[int] = []
    for m in active_memberships(user):
        if m.pemda_id != pemda_id or m.role not in allowed:
            continue
        if ROLE_SCOPE[m.role] == ScopeKind.PEMDA:
            return None
        if ROLE_SCOPE[m.role] == ScopeKind.ORGANISATION and m.organisation_id:
            org_ids.append(m.organisation_id)
            org_ids.extend(m.organisation.units.values_list("pk", flat=True))
    return org_ids


def diff_scope_for_user(*, user: Any, base: Stage | None, target: Stage | None) -> tuple[bool, list[int] | None]:
    """(visible, organisation ids or None for all) for a diff between two stages of one fiscal year.

    Published stages are public: anyone sees every line of a published-vs-published diff. Anything else
    (frozen but unpublished, or the live working copy) needs a role in the pemda and is cut to the user's agencies.
    """
    stages = [s for s in (base, target) if s is not None]
    if not stages:
        return False, []
    if len({s.fiscal_year_id for s in stages}) != 1:
        return False, []
    if base is not None and target is not None and base.is_public and target.is_public:
        return True, None
    pemda_id = stages[0].pemda_id
    if pemda_id not in pemda_ids(user):
        return False, []
    scope = line_scope_for_user(user=user, pemda_id=pemda_id)
    if scope is not None and not scope:
        return False, []
    return True, scope


# --- public ---------------------------------------------------------------------------------------------------


def public_fiscal_years(*, tahun: int, pemda_kode: str | None = None) -> QuerySet[FiscalYear]:
    qs = FiscalYear.objects.filter(tahun=tahun).select_related("pemda").order_by("pemda__nama")
    if pemda_kode:
        qs = qs.filter(pemda__kode=pemda_kode)
    return qs


def public_stages(*, fiscal_years: Any) -> QuerySet[Stage]:
    """Every stage of these fiscal years: name, window, status (the schedule is public; the lines only once
    published)."""
    return Stage.objects.filter(fiscal_year__in=fiscal_years).select_related("fiscal_year", "pemda").order_by(
        "pemda__nama", "sequence")


def public_stage(*, pk: int, tahun: int | None = None) -> Stage | None:
    qs = Stage.objects.filter(pk=pk).select_related("fiscal_year", "pemda")
    if tahun is not None:
        qs = qs.filter(fiscal_year__tahun=tahun)
    return qs.first()


def public_published_stage(*, pk: int, tahun: int | None = None) -> Stage | None:
    """A published stage (drafts and frozen-but-unpublished stages look missing)."""
    stage = public_stage(pk=pk, tahun=tahun)
    return stage if stage is not None and stage.is_public else None


def reopenings(*, stages: Any) -> QuerySet[StageReopening]:
    """Reopenings of these stages with their reasons, newest first (public)."""
    return (StageReopening.objects.filter(stage__in=stages)
            .select_related("stage", "organisation", "reopened_by").order_by("-reopened_at", "-pk"))


# --- frozen snapshots -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrozenInfo:
    """What the latest STAGE_FROZEN event of a stage recorded: line count, total, SHA-256 digest and the version of
    the canonical serialisation it was computed with (1 when the event predates versioning). `has_snapshot`: the
    freeze also copied sub-kegiatan details and red flags (digest version 2 onwards); pages fall back to live data
    for older stages."""

    lines: int
    total: str
    digest: str
    frozen_at: datetime
    event_seq: int
    digest_version: int = 1
    sub_activities: int | None = None
    flags: int | None = None
    flags_refreshed_at: str | None = None

    @property
    def has_snapshot(self) -> bool:
        return self.digest_version >= 2

    @property
    def flags_refreshed(self) -> datetime | None:
        """When the frozen red flags were last recomputed before the freeze (None: never, or not recorded)."""
        return datetime.fromisoformat(self.flags_refreshed_at) if self.flags_refreshed_at else None


def frozen_info(stages: Any) -> dict[int, FrozenInfo]:
    """{stage id: FrozenInfo} from the latest STAGE_FROZEN event of each stage (one query)."""
    ids = [str(s.pk if isinstance(s, Stage) else s) for s in stages]
    if not ids:
        return {}
    info: dict[int, FrozenInfo] = {}
    events = DomainEvent.objects.filter(event_type=EventType.STAGE_FROZEN, object_type=STAGE_OBJECT_TYPE,
                                        object_id__in=ids).order_by("seq")
    for event in events.only("seq", "object_id", "payload", "created_at"):
        payload = event.payload or {}
        info[int(event.object_id)] = FrozenInfo(
            lines=int(payload.get("lines", 0)), total=str(payload.get("total", "0")),
            digest=str(payload.get("digest", "")), frozen_at=event.created_at, event_seq=event.seq,
            digest_version=int(payload.get("digest_version") or 1), sub_activities=payload.get("sub_activities"),
            flags=payload.get("flags"), flags_refreshed_at=payload.get("flags_refreshed_at"),
        )
    return info


def shifts_for_stage(*, stage: Stage) -> QuerySet[BudgetShift]:
    return (BudgetShift.objects.filter(stage=stage).select_related("created_by", "approved_by")
            .order_by("-created_at", "-pk"))
