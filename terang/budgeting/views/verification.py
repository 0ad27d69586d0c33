"""Staff pages of TAPD verification and red flags (mounted at /staf/anggaran/verifikasi/).

- the board: each agency's sub-kegiatan by status, what waits on whom, totals against the ceiling;
- one agency's sub-kegiatan;
- one sub-kegiatan as the verifier (and the agency) sees it: lines with their flags, comments per line (htmx),
  status buttons from the workflow, history;
- the red-flag list with filters, counts per rule and the dismiss form (htmx).

Pages read through selectors_verification and write through services; errors of the services are shown as
messages (or, for htmx requests, inside the swapped fragment with status 422).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from terang.accounts.permissions import can
from terang.audit.selectors import events_for_object
from terang.core.errors import ApplicationError
from terang.core.workflow import available_transitions

from .. import selectors_verification as sel
from ..choices import FlagRule, FlagStatus, LineType, SubActivityStatus
from ..models import FiscalYear, RedFlag, SubActivityBudget, VerificationComment
from ..services import flags as flag_services
from ..services import verification as services
from ..workflows import SUB_ACTIVITY_WORKFLOW

PAGE_SIZE = 50
HTMX_ERROR_STATUS = 422


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=SubActivityStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=4000)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Catatan verifikasi"), max_length=4000)
    line = forms.IntegerField(required=False)


class ResponseForm(forms.Form):
    response = forms.CharField(label=gettext_lazy("Tanggapan perangkat daerah"), max_length=4000)


class DismissForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Alasan diabaikan"), max_length=4000)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _refuse(error: ApplicationError | None) -> None:
    """Refusals of page forms answer 403/404 like any page; other errors are shown as messages."""
    if error is not None and error.status_code == 403:
        raise PermissionDenied(error.message)
    if error is not None and error.status_code == 404:
        raise Http404


def _fragment_status(error: ApplicationError | None) -> int:
    """Validation errors answer 422 (the page swaps the fragment with the message); refusals keep their status."""
    if error is None:
        return 200
    return HTMX_ERROR_STATUS if error.status_code == 400 else error.status_code


def _fiscal_year(request: HttpRequest) -> FiscalYear:
    fy = sel.fiscal_year_for_user(user=request.user, pk=request.GET.get("ta") or request.POST.get("ta"))
    if fy is None:
        raise Http404
    return fy


def _crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Verifikasi TAPD"), reverse("budgeting:verification_board")), *extra]


# --- board ---------------------------------------------------------------------------------------------------------


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Each agency's progress through TAPD verification and what waits on whom."""
    fy = _fiscal_year(request)
    status = request.GET.get("status", "")
    waiting_on = request.GET.get("menunggu", "")
    result = sel.verification_board(user=request.user, fiscal_year=fy, status=status, waiting_on=waiting_on)
    return render(request, "budgeting/verification/board.html", {
        "board": result, "fiscal_year": fy, "status": status, "waiting_on": waiting_on,
        "statuses": SubActivityStatus.choices, "fiscal_years": sel.fiscal_years_for_user(user=request.user),
        "crumbs": [(_("Verifikasi TAPD"), None)],
    })


@login_required
def organisation(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The sub-kegiatan of one agency with status, total, open comments and open flags."""
    fy = _fiscal_year(request)
    org = sel.organisation_for_budget_user(user=request.user, pk=org_pk)
    if org is None or org.pemda_id != fy.pemda_id:
        raise Http404
    status = request.GET.get("status", "")
    qs = sel.sub_activity_list(user=request.user, fiscal_year=fy, organisation_id=org.pk, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("halaman"))
    return render(request, "budgeting/verification/organisation.html", {
        "organisation": org, "fiscal_year": fy, "page": page, "status": status,
        "statuses": SubActivityStatus.choices, "crumbs": _crumbs((org.nama, None)),
    })


# --- one sub-kegiatan ----------------------------------------------------------------------------------------------


def _permissions(request: HttpRequest, sub: SubActivityBudget) -> dict[str, bool]:
    verifier = can(request.user, "budget.verify", sub)
    agency = can(request.user, "budget.edit_lines", sub)
    return {
        "can_comment": verifier and sub.status == SubActivityStatus.SUBMITTED,
        "can_resolve": verifier and sub.status == SubActivityStatus.SUBMITTED,
        "can_respond": agency and sub.status == SubActivityStatus.RETURNED,
        "can_dismiss": can(request.user, "budget.dismiss_flag", sub),
    }


def _detail_context(request: HttpRequest, sub: SubActivityBudget) -> dict[str, Any]:
    lines = sel.verification_lines(sub_activity=sub)
    options = [
        {"option": option, "form": TransitionForm(initial={"to_status": option.to_status, "version": sub.version})}
        for option in available_transitions(SUB_ACTIVITY_WORKFLOW, sub, request.user)
    ]
    groups: list[dict[str, Any]] = []
    for line in lines:
        if not groups or groups[-1]["account"].pk != line.account_id:
            groups.append({"account": line.account, "lines": [], "total": 0})
        groups[-1]["lines"].append(line)
        groups[-1]["total"] += line.total
    events = list(events_for_object(sub, limit=100))
    return {
        "sub": sub, "groups": groups, "line_count": len(lines),
        "total": sum((line.total for line in lines if line.akun == "5"), 0),
        "undetailed": sum(1 for line in lines if line.line_type == LineType.UNDETAILED),
        "sub_comments": list(sel.sub_activity_comments(sub_activity=sub)),
        "sub_flags": list(sel.sub_activity_flags(sub_activity=sub)),
        "options": options, "events": events, "perms": _permissions(request, sub),
        "line_types": LineType, "crumbs": _crumbs((sub.organisation.nama, reverse(
            "budgeting:verification_organisation", args=[sub.organisation_id]) + f"?ta={sub.fiscal_year_id}"),
            (sub.kode, None)),
    }


def _sub_or_404(request: HttpRequest, pk: int) -> SubActivityBudget:
    sub = sel.sub_activity_for_user(user=request.user, pk=pk)
    if sub is None:
        raise Http404
    return sub


@login_required
def sub_activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One sub-kegiatan: lines with flags inline, comment threads, status buttons and history."""
    sub = _sub_or_404(request, pk)
    return render(request, "budgeting/verification/sub_activity.html", _detail_context(request, sub))


@login_required
@require_POST
def sub_activity_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Perform one status change (the workflow engine decides whether it is allowed)."""
    sub = _sub_or_404(request, pk)
    form = TransitionForm(request.POST)
    error: ApplicationError | None = None
    if not form.is_valid():
        error = ApplicationError(_("Permintaan tidak valid."))
    else:
        try:
            sub = services.sub_activity_transition(
                actor=request.user, sub_activity=sub, to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"], expected_version=form.cleaned_data.get("version"))
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("Status sub kegiatan %(kode)s menjadi “%(status)s”.")
                             % {"kode": sub.kode, "status": sub.get_status_display()})
            return redirect("budgeting:verification_sub_activity", pk=sub.pk)
    sub = _sub_or_404(request, pk)
    context = _detail_context(request, sub)
    context["error"] = error
    return render(request, "budgeting/verification/sub_activity.html", context, status=error.status_code)


def _thread_response(request: HttpRequest, sub: SubActivityBudget, line_id: int | None,
                     error: ApplicationError | None = None, draft: str = "") -> HttpResponse:
    comments = [c for c in sel.comments_for_user(user=request.user, sub_activity=sub)
                if c.line_id == line_id]
    return render(request, "budgeting/verification/_thread.html", {
        "sub": sub, "comments": comments, "line_id": line_id, "perms": _permissions(request, sub),
        "error": error, "draft": draft,
    }, status=_fragment_status(error))


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A verifier's note on the sub-kegiatan or one of its lines."""
    sub = _sub_or_404(request, pk)
    form = CommentForm(request.POST)
    line_id = form.data.get("line") or None
    error: ApplicationError | None = None
    if not form.is_valid():
        error = ApplicationError(_("Catatan verifikasi wajib diisi (paling banyak 4.000 karakter)."))
    else:
        line_id = form.cleaned_data.get("line")
        try:
            services.verification_comment_add(actor=request.user, sub_activity=sub, body=form.cleaned_data["body"],
                                              line=line_id)
        except ApplicationError as exc:
            error = exc
    if _is_htmx(request):
        return _thread_response(request, sub, int(line_id) if line_id else None, error,
                                draft=request.POST.get("body", "") if error else "")
    _refuse(error)
    if error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Catatan verifikasi disimpan."))
    return redirect("budgeting:verification_sub_activity", pk=sub.pk)


def _comment_or_404(request: HttpRequest, pk: int) -> VerificationComment:
    comment = sel.comment_for_user(user=request.user, pk=pk)
    if comment is None:
        raise Http404
    return comment


def _comment_response(request: HttpRequest, comment: VerificationComment,
                      error: ApplicationError | None) -> HttpResponse:
    if _is_htmx(request):
        comment = _comment_or_404(request, comment.pk)
        return render(request, "budgeting/verification/_comment.html", {
            "comment": comment, "sub": comment.sub_activity, "perms": _permissions(request, comment.sub_activity),
            "error": error,
        }, status=_fragment_status(error))
    _refuse(error)
    if error:
        messages.error(request, error.message)
    return redirect("budgeting:verification_sub_activity", pk=comment.sub_activity_id)


@login_required
@require_POST
def comment_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency answers a comment while the sub-kegiatan is returned to it."""
    comment = _comment_or_404(request, pk)
    form = ResponseForm(request.POST)
    error: ApplicationError | None = None
    if not form.is_valid():
        error = ApplicationError(_("Tanggapan wajib diisi (paling banyak 4.000 karakter)."))
    else:
        try:
            comment = services.verification_comment_respond(actor=request.user, comment=comment,
                                                            response=form.cleaned_data["response"])
        except ApplicationError as exc:
            error = exc
        else:
            if not _is_htmx(request):
                messages.success(request, _("Tanggapan disimpan."))
    return _comment_response(request, comment, error)


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """A verifier closes a comment."""
    comment = _comment_or_404(request, pk)
    error: ApplicationError | None = None
    try:
        comment = services.verification_comment_resolve(actor=request.user, comment=comment)
    except ApplicationError as exc:
        error = exc
    else:
        if not _is_htmx(request):
            messages.success(request, _("Catatan diselesaikan."))
    return _comment_response(request, comment, error)


# --- red flags -----------------------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def flag_list(request: HttpRequest) -> HttpResponse:
    """Red flags in the user's scope with filters (rule, agency, status, severity) and counts per rule."""
    fy = _fiscal_year(request)
    rule = request.GET.get("aturan", "")
    status = request.GET.get("status", "")
    filters = sel.FlagFilters(
        rule=rule if rule in FlagRule.values else "",
        organisation_id=_int(request.GET.get("opd")),
        status=status if status in FlagStatus.values else "",
        severity=_int(request.GET.get("tingkat")),
        sub_activity_id=_int(request.GET.get("sub_kegiatan")),
    )
    qs = sel.flags_for_user(user=request.user, fiscal_year=fy, filters=filters)
    counts = sel.flag_counts(sel.flags_for_user(
        user=request.user, fiscal_year=fy,
        filters=sel.FlagFilters(organisation_id=filters.organisation_id, severity=filters.severity,
                                sub_activity_id=filters.sub_activity_id)))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("halaman"))
    rule_rows = [{"rule": value, "label": label, **counts.get(value, {"open": 0, "dismissed": 0})}
                 for value, label in FlagRule.choices]
    return render(request, "budgeting/flags/list.html", {
        "fiscal_year": fy, "page": page, "filters": filters, "rule_rows": rule_rows,
        "rules": FlagRule.choices, "statuses": FlagStatus.choices,
        "organisations": sel.organisations_for_budget_user(user=request.user, fiscal_year=fy),
        "can_dismiss": can(request.user, "budget.dismiss_flag", fy.pemda),
        "can_refresh": can(request.user, "budget.verify", fy.pemda),
        "crumbs": _crumbs((_("Tanda bahaya"), None)),
    })


@login_required
@require_POST
def flag_refresh(request: HttpRequest) -> HttpResponse:
    """Recompute every red flag of the fiscal year now (TAPD); dismissed flags whose finding holds stay dismissed."""
    fy = _fiscal_year(request)
    if not can(request.user, "budget.verify", fy.pemda):
        raise PermissionDenied
    summary = flag_services.flags_refresh(fiscal_year=fy, actor=request.user)
    messages.success(request, _("Tanda bahaya diperbarui: %(open)s terbuka, %(dismissed)s diabaikan (%(created)s baru, "
                                "%(removed)s tidak berlaku lagi).") % {
        "open": summary.open, "dismissed": summary.dismissed, "created": summary.created + summary.replaced,
        "removed": summary.removed})
    return redirect(reverse("budgeting:flag_list") + f"?ta={fy.pk}")


def _flag_or_404(request: HttpRequest, pk: int) -> RedFlag:
    flag = sel.flag_for_user(user=request.user, pk=pk)
    if flag is None:
        raise Http404
    return flag


@login_required
@require_POST
def flag_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Dismiss one open flag with a reason (published)."""
    flag = _flag_or_404(request, pk)
    form = DismissForm(request.POST)
    error: ApplicationError | None = None
    if not form.is_valid():
        error = ApplicationError(_("Alasan wajib diisi."))
    else:
        try:
            flag_services.flag_dismiss(actor=request.user, flag=flag, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            error = exc
    if _is_htmx(request):
        flag = _flag_or_404(request, pk)
        return render(request, "budgeting/flags/_flag_row.html", {
            "flag": flag, "can_dismiss": can(request.user, "budget.dismiss_flag", flag), "error": error,
            "draft": request.POST.get("reason", "") if error else "",
        }, status=_fragment_status(error))
    _refuse(error)
    if error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Tanda bahaya diabaikan dengan alasan yang dicatat."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("budgeting:flag_list") + f"?ta={flag.fiscal_year_id}"
    return redirect(target)
