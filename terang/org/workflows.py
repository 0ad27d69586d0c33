"""Transition tables of the org app's documents (performed by terang.core.workflow.transition)."""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy as _

from terang.audit.events import EventType
from terang.core.workflow import Transition, TransitionContext, Workflow

from .choices import ProfileRequestStatus as S
from .models import OrganisationProfileRequest


def changes_are_valid(ctx: TransitionContext) -> None:
    """Guard: the request asks for at least one real change, only of the fields an agency may change."""
    from .services import clean_profile_changes

    request = cast(OrganisationProfileRequest, ctx.obj)
    clean_profile_changes(organisation=request.organisation, changes=request.changes)


def keep_reviewer_note(ctx: TransitionContext) -> None:
    """Hook: the reviewer's reason (returning, rejecting, optional when approving) is shown to the agency."""
    if ctx.reason:
        cast(OrganisationProfileRequest, ctx.obj).catatan_verifikator = ctx.reason
        ctx.update_fields.add("catatan_verifikator")


def apply_to_organisation(ctx: TransitionContext) -> None:
    """Hook: an approved request changes the agency profile (through the service, with its own change record)."""
    from .services import organisation_apply_profile_changes

    keep_reviewer_note(ctx)
    request = cast(OrganisationProfileRequest, ctx.obj)
    organisation_apply_profile_changes(
        organisation=request.organisation,
        changes=request.changes,
        actor=ctx.actor,
        reason=_("Permohonan perubahan profil #%(pk)s disetujui") % {"pk": request.pk},
    )


_submit = Transition(
    action="org.submit_profile_change", label=_("Ajukan"), guards=(changes_are_valid,),
    event_type=EventType.PROFILE_REQUEST_SUBMITTED,
)

PROFILE_REQUEST_WORKFLOW = Workflow(
    name="org.profile_request",
    model=OrganisationProfileRequest,
    transitions={
        S.DRAFT: {S.SUBMITTED: _submit},
        S.RETURNED: {S.SUBMITTED: _submit},
        S.SUBMITTED: {
            S.APPROVED: Transition(
                action="org.review_profile_change", label=_("Setujui"), guards=(changes_are_valid,),
                event_type=EventType.PROFILE_REQUEST_APPROVED, on_enter=apply_to_organisation, style="success",
            ),
            S.RETURNED: Transition(
                action="org.review_profile_change", label=_("Kembalikan"), requires_reason=True,
                event_type=EventType.PROFILE_REQUEST_RETURNED, on_enter=keep_reviewer_note, style="warning",
            ),
            S.REJECTED: Transition(
                action="org.review_profile_change", label=_("Tolak"), requires_reason=True,
                event_type=EventType.PROFILE_REQUEST_REJECTED, on_enter=keep_reviewer_note, style="danger",
            ),
        },
    },
)
