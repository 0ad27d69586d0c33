"""Staff pages of RKA entry: an agency's RKA, the line editor of one sub-kegiatan, revenue/financing lines, search
endpoints for accounts and catalogue items, and the Excel import/export.

Every write goes through terang.budgeting.services.lines; these views parse, call, and render. Without JavaScript
the forms POST and redirect; with htmx a save answers only what changed (the row, the group subtotals and the
running totals) and a refused save answers the row again with what the user typed, the service's message and,
for a stale version, both versions side by side.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from terang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from terang.core.money import format_number

from .. import selectors
from ..calc import line_amounts
from ..choices import LineType
from ..forms import (
    LineForm,
    RkaImportForm,
    SubActivityForm,
    line_initial,
    line_values,
    parse_decimal,
    sub_activity_initial,
    sumber_dana_choices,
)
from ..models import BudgetLine, FiscalYear, PriceItem, SubActivityBudget
from ..services import lines as line_services

# Where ApplicationError.field points in the editor row.
FIELD_INPUT = {"account": "account", "price_item": "komponen", "harga_satuan": "harga_satuan", "vol1": "vol1",
               "vol2": "vol2", "vol3": "vol3", "vol4": "vol4", "sumber_dana": "sumber_dana", "kode": "kode"}
KEEP_ON_NEXT_ENTRY = ("account", "kelompok", "keterangan", "sumber_dana")
IMPORT_SIGNING_SCOPE = "terang.budgeting.rka_import"
IMPORT_SIGNING_MAX_AGE = 3600


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- grouping ---------------------------------------------------------------------------------------------------


def _h(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]


def group_ids(account_id: int, kelompok: str, keterangan: str) -> tuple[str, str, str]:
    """DOM ids of the account, [#] group and [-] note groups of a line (stable across renders)."""
    account = f"ga{account_id}"
    group = f"{account}-k{_h(kelompok)}"
    return account, group, f"{group}-t{_h(keterangan)}"


@dataclass
class NoteGroup:
    name: str
    gid: str
    total: Decimal = Decimal(0)
    lines: list[BudgetLine] = field(default_factory=list)


@dataclass
class KelompokGroup:
    name: str
    gid: str
    total: Decimal = Decimal(0)
    notes: list[NoteGroup] = field(default_factory=list)


@dataclass
class AccountGroup:
    account: Any
    gid: str
    total: Decimal = Decimal(0)
    kelompoks: list[KelompokGroup] = field(default_factory=list)


def group_lines(lines: list[BudgetLine]) -> list[AccountGroup]:
    """account → [#] kelompok → [-] keterangan → lines (lines already sorted that way)."""
    out: list[AccountGroup] = []
    for line in lines:
        gid_a, gid_k, gid_t = group_ids(line.account_id, line.kelompok, line.keterangan)
        if not out or out[-1].gid != gid_a:
            out.append(AccountGroup(line.account, gid_a))
        account = out[-1]
        if not account.kelompoks or account.kelompoks[-1].gid != gid_k:
            account.kelompoks.append(KelompokGroup(line.kelompok, gid_k))
        kelompok = account.kelompoks[-1]
        if not kelompok.notes or kelompok.notes[-1].gid != gid_t:
            kelompok.notes.append(NoteGroup(line.keterangan, gid_t))
        note = kelompok.notes[-1]
        note.lines.append(line)
        for group in (account, kelompok, note):
            group.total += line.total
    return out


# --- page context -------------------------------------------------------------------------------------------------


@dataclass
class RowState:
    """A row in edit (or entry) mode: what the user typed, and why it was refused."""

    values: dict[str, Any]
    error: ApplicationError | None = None
    conflict: Conflict | None = None
    line: BudgetLine | None = None

    @property
    def invalid(self) -> str:
        if self.error is None or not self.error.field:
            return ""
        return FIELD_INPUT.get(self.error.field, "")


@dataclass
class Conflict:
    """A stale save: the user's version next to the saved one."""

    message: str
    saved: BudgetLine
    yours: dict[str, Any]
    current_version: int

    @property
    def saved_by(self) -> str:
        user = self.saved.updated_by
        if user is None:
            return _("sistem")
        name, username = user.display_name, user.get_username()
        return f"{name} ({username})" if name and name != username else username

    @property
    def saved_at(self) -> datetime:
        return self.saved.updated_at


def _yours(values: dict[str, Any], fiscal_year: FiscalYear) -> dict[str, Any]:
    """The user's typed line, formatted like a saved one (the total is a preview)."""
    vols = [parse_decimal(values.get(f"vol{i}")) for i in range(1, 5)]
    parts = [f"{format_number(v)} {values.get(f'sat{i}', '')}".strip()
             for i, v in enumerate(vols, 1) if v is not None]
    harga = parse_decimal(values.get("harga_satuan"))
    total = None
    undetailed = values.get("line_type") == LineType.UNDETAILED
    if harga is None and not undetailed and str(values.get("price_item") or "").isdigit():
        harga = (PriceItem.objects.filter(pk=int(values["price_item"]), fiscal_year=fiscal_year)
                 .values_list("harga", flat=True).first())
    vol1 = Decimal(1) if undetailed else vols[0]
    if harga is not None and vol1 is not None:
        amounts = line_amounts(vol1=vol1, vol2=None if undetailed else vols[1],
                               vol3=None if undetailed else vols[2], vol4=None if undetailed else vols[3],
                               harga_satuan=harga, ppn=bool(values.get("ppn")) and not undetailed,
                               ppn_rate=fiscal_year.ppn_rate)
        total = amounts.total
    return {"account": values.get("account", ""), "komponen": values.get("komponen", ""),
            "uraian": values.get("uraian", ""), "kelompok": values.get("kelompok", ""),
            "keterangan": values.get("keterangan", ""), "koefisien": " x ".join(parts), "harga": harga,
            "ppn": bool(values.get("ppn")), "total": total, "undetailed": undetailed}


def _entry_values(previous: dict[str, Any] | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {"line_type": LineType.ITEM, "ppn": False}
    for name in KEEP_ON_NEXT_ENTRY:
        values[name] = (previous or {}).get(name, "")
    return values


def _editor_context(request: HttpRequest, sub: SubActivityBudget, *, edit: RowState | None = None,
                    entry: RowState | None = None) -> dict[str, Any]:
    state = selectors.entry_state(user=request.user, fiscal_year=sub.fiscal_year, organisation=sub.organisation,
                                  sub=sub)
    lines = selectors.lines_of_sub_activity(sub)
    edit_id = None
    if edit is None and state.editable and request.GET.get("ubah"):
        try:
            edit_id = int(request.GET["ubah"])
        except ValueError:
            edit_id = None
        target = next((line for line in lines if line.pk == edit_id), None)
        edit = RowState(values=line_initial(target), line=target) if target is not None else None
    if edit is not None and edit.line is not None:
        edit_id = edit.line.pk
    return {
        "sub": sub,
        "fiscal_year": sub.fiscal_year,
        "organisation": sub.organisation,
        "groups": group_lines(lines),
        "line_count": len(lines),
        "totals": selectors.running_totals(sub),
        "state": state,
        "window": selectors.window_text(state.stage),
        "edit": edit,
        "edit_id": edit_id,
        "entry": entry or RowState(values=_entry_values()),
        "sumber_dana_choices": sumber_dana_choices(sub.fiscal_year),
        "line_types": LineType.choices,
        "crumbs": _crumbs(sub.fiscal_year, sub.organisation, sub),
    }


def _crumbs(fiscal_year: FiscalYear, organisation: Any = None, sub: SubActivityBudget | None = None,
            last: str | None = None) -> list[tuple[str, str | None]]:
    crumbs: list[tuple[str, str | None]] = [
        (_("Anggaran"), reverse("budgeting:home") + f"?tahun={fiscal_year.pk}"),
    ]
    if organisation is not None:
        crumbs.append((_("RKA %(opd)s TA %(tahun)s") % {"opd": organisation, "tahun": fiscal_year.tahun},
                       reverse("budgeting:rka_agency", args=[fiscal_year.pk, organisation.pk])))
    if sub is not None:
        crumbs.append((sub.kode, reverse("budgeting:line_editor", args=[sub.pk])))
    if last:
        crumbs.append((last, None))
    else:
        crumbs[-1] = (crumbs[-1][0], None)
    return crumbs


def _sub_or_404(request: HttpRequest, pk: int) -> SubActivityBudget:
    sub = selectors.sub_activity_for_user(user=request.user, pk=pk)
    if sub is None:
        raise Http404
    return sub


def _agency_or_404(request: HttpRequest, fy: int, org: int) -> tuple[FiscalYear, Any]:
    fiscal_year = selectors.fiscal_year_for_user(user=request.user, pk=fy)
    if fiscal_year is None:
        raise Http404
    organisation = selectors.organisation_for_budget(user=request.user, fiscal_year=fiscal_year, pk=org)
    if organisation is None:
        raise Http404
    return fiscal_year, organisation


# --- fragments ----------------------------------------------------------------------------------------------------


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, context, request=request)


def _fragment_context(request: HttpRequest, sub: SubActivityBudget) -> dict[str, Any]:
    state = selectors.entry_state(user=request.user, fiscal_year=sub.fiscal_year, organisation=sub.organisation,
                                  sub=sub)
    return {"sub": sub, "fiscal_year": sub.fiscal_year, "organisation": sub.organisation, "state": state,
            "sumber_dana_choices": sumber_dana_choices(sub.fiscal_year), "line_types": LineType.choices}


def _oob_totals(request: HttpRequest, sub: SubActivityBudget) -> str:
    return _render(request, "budgeting/lines/_totals.html",
                   {"sub": sub, "totals": selectors.running_totals(sub), "oob": True})


def _oob_subtotals(request: HttpRequest, sub: SubActivityBudget, account_id: int, kelompok: str,
                   keterangan: str) -> str:
    sums = selectors.group_totals(sub, account_id=account_id, kelompok=kelompok)
    gid_a, gid_k, gid_t = group_ids(account_id, kelompok, keterangan)
    spans = [(gid_a, sums["account"])]
    if kelompok:
        spans.append((gid_k, sums["kelompok"]))
    if keterangan:
        spans.append((gid_t, sums.get(f"ket:{keterangan}", Decimal(0))))
    return _render(request, "budgeting/lines/_subtotals_oob.html", {"spans": spans})


def _oob_table(request: HttpRequest, sub: SubActivityBudget, ctx: dict[str, Any]) -> str:
    lines = selectors.lines_of_sub_activity(sub)
    return _render(request, "budgeting/lines/_table.html",
                   {**ctx, "groups": group_lines(lines), "line_count": len(lines), "oob": True})


def _group_size(sub: SubActivityBudget, account_id: int, kelompok: str, keterangan: str) -> int:
    return BudgetLine.objects.filter(sub_activity=sub, account_id=account_id, kelompok=kelompok,
                                     keterangan=keterangan).count()


def _fragment(body: str, *, status: int = 200, outcome: str = "saved") -> HttpResponse:
    response = HttpResponse(body, status=status)
    response["X-Terang-Outcome"] = outcome
    return response


def _error_status(exc: ApplicationError) -> int:
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, PermissionDeniedError):
        return 403
    return 422


# --- pages ----------------------------------------------------------------------------------------------------------


@login_required
def rka_agency(request: HttpRequest, fy: int, org: int) -> HttpResponse:
    """The RKA of one agency: its sub-kegiatan with totals and ceiling use, and its revenue/financing lines."""
    fiscal_year, organisation = _agency_or_404(request, fy, org)
    return render(request, "budgeting/lines/agency.html", _agency_context(request, fiscal_year, organisation))


def _agency_context(request: HttpRequest, fiscal_year: FiscalYear, organisation: Any, *,
                    edit: RowState | None = None, entry: RowState | None = None) -> dict[str, Any]:
    state = selectors.entry_state(user=request.user, fiscal_year=fiscal_year, organisation=organisation)
    subs = list(selectors.sub_activities_for_user(user=request.user, fiscal_year=fiscal_year,
                                                  organisation=organisation))
    summary = selectors.agency_summaries(fiscal_year=fiscal_year, organisations=[organisation])[0]
    akun = ("4", "6") if organisation.is_ppkd else ("4",)
    other_lines = selectors.agency_lines(organisation=organisation, fiscal_year=fiscal_year, akun=akun)
    edit_id = None
    if edit is None and state.editable and request.GET.get("ubah"):
        try:
            edit_id = int(request.GET["ubah"])
        except ValueError:
            edit_id = None
        target = next((line for line in other_lines if line.pk == edit_id), None)
        edit = RowState(values=line_initial(target), line=target) if target is not None else None
    if edit is not None and edit.line is not None:
        edit_id = edit.line.pk
    ceiling = summary.belanja.ceiling
    for sub in subs:
        sub.ceiling_percent = int((sub.jumlah or 0) * 100 / ceiling) if ceiling else 0  # type: ignore[attr-defined]
    return {
        "fiscal_year": fiscal_year,
        "organisation": organisation,
        "subs": subs,
        "summary": summary,
        "state": state,
        "window": selectors.window_text(state.stage),
        "revenue_lines": [line for line in other_lines if line.akun == "4"],
        "financing_lines": [line for line in other_lines if line.akun == "6"],
        "empty_row": RowState(values={"line_type": LineType.ITEM}),
        "entry_section": "6" if organisation.is_ppkd and entry is not None
        and str(entry.values.get("account", "")).startswith("6") else "4",
        "show_financing": organisation.is_ppkd,
        "akun_options": akun,
        "edit": edit,
        "edit_id": edit_id,
        "entry": entry or RowState(values={"line_type": LineType.ITEM}),
        "crumbs": _crumbs(fiscal_year, organisation),
    }


@login_required
@require_http_methods(["GET", "POST"])
def sub_activity_create(request: HttpRequest, fy: int, org: int) -> HttpResponse:
    """Add a sub-kegiatan (from the codes the agency may use) to the agency's RKA."""
    fiscal_year, organisation = _agency_or_404(request, fy, org)
    form = SubActivityForm(request.POST or None, organisation=organisation, fiscal_year=fiscal_year)
    error: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            sub = line_services.sub_activity_create(actor=request.user, fiscal_year=fiscal_year,
                                                    organisation=organisation, kode=form.cleaned_data["kode"],
                                                    **form.service_fields())
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError):
                raise PermissionDenied from exc
            error = exc
            if exc.field == "kode":
                form.add_error("kode", exc.message)
        else:
            messages.success(request, _("Sub kegiatan %(kode)s ditambahkan.") % {"kode": sub.kode})
            return redirect("budgeting:line_editor", pk=sub.pk)
    state = selectors.entry_state(user=request.user, fiscal_year=fiscal_year, organisation=organisation)
    return render(request, "budgeting/lines/sub_activity_form.html", {
        "form": form, "fiscal_year": fiscal_year, "organisation": organisation, "error": error, "sub": None,
        "state": state, "crumbs": _crumbs(fiscal_year, organisation, last=_("Tambah sub kegiatan")),
    }, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def sub_activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change location, indicator/target, months, funding source of a sub-kegiatan (optimistic version)."""
    sub = _sub_or_404(request, pk)
    initial = sub_activity_initial(sub)
    form = SubActivityForm(request.POST or None, organisation=sub.organisation, fiscal_year=sub.fiscal_year,
                           instance=sub, initial=initial)
    error: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            line_services.sub_activity_update(actor=request.user, sub_activity=sub,
                                              expected_version=form.cleaned_data.get("version") or 0,
                                              **form.service_fields())
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError):
                raise PermissionDenied from exc
            error = exc
        else:
            messages.success(request, _("Sub kegiatan %(kode)s disimpan.") % {"kode": sub.kode})
            return redirect("budgeting:line_editor", pk=sub.pk)
    state = selectors.entry_state(user=request.user, fiscal_year=sub.fiscal_year, organisation=sub.organisation,
                                  sub=sub)
    return render(request, "budgeting/lines/sub_activity_form.html", {
        "form": form, "fiscal_year": sub.fiscal_year, "organisation": sub.organisation, "error": error, "sub": sub,
        "state": state, "crumbs": _crumbs(sub.fiscal_year, sub.organisation, sub, last=_("Ubah")),
    }, status=_error_status(error) if error else 200)


@login_required
def line_editor(request: HttpRequest, pk: int) -> HttpResponse:
    """The line editor of one sub-kegiatan (read-only with the reason when editing is not allowed)."""
    sub = _sub_or_404(request, pk)
    return render(request, "budgeting/lines/editor.html", _editor_context(request, sub))


@login_required
@require_GET
def line_table(request: HttpRequest, pk: int) -> HttpResponse:
    """The grouped lines of a sub-kegiatan (htmx refresh after someone else changed the groups)."""
    sub = _sub_or_404(request, pk)
    ctx = _fragment_context(request, sub)
    lines = selectors.lines_of_sub_activity(sub)
    body = _render(request, "budgeting/lines/_table.html", {**ctx, "groups": group_lines(lines),
                                                             "line_count": len(lines)})
    return _fragment(body + _oob_totals(request, sub), outcome="table")


# --- line writes --------------------------------------------------------------------------------------------------


def _line_form(request: HttpRequest, fiscal_year: FiscalYear) -> LineForm:
    return LineForm(request.POST, fiscal_year=fiscal_year)


def _form_error(form: LineForm) -> ApplicationError:
    name, errors = next(iter(form.errors.items()))
    label = form.fields[name].label if name in form.fields else name
    return ApplicationError(f"{label}: {errors[0]}", code="invalid", field=name if name in FIELD_INPUT else None)


@login_required
@require_POST
def line_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a line to a sub-kegiatan (entry row)."""
    sub = _sub_or_404(request, pk)
    form = _line_form(request, sub.fiscal_year)
    values = line_values(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        line = line_services.line_create(actor=request.user, sub_activity=sub, data=form.to_line_input())
    except ApplicationError as exc:
        if isinstance(exc, PermissionDeniedError) and not _is_htmx(request):
            raise PermissionDenied from exc
        entry = RowState(values=values, error=exc)
        if _is_htmx(request):
            ctx = _fragment_context(request, sub)
            body = _render(request, "budgeting/lines/_line_form.html", {**ctx, "row": entry, "mode": "entry"})
            return _fragment(body, status=_error_status(exc), outcome="invalid")
        return render(request, "budgeting/lines/editor.html", _editor_context(request, sub, entry=entry),
                      status=_error_status(exc))
    if not _is_htmx(request):
        messages.success(request, _("Baris disimpan: %(uraian)s.") % {"uraian": line.uraian})
        return redirect(reverse("budgeting:line_editor", args=[sub.pk]) + "#rka-entry")
    ctx = _fragment_context(request, sub)
    parts = [_render(request, "budgeting/lines/_line_form.html",
                     {**ctx, "row": RowState(values=_entry_values(values)), "mode": "entry", "saved": line})]
    if _group_size(sub, line.account_id, line.kelompok, line.keterangan) == 1:
        parts.append(_oob_table(request, sub, ctx))
    else:
        line = selectors.line_for_user(user=request.user, pk=line.pk) or line
        row = _render(request, "budgeting/lines/_line_row.html", {**ctx, "line": line, "fresh": True})
        gid_t = group_ids(line.account_id, line.kelompok, line.keterangan)[2]
        parts.append(f'<div hx-swap-oob="beforeend:#list-{gid_t}">{row}</div>')
        parts.append(_oob_subtotals(request, sub, line.account_id, line.kelompok, line.keterangan))
    parts.append(_oob_totals(request, sub))
    return _fragment("".join(parts), outcome="created")


def _override(request: HttpRequest) -> int | None:
    value = request.POST.get("timpa")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def line_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one line with its version. `timpa=<version>` is the explicit, audited "overwrite with mine"."""
    line = selectors.line_for_user(user=request.user, pk=pk)
    if line is None:
        raise Http404
    if request.method == "GET":
        return _line_row(request, line, edit=request.GET.get("ubah") == "1")
    fiscal_year = line.fiscal_year
    form = _line_form(request, fiscal_year)
    values = line_values(request.POST)
    override = _override(request)
    before_group = (line.account_id, line.kelompok, line.keterangan)
    try:
        if not form.is_valid():
            raise _form_error(form)
        expected = override if override is not None else (form.cleaned_data.get("version") or 0)
        reason = ""
        if override is not None:
            reason = _("Menimpa versi tersimpan %(v)s (oleh %(who)s) dengan versi pengguna setelah konflik.") % {
                "v": override, "who": line.updated_by.get_username() if line.updated_by is not None
                else _("sistem")}
        saved = line_services.line_update(actor=request.user, line=line, data=form.to_line_input(reason=reason),
                                          expected_version=expected)
    except ApplicationError as exc:
        if isinstance(exc, PermissionDeniedError) and not _is_htmx(request):
            raise PermissionDenied from exc
        conflict = None
        if isinstance(exc, ConflictError):
            fresh = selectors.line_for_user(user=request.user, pk=pk)
            if fresh is None:  # deleted meanwhile
                exc = ApplicationError(_("Rincian ini sudah dihapus oleh pengguna lain."), code="not_found")
            else:
                conflict = Conflict(message=exc.message, saved=fresh, yours=_yours(values, fiscal_year),
                                    current_version=exc.details.get("current_version", fresh.version))
        row = RowState(values={**values, "version": request.POST.get("version", "")}, error=exc, conflict=conflict,
                       line=line)
        if _is_htmx(request) and line.sub_activity_id:
            ctx = _fragment_context(request, _sub_or_404(request, line.sub_activity_id))
            body = _render(request, "budgeting/lines/_line_form.html", {**ctx, "row": row, "mode": "edit"})
            return _fragment(body, status=_error_status(exc), outcome="conflict" if conflict else "invalid")
        if line.sub_activity_id:
            sub = _sub_or_404(request, line.sub_activity_id)
            return render(request, "budgeting/lines/editor.html", _editor_context(request, sub, edit=row),
                          status=_error_status(exc))
        return render(request, "budgeting/lines/agency.html",
                      _agency_context(request, fiscal_year, line.organisation, edit=row), status=_error_status(exc))
    if not line.sub_activity_id:
        messages.success(request, _("Baris disimpan: %(uraian)s.") % {"uraian": saved.uraian})
        return redirect("budgeting:rka_agency", fy=fiscal_year.pk, org=line.organisation_id)
    sub = _sub_or_404(request, line.sub_activity_id)
    if not _is_htmx(request):
        messages.success(request, _("Baris disimpan: %(uraian)s.") % {"uraian": saved.uraian})
        return redirect(reverse("budgeting:line_editor", args=[sub.pk]) + f"#line-{saved.pk}")
    ctx = _fragment_context(request, sub)
    fresh = selectors.line_for_user(user=request.user, pk=pk) or saved
    after_group = (fresh.account_id, fresh.kelompok, fresh.keterangan)
    if after_group != before_group:
        if _group_size(sub, *after_group) == 1 or _group_size(sub, *before_group) == 0:
            return _fragment(_oob_table(request, sub, ctx) + _oob_totals(request, sub), outcome="moved")
        # moved into an existing group: drop it here, append it there
        html = _render(request, "budgeting/lines/_line_row.html", {**ctx, "line": fresh, "fresh": True})
        gid_t = group_ids(*after_group)[2]
        body = (f'<div hx-swap-oob="beforeend:#list-{gid_t}">{html}</div>'
                + _oob_subtotals(request, sub, *before_group) + _oob_subtotals(request, sub, *after_group)
                + _oob_totals(request, sub))
        return _fragment(body, outcome="moved")
    html = _render(request, "budgeting/lines/_line_row.html", {**ctx, "line": fresh, "fresh": True})
    return _fragment(html + _oob_subtotals(request, sub, *after_group) + _oob_totals(request, sub), outcome="saved")


def _line_row(request: HttpRequest, line: BudgetLine, *, edit: bool) -> HttpResponse:
    """GET of one row: display mode (cancel / "use the saved version") or edit mode."""
    if not line.sub_activity_id:
        url = reverse("budgeting:rka_agency", args=[line.fiscal_year_id, line.organisation_id])
        return redirect(url + (f"?ubah={line.pk}#line-{line.pk}" if edit else f"#line-{line.pk}"))
    if not _is_htmx(request):
        url = reverse("budgeting:line_editor", args=[line.sub_activity_id])
        return redirect(url + (f"?ubah={line.pk}#line-{line.pk}" if edit else f"#line-{line.pk}"))
    sub = _sub_or_404(request, line.sub_activity_id)
    ctx = _fragment_context(request, sub)
    if edit and ctx["state"].editable:
        body = _render(request, "budgeting/lines/_line_form.html",
                       {**ctx, "row": RowState(values=line_initial(line), line=line), "mode": "edit"})
        return _fragment(body, outcome="edit")
    body = _render(request, "budgeting/lines/_line_row.html", {**ctx, "line": line})
    body += _oob_subtotals(request, sub, line.account_id, line.kelompok, line.keterangan) + _oob_totals(request, sub)
    return _fragment(body, outcome="row")


@login_required
@require_POST
def line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one line with its version."""
    line = selectors.line_for_user(user=request.user, pk=pk)
    if line is None:
        raise Http404
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    sub_id = line.sub_activity_id
    group = (line.account_id, line.kelompok, line.keterangan)
    try:
        line_services.line_delete(actor=request.user, line=line, expected_version=version,
                                  reason=request.POST.get("alasan", ""))
    except ApplicationError as exc:
        if not _is_htmx(request) or not sub_id:
            if isinstance(exc, PermissionDeniedError):
                raise PermissionDenied from exc
            messages.error(request, exc.message)
            if sub_id:
                return redirect(reverse("budgeting:line_editor", args=[sub_id]) + f"#line-{pk}")
            return redirect("budgeting:rka_agency", fy=line.fiscal_year_id, org=line.organisation_id)
        fresh = selectors.line_for_user(user=request.user, pk=pk) or line
        ctx = _fragment_context(request, _sub_or_404(request, sub_id))
        body = _render(request, "budgeting/lines/_line_row.html", {**ctx, "line": fresh, "row_error": exc})
        return _fragment(body, status=_error_status(exc), outcome="conflict" if isinstance(exc, ConflictError)
                         else "invalid")
    if not sub_id:
        messages.success(request, _("Baris dihapus."))
        return redirect("budgeting:rka_agency", fy=line.fiscal_year_id, org=line.organisation_id)
    sub = _sub_or_404(request, sub_id)
    if not _is_htmx(request):
        messages.success(request, _("Baris dihapus."))
        return redirect("budgeting:line_editor", pk=sub.pk)
    ctx = _fragment_context(request, sub)
    if _group_size(sub, *group) == 0:
        return _fragment(_oob_table(request, sub, ctx) + _oob_totals(request, sub), outcome="deleted")
    return _fragment(_oob_subtotals(request, sub, *group) + _oob_totals(request, sub), outcome="deleted")


@login_required
@require_POST
def agency_line_create(request: HttpRequest, fy: int, org: int) -> HttpResponse:
    """Add a revenue (akun 4) or — for the PPKD — financing (akun 6) line of an agency."""
    fiscal_year, organisation = _agency_or_404(request, fy, org)
    form = _line_form(request, fiscal_year)
    values = line_values(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        line = line_services.line_create(actor=request.user, organisation=organisation, data=form.to_line_input())
    except ApplicationError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise PermissionDenied from exc
        return render(request, "budgeting/lines/agency.html",
                      _agency_context(request, fiscal_year, organisation, entry=RowState(values=values, error=exc)),
                      status=_error_status(exc))
    messages.success(request, _("Baris disimpan: %(uraian)s.") % {"uraian": line.uraian})
    return redirect(reverse("budgeting:rka_agency", args=[fiscal_year.pk, organisation.pk]) + f"#line-{line.pk}")


# --- search endpoints -------------------------------------------------------------------------------------------


def _search_year(request: HttpRequest) -> FiscalYear:
    fiscal_year = selectors.fiscal_year_for_user(user=request.user, pk=request.GET.get("fy") or request.GET.get(
        "tahun"))
    if fiscal_year is None:
        raise Http404
    return fiscal_year


@login_required
@require_GET
def account_search(request: HttpRequest) -> HttpResponse:
    """Postable accounts of the year by code prefix or name (`?fy=&q=&akun=5`): an HTML listbox or JSON."""
    fiscal_year = _search_year(request)
    akun = tuple(a for a in (request.GET.get("akun") or "5").split(",") if a in ("4", "5", "6")) or ("5",)
    q = request.GET.get("q", request.GET.get("account", "")).strip()
    accounts = selectors.entry_accounts(fiscal_year=fiscal_year, akun=akun, q=q)
    if request.GET.get("format") == "json":
        return JsonResponse({"results": [{"kode": a.kode, "nama": a.nama} for a in accounts]})
    return render(request, "budgeting/lines/_suggest_accounts.html", {"accounts": accounts, "q": q})


# --- Excel ----------------------------------------------------------------------------------------------------------


def _xlsx_response(handle: Any, filename: str) -> FileResponse:
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _temp_xlsx() -> Any:
    """An anonymous temporary file (deleted when the response closes it)."""
    return tempfile.TemporaryFile(suffix=".xlsx", prefix="terang-rka-")


@login_required
@require_GET
def rka_template(request: HttpRequest, fy: int, org: int) -> FileResponse:
    """The import template: headers, an example row, and the agency's allowed codes on further sheets."""
    from ..exporters.rka_excel import write_rka_template

    fiscal_year, organisation = _agency_or_404(request, fy, org)
    path = _temp_xlsx()
    write_rka_template(fiscal_year=fiscal_year, organisation=organisation, target=path)
    return _xlsx_response(path, f"templat-rka-{organisation.singkatan or organisation.pk}-{fiscal_year.tahun}.xlsx")


@login_required
@require_GET
def rka_export(request: HttpRequest, fy: int, org: int) -> FileResponse:
    """Every line of the agency (belanja, revenue, financing) as Excel."""
    from ..exporters.rka_excel import write_rka_lines

    fiscal_year, organisation = _agency_or_404(request, fy, org)
    path = _temp_xlsx()
    lines = selectors.lines_for_user(user=request.user).filter(fiscal_year=fiscal_year, organisation=organisation)
    write_rka_lines(lines=lines, target=path, title=f"RKA {organisation} TA {fiscal_year.tahun}")
    return _xlsx_response(path, f"rka-{organisation.singkatan or organisation.pk}-{fiscal_year.tahun}.xlsx")


@login_required
@require_GET
def sub_activity_export(request: HttpRequest, pk: int) -> FileResponse:
    """The lines of one sub-kegiatan as Excel."""
    from ..exporters.rka_excel import write_rka_lines

    sub = _sub_or_404(request, pk)
    path = _temp_xlsx()
    lines = selectors.lines_for_user(user=request.user).filter(sub_activity=sub)
    write_rka_lines(lines=lines, target=path, title=f"RKA {sub.organisation} {sub.kode} TA {sub.fiscal_year.tahun}")
    return _xlsx_response(path, f"rka-{sub.kode}-{sub.fiscal_year.tahun}.xlsx")


def _upload_dir() -> Path:
    """Where an uploaded workbook waits between the dry run and the confirmation (files older than the signed
    token's lifetime are removed on the next upload)."""
    path = Path(settings.MEDIA_ROOT) / "rka-impor"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remove_stale_uploads(folder: Path) -> None:
    cutoff = timezone.now().timestamp() - IMPORT_SIGNING_MAX_AGE
    for old in folder.glob("*"):
        try:
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue


@login_required
@require_http_methods(["GET", "POST"])
def rka_import_view(request: HttpRequest, fy: int, org: int) -> HttpResponse:
    """Upload → dry run (every error by row and column, nothing saved) → confirm (all or nothing)."""
    from ..services.rka_import import rka_import

    fiscal_year, organisation = _agency_or_404(request, fy, org)
    state = selectors.entry_state(user=request.user, fiscal_year=fiscal_year, organisation=organisation)
    if not state.can_edit:
        raise PermissionDenied
    context: dict[str, Any] = {"fiscal_year": fiscal_year, "organisation": organisation, "state": state,
                               "crumbs": _crumbs(fiscal_year, organisation, last=_("Impor Excel"))}
    if request.method == "POST" and request.POST.get("token"):
        try:
            payload = signing.loads(request.POST["token"], salt=IMPORT_SIGNING_SCOPE, max_age=IMPORT_SIGNING_MAX_AGE)
        except signing.BadSignature:
            messages.error(request, _("Sesi impor kedaluwarsa; unggah ulang berkasnya."))
            return redirect("budgeting:rka_import", fy=fiscal_year.pk, org=organisation.pk)
        if payload.get("u") != request.user.pk or payload.get("o") != organisation.pk or payload.get(
                "f") != fiscal_year.pk:
            raise PermissionDenied
        path = _upload_dir() / payload["n"]
        if not path.exists():
            messages.error(request, _("Sesi impor kedaluwarsa; unggah ulang berkasnya."))
            return redirect("budgeting:rka_import", fy=fiscal_year.pk, org=organisation.pk)
        report = rka_import(actor=request.user, fiscal_year=fiscal_year, organisation=organisation,
                            path_or_file=path, dry_run=False)
        if report.ok:
            path.unlink(missing_ok=True)
            messages.success(request, _("%(n)s baris diimpor (jumlah %(total)s).") % {
                "n": report.lines_created, "total": format_number(report.total)})
            return redirect("budgeting:rka_agency", fy=fiscal_year.pk, org=organisation.pk)
        context.update(report=report, form=RkaImportForm())
        return render(request, "budgeting/lines/import.html", context, status=400)
    form = RkaImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["berkas"]
        name = f"{request.user.pk}-{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
        folder = _upload_dir()
        _remove_stale_uploads(folder)
        path = folder / name
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        report = rka_import(actor=request.user, fiscal_year=fiscal_year, organisation=organisation,
                            path_or_file=path, dry_run=True)
        context["report"] = report
        if report.ok:
            context["token"] = signing.dumps({"u": request.user.pk, "o": organisation.pk, "f": fiscal_year.pk,
                                              "n": name, "t": timezone.now().isoformat()}, salt=IMPORT_SIGNING_SCOPE)
            context["filename"] = upload.name
        else:
            path.unlink(missing_ok=True)
    context["form"] = form
    return render(request, "budgeting/lines/import.html", context,
                  status=400 if context.get("report") is not None and not context["report"].ok else 200)
