"""Staff pages of the official documents: the list of documents per agency and stage (RKA-SKPD, DPA-SKPD, APBD
summaries) with PDF/XLSX/CSV links, and the downloads themselves.

Who sees what: agency staff their agency's RKA and DPA; pemda-wide readers (`budget.view` over the pemda: TAPD,
BPKAD, Bappeda, Sekda, DPRD, auditors, administrators) every agency and the APBD summaries of any stage or of the
live budget. Summaries of a published stage are public and so shown to every staff member of that pemda.

PDFs come from the report cache (reports/cache.py): a frozen stage's document is rendered once; live documents are
kept per fingerprint of their data. A document of more than `SYNC_LINE_LIMIT` lines that is not cached yet is
rendered by a background task while the page polls its status URL every 3 s (HTMX) and then offers the download,
which the same PDF URL serves from the cache. The status URLs check exactly what the downloads check.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from terang.accounts.permissions import can
from terang.core.errors import ApplicationError
from terang.org.models import Organisation
from terang.org.selectors import organisations_for_user

from .. import summaries
from ..choices import StageStatus
from ..models import BudgetLine, FiscalYear, Stage, StageLine
from ..reports import cache, excel, pdf
from ..reports import csv as csv_export
from ..reports.tables import dpa_cash_table, rka_lines_table, summary_table
from ..services import dpa as dpa_services
from .dpa import fiscal_years_for_user, pick_fiscal_year

FORMATS = ("pdf", "xlsx", "csv")
R = TypeVar("R", bound=HttpResponseBase)
POLL_SECONDS = 3


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


def _attachment(response: R, filename: str, *, inline: bool = False) -> R:
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


# --- PDFs: from the report cache, rendered in the request when small, in the background when large ------------------


def _query(request: HttpRequest) -> str:
    keep = {k: str(request.GET[k]) for k in ("tahapan", "kertas") if k in request.GET}
    return ("?" + urlencode(keep)) if keep else ""


def _file_response(document: cache.PdfDocument, filename: str) -> FileResponse | None:
    """The cached file as the same inline PDF response as a fresh render, or None when it is not (or no longer)
    there."""
    handle = document.open_cached()
    if handle is None:
        return None
    return _attachment(FileResponse(handle, content_type=pdf.CONTENT_TYPE), filename, inline=True)


def _pdf_response(request: HttpRequest, document: cache.PdfDocument, *, filename: str, download_url: str,
                  status_url: str) -> HttpResponseBase:
    """The cached file; else a small document rendered now (and kept); else the "being prepared" page that polls."""
    response = _file_response(document, filename)
    if response is None and not document.is_large:
        document.render_and_store()
        response = _file_response(document, filename)
    if response is None:
        document.enqueue()
        response = _file_response(document, filename)  # a backend that runs tasks at once has made it
    if response is not None:
        return response
    context = _status_context(document, filename=filename, download_url=download_url, status_url=status_url,
                              state="pending")
    context["crumbs"] = [(_("Anggaran"), None), (_("Dokumen dan ringkasan"), reverse("budgeting:report_index")),
                         (filename, None)]
    return render(request, "budgeting/reports/preparing.html", context, status=202)


def _status_context(document: cache.PdfDocument, *, filename: str, download_url: str, status_url: str,
                    state: str) -> dict[str, Any]:
    return {"state": state, "filename": filename, "download_url": download_url, "status_url": status_url,
            "line_count": document.line_count, "poll_seconds": POLL_SECONDS}


def _pdf_status(request: HttpRequest, document: cache.PdfDocument, *, filename: str, download_url: str,
                status_url: str) -> HttpResponse:
    """The polled fragment: ready (download link), failed (try again), or still being prepared (polls again).

    A finished task whose file is missing means the data changed while it rendered (the file went under the key of
    the newer data, or an even newer change came): the document is enqueued again for the current data."""
    from django_tasks import TaskResultStatus

    state = "pending"
    if document.cached_path() is not None:
        state = "ready"
    else:
        task = document.latest_task()
        if task is not None and task.status == TaskResultStatus.FAILED:
            state = "failed"
        elif task is None or task.status == TaskResultStatus.SUCCESSFUL:
            document.enqueue()
            if document.cached_path() is not None:
                state = "ready"
    context = _status_context(document, filename=filename, download_url=download_url, status_url=status_url,
                              state=state)
    return render(request, "budgeting/reports/_pdf_status.html", context)


def _rka_scope(request: HttpRequest, fy: str, organisation: str) -> tuple[FiscalYear, Organisation, Stage | None]:
    """The fiscal year, agency and stage of an RKA-SKPD link, or 404 when the user may not see that agency."""
    fiscal_year = _fiscal_year(request, fy)
    org = Organisation.objects.select_related("pemda", "pemda__region").filter(
        pk=int(organisation), pemda=fiscal_year.pemda).first()
    if org is None or not can(request.user, "budget.view", org):
        raise Http404
    return fiscal_year, org, _stage_param(request, fiscal_year)


def _rka_pdf(request: HttpRequest, fiscal_year: FiscalYear, org: Organisation, stage: Stage | None, *,
             poll: bool) -> HttpResponseBase:
    paper = _paper(request)
    pdf.paper_size(paper)  # an unknown paper is refused before anything is looked up or enqueued
    document = cache.rka_pdf_document(organisation=org, fiscal_year=fiscal_year, stage=stage, paper=paper)
    args = [fiscal_year.pk, org.pk]
    urls = {"filename": pdf.rka_filename(organisation=org, fiscal_year=fiscal_year, stage=stage, ext="pdf"),
            "download_url": reverse("budgeting:report_rka", args=[*args, "pdf"]) + _query(request),
            "status_url": reverse("budgeting:report_rka_status", args=args) + _query(request)}
    return (_pdf_status if poll else _pdf_response)(request, document, **urls)


def _dpa_pdf(request: HttpRequest, dpa: Any, *, poll: bool) -> HttpResponseBase:
    paper = _paper(request)
    pdf.paper_size(paper)
    document = cache.dpa_pdf_document(dpa=dpa, paper=paper)
    urls = {"filename": pdf.dpa_filename(dpa=dpa, ext="pdf"),
            "download_url": reverse("budgeting:report_dpa", args=[dpa.pk, "pdf"]) + _query(request),
            "status_url": reverse("budgeting:report_dpa_status", args=[dpa.pk]) + _query(request)}
    return (_pdf_status if poll else _pdf_response)(request, document, **urls)


@login_required
def report_summary(request: HttpRequest, fy: str, kind: str, fmt: str) -> HttpResponseBase:
    """One APBD summary of a stage (?tahapan=<id>) or of the live budget, as PDF (?kertas=a4|f4), XLSX or CSV.
    The PDF of a frozen stage is kept in the report cache; summaries are short and always rendered in the request."""
    fiscal_year = _fiscal_year(request, fy)
    stage = _stage_param(request, fiscal_year)
    if not _summaries_visible(request.user, fiscal_year, stage):
        raise Http404
    source = {"stage": stage} if stage is not None else {"fiscal_year": fiscal_year}
    filename = pdf.summary_filename(kind=kind, fiscal_year=fiscal_year, stage=stage, ext=fmt)
    try:
        if fmt == "pdf":
            paper = _paper(request)
            if stage is None:
                content = pdf.render_summary_pdf(kind=kind, paper=paper, **source)
                return _attachment(HttpResponse(content, content_type=pdf.CONTENT_TYPE), filename, inline=True)
            pdf.paper_size(paper)
            document = cache.summary_pdf_document(kind=kind, fiscal_year=fiscal_year, stage=stage, paper=paper)
            cached = _file_response(document, filename)
            if cached is None:
                document.render_and_store()
                cached = _file_response(document, filename)
            if cached is not None:
                return cached
            # replaced by a render of newer data at this very moment
            return _attachment(HttpResponse(document.render(), content_type=pdf.CONTENT_TYPE), filename, inline=True)
        if fmt == "xlsx":
            return _attachment(HttpResponse(excel.summary_xlsx(kind, **source), content_type=excel.CONTENT_TYPE),
                               filename)
        return csv_export.csv_response(summary_table(kind, **source), filename)
    except ApplicationError as exc:
        return _bad_request(exc)


@login_required
def report_rka(request: HttpRequest, fy: str, organisation: str, fmt: str) -> HttpResponseBase:
    """The RKA-SKPD of one agency from a stage (?tahapan=<id>) or live, as PDF, XLSX or CSV. A PDF of more than
    `SYNC_LINE_LIMIT` lines that is not in the cache yet answers 202 with a page that polls until it is ready."""
    fiscal_year, org, stage = _rka_scope(request, fy, organisation)
    source = {"stage": stage} if stage is not None else {"fiscal_year": fiscal_year}
    filename = pdf.rka_filename(organisation=org, fiscal_year=fiscal_year, stage=stage, ext=fmt)
    try:
        if fmt == "pdf":
            return _rka_pdf(request, fiscal_year, org, stage, poll=False)
        if fmt == "xlsx":
            content = excel.rka_xlsx(organisation=org, **source)
            return _attachment(HttpResponse(content, content_type=excel.CONTENT_TYPE), filename)
        return csv_export.csv_response(rka_lines_table(organisation=org, **source), filename)
    except ApplicationError as exc:
        return _bad_request(exc)


@login_required
def report_rka_status(request: HttpRequest, fy: str, organisation: str) -> HttpResponseBase:
    """Polled by the "being prepared" page of a large RKA-SKPD PDF (same visibility as the PDF itself)."""
    fiscal_year, org, stage = _rka_scope(request, fy, organisation)
    try:
        return _rka_pdf(request, fiscal_year, org, stage, poll=True)
    except ApplicationError as exc:
        return _bad_request(exc)


@login_required
def report_dpa(request: HttpRequest, pk: str, fmt: str) -> HttpResponseBase:
    """A DPA-SKPD as PDF (lines, cash plan per quarter and month, signatures), XLSX (lines + cash plan) or CSV
    (cash plan)."""
    dpa = dpa_services.dpa_for_user(user=request.user, pk=pk)
    if dpa is None:
        raise Http404
    filename = pdf.dpa_filename(dpa=dpa, ext=fmt)
    try:
        if fmt == "pdf":
            return _dpa_pdf(request, dpa, poll=False)
        if fmt == "xlsx":
            return _attachment(HttpResponse(excel.dpa_xlsx(dpa=dpa), content_type=excel.CONTENT_TYPE), filename)
        return csv_export.csv_response(dpa_cash_table(dpa=dpa), filename)
    except ApplicationError as exc:
        return _bad_request(exc)


@login_required
def report_dpa_status(request: HttpRequest, pk: str) -> HttpResponseBase:
    """Polled by the "being prepared" page of a large DPA-SKPD PDF."""
    dpa = dpa_services.dpa_for_user(user=request.user, pk=pk)
    if dpa is None:
        raise Http404
    try:
        return _dpa_pdf(request, dpa, poll=True)
    except ApplicationError as exc:
        return _bad_request(exc)
