"""Official documents as PDF (WeasyPrint): RKA-SKPD, DPA-SKPD and the APBD summaries.

A4 or F4 (215 × 330 mm), portrait or landscape where tables are wide, "Halaman X dari Y" from CSS page counters,
repeated table headers, signature blocks. The `render_*` functions take a stage (its frozen snapshot) or a fiscal
year (live lines) and carry no permission rules: staff views check `budget.view`, the public portal and API pass
published stages only.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from terang.core.errors import ApplicationError
from terang.core.money import format_number

from .. import summaries
from ..models import Dpa, FiscalYear, Stage
from .data import RkaDocument, dpa_document, rka_document

# WeasyPrint logs every layout step at INFO; keep its warnings and errors only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PAPERS = {"a4": ("210mm", "297mm"), "f4": ("215mm", "330mm")}
CONTENT_TYPE = "application/pdf"
# Summaries whose tables are too wide for portrait.
LANDSCAPE_SUMMARIES = {"opd", "urusan", "fungsi"}


def paper_size(paper: str = "a4", *, landscape: bool = False) -> str:
    """CSS @page size for `a4` or `f4` (F4 = 215 × 330 mm, the Indonesian folio)."""
    key = (paper or "a4").lower()
    if key not in PAPERS:
        raise ApplicationError(_("Ukuran kertas harus A4 atau F4."), code="invalid_paper", field="kertas")
    width, height = PAPERS[key]
    return f"{height} {width}" if landscape else f"{width} {height}"


def _footer(pemda: Any) -> str:
    stamp = timezone.localtime().strftime("%d-%m-%Y %H.%M")
    text = _("Terang · %(pemda)s · dicetak %(at)s") % {"pemda": pemda.nama, "at": stamp}
    return text.replace("\\", "").replace('"', "").replace("<", "").replace("\n", " ")


_gc_lock = threading.Lock()
_gc_state = {"depth": 0, "was_enabled": False}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while WeasyPrint works.

    A render allocates millions of boxes, styles and strings that are freed by reference counting; the collector
    re-scanned them ~1,400 times per 500 budget lines and took ~20 % of the CPU (bench/bench_rka_pdf.py, H8). The
    few cycles left are collected when the collector resumes. Process-wide, so counted: concurrent renders in
    threads nest and the collector resumes (if it ran before) when the last one ends.
    """
    with _gc_lock:
        if _gc_state["depth"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_state["depth"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["depth"] -= 1
            if _gc_state["depth"] == 0 and _gc_state["was_enabled"]:
                gc.enable()


@functools.cache
def _html_class() -> Any:
    """WeasyPrint's HTML class with the user-agent stylesheet minus its universal pseudo-element rules.

    `::marker`, `::footnote-call/-marker` and `::note-*` match every element, so WeasyPrint computed five extra
    styles per table cell (none is used: the documents have no lists, footnotes or notes) — ~10–15 % of a render.
    The output is byte-identical (list bullets would still render, only without the UA's tabular digits). Falls
    back to the stock class when a WeasyPrint version lacks the hooks.
    """
    from weasyprint import CSS, HTML

    try:
        from weasyprint.html import UA, UA_STYLESHEET
    except ImportError:  # pragma: no cover - other WeasyPrint versions
        return HTML
    if not hasattr(HTML, "_ua_stylesheets"):  # pragma: no cover
        return HTML
    # Counter styles stay registered by the stock sheet (HTML._ua_counter_style), so those rules are left out too.
    trimmed = CSS(string="\n".join(line for line in UA.splitlines()
                                   if not line.lstrip().startswith(("::", "@counter-style"))))

    class TerangHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [trimmed if sheet is UA_STYLESHEET else sheet for sheet in super()._ua_stylesheets(forms)]

    return TerangHTML


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a self-contained HTML document (fonts from fontconfig, no external resources)."""
    with gc_paused():
        return _html_class()(string=html).render().write_pdf()


def render_html_document(html: str) -> Any:
    """The laid-out WeasyPrint document (pages, boxes) — for page counts and text checks."""
    with gc_paused():
        return _html_class()(string=html).render()


def signed_amount(value: Decimal) -> str:
    """Indonesian accounting style: negatives in brackets, e.g. (25.000.000.000)."""
    text = format_number(abs(value), 2 if value != value.to_integral_value() else 0)
    return f"({text})" if value < 0 else text


# --- RKA-SKPD and DPA-SKPD ---------------------------------------------------------------------------------------


def rka_html(doc: RkaDocument, *, paper: str = "a4") -> str:
    prefix = "DPA-SKPD" if doc.kind == "dpa" else "RKA-SKPD"
    return render_to_string("budgeting/reports/rka.html", {
        "doc": doc, "prefix": prefix, "ppkd_prefix": "DPA-PPKD" if doc.kind == "dpa" else "RKA-PPKD",
        "page_size": paper_size(paper), "doc_title": f"{prefix} {doc.organisation.nama} {doc.fiscal_year.tahun}",
        "footer_note": _footer(doc.pemda),
    })


def render_rka_pdf(*, organisation: Any, stage: Stage | None = None, fiscal_year: FiscalYear | None = None,
                   paper: str = "a4") -> bytes:
    """RKA-SKPD of one agency from a frozen stage (or, without a stage, the live lines of `fiscal_year`)."""
    return html_to_pdf(rka_html(rka_document(organisation=organisation, stage=stage, fiscal_year=fiscal_year),
                                paper=paper))


def render_dpa_pdf(*, dpa: Dpa, paper: str = "a4") -> bytes:
    """DPA-SKPD with the cash plan per quarter and month and the signature blocks of the agency head and PPKD."""
    return html_to_pdf(rka_html(dpa_document(dpa), paper=paper))


# --- APBD summaries ----------------------------------------------------------------------------------------------


def _identity_rows(identity: summaries.ApbdIdentity) -> list[tuple[str, str]]:
    return [
        (_("Jumlah Pendapatan"), signed_amount(identity.pendapatan)),
        (_("Jumlah Belanja"), signed_amount(identity.belanja)),
        (_("Surplus / (Defisit)"), signed_amount(identity.surplus_defisit)),
        (_("Jumlah Penerimaan Pembiayaan"), signed_amount(identity.penerimaan_pembiayaan)),
        (_("Jumlah Pengeluaran Pembiayaan"), signed_amount(identity.pengeluaran_pembiayaan)),
        (_("Pembiayaan Netto"), signed_amount(identity.pembiayaan_netto)),
        (_("Sisa Lebih Pembiayaan Anggaran Tahun Berkenaan (SiLPA)"), signed_amount(identity.silpa)),
    ]


def account_display_rows(rows: list[summaries.AccountGroupRow],
                         identity: summaries.ApbdIdentity) -> list[dict[str, Any]]:
    """The ringkasan APBD layout: pendapatan groups and their sum, belanja groups and their sum, surplus/defisit,
    pembiayaan (penerimaan, pengeluaran) with their sums, pembiayaan netto and SiLPA."""
    def group(row: summaries.AccountGroupRow) -> dict[str, Any]:
        return {"kind": "group", "kode": row.kode, "nama": row.nama, "level": row.level,
                "amount": signed_amount(row.total)}

    def total(label: str, amount: Decimal) -> dict[str, Any]:
        return {"kind": "total", "kode": "", "nama": label, "level": 0, "amount": signed_amount(amount)}

    out: list[dict[str, Any]] = []
    out += [group(r) for r in rows if r.kode.startswith("4")]
    out.append(total(_("Jumlah Pendapatan"), identity.pendapatan))
    out += [group(r) for r in rows if r.kode.startswith("5")]
    out.append(total(_("Jumlah Belanja"), identity.belanja))
    out.append(total(_("Surplus / (Defisit)"), identity.surplus_defisit))
    out += [group(r) for r in rows if r.kode == "6" or r.kode.startswith("6.1")]
    out.append(total(_("Jumlah Penerimaan Pembiayaan"), identity.penerimaan_pembiayaan))
    out += [group(r) for r in rows if r.kode.startswith("6.2")]
    out.append(total(_("Jumlah Pengeluaran Pembiayaan"), identity.pengeluaran_pembiayaan))
    out.append(total(_("Pembiayaan Netto"), identity.pembiayaan_netto))
    out.append(total(_("Sisa Lebih Pembiayaan Anggaran Tahun Berkenaan (SiLPA)"), identity.silpa))
    return out


def summary_totals(kind: str, rows: list[Any]) -> list[Decimal]:
    """Column totals of a summary table (level-1 rows only where rows nest)."""
    zero = Decimal("0.00")
    if kind == "opd":
        fields = ("pendapatan", *summaries.BELANJA_FIELDS, "belanja", "penerimaan_pembiayaan",
                  "pengeluaran_pembiayaan")
        return [sum((getattr(r, f) for r in rows), zero) for f in fields]
    if kind in ("urusan", "fungsi"):
        top = [r for r in rows if r.level == 1]
        return [sum((getattr(r, f) for r in top), zero) for f in (*summaries.BELANJA_FIELDS, "belanja")]
    if kind == "opd_akun_sumber":
        return [sum((r.total for r in rows), zero)]
    return []


def summary_html(kind: str, *, stage: Stage | None = None, fiscal_year: FiscalYear | None = None,
                 paper: str = "a4") -> str:
    source = summaries.line_source(fiscal_year=fiscal_year, stage=stage)
    if kind not in summaries.SUMMARY_KINDS:
        raise ApplicationError(_("Jenis ringkasan “%(kind)s” tidak dikenal.") % {"kind": kind}, code="invalid_kind")
    identity = summaries.apbd_identity(source=source)
    functions = {"akun": summaries.summary_by_account, "opd": summaries.summary_by_organisation,
                 "urusan": summaries.summary_by_urusan, "fungsi": summaries.summary_by_fungsi,
                 "opd_akun_sumber": summaries.summary_by_organisation_account_sumber}
    rows = functions[kind](source=source)  # type: ignore[operator]
    fy = source.fiscal_year
    title = str(summaries.SUMMARY_KINDS[kind])
    return render_to_string("budgeting/reports/summary.html", {
        "kind": kind, "rows": rows, "doc_title": title, "formulir": _("Ringkasan APBD"),
        "pemda": fy.pemda, "fiscal_year": fy,
        "stage_label": stage.nama if stage is not None else _("Data terkini (belum dibekukan)"),
        "identity": identity, "identity_rows": _identity_rows(identity),
        "display_rows": account_display_rows(rows, identity) if kind == "akun" else [],
        "totals": summary_totals(kind, rows),
        "page_size": paper_size(paper, landscape=kind in LANDSCAPE_SUMMARIES),
        "footer_note": _footer(fy.pemda),
    })


def render_summary_pdf(*, kind: str, stage: Stage | None = None, fiscal_year: FiscalYear | None = None,
                       paper: str = "a4") -> bytes:
    """Ringkasan APBD `kind` (akun, opd, urusan, fungsi, opd_akun_sumber) of a frozen stage or live lines."""
    return html_to_pdf(summary_html(kind, stage=stage, fiscal_year=fiscal_year, paper=paper))


# --- file names --------------------------------------------------------------------------------------------------


def stage_slug(stage: Stage | None) -> str:
    if stage is None:
        return "terkini"
    return slugify(f"{stage.kind}-{stage.number}" if stage.kind == "pergeseran" else stage.kind)


def rka_filename(*, organisation: Any, fiscal_year: FiscalYear, stage: Stage | None, ext: str) -> str:
    return f"RKA-SKPD_{organisation.kode}_{fiscal_year.tahun}_{stage_slug(stage)}.{ext}"


def dpa_filename(*, dpa: Dpa, ext: str) -> str:
    return f"{dpa.nomor.replace('/', '_')}.{ext}"


def summary_filename(*, kind: str, fiscal_year: FiscalYear, stage: Stage | None, ext: str) -> str:
    return f"ringkasan-apbd_{kind}_{fiscal_year.pemda.kode}_{fiscal_year.tahun}_{stage_slug(stage)}.{ext}"
