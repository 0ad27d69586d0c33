"""Staff pages of TAPD verification and red flags (mounted at /staf/anggaran/verifikasi/).

- the board: each agency's sub-kegiatan by status, what waits on whom, totals against the ceiling;
- one agency's sub-kegiatan;
- one sub-kegiatan as the verifier (and the agency) sees it: lines with their flags, comments per line (htmx),
  status buttons from the workflow, history;
- the red-flag list with filters, counts per rule and the dismiss form (htmx).

Pages read through selectors_verification and write through services (the action handlers with
`terang.core.views.run_action`); errors of the services are shown as messages (or, for htmx requests, inside the
swapped fragment with status 422).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from terang.accounts.permissions import can
from terang.audit.models import DomainEvent
from terang.core.errors import ApplicationError
from terang.core.views import run_action
from terang.core.workflow import available_transitions

from .. import selectors_verification as sel
from ..choices import FlagRule, FlagStatus, LineType, SubActivityStatus
from ..models import FiscalYear, RedFlag, SubActivityBudget, VerificationComment
from ..services import flags as flag_services
from ..services import verification as services
from ..workflows import SUB_ACTIVITY_WORKFLOW

PAGE_SIZE = 50


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


def _timeline(sub: SubActivityBudget, limit: int = 100) -> list[DomainEvent]:
    """The sub-kegiatan's history in one query: its own events (status changes) and those of its verification
    comments (written, answered, resolved), the newest `limit`, oldest first."""
    comment_ids = (VerificationComment.objects.filter(sub_activity_id=sub.pk).order_by()
                   .annotate(key=Cast("pk", CharField())).values("key"))
    events = (DomainEvent.objects.filter(Q(object_type=SubActivityBudget._meta.label_lower, object_id=str(sub.pk))
                                         | Q(object_type=VerificationComment._meta.label_lower,
                                             object_id__in=comment_ids))
              .order_by("-seq")[:limit])
    return list(reversed(list(events)))


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
    events = _timeline(sub)
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
    return run_action(
        request, form=TransitionForm(request.POST), service=services.sub_activity_transition,
        kwargs=lambda data: {"actor": request.user, "sub_activity": sub, "to_status": data["to_status"],
                             "reason": data["reason"], "expected_version": data.get("version")},
        success_message=lambda changed: _("Status sub kegiatan %(kode)s menjadi “%(status)s”.")
        % {"kode": changed.kode, "status": changed.get_status_display()},
        redirect_to=_sub_url(sub.pk), error_template="budgeting/verification/sub_activity.html",
        context=lambda error: _detail_context(request, _sub_or_404(request, pk)))


def _sub_url(pk: int) -> str:
    return reverse("budgeting:verification_sub_activity", args=[pk])


def _thread_context(request: HttpRequest, sub: SubActivityBudget, line_id: int | None,
                    draft: str = "") -> dict[str, Any]:
    comments = [c for c in sel.comments_for_user(user=request.user, sub_activity=sub)
                if c.line_id == line_id]
    return {"sub": sub, "comments": comments, "line_id": line_id, "perms": _permissions(request, sub),
            "draft": draft}


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A verifier's note on the sub-kegiatan or one of its lines."""
    sub = _sub_or_404(request, pk)
    form = CommentForm(request.POST)
    return run_action(
        request, form=form, service=services.verification_comment_add,
        invalid_message=_("Catatan verifikasi wajib diisi (paling banyak 4.000 karakter)."),
        kwargs=lambda data: {"actor": request.user, "sub_activity": sub, "body": data["body"],
                             "line": data.get("line")},
        success_message=_("Catatan verifikasi disimpan."), redirect_to=_sub_url(sub.pk),
        fragment_template="budgeting/verification/_thread.html",
        context=lambda error: _thread_context(request, sub, _int(form.data.get("line")),
                                              draft=request.POST.get("body", "") if error else ""))


def _comment_or_404(request: HttpRequest, pk: int) -> VerificationComment:
    comment = sel.comment_for_user(user=request.user, pk=pk)
    if comment is None:
        raise Http404
    return comment


def _comment_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    comment = _comment_or_404(request, pk)
    return {"comment": comment, "sub": comment.sub_activity, "perms": _permissions(request, comment.sub_activity)}


@login_required
@require_POST
def comment_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency answers a comment while the sub-kegiatan is returned to it."""
    comment = _comment_or_404(request, pk)
    return run_action(
        request, form=ResponseForm(request.POST), service=services.verification_comment_respond,
        invalid_message=_("Tanggapan wajib diisi (paling banyak 4.000 karakter)."),
        kwargs=lambda data: {"actor": request.user, "comment": comment, "response": data["response"]},
        success_message=_("Tanggapan disimpan."), redirect_to=_sub_url(comment.sub_activity_id),
        fragment_template="budgeting/verification/_comment.html",
        context=lambda error: _comment_context(request, pk))


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """A verifier closes a comment."""
    comment = _comment_or_404(request, pk)
    return run_action(
        request, service=services.verification_comment_resolve,
        kwargs={"actor": request.user, "comment": comment},
        success_message=_("Catatan diselesaikan."), redirect_to=_sub_url(comment.sub_activity_id),
        fragment_template="budgeting/verification/_comment.html",
        context=lambda error: _comment_context(request, pk))


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
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("budgeting:flag_list") + f"?ta={flag.fiscal_year_id}"

    def row(error: ApplicationError | None) -> dict[str, Any]:
        current = _flag_or_404(request, pk)
        return {"flag": current, "can_dismiss": can(request.user, "budget.dismiss_flag", current),
                "draft": request.POST.get("reason", "") if error else ""}

    return run_action(
        request, form=DismissForm(request.POST), service=flag_services.flag_dismiss,
        invalid_message=_("Alasan wajib diisi."),
        kwargs=lambda data: {"actor": request.user, "flag": flag, "reason": data["reason"]},
        success_message=_("Tanda bahaya diabaikan dengan alasan yang dicatat."), redirect_to=target,
        fragment_template="budgeting/flags/_flag_row.html", context=row)
