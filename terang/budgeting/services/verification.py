"""TAPD verification of RKA sub-kegiatan: status changes (through SUB_ACTIVITY_WORKFLOW) and the comment thread
between verifiers and the agency (catatan verifikasi → tanggapan OPD → selesai).

Every function is the one door for its change: it checks permission and scope, validates, writes and appends the
audit records in the same transaction. Nothing here assigns `status`; the workflow engine does.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terang.accounts.permissions import can, require
from terang.audit.events import EventType
from terang.audit.services import record_change, record_event, snapshot
from terang.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from terang.core.workflow import transition

from ..choices import SubActivityStatus
from ..models import BudgetLine, FiscalYear, SubActivityBudget, VerificationComment
from ..workflows import SUB_ACTIVITY_WORKFLOW

COMMENT_MAX_LENGTH = 4000

logger = logging.getLogger("terang.verification")


# --- status --------------------------------------------------------------------------------------------------------


def sub_activity_transition(
    *,
    actor: Any,
    sub_activity: SubActivityBudget | int,
    to_status: str,
    reason: str = "",
    expected_version: int | None = None,
) -> SubActivityBudget:
    """Move a sub-kegiatan along SUB_ACTIVITY_WORKFLOW (the engine checks table, permission, scope and guards,
    and writes the change record and the domain event)."""
    return transition(  # type: ignore[return-value]
        workflow=SUB_ACTIVITY_WORKFLOW, obj_or_pk=sub_activity, to_status=to_status, actor=actor, reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def sub_activity_submit(*, actor: Any, sub_activity: SubActivityBudget | int,
                        expected_version: int | None = None) -> SubActivityBudget:
    """The agency head sends a draft (or a returned and answered) sub-kegiatan to TAPD. The red flags of its lines,
    of itself and of its agency's totals are recomputed in the same transaction, so the verifier sees current flags
    (services.flags.flags_refresh scoped to the sub-kegiatan)."""
    from .flags import flags_refresh, flags_refresh_soon

    sub = sub_activity_transition(actor=actor, sub_activity=sub_activity, to_status=SubActivityStatus.SUBMITTED,
                                  expected_version=expected_version)
    try:
        with transaction.atomic():  # a savepoint: a failing refresh must not refuse the submission
            flags_refresh(fiscal_year=sub.fiscal_year, sub_activity=sub, actor=actor)
    except Exception:
        logger.exception("Tanda bahaya sub kegiatan %s tidak dapat diperbarui saat diajukan", sub.pk)
        flags_refresh_soon(sub.fiscal_year_id, sub.organisation_id)  # the worker tries again after the commit
    return sub


def sub_activity_return(*, actor: Any, sub_activity: SubActivityBudget | int, reason: str,
                        expected_version: int | None = None) -> SubActivityBudget:
    """TAPD sends a submitted (or verified) sub-kegiatan back to the agency with a reason."""
    return sub_activity_transition(actor=actor, sub_activity=sub_activity, to_status=SubActivityStatus.RETURNED,
                                   reason=reason, expected_version=expected_version)


def sub_activity_verify(*, actor: Any, sub_activity: SubActivityBudget | int, reason: str = "",
                        expected_version: int | None = None) -> SubActivityBudget:
    """TAPD accepts a submitted sub-kegiatan (every comment resolved)."""
    return sub_activity_transition(actor=actor, sub_activity=sub_activity, to_status=SubActivityStatus.VERIFIED,
                                   reason=reason, expected_version=expected_version)


def sub_activity_lock(*, actor: Any, sub_activity: SubActivityBudget | int, reason: str = "",
                      expected_version: int | None = None) -> SubActivityBudget:
    """BPKAD locks a verified sub-kegiatan: from now on it changes only through a new stage."""
    return sub_activity_transition(actor=actor, sub_activity=sub_activity, to_status=SubActivityStatus.LOCKED,
                                   reason=reason, expected_version=expected_version)


@transaction.atomic
def sub_activities_lock_verified(*, actor: Any, fiscal_year: FiscalYear, reason: str = "") -> int:
    """Lock every verified sub-kegiatan of the fiscal year (BPKAD, or the stage service when it freezes a stage).

    Each one goes through the workflow (one change record and one SUB_ACTIVITY_LOCKED event each), in primary-key
    order. Returns how many were locked. Refused as a whole when the actor may not lock them.
    """
    require(actor, "budget.manage_stages", fiscal_year.pemda)
    pks = list(SubActivityBudget.objects.filter(fiscal_year=fiscal_year, status=SubActivityStatus.VERIFIED)
               .order_by("pk").values_list("pk", flat=True))
    reason = reason or _("Penguncian sub kegiatan terverifikasi TA %(tahun)s") % {"tahun": fiscal_year.tahun}
    for pk in pks:
        sub_activity_transition(actor=actor, sub_activity=pk, to_status=SubActivityStatus.LOCKED, reason=reason)
    return len(pks)


# --- comments ------------------------------------------------------------------------------------------------------


def _lock_sub_activity(pk: int) -> SubActivityBudget:
    # no select_related: FOR UPDATE would lock the joined agency row too on PostgreSQL
    sub = SubActivityBudget.objects.select_for_update().filter(pk=pk).first()
    if sub is None:
        raise NotFoundError()
    return sub


def _clean_text(value: str, *, field: str, empty_message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(empty_message, code="required", field=field)
    if len(text) > COMMENT_MAX_LENGTH:
        raise ApplicationError(_("Teks terlalu panjang (paling banyak %(n)s karakter).") % {"n": COMMENT_MAX_LENGTH},
                               code="too_long", field=field)
    return text


def _refuse_outside_scope(actor: Any, obj: Any) -> None:
    """Actors who cannot even read the document get the same answer as for a missing one."""
    if not (can(actor, "budget.view", obj) or can(actor, "scope.view", obj)):
        raise NotFoundError()


@transaction.atomic
def verification_comment_add(*, actor: Any, sub_activity: SubActivityBudget | int, body: str,
                             line: BudgetLine | int | None = None) -> VerificationComment:
    """A TAPD verifier writes a note on a submitted sub-kegiatan, or on one of its lines."""
    sub = _lock_sub_activity(sub_activity.pk if isinstance(sub_activity, SubActivityBudget) else sub_activity)
    _refuse_outside_scope(actor, sub)
    require(actor, "budget.verify", sub)
    if sub.status != SubActivityStatus.SUBMITTED:
        raise ApplicationError(
            _("Catatan verifikasi hanya dapat ditulis saat sub kegiatan berstatus “%(status)s” (sekarang “%(now)s”).")
            % {"status": SubActivityStatus.SUBMITTED.label, "now": sub.get_status_display()},
            code="not_submitted",
        )
    text = _clean_text(body, field="body", empty_message=_("Catatan verifikasi wajib diisi."))
    line_obj: BudgetLine | None = None
    if line is not None:
        line_pk = line.pk if isinstance(line, BudgetLine) else line
        line_obj = BudgetLine.objects.filter(pk=line_pk, sub_activity_id=sub.pk).first()
        if line_obj is None:
            raise ApplicationError(_("Rincian #%(pk)s bukan bagian dari sub kegiatan %(kode)s.")
                                   % {"pk": line_pk, "kode": sub.kode}, code="line_not_in_sub_activity",
                                   field="line")
    comment = VerificationComment.objects.create(
        pemda_id=sub.pemda_id, sub_activity=sub, line=line_obj, line_key=line_obj.line_key if line_obj else None,
        author=actor, body=text,
    )
    record_change(action="create", instance=comment, after=snapshot(comment, exclude=("created_at",)), actor=actor)
    record_event(event_type=EventType.VERIFICATION_COMMENT_ADDED, instance=comment, actor=actor,
                 payload=_comment_payload(comment, sub, line_obj))
    return comment


def _comment_payload(comment: VerificationComment, sub: SubActivityBudget, line: BudgetLine | None,
                     **extra: Any) -> dict[str, Any]:
    """What a comment event names: the sub-kegiatan and, for a line comment, the line (id, stable key, uraian)."""
    payload: dict[str, Any] = {
        "comment": comment.pk, "sub_activity": sub.pk, "sub_kegiatan": sub.kode, "organisation": sub.organisation_id,
        "line": line.pk if line else None, "line_key": str(line.line_key) if line else None,
        "line_uraian": line.uraian[:200] if line else "",
    }
    payload.update(extra)
    return payload


def _comment_line(comment: VerificationComment) -> BudgetLine | None:
    return BudgetLine.objects.filter(pk=comment.line_id).first() if comment.line_id else None


def _lock_comment(comment: VerificationComment | int) -> tuple[VerificationComment, SubActivityBudget]:
    pk = comment.pk if isinstance(comment, VerificationComment) else comment
    sub_pk = VerificationComment.objects.filter(pk=pk).values_list("sub_activity_id", flat=True).first()
    if sub_pk is None:
        raise NotFoundError()
    sub = _lock_sub_activity(sub_pk)  # lock order: the sub-kegiatan first, then its comment
    locked = VerificationComment.objects.select_for_update().get(pk=pk)
    return locked, sub


@transaction.atomic
def verification_comment_respond(*, actor: Any, comment: VerificationComment | int,
                                 response: str) -> VerificationComment:
    """The agency answers (or re-answers) an open comment while its sub-kegiatan is returned for revision."""
    obj, sub = _lock_comment(comment)
    _refuse_outside_scope(actor, sub)
    if not can(actor, "budget.edit_lines", sub):
        raise PermissionDeniedError()
    if sub.status != SubActivityStatus.RETURNED:
        raise ApplicationError(
            _("Tanggapan hanya dapat ditulis saat sub kegiatan dikembalikan ke perangkat daerah (sekarang “%(now)s”).")
            % {"now": sub.get_status_display()}, code="not_returned",
        )
    if obj.resolved:
        raise ApplicationError(_("Catatan ini sudah diselesaikan oleh verifikator."), code="comment_resolved")
    text = _clean_text(response, field="response", empty_message=_("Tanggapan wajib diisi."))
    before = {"response": obj.response, "responded_by": obj.responded_by_id, "responded_at": obj.responded_at}
    obj.response = text
    obj.responded_by = actor
    obj.responded_at = timezone.now()
    obj.save(update_fields=["response", "responded_by", "responded_at"])
    record_change(action="update", instance=obj, before=before,
                  after={"response": obj.response, "responded_by": obj.responded_by_id,
                         "responded_at": obj.responded_at}, actor=actor)
    record_event(event_type=EventType.VERIFICATION_COMMENT_ANSWERED, instance=obj, actor=actor,
                 payload=_comment_payload(obj, sub, _comment_line(obj), again=bool(before["response"])))
    return obj


@transaction.atomic
def verification_comment_resolve(*, actor: Any, comment: VerificationComment | int) -> VerificationComment:
    """A TAPD verifier closes a comment (answered satisfactorily, or withdrawn) while the sub-kegiatan is with
    TAPD."""
    obj, sub = _lock_comment(comment)
    _refuse_outside_scope(actor, sub)
    require(actor, "budget.verify", sub)
    if sub.status != SubActivityStatus.SUBMITTED:
        raise ApplicationError(
            _("Catatan hanya dapat diselesaikan saat sub kegiatan berstatus “%(status)s” (sekarang “%(now)s”).")
            % {"status": SubActivityStatus.SUBMITTED.label, "now": sub.get_status_display()}, code="not_submitted",
        )
    if obj.resolved:
        raise ApplicationError(_("Catatan ini sudah diselesaikan."), code="comment_resolved")
    obj.resolved = True
    obj.save(update_fields=["resolved"])
    record_change(action="update", instance=obj, before={"resolved": False}, after={"resolved": True}, actor=actor)
    record_event(event_type=EventType.VERIFICATION_COMMENT_RESOLVED, instance=obj, actor=actor,
                 payload=_comment_payload(obj, sub, _comment_line(obj)))
    return obj
