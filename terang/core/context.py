"""Request context (actor, request id) carried in context variables.

Services read it to stamp audit records; management commands and tasks set it with `use_context`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_request_id: ContextVar[str] = ContextVar("terang_request_id", default="-")
_actor: ContextVar[Any] = ContextVar("terang_actor", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def get_request_id() -> str:
    return _request_id.get()


def get_actor() -> Any:
    """The authenticated user acting in this request/command, or None."""
    return _actor.get()


def set_request_id(value: str) -> Any:
    return _request_id.set(value)


def set_actor(user: Any) -> Any:
    return _actor.set(user)


@contextlib.contextmanager
def use_context(*, actor: Any = None, request_id: str | None = None) -> Iterator[str]:
    """Run a block (command, task, test) as `actor` with its own request id."""
    rid = request_id or new_request_id()
    token_rid = _request_id.set(rid)
    token_actor = _actor.set(actor)
    try:
        yield rid
    finally:
        _actor.reset(token_actor)
        _request_id.reset(token_rid)
