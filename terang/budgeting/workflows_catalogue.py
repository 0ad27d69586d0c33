"""Transition table of price proposals (usulan standar harga), performed by terang.core.workflow.transition.

draft → submitted (the proposing agency) → admin_approved (pemda administrator) → approved (TAPD; the change is
scheduled from its date and applied at once when the date has come); submitted → rejected (administrator) and
admin_approved → rejected (TAPD), both with a written reason. Rejected and approved are final.
"""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy as _

from terang.audit.events import EventType
from terang.core.errors import ApplicationError
from terang.core.workflow import Transition, TransitionContext, Workflow

from .choices import ProposalStatus as S
from .models import PriceProposal


def proposal_is_complete(ctx: TransitionContext) -> None:
    """Guard: every field its kind needs is filled in, and new items/prices carry at least one evidence file."""
    from .services.catalogue import proposal_problems

    problems = proposal_problems(cast(PriceProposal, ctx.obj))
    if problems:
        raise ApplicationError(" ".join(problems), code="proposal_incomplete", details={"problems": problems})


def keep_admin_note(ctx: TransitionContext) -> None:
    """Hook: the administrator's note (reason) is shown to the agency and to TAPD."""
    if ctx.reason:
        cast(PriceProposal, ctx.obj).admin_note = ctx.reason
        ctx.update_fields.add("admin_note")


def keep_tapd_note(ctx: TransitionContext) -> None:
    if ctx.reason:
        cast(PriceProposal, ctx.obj).tapd_note = ctx.reason
        ctx.update_fields.add("tapd_note")


def schedule_change(ctx: TransitionContext) -> None:
    """Hook: TAPD approved — create the PriceChange (and the item, for a new item); apply it if its date has come."""
    from .services.catalogue import price_change_for_proposal

    keep_tapd_note(ctx)
    proposal = cast(PriceProposal, ctx.obj)
    price_change_for_proposal(proposal=proposal, actor=ctx.actor)
    ctx.update_fields |= {"item", "applied_at"}


_reject_admin = Transition(
    action="catalogue.review_admin", label=_("Tolak"), requires_reason=True,
    event_type=EventType.PRICE_PROPOSAL_REJECTED, on_enter=keep_admin_note, style="danger",
)
_reject_tapd = Transition(
    action="catalogue.review_tapd", label=_("Tolak"), requires_reason=True,
    event_type=EventType.PRICE_PROPOSAL_REJECTED, on_enter=keep_tapd_note, style="danger",
)

PRICE_PROPOSAL_WORKFLOW = Workflow(
    name="budgeting.price_proposal",
    model=PriceProposal,
    transitions={
        S.DRAFT: {
            S.SUBMITTED: Transition(action="catalogue.propose", label=_("Ajukan"), guards=(proposal_is_complete,),
                                    event_type=EventType.PRICE_PROPOSAL_SUBMITTED),
        },
        S.SUBMITTED: {
            S.ADMIN_APPROVED: Transition(
                action="catalogue.review_admin", label=_("Setujui (administrator)"), guards=(proposal_is_complete,),
                event_type=EventType.PRICE_PROPOSAL_ADMIN_APPROVED, on_enter=keep_admin_note, style="success",
            ),
            S.REJECTED: _reject_admin,
        },
        S.ADMIN_APPROVED: {
            S.APPROVED: Transition(
                action="catalogue.review_tapd", label=_("Setujui (TAPD)"), guards=(proposal_is_complete,),
                event_type=EventType.PRICE_PROPOSAL_APPROVED, on_enter=schedule_change, style="success",
            ),
            S.REJECTED: _reject_tapd,
        },
    },
)
