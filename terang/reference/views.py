"""Public pages of the national code lists: index, one searchable list per code list, one page per code."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from terang.core.errors import NotFoundError

from . import codes, selectors
from .code_lists import CodeList
from .models import Account, ProgramCode

PAGE_SIZE = 50


def _list_or_404(slug: str) -> CodeList:
    try:
        return selectors.code_list(slug)
    except NotFoundError as exc:
        raise Http404 from exc


def _crumbs(*items: tuple[Any, str]) -> list[tuple[Any, str]]:
    return [(_("Beranda"), reverse("portal:home")), (_("Referensi"), reverse("reference:index")), *items]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    versions = list(selectors.public_versions())
    counts = selectors.public_version_counts()
    summaries = selectors.public_code_list_summaries()
    version_rows = [
        {
            "version": v,
            "counts": [(s["list"], counts.get(v.pk, {}).get(s["list"].slug, 0)) for s in summaries],
        }
        for v in versions
    ]
    context = {
        "summaries": summaries,
        "version_rows": version_rows,
        "crumbs": [(_("Beranda"), reverse("portal:home")), (_("Referensi"), "")],
    }
    return render(request, "reference/index.html", context)


@require_GET
def code_list(request: HttpRequest, slug: str) -> HttpResponse:
    cl = _list_or_404(slug)
    q = request.GET.get("q", "").strip()[:200]
    versi = request.GET.get("versi", "").strip()[:60]
    tingkat = request.GET.get("tingkat", "").strip()[:30]
    induk = request.GET.get("induk", "").strip()[:60]
    parent = selectors.public_code(cl, induk) if induk else None
    if induk and parent is None:
        raise Http404
    if parent is not None:
        induk = parent.kode
    qs = selectors.public_codes(cl, q=q, versi=versi, tingkat=tingkat, induk=induk)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v for k, v in {"q": q, "versi": versi, "tingkat": tingkat, "induk": induk}.items() if v}
    crumbs = [(cl.title, reverse("reference:list", args=[cl.slug]) if parent else "")]
    if parent is not None:
        for node in [*selectors.code_ancestors(parent), parent]:
            crumbs.append((node.kode, reverse("reference:detail", args=[cl.slug, node.kode])))
        crumbs.append((_("Rincian"), ""))
    context = {
        "cl": cl,
        "page": page,
        "rows": list(page.object_list),
        "q": q,
        "versi": versi,
        "tingkat": tingkat,
        "induk": induk,
        "parent": parent,
        "versions": list(selectors.versions_for_list(cl)),
        "levels": cl.levels.choices,
        "query_string": urlencode(filters),
        "is_code_search": bool(q) and codes.looks_like_code(q),
        "is_program": cl.model is ProgramCode,
        "api_url": reverse(f"v1:reference-{cl.slug}-list"),
        "crumbs": _crumbs(*crumbs),
    }
    return render(request, "reference/list.html", context)


@require_GET
def code_detail(request: HttpRequest, slug: str, kode: str) -> HttpResponse:
    cl = _list_or_404(slug)
    obj = selectors.public_code(cl, kode)
    if obj is None:
        raise Http404
    ancestors = selectors.code_ancestors(obj)
    children = list(selectors.code_children(obj)[:200])
    expanded = None
    if cl.model is ProgramCode and obj.kode != kode and not codes.is_support_code(kode):
        try:
            candidate = codes.normalize_program_code(kode)
        except codes.InvalidCodeError:
            candidate = ""
        expanded = candidate if candidate and candidate != obj.kode else None
    crumbs = [(cl.title, reverse("reference:list", args=[cl.slug]))]
    crumbs += [(a.kode, reverse("reference:detail", args=[cl.slug, a.kode])) for a in ancestors]
    crumbs.append((obj.kode, ""))
    context = {
        "cl": cl,
        "obj": obj,
        "level_label": cl.level_label(obj.tingkat),  # type: ignore[attr-defined]
        "ancestors": ancestors,
        "children": children,
        "children_total": selectors.code_children(obj).count() if len(children) == 200 else len(children),
        "versions": list(obj.versions.all()),  # type: ignore[attr-defined]
        "expanded": expanded,
        "is_program": cl.model is ProgramCode,
        "is_account": cl.model is Account,
        "forms": _other_forms(cl, obj.kode),
        "crumbs": _crumbs(*crumbs),
    }
    return render(request, "reference/detail.html", context)


def _other_forms(cl: CodeList, kode: str) -> list[tuple[str, str]]:
    """The same code written in the other widths of its scheme (shown so users can match old documents)."""
    out = []
    labels = {
        "permendagri-90-2019": _("Format Permendagri 90/2019"),
        "900.1-861/2026": _("Format Kepmendagri 900.1-861/2026"),
    }
    for form, label in labels.items():
        if form not in cl.scheme.forms or "X" in kode:
            continue
        if len(kode.split(".")) != cl.scheme.max_segments:
            continue
        try:
            written = codes.to_form(kode, cl.scheme, form)
        except codes.InvalidCodeError:
            continue
        if written != kode:
            out.append((label, written))
    return out
