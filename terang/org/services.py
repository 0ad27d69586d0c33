"""Writes of the org app: agency profile change requests and applying approved changes to an agency.

Every function here is the one door for its change: it checks permission and scope, validates, writes, and
appends the audit records in the same transaction. Status changes of a request go through the workflow engine
(terang.core.workflow.transition with PROFILE_REQUEST_WORKFLOW); nothing here assigns `status` directly.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from terang.accounts.permissions import require
from terang.audit.events import EventType
from terang.audit.services import record_change, record_event, snapshot
from terang.core.errors import ApplicationError, ConflictError, NotFoundError
from terang.core.workflow import transition

from .choices import ProfileRequestStatus
from .models import Organisation, OrganisationProfileRequest
from .workflows import PROFILE_REQUEST_WORKFLOW

# The agency profile fields an agency may ask to change (everything else is managed by the administrator).
PROFILE_FIELDS = ("kepala_nama", "kepala_nip", "alamat", "telepon", "email", "singkatan")
EDITABLE_STATUSES = (ProfileRequestStatus.DRAFT, ProfileRequestStatus.RETURNED)
_NIP_RE = re.compile(r"^\d{18}$")


def clean_profile_changes(*, organisation: Organisation, changes: Any) -> dict[str, str]:
    """Validate requested changes: a non-empty dict of allowed fields, valid values, at least one real change.

    Returns the changes with whitespace trimmed; raises ApplicationError (code "invalid_changes") otherwise.
    """
    if not isinstance(changes, dict) or not changes:
        raise ApplicationError(_("Belum ada perubahan yang diminta."), code="invalid_changes", field="changes")
    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        raise ApplicationError(
            _("Kolom berikut tidak boleh diubah melalui permohonan: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="invalid_changes", field="changes", details={"fields": unknown},
        )
    cleaned: dict[str, str] = {}
    for name in PROFILE_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ApplicationError(_("Isian %(field)s tidak valid.") % {"field": name}, code="invalid_changes",
                                   field=name)
        value = value.strip()
        model_field = cast(models.Field, Organisation._meta.get_field(name))
        try:
            model_field.clean(value, organisation)
        except ValidationError as exc:
            raise ApplicationError(
                f"{model_field.verbose_name}: {' '.join(exc.messages)}", code="invalid_changes", field=name
            ) from exc
        if name == "kepala_nip" and value and not _NIP_RE.match(value):
            raise ApplicationError(_("NIP kepala harus 18 angka."), code="invalid_changes", field=name)
        cleaned[name] = value
    if all(getattr(organisation, name) == value for name, value in cleaned.items()):
        raise ApplicationError(
            _("Perubahan yang diminta sama dengan profil saat ini."), code="invalid_changes", field="changes"
        )
    return cleaned


@transaction.atomic
def profile_request_create(
    *, organisation: Organisation, actor: Any, changes: dict[str, Any], alasan: str = ""
) -> OrganisationProfileRequest:
    """An agency (its operator or head) drafts a request to change its profile; the draft is visible to it."""
    require(actor, "org.request_profile_change", organisation)
    cleaned = clean_profile_changes(organisation=organisation, changes=changes)
    request = OrganisationProfileRequest(
        pemda_id=organisation.pemda_id, organisation=organisation, changes=cleaned, alasan=(alasan or "").strip(),
        created_by=actor,
    )
    request.full_clean()
    request.save()
    record_change(action="create", instance=request, after=snapshot(request, exclude=("created_at", "updated_at")),
                  actor=actor)
    record_event(event_type=EventType.PROFILE_REQUEST_CREATED, instance=request, actor=actor,
                 payload={"organisation": organisation.pk, "fields": sorted(cleaned)})
    return request


def _lock_request(pk: int) -> OrganisationProfileRequest:
    request = OrganisationProfileRequest.objects.select_for_update().filter(pk=pk).first()
    if request is None:
        raise NotFoundError()
    return request


@transaction.atomic
def profile_request_update(
    *,
    profile_request: OrganisationProfileRequest | int,
    actor: Any,
    changes: dict[str, Any],
    alasan: str | None = None,
    expected_version: int,
) -> OrganisationProfileRequest:
    """The agency revises a draft or returned request. A stale version is refused (ConflictError)."""
    pk = profile_request if isinstance(profile_request, int) else profile_request.pk
    request = _lock_request(pk)
    require(actor, "org.request_profile_change", request)
    if request.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            _("Permohonan berstatus “%(status)s” tidak dapat diubah.")
            % {"status": request.get_status_display()},
            code="not_editable",
        )
    if request.version != expected_version:
        raise ConflictError(
            _("Permohonan sudah diubah orang lain (versi %(current)s, Anda membuka versi %(expected)s). "
              "Periksa isian terbaru lalu ulangi.") % {"current": request.version, "expected": expected_version},
            details={"current_version": request.version, "changes": request.changes, "alasan": request.alasan},
        )
    cleaned = clean_profile_changes(organisation=request.organisation, changes=changes)
    before = {"changes": request.changes, "alasan": request.alasan, "version": request.version}
    request.changes = cleaned
    if alasan is not None:
        request.alasan = alasan.strip()
    request.version += 1
    request.full_clean()
    request.save(update_fields=["changes", "alasan", "version", "updated_at"])
    after = {"changes": request.changes, "alasan": request.alasan, "version": request.version}
    record_change(action="update", instance=request, before=before, after=after, actor=actor)
    record_event(event_type=EventType.PROFILE_REQUEST_UPDATED, instance=request, actor=actor,
                 payload={"fields": sorted(cleaned), "version": request.version})
    return request


def profile_request_transition(
    *,
    profile_request: OrganisationProfileRequest | int,
    to_status: str,
    actor: Any,
    reason: str = "",
    expected_version: int | None = None,
) -> OrganisationProfileRequest:
    """Move a request along PROFILE_REQUEST_WORKFLOW (the engine checks table, permission, scope, guards)."""
    return transition(  # type: ignore[return-value]
        workflow=PROFILE_REQUEST_WORKFLOW,
        obj_or_pk=profile_request,
        to_status=to_status,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
    )


def profile_request_submit(
    *, profile_request: OrganisationProfileRequest | int, actor: Any, expected_version: int | None = None
) -> OrganisationProfileRequest:
    """The agency head submits a draft (or a returned request) to the administrator."""
    return profile_request_transition(profile_request=profile_request, to_status=ProfileRequestStatus.SUBMITTED,
                                      actor=actor, expected_version=expected_version)


def profile_request_return(
    *, profile_request: OrganisationProfileRequest | int, actor: Any, reason: str,
    expected_version: int | None = None,
) -> OrganisationProfileRequest:
    """The administrator sends a submitted request back for revision, with a reason."""
    return profile_request_transition(profile_request=profile_request, to_status=ProfileRequestStatus.RETURNED,
                                      actor=actor, reason=reason, expected_version=expected_version)


def profile_request_approve(
    *, profile_request: OrganisationProfileRequest | int, actor: Any, reason: str = "",
    expected_version: int | None = None,
) -> OrganisationProfileRequest:
    """The administrator approves a submitted request; the changes are applied to the agency profile."""
    return profile_request_transition(profile_request=profile_request, to_status=ProfileRequestStatus.APPROVED,
                                      actor=actor, reason=reason, expected_version=expected_version)


def profile_request_reject(
    *, profile_request: OrganisationProfileRequest | int, actor: Any, reason: str,
    expected_version: int | None = None,
) -> OrganisationProfileRequest:
    """The administrator closes a submitted request without change, with a reason."""
    return profile_request_transition(profile_request=profile_request, to_status=ProfileRequestStatus.REJECTED,
                                      actor=actor, reason=reason, expected_version=expected_version)


@transaction.atomic
def organisation_apply_profile_changes(
    *, organisation: Organisation, changes: dict[str, Any], actor: Any, reason: str = ""
) -> Organisation:
    """Write approved profile changes to an agency, recording before/after of the changed fields."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    require(actor, "org.review_profile_change", organisation)
    cleaned = clean_profile_changes(organisation=organisation, changes=changes)
    changed = [name for name, value in cleaned.items() if getattr(organisation, name) != value]
    before = {name: getattr(organisation, name) for name in changed}
    for name in changed:
        setattr(organisation, name, cleaned[name])
    organisation.full_clean()
    organisation.save(update_fields=changed)
    after = {name: getattr(organisation, name) for name in changed}
    record_change(action="update", instance=organisation, before=before, after=after, reason=str(reason),
                  actor=actor)
    record_event(event_type=EventType.ORGANISATION_UPDATED, instance=organisation, actor=actor,
                 payload={"fields": changed, "reason": str(reason)})
    return organisation
