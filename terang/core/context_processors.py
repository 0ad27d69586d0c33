"""Template context shared by every page: the current pemda list and the request id."""

from __future__ import annotations

from django.http import HttpRequest


def terang(request: HttpRequest) -> dict[str, object]:
    return {"request_id": getattr(request, "request_id", "")}
