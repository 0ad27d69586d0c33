"""Public APBD pages (anonymous, read-only): overview, agency budgets down to every line, red flags, downloads.

Only published stages are shown; anything else answers 404. Every figure comes from the frozen lines of a
published stage through `terang.budgeting.selectors_public`.

The HTML pages are cached whole (`cached_page`) for anonymous visitors, in the "pages" cache that every worker
process shares. The published stage is chosen first (a draft answers 404 before the cache is asked), and the key
names the page (view, full path, host, language), the published stages of the year and of the pemda, and the state
of the red flags of the fiscal year — so a new publication, a flag dismissal or a flag refresh shows at once; names
read live (agencies, catalogue items) follow within PAGE_CACHE_SECONDS.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from terang.audit.models import DomainEvent
from terang.core.money import format_rupiah
from terang.org.models import Organisation

from .. import selectors_public as sel
from ..choices import FlagRule, FlagStatus, StageKind
from ..models import FiscalYear, RedFlag, Stage

CSV_CHUNK_ROWS = 500
SUMMARY_PDF_SECONDS = 24 * 3600
# Ringkasan APBD documents of the reports area, rendered from the published stage.
SUMMARY_PDF_KINDS = {
    "akun": gettext_lazy("Ringkasan APBD menurut akun (PDF)"),
    "opd": gettext_lazy("Ringkasan per perangkat daerah (PDF)"),
    "urusan": gettext_lazy("Belanja menurut urusan (PDF)"),
    "fungsi": gettext_lazy("Belanja menurut fungsi (PDF)"),
}


def short_rupiah(value: Decimal | None) -> str:
    """Rp 326,02 miliar — for big figures on small screens; the exact amount is always shown next to it."""
    if value is None:
        return ""
    amount = Decimal(value)
    for limit, unit in ((Decimal(10) ** 12, _("triliun")), (Decimal(10) ** 9, _("miliar")),
                        (Decimal(10) ** 6, _("juta"))):
        if abs(amount) >= limit:
            scaled = (amount / limit).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            return f"{format_rupiah(scaled)} {unit}"
    return format_rupiah(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Selection:
    """The fiscal year, its published stages and the stage chosen with ?tahapan= (default: the latest)."""

    fiscal_year: FiscalYear
    stages: list[Stage]
    stage: Stage

    @property
    def pemda(self) -> Any:
        return self.fiscal_year.pemda

    @property
    def is_latest(self) -> bool:
        return self.stage.pk == self.stages[-1].pk


def _select(request: HttpRequest, pemda: str, tahun: int) -> Selection:
    chosen = getattr(request, "_apbd_selection", None)
    if chosen is not None and chosen[0] == (pemda, tahun):
        return chosen[1]  # already chosen by cached_page for this request
    fiscal_year = sel.public_fiscal_year(pemda_kode=pemda, tahun=tahun)
    if fiscal_year is None:
        raise Http404
    stages = sel.public_stages(fiscal_year=fiscal_year)
    stage = sel.pick_stage(stages, request.GET.get("tahapan"))
    if stage is None:
        raise Http404
    return Selection(fiscal_year=fiscal_year, stages=stages, stage=stage)


def _stage_query(selection: Selection) -> str:
    """'?tahapan=<id>' unless the stage is the default (latest) one, so default URLs stay short and stable."""
    return "" if selection.is_latest else f"?tahapan={selection.stage.pk}"


def _with_stage(url: str, selection: Selection, **params: Any) -> str:
    query = {"tahapan": selection.stage.pk} if not selection.is_latest else {}
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    if not query:
        return url
    return f"{url}?{urlencode(query)}"


def _crumbs(selection: Selection | None = None, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    crumbs = [(_("Beranda"), reverse("portal:home")), (_("APBD"), reverse("apbd:index"))]
    if selection is not None:
        fy = selection.fiscal_year
        crumbs.append((f"{fy.pemda.nama} · {fy.tahun}",
                       _with_stage(reverse("apbd:overview", args=[fy.pemda.kode, fy.tahun]), selection)))
    crumbs.extend(extra)
    return crumbs


def _diff_url(selection: Selection, previous: Stage | None) -> str:
    """The public stage diff (stage area: apbd:banding ?dari=&ke=) from the previous published stage to this one."""
    if previous is None:
        return ""
    try:
        url = reverse("apbd:banding", args=[selection.fiscal_year.tahun])
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode({'dari': previous.pk, 'ke': selection.stage.pk})}"


def _stage_list_url(selection: Selection) -> str:
    """The public list of every stage of the year with windows and reopenings (stage area), when it exists."""
    try:
        url = reverse("apbd:tahapan_list", args=[selection.fiscal_year.tahun])
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode({'pemda': selection.fiscal_year.pemda.kode})}"


def _common(selection: Selection) -> dict[str, Any]:
    fy = selection.fiscal_year
    args = [fy.pemda.kode, fy.tahun]
    previous = sel.previous_stage(selection.stages, selection.stage)
    return {
        "fy": fy,
        "pemda": fy.pemda,
        "stages": selection.stages,
        "stage": selection.stage,
        "is_latest": selection.is_latest,
        "previous_stage": previous,
        "stage_query": _stage_query(selection),
        "overview_url": _with_stage(reverse("apbd:overview", args=args), selection),
        "flags_url": _with_stage(reverse("apbd:flags", args=args), selection),
        "diff_url": _diff_url(selection, previous),
        "stage_list_url": _stage_list_url(selection),
        "pdf_downloads": [
            (label, _with_stage(reverse("apbd:download_summary_pdf", args=[*args, kind]), selection))
            for kind, label in SUMMARY_PDF_KINDS.items()
        ],
        "downloads": [
            (_("Semua rincian (CSV)"), _with_stage(reverse("apbd:download_lines_csv", args=args), selection)),
            (_("Semua rincian (JSON)"), _with_stage(reverse("apbd:download_lines_json", args=args), selection)),
            (_("Ringkasan per perangkat daerah (CSV)"),
             _with_stage(reverse("apbd:download_by_organisation_csv", args=args), selection)),
            (_("Ringkasan per kode rekening (CSV)"),
             _with_stage(reverse("apbd:download_by_account_csv", args=args), selection)),
        ],
    }


# --------------------------------------------------------------------------------------------------------------
# Whole-page cache (anonymous visitors)

PAGE_CACHE_ALIAS = "pages"
PAGE_CACHE_SECONDS = 15 * 60
PAGE_CACHE_VERSION = 1
# Stands for the visitor's CSRF token in a stored page (the language switch is a POST form); a NUL byte cannot come
# from page content, so only the token is ever put in its place.
CSRF_PLACEHOLDER = "\x00terang-csrf\x00"
_SAFE_VALUE = re.compile(r"^[\w.-]{0,40}$")
_MAX_CACHED_PATH = 300


def page_cache() -> Any:
    """The cache holding rendered public pages: "pages" when configured (shared by the worker processes)."""
    return caches[PAGE_CACHE_ALIAS] if PAGE_CACHE_ALIAS in settings.CACHES else cache


def _cacheable(request: HttpRequest, params: frozenset[str]) -> bool:
    """Only anonymous visitors without a session or pending messages, and only URLs the page understands (each
    parameter once, short plain values): anything else — a search, a signed-in user — is rendered as usual."""
    if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    if getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in request.COOKIES:
        return False
    if len(request.get_full_path()) > _MAX_CACHED_PATH:
        return False
    for name, values in request.GET.lists():
        if name not in params or len(values) != 1 or not _SAFE_VALUE.match(values[0]):
            return False
    return True


def flags_stamp(fiscal_year: FiscalYear) -> tuple[Any, ...]:
    """What changes whenever the public red flags of the fiscal year may change: their number, the newest id, the
    dismissals (count, latest), and the latest event recorded on the fiscal year (every `flags_refresh` records
    FLAGS_REFRESHED there, also when it only rewrote a message)."""
    found = RedFlag.objects.filter(fiscal_year_id=fiscal_year.pk).aggregate(
        n=Count("pk"), last=Max("pk"), dismissed=Count("pk", filter=Q(status=FlagStatus.DISMISSED)),
        dismissed_at=Max("dismissed_at"))
    event = (DomainEvent.objects.filter(object_type=FiscalYear._meta.label_lower, object_id=str(fiscal_year.pk))
             .order_by("-seq").values_list("seq", flat=True).first())
    return (found["n"], found["last"], found["dismissed"],
            found["dismissed_at"].isoformat() if found["dismissed_at"] else "", event)


def _publications_stamp(fiscal_year: FiscalYear) -> tuple[Any, ...]:
    """Published stages of the pemda (any year): the year switcher and stage tabs change with them."""
    found = sel.published_stages().filter(pemda_id=fiscal_year.pemda_id).aggregate(
        n=Count("pk"), last=Max("published_at"), top=Max("pk"))
    return found["n"], found["last"].isoformat() if found["last"] else "", found["top"]


def page_cache_key(request: HttpRequest, view_name: str, selection: Selection) -> str:
    """The key of one rendered page: the page itself, the language, the stages and the red flags it shows."""
    parts = [
        view_name, request.get_full_path(), request.get_host(), request.scheme, get_language() or "",
        [(s.pk, s.published_at.isoformat() if s.published_at else "") for s in selection.stages],
        _publications_stamp(selection.fiscal_year), flags_stamp(selection.fiscal_year),
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return sel.stage_cache_key(selection.stage, f"page{PAGE_CACHE_VERSION}-{digest}")


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """render(), with the CSRF token left as a placeholder when the page is rendered for the cache."""
    if getattr(request, "_apbd_page_cache", False):
        context = {**context, "csrf_token": CSRF_PLACEHOLDER}
    return render(request, template, context)


def _with_visitor_token(request: HttpRequest, html: str, response: HttpResponse) -> HttpResponse:
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))  # this visitor's token (sets the cookie too)
    response.content = html.encode(response.charset)
    return response


def cached_page(*params: str) -> Any:
    """Serve a public APBD page from the page cache (see the module docstring); `params` are the query parameters
    the page understands besides `tahapan` (a request with any other one is rendered without the cache)."""
    allowed = frozenset(params) | {"tahapan"}

    def decorate(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, pemda: str, tahun: int, *args: Any, **kwargs: Any) -> HttpResponse:
            store = page_cache()
            if (isinstance(store, DummyCache) or not _cacheable(request, allowed)
                    or getattr(request.user, "is_authenticated", False)):
                return view(request, pemda, tahun, *args, **kwargs)
            selection = _select(request, pemda, tahun)  # published stages only: a draft is 404 before the cache
            request._apbd_selection = ((pemda, tahun), selection)  # type: ignore[attr-defined]
            key = page_cache_key(request, view.__name__, selection)
            stored = store.get(key)
            if stored is not None:
                html, content_type = stored
                response = _with_visitor_token(request, html, HttpResponse(content_type=content_type))
                response["X-Terang-Page-Cache"] = "hit"
                return response
            request._apbd_page_cache = True  # type: ignore[attr-defined]
            response = view(request, pemda, tahun, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            html = response.content.decode(response.charset)
            store.set(key, (html, response["Content-Type"]), PAGE_CACHE_SECONDS)
            response = _with_visitor_token(request, html, response)
            response["X-Terang-Page-Cache"] = "miss"
            return response

        return wrapper

    return decorate


# --------------------------------------------------------------------------------------------------------------
# Pages


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Pemda with published budgets, each year with its latest published stage."""
    entries = sel.public_apbd_index()
    return render(request, "budgeting/public/index.html", {
        "entries": entries,
        "crumbs": [(_("Beranda"), reverse("portal:home")), (_("APBD"), "")],
    })


@require_GET
def pemda_latest(request: HttpRequest, pemda: str) -> HttpResponse:
    """/apbd/<pemda>/ → the newest fiscal year with a published budget (a stage with lines, not only the KUA-PPAS
    ceilings of next year's planning), else the newest with any published stage; a notice when none is published."""
    years = sel.public_pemda_years(pemda_kode=pemda)
    if years:
        ceilings_only = {StageKind.KUA_PPAS, StageKind.KUPA_PPAS}
        with_lines = [y for y in years if any(stage.kind not in ceilings_only for stage in y.stages)]
        return redirect("apbd:overview", pemda, (with_lines or years)[0].tahun)
    known = sel.public_pemda(pemda_kode=pemda)
    if known is None:
        raise Http404
    return render(request, "budgeting/public/index.html", {
        "entries": [],
        "pemda": known,
        "crumbs": [(_("Beranda"), reverse("portal:home")), (_("APBD"), reverse("apbd:index")), (known.nama, "")],
    })


@require_GET
@cached_page()
def overview(request: HttpRequest, pemda: str, tahun: int) -> HttpResponse:
    """APBD overview of one published stage: identity, charts, per-capita figures, agencies."""
    selection = _select(request, pemda, tahun)
    fy, stage = selection.fiscal_year, selection.stage
    summary = sel.stage_summary(stage=stage)
    identity = summary.identity
    capita = sel.per_capita(identity=identity, region=fy.pemda.region)
    years = sel.public_pemda_years(pemda_kode=fy.pemda.kode)

    def org_url(org_id: int) -> str:
        return _with_stage(reverse("apbd:organisation", args=[fy.pemda.kode, fy.tahun, org_id]), selection)

    organisations: list[dict[str, Any]] = [
        {"total": org, "url": org_url(org.id), "belanja_short": short_rupiah(org.belanja),
         "share": (org.belanja / identity.belanja * 100) if identity.belanja else None}
        for org in summary.organisations
    ]
    chart = {
        "identity": {
            "labels": [_("Pendapatan"), _("Belanja"), _("Penerimaan pembiayaan"), _("Pengeluaran pembiayaan")],
            "values": [float(identity.pendapatan), float(identity.belanja), float(identity.penerimaan_pembiayaan),
                       float(identity.pengeluaran_pembiayaan)],
        },
        "treemaps": {
            "opd": sel.treemap_by_organisation(summary, url_for_org=org_url),
            "urusan": sel.treemap_by_urusan(summary),
            "akun": sel.treemap_by_account(summary),
        },
        "labels": {"total": _("Belanja daerah"), "share": _("dari belanja"), "lines": _("baris")},
    }
    belanja_groups = list(summary.account_groups(akun="5", level=2))
    pendapatan_groups = list(summary.account_groups(akun="4", level=2))
    context = {
        **_common(selection),
        "summary": summary,
        "identity": identity,
        "short": {key: short_rupiah(value) for key, value in identity.as_dict().items()},
        "capita": capita,
        "years": years,
        "organisations": organisations,
        "top_organisations": [o for o in organisations if o["total"].belanja > 0][:10],
        "belanja_groups": belanja_groups,
        "pendapatan_groups": pendapatan_groups,
        "chart": chart,
        "flag_count": sel.stage_flag_count(stage=stage),
        "crumbs": _crumbs(None, (f"{fy.pemda.nama} · {fy.tahun}", "")),
    }
    return _render(request, "budgeting/public/overview.html", context)


def _organisation_or_404(selection: Selection, org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id, pemda=selection.fiscal_year.pemda).first()
    if org is None:
        raise Http404
    return org


def _page_number(request: HttpRequest) -> Any:
    return request.GET.get("halaman") or request.GET.get("page") or 1


@require_GET
@cached_page("halaman", "page")
def organisation(request: HttpRequest, pemda: str, tahun: int, org_id: int) -> HttpResponse:
    """One agency's budget at a published stage: totals by sub-kegiatan and every line, 100 a page."""
    selection = _select(request, pemda, tahun)
    fy, stage = selection.fiscal_year, selection.stage
    org = _organisation_or_404(selection, org_id)
    summary = sel.stage_summary(stage=stage)
    org_total = summary.organisation(org.pk)
    blocks = sel.organisation_blocks(stage=stage, organisation_id=org.pk)
    q = (request.GET.get("q") or "").strip()[:100]
    paginator = Paginator(sel.public_lines(stage=stage, organisation_id=org.pk, q=q), sel.LINES_PER_PAGE)
    page = paginator.get_page(_page_number(request))
    lines = sel.resolve_lines(list(page.object_list), fiscal_year_id=fy.pk)
    base = reverse("apbd:organisation", args=[fy.pemda.kode, fy.tahun, org.pk])
    for block in blocks:
        if block.kode:
            sub_url = reverse("apbd:sub_activity", args=[fy.pemda.kode, fy.tahun, block.kode])
            block.url = _with_stage(sub_url, selection, opd=org.pk)
            block.accounts_url = _with_stage(sub_url, selection, opd=org.pk, bagian="rekening")
        else:  # revenue and financing lines of the agency: a few accounts, shown at once
            block.accounts = sel.sub_activity_totals(stage=stage, kode="", organisation_id=org.pk).accounts
    context = {
        **_common(selection),
        "org": org,
        "org_total": org_total,
        "short": {"belanja": short_rupiah(org_total.belanja if org_total else None),
                  "pendapatan": short_rupiah(org_total.pendapatan if org_total else None),
                  "pembiayaan_netto": short_rupiah(org_total.pembiayaan_netto if org_total else None)},
        "blocks": blocks,
        "q": q,
        "page": page,
        "groups": sel.group_lines(lines),
        "pager": _pager(page, lambda n: _with_stage(base, selection, q=q, halaman=n)),
        "form_action": base,
        "crumbs": _crumbs(selection, (org.nama, "")),
    }
    return _render(request, "budgeting/public/organisation.html", context)


@require_GET
@cached_page("opd", "bagian", "halaman", "page")
def sub_activity(request: HttpRequest, pemda: str, tahun: int, kode: str) -> HttpResponse:
    """Every line of one sub-kegiatan (of one agency with ?opd=<id>) at a published stage."""
    selection = _select(request, pemda, tahun)
    fy, stage = selection.fiscal_year, selection.stage
    org = None
    opd = request.GET.get("opd")
    if opd:
        try:
            org = _organisation_or_404(selection, int(opd))
        except ValueError as exc:
            raise Http404 from exc
    if request.GET.get("bagian") == "rekening":  # the account totals, loaded when a block of the agency page opens
        totals = sel.sub_activity_totals(stage=stage, kode=kode, organisation_id=org.pk if org else None)
        if not totals.lines:
            raise Http404
        return _render(request, "budgeting/public/_sub_accounts.html", {"accounts": totals.accounts})
    lines_qs = sel.public_lines(stage=stage, organisation_id=org.pk if org else None, sub_kegiatan=kode)
    paginator = Paginator(lines_qs, sel.LINES_PER_PAGE)
    page = paginator.get_page(_page_number(request))
    if paginator.count == 0:
        raise Http404
    lines = sel.resolve_lines(list(page.object_list), fiscal_year_id=fy.pk)
    reference = sel.program_reference(kode)
    totals = sel.sub_activity_totals(stage=stage, kode=kode, organisation_id=org.pk if org else None)
    base = reverse("apbd:sub_activity", args=[fy.pemda.kode, fy.tahun, kode])
    crumbs_extra: list[tuple[str, str]] = []
    if org is not None:
        crumbs_extra.append((org.nama, _with_stage(reverse("apbd:organisation", args=[fy.pemda.kode, fy.tahun, org.pk]),
                                                   selection)))
    crumbs_extra.append((kode, ""))
    context = {
        **_common(selection),
        "org": org,
        "sub_hidden": [("opd", org.pk)] if org else [],
        "kode": kode,
        "nama": sel.program_names([kode]).get(kode, ""),
        "reference": reference,
        "totals": totals,
        "page": page,
        "groups": sel.group_lines(lines),
        "pager": _pager(page, lambda n: _with_stage(base, selection, opd=org.pk if org else None, halaman=n)),
        "crumbs": _crumbs(selection, *crumbs_extra),
    }
    return _render(request, "budgeting/public/sub_activity.html", context)


@require_GET
@cached_page("aturan", "status", "halaman", "page")
def flags(request: HttpRequest, pemda: str, tahun: int) -> HttpResponse:
    """Red flags raised on the lines of a published stage, with their status and dismissal reasons."""
    selection = _select(request, pemda, tahun)
    fy, stage = selection.fiscal_year, selection.stage
    rule = request.GET.get("aturan") or ""
    status = request.GET.get("status") or ""
    if rule not in FlagRule.values:
        rule = ""
    if status not in FlagStatus.values:
        status = ""
    flags_qs = sel.public_stage_flags(stage=stage, rule=rule, status=status)
    paginator = Paginator(flags_qs, sel.LINES_PER_PAGE)
    page = paginator.get_page(_page_number(request))
    page_flags = list(page.object_list)
    stage_lines = sel.stage_lines_by_key(stage=stage, line_keys=[f.line_key for f in page_flags])
    rows = []
    for flag in page_flags:
        line = stage_lines.get(flag.line_key) if flag.line_key else None
        rows.append({
            "flag": flag,
            "line": line,
            "org_url": _with_stage(reverse("apbd:organisation", args=[fy.pemda.kode, fy.tahun, flag.organisation_id]),
                                   selection),
            "line_url": (_with_stage(reverse("apbd:sub_activity", args=[fy.pemda.kode, fy.tahun,
                                                                       line.sub_kegiatan_kode]),
                                     selection, opd=flag.organisation_id) + f"#baris-{line.line_key}")
            if line is not None and line.sub_kegiatan_kode else "",
        })
    base = reverse("apbd:flags", args=[fy.pemda.kode, fy.tahun])
    context = {
        **_common(selection),
        "rows": rows,
        "page": page,
        "rule": rule,
        "status": status,
        "rules": FlagRule.choices,
        "statuses": FlagStatus.choices,
        "pager": _pager(page, lambda n: _with_stage(base, selection, aturan=rule, status=status, halaman=n)),
        "form_action": base,
        "crumbs": _crumbs(selection, (_("Tanda bahaya"), "")),
    }
    return _render(request, "budgeting/public/flags.html", context)


def _pager(page: Any, url_for: Any) -> dict[str, Any]:
    """Previous/next links and a short window of page numbers."""
    paginator = page.paginator
    window = list(range(max(1, page.number - 2), min(paginator.num_pages, page.number + 2) + 1))
    return {
        "show": paginator.num_pages > 1,
        "previous": url_for(page.previous_page_number()) if page.has_previous() else "",
        "next": url_for(page.next_page_number()) if page.has_next() else "",
        "pages": [(n, url_for(n), n == page.number) for n in window],
        "first": url_for(1) if window and window[0] > 1 else "",
        "last": url_for(paginator.num_pages) if window and window[-1] < paginator.num_pages else "",
        "num_pages": paginator.num_pages,
        "count": paginator.count,
        "start": page.start_index(),
        "end": page.end_index(),
    }


# --------------------------------------------------------------------------------------------------------------
# Downloads (streamed: memory stays flat whatever the number of lines)


class _Echo:
    """A file-like object whose write() returns the text, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(header: list[str], rows: Iterator[Sequence[Any]]) -> Iterator[str]:
    """CSV text in chunks of CSV_CHUNK_ROWS lines: booleans as true/false, None as empty, everything else as is."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([("true" if v else "false") if isinstance(v, bool) else v for v in row]))
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"


@require_GET
def download_lines_csv(request: HttpRequest, pemda: str, tahun: int) -> StreamingHttpResponse:
    """Every line of the stage as CSV (one row per line, Indonesian column names)."""
    selection = _select(request, pemda, tahun)
    rows = sel.iter_line_values(stage=selection.stage)
    response = StreamingHttpResponse(_csv_stream(sel.LINE_EXPORT_FIELDS, rows), content_type="text/csv; charset=utf-8")
    _attachment(response, sel.download_filename(fiscal_year=selection.fiscal_year, stage=selection.stage,
                                                part="rincian", ext="csv"))
    return response


def _json_stream(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    buffer: list[str] = []
    for record in records:
        text = json.dumps(record, ensure_ascii=False)
        buffer.append(("\n" if first else ",\n") + text)
        first = False
        if len(buffer) >= CSV_CHUNK_ROWS:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer) + "\n]\n"


@require_GET
def download_lines_json(request: HttpRequest, pemda: str, tahun: int) -> StreamingHttpResponse:
    """Every line of the stage as a JSON array of objects (money as strings, like the API)."""
    selection = _select(request, pemda, tahun)
    records = sel.iter_line_records(stage=selection.stage)
    response = StreamingHttpResponse(_json_stream(records), content_type="application/json; charset=utf-8")
    _attachment(response, sel.download_filename(fiscal_year=selection.fiscal_year, stage=selection.stage,
                                                part="rincian", ext="json"))
    return response


ORGANISATION_SUMMARY_FIELDS = ["tahapan", "kode_perangkat_daerah", "perangkat_daerah", "pendapatan", "belanja",
                               "penerimaan_pembiayaan", "pengeluaran_pembiayaan", "belum_dirinci", "jumlah_baris"]
ACCOUNT_SUMMARY_FIELDS = ["tahapan", "kode_rekening", "nama_rekening", "tingkat", "jumlah", "jumlah_baris"]


@require_GET
def download_by_organisation_csv(request: HttpRequest, pemda: str, tahun: int) -> StreamingHttpResponse:
    """Totals per agency of the stage."""
    selection = _select(request, pemda, tahun)
    summary = sel.stage_summary(stage=selection.stage)
    nama = selection.stage.nama
    plain = sel.plain_decimal
    rows = ([nama, o.kode, o.nama, plain(o.pendapatan), plain(o.belanja), plain(o.penerimaan_pembiayaan),
             plain(o.pengeluaran_pembiayaan), plain(o.belum_dirinci), o.lines]
            for o in sorted(summary.organisations, key=lambda o: o.kode))
    response = StreamingHttpResponse(_csv_stream(ORGANISATION_SUMMARY_FIELDS, rows),
                                     content_type="text/csv; charset=utf-8")
    _attachment(response, sel.download_filename(fiscal_year=selection.fiscal_year, stage=selection.stage,
                                                part="ringkasan-opd", ext="csv"))
    return response


@require_GET
def download_by_account_csv(request: HttpRequest, pemda: str, tahun: int) -> StreamingHttpResponse:
    """Totals per account code at every level (akun … sub rincian objek) of the stage."""
    selection = _select(request, pemda, tahun)
    summary = sel.stage_summary(stage=selection.stage)
    nama = selection.stage.nama
    rows = ([nama, a.kode, a.nama, a.level, sel.plain_decimal(a.total), a.lines] for a in summary.accounts)
    response = StreamingHttpResponse(_csv_stream(ACCOUNT_SUMMARY_FIELDS, rows), content_type="text/csv; charset=utf-8")
    _attachment(response, sel.download_filename(fiscal_year=selection.fiscal_year, stage=selection.stage,
                                                part="ringkasan-rekening", ext="csv"))
    return response


@require_GET
def download_summary_pdf(request: HttpRequest, pemda: str, tahun: int, kind: str) -> HttpResponse:
    """A Ringkasan APBD (reports area, WeasyPrint) of the published stage; cached, since the stage never changes."""
    if kind not in SUMMARY_PDF_KINDS:
        raise Http404
    selection = _select(request, pemda, tahun)
    key = sel.stage_cache_key(selection.stage, f"pdf-{kind}")
    content = cache.get(key)
    if content is None:
        from ..reports import pdf  # WeasyPrint is heavy: load it only when a PDF is asked for

        content = pdf.render_summary_pdf(kind=kind, stage=selection.stage)
        cache.set(key, content, SUMMARY_PDF_SECONDS)
    response = HttpResponse(content, content_type="application/pdf")
    _attachment(response, sel.download_filename(fiscal_year=selection.fiscal_year, stage=selection.stage,
                                                part=f"ringkasan-{kind}", ext="pdf"))
    return response
