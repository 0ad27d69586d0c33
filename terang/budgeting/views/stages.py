"""Pages for fiscal years and stages (staff), stage diffs (staff and public) and pergeseran (staff).

Staff pages live under /staf/anggaran/tahapan/ (namespace "budgeting", names `stage_*` and `shift_*`); the
public pages under /apbd/<tahun>/ (namespace "apbd", names `tahapan_*` and `banding*`). Views parse input, call
a service or a selector and render; every rule lives in services/stages.py, services/shifts.py, diff.py and
selectors_stages.py.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from terang.accounts.permissions import can, pemda_ids
from terang.audit.selectors import events_for_object
from terang.core.errors import ApplicationError
from terang.core.workflow import available_transitions
from terang.org.models import Organisation, Pemda
from terang.reference.models import Account, RegulationVersion

from .. import selectors_stages as sel
from ..choices import ShiftLevel, StageKind, StageStatus
from ..diff import DEFAULT_STATUSES, STATUS_LABELS, STATUSES, DiffResult, stage_diff
from ..models import BudgetLine, BudgetShift, ShiftLine, Stage, SubActivityBudget
from ..services import shifts as shift_services
from ..services import stages as services

PAGE_SIZE = 100
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


# --- forms ----------------------------------------------------------------------------------------------------


def _dt_field(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format=DATETIME_INPUT))


class FiscalYearForm(forms.Form):
    pemda = forms.ModelChoiceField(queryset=Pemda.objects.none(), label=gettext_lazy("Pemda"),
                                   widget=forms.Select(attrs={"class": "form-select"}))
    tahun = forms.IntegerField(label=gettext_lazy("Tahun anggaran"), min_value=2000, max_value=2100,
                               widget=forms.NumberInput(attrs={"class": "form-control"}))
    program_version = forms.ModelChoiceField(queryset=RegulationVersion.objects.all(),
                                             label=gettext_lazy("Versi nomenklatur"),
                                             widget=forms.Select(attrs={"class": "form-select"}))
    account_version = forms.ModelChoiceField(queryset=RegulationVersion.objects.all(),
                                             label=gettext_lazy("Versi kode rekening"),
                                             widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args: Any, pemda_qs: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["pemda"].queryset = pemda_qs  # type: ignore[attr-defined]


class StageAddForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Jenis tahapan"), choices=StageKind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    nama = forms.CharField(label=gettext_lazy("Nama (opsional)"), required=False, max_length=120,
                           widget=forms.TextInput(attrs={"class": "form-control"}))
    opens_at = _dt_field(gettext_lazy("Rencana dibuka"), required=False)
    closes_at = _dt_field(gettext_lazy("Rencana ditutup"), required=False)


class WindowForm(forms.Form):
    opens_at = _dt_field(gettext_lazy("Dibuka"))
    closes_at = _dt_field(gettext_lazy("Ditutup"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=gettext_lazy("Saya sudah memeriksa dan yakin"), required=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReopenForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False,
                                          label=gettext_lazy("Perangkat daerah"),
                                          empty_label=gettext_lazy("Semua perangkat daerah"),
                                          widget=forms.Select(attrs={"class": "form-select"}))
    until = _dt_field(gettext_lazy("Dibuka sampai"))
    reason = forms.CharField(label=gettext_lazy("Alasan tertulis (dipublikasikan)"), min_length=1,
                             widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}))

    def __init__(self, *args: Any, stage: Stage, **kwargs: Any):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(pemda_id=stage.pemda_id, is_active=True).order_by("kode")
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class ShiftForm(forms.Form):
    nomor = forms.CharField(label=gettext_lazy("Nomor dokumen"), max_length=120,
                            widget=forms.TextInput(attrs={"class": "form-control"}))
    legal_basis = forms.CharField(label=gettext_lazy("Dasar hukum"), max_length=255,
                                  widget=forms.TextInput(attrs={"class": "form-control"}))
    level = forms.ChoiceField(label=gettext_lazy("Tingkat persetujuan"), choices=ShiftLevel.choices,
                              widget=forms.Select(attrs={"class": "form-select"}))
    reason = forms.CharField(label=gettext_lazy("Alasan"), widget=forms.Textarea(attrs={"class": "form-control",
                                                                                       "rows": 3}))


def _status(error: ApplicationError | None) -> int:
    return 200 if error is None else error.status_code


def _crumbs(*items: tuple[Any, str]) -> list[tuple[Any, str]]:
    return [(_("Anggaran"), _safe_reverse("budgeting:home")), (_("Tahapan"), reverse("budgeting:stage_fiscal_years")),
            *items]


def _safe_reverse(name: str) -> str:
    try:
        return reverse(name)
    except Exception:
        return ""


# --- fiscal years ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def fiscal_year_list(request: HttpRequest) -> HttpResponse:
    """Fiscal years of the user's pemda; BPKAD officers create new ones (with the default stages)."""
    years = list(sel.fiscal_years_for_user(user=request.user))
    manage_ids = pemda_ids(request.user, "budget.manage_stages")
    form = None
    error: ApplicationError | None = None
    if manage_ids:
        form = FiscalYearForm(request.POST or None, pemda_qs=Pemda.objects.filter(pk__in=manage_ids),
                              initial={"tahun": timezone.localdate().year + 1})
        if request.method == "POST" and form.is_valid():
            try:
                fy = services.fiscal_year_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                error = exc
            else:
                messages.success(request, _("TA %(tahun)s dibuat dengan tahapan bawaan.") % {"tahun": fy.tahun})
                return redirect("budgeting:stage_fiscal_year", pk=fy.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "budgeting/stages/fiscal_year_list.html", {
        "years": years, "form": form, "error": error, "crumbs": _crumbs((_("Tahun anggaran"), "")),
    }, status=_status(error))


def _stage_rows(stages: list[Stage]) -> list[dict[str, Any]]:
    info = sel.frozen_info(stages)
    now = timezone.now()
    return [{"stage": s, "frozen": info.get(s.pk), "input_open": s.status == StageStatus.OPEN and s.window_is_open(now)}
            for s in stages]


@login_required
@require_http_methods(["GET", "POST"])
def fiscal_year_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The stages of one fiscal year: windows, status, frozen line counts and digests; add a stage; compare two."""
    fy = sel.fiscal_year_for_user(user=request.user, pk=pk)
    if fy is None:
        raise Http404
    can_manage = can(request.user, "budget.manage_stages", fy.pemda)
    form = StageAddForm(request.POST or None) if can_manage else None
    error: ApplicationError | None = None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                stage = services.stage_add(actor=request.user, fiscal_year=fy, **form.cleaned_data)
            except ApplicationError as exc:
                error = exc
            else:
                messages.success(request, _("Tahapan %(nama)s ditambahkan.") % {"nama": stage.nama})
                return redirect("budgeting:stage_fiscal_year", pk=fy.pk)
    stages = list(Stage.objects.filter(fiscal_year=fy).select_related("frozen_by").order_by("sequence"))
    frozen = [s for s in stages if s.frozen_at]
    return render(request, "budgeting/stages/fiscal_year_detail.html", {
        "fiscal_year": fy, "rows": _stage_rows(stages), "form": form, "error": error, "frozen_stages": frozen,
        "reopenings": sel.reopenings(stages=stages)[:50],
        "crumbs": _crumbs((_("TA %(tahun)s") % {"tahun": fy.tahun}, "")),
    }, status=_status(error))


@login_required
def reopening_list(request: HttpRequest) -> HttpResponse:
    """Every reopening of the user's pemda with its reason (the same list is public per fiscal year)."""
    qs = sel.reopenings(stages=sel.stages_for_user(user=request.user))
    page = Paginator(qs, 50).get_page(request.GET.get("halaman"))
    return render(request, "budgeting/stages/reopening_list.html", {
        "page": page, "crumbs": _crumbs((_("Pembukaan kembali"), "")),
    })


# --- one stage ------------------------------------------------------------------------------------------------


def _stage_or_404(request: HttpRequest, pk: int) -> Stage:
    stage = sel.stage_for_user(user=request.user, pk=pk)
    if stage is None:
        raise Http404
    return stage


def _stage_context(request: HttpRequest, stage: Stage, **extra: Any) -> dict[str, Any]:
    options = {o.to_status: o for o in available_transitions(services.STAGE_WORKFLOW, stage, request.user)}
    verify = None
    if request.GET.get("periksa") and stage.frozen_at:
        ok, current, recorded = services.stage_verify(stage)
        verify = {"ok": ok, "current": current, "recorded": recorded}
    others = list(Stage.objects.filter(fiscal_year_id=stage.fiscal_year_id, frozen_at__isnull=False)
                  .exclude(pk=stage.pk).order_by("sequence"))
    previous = [s for s in others if s.sequence < stage.sequence]
    window_initial = {"opens_at": timezone.localtime(stage.opens_at).strftime(DATETIME_INPUT) if stage.opens_at
                      else "", "closes_at": timezone.localtime(stage.closes_at).strftime(DATETIME_INPUT)
                      if stage.closes_at else "", "version": stage.version}
    context = {
        "stage": stage,
        "frozen": sel.frozen_info([stage]).get(stage.pk),
        "input_open": stage.status == StageStatus.OPEN and stage.window_is_open(),
        "can_open": StageStatus.OPEN in options,
        "can_close": stage.status == StageStatus.OPEN and StageStatus.CLOSED in options,
        "can_refreeze": stage.status == StageStatus.CLOSED and StageStatus.CLOSED in options,
        "can_publish": StageStatus.PUBLISHED in options,
        "can_reopen": stage.status in (StageStatus.OPEN, StageStatus.CLOSED)
        and can(request.user, "budget.reopen_stage", stage),
        "window_form": WindowForm(initial=window_initial),
        "confirm_form": ConfirmForm(initial={"version": stage.version}),
        "reopen_form": ReopenForm(stage=stage),
        "reopenings": sel.reopenings(stages=[stage]),
        "events": events_for_object(stage, limit=30),
        "verify": verify,
        "others": others,
        "previous": previous[-1] if previous else None,
        "is_pergeseran": stage.kind == StageKind.PERGESERAN,
        "crumbs": _crumbs((_("TA %(tahun)s") % {"tahun": stage.fiscal_year.tahun},
                           reverse("budgeting:stage_fiscal_year", args=[stage.fiscal_year_id])), (stage.nama, "")),
    }
    context.update(extra)
    return context


@login_required
def stage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One stage: window, status, digest (with a recheck), actions for the roles that hold them, reopenings."""
    stage = _stage_or_404(request, pk)
    return render(request, "budgeting/stages/stage_detail.html", _stage_context(request, stage))


def _after_action(request: HttpRequest, stage: Stage, error: ApplicationError | None, message: str,
                  **forms_: Any) -> HttpResponse:
    if error is None:
        messages.success(request, message)
        return redirect("budgeting:stage_detail", pk=stage.pk)
    stage = _stage_or_404(request, stage.pk)
    return render(request, "budgeting/stages/stage_detail.html", _stage_context(request, stage, error=error,
                                                                                 **forms_), status=_status(error))


@login_required
@require_POST
def stage_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage_or_404(request, pk)
    form = WindowForm(request.POST)
    error = None
    if not form.is_valid():
        error = ApplicationError(_("Isi waktu buka dan waktu tutup dengan benar."), code="invalid")
    else:
        try:
            stage = services.stage_open(actor=request.user, stage=stage, opens_at=form.cleaned_data["opens_at"],
                                        closes_at=form.cleaned_data["closes_at"],
                                        expected_version=form.cleaned_data.get("version"))
        except ApplicationError as exc:
            error = exc
    return _after_action(request, stage, error, _("Jendela input %(nama)s dibuka sampai %(when)s.") % {
        "nama": stage.nama, "when": services._fmt(stage.closes_at)}, window_form=form)


def _confirmed(request: HttpRequest) -> tuple[ConfirmForm, ApplicationError | None]:
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return form, ApplicationError(_("Centang konfirmasi dulu."), code="confirm_required", field="confirm")
    return form, None


@login_required
@require_POST
def stage_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage_or_404(request, pk)
    form, error = _confirmed(request)
    if error is None:
        try:
            stage = services.stage_close_and_freeze(actor=request.user, stage=stage,
                                                    expected_version=form.cleaned_data.get("version"))
        except ApplicationError as exc:
            error = exc
    info = sel.frozen_info([stage]).get(stage.pk) if error is None else None
    return _after_action(request, stage, error, _("Tahapan %(nama)s ditutup dan dibekukan: %(n)s baris.") % {
        "nama": stage.nama, "n": info.lines if info else 0})


@login_required
@require_POST
def stage_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage_or_404(request, pk)
    form, error = _confirmed(request)
    if error is None:
        try:
            stage = services.stage_publish(actor=request.user, stage=stage,
                                           expected_version=form.cleaned_data.get("version"))
        except ApplicationError as exc:
            error = exc
    return _after_action(request, stage, error, _("Tahapan %(nama)s dipublikasikan.") % {"nama": stage.nama})


@login_required
@require_POST
def stage_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage_or_404(request, pk)
    form = ReopenForm(request.POST, stage=stage)
    error = None
    if not form.is_valid():
        error = ApplicationError(_("Isi alasan dan batas waktu pembukaan kembali."), code="invalid")
    else:
        try:
            services.stage_reopen(actor=request.user, stage=stage, reason=form.cleaned_data["reason"],
                                  until=form.cleaned_data["until"], organisation=form.cleaned_data["organisation"])
        except ApplicationError as exc:
            error = exc
    return _after_action(request, stage, error, _("Tahapan %(nama)s dibuka kembali.") % {"nama": stage.nama},
                         reopen_form=form)


# --- diff -----------------------------------------------------------------------------------------------------


def _diff_filters(request: HttpRequest) -> dict[str, Any]:
    statuses = [s for s in request.GET.getlist("status") if s in STATUSES] or list(DEFAULT_STATUSES)
    try:
        min_delta = Decimal(request.GET.get("min_selisih", "").replace(".", "").replace(",", ".") or "0")
    except InvalidOperation:
        min_delta = Decimal(0)
    try:
        opd = int(request.GET.get("opd", "") or 0) or None
    except ValueError:
        opd = None
    try:
        page = max(1, int(request.GET.get("halaman", "1")))
    except ValueError:
        page = 1
    return {"statuses": statuses, "min_delta": abs(min_delta) or None, "opd": opd, "page": page}


def _diff_result(base: Stage, target: Stage | None, scope: list[int] | None, filters: dict[str, Any]) -> DiffResult:
    organisation: Any = scope
    if filters["opd"] is not None:
        organisation = [filters["opd"]] if scope is None or filters["opd"] in scope else []
    return stage_diff(base=base, target=target, organisation=organisation, statuses=filters["statuses"],
                      min_delta=filters["min_delta"])


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("halaman", None)
    return query.urlencode()


def _diff_context(request: HttpRequest, base: Stage, target: Stage | None, scope: list[int] | None,
                  *, public: bool) -> dict[str, Any]:
    filters = _diff_filters(request)
    result = _diff_result(base, target, scope, filters)
    page = result.page(filters["page"], PAGE_SIZE)
    organisations = Organisation.objects.filter(pemda_id=base.pemda_id, is_active=True).order_by("kode")
    if scope is not None:
        organisations = organisations.filter(pk__in=scope)
    base_total, target_total = result.stage_totals()
    return {
        "base": base, "target": target, "page": page, "summary": page.summary, "filters": filters,
        "status_choices": [(s, STATUS_LABELS[s]) for s in STATUSES], "organisations": organisations,
        "query": _query_without_page(request), "public": public, "base_total": base_total,
        "target_total": target_total, "target_label": target.nama if target else _("Data kerja (belum dibekukan)"),
    }


def _csv_response(result: DiffResult, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(result.csv_lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_name(base: Stage, target: Stage | None) -> str:
    to = f"{target.kind}{target.number}" if target else "kerja"
    return f"banding-ta{base.fiscal_year.tahun}-{base.kind}{base.number}-{to}.csv"


def _staff_pair(request: HttpRequest, pk: int, other: int | None) -> tuple[Stage, Stage | None, list[int] | None]:
    base = _stage_or_404(request, pk)
    target = _stage_or_404(request, other) if other is not None else None
    if base.frozen_at is None or (target is not None and target.frozen_at is None):
        raise Http404
    visible, scope = sel.diff_scope_for_user(user=request.user, base=base, target=target)
    if not visible:
        raise Http404
    return base, target, scope


@login_required
def stage_diff_view(request: HttpRequest, pk: int, other: int | None = None) -> HttpResponse:
    """Diff between two frozen stages of one year (or a frozen stage and the live working copy), grouped by OPD →
    sub-kegiatan → account, filterable, paginated; agency staff see their own agency only."""
    base, target, scope = _staff_pair(request, pk, other)
    context = _diff_context(request, base, target, scope, public=False)
    context["crumbs"] = _crumbs((_("TA %(tahun)s") % {"tahun": base.fiscal_year.tahun},
                                 reverse("budgeting:stage_fiscal_year", args=[base.fiscal_year_id])),
                                (base.nama, reverse("budgeting:stage_detail", args=[base.pk])), (_("Banding"), ""))
    context["csv_url"] = (reverse("budgeting:stage_diff_csv", args=[base.pk, target.pk]) if target
                          else reverse("budgeting:stage_diff_live_csv", args=[base.pk]))
    return render(request, "budgeting/stages/diff.html", context)


@login_required
def stage_compare(request: HttpRequest) -> HttpResponse:
    """The "compare two stages" form: ?dari=<stage>&ke=<stage> (ke empty = live working copy) → the diff page."""
    try:
        base = int(request.GET.get("dari", ""))
        target = int(request.GET["ke"]) if request.GET.get("ke") else None
    except ValueError as exc:
        raise Http404 from exc
    if target is None:
        return redirect("budgeting:stage_diff_live", pk=base)
    return redirect("budgeting:stage_diff", pk=base, other=target)


@login_required
def stage_diff_csv(request: HttpRequest, pk: int, other: int | None = None) -> StreamingHttpResponse:
    base, target, scope = _staff_pair(request, pk, other)
    return _csv_response(_diff_result(base, target, scope, _diff_filters(request)), _csv_name(base, target))


# --- public ---------------------------------------------------------------------------------------------------


def public_stage_list(request: HttpRequest, tahun: int) -> HttpResponse:
    """/apbd/<tahun>/tahapan/: every stage of the year (per pemda) with status, windows, publication dates,
    digests of published stages, and every reopening with its reason."""
    years = list(sel.public_fiscal_years(tahun=tahun, pemda_kode=request.GET.get("pemda") or None))
    if not years:
        raise Http404
    stages = list(sel.public_stages(fiscal_years=years))
    info = sel.frozen_info([s for s in stages if s.is_public])
    groups = [{"fiscal_year": fy, "stages": [{"stage": s, "frozen": info.get(s.pk)} for s in stages
                                             if s.fiscal_year_id == fy.pk]} for fy in years]
    return render(request, "budgeting/stages/public_stage_list.html", {
        "tahun": tahun, "groups": groups, "reopenings": sel.reopenings(stages=stages),
        "crumbs": [(_("APBD %(tahun)s") % {"tahun": tahun}, ""), (_("Tahapan"), "")],
    })


def public_stage_detail(request: HttpRequest, tahun: int, pk: int) -> HttpResponse:
    """One stage, public: window, status, digest (published stages), reopenings with reasons."""
    stage = sel.public_stage(pk=pk, tahun=tahun)
    if stage is None:
        raise Http404
    published = list(Stage.objects.filter(fiscal_year_id=stage.fiscal_year_id, status=StageStatus.PUBLISHED)
                     .exclude(pk=stage.pk).order_by("sequence"))
    previous = [s for s in published if s.sequence < stage.sequence]
    return render(request, "budgeting/stages/public_stage_detail.html", {
        "tahun": tahun, "stage": stage, "frozen": sel.frozen_info([stage]).get(stage.pk) if stage.is_public else None,
        "reopenings": sel.reopenings(stages=[stage]), "published": published,
        "previous": previous[-1] if previous else None,
        "crumbs": [(_("APBD %(tahun)s") % {"tahun": tahun}, ""),
                   (_("Tahapan"), reverse("apbd:tahapan_list", args=[tahun])), (stage.nama, "")],
    })


def _public_pair(request: HttpRequest, tahun: int) -> tuple[Stage, Stage]:
    try:
        base_pk, target_pk = int(request.GET.get("dari", "")), int(request.GET.get("ke", ""))
    except ValueError as exc:
        raise Http404 from exc
    base = sel.public_published_stage(pk=base_pk, tahun=tahun)
    target = sel.public_published_stage(pk=target_pk, tahun=tahun)
    if base is None or target is None or base.fiscal_year_id != target.fiscal_year_id:
        raise Http404
    return base, target


def public_diff(request: HttpRequest, tahun: int) -> HttpResponse:
    """/apbd/<tahun>/banding/?dari=<stage>&ke=<stage>: diff between two PUBLISHED stages (anything else is 404)."""
    base, target = _public_pair(request, tahun)
    context = _diff_context(request, base, target, None, public=True)
    query = request.GET.copy()
    context["csv_url"] = reverse("apbd:banding_csv", args=[tahun]) + "?" + query.urlencode()
    context["tahun"] = tahun
    context["crumbs"] = [(_("APBD %(tahun)s") % {"tahun": tahun}, ""),
                         (_("Tahapan"), reverse("apbd:tahapan_list", args=[tahun])), (_("Banding"), "")]
    return render(request, "budgeting/stages/diff.html", context)


def public_diff_csv(request: HttpRequest, tahun: int) -> StreamingHttpResponse:
    base, target = _public_pair(request, tahun)
    return _csv_response(_diff_result(base, target, None, _diff_filters(request)), _csv_name(base, target))


# --- pergeseran -----------------------------------------------------------------------------------------------


def _shift_stage(request: HttpRequest, pk: int) -> Stage:
    stage = _stage_or_404(request, pk)
    if stage.kind != StageKind.PERGESERAN or sel.line_scope_for_user(user=request.user, pemda_id=stage.pemda_id) \
            is not None:
        raise Http404
    return stage


@login_required
def shift_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Pergeseran documents of a pergeseran stage (pemda-wide roles)."""
    stage = _shift_stage(request, pk)
    shifts = list(sel.shifts_for_stage(stage=stage))
    return render(request, "budgeting/stages/shift_list.html", {
        "stage": stage, "shifts": shifts, "can_create": can(request.user, "budget.shift", stage)
        and sel.stage_input_allowed(stage=stage),
        "crumbs": _crumbs((stage.nama, reverse("budgeting:stage_detail", args=[stage.pk])), (_("Pergeseran"), "")),
    })


@login_required
def shift_detail(request: HttpRequest, pk: int, shift_pk: int) -> HttpResponse:
    stage = _shift_stage(request, pk)
    shift = BudgetShift.objects.filter(stage=stage, pk=shift_pk).select_related("created_by", "approved_by").first()
    if shift is None:
        raise Http404
    lines = list(ShiftLine.objects.filter(shift=shift))
    account_ids = {sl.before.get("account") for sl in lines} | {sl.after.get("account") for sl in lines}
    kodes = dict(Account.objects.filter(pk__in=[a for a in account_ids if a]).values_list("pk", "kode"))
    rows = [{"sl": sl, "before_account": kodes.get(sl.before.get("account"), ""),
             "after_account": kodes.get(sl.after.get("account"), "")} for sl in lines]
    return render(request, "budgeting/stages/shift_detail.html", {
        "stage": stage, "shift": shift, "lines": lines, "rows": rows,
        "net_delta": sum((sl.after_total - sl.before_total for sl in lines), Decimal("0.00")),
        "can_approve": shift.approved_at is None and shift_services.can_approve_shift(request.user, shift)
        and shift.created_by_id != request.user.pk,
        "events": events_for_object(shift, limit=20),
        "crumbs": _crumbs((stage.nama, reverse("budgeting:stage_detail", args=[stage.pk])),
                          (_("Pergeseran"), reverse("budgeting:shift_list", args=[stage.pk])), (shift.nomor, "")),
    })


@login_required
@require_POST
def shift_approve_view(request: HttpRequest, pk: int, shift_pk: int) -> HttpResponse:
    stage = _shift_stage(request, pk)
    shift = BudgetShift.objects.filter(stage=stage, pk=shift_pk).first()
    if shift is None:
        raise Http404
    try:
        shift_services.shift_approve(actor=request.user, shift=shift)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Pergeseran %(nomor)s disetujui.") % {"nomor": shift.nomor})
    return redirect("budgeting:shift_detail", pk=stage.pk, shift_pk=shift.pk)


def _shift_lines(stage: Stage, request: HttpRequest) -> tuple[list[BudgetLine], Organisation | None, Any]:
    org = None
    try:
        org_id = int(request.GET.get("opd") or request.POST.get("opd") or 0)
    except ValueError:
        org_id = 0
    if org_id:
        org = Organisation.objects.filter(pemda_id=stage.pemda_id, pk=org_id).first()
    if org is None:
        return [], None, None
    lines = BudgetLine.objects.filter(fiscal_year_id=stage.fiscal_year_id, organisation=org).select_related(
        "account", "sub_activity").order_by("sub_activity__kode", "account__kode", "pk")
    sub = request.GET.get("sub") or request.POST.get("sub") or ""
    if sub.isdigit():
        lines = lines.filter(sub_activity_id=int(sub))
    subs = SubActivityBudget.objects.filter(fiscal_year_id=stage.fiscal_year_id, organisation=org).order_by("kode")
    return list(lines[:300]), org, subs


NEW_LINE_SLOTS = 3
NEW_LINE_FIELDS = ("sub", "rekening", "komponen", "vol1", "sat1", "harga_satuan", "uraian")


def _shift_new_rows(request: HttpRequest) -> list[dict[str, str]]:
    """What was typed in the new-line slots (baru_<field>_<n>), to parse and to show again."""
    return [{name: request.POST.get(f"baru_{name}_{n}", "").strip() for name in NEW_LINE_FIELDS}
            for n in range(NEW_LINE_SLOTS)]


def _shift_new_lines(stage: Stage, raw_rows: list[dict[str, str]], subs: Any) -> list[tuple[Any, Any]]:
    """The new lines typed in the form as [(sub-kegiatan, LineInput)] for the service. A catalogue code is looked
    up here (zone "" first); the rules stay in the service."""
    from ..models import PriceItem
    from ..services.lines import LineInput

    allowed_subs = {str(s.pk): s for s in subs or ()}
    result = []
    for number, raw in enumerate(raw_rows, 1):
        if not (raw["rekening"] or raw["komponen"]):
            continue
        sub = allowed_subs.get(raw["sub"])
        if sub is None:
            raise ApplicationError(_("Baris baru %(n)s: pilih sub kegiatan perangkat daerah ini.") % {"n": number},
                                   code="sub_activity_required", field="new_lines")
        item = (PriceItem.objects.filter(fiscal_year_id=stage.fiscal_year_id, kode=raw["komponen"], is_active=True)
                .order_by("zone").first()) if raw["komponen"] else None
        if raw["komponen"] and item is None:
            raise ApplicationError(_("Baris baru %(n)s: komponen %(k)s tidak ada di standar harga TA %(t)s.")
                                   % {"n": number, "k": raw["komponen"], "t": stage.fiscal_year.tahun},
                                   code="unknown_price_item", field="price_item")
        result.append((sub, LineInput(account=raw["rekening"], price_item=item, vol1=raw["vol1"] or None,
                                      sat1=raw["sat1"], harga_satuan=raw["harga_satuan"] or None,
                                      uraian=raw["uraian"])))
    return result


@login_required
@require_http_methods(["GET", "POST"])
def shift_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a pergeseran: pick an agency (and sub-kegiatan), type the new volume or unit price of the lines that
    move and, if needed, new catalogue-priced lines, check the plan (net delta, required level), save."""
    stage = _shift_stage(request, pk)
    if not can(request.user, "budget.shift", stage):
        raise PermissionDenied
    lines, org, subs = _shift_lines(stage, request)
    form = ShiftForm(request.POST or None)
    error: ApplicationError | None = None
    plan = None
    new_rows = _shift_new_rows(request)
    if request.method == "POST":
        changes = []
        by_pk = {line.pk: line for line in lines}
        for line in lines:
            data = {}
            for name in ("vol1", "harga_satuan"):
                raw = request.POST.get(f"{name}_{line.pk}", "").strip()
                if raw and raw != str(getattr(line, name)):
                    data[name] = raw
            if data:
                stale = request.POST.get(f"version_{line.pk}")
                if stale and stale.isdigit():
                    by_pk[line.pk].version = int(stale)
                changes.append((by_pk[line.pk], data))
        try:
            new_lines = _shift_new_lines(stage, new_rows, subs)
            plan = shift_services.shift_plan(stage=stage, changes=changes, new_lines=new_lines)
            if request.POST.get("simpan") and form.is_valid():
                shift = shift_services.shift_create(actor=request.user, stage=stage, changes=changes,
                                                    new_lines=new_lines, **form.cleaned_data)
                messages.success(request, _("Pergeseran %(nomor)s dicatat; menunggu persetujuan.") % {
                    "nomor": shift.nomor})
                return redirect("budgeting:shift_detail", pk=stage.pk, shift_pk=shift.pk)
        except ApplicationError as exc:
            error = exc
    return render(request, "budgeting/stages/shift_form.html", {
        "stage": stage, "form": form, "lines": lines, "organisation": org, "subs": subs, "plan": plan,
        "new_rows": new_rows,
        "error": error, "post": request.POST, "organisations": Organisation.objects.filter(
            pemda_id=stage.pemda_id, is_active=True).order_by("kode"),
        "crumbs": _crumbs((stage.nama, reverse("budgeting:stage_detail", args=[stage.pk])),
                          (_("Pergeseran"), reverse("budgeting:shift_list", args=[stage.pk])), (_("Baru"), "")),
    }, status=_status(error))
