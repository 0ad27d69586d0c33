"""Staff pages of the DPA and the cash plan: DPA list per fiscal year (scoped), creating a DPA (BPKAD), the cash plan
grid of one DPA (twelve months per sub-kegiatan × account, running totals, htmx save per row with the version
conflict shown), and the Sekda's override of a locked quarter."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from terang.accounts.permissions import can, pemda_ids
from terang.core.errors import ApplicationError, ConflictError
from terang.core.money import format_number, to_decimal
from terang.org.models import Organisation

from ..choices import StageStatus
from ..models import CashPlan, Dpa, FiscalYear, Stage, StageLine, SubActivityBudget
from ..models.dpa import MONTH_FIELDS
from ..services import dpa as services
from ..services.dpa import MONTH_NAMES, QUARTER_LABELS, past_quarters, quarter_of_month

ZERO = Decimal("0.00")


def fiscal_years_for_user(user: Any) -> list[FiscalYear]:
    """Fiscal years of every pemda the user holds a role in, newest first."""
    return list(FiscalYear.objects.filter(pemda_id__in=pemda_ids(user)).select_related("pemda")
                .order_by("-tahun", "pemda__nama"))


def pick_fiscal_year(request: HttpRequest, years: list[FiscalYear]) -> FiscalYear | None:
    wanted = request.GET.get("ta", "")
    for fy in years:
        if str(fy.pk) == wanted:
            return fy
    return years[0] if years else None


def _eligible_stages(fy: FiscalYear) -> list[Stage]:
    return list(fy.stages.filter(kind__in=services.DPA_STAGE_KINDS,
                                 status__in=[StageStatus.CLOSED, StageStatus.PUBLISHED]).order_by("sequence"))


@login_required
def dpa_list(request: HttpRequest) -> HttpResponse:
    """DPA documents of one fiscal year inside the user's scope; BPKAD can create one from an approved stage."""
    years = fiscal_years_for_user(request.user)
    fy = pick_fiscal_year(request, years)
    dpas = list(services.dpa_list_for_user(user=request.user, fiscal_year=fy).annotate(
        jumlah_kas=Count("cash_plans"))) if fy else []
    can_create = fy is not None and can(request.user, "budget.dpa", fy.pemda)
    stages: list[Stage] = []
    organisations: list[Organisation] = []
    if can_create and fy is not None:
        stages = _eligible_stages(fy)
        org_ids = set(StageLine.objects.filter(stage__in=stages).values_list("organisation_id", flat=True)
                      .distinct()) if stages else set()
        organisations = list(Organisation.objects.filter(pemda=fy.pemda, pk__in=org_ids).order_by("kode"))
    return render(request, "budgeting/dpa/dpa_list.html", {
        "years": years, "fiscal_year": fy, "dpas": dpas, "can_create": can_create, "stages": stages,
        "organisations": organisations,
        "crumbs": [(_("Anggaran"), None), (_("DPA dan anggaran kas"), None)],
    })


@login_required
@require_POST
def dpa_create(request: HttpRequest) -> HttpResponse:
    """Create a DPA (BPKAD) from the posted stage and agency; errors come back as a message on the list."""
    try:
        stage = Stage.objects.select_related("fiscal_year").get(pk=int(request.POST.get("stage", "")),
                                                              pemda_id__in=pemda_ids(request.user))
        organisation = Organisation.objects.get(pk=int(request.POST.get("organisation", "")),
                                                pemda_id=stage.pemda_id)
    except (ValueError, Stage.DoesNotExist, Organisation.DoesNotExist) as exc:
        raise Http404 from exc
    back = f"{reverse('budgeting:dpa_list')}?ta={stage.fiscal_year_id}"
    try:
        dpa = services.dpa_create(actor=request.user, stage=stage, organisation=organisation)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("DPA %(nomor)s dibuat dengan %(n)s baris anggaran kas.")
                     % {"nomor": dpa.nomor, "n": dpa.cash_plans.count()})
    return redirect("budgeting:dpa_detail", pk=dpa.pk)


# --- the cash plan grid ------------------------------------------------------------------------------------------


def _row(plan: CashPlan, *, past: set[int], can_edit: bool, values: list[Any] | None = None,
         error: str = "", conflict: bool = False, saved: bool = False) -> dict[str, Any]:
    """What one grid row shows: inputs (formatted), lock state per month, sum and difference."""
    opened = {o.quarter for o in plan.overrides.all()}
    locked = past - opened
    months = plan.months
    shown = values if values is not None else [format_number(m) for m in months]
    total_kas = sum(months, ZERO)
    cells = []
    for index, field in enumerate(MONTH_FIELDS):
        quarter = quarter_of_month(index + 1)
        cells.append({"field": field, "label": MONTH_NAMES[index], "value": shown[index],
                      "locked": quarter in locked, "opened": quarter in past and quarter in opened})
    return {"plan": plan, "cells": cells, "jumlah": total_kas, "selisih": total_kas - plan.total,
            "can_edit": can_edit, "error": error, "conflict": conflict, "saved": saved,
            "locked_quarters": sorted(locked), "opened_quarters": sorted(opened)}


def _past(dpa: Dpa) -> set[int]:
    if not dpa.fiscal_year.quarter_locks:
        return set()
    return past_quarters(tahun=dpa.fiscal_year.tahun, today=timezone.localdate())


SUBS_PER_PAGE = 10


def _dpa_totals(dpa: Dpa) -> dict[str, Any]:
    """Month and quarter totals of the whole DPA and the rows whose months do not add up (one small query)."""
    month_totals = [ZERO] * 12
    mismatched: set[int] = set()
    mismatched_subs: set[int | None] = set()
    for pk, sub_id, total, *months in CashPlan.objects.filter(dpa=dpa).values_list(
            "pk", "sub_activity_id", "total", *MONTH_FIELDS):
        row_sum = ZERO
        for index, value in enumerate(months):
            month_totals[index] += value
            row_sum += value
        if row_sum != total:
            mismatched.add(pk)
            mismatched_subs.add(sub_id)
    return {"month_totals": month_totals, "quarter_totals": services.quarter_totals(month_totals),
            "total_kas": sum(month_totals, ZERO), "mismatched": mismatched, "mismatched_subs": mismatched_subs}


@login_required
def dpa_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One DPA: header, the cash plan grid grouped by sub-kegiatan (ten per page; `?selisih=1` shows only rows
    whose months do not add up), monthly and quarterly totals of the whole DPA, downloads."""
    dpa = services.dpa_for_user(user=request.user, pk=pk)
    if dpa is None:
        raise Http404
    totals = _dpa_totals(dpa)
    only_mismatched = request.GET.get("selisih") == "1"
    subs = SubActivityBudget.objects.filter(
        pk__in=CashPlan.objects.filter(dpa=dpa).values("sub_activity_id")).order_by("kode")
    if only_mismatched:
        subs = subs.filter(pk__in=[s for s in totals["mismatched_subs"] if s is not None])
    page = Paginator(subs.only("kode", "nama", "bulan_mulai", "bulan_selesai"), SUBS_PER_PAGE).get_page(
        request.GET.get("halaman"))
    plans = services.cash_plans_of(dpa).filter(sub_activity__in=[sub.pk for sub in page])
    if only_mismatched:
        plans = plans.filter(pk__in=totals["mismatched"])
    can_edit = services.can_edit_cash_plan(request.user, dpa)
    past = _past(dpa)
    groups = [(sub, [_row(plan, past=past, can_edit=can_edit) for plan in group])
              for sub, group in services.group_by_sub_activity(list(plans))]
    return render(request, "budgeting/dpa/dpa_detail.html", {
        "dpa": dpa, "groups": groups, "months": MONTH_NAMES, "page": page, "only_mismatched": only_mismatched,
        "mismatched_count": len(totals["mismatched"]), **totals,
        "can_edit": can_edit, "can_override": services.can_override(request.user, dpa),
        "past_quarters": sorted(past), "quarter_labels": QUARTER_LABELS,
        "crumbs": [(_("DPA dan anggaran kas"), f"{reverse('budgeting:dpa_list')}?ta={dpa.fiscal_year_id}"),
                   (dpa.nomor, None)],
    })


def _posted_months(request: HttpRequest) -> tuple[list[str], list[Decimal] | None, str]:
    raw = [request.POST.get(field, "").strip() for field in MONTH_FIELDS]
    parsed = []
    for index, text in enumerate(raw):
        try:
            parsed.append(to_decimal(text) if text else ZERO)
        except (InvalidOperation, ValueError):
            return raw, None, _("Anggaran kas %(month)s bukan angka: “%(text)s”.") % {
                "month": MONTH_NAMES[index], "text": text}
    return raw, parsed, ""


@login_required
@require_POST
def cash_plan_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one row of the grid. htmx gets the row back (with the error, or the current values after a version
    conflict) plus the refreshed totals; a plain form post is redirected to the DPA page with a message."""
    plan = services.cash_plan_for_user(user=request.user, pk=pk)
    if plan is None:
        raise Http404
    dpa = plan.dpa
    if not services.can_edit_cash_plan(request.user, dpa):
        raise PermissionDenied
    raw, months, error = _posted_months(request)
    conflict = False
    saved = False
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version, error = -1, error or _("Versi data tidak dikenali; muat ulang halaman.")
    if months is not None and not error:
        try:
            plan = services.cash_plan_set(actor=request.user, cash_plan=plan, months=months,
                                          expected_version=version)
            saved = True
        except ConflictError as exc:
            conflict, error = True, exc.message
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied from exc
            error = exc.message
    if not request.headers.get("HX-Request"):
        if saved:
            messages.success(request, _("Anggaran kas %(kode)s disimpan.") % {"kode": plan.account.kode})
        else:
            messages.error(request, error)
        return redirect("budgeting:dpa_detail", pk=dpa.pk)
    fresh = CashPlan.objects.select_related("account", "sub_activity").prefetch_related("overrides").get(pk=plan.pk)
    fresh.dpa = dpa
    values = None if (saved or conflict) else raw
    row = _row(fresh, past=_past(dpa), can_edit=True, values=values, error=error, conflict=conflict, saved=saved)
    if conflict:
        row["mine"] = raw
    response = render(request, "budgeting/dpa/_cash_row.html", {
        "row": row, "dpa": dpa, "can_edit": True, "can_override": services.can_override(request.user, dpa),
    })
    if saved:
        response["HX-Trigger"] = "kas-saved"  # the totals block reloads itself (dpa_totals)
    return response


@login_required
def dpa_totals(request: HttpRequest, pk: int) -> HttpResponse:
    """The month and quarter totals block of a DPA (reloaded by htmx after each saved row)."""
    dpa = services.dpa_for_user(user=request.user, pk=pk)
    if dpa is None:
        raise Http404
    totals = _dpa_totals(dpa)
    return render(request, "budgeting/dpa/_cash_totals.html", {
        "dpa": dpa, "months": MONTH_NAMES, "mismatched_count": len(totals["mismatched"]), **totals,
    })


@login_required
@require_http_methods(["GET", "POST"])
def quarter_override(request: HttpRequest, pk: int) -> HttpResponse:
    """The Sekda opens a past quarter of one cash plan, with a written reason (audited)."""
    plan = services.cash_plan_for_user(user=request.user, pk=pk)
    if plan is None:
        raise Http404
    dpa = plan.dpa
    if not services.can_override(request.user, dpa):
        raise PermissionDenied
    error: ApplicationError | None = None
    quarter = request.POST.get("quarter") or request.GET.get("triwulan", "")
    reason = request.POST.get("reason", "")
    if request.method == "POST":
        try:
            services.quarter_override_grant(actor=request.user, cash_plan=plan, quarter=quarter, reason=reason)
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("Izin triwulan %(q)s untuk %(kode)s diberikan.")
                             % {"q": QUARTER_LABELS.get(int(quarter), quarter), "kode": plan.account.kode})
            return redirect("budgeting:dpa_detail", pk=dpa.pk)
    return render(request, "budgeting/dpa/quarter_override.html", {
        "plan": plan, "dpa": dpa, "quarter": str(quarter), "reason": reason, "error": error,
        "quarters": list(QUARTER_LABELS.items()), "overrides": plan.overrides.select_related("approved_by"),
        "min_length": services.MIN_REASON_LENGTH,
        "crumbs": [(_("DPA dan anggaran kas"), reverse("budgeting:dpa_list")),
                   (dpa.nomor, reverse("budgeting:dpa_detail", args=[dpa.pk])), (_("Izin triwulan"), None)],
    }, status=200 if error is None else error.status_code)
