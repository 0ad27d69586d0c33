"""Writing audit records. Call these from services inside the same transaction as the change.

Lock order (fixed, to stay free of deadlocks): a service first locks the domain rows it changes, then appends
audit records. Appending locks the chain heads in name order, "change" before "event", whichever record is
written first; both locks are held until the surrounding transaction commits, so records appear in the chains
in commit order and two transactions can never fork a chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from terang.core import context

from .chain import CHANGE_FIELDS, EVENT_FIELDS, compute_hash, json_safe, record_fields
from .events import EventType
from .models import ChainHead, ChangeRecord, DomainEvent

CHANGE_CHAIN = "change"
EVENT_CHAIN = "event"
CHAINS = (CHANGE_CHAIN, EVENT_CHAIN)


def snapshot(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON-safe dict of a model instance's concrete fields (foreign keys as ids)."""
    data = model_to_dict(instance, fields=[f.name for f in instance._meta.concrete_fields if f.name not in exclude])
    for field in instance._meta.concrete_fields:
        if field.name in data and field.is_relation:
            data[field.name] = getattr(instance, field.attname)
    return json_safe(data)


def _lock_head(name: str) -> ChainHead:
    """Lock the head row of chain `name` (creating it on first use) until the transaction ends."""
    head = ChainHead.objects.select_for_update().filter(name=name).first()
    if head is None:
        try:
            with transaction.atomic():
                ChainHead.objects.create(name=name)
        except IntegrityError:
            pass  # created concurrently by another transaction; lock that row below
        head = ChainHead.objects.select_for_update().get(name=name)
    return head


def _lock_heads(*names: str) -> dict[str, ChainHead]:
    """Lock several chain heads with one query, in name order (the fixed lock order: "change" before "event")."""
    wanted = sorted(names)
    heads = {h.name: h for h in ChainHead.objects.select_for_update().filter(name__in=wanted).order_by("name")}
    if len(heads) < len(wanted):  # first use of a chain: create the missing rows, then lock them in order
        for name in wanted:
            heads[name] = _lock_head(name)
    return heads


def _actor_fields(actor: Any) -> tuple[Any, str]:
    actor = actor if actor is not None else context.get_actor()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "sistem"
    return actor.pk, actor.get_username()


def _pemda_id(pemda: Any) -> int | None:
    if pemda is None:
        return None
    return pemda if isinstance(pemda, int) else pemda.pk


@transaction.atomic
def record_change(
    *,
    action: str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    object_repr: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    pemda: Any = None,
    actor: Any = None,
) -> ChangeRecord:
    """Append one change record to the chain (same transaction as the change it describes)."""
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id if object_id is not None else instance.pk
        object_repr = object_repr if object_repr is not None else str(instance)[:255]
        if pemda is None and hasattr(instance, "pemda_id"):
            pemda = instance.pemda_id
    actor_id, actor_username = _actor_fields(actor)
    head = _lock_head(CHANGE_CHAIN)
    record = ChangeRecord(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        pemda_id=_pemda_id(pemda),
        actor_id=actor_id,
        actor_username=actor_username[:150],
        request_id=context.get_request_id()[:64],
        action=action,
        object_type=(object_type or "")[:100],
        object_id=str(object_id if object_id is not None else "")[:64],
        object_repr=(object_repr or "")[:255],
        before=json_safe(before) if before is not None else None,
        after=json_safe(after) if after is not None else None,
        reason=reason or "",
        prev_hash=head.last_hash,
    )
    record.hash = compute_hash(record_fields(record, CHANGE_FIELDS))
    record.save(force_insert=True)
    ChainHead.objects.filter(name=CHANGE_CHAIN).update(last_seq=record.seq, last_hash=record.hash)
    return record


@dataclass(frozen=True)
class ChangeEntry:
    """One change for `record_changes_bulk` (same meaning as the keyword arguments of `record_change`)."""

    action: str
    instance: models.Model | None = None
    object_type: str | None = None
    object_id: Any = None
    object_repr: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str = ""
    pemda: Any = None


@transaction.atomic
def record_changes_bulk(*, entries: list[ChangeEntry], actor: Any = None, batch_size: int = 2000) -> int:
    """Append many change records at once (imports): the chain head is locked and moved once, records are inserted
    in batches. The chain is the same as if `record_change` had been called for each entry in order."""
    if not entries:
        return 0
    actor_id, actor_username = _actor_fields(actor)
    head = _lock_head(CHANGE_CHAIN)
    seq, prev = head.last_seq, head.last_hash
    now = timezone.now()
    request_id = context.get_request_id()[:64]
    records: list[ChangeRecord] = []
    for entry in entries:
        object_type, object_id, object_repr, pemda = entry.object_type, entry.object_id, entry.object_repr, entry.pemda
        if entry.instance is not None:
            object_type = object_type or entry.instance._meta.label_lower
            object_id = object_id if object_id is not None else entry.instance.pk
            object_repr = object_repr if object_repr is not None else str(entry.instance)[:255]
            if pemda is None and hasattr(entry.instance, "pemda_id"):
                pemda = entry.instance.pemda_id
        seq += 1
        record = ChangeRecord(
            seq=seq, created_at=now, pemda_id=_pemda_id(pemda), actor_id=actor_id,
            actor_username=actor_username[:150], request_id=request_id, action=entry.action,
            object_type=(object_type or "")[:100], object_id=str(object_id if object_id is not None else "")[:64],
            object_repr=(object_repr or "")[:255],
            before=json_safe(entry.before) if entry.before is not None else None,
            after=json_safe(entry.after) if entry.after is not None else None,
            reason=entry.reason or "", prev_hash=prev,
        )
        record.hash = compute_hash(record_fields(record, CHANGE_FIELDS))
        prev = record.hash
        records.append(record)
    ChangeRecord.objects.bulk_create(records, batch_size=batch_size)
    ChainHead.objects.filter(name=CHANGE_CHAIN).update(last_seq=seq, last_hash=prev)
    return len(records)


@transaction.atomic
def record_event(
    *,
    event_type: EventType | int,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    payload: dict[str, Any] | None = None,
    pemda: Any = None,
    actor: Any = None,
) -> DomainEvent:
    """Append one typed domain event to the chain."""
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or instance.pk
        if pemda is None and hasattr(instance, "pemda_id"):
            pemda = instance.pemda_id
    actor_id, actor_username = _actor_fields(actor)
    # fixed lock order: "change" before "event", even for event-only transactions; one query locks both
    head = _lock_heads(CHANGE_CHAIN, EVENT_CHAIN)[EVENT_CHAIN]
    event = DomainEvent(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        pemda_id=_pemda_id(pemda),
        actor_id=actor_id,
        actor_username=actor_username[:150],
        request_id=context.get_request_id()[:64],
        event_type=int(event_type),
        object_type=(object_type or "")[:100],
        object_id=str(object_id)[:64],
        payload=json_safe(payload or {}),
        prev_hash=head.last_hash,
    )
    event.hash = compute_hash(record_fields(event, EVENT_FIELDS))
    event.save(force_insert=True)
    ChainHead.objects.filter(name=EVENT_CHAIN).update(last_seq=event.seq, last_hash=event.hash)
    return event
