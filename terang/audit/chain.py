"""Canonical serialisation and hashing of audit records."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64


def json_safe(value: Any) -> Any:
    """Convert Decimals, dates, UUIDs and model instances into JSON values that survive a database round trip."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(json_safe(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


CHANGE_FIELDS = (
    "seq", "created_at", "pemda_id", "actor_id", "actor_username", "request_id", "action",
    "object_type", "object_id", "object_repr", "before", "after", "reason", "prev_hash",
)
EVENT_FIELDS = (
    "seq", "created_at", "pemda_id", "actor_id", "actor_username", "request_id", "event_type",
    "object_type", "object_id", "payload", "prev_hash",
)


def record_fields(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    data = {name: getattr(record, name) for name in names}
    # Normalise the timestamp to UTC microseconds so both databases hash the same text.
    created = data["created_at"]
    if created is not None:
        data["created_at"] = created.astimezone(UTC).isoformat()
    return data
