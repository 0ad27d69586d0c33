"""Auditor pages: browse change records and domain events, read one record as a diff, verify the chains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from terang.org.models import Pemda

from .forms import AuditFilterForm, object_type_choices
from .selectors import (
    auditor_pemda_ids,
    change_record_for_user,
    change_records_for_user,
    diff_rows,
    event_for_user,
    events_for_user,
)
from .verify import verify_all

PAGE_SIZE = 50


@dataclass
class KeysetPage:
    """One page of records ordered by seq descending, with cursors to the older and newer neighbours."""

    rows: list[Any]
    older_query: str | None
    newer_query: str | None


def _int_param(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _query(params: QueryDict, **changes: Any) -> str:
    q = params.copy()
    for key in ("sebelum", "sesudah"):
        q.pop(key, None)
    for key, value in changes.items():
        q[key] = str(value)
    return q.urlencode()


def keyset_page(qs: QuerySet, params: QueryDict, *, size: int = PAGE_SIZE) -> KeysetPage:
    """Keyset pagination on seq (no COUNT(*), constant cost at any depth of a chain of millions)."""
    older = _int_param(params.get("sebelum"))
    newer = _int_param(params.get("sesudah"))
    if newer is not None:
        rows = list(qs.filter(seq__gt=newer).order_by("seq")[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = bool(rows)
    else:
        if older is not None:
            qs = qs.filter(seq__lt=older)
        rows = list(qs[: size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = older is not None and bool(rows)
    return KeysetPage(
        rows=rows,
        older_query=_query(params, sebelum=rows[-1].seq) if has_older else None,
        newer_query=_query(params, sesudah=rows[0].seq) if has_newer else None,
    )


def _require_auditor(request: HttpRequest) -> set[int]:
    ids = auditor_pemda_ids(user=request.user)
    if not ids:
        raise PermissionDenied
    return ids


def _filter_form(request: HttpRequest, ids: set[int]) -> AuditFilterForm:
    pemda_choices = list(Pemda.objects.filter(pk__in=ids).order_by("nama").values_list("pk", "nama"))
    return AuditFilterForm(request.GET or None, pemda_choices=pemda_choices)


def _list(request: HttpRequest, *, kind: str) -> HttpResponse:
    ids = _require_auditor(request)
    form = _filter_form(request, ids)
    if form.is_bound and not form.is_valid():
        page = KeysetPage(rows=[], older_query=None, newer_query=None)
    else:
        selector = change_records_for_user if kind == "change" else events_for_user
        page = keyset_page(selector(user=request.user, filters=form.filters()), request.GET)
    return render(request, "audit/index.html", {
        "kind": kind,
        "form": form,
        "page": page,
        "object_types": object_type_choices(),
    })


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Change records in the auditor's scope, newest first."""
    return _list(request, kind="change")


@login_required
def events(request: HttpRequest) -> HttpResponse:
    """Domain events in the auditor's scope, newest first."""
    return _list(request, kind="event")


@login_required
def change_detail(request: HttpRequest, seq: int) -> HttpResponse:
    """One change record: who, when, why, the before/after diff, and its place in the chain."""
    _require_auditor(request)
    record = change_record_for_user(user=request.user, seq=seq)
    if record is None:
        raise Http404
    return render(request, "audit/change_detail.html", {"record": record, "rows": diff_rows(record)})


@login_required
def event_detail(request: HttpRequest, seq: int) -> HttpResponse:
    """One domain event with its payload and its place in the chain."""
    _require_auditor(request)
    event = event_for_user(user=request.user, seq=seq)
    if event is None:
        raise Http404
    payload = sorted(event.payload.items()) if isinstance(event.payload, dict) else []
    return render(request, "audit/event_detail.html", {"event": event, "payload": payload})


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Verify both chains on demand (synchronously; a background task can take over for very large chains)."""
    _require_auditor(request)
    results = verify_all() if request.method == "POST" else None
    return render(request, "audit/verify.html", {"results": results})

