"""The workflow engine: transition tables declared as data, one function that performs every transition.

A document type declares its workflow in its app's `workflows.py`::

    PROFILE_REQUEST_WORKFLOW = Workflow(
        name="org.profile_request",
        model=OrganisationProfileRequest,
        transitions={
            Status.DRAFT: {Status.SUBMITTED: Transition(action="org.submit_profile_change", label=_("Ajukan"),
                                                        guards=(changes_valid,), event_type=EventType.…)},
            …
        },
    )

and its services call `transition(workflow=…, obj_or_pk=…, to_status=…, actor=…)`.

**The status field of a workflow document is written by `transition()` and nowhere else** (creation takes the
field's default). Forms, admin and API serializers must treat it as read-only; tests assert it.

One call does, inside one transaction and in this order:

1. lock the row (`select_for_update()` re-fetch; the caller's instance may be stale — use the returned object);
2. refuse actors outside the document's scope (PermissionDeniedError, so the status is not revealed);
3. check the optimistic version when `expected_version` is given (ConflictError);
4. check that the table allows `from → to` (ApplicationError "transition_not_allowed");
5. check the permission and scope of the transition's action (`terang.accounts.permissions.require`);
6. require a reason when the transition says so (ApplicationError "reason_required");
7. run the guards (each raises ApplicationError with its own message);
8. write the status, bump `version` when the model has one, run the transition's `on_enter` hook, save;
9. append a change record (action "transition", before/after status) and a typed domain event.

Any error rolls everything back, audit records included.

Lock order: the document row first, then whatever `on_enter` locks (through services), then the audit chain
heads (terang.audit.services). Services that lock several documents lock them in primary-key order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError


@dataclass
class TransitionContext:
    """What guards and hooks receive. Hooks may change non-status fields of `obj` and list them in
    `update_fields`; they must not touch the status field."""

    workflow: Workflow
    transition: Transition
    obj: models.Model
    actor: Any
    from_status: str
    to_status: str
    reason: str
    data: dict[str, Any]
    update_fields: set[str] = field(default_factory=set)


Guard = Callable[[TransitionContext], None]
Hook = Callable[[TransitionContext], None]


@dataclass(frozen=True, kw_only=True)
class Transition:
    """One allowed edge of a workflow.

    action: permission action code from terang.accounts.permissions.ROLE_ACTIONS; the actor must hold it over
        the document's scope (pemda / organisation / region read from the object).
    label: the button text ("Ajukan", "Setujui").
    guards: callables that raise ApplicationError when the document may not move ("total within ceiling").
    event_type: the domain event to write (terang.audit.events.EventType); WORKFLOW_TRANSITION when None.
    requires_reason: the actor must give a reason (returning, rejecting).
    on_enter: a hook run after the status is set, in the same transaction (apply an approved change, …).
    style: a hint for the UI ("primary", "danger", …).
    """

    action: str
    label: str | Promise
    guards: tuple[Guard, ...] = ()
    event_type: int | None = None
    requires_reason: bool = False
    on_enter: Hook | None = None
    style: str = "primary"


@dataclass(frozen=True, kw_only=True)
class Workflow:
    """The transition table of one document type: {from_status: {to_status: Transition}}."""

    name: str
    model: type[models.Model]
    transitions: Mapping[str, Mapping[str, Transition]]
    status_field: str = "status"
    version_field: str | None = "version"

    def __post_init__(self) -> None:
        # plain str keys, so lookups by the raw column value always match
        normalised = {str(s): {str(t): step for t, step in targets.items()} for s, targets in self.transitions.items()}
        object.__setattr__(self, "transitions", normalised)
        status = cast(models.Field, self.model._meta.get_field(self.status_field))
        known = {str(value) for value, _label in status.flatchoices} if status.choices else None
        if known is not None:
            for source, targets in self.transitions.items():
                for status_value in (source, *targets):
                    if str(status_value) not in known:
                        raise ValueError(f"{self.name}: unknown status {status_value!r} for {self.model.__name__}")
        if self.version_field and not any(f.name == self.version_field for f in self.model._meta.concrete_fields):
            object.__setattr__(self, "version_field", None)

    def status_label(self, value: str) -> str:
        """The display label of a status value."""
        choices = dict(cast(models.Field, self.model._meta.get_field(self.status_field)).flatchoices)
        return str(choices.get(value, value))

    def get(self, from_status: str, to_status: str) -> Transition | None:
        return self.transitions.get(from_status, {}).get(to_status)

    def actions(self) -> set[str]:
        """Every permission action used by this workflow."""
        return {t.action for targets in self.transitions.values() for t in targets.values()}

    def statuses(self) -> set[str]:
        return {str(s) for source, targets in self.transitions.items() for s in (source, *targets)}

    def validate(self) -> None:
        """Check that every action is declared in ROLE_ACTIONS (call from a test)."""
        from terang.accounts.permissions import roles_for

        for action in self.actions():
            roles_for(action)


@dataclass(frozen=True)
class TransitionOption:
    """A transition the actor may perform now (for buttons)."""

    to_status: str
    to_label: str
    transition: Transition

    @property
    def label(self) -> str:
        return str(self.transition.label)

    @property
    def requires_reason(self) -> bool:
        return self.transition.requires_reason


def _status_of(workflow: Workflow, obj: models.Model) -> str:
    return str(getattr(obj, workflow.status_field))


def available_transitions(workflow: Workflow, obj: models.Model, actor: Any) -> list[TransitionOption]:
    """The transitions from `obj`'s current status that `actor` holds the permission for (guards not run)."""
    from terang.accounts.permissions import can

    current = _status_of(workflow, obj)
    return [
        TransitionOption(to_status=str(to), to_label=workflow.status_label(to), transition=t)
        for to, t in workflow.transitions.get(current, {}).items()
        if can(actor, t.action, obj)
    ]


def transition(
    *,
    workflow: Workflow,
    obj_or_pk: models.Model | Any,
    to_status: str,
    actor: Any,
    reason: str = "",
    expected_version: int | None = None,
    data: dict[str, Any] | None = None,
) -> models.Model:
    """Move a document to `to_status`, or raise and change nothing. Returns the updated (locked) object."""
    from terang.accounts.permissions import can, require
    from terang.audit.events import EventType
    from terang.audit.services import record_change, record_event

    pk = obj_or_pk.pk if isinstance(obj_or_pk, models.Model) else obj_or_pk
    reason = (reason or "").strip()
    to_status = str(to_status)
    with transaction.atomic():
        obj = workflow.model._default_manager.select_for_update().filter(pk=pk).first()
        if obj is None:
            raise NotFoundError()
        if not can(actor, "scope.view", obj) and not any(can(actor, a, obj) for a in workflow.actions()):
            raise PermissionDeniedError()
        if expected_version is not None and workflow.version_field:
            current_version = getattr(obj, workflow.version_field)
            if current_version != expected_version:
                raise ConflictError(
                    _("Dokumen sudah diubah orang lain (versi %(current)s, Anda membuka versi %(expected)s). "
                      "Muat ulang halaman lalu ulangi.") % {"current": current_version, "expected": expected_version},
                    details={"current_version": current_version},
                )
        from_status = _status_of(workflow, obj)
        step = workflow.get(from_status, to_status)
        if step is None:
            raise ApplicationError(
                _("Status tidak dapat diubah dari “%(from)s” ke “%(to)s”.")
                % {"from": workflow.status_label(from_status), "to": workflow.status_label(to_status)},
                code="transition_not_allowed",
                details={"from": from_status, "to": to_status},
            )
        require(actor, step.action, obj)
        if step.requires_reason and not reason:
            raise ApplicationError(_("Alasan wajib diisi."), code="reason_required", field="reason")
        ctx = TransitionContext(
            workflow=workflow, transition=step, obj=obj, actor=actor, from_status=from_status,
            to_status=to_status, reason=reason, data=dict(data or {}),
        )
        for guard in step.guards:
            guard(ctx)

        before_values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        setattr(obj, workflow.status_field, to_status)
        update_fields = {workflow.status_field}
        if workflow.version_field:
            setattr(obj, workflow.version_field, getattr(obj, workflow.version_field) + 1)
            update_fields.add(workflow.version_field)
        if step.on_enter is not None:
            step.on_enter(ctx)
            if _status_of(workflow, obj) != to_status:
                raise RuntimeError(f"{workflow.name}: on_enter must not change {workflow.status_field}")
            update_fields |= ctx.update_fields
        update_fields |= {f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)}
        obj.save(update_fields=sorted(update_fields))

        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for f in obj._meta.concrete_fields:
            if f.name in update_fields and not getattr(f, "auto_now", False):
                before[f.name] = before_values[f.attname]
                after[f.name] = getattr(obj, f.attname)
        record_change(action="transition", instance=obj, before=before, after=after, reason=reason, actor=actor)
        record_event(
            event_type=step.event_type if step.event_type is not None else EventType.WORKFLOW_TRANSITION,
            instance=obj,
            payload={"workflow": workflow.name, "from": from_status, "to": to_status, "reason": reason,
                     "version": getattr(obj, workflow.version_field) if workflow.version_field else None},
            actor=actor,
        )
    return obj
