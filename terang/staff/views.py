"""Staff shell: the signed-in official's home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from terang.accounts.choices import ScopeKind
from terang.accounts.permissions import active_memberships

from .selectors import scope_summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = active_memberships(request.user)
    pemdas = {m.pemda_id: m.pemda for m in memberships}
    context = {
        "memberships": memberships,
        "membership_rows": [{"membership": m, "scope_kind": ScopeKind(m.scope_kind).label} for m in memberships],
        "pemdas": list(pemdas.values()),
        "today": timezone.localdate(),
        "summary": scope_summary(user=request.user) if memberships else None,
    }
    return render(request, "staff/home.html", context)
