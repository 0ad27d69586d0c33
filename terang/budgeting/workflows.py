"""Transition tables of e-Budgeting documents (performed by terang.core.workflow.transition).

SUB_ACTIVITY_WORKFLOW — TAPD verification of one RKA sub-kegiatan (issue #3 item 6):

    draft ──Ajukan (kepala OPD)──► submitted ──Verifikasi (TAPD)──► verified ──Kunci (BPKAD)──► locked
                                     │  ▲                              │
              Kembalikan (TAPD, alasan)│  │Ajukan ulang (kepala OPD)     │Kembalikan (TAPD, alasan)
                                     ▼  │                              ▼
                                   returned ◄──────────────────────────┘

The reason of a return is kept as a sub-kegiatan comment, so the agency answers it like any other comment.
Lines may be edited only while the sub-kegiatan is in LINE_EDITABLE_STATUSES (checked by the line services).

RED_FLAG_WORKFLOW — a verifier dismisses an open red flag with a written reason (item 9).
"""

from __future__ import annotations

from typing import cast

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from terang.audit.events import EventType
from terang.core.errors import ApplicationError
from terang.core.workflow import Transition, TransitionContext, Workflow

from .choices import FlagStatus
from .choices import SubActivityStatus as S
from .models import BudgetLine, RedFlag, SubActivityBudget, VerificationComment

# The statuses in which an agency may add, change or delete lines of a sub-kegiatan.
LINE_EDITABLE_STATUSES: tuple[str, ...] = (S.DRAFT, S.RETURNED)
# Minimum length of the reason for dismissing a red flag (it is published).
DISMISS_REASON_MIN_LENGTH = 10


# --- guards --------------------------------------------------------------------------------------------------------


def has_lines(ctx: TransitionContext) -> None:
    """Guard: a sub-kegiatan without any line cannot be submitted. "Belum dirinci" lines count (they are shown as
    such to the verifier and blocked later from the DPA)."""
    sub = cast(SubActivityBudget, ctx.obj)
    if not BudgetLine.objects.filter(sub_activity_id=sub.pk).exists():
        raise ApplicationError(
            gettext("Sub kegiatan %(kode)s belum memiliki rincian; tambahkan minimal satu baris sebelum diajukan.")
            % {"kode": sub.kode},
            code="no_lines",
        )


def comments_answered(ctx: TransitionContext) -> None:
    """Guard: before resubmitting, the agency has answered every open (unresolved) verifier comment."""
    sub = cast(SubActivityBudget, ctx.obj)
    unanswered = VerificationComment.objects.filter(sub_activity_id=sub.pk, resolved=False, response="").count()
    if unanswered:
        raise ApplicationError(
            gettext("Masih ada %(n)s catatan verifikasi yang belum ditanggapi. Tanggapi semua catatan sebelum "
                    "mengajukan ulang.") % {"n": unanswered},
            code="comments_unanswered", details={"unanswered": unanswered},
        )


def comments_resolved(ctx: TransitionContext) -> None:
    """Guard: TAPD verifies only when every comment is resolved."""
    sub = cast(SubActivityBudget, ctx.obj)
    open_count = VerificationComment.objects.filter(sub_activity_id=sub.pk, resolved=False).count()
    if open_count:
        raise ApplicationError(
            gettext("Masih ada %(n)s catatan verifikasi yang belum diselesaikan. Selesaikan atau kembalikan sub "
                    "kegiatan ke perangkat daerah.") % {"n": open_count},
            code="comments_open", details={"open": open_count},
        )


def dismiss_reason_long_enough(ctx: TransitionContext) -> None:
    """Guard: a published dismissal needs a real explanation."""
    if len(ctx.reason) < DISMISS_REASON_MIN_LENGTH:
        raise ApplicationError(
            gettext("Alasan mengabaikan tanda bahaya minimal %(n)s karakter.") % {"n": DISMISS_REASON_MIN_LENGTH},
            code="reason_too_short", field="reason",
        )


# --- hooks ---------------------------------------------------------------------------------------------------------


def keep_return_reason(ctx: TransitionContext) -> None:
    """Hook: the reason of a return becomes a sub-kegiatan comment the agency must answer before resubmitting."""
    from terang.audit.services import record_change, snapshot

    sub = cast(SubActivityBudget, ctx.obj)
    comment = VerificationComment.objects.create(pemda_id=sub.pemda_id, sub_activity=sub, author=ctx.actor,
                                                 body=ctx.reason)
    record_change(action="create", instance=comment, after=snapshot(comment, exclude=("created_at",)),
                  reason=gettext("Alasan pengembalian sub kegiatan"), actor=ctx.actor)


def record_dismissal(ctx: TransitionContext) -> None:
    """Hook: who dismissed the flag, when and why (published with the flag)."""
    flag = cast(RedFlag, ctx.obj)
    flag.dismissed_by = ctx.actor
    flag.dismissed_reason = ctx.reason
    flag.dismissed_at = timezone.now()
    ctx.update_fields |= {"dismissed_by", "dismissed_reason", "dismissed_at"}


# --- tables --------------------------------------------------------------------------------------------------------

_return = Transition(
    action="budget.verify", label=_("Kembalikan"), requires_reason=True, on_enter=keep_return_reason,
    event_type=EventType.SUB_ACTIVITY_RETURNED, style="warning",
)

SUB_ACTIVITY_WORKFLOW = Workflow(
    name="budgeting.sub_activity",
    model=SubActivityBudget,
    transitions={
        S.DRAFT: {
            S.SUBMITTED: Transition(action="budget.submit", label=_("Ajukan ke TAPD"), guards=(has_lines,),
                                    event_type=EventType.SUB_ACTIVITY_SUBMITTED),
        },
        S.RETURNED: {
            S.SUBMITTED: Transition(action="budget.submit", label=_("Ajukan ulang ke TAPD"),
                                    guards=(has_lines, comments_answered),
                                    event_type=EventType.SUB_ACTIVITY_SUBMITTED),
        },
        S.SUBMITTED: {
            S.RETURNED: _return,
            S.VERIFIED: Transition(action="budget.verify", label=_("Nyatakan terverifikasi"),
                                   guards=(comments_resolved,), event_type=EventType.SUB_ACTIVITY_VERIFIED,
                                   style="success"),
        },
        S.VERIFIED: {
            S.LOCKED: Transition(action="budget.manage_stages", label=_("Kunci"),
                                 event_type=EventType.SUB_ACTIVITY_LOCKED, style="secondary"),
            S.RETURNED: _return,
        },
    },
)

RED_FLAG_WORKFLOW = Workflow(
    name="budgeting.red_flag",
    model=RedFlag,
    transitions={
        FlagStatus.OPEN: {
            FlagStatus.DISMISSED: Transition(
                action="budget.dismiss_flag", label=_("Abaikan"), requires_reason=True,
                guards=(dismiss_reason_long_enough,), on_enter=record_dismissal,
                event_type=EventType.FLAG_DISMISSED, style="secondary",
            ),
        },
    },
)
