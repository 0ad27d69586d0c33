"""Staff pages of the org app: agencies in scope, and agency profile change requests with their workflow."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Field, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from terang.accounts.permissions import can
from terang.audit.selectors import events_for_object, history_for
from terang.core.errors import ApplicationError, ConflictError
from terang.core.views import run_action
from terang.core.workflow import available_transitions

from . import services
from .choices import ProfileRequestStatus
from .forms import ProfileRequestForm, TransitionForm, profile_initial
from .models import Organisation, OrganisationProfileRequest
from .selectors import (
    organisation_for_user,
    organisations_for_user,
    profile_request_for_user,
    profile_requests_for_user,
)
from .services import EDITABLE_STATUSES, PROFILE_FIELDS
from .workflows import PROFILE_REQUEST_WORKFLOW

PAGE_SIZE = 50


def _field_label(name: str) -> str:
    return str(cast(Field, Organisation._meta.get_field(name)).verbose_name)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Agencies inside the user's scope (pemda-wide roles: all of their pemda; agency staff: their agency)."""
    qs = organisations_for_user(user=request.user).order_by("pemda__nama", "kode")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(nama__icontains=q) | Q(singkatan__icontains=q) | Q(kode__startswith=q))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("halaman"))
    return render(request, "org/organisation_list.html", {"page": page, "q": q})


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One agency: profile, its profile change requests and the history of its profile."""
    organisation = organisation_for_user(user=request.user, pk=pk)
    if organisation is None:
        raise Http404
    requests = profile_requests_for_user(user=request.user).filter(organisation=organisation)[:20]
    return render(request, "org/organisation_detail.html", {
        "organisation": organisation,
        "profile_fields": [(_field_label(n), getattr(organisation, n)) for n in PROFILE_FIELDS],
        "requests": requests,
        "history": history_for(organisation, limit=20),
        "can_request": can(request.user, "org.request_profile_change", organisation),
    })


@login_required
def profile_request_list(request: HttpRequest) -> HttpResponse:
    """Profile change requests in the user's scope, newest first, filterable by status."""
    qs = profile_requests_for_user(user=request.user)
    status = request.GET.get("status", "")
    if status in ProfileRequestStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("halaman"))
    can_create = organisations_for_user(user=request.user, action="org.request_profile_change").exists()
    return render(request, "org/profile_request_list.html", {
        "page": page, "status": status, "statuses": ProfileRequestStatus.choices, "can_create": can_create,
    })


@login_required
@require_http_methods(["GET", "POST"])
def profile_request_create(request: HttpRequest) -> HttpResponse:
    """Draft a profile change request for one of the user's agencies."""
    organisations = organisations_for_user(user=request.user, action="org.request_profile_change")
    chosen = request.GET.get("organisation")
    if chosen:
        try:
            organisation = organisation_for_user(user=request.user, pk=int(chosen),
                                                 action="org.request_profile_change")
        except ValueError:
            organisation = None
        if organisation is None:
            raise Http404
    else:
        choices = list(organisations[:2])
        if not choices:
            raise PermissionDenied
        if len(choices) > 1:
            return render(request, "org/profile_request_choose.html", {"organisations": organisations})
        organisation = choices[0]
    form = ProfileRequestForm(request.POST or None, organisation=organisation,
                              initial=profile_initial(organisation))

    def page(error: ApplicationError | None = None) -> dict[str, Any]:
        return {"form": form, "organisation": organisation, "error": error, "profile_request": None}

    if request.method == "POST" and form.is_valid():
        return run_action(
            request, service=services.profile_request_create,
            kwargs={"organisation": organisation, "actor": request.user, "changes": form.changes(),
                    "alasan": form.cleaned_data["alasan"]},
            success_message=_("Permohonan perubahan profil disimpan sebagai draf."), redirect_to=_detail_url,
            error_template="org/profile_request_form.html", context=page)
    return render(request, "org/profile_request_form.html", page())


def _detail_url(obj: OrganisationProfileRequest) -> str:
    return reverse("org:profile_request_detail", kwargs={"pk": obj.pk})


def _detail_context(request: HttpRequest, obj: OrganisationProfileRequest) -> dict[str, Any]:
    organisation = obj.organisation
    rows = [
        {"field": name, "label": _field_label(name), "current": getattr(organisation, name),
         "proposed": obj.changes[name]}
        for name in PROFILE_FIELDS
        if isinstance(obj.changes, dict) and name in obj.changes
    ]
    options = [
        {"option": option, "form": TransitionForm(initial={"to_status": option.to_status, "version": obj.version})}
        for option in available_transitions(PROFILE_REQUEST_WORKFLOW, obj, request.user)
    ]
    return {
        "profile_request": obj,
        "rows": rows,
        "options": options,
        "can_edit": obj.status in EDITABLE_STATUSES and can(request.user, "org.request_profile_change", obj),
        "events": events_for_object(obj, limit=50),
    }


@login_required
def profile_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: requested changes next to the current profile, its history, and the allowed status buttons."""
    obj = profile_request_for_user(user=request.user, pk=pk)
    if obj is None:
        raise Http404
    return render(request, "org/profile_request_detail.html", _detail_context(request, obj))


@login_required
@require_http_methods(["GET", "POST"])
def profile_request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Revise a draft or returned request (optimistic locking on `version`)."""
    obj = profile_request_for_user(user=request.user, pk=pk)
    if obj is None:
        raise Http404
    if not can(request.user, "org.request_profile_change", obj):
        raise PermissionDenied
    if obj.status not in EDITABLE_STATUSES:
        messages.error(request, _("Permohonan berstatus “%(status)s” tidak dapat diubah.")
                       % {"status": obj.get_status_display()})
        return redirect("org:profile_request_detail", pk=obj.pk)
    initial = profile_initial(obj.organisation, obj.changes)
    initial.update(alasan=obj.alasan, version=obj.version)
    form = ProfileRequestForm(request.POST or None, organisation=obj.organisation, initial=initial)

    def page(error: ApplicationError | None = None) -> dict[str, Any]:
        shown, conflict = form, None
        if isinstance(error, ConflictError):
            obj.refresh_from_db()
            conflict = [
                {"label": _field_label(name), "value": obj.changes.get(name, "")}
                for name in PROFILE_FIELDS if isinstance(obj.changes, dict) and name in obj.changes
            ]
            # keep what the user typed, but from now on against the version they have just been shown
            data = request.POST.copy()
            data["version"] = str(obj.version)
            shown = ProfileRequestForm(data, organisation=obj.organisation)
            shown.is_valid()
        return {"form": shown, "organisation": obj.organisation, "error": error, "conflict": conflict,
                "profile_request": obj}

    if request.method == "POST" and form.is_valid():
        return run_action(
            request, service=services.profile_request_update,
            kwargs={"profile_request": obj, "actor": request.user, "changes": form.changes(),
                    "alasan": form.cleaned_data["alasan"],
                    "expected_version": form.cleaned_data.get("version") or 0},
            success_message=_("Permohonan diperbarui."), redirect_to=_detail_url,
            error_template="org/profile_request_form.html", context=page)
    return render(request, "org/profile_request_form.html", page())


@login_required
@require_POST
def profile_request_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Perform one status change from the detail page (the engine decides whether it is allowed)."""
    obj = profile_request_for_user(user=request.user, pk=pk)
    if obj is None:
        raise Http404
    return run_action(
        request, form=TransitionForm(request.POST), service=services.profile_request_transition,
        kwargs=lambda data: {"profile_request": obj, "to_status": data["to_status"], "actor": request.user,
                             "reason": data["reason"], "expected_version": data.get("version")},
        success_message=lambda changed: _("Status permohonan menjadi “%(status)s”.")
        % {"status": changed.get_status_display()},
        redirect_to=_detail_url(obj), error_template="org/profile_request_detail.html",
        context=lambda error: _detail_context(request, profile_request_for_user(user=request.user, pk=pk) or obj))
