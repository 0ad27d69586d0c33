"""Structured logging: every record carries the request id; JSON lines in production."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from . import context


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.get_request_id()
        actor = context.get_actor()
        record.actor = getattr(actor, "username", None) if actor is not None else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, actor, extra fields."""

    # Standard LogRecord attributes, ours, and those other formatters add to the shared record (asctime).
    _skip = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
        "request_id",
        "actor",
        "message",
        "asctime",
        "taskName",
    }

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "actor": getattr(record, "actor", None),
        }
        for key, value in record.__dict__.items():
            if key not in self._skip and not key.startswith("_"):
                payload[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)
