"""Fiscal years and their stages (tahapan): input windows, closing and freezing, publishing, reopenings.

Life of a stage (status written only by the workflow engine, `STAGE_WORKFLOW` below)::

    planned ──open──► open ──close & freeze──► closed ──publish──► published (forever)
                       │ └─reschedule (before the deadline)   └─refreeze (after a reopening has ended)

- Only one stage of a fiscal year is open at a time, and a stage cannot open once a later stage has started.
- Closing copies every live line of the fiscal year into `StageLine` in ONE `INSERT INTO … SELECT …` statement,
  so the snapshot is what was committed when the statement started (no half snapshot under concurrent saves),
  then, in the same transaction, every sub-kegiatan's details into `StageSubActivity` and the fiscal year's red
  flags (open and dismissed, as they stand) into `StageFlag` (one INSERT … SELECT each), and records STAGE_FROZEN
  with the line count, the total and the SHA-256 digest of the canonical serialisation of the frozen lines and
  sub-kegiatan (`stage_digest` recomputes it, so anyone can check a published stage was not altered).
- After the window closes nothing can be edited except through a reopening (`stage_reopen`): an authorised role,
  a written reason (≥ 20 characters), an end time, one agency or all; audited and shown publicly. Reopening a
  frozen stage makes its snapshot stale: it must be frozen again (after the reopening ends) before publishing.
- Published stages are never unpublished, reopened, refrozen or deleted, and no service deletes their lines.
"""

# ruff: noqa: S608 -- SQL is assembled only from ORM table/column names; values go in params
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terang.accounts.permissions import require
from terang.audit.events import EventType
from terang.audit.services import record_change, record_event, snapshot
from terang.core.errors import ApplicationError
from terang.core.workflow import Transition, TransitionContext, Workflow, transition
from terang.org.models import Organisation, Pemda
from terang.reference.models import RegulationVersion

from ..choices import FiscalYearStatus, StageKind, StageStatus
from ..models import (
    BudgetLine,
    BudgetShift,
    FiscalYear,
    RedFlag,
    Stage,
    StageFlag,
    StageLine,
    StageReopening,
    StageSubActivity,
    SubActivityBudget,
)

S = StageStatus
MIN_REASON_LENGTH = 20
DEFAULT_STAGES = (StageKind.KUA_PPAS, StageKind.RKA, StageKind.RAPBD, StageKind.APBD)
# Kinds added later in the year; APBD-P and KUPA-PPAS Perubahan once a year, pergeseran numbered 1..n.
LATER_KINDS = (StageKind.PERGESERAN, StageKind.KUPA_PPAS, StageKind.APBD_P)
DIGEST_VERSION = 2  # the canonical serialisation written for new freezes (see "digest" below); 1 stays verifiable


def _fmt(when: datetime | None) -> str:
    return timezone.localtime(when).strftime("%d-%m-%Y %H:%M") if when else "-"


# --- workflow ---------------------------------------------------------------------------------------------------


def _window_from(ctx: TransitionContext) -> tuple[datetime, datetime]:
    opens_at, closes_at = ctx.data.get("opens_at"), ctx.data.get("closes_at")
    if not isinstance(opens_at, datetime) or not isinstance(closes_at, datetime):
        raise ApplicationError(_("Waktu buka dan waktu tutup wajib diisi."), code="window_required", field="opens_at")
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise ApplicationError(_("Waktu buka dan tutup harus lengkap dengan zona waktu."), code="window_naive")
    return opens_at, closes_at


def _guard_window(ctx: TransitionContext) -> None:
    """The new window: closes after it opens, and does not lie entirely in the past."""
    opens_at, closes_at = _window_from(ctx)
    if closes_at <= opens_at:
        raise ApplicationError(_("Waktu tutup harus setelah waktu buka."), code="window_order", field="closes_at")
    if closes_at <= timezone.now():
        raise ApplicationError(_("Waktu tutup (%(when)s) sudah lewat.") % {"when": _fmt(closes_at)},
                               code="window_past", field="closes_at")


def _guard_single_open(ctx: TransitionContext) -> None:
    """Only one stage of a fiscal year is open at a time; later stages must not have started."""
    stage = cast(Stage, ctx.obj)
    if stage.fiscal_year.status == FiscalYearStatus.CLOSED:
        raise ApplicationError(_("Tahun anggaran %(tahun)s sudah ditutup.") % {"tahun": stage.fiscal_year.tahun},
                               code="fiscal_year_closed")
    other = Stage.objects.filter(fiscal_year_id=stage.fiscal_year_id, status=S.OPEN).exclude(pk=stage.pk).first()
    if other is not None:
        raise ApplicationError(
            _("Tahapan %(other)s masih dibuka. Tutup dan bekukan tahapan itu dulu; hanya satu tahapan yang boleh "
              "dibuka pada satu waktu.") % {"other": other.nama},
            code="other_stage_open", details={"stage": other.pk},
        )
    later = (Stage.objects.filter(fiscal_year_id=stage.fiscal_year_id, sequence__gt=stage.sequence)
             .exclude(status=S.PLANNED).order_by("sequence").first())
    if later is not None:
        raise ApplicationError(
            _("Tahapan %(later)s sesudahnya sudah berjalan; tahapan %(stage)s tidak dapat dibuka lagi.")
            % {"later": later.nama, "stage": stage.nama}, code="later_stage_started")


def _guard_before_deadline(ctx: TransitionContext) -> None:
    """Rescheduling an open stage is possible only before its deadline; afterwards only a reopening helps."""
    stage = cast(Stage, ctx.obj)
    if stage.closes_at and timezone.now() >= stage.closes_at:
        raise ApplicationError(
            _("Batas waktu tahapan %(stage)s sudah lewat (%(when)s). Gunakan pembukaan kembali dengan alasan "
              "tertulis.") % {"stage": stage.nama, "when": _fmt(stage.closes_at)}, code="deadline_passed")


def _set_window(ctx: TransitionContext) -> None:
    stage = cast(Stage, ctx.obj)
    stage.opens_at, stage.closes_at = _window_from(ctx)
    ctx.update_fields |= {"opens_at", "closes_at"}


def _guard_started(ctx: TransitionContext) -> None:
    stage = cast(Stage, ctx.obj)
    if stage.opens_at and timezone.now() < stage.opens_at:
        raise ApplicationError(
            _("Tahapan %(stage)s belum dimulai (dibuka %(when)s); ubah jadwalnya, bukan menutupnya.")
            % {"stage": stage.nama, "when": _fmt(stage.opens_at)}, code="not_started")


def _guard_shifts_approved(ctx: TransitionContext) -> None:
    """A pergeseran stage is frozen only when every pergeseran document in it is approved."""
    stage = cast(Stage, ctx.obj)
    pending = list(BudgetShift.objects.filter(stage=stage, approved_at__isnull=True).values_list("nomor", flat=True))
    if pending:
        raise ApplicationError(
            _("Masih ada pergeseran yang belum disetujui: %(list)s.") % {"list": ", ".join(pending)},
            code="shifts_pending", details={"nomor": pending})


def _after(frozen_at: datetime | None) -> Q:
    """Reopenings that may have let edits in after the freeze (created after it, or still running at it)."""
    return Q(reopened_at__gt=frozen_at) | Q(until__gt=frozen_at)


def _guard_refreeze(ctx: TransitionContext) -> None:
    """Refreezing a closed stage: only after a reopening made its snapshot stale, and once that reopening ended."""
    stage = cast(Stage, ctx.obj)
    now = timezone.now()
    reopenings = StageReopening.objects.filter(stage=stage)
    active = reopenings.filter(until__gt=now).order_by("-until").first()
    if active is not None:
        raise ApplicationError(
            _("Pembukaan kembali tahapan ini masih berlaku sampai %(when)s; bekukan ulang setelahnya.")
            % {"when": _fmt(active.until)}, code="reopening_active")
    if not reopenings.filter(_after(stage.frozen_at)).exists():
        raise ApplicationError(_("Tidak ada pembukaan kembali sejak tahapan dibekukan; tidak perlu dibekukan ulang."),
                               code="nothing_to_refreeze")


def _guard_publishable(ctx: TransitionContext) -> None:
    """Publish only a frozen snapshot that no reopening has made stale."""
    stage = cast(Stage, ctx.obj)
    if stage.frozen_at is None:
        raise ApplicationError(_("Tahapan belum dibekukan."), code="not_frozen")
    stale = StageReopening.objects.filter(_after(stage.frozen_at), stage=stage).order_by("-until").first()
    if stale is not None:
        raise ApplicationError(
            _("Tahapan dibuka kembali sampai %(when)s setelah dibekukan; bekukan ulang dulu agar yang "
              "dipublikasikan memuat perubahan itu.") % {"when": _fmt(stale.until)}, code="snapshot_stale")


def _close_window(ctx: TransitionContext) -> None:
    stage = cast(Stage, ctx.obj)
    now = timezone.now()
    if stage.closes_at is None or stage.closes_at > now:
        stage.closes_at = now
    stage.frozen_at = now
    stage.frozen_by = ctx.actor
    ctx.update_fields |= {"closes_at", "frozen_at", "frozen_by"}


def _set_published(ctx: TransitionContext) -> None:
    stage = cast(Stage, ctx.obj)
    stage.published_at = timezone.now()
    ctx.update_fields.add("published_at")


_MANAGE = "budget.manage_stages"

STAGE_WORKFLOW = Workflow(
    name="budgeting.stage",
    model=Stage,
    transitions={
        S.PLANNED: {
            S.OPEN: Transition(action=_MANAGE, label=gettext_lazy("Buka tahapan"), event_type=EventType.STAGE_OPENED,
                               guards=(_guard_window, _guard_single_open), on_enter=_set_window),
        },
        S.OPEN: {
            S.OPEN: Transition(action=_MANAGE, label=gettext_lazy("Ubah jadwal"), event_type=EventType.STAGE_OPENED,
                               guards=(_guard_before_deadline, _guard_window), on_enter=_set_window,
                               style="secondary"),
            S.CLOSED: Transition(action=_MANAGE, label=gettext_lazy("Tutup dan bekukan"),
                                 event_type=EventType.STAGE_CLOSED, guards=(_guard_started, _guard_shifts_approved),
                                 on_enter=_close_window, style="danger"),
        },
        S.CLOSED: {
            S.CLOSED: Transition(action=_MANAGE, label=gettext_lazy("Bekukan ulang"),
                                 event_type=EventType.STAGE_CLOSED, guards=(_guard_refreeze, _guard_shifts_approved),
                                 on_enter=_close_window, style="warning"),
            S.PUBLISHED: Transition(action=_MANAGE, label=gettext_lazy("Publikasikan"),
                                    event_type=EventType.STAGE_PUBLISHED, guards=(_guard_publishable,),
                                    on_enter=_set_published, style="success"),
        },
        # S.PUBLISHED: nothing — a published stage stays published forever.
    },
)


# --- fiscal years and stages --------------------------------------------------------------------------------------


def _default_name(kind: str, number: int = 1) -> str:
    label = str(StageKind(kind).label)
    return f"{label} {number}" if kind == StageKind.PERGESERAN else label


def _stage_state(stage: Stage) -> dict[str, Any]:
    return snapshot(stage)


@transaction.atomic
def fiscal_year_create(*, actor: Any, pemda: Pemda, tahun: int, program_version: RegulationVersion,
                       account_version: RegulationVersion) -> FiscalYear:
    """A new budget year of a pemda pointing at one nomenclature and one chart-of-accounts version, with its default
    stages as data: KUA-PPAS, RKA-SKPD, Rancangan APBD, APBD murni (all planned, no window yet)."""
    require(actor, _MANAGE, pemda)
    if not isinstance(tahun, int) or not 2000 <= tahun <= 2100:
        raise ApplicationError(_("Tahun anggaran harus antara 2000 dan 2100."), code="invalid_year", field="tahun")
    if program_version is None or account_version is None:
        raise ApplicationError(_("Versi nomenklatur dan versi kode rekening wajib dipilih."), code="version_required",
                               field="program_version")
    if FiscalYear.objects.filter(pemda=pemda, tahun=tahun).exists():
        raise ApplicationError(_("Tahun anggaran %(tahun)s sudah ada untuk pemda ini.") % {"tahun": tahun},
                               code="duplicate_year", field="tahun")
    fiscal_year = FiscalYear(pemda=pemda, tahun=tahun, program_version=program_version,
                             account_version=account_version)
    fiscal_year.full_clean()
    fiscal_year.save()
    record_change(action="create", instance=fiscal_year, after=snapshot(fiscal_year), actor=actor)
    for sequence, kind in enumerate(DEFAULT_STAGES, start=1):
        stage = Stage.objects.create(fiscal_year=fiscal_year, pemda=pemda, kind=kind, number=1, sequence=sequence,
                                     nama=_default_name(kind))
        record_change(action="create", instance=stage, after=_stage_state(stage), actor=actor)
    return fiscal_year


@transaction.atomic
def stage_add(*, actor: Any, fiscal_year: FiscalYear, kind: str, nama: str | None = None,
              opens_at: datetime | None = None, closes_at: datetime | None = None,
              legal_basis: str = "") -> Stage:
    """Add a stage at the end of the year's sequence: pergeseran n (numbered 1..n), KUPA-PPAS Perubahan or APBD-P
    (once a year), or a default stage that is missing. Pergeseran and the perubahan stages come after the APBD
    murni has been frozen. The window given here is the schedule; `stage_open` opens it."""
    fiscal_year = FiscalYear.objects.select_for_update().get(pk=fiscal_year.pk)
    require(actor, _MANAGE, fiscal_year)
    if kind not in StageKind.values:
        raise ApplicationError(_("Jenis tahapan tidak dikenal."), code="invalid_kind", field="kind")
    if fiscal_year.status == FiscalYearStatus.CLOSED:
        raise ApplicationError(_("Tahun anggaran %(tahun)s sudah ditutup.") % {"tahun": fiscal_year.tahun},
                               code="fiscal_year_closed")
    existing = Stage.objects.filter(fiscal_year=fiscal_year)
    if kind == StageKind.PERGESERAN:
        number = (existing.filter(kind=kind).aggregate(n=Max("number"))["n"] or 0) + 1
    else:
        number = 1
        if existing.filter(kind=kind).exists():
            raise ApplicationError(
                _("Tahapan %(kind)s sudah ada di TA %(tahun)s (hanya sekali setahun).")
                % {"kind": StageKind(kind).label, "tahun": fiscal_year.tahun}, code="duplicate_stage", field="kind")
    if kind in LATER_KINDS and not existing.filter(kind=StageKind.APBD, status__in=(S.CLOSED, S.PUBLISHED)).exists():
        raise ApplicationError(
            _("%(kind)s hanya dapat ditambahkan setelah APBD murni ditetapkan (dibekukan).")
            % {"kind": StageKind(kind).label}, code="apbd_not_frozen", field="kind")
    if opens_at and closes_at and closes_at <= opens_at:
        raise ApplicationError(_("Waktu tutup harus setelah waktu buka."), code="window_order", field="closes_at")
    sequence = (existing.aggregate(n=Max("sequence"))["n"] or 0) + 1
    stage = Stage(fiscal_year=fiscal_year, pemda_id=fiscal_year.pemda_id, kind=kind, number=number,
                  sequence=sequence, nama=(nama or "").strip() or _default_name(kind, number),
                  opens_at=opens_at, closes_at=closes_at, legal_basis=(legal_basis or "").strip())
    stage.full_clean()
    stage.save()
    record_change(action="create", instance=stage, after=_stage_state(stage), actor=actor)
    return stage


@transaction.atomic
def stage_delete(*, actor: Any, stage: Stage) -> None:
    """Remove a stage added by mistake: only while planned and never used. Published stages never disappear."""
    locked = Stage.objects.select_for_update().get(pk=stage.pk)
    require(actor, _MANAGE, locked)
    if locked.status == S.PUBLISHED:
        raise ApplicationError(_("Tahapan yang sudah dipublikasikan tidak dapat dihapus."), code="published")
    used = (StageLine.objects.filter(stage=locked).exists() or StageReopening.objects.filter(stage=locked).exists()
            or BudgetShift.objects.filter(stage=locked).exists())
    if locked.status != S.PLANNED or used:
        raise ApplicationError(_("Hanya tahapan yang belum pernah dibuka yang dapat dihapus."), code="stage_used")
    record_change(action="delete", instance=locked, before=_stage_state(locked), actor=actor)
    locked.delete()


def stage_open(*, actor: Any, stage: Stage, opens_at: datetime, closes_at: datetime,
               expected_version: int | None = None) -> Stage:
    """Open a planned stage's input window [opens_at, closes_at), or reschedule an open one before its deadline.
    Needs budget.manage_stages; only one stage of a fiscal year may be open at a time."""
    to_status = S.OPEN
    return cast(Stage, transition(workflow=STAGE_WORKFLOW, obj_or_pk=stage, to_status=to_status, actor=actor,
                                  expected_version=expected_version,
                                  data={"opens_at": opens_at, "closes_at": closes_at}))


@dataclass(frozen=True)
class StageDigest:
    """Canonical digest of a stage's frozen lines."""

    lines: int
    total: Decimal
    digest: str


@transaction.atomic
def stage_close_and_freeze(*, actor: Any, stage: Stage, expected_version: int | None = None) -> Stage:
    """Close the input window now and freeze an immutable snapshot of every line of the fiscal year, of every
    sub-kegiatan's details (location, indicator, target, months, status) and of the red flags as they stand.

    Also refreezes a closed (unpublished) stage after a reopening ended, replacing its snapshot; both digests stay
    in the audit trail. Records STAGE_CLOSED and STAGE_FROZEN (lines, total, SHA-256 digest and its version, frozen
    sub-kegiatan and flags, and when the flags were last refreshed).

    The flags are copied as they stand, not recomputed: `flags_refresh` over 100,000 lines takes ~15 s, three times
    the whole freeze budget, and the stored flags are the ones verifiers have seen and dismissed with reasons. The
    payload's `flags_refreshed_at` says how current they were; refresh them before closing when lines changed since.
    """
    current = Stage.objects.filter(pk=stage.pk).values_list("status", flat=True).first()
    to_status = S.CLOSED
    previous = None
    if current == S.CLOSED:
        from ..selectors_stages import frozen_info

        previous = frozen_info([stage.pk]).get(stage.pk)
    closed = cast(Stage, transition(workflow=STAGE_WORKFLOW, obj_or_pk=stage, to_status=to_status, actor=actor,
                                    expected_version=expected_version))
    if previous is not None:
        # only reachable for an unpublished stage (the workflow has no edge out of "published")
        for model in (StageLine, StageSubActivity, StageFlag):
            model.objects.filter(stage=closed).exclude(stage__status=S.PUBLISHED).delete()
    counts = freeze_snapshot(closed)
    digest = stage_digest(closed)
    payload: dict[str, Any] = {"lines": counts.lines, "total": str(digest.total), "digest": digest.digest,
                               "algorithm": "sha256", "digest_version": DIGEST_VERSION,
                               "sub_activities": counts.sub_activities, "flags": counts.flags,
                               "flags_refreshed_at": counts.flags_refreshed_at}
    if previous is not None:
        payload["previous_digest"] = previous.digest
        payload["previous_lines"] = previous.lines
    record_event(event_type=EventType.STAGE_FROZEN, instance=closed, actor=actor, payload=payload)
    return closed


@transaction.atomic
def stage_publish(*, actor: Any, stage: Stage, expected_version: int | None = None) -> Stage:
    """Publish a frozen stage: its lines become public and stay public forever (never unpublished or deleted)."""
    return cast(Stage, transition(workflow=STAGE_WORKFLOW, obj_or_pk=stage, to_status=S.PUBLISHED, actor=actor,
                                  expected_version=expected_version))


@transaction.atomic
def stage_reopen(*, actor: Any, stage: Stage, reason: str, until: datetime,
                 organisation: Organisation | None = None) -> StageReopening:
    """Reopen a closed input window until `until` for one agency (or all), with a written reason (≥ 20 characters).

    Needs budget.reopen_stage over the pemda. Only the latest started stage of the year can be reopened, and never a
    published one. Audited (change record + STAGE_REOPENED) and listed publicly with its reason.
    """
    locked = Stage.objects.select_for_update().select_related("fiscal_year").get(pk=stage.pk)
    require(actor, "budget.reopen_stage", locked)
    reason = (reason or "").strip()
    now = timezone.now()
    if len(reason) < MIN_REASON_LENGTH:
        raise ApplicationError(
            _("Alasan pembukaan kembali wajib ditulis, paling sedikit %(n)s karakter.") % {"n": MIN_REASON_LENGTH},
            code="reason_required", field="reason")
    if locked.status == S.PUBLISHED:
        raise ApplicationError(
            _("Tahapan %(stage)s sudah dipublikasikan dan tidak dapat dibuka kembali; perubahan masuk ke tahapan "
              "berikutnya (pergeseran atau perubahan APBD).") % {"stage": locked.nama}, code="published")
    if locked.status == S.PLANNED:
        raise ApplicationError(_("Tahapan %(stage)s belum pernah dibuka.") % {"stage": locked.nama},
                               code="not_started")
    if locked.status == S.OPEN and locked.window_is_open(now):
        raise ApplicationError(
            _("Jendela input tahapan %(stage)s masih terbuka sampai %(when)s; tidak perlu dibuka kembali.")
            % {"stage": locked.nama, "when": _fmt(locked.closes_at)}, code="window_open")
    later = (Stage.objects.filter(fiscal_year_id=locked.fiscal_year_id, sequence__gt=locked.sequence)
             .exclude(status=S.PLANNED).first())
    if later is not None:
        raise ApplicationError(
            _("Tahapan %(later)s sesudahnya sudah berjalan; hanya tahapan terakhir yang dapat dibuka kembali.")
            % {"later": later.nama}, code="later_stage_started")
    if not isinstance(until, datetime) or timezone.is_naive(until):
        raise ApplicationError(_("Batas waktu pembukaan kembali wajib diisi."), code="until_required", field="until")
    if until <= now:
        raise ApplicationError(_("Batas waktu pembukaan kembali harus di masa depan."), code="until_past",
                               field="until")
    if until - now > timedelta(days=90):
        raise ApplicationError(_("Pembukaan kembali paling lama 90 hari."), code="until_too_far", field="until")
    if organisation is not None and organisation.pemda_id != locked.pemda_id:
        raise ApplicationError(_("Perangkat daerah bukan bagian dari pemda tahapan ini."), code="invalid_organisation",
                               field="organisation")
    reopening = StageReopening(stage=locked, pemda_id=locked.pemda_id, organisation=organisation, reason=reason,
                               reopened_by=actor, until=until)
    reopening.full_clean()
    reopening.save()
    record_change(action="create", instance=reopening, after=snapshot(reopening), actor=actor, reason=reason)
    record_event(event_type=EventType.STAGE_REOPENED, instance=locked, actor=actor, payload={
        "reopening": reopening.pk, "organisation": organisation.pk if organisation else None,
        "until": until.isoformat(), "reason": reason, "stage_status": locked.status,
    })
    return reopening


# --- freezing -------------------------------------------------------------------------------------------------


# StageLine field -> BudgetLine field it is copied from ("" = special-cased below)
_COPY = (
    ("line_key", "line_key"), ("line_id", "id"), ("pemda_id", "pemda"), ("organisation_id", "organisation"),
    ("sub_activity_id", "sub_activity"), ("sub_kegiatan_kode", ""), ("account_id", "account"), ("akun", "akun"),
    ("sumber_dana_id", "sumber_dana"), ("kelompok", "kelompok"), ("keterangan", "keterangan"),
    ("line_type", "line_type"), ("price_item_id", "price_item"), ("uraian", "uraian"),
    ("spesifikasi", "spesifikasi"), ("volume", "volume"), ("satuan", "satuan"),
    ("harga_satuan", "harga_satuan"), ("ppn_amount", "ppn_amount"), ("total", "total"),
    ("updated_by_id", "updated_by"), ("updated_at", "updated_at"),
    ("vol1", "vol1"), ("sat1", "sat1"), ("vol2", "vol2"), ("sat2", "sat2"), ("vol3", "vol3"), ("sat3", "sat3"),
    ("vol4", "vol4"), ("sat4", "sat4"), ("ppn", "ppn"), ("penerima", "penerima"),
)


def _col(model: Any, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def freeze_sql() -> str:
    """INSERT INTO stageline (…) SELECT … FROM budgetline LEFT JOIN subactivitybudget WHERE fiscal_year = %s,
    built from the ORM's table and column names (portable between SQLite and PostgreSQL). Params: stage, fy."""
    qn = connection.ops.quote_name
    targets = [_col(StageLine, "stage")]
    sources = ["%s"]
    for target, source in _COPY:
        targets.append(_col(StageLine, target))
        sources.append(f"COALESCE(s.{_col(SubActivityBudget, 'kode')}, '')" if not source
                       else f"b.{_col(BudgetLine, source)}")
    return (
        f"INSERT INTO {qn(StageLine._meta.db_table)} ({', '.join(targets)}) "
        f"SELECT {', '.join(sources)} FROM {qn(BudgetLine._meta.db_table)} b "
        f"LEFT JOIN {qn(SubActivityBudget._meta.db_table)} s ON s.{_col(SubActivityBudget, 'id')} = "
        f"b.{_col(BudgetLine, 'sub_activity')} "
        f"WHERE b.{_col(BudgetLine, 'fiscal_year')} = %s "
        # inserting in key order keeps the (stage, line_key) index appends local and lets the digest read it in order
        f"ORDER BY b.{_col(BudgetLine, 'line_key')}"
    )


def _sort_memory(cursor: Any) -> None:
    """PostgreSQL: sort 100,000 keys in memory for the rest of this transaction (fresh rows have no statistics)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        cursor.execute("SET LOCAL work_mem = '64MB'")


def _freeze_lines(stage: Stage) -> int:
    """Copy every live line of the stage's fiscal year into StageLine in one statement; returns the row count."""
    with connection.cursor() as cursor:
        _sort_memory(cursor)
        cursor.execute(freeze_sql(), [stage.pk, stage.fiscal_year_id])
        return cursor.rowcount


# StageSubActivity field -> SubActivityBudget field it is copied from ("lokasi" is built from the M2M, below)
_COPY_SUB = (
    ("sub_activity_id", "id"), ("pemda_id", "pemda"), ("organisation_id", "organisation"),
    ("program_code_id", "sub_kegiatan"), ("kode", "kode"), ("nama", "nama"), ("lokasi", ""),
    ("indikator", "indikator"), ("target", "target"), ("satuan", "satuan"), ("bulan_mulai", "bulan_mulai"),
    ("bulan_selesai", "bulan_selesai"), ("sumber_dana_id", "sumber_dana"), ("planning_trace", "planning_trace"),
    ("status", "status"),
)
# StageFlag field -> RedFlag field
_COPY_FLAG = (
    ("flag_id", "id"), ("pemda_id", "pemda"), ("organisation_id", "organisation"),
    ("sub_activity_id", "sub_activity"), ("line_key", "line_key"), ("rule", "rule"), ("severity", "severity"),
    ("message", "message"), ("details", "details"), ("status", "status"), ("dismissed_reason", "dismissed_reason"),
    ("dismissed_at", "dismissed_at"),
)


def _lokasi_sql() -> str:
    """The sub-kegiatan's regions as a JSON list [{"kode": …, "nama": …}] ordered by kode, built by the database
    in the same INSERT … SELECT (one correlated subquery per sub-kegiatan; ~2,500 of them take milliseconds)."""
    from terang.org.models import Region

    qn = connection.ops.quote_name
    through = SubActivityBudget.lokasi.through
    m_sub = qn(through._meta.get_field("subactivitybudget").column)
    m_region = qn(through._meta.get_field("region").column)
    kode, nama, region_id = _col(Region, "kode"), _col(Region, "nama"), _col(Region, "id")
    joined = (f"FROM {qn(through._meta.db_table)} m JOIN {qn(Region._meta.db_table)} r ON r.{region_id} = m.{m_region} "
              f"WHERE m.{m_sub} = s.{_col(SubActivityBudget, 'id')}")
    if connection.vendor == "postgresql":
        return (f"COALESCE((SELECT jsonb_agg(jsonb_build_object('kode', r.{kode}, 'nama', r.{nama}) "
                f"ORDER BY r.{kode}) {joined}), '[]'::jsonb)")
    return (f"(SELECT json_group_array(json_object('kode', x.kode, 'nama', x.nama)) FROM "
            f"(SELECT r.{kode} AS kode, r.{nama} AS nama {joined} ORDER BY r.{kode}) x)")


def freeze_sub_activities_sql() -> str:
    """INSERT INTO stagesubactivity (…) SELECT … FROM subactivitybudget WHERE fiscal_year = %s. Params: stage, fy."""
    qn = connection.ops.quote_name
    targets = [_col(StageSubActivity, "stage")] + [_col(StageSubActivity, t) for t, _src in _COPY_SUB]
    sources = ["%s"] + [_lokasi_sql() if not src else f"s.{_col(SubActivityBudget, src)}" for _t, src in _COPY_SUB]
    return (f"INSERT INTO {qn(StageSubActivity._meta.db_table)} ({', '.join(targets)}) "
            f"SELECT {', '.join(sources)} FROM {qn(SubActivityBudget._meta.db_table)} s "
            f"WHERE s.{_col(SubActivityBudget, 'fiscal_year')} = %s ORDER BY s.{_col(SubActivityBudget, 'id')}")


def freeze_flags_sql() -> str:
    """INSERT INTO stageflag (…) SELECT … FROM redflag WHERE fiscal_year = %s (open and dismissed). Params: stage,
    fy."""
    qn = connection.ops.quote_name
    targets = [_col(StageFlag, "stage")] + [_col(StageFlag, t) for t, _src in _COPY_FLAG]
    sources = ["%s"] + [f"f.{_col(RedFlag, src)}" for _t, src in _COPY_FLAG]
    return (f"INSERT INTO {qn(StageFlag._meta.db_table)} ({', '.join(targets)}) "
            f"SELECT {', '.join(sources)} FROM {qn(RedFlag._meta.db_table)} f "
            f"WHERE f.{_col(RedFlag, 'fiscal_year')} = %s ORDER BY f.{_col(RedFlag, 'id')}")


@dataclass(frozen=True)
class FreezeCounts:
    """What one freeze copied."""

    lines: int
    sub_activities: int
    flags: int
    flags_refreshed_at: str | None  # ISO time of the fiscal year's latest FLAGS_REFRESHED event (None: never)


def _flags_refreshed_at(fiscal_year_id: int) -> str | None:
    from terang.audit.models import DomainEvent

    when = (DomainEvent.objects.filter(event_type=EventType.FLAGS_REFRESHED, object_type="budgeting.fiscalyear",
                                       object_id=str(fiscal_year_id))
            .order_by("-seq").values_list("created_at", flat=True).first())
    return when.isoformat() if when else None


def freeze_snapshot(stage: Stage) -> FreezeCounts:
    """Copy the stage's fiscal year into the snapshot tables: lines, sub-kegiatan details, red flags (three INSERT …
    SELECT statements in the caller's transaction). Line and sub-kegiatan edits hold a share lock on the stage row
    (`services.lines.editable_stage`), which the freeze holds for update, so lines and sub-kegiatan agree."""
    with connection.cursor() as cursor:
        _sort_memory(cursor)
        cursor.execute(freeze_sql(), [stage.pk, stage.fiscal_year_id])
        lines = cursor.rowcount
        cursor.execute(freeze_sub_activities_sql(), [stage.pk, stage.fiscal_year_id])
        subs = cursor.rowcount
        cursor.execute(freeze_flags_sql(), [stage.pk, stage.fiscal_year_id])
        flags = cursor.rowcount
    return FreezeCounts(lines=lines, sub_activities=subs, flags=flags,
                        flags_refreshed_at=_flags_refreshed_at(stage.fiscal_year_id))


# --- digest ---------------------------------------------------------------------------------------------------
#
# Canonical serialisation, so anyone holding the frozen data can recompute the digest. Version 2 (every freeze
# since the koefisien and sub-kegiatan snapshot) and version 1 (earlier freezes, still verified with version 1:
# the version is recorded in the STAGE_FROZEN event):
#
#   header line:  terang-stage|<version>|<pemda id>|<tahun>|<kind>|<number>
#   section 1, one line per StageLine, in ascending line_key order, fields joined by "|":
#     line_key, line_id, pemda_id, organisation_id, sub_activity_id, sub_kegiatan_kode, account_id, akun,
#     sumber_dana_id, kelompok, keterangan, line_type, price_item_id, uraian, spesifikasi, volume, satuan,
#     harga_satuan, ppn_amount, total, updated_by_id, updated_at
#     and in version 2 also: vol1, sat1, vol2, sat2, vol3, sat3, vol4, sat4, ppn, penerima
#   version 2 only — section 2: the line "#sub_kegiatan", then one line per StageSubActivity in ascending
#   sub_activity_id order, fields joined by "|":
#     sub_activity_id, pemda_id, organisation_id, program_code_id, kode, nama, lokasi, indikator, target, satuan,
#     bulan_mulai, bulan_selesai, sumber_dana_id, planning_trace, status
#   Encodings: line_key as 32 lowercase hex digits; integers in decimal ("" when null); text fields as
#     "<length in characters>:<text>"; volume and vol1..vol4 with 4 decimals, money and target with 2 decimals
#     ("" when null); ppn as 1 or 0; updated_at in UTC as YYYY-MM-DDTHH:MM:SS.ffffff ("" when null); lokasi as a
#     text field holding the JSON list [{"kode": …, "nama": …}] written compactly (no spaces, keys sorted,
#     non-ASCII characters unescaped), regions in the stored order (by kode).
#   Every line (header and section marker included) ends with "\n"; the digest is SHA-256 of the UTF-8 bytes, in
#   lowercase hex.
# The text of each line of section 1 is built by the database (one string per row), so hashing 100,000 lines is one
# streamed query plus one hash update per row; section 2 (a few thousand rows) is serialised in Python.

DIGEST_FIELDS_V1 = ("line_key", "line_id", "pemda_id", "organisation_id", "sub_activity_id", "sub_kegiatan_kode",
                    "account_id", "akun", "sumber_dana_id", "kelompok", "keterangan", "line_type", "price_item_id",
                    "uraian", "spesifikasi", "volume", "satuan", "harga_satuan", "ppn_amount", "total",
                    "updated_by_id", "updated_at")
DIGEST_FIELDS_V2 = (*DIGEST_FIELDS_V1, "vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4", "ppn",
                    "penerima")
DIGEST_FIELDS_BY_VERSION = {1: DIGEST_FIELDS_V1, 2: DIGEST_FIELDS_V2}
DIGEST_FIELDS = DIGEST_FIELDS_BY_VERSION[DIGEST_VERSION]
DIGEST_SUB_FIELDS = tuple(name for name, _source in _COPY_SUB)
SUB_SECTION_MARKER = "#sub_kegiatan"
_INT_FIELDS = {"line_id", "pemda_id", "organisation_id", "sub_activity_id", "account_id", "sumber_dana_id",
               "price_item_id", "updated_by_id"}
_PLACES_BY_FIELD = {"volume": 4, "harga_satuan": 2, "ppn_amount": 2, "total": 2}
_NULLABLE_PLACES = {"vol1": 4, "vol2": 4, "vol3": 4, "vol4": 4}
_MONEY = Decimal("0.01")


def to_decimal(value: Any, places: Decimal = _MONEY) -> Decimal | None:
    """A database number as Decimal (SQLite hands back int/float/str, PostgreSQL Decimal), fixed places."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value.quantize(places)
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(places)
    return Decimal(str(value)).quantize(places)


def _canonical_pg(name: str) -> str:
    """PostgreSQL expression producing the canonical text of one StageLine field."""
    col = _col(StageLine, name)
    if name == "line_key":
        return f"REPLACE(CAST({col} AS TEXT), '-', '')"
    if name in _INT_FIELDS:
        return f"COALESCE(CAST({col} AS TEXT), '')"
    # numeric columns keep their declared scale (volume and vol1..4: 4, money: 2), so their text already has exactly
    # the canonical number of decimals; no ROUND per value (100,000 rows × 8 numbers)
    if name in _PLACES_BY_FIELD:
        return f"CAST({col} AS TEXT)"
    if name in _NULLABLE_PLACES:
        return f"COALESCE(CAST({col} AS TEXT), '')"
    if name == "ppn":
        return f"CASE WHEN {col} THEN '1' ELSE '0' END"
    if name == "updated_at":
        return f"COALESCE(TO_CHAR({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '')"
    return f"CAST(LENGTH({col}) AS TEXT) || ':' || {col}"


def _canonical_sqlite(name: str) -> tuple[str, str]:
    """SQLite: (printf format piece, argument(s)) of one StageLine field; one PRINTF per row is about twice as fast
    as concatenating 22 expressions. '%' is doubled for the DB-API parameter style."""
    col = _col(StageLine, name)
    if name == "line_key":
        return "%%s", f"LOWER({col})"
    if name in _INT_FIELDS:
        return "%%s", f"COALESCE({col}, '')"
    if name in _PLACES_BY_FIELD:
        return f"%%.{_PLACES_BY_FIELD[name]}f", col
    if name in _NULLABLE_PLACES:
        return "%%s", f"CASE WHEN {col} IS NULL THEN '' ELSE PRINTF('%%.{_NULLABLE_PLACES[name]}f', {col}) END"
    if name == "ppn":
        return "%%d", f"CASE WHEN {col} THEN 1 ELSE 0 END"
    if name == "updated_at":
        # Django stores aware datetimes on SQLite as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]"
        return "%%s", (f"COALESCE(REPLACE(CASE WHEN LENGTH({col}) = 19 THEN {col} || '.000000' ELSE {col} END, "
                       f"' ', 'T'), '')")
    return "%%d:%%s", f"LENGTH({col}), {col}"


def stage_digest_sql(version: int = DIGEST_VERSION) -> str:
    """SELECT <canonical text of each line> FROM stageline WHERE stage = %s ORDER BY line_key."""
    fields = DIGEST_FIELDS_BY_VERSION[version]
    if connection.vendor == "postgresql":
        expr = " || '|' || ".join(_canonical_pg(name) for name in fields)
    else:
        pieces = [_canonical_sqlite(name) for name in fields]
        expr = f"PRINTF('{'|'.join(p[0] for p in pieces)}', {', '.join(p[1] for p in pieces)})"
    return (f"SELECT {expr} FROM {connection.ops.quote_name(StageLine._meta.db_table)} "
            f"WHERE {_col(StageLine, 'stage')} = %s ORDER BY {_col(StageLine, 'line_key')}")


def _frozen_total(stage: Stage) -> Decimal:
    total = _col(StageLine, "total")
    expr = f"SUM({total})" if connection.vendor == "postgresql" else f"SUM(CAST(ROUND({total} * 100) AS INTEGER))"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expr} FROM {connection.ops.quote_name(StageLine._meta.db_table)} "
                       f"WHERE {_col(StageLine, 'stage')} = %s", [stage.pk])
        value = cursor.fetchone()[0]
    if value is None:
        return Decimal("0.00")
    return Decimal(value).quantize(_MONEY) if connection.vendor == "postgresql" else Decimal(int(value)) / 100


def _text(value: str | None) -> str:
    value = value or ""
    return f"{len(value)}:{value}"


def _int(value: Any) -> str:
    return "" if value is None else str(int(value))


def canonical_lokasi(value: Any) -> str:
    """The JSON text of a frozen lokasi list as the digest writes it (compact, keys sorted, UTF-8)."""
    return json.dumps(value or [], ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def canonical_sub_activity(row: dict[str, Any]) -> str:
    """The canonical text of one StageSubActivity (section 2 of the digest), from its field values."""
    target = to_decimal(row["target"])
    return "|".join((
        _int(row["sub_activity_id"]), _int(row["pemda_id"]), _int(row["organisation_id"]),
        _int(row["program_code_id"]), _text(row["kode"]), _text(row["nama"]), _text(canonical_lokasi(row["lokasi"])),
        _text(row["indikator"]), "" if target is None else f"{target:.2f}", _text(row["satuan"]),
        _int(row["bulan_mulai"]), _int(row["bulan_selesai"]), _int(row["sumber_dana_id"]),
        _text(row["planning_trace"]), _text(row["status"]),
    ))


def stage_digest(stage: Stage, version: int = DIGEST_VERSION) -> StageDigest:
    """Recompute the SHA-256 of a stage's frozen data (canonical serialisation `version`, above) with the line count
    and total. Compare it with the digest recorded in the STAGE_FROZEN event (and published) to check nothing was
    altered; `stage_verify` does that with the version the event recorded."""
    if version not in DIGEST_FIELDS_BY_VERSION:
        raise ApplicationError(_("Versi digest %(version)s tidak dikenal.") % {"version": version},
                               code="digest_version_unknown")
    fiscal_year = FiscalYear.objects.only("tahun", "pemda_id").get(pk=stage.fiscal_year_id)
    sha = hashlib.sha256()
    sha.update(f"terang-stage|{version}|{fiscal_year.pemda_id}|{fiscal_year.tahun}|{stage.kind}|"
               f"{stage.number}\n".encode())
    count = 0
    update = sha.update
    with transaction.atomic():
        with connection.cursor() as cursor:
            _sort_memory(cursor)
        cursor = connection.chunked_cursor()
        try:
            cursor.execute(stage_digest_sql(version), [stage.pk])
            while rows := cursor.fetchmany(10000):
                update("".join(f"{row[0]}\n" for row in rows).encode())
                count += len(rows)
        finally:
            cursor.close()
    if version >= 2:
        update(f"{SUB_SECTION_MARKER}\n".encode())
        subs = (StageSubActivity.objects.filter(stage=stage).order_by("sub_activity_id")
                .values(*DIGEST_SUB_FIELDS))
        update("".join(f"{canonical_sub_activity(row)}\n" for row in subs).encode())
    return StageDigest(lines=count, total=_frozen_total(stage), digest=sha.hexdigest())


def stage_verify(stage: Stage) -> tuple[bool, StageDigest, str]:
    """(unchanged?, recomputed digest, recorded digest) — recorded from the latest STAGE_FROZEN event, recomputed with
    the serialisation version that event recorded (stages frozen with version 1 stay verifiable)."""
    from ..selectors_stages import frozen_info

    recorded = frozen_info([stage.pk]).get(stage.pk)
    if recorded is None:
        return False, stage_digest(stage), ""
    current = stage_digest(stage, recorded.digest_version)
    return current.digest == recorded.digest and current.lines == recorded.lines, current, recorded.digest
