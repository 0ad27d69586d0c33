"""Rendered PDFs of the official documents, kept as files and made in the background when they are large.

WeasyPrint needs about 10 s per 1,000 lines (bench/bench_rka_pdf.py), so the RKA-SKPD of a regency agency with
10,000 lines would outlive any request. A `PdfDocument` names one document — kind (rka, dpa, summary), fiscal year,
agency or DPA, stage, paper, language — and the *fingerprint* of everything its content depends on:

* a frozen stage: the stage id, its freeze time and recorded digest and the agency's line count in it (the snapshot
  never changes), plus the signer's name and NIP; for stages frozen before the koefisien columns existed the live
  lines too (their koefisien is read from unchanged live lines);
* live data: count, latest `updated_at`, sum of versions and sum of ids of the agency's lines and sub-kegiatan (an
  edit, an insert or a delete changes one of them), the signer and today's date (the date printed);
* a DPA: its number and approval, its stage (as above) and its cash plan rows (count, versions, ids).

The rendered file is stored under `<cache dir>/<kind>/<scope>/<paper>-<language>-<key>.pdf`, where `key` is a
SHA-256 of the above; the cache directory (setting `TERANG_REPORT_CACHE_DIR`, default `VAR_DIR/report-cache`) lies
outside MEDIA_ROOT because the web server serves that folder to anyone. A file is only ever looked up by the key of
a document the requesting user may see, so agency A's file is never handed to agency B. Storing a new render removes
the older renders of the same document (same scope, paper and language: their data is no longer current).

Documents of at most `SYNC_LINE_LIMIT` lines are rendered in the request as before; larger ones are rendered by
the `render_report_pdf` task (reports/tasks.py) while the page polls (views/reports.py). A document is enqueued at
most once: a READY or RUNNING task with the same key is reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db.models import Count, Max, Sum
from django.utils import timezone, translation

from ..models import BudgetLine, CashPlan, Dpa, FiscalYear, Stage, StageLine, SubActivityBudget

# Documents with more lines than this are rendered by the background task (≈ 15 s of WeasyPrint at most).
SYNC_LINE_LIMIT = 1500
# Raise when the printed layout changes, so that no file rendered with the old templates is served again.
RENDER_VERSION = 2
TASK_PATH = "terang.budgeting.reports.tasks.render_report_pdf"
KINDS = ("rka", "dpa", "summary")


def cache_dir() -> Path:
    return Path(getattr(settings, "TERANG_REPORT_CACHE_DIR", None) or Path(settings.VAR_DIR) / "report-cache")


@dataclass(frozen=True)
class PdfDocument:
    """One PDF as it would be rendered now: what it is (`params`, JSON) and what its content depends on."""

    kind: str
    params: dict[str, Any]
    fingerprint: list[Any]
    line_count: int
    scope: str  # the folder of its files: one per document regardless of paper, language and data

    @property
    def key(self) -> str:
        text = json.dumps([RENDER_VERSION, self.kind, self.params, self.fingerprint], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    @property
    def variant(self) -> str:
        return f"{self.params['paper']}-{self.params['language']}"

    @property
    def path(self) -> Path:
        return cache_dir() / self.kind / self.scope / f"{self.variant}-{self.key}.pdf"

    @property
    def is_large(self) -> bool:
        return self.line_count > SYNC_LINE_LIMIT

    # --- files ---------------------------------------------------------------------------------------------------

    def cached_path(self) -> Path | None:
        path = self.path
        return path if path.is_file() else None

    def open_cached(self) -> BinaryIO | None:
        """The cached file opened for reading (None when missing, also when a newer render removed it just now)."""
        try:
            return open(self.path, "rb")  # the response closes it
        except FileNotFoundError:
            return None

    def store(self, content: bytes) -> Path:
        """Write the file atomically (a reader never sees half a PDF); drop older renders of the same document."""
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".render-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for old in path.parent.glob(f"{self.variant}-*.pdf"):  # renders of older data: never current again
            if old != path:
                old.unlink(missing_ok=True)
        return path

    # --- rendering -----------------------------------------------------------------------------------------------

    def render(self) -> bytes:
        """The PDF bytes, rendered now in the document's language."""
        from . import pdf

        p = self.params
        with translation.override(p["language"]):
            if self.kind == "rka":
                from terang.org.models import Organisation

                org = Organisation.objects.select_related("pemda", "pemda__region").get(pk=p["organisation"])
                source = ({"stage": Stage.objects.select_related("fiscal_year").get(pk=p["stage"])} if p["stage"]
                          else {"fiscal_year": FiscalYear.objects.get(pk=p["fiscal_year"])})
                return pdf.render_rka_pdf(organisation=org, paper=p["paper"], **source)
            if self.kind == "dpa":
                dpa = Dpa.objects.select_related("organisation", "organisation__pemda", "stage",
                                                 "stage__fiscal_year").get(pk=p["dpa"])
                return pdf.render_dpa_pdf(dpa=dpa, paper=p["paper"])
            source = ({"stage": Stage.objects.select_related("fiscal_year").get(pk=p["stage"])} if p["stage"]
                      else {"fiscal_year": FiscalYear.objects.get(pk=p["fiscal_year"])})
            return pdf.render_summary_pdf(kind=p["summary"], paper=p["paper"], **source)

    def render_and_store(self) -> tuple[Path, dict[str, Any]]:
        started = time.perf_counter()
        content = self.render()
        path = self.store(content)
        return path, {"bytes": len(content), "seconds": round(time.perf_counter() - started, 2)}

    # --- background task -----------------------------------------------------------------------------------------

    def task_kwargs(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": self.params, "key": self.key}

    def latest_task(self) -> Any:
        """The newest task result rendering this very document (same key), or None."""
        from django_tasks_db.models import DBTaskResult

        return (DBTaskResult.objects.filter(task_path=TASK_PATH, args_kwargs__kwargs__key=self.key)
                .order_by("-enqueued_at").first())

    def enqueue(self) -> Any:
        """Enqueue the render unless a READY or RUNNING task for the same key exists; returns that task result."""
        from django_tasks import TaskResultStatus

        from .tasks import render_report_pdf

        if _database_backend():
            latest = self.latest_task()
            if latest is not None and latest.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
                return latest
        return render_report_pdf.enqueue(**self.task_kwargs())


def _database_backend() -> bool:
    """True when tasks wait in the database (production); other backends (immediate, dummy) keep no rows to reuse."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


# --- fingerprints ------------------------------------------------------------------------------------------------


def _aggregate(qs: Any) -> list[Any]:
    row = qs.aggregate(n=Count("id"), m=Max("updated_at"), v=Sum("version"), i=Sum("id"))
    return [row["n"], row["m"].isoformat() if row["m"] else None, row["v"], row["i"]]


def _signer(organisation: Any) -> list[str]:
    return [organisation.kode, organisation.nama, organisation.kepala_nama, organisation.kepala_nip,
            organisation.bidang_urusan, organisation.pemda.nama]


def _frozen_stage(stage: Stage, organisation_id: int) -> tuple[list[Any], int, bool]:
    """(fingerprint of the stage's snapshot of one agency, its line count, whether live lines feed it too)."""
    from ..selectors_stages import frozen_info

    info = frozen_info([stage.pk]).get(stage.pk)
    lines = StageLine.objects.filter(stage=stage, organisation_id=organisation_id)
    count = lines.count()
    legacy = lines.filter(vol1__isnull=True).exists()  # frozen before the koefisien columns existed
    return [stage.pk, stage.frozen_at.isoformat() if stage.frozen_at else None, info.digest if info else "",
            count], count, legacy


def _live_lines(fiscal_year_id: int, organisation_id: int) -> list[Any]:
    return _aggregate(BudgetLine.objects.filter(fiscal_year_id=fiscal_year_id, organisation_id=organisation_id))


def _sub_activities(fiscal_year_id: int, organisation_id: int) -> list[Any]:
    # the section headers (location, indicator, target, months) are still read from the live sub-kegiatan
    return _aggregate(SubActivityBudget.objects.filter(fiscal_year_id=fiscal_year_id,
                                                       organisation_id=organisation_id))


def _language(language: str | None) -> str:
    return (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def rka_pdf_document(*, organisation: Any, fiscal_year: FiscalYear, stage: Stage | None, paper: str,
                     language: str | None = None) -> PdfDocument:
    """The RKA-SKPD of one agency from a frozen stage or live (no permission rules: the caller checks them)."""
    params = {"fiscal_year": fiscal_year.pk, "organisation": organisation.pk, "stage": stage.pk if stage else None,
              "paper": paper, "language": _language(language)}
    subs = _sub_activities(fiscal_year.pk, organisation.pk)
    if stage is not None:
        frozen, count, legacy = _frozen_stage(stage, organisation.pk)
        fingerprint: list[Any] = [frozen, _signer(organisation), subs]
        if legacy:
            fingerprint.append(_live_lines(fiscal_year.pk, organisation.pk))
        scope = f"{fiscal_year.pk}/{organisation.pk}/tahapan-{stage.pk}"
        return PdfDocument("rka", params, fingerprint, count, scope)
    live = _live_lines(fiscal_year.pk, organisation.pk)
    fingerprint = [live, subs, _signer(organisation), timezone.localdate().isoformat()]
    return PdfDocument("rka", params, fingerprint, live[0], f"{fiscal_year.pk}/{organisation.pk}/terkini")


def dpa_pdf_document(*, dpa: Dpa, paper: str, language: str | None = None) -> PdfDocument:
    """The DPA-SKPD (lines of its stage, cash plan, signatures of the agency head and the PPKD)."""
    from terang.org.models import Organisation

    params = {"dpa": dpa.pk, "paper": paper, "language": _language(language)}
    frozen, count, legacy = _frozen_stage(dpa.stage, dpa.organisation_id)
    ppkd = Organisation.objects.select_related("pemda").filter(pemda_id=dpa.pemda_id, is_ppkd=True).first()
    cash = CashPlan.objects.filter(dpa=dpa).aggregate(n=Count("id"), v=Sum("version"), i=Sum("id"))
    fingerprint = [dpa.nomor, dpa.approved_at.isoformat() if dpa.approved_at else None, frozen,
                   _signer(dpa.organisation), _signer(ppkd) if ppkd else None, [cash["n"], cash["v"], cash["i"]],
                   _sub_activities(dpa.fiscal_year_id, dpa.organisation_id)]
    if legacy:
        fingerprint.append(_live_lines(dpa.fiscal_year_id, dpa.organisation_id))
    return PdfDocument("dpa", params, fingerprint, count, f"{dpa.fiscal_year_id}/{dpa.pk}")


def summary_pdf_document(*, kind: str, fiscal_year: FiscalYear, stage: Stage, paper: str,
                         language: str | None = None) -> PdfDocument:
    """An APBD summary of a frozen stage (live summaries are rendered in the request and not kept)."""
    from ..selectors_stages import frozen_info

    info = frozen_info([stage.pk]).get(stage.pk)
    params = {"fiscal_year": fiscal_year.pk, "stage": stage.pk, "summary": kind, "paper": paper,
              "language": _language(language)}
    fingerprint = [stage.pk, stage.frozen_at.isoformat() if stage.frozen_at else None, info.digest if info else "",
                   info.lines if info else None, fiscal_year.pemda.nama]
    return PdfDocument("summary", params, fingerprint, 0, f"{fiscal_year.pk}/tahapan-{stage.pk}/{kind}")


def current_document(kind: str, params: dict[str, Any]) -> PdfDocument | None:
    """The document named by `params` (as stored in a task) with the fingerprint of the data as it is now; None when
    its agency, stage or DPA no longer exists."""
    from terang.org.models import Organisation

    paper, language = params["paper"], params["language"]
    if kind == "rka":
        org = Organisation.objects.select_related("pemda").filter(pk=params["organisation"]).first()
        fy = FiscalYear.objects.filter(pk=params["fiscal_year"]).first()
        stage = Stage.objects.filter(pk=params["stage"]).first() if params["stage"] else None
        if org is None or fy is None or (params["stage"] and stage is None):
            return None
        return rka_pdf_document(organisation=org, fiscal_year=fy, stage=stage, paper=paper, language=language)
    if kind == "dpa":
        dpa = Dpa.objects.select_related("organisation__pemda", "stage").filter(pk=params["dpa"]).first()
        return dpa_pdf_document(dpa=dpa, paper=paper, language=language) if dpa is not None else None
    stage = Stage.objects.select_related("fiscal_year__pemda").filter(pk=params["stage"]).first()
    if stage is None:
        return None
    return summary_pdf_document(kind=params["summary"], fiscal_year=stage.fiscal_year, stage=stage, paper=paper,
                                language=language)
