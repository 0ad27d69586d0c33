"""Infrastructure signal: django-axes locked an account (username + IP) after repeated failed logins."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver

from terang.audit.events import EventType
from terang.audit.services import record_event

from .models import Membership, User


@receiver(user_locked_out, dispatch_uid="terang.accounts.record_lockout")
def record_lockout(
    sender: Any, request: Any = None, username: str | None = None, ip_address: str | None = None, **kwargs: Any
) -> None:
    """Record LOGIN_LOCKED_OUT once per lockout (axes signals again on every attempt while locked)."""
    failures = getattr(request, "axes_failures_since_start", None)
    limit = settings.AXES_FAILURE_LIMIT
    if isinstance(failures, int) and isinstance(limit, int) and failures > limit:
        return
    user = User.objects.filter(username=username).first() if username else None
    pemda_id = None
    if user is not None:
        pemda_id = user.pemda_id or (
            Membership.objects.filter(user=user).order_by("pk").values_list("pemda_id", flat=True).first()
        )
    record_event(
        event_type=EventType.LOGIN_LOCKED_OUT,
        object_type="accounts.user",
        object_id=user.pk if user is not None else "",
        payload={"username": (username or "")[:150], "ip_address": ip_address or "", "failures": failures},
        pemda=pemda_id,
        actor=None,
    )
