"""Staff pages of the standard price catalogue (mounted at /staf/anggaran/standar-harga/, namespace "budgeting"):
the catalogue with search-as-you-type, item detail with price history, the import page (upload → dry run → confirm),
price-change proposals with evidence and their workflow, and the JSON search used by the line-entry page.

Views parse input, call selectors and services, and render; every rule lives in the services.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from terang.accounts.permissions import can
from terang.audit.selectors import events_for_object
from terang.core.errors import ApplicationError
from terang.core.views import run_action
from terang.core.workflow import available_transitions
from terang.org.models import Organisation
from terang.org.selectors import organisations_for_user

from .. import selectors_catalogue as sel
from ..choices import CatalogueKind, ProposalKind, ProposalStatus
from ..importers.catalogue_excel import EXCEL_SUFFIXES
from ..models import FiscalYear, PriceItem, PriceProposal
from ..services import catalogue as services
from ..workflows_catalogue import PRICE_PROPOSAL_WORKFLOW

PAGE_SIZE = 50
IMPORT_MAX_BYTES = 20 * 1024 * 1024
IMPORT_SESSION_KEY = "budgeting_catalogue_import"
IMPORT_PREVIEW_ROWS = 200
EVIDENCE_CONTENT_TYPES = services.EVIDENCE_TYPES


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.Select):
            css = "form-select"
        elif isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


def _status_for(error: ApplicationError | None) -> int:
    return 200 if error is None else error.status_code


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Standar harga"), reverse("budgeting:catalogue_list")), *items]


def _readable_years(request: HttpRequest) -> list[FiscalYear]:
    if not sel.catalogue_pemda_ids(user=request.user):
        raise PermissionDenied
    return list(sel.catalogue_fiscal_years_for_user(user=request.user))


def _choose_year(years: list[FiscalYear], value: str | None) -> FiscalYear | None:
    if value:
        for fy in years:
            if str(fy.pk) == value:
                return fy
        raise Http404
    return years[0] if years else None


def _multi_pemda(years: list[FiscalYear]) -> bool:
    return len({fy.pemda_id for fy in years}) > 1


# --- catalogue -----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def catalogue_list(request: HttpRequest) -> HttpResponse:
    """The catalogue of one fiscal year; `q` (code prefix, or words in name/specification), `jenis`, `rekening`.
    An htmx request (typing in the search box) gets only the result table."""
    years = _readable_years(request)
    fiscal_year = _choose_year(years, request.GET.get("ta"))
    q = request.GET.get("q", "").strip()[:100]
    jenis = request.GET.get("jenis", "")
    rekening = request.GET.get("rekening", "").strip()[:40]
    qs = (sel.price_items_for_user(user=request.user, fiscal_year=fiscal_year, q=q, jenis=jenis, rekening=rekening)
          if fiscal_year else PriceItem.objects.none())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("halaman"))
    params = request.GET.copy()
    params.pop("halaman", None)
    context = {
        "years": years, "fiscal_year": fiscal_year, "q": q, "jenis": jenis, "rekening": rekening, "page": page,
        "kinds": CatalogueKind.choices, "querystring": params.urlencode(), "multi_pemda": _multi_pemda(years),
        "can_import": bool(fiscal_year) and can(request.user, "catalogue.import", fiscal_year.pemda),
        "can_propose": organisations_for_user(user=request.user, action="catalogue.propose").exists(),
        "crumbs": [(_("Standar harga"), "")],
    }
    if request.headers.get("HX-Request"):
        return render(request, "budgeting/catalogue/_results.html", context)
    return render(request, "budgeting/catalogue/list.html", context)


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@require_GET
def catalogue_search(request: HttpRequest) -> JsonResponse:
    """JSON for search-as-you-type on the line-entry page: at most 20 active items of one fiscal year
    (`tahun`, optional `pemda`; default the newest readable year) matching `q`, only those allowing `rekening`.

    {"tahun": 2026, "pemda": "35.10", "results": [{id, kode, nama, spesifikasi, satuan, harga, jenis, rekening}]}
    """
    if not request.user.is_authenticated:
        return _json_error("not_authenticated", _("Silakan masuk terlebih dahulu."), 401)
    fiscal_year = sel.catalogue_fiscal_year_for_user(user=request.user, tahun=request.GET.get("tahun"),
                                                     pemda=request.GET.get("pemda", ""))
    if fiscal_year is None:
        return _json_error("not_found", _("Data tidak ditemukan."), 404)
    hits = sel.catalogue_search(fiscal_year=fiscal_year, q=request.GET.get("q", "")[:100],
                                rekening=request.GET.get("rekening", "")[:40])
    return JsonResponse({"tahun": fiscal_year.tahun, "pemda": fiscal_year.pemda.kode,
                         "results": [hit.as_json() for hit in hits]})


@login_required
@require_GET
def catalogue_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One item: price, allowed accounts, price history (imports and approved proposals) and its proposals."""
    item = sel.price_item_for_user(user=request.user, pk=pk)
    if item is None:
        raise Http404
    proposals = sel.price_proposals_for_user(user=request.user).filter(item=item)[:50]
    proposing = organisations_for_user(user=request.user, action="catalogue.propose").filter(pemda_id=item.pemda_id)
    return render(request, "budgeting/catalogue/item_detail.html", {
        "item": item,
        "history": sel.price_item_history(item),
        "proposals": proposals,
        "can_propose": proposing.exists(),
        "crumbs": _crumbs((f"{item.kode} {item.nama}", "")),
    })


# --- import --------------------------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    fiscal_year = forms.ModelChoiceField(label=gettext_lazy("Tahun anggaran"), queryset=FiscalYear.objects.none(),
                                         empty_label=None)
    jenis = forms.ChoiceField(label=gettext_lazy("Jenis standar untuk baris tanpa kolom jenis"),
                              choices=CatalogueKind.choices, initial=CatalogueKind.SSH)
    file = forms.FileField(label=gettext_lazy("Berkas CSV atau Excel (tata letak ekspor SIPD)"),
                           help_text=gettext_lazy("Kolom: id_standar_harga, kode_kelompok_barang, "
                                                  "uraian_kelompok_barang, kode_barang, uraian_barang, spesifikasi, "
                                                  "satuan, harga_satuan, kode_rekening_2026; opsional jenis, zona, "
                                                  "harga_zona_<zona>. Paling besar 20 MB."))

    def __init__(self, *args: Any, years: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].queryset = years  # type: ignore[attr-defined]
        self.fields["fiscal_year"].label_from_instance = lambda fy: f"{fy.tahun} · {fy.pemda}"  # type: ignore
        _bootstrap(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".csv", *EXCEL_SUFFIXES):
            raise forms.ValidationError(_("Berkas harus .csv, .xlsx, .xls atau .ods."))
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("Berkas lebih besar dari 20 MB."))
        return upload


def _import_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "terang-impor-standar-harga"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _stage_upload(upload: Any) -> tuple[Path, str]:
    """Keep the uploaded file until the user confirms (outside MEDIA_ROOT: it is not public)."""
    suffix = Path(upload.name).suffix.lower()
    target = _import_dir() / f"{uuid.uuid4().hex}{suffix}"
    digest = hashlib.sha256()
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            digest.update(chunk)
            fh.write(chunk)
    return target, digest.hexdigest()


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a file → dry-run report (row errors, or what would be created/changed) → confirm → import."""
    years = sel.catalogue_fiscal_years_for_user(user=request.user, action="catalogue.import")
    if not years.exists():
        raise PermissionDenied
    pending = request.session.get(IMPORT_SESSION_KEY) or {}
    report: services.ImportReport | None = None
    error: ApplicationError | None = None
    token = ""
    form = ImportForm(years=years, initial={"fiscal_year": request.GET.get("ta")})
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        staged = pending.get(token)
        if not staged:
            messages.error(request, _("Unggahan sudah kedaluwarsa atau sudah diimpor. Unggah berkas lagi."))
            return redirect("budgeting:catalogue_import")
        fiscal_year = years.filter(pk=staged["fiscal_year"]).first()
        path = Path(staged["path"])
        if fiscal_year is None or not path.exists() or \
                hashlib.sha256(path.read_bytes()).hexdigest() != staged["sha256"]:
            pending.pop(token, None)
            request.session[IMPORT_SESSION_KEY] = pending
            messages.error(request, _("Unggahan tidak dapat dipakai lagi. Unggah berkas lagi."))
            return redirect("budgeting:catalogue_import")
        try:
            report = services.catalogue_import(actor=request.user, fiscal_year=fiscal_year, path=path,
                                               kind_default=staged["jenis"], source_name=staged["name"])
        except ApplicationError as exc:
            error = exc
        if report is not None and report.saved:
            pending.pop(token, None)
            request.session[IMPORT_SESSION_KEY] = pending
            path.unlink(missing_ok=True)
            messages.success(request, report.summary())
            return redirect(f"{reverse('budgeting:catalogue_list')}?ta={fiscal_year.pk}")
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES, years=years)
        if form.is_valid():
            fiscal_year = form.cleaned_data["fiscal_year"]
            upload = form.cleaned_data["file"]
            path, digest = _stage_upload(upload)
            try:
                report = services.catalogue_import(
                    actor=request.user, fiscal_year=fiscal_year, path=path, kind_default=form.cleaned_data["jenis"],
                    dry_run=True, source_name=Path(upload.name).name)
            except ApplicationError as exc:
                error = exc
            if report is not None and report.ok:
                token = uuid.uuid4().hex
                for old in pending.values():  # one pending upload per user is enough
                    Path(old["path"]).unlink(missing_ok=True)
                pending = {token: {"path": str(path), "sha256": digest, "fiscal_year": fiscal_year.pk,
                                   "jenis": form.cleaned_data["jenis"], "name": Path(upload.name).name}}
                request.session[IMPORT_SESSION_KEY] = pending
            else:
                path.unlink(missing_ok=True)
                token = ""
    return render(request, "budgeting/catalogue/import.html", {
        "form": form, "report": report, "token": token, "error": error,
        "preview": report.changes[:IMPORT_PREVIEW_ROWS] if report else [],
        "error_rows": report.errors[:1000] if report else [],
        "crumbs": _crumbs((_("Impor"), "")),
    }, status=_status_for(error))


# --- proposals -----------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ProposalForm(forms.Form):
    """A price proposal; fields not used by the chosen kind are ignored by the service."""

    fiscal_year = forms.ModelChoiceField(label=gettext_lazy("Tahun anggaran"), queryset=FiscalYear.objects.none(),
                                         empty_label=None)
    organisation = forms.ModelChoiceField(label=gettext_lazy("Perangkat daerah pengusul"),
                                          queryset=Organisation.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=gettext_lazy("Jenis usulan"), choices=ProposalKind.choices)
    item_kode = forms.CharField(label=gettext_lazy("Kode barang yang diubah"), required=False, max_length=60,
                                help_text=gettext_lazy("Untuk harga baru atau rekening baru."))
    item_zona = forms.CharField(label=gettext_lazy("Zona harga"), required=False, max_length=40)
    catalogue_kind = forms.ChoiceField(label=gettext_lazy("Jenis standar"), required=False,
                                       choices=[("", "—"), *CatalogueKind.choices])
    kode = forms.CharField(label=gettext_lazy("Kode barang (jika sudah ada)"), required=False, max_length=60)
    kode_kelompok = forms.CharField(label=gettext_lazy("Kode kelompok barang"), required=False, max_length=40)
    nama = forms.CharField(label=gettext_lazy("Uraian"), required=False, max_length=500)
    spesifikasi = forms.CharField(label=gettext_lazy("Spesifikasi"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    satuan = forms.CharField(label=gettext_lazy("Satuan"), required=False, max_length=60)
    harga = forms.CharField(label=gettext_lazy("Harga usulan (tanpa PPN)"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    accounts = forms.CharField(label=gettext_lazy("Rekening"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=gettext_lazy("Satu atau beberapa kode rekening sub rincian objek, "
                                                      "dipisah koma atau baris baru."))
    effective_from = forms.DateField(label=gettext_lazy("Berlaku mulai"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     help_text=gettext_lazy("Kosong: sejak disetujui TAPD."))
    alasan = forms.CharField(label=gettext_lazy("Alasan dan dasar harga"), widget=forms.Textarea(attrs={"rows": 3}))
    bukti = MultipleFileField(label=gettext_lazy("Bukti (PDF, JPG, PNG, XLSX; paling besar 10 MB per berkas)"),
                              required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, years: Any, organisations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].queryset = years  # type: ignore[attr-defined]
        self.fields["fiscal_year"].label_from_instance = lambda fy: f"{fy.tahun} · {fy.pemda}"  # type: ignore
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        _bootstrap(self)

    def proposal_input(self, item: PriceItem | None) -> services.ProposalInput:
        data = self.cleaned_data
        return services.ProposalInput(
            kind=data["kind"], alasan=data["alasan"], item=item, catalogue_kind=data.get("catalogue_kind") or "",
            kode=data.get("kode", ""), kode_kelompok=data.get("kode_kelompok", ""), nama=data.get("nama", ""),
            spesifikasi=data.get("spesifikasi", ""), satuan=data.get("satuan", ""), harga=data.get("harga") or None,
            accounts=[data.get("accounts", "")], effective_from=data.get("effective_from"),
        )


def _resolve_item(form: ProposalForm) -> PriceItem | None:
    """The existing item a new-price/new-account proposal refers to (by code and zone in the chosen year)."""
    data = form.cleaned_data
    if data["kind"] == ProposalKind.NEW_ITEM:
        return None
    kode = (data.get("item_kode") or "").strip()
    if not kode:
        form.add_error("item_kode", _("Isi kode barang yang diusulkan untuk diubah."))
        return None
    item = PriceItem.objects.filter(fiscal_year=data["fiscal_year"], kode=kode,
                                    zone=(data.get("item_zona") or "").strip()).first()
    if item is None:
        form.add_error("item_kode", _("Kode barang %(kode)s tidak ada di standar harga tahun itu.") % {"kode": kode})
    return item


def _proposal_choices(request: HttpRequest) -> tuple[Any, Any]:
    organisations = organisations_for_user(user=request.user, action="catalogue.propose").order_by("nama")
    pemda = organisations.values("pemda_id")
    years = sel.catalogue_fiscal_years_for_user(user=request.user).filter(pemda_id__in=pemda)
    return years, organisations


@login_required
@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    """Proposals in the user's scope (an agency's own; the pemda's for administrator and TAPD)."""
    qs = sel.price_proposals_for_user(user=request.user)
    status = request.GET.get("status", "")
    if status in ProposalStatus.values:
        qs = qs.filter(status=status)
    kind = request.GET.get("jenis", "")
    if kind in ProposalKind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("halaman"))
    _years, organisations = _proposal_choices(request)
    return render(request, "budgeting/catalogue/proposal_list.html", {
        "page": page, "status": status, "statuses": ProposalStatus.choices, "jenis": kind,
        "kinds": ProposalKind.choices, "can_create": organisations.exists(),
        "crumbs": _crumbs((_("Usulan"), "")),
    })


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest) -> HttpResponse:
    """Draft a proposal (with evidence files) for one of the user's agencies."""
    years, organisations = _proposal_choices(request)
    if not organisations.exists() or not years.exists():
        raise PermissionDenied
    initial: dict[str, Any] = {"kind": request.GET.get("jenis") or ProposalKind.NEW_PRICE}
    item = sel.price_item_for_user(user=request.user, pk=request.GET.get("item")) if request.GET.get("item") else None
    if item is not None:
        initial.update(fiscal_year=item.fiscal_year_id, item_kode=item.kode, item_zona=item.zone)
    form = ProposalForm(request.POST or None, request.FILES or None, years=years, organisations=organisations,
                        initial=initial)

    def page(error: ApplicationError | None = None) -> dict[str, Any]:
        return {"form": form, "error": error, "proposal": None,
                "crumbs": _crumbs((_("Usulan"), reverse("budgeting:proposal_list")), (_("Baru"), ""))}

    if request.method == "POST" and form.is_valid():
        chosen = _resolve_item(form)
        if not form.errors:
            return run_action(
                request, service=services.price_proposal_create,
                kwargs={"actor": request.user, "fiscal_year": form.cleaned_data["fiscal_year"],
                        "organisation": form.cleaned_data["organisation"], "data": form.proposal_input(chosen),
                        "evidence": form.cleaned_data["bukti"]},
                success_message=_("Usulan disimpan sebagai draf. Periksa lalu ajukan."),
                redirect_to=_proposal_url, error_template="budgeting/catalogue/proposal_form.html", context=page)
    return render(request, "budgeting/catalogue/proposal_form.html", page())


def _proposal_url(proposal: PriceProposal) -> str:
    return reverse("budgeting:proposal_detail", args=[proposal.pk])


def _proposal_or_404(request: HttpRequest, pk: int) -> PriceProposal:
    proposal = sel.price_proposal_for_user(user=request.user, pk=pk)
    if proposal is None:
        raise Http404
    return proposal


def _detail_context(request: HttpRequest, proposal: PriceProposal) -> dict[str, Any]:
    options = available_transitions(PRICE_PROPOSAL_WORKFLOW, proposal, request.user)
    editable = proposal.status in services.EDITABLE_STATUSES and can(request.user, "catalogue.propose", proposal)
    item = proposal.item
    return {
        "proposal": proposal,
        "options": options,
        "can_edit": editable,
        "problems": services.proposal_problems(proposal) if proposal.status == ProposalStatus.DRAFT else [],
        "current_accounts": list(item.allowed_accounts.all()) if item else [],
        "events": events_for_object(proposal, limit=50),
        "crumbs": _crumbs((_("Usulan"), reverse("budgeting:proposal_list")), (f"#{proposal.pk}", "")),
    }


@login_required
@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One proposal: what it asks next to the current item, evidence, notes, history and the allowed buttons."""
    proposal = _proposal_or_404(request, pk)
    return render(request, "budgeting/catalogue/proposal_detail.html", _detail_context(request, proposal))


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Revise a draft (optimistic locking on `version`); files added here join the evidence."""
    proposal = _proposal_or_404(request, pk)
    if not can(request.user, "catalogue.propose", proposal):
        raise PermissionDenied
    if proposal.status not in services.EDITABLE_STATUSES:
        messages.error(request, _("Usulan berstatus “%(status)s” tidak dapat diubah.")
                       % {"status": proposal.get_status_display()})
        return redirect("budgeting:proposal_detail", pk=proposal.pk)
    years, organisations = _proposal_choices(request)
    initial = {
        "fiscal_year": proposal.fiscal_year_id, "organisation": proposal.organisation_id, "kind": proposal.kind,
        "item_kode": proposal.item.kode if proposal.item else "", "item_zona": proposal.item.zone if proposal.item
        else "", "catalogue_kind": proposal.catalogue_kind, "kode": proposal.kode,
        "kode_kelompok": proposal.kode_kelompok, "nama": proposal.nama, "spesifikasi": proposal.spesifikasi,
        "satuan": proposal.satuan, "harga": proposal.harga, "effective_from": proposal.effective_from,
        "accounts": ", ".join(a.kode for a in proposal.accounts.all()), "alasan": proposal.alasan,
        "version": proposal.version,
    }
    form = ProposalForm(request.POST or None, request.FILES or None, years=years, organisations=organisations,
                        initial=initial)
    form.fields["fiscal_year"].disabled = True
    form.fields["organisation"].disabled = True

    def page(error: ApplicationError | None = None) -> dict[str, Any]:
        return {"form": form, "error": error, "proposal": proposal,
                "crumbs": _crumbs((_("Usulan"), reverse("budgeting:proposal_list")),
                                  (f"#{proposal.pk}", _proposal_url(proposal)), (_("Ubah"), ""))}

    if request.method == "POST" and form.is_valid():
        chosen = _resolve_item(form)
        if not form.errors:
            return run_action(
                request, service=services.price_proposal_update,
                kwargs={"actor": request.user, "proposal": proposal, "data": form.proposal_input(chosen),
                        "expected_version": form.cleaned_data.get("version") or 0,
                        "evidence": form.cleaned_data["bukti"]},
                success_message=_("Usulan diperbarui."), redirect_to=_proposal_url,
                error_template="budgeting/catalogue/proposal_form.html", context=page)
    return render(request, "budgeting/catalogue/proposal_form.html", page())


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=ProposalStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=4000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


@login_required
@require_POST
def proposal_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit, approve or reject (the engine decides whether the user may)."""
    proposal = _proposal_or_404(request, pk)
    return run_action(
        request, form=TransitionForm(request.POST), service=services.price_proposal_transition,
        kwargs=lambda data: {"actor": request.user, "proposal": proposal, "to_status": data["to_status"],
                             "reason": data["reason"], "expected_version": data.get("version")},
        success_message=lambda changed: _("Status usulan menjadi “%(status)s”.") % {
            "status": changed.get_status_display()},
        redirect_to=_proposal_url(proposal), error_template="budgeting/catalogue/proposal_detail.html",
        context=lambda error: _detail_context(request, _proposal_or_404(request, pk)))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Berkas"))
    description = forms.CharField(label=gettext_lazy("Keterangan"), required=False, max_length=255)


@login_required
@require_POST
def proposal_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    return run_action(
        request, form=EvidenceForm(request.POST, request.FILES), service=services.price_proposal_evidence_add,
        invalid_message=ApplicationError(_("Pilih berkas yang akan dilampirkan."), field="file"),
        kwargs=lambda data: {"actor": request.user, "proposal": proposal, "file": data["file"],
                             "description": data["description"]},
        success_message=_("Bukti dilampirkan."), redirect_to=_proposal_url(proposal),
        error_template="budgeting/catalogue/proposal_detail.html",
        context=lambda error: _detail_context(request, _proposal_or_404(request, pk)))


@login_required
@require_POST
def proposal_evidence_delete(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    evidence = proposal.evidence.filter(pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    try:
        services.price_proposal_evidence_delete(actor=request.user, evidence=evidence)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Bukti dihapus."))
    return redirect("budgeting:proposal_detail", pk=proposal.pk)


@login_required
@require_GET
def proposal_evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """A supporting file, for whoever may read the proposal (evidence is not under a public URL)."""
    proposal = _proposal_or_404(request, pk)
    evidence = proposal.evidence.filter(pk=evidence_pk).first()
    if evidence is None or not evidence.file:
        raise Http404
    suffix = Path(evidence.file.name).suffix.lstrip(".").lower()
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = evidence.description if Path(evidence.description).suffix else f"bukti-{evidence.pk}.{suffix}"
    return FileResponse(handle, as_attachment=True, filename=name,
                        content_type=EVIDENCE_CONTENT_TYPES.get(suffix, "application/octet-stream"))
