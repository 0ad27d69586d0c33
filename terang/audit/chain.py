"""Canonical serialisation and hashing of audit records.

The hash of a record covers a canonical JSON text of its fields, so that the same record read back from SQLite
or PostgreSQL hashes to the same value:

- keys sorted, no whitespace, UTF-8 (non-ASCII kept as is, not escaped);
- timestamps in UTC with microseconds, always `YYYY-MM-DDTHH:MM:SS.ffffffZ`;
- Decimals as plain strings (`"1234.50"`), floats as their repr string, ints as JSON integers;
- dates, times and UUIDs as ISO strings, sets as sorted lists, model instances as their primary key.

Before/after/payload JSON is passed through `json_safe` *before* it is stored, so what the database returns is
already canonical (PostgreSQL `jsonb` reorders keys; the sorted dump hides that).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


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


def format_timestamp(value: datetime | None) -> str | None:
    """A timezone-aware datetime as UTC text with microseconds (identical on every database)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def canonical(fields: dict[str, Any]) -> bytes:
    """The canonical UTF-8 JSON text of a record's fields."""
    return json.dumps(json_safe(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(fields: dict[str, Any]) -> str:
    """sha256 hex digest of the canonical text."""
    return hashlib.sha256(canonical(fields)).hexdigest()


# The fields covered by the hash, per chain. `prev_hash` links a record to its predecessor; `seq` fixes its place.
CHANGE_FIELDS = (
    "seq", "created_at", "pemda_id", "actor_id", "actor_username", "request_id", "action",
    "object_type", "object_id", "object_repr", "before", "after", "reason", "prev_hash",
)
EVENT_FIELDS = (
    "seq", "created_at", "pemda_id", "actor_id", "actor_username", "request_id", "event_type",
    "object_type", "object_id", "payload", "prev_hash",
)


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Prepare a field dict for hashing: the timestamp becomes canonical UTC text."""
    data = dict(data)
    data["created_at"] = format_timestamp(data.get("created_at"))
    return data


def record_fields(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The hashed fields of a record instance, normalised."""
    return normalise({name: getattr(record, name) for name in names})


def hash_values(names: tuple[str, ...], values: tuple[Any, ...] | list[Any]) -> str:
    """Hash a row fetched with `values_list(*names)` (used by the verifier to avoid building model instances)."""
    return compute_hash(normalise(dict(zip(names, values, strict=True))))
