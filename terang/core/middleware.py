"""Middleware that gives every request an id and makes the actor known to services and logs."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Assign a request id (or accept a sane X-Request-ID) and echo it in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else context.new_request_id()
        request.request_id = rid  # type: ignore[attr-defined]
        token = context.set_request_id(rid)
        actor_token = context.set_actor(None)
        try:
            response = self.get_response(request)
        finally:
            context._actor.reset(actor_token)
            context._request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class ActorMiddleware:
    """After authentication: record the user as the actor of this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.set_actor(user)
        return self.get_response(request)
