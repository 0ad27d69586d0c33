"""Reads of the audit trail, scoped to the auditor's pemda.

Users holding "audit.view" (auditor, pemda administrator) see the records of the pemda where they hold that
role, plus system-wide records (pemda empty). Nobody else sees any record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from terang.accounts.permissions import pemda_ids

from .models import ChangeRecord, DomainEvent

AUDIT_ACTION = "audit.view"
JAKARTA = ZoneInfo("Asia/Jakarta")


def auditor_pemda_ids(*, user: Any) -> set[int]:
    """Pemda ids whose audit trail `user` may read (empty: not an auditor)."""
    # pemda_ids() uses the roles declared for "audit.view" only; can()'s ".view" widening to every pemda-wide
    # reader would let planners read the audit trail, which is not intended.
    return pemda_ids(user, AUDIT_ACTION)


def is_auditor(*, user: Any) -> bool:
    return bool(auditor_pemda_ids(user=user))


def _scope(user: Any) -> Q:
    ids = auditor_pemda_ids(user=user)
    if not ids:
        return Q(pk__in=[])
    return Q(pemda_id__in=sorted(ids)) | Q(pemda__isnull=True)


@dataclass(frozen=True)
class AuditFilters:
    """Filters of the auditor page; dates are calendar days in Asia/Jakarta, both ends inclusive."""

    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""
    event_type: int | None = None
    pemda_id: int | None = None


def _jakarta_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=JAKARTA)


def _apply(qs: QuerySet, filters: AuditFilters) -> QuerySet:
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.actor:
        qs = qs.filter(actor_username=filters.actor)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_jakarta_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_jakarta_midnight(filters.date_to + timedelta(days=1)))
    if filters.pemda_id:
        qs = qs.filter(pemda_id=filters.pemda_id)
    return qs


def change_records_for_user(*, user: Any, filters: AuditFilters | None = None) -> QuerySet[ChangeRecord]:
    """Change records visible to `user`, newest first, filtered."""
    filters = filters or AuditFilters()
    qs = _apply(ChangeRecord.objects.filter(_scope(user)), filters)
    if filters.action:
        qs = qs.filter(action=filters.action)
    return qs.select_related("pemda").order_by("-seq")


def events_for_user(*, user: Any, filters: AuditFilters | None = None) -> QuerySet[DomainEvent]:
    """Domain events visible to `user`, newest first, filtered."""
    filters = filters or AuditFilters()
    qs = _apply(DomainEvent.objects.filter(_scope(user)), filters)
    if filters.event_type is not None:
        qs = qs.filter(event_type=filters.event_type)
    return qs.select_related("pemda").order_by("-seq")


def change_record_for_user(*, user: Any, seq: int) -> ChangeRecord | None:
    """One change record by seq, or None when missing or outside the user's scope."""
    return ChangeRecord.objects.filter(_scope(user), seq=seq).select_related("pemda").first()


def event_for_user(*, user: Any, seq: int) -> DomainEvent | None:
    """One domain event by seq, or None when missing or outside the user's scope."""
    return DomainEvent.objects.filter(_scope(user), seq=seq).select_related("pemda").first()


def history_for(instance: Model, *, limit: int | None = None) -> QuerySet[ChangeRecord]:
    """Change records of one object, oldest first (for "riwayat" panels on object pages).

    Not scoped: call it only for an object the viewer may already see.
    """
    qs = ChangeRecord.objects.filter(object_type=instance._meta.label_lower, object_id=str(instance.pk)).order_by(
        "seq"
    )
    if limit is not None:
        # the newest `limit` records, still oldest first
        newest = list(qs.order_by("-seq").values_list("seq", flat=True)[:limit])
        qs = qs.filter(seq__in=newest)
    return qs


def events_for_object(instance: Model, *, limit: int | None = None) -> QuerySet[DomainEvent]:
    """Domain events about one object, oldest first. Not scoped (see history_for)."""
    qs = DomainEvent.objects.filter(object_type=instance._meta.label_lower, object_id=str(instance.pk)).order_by(
        "seq"
    )
    if limit is not None:
        newest = list(qs.order_by("-seq").values_list("seq", flat=True)[:limit])
        qs = qs.filter(seq__in=newest)
    return qs


@dataclass(frozen=True)
class DiffRow:
    """One line of a before/after comparison."""

    field: str
    label: str
    before: Any
    after: Any
    changed: bool

    @property
    def before_text(self) -> str:
        return _as_text(self.before)

    @property
    def after_text(self) -> str:
        return _as_text(self.after)


def _as_text(value: Any) -> str:
    if value is None:
        return "—"
    if value == "":
        return str(_("(kosong)"))
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1 if isinstance(value, dict | list) else None)


def diff_rows(record: ChangeRecord) -> list[DiffRow]:
    """The before/after JSON of a change record as rows (field, before, after), labelled from the model."""
    from django.apps import apps

    before = record.before if isinstance(record.before, dict) else {}
    after = record.after if isinstance(record.after, dict) else {}
    labels: dict[str, str] = {}
    try:
        model = apps.get_model(record.object_type)
    except (LookupError, ValueError):
        model = None
    if model is not None:
        for f in model._meta.get_fields():
            if hasattr(f, "verbose_name"):
                labels[f.name] = str(f.verbose_name)
                if getattr(f, "attname", f.name) != f.name:
                    labels[f.attname] = str(f.verbose_name)
    keys = list(before) + [k for k in after if k not in before]
    missing = object()
    rows = []
    for key in keys:
        b = before.get(key, missing)
        a = after.get(key, missing)
        rows.append(DiffRow(
            field=key,
            label=labels.get(key, key),
            before=None if b is missing else b,
            after=None if a is missing else a,
            changed=(b is missing) != (a is missing) or b != a,
        ))
    return rows
