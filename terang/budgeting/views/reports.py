"""Staff pages of the official documents: the list of documents per agency and stage (RKA-SKPD, DPA-SKPD, APBD
summaries) with PDF/XLSX/CSV links, and the downloads themselves.

Who sees what: agency staff their agency's RKA and DPA; pemda-wide readers (`budget.view` over the pemda: TAPD,
BPKAD, Bappeda, Sekda, DPRD, auditors, administrators) every agency and the APBD summaries of any stage or of the
live budget. Summaries of a published stage are public and so shown to every staff member of that pemda.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from terang.accounts.permissions import can
from terang.core.errors import ApplicationError
from terang.org.models import Organisation
from terang.org.selectors import organisations_for_user

from .. import summaries
from ..choices import StageStatus
from ..models import BudgetLine, FiscalYear, Stage, StageLine
from ..reports import csv as csv_export
from ..reports import excel, pdf
from ..reports.tables import dpa_cash_table, rka_lines_table, summary_table
from ..services import dpa as dpa_services
from .dpa import fiscal_years_for_user, pick_fiscal_year

FORMATS = ("pdf", "xlsx", "csv")


def _frozen_stages(fy: FiscalYear) -> list[Stage]:
    return list(fy.stages.filter(status__in=[StageStatus.CLOSED, StageStatus.PUBLISHED]).order_by("sequence"))


def _stage_param(request: HttpRequest, fy: FiscalYear, stages: list[Stage] | None = None,
                 *, default_latest: bool = False) -> Stage | None:
    """?tahapan=<id> (a frozen stage of `fy`) or `terkini`/absent for the live budget; an unknown id → 404."""
    wanted = request.GET.get("tahapan", "")
    stages = stages if stages is not None else _frozen_stages(fy)
    if wanted in ("", "terkini"):
        return stages[-1] if (default_latest and wanted == "" and stages) else None
    for stage in stages:
        if str(stage.pk) == wanted:
            return stage
    raise Http404


def _fiscal_year(request: HttpRequest, pk: Any) -> FiscalYear:
    for fy in fiscal_years_for_user(request.user):
        if str(fy.pk) == str(pk):
            return fy
    raise Http404


def _pemda_wide(user: Any, fy: FiscalYear) -> bool:
    return can(user, "budget.view", fy.pemda)


def _summaries_visible(user: Any, fy: FiscalYear, stage: Stage | None) -> bool:
    return _pemda_wide(user, fy) or (stage is not None and stage.status == StageStatus.PUBLISHED)


def _paper(request: HttpRequest) -> str:
    return (request.GET.get("kertas") or "a4").lower()


def _attachment(response: HttpResponse, filename: str, *, inline: bool = False) -> HttpResponse:
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    """Documents of one fiscal year and stage: APBD summaries, each agency's RKA-SKPD, the DPA documents."""
    years = fiscal_years_for_user(request.user)
    fy = pick_fiscal_year(request, years)
    context: dict[str, Any] = {"years": years, "fiscal_year": fy, "crumbs": [(_("Anggaran"), None),
                                                                               (_("Dokumen dan ringkasan"), None)]}
    if fy is None:
        return render(request, "budgeting/reports/index.html", context)
    stages = _frozen_stages(fy)
    stage = _stage_param(request, fy, stages, default_latest=True)
    pemda_wide = _pemda_wide(request.user, fy)
    if pemda_wide:
        orgs = Organisation.objects.filter(pemda=fy.pemda)
    else:
        orgs = organisations_for_user(user=request.user, action="budget.view").filter(pemda=fy.pemda)
    if stage is None:
        totals = (BudgetLine.objects.filter(fiscal_year=fy, organisation__in=orgs).values("organisation_id")
                  .annotate(n=Count("id"), belanja=Sum("total", filter=Q(akun="5"))))
    else:
        totals = (StageLine.objects.filter(stage=stage, organisation_id__in=orgs.values("pk"))
                  .values("organisation_id").annotate(n=Count("id"), belanja=Sum("total", filter=Q(akun="5"))))
    per_org = {row["organisation_id"]: row for row in totals}
    agencies = [(org, per_org[org.pk]) for org in orgs.filter(pk__in=list(per_org)).order_by("kode")]
    dpas = list(dpa_services.dpa_list_for_user(user=request.user, fiscal_year=fy))
    context.update({
        "stages": stages, "stage": stage, "stage_param": stage.pk if stage else "terkini",
        "show_summaries": _summaries_visible(request.user, fy, stage), "summary_kinds": list(
            summaries.SUMMARY_KINDS.items()), "agencies": agencies, "dpas": dpas, "formats": FORMATS,
        "identity": summaries.apbd_identity(stage=stage, fiscal_year=fy if stage is None else None)
        if _summaries_visible(request.user, fy, stage) else None,
    })
    return render(request, "budgeting/reports/index.html", context)


def _bad_request(exc: ApplicationError) -> HttpResponse:
    return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")


@login_required
def report_summary(request: HttpRequest, fy: str, kind: str, fmt: str) -> HttpResponse:
    """One APBD summary of a stage (?tahapan=<id>) or of the live budget, as PDF (?kertas=a4|f4), XLSX or CSV."""
    fiscal_year = _fiscal_year(request, fy)
    stage = _stage_param(request, fiscal_year)
    if not _summaries_visible(request.user, fiscal_year, stage):
        raise Http404
    source = {"stage": stage} if stage is not None else {"fiscal_year": fiscal_year}
    filename = pdf.summary_filename(kind=kind, fiscal_year=fiscal_year, stage=stage, ext=fmt)
    try:
        if fmt == "pdf":
            content = pdf.render_summary_pdf(kind=kind, paper=_paper(request), **source)
            return _attachment(HttpResponse(content, content_type=pdf.CONTENT_TYPE), filename, inline=True)
        if fmt == "xlsx":
            return _attachment(HttpResponse(excel.summary_xlsx(kind, **source), content_type=excel.CONTENT_TYPE),
                               filename)
        return csv_export.csv_response(summary_table(kind, **source), filename)
    except ApplicationError as exc:
        return _bad_request(exc)


@login_required
def report_rka(request: HttpRequest, fy: str, organisation: str, fmt: str) -> HttpResponse:
    """The RKA-SKPD of one agency from a stage (?tahapan=<id>) or live, as PDF, XLSX or CSV."""
    fiscal_year = _fiscal_year(request, fy)
    org = Organisation.objects.select_related("pemda", "pemda__region").filter(
        pk=int(organisation), pemda=fiscal_year.pemda).first()
    if org is None or not can(request.user, "budget.view", org):
        raise Http404
    stage = _stage_param(request, fiscal_year)
    source = {"stage": stage} if stage is not None else {"fiscal_year": fiscal_year}
    filename = pdf.rka_filename(organisation=org, fiscal_year=fiscal_year, stage=stage, ext=fmt)
    try:
        if fmt == "pdf":
            content = pdf.render_rka_pdf(organisation=org, paper=_paper(request), **source)
            return _attachment(HttpResponse(content, content_type=pdf.CONTENT_TYPE), filename, inline=True)
        if fmt == "xlsx":
            content = excel.rka_xlsx(organisation=org, **source)
            return _attachment(HttpResponse(content, content_type=excel.CONTENT_TYPE), filename)
        return csv_export.csv_response(rka_lines_table(organisation=org, **source), filename)
    except ApplicationError as exc:
        return _bad_request(exc)


@login_required
def report_dpa(request: HttpRequest, pk: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """A DPA-SKPD as PDF (lines, cash plan per quarter and month, signatures), XLSX (lines + cash plan) or CSV
    (cash plan)."""
    dpa = dpa_services.dpa_for_user(user=request.user, pk=pk)
    if dpa is None:
        raise Http404
    filename = pdf.dpa_filename(dpa=dpa, ext=fmt)
    try:
        if fmt == "pdf":
            content = pdf.render_dpa_pdf(dpa=dpa, paper=_paper(request))
            return _attachment(HttpResponse(content, content_type=pdf.CONTENT_TYPE), filename, inline=True)
        if fmt == "xlsx":
            return _attachment(HttpResponse(excel.dpa_xlsx(dpa=dpa), content_type=excel.CONTENT_TYPE), filename)
        return csv_export.csv_response(dpa_cash_table(dpa=dpa), filename)
    except ApplicationError as exc:
        return _bad_request(exc)
