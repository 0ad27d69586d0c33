"""Import an agency's RKA lines from Excel: every row through the same line services as typed entry, all or nothing.

Layout (one header row, found in the first ten rows of the sheet "RKA" or the first sheet):

    kode_sub_kegiatan, kode_rekening, kelompok, keterangan, jenis_baris (rincian/belum_dirinci), kode_komponen,
    uraian, spesifikasi, vol1, sat1, vol2, sat2, vol3, sat3, vol4, sat4, harga_satuan, ppn (ya/tidak), sumber_dana

Extra columns (the computed ones of the export: koefisien, volume, satuan, ppn_rp, jumlah) are ignored, and a row whose
first cell is "JUMLAH" (the export's totals row) is skipped, so an export imports back unchanged. An empty
kode_sub_kegiatan means a revenue (akun 4) or, for the PPKD, financing (akun 6) line of the agency. A sub-kegiatan
not yet in the agency's RKA is added (with the nomenclature's indicator and unit).

Every row is parsed here (sub-kegiatan code, line type, ppn, catalogue code) and then handed to the one door for
many lines, `services.lines.line_create_many`: the line service's rule function for every row, the ceilings
locked once and checked against the totals after all rows (a breach is reported at the row that crossed the
ceiling), one change record per line and one RKA_IMPORTED event. Every error is reported as "Baris 12, kolom
harga_satuan: …". Any error, or a dry run, rolls everything back.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from terang.accounts.permissions import require
from terang.audit.events import EventType
from terang.core.errors import ApplicationError
from terang.org.models import Organisation
from terang.reference import codes

from ..choices import LineType
from ..models import BudgetLine, FiscalYear, PriceItem, SubActivityBudget
from .ceilings import lock_ceilings
from .lines import LineBatchError, LineInput, LineIssue, editable_stage, line_create_many, sub_activity_create

TEMPLATE_COLUMNS = (
    "kode_sub_kegiatan", "kode_rekening", "kelompok", "keterangan", "jenis_baris", "kode_komponen", "uraian",
    "spesifikasi", "vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4", "harga_satuan", "ppn",
    "sumber_dana",
)
REQUIRED_COLUMNS = ("kode_sub_kegiatan", "kode_rekening")
TOTALS_MARKER = "JUMLAH"
HEADER_SEARCH_ROWS = 10
MAX_ROWS = 50_000
MAX_ERRORS = 1_000
LINE_TYPES = {"": LineType.ITEM, "rincian": LineType.ITEM, "item": LineType.ITEM,
              "belum_dirinci": LineType.UNDETAILED, "belum dirinci": LineType.UNDETAILED}
YES = {"ya", "y", "yes", "1", "true", "benar"}
NO = {"", "tidak", "t", "no", "n", "0", "false", "salah", "-"}
# ApplicationError.field (or code, when the field is empty) → template column
FIELD_COLUMN = {
    "account": "kode_rekening", "price_item": "kode_komponen", "harga_satuan": "harga_satuan", "vol1": "vol1",
    "vol2": "vol2", "vol3": "vol3", "vol4": "vol4", "sumber_dana": "sumber_dana", "kode": "kode_sub_kegiatan",
    "sat1": "sat1", "sat2": "sat2", "sat3": "sat3", "sat4": "sat4", "kelompok": "kelompok",
    "keterangan": "keterangan", "uraian": "uraian", "spesifikasi": "spesifikasi",
}
CODE_COLUMN = {"needs_sub_activity": "kode_sub_kegiatan", "wrong_akun": "kode_rekening",
               "undetailed_belanja_only": "jenis_baris", "missing_scope": "kode_sub_kegiatan"}


@dataclass
class ImportIssue:
    """One refused row (row None: the file as a whole)."""

    row: int | None
    column: str | None
    message: str

    @property
    def text(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return _("Baris %(row)s, kolom %(col)s: %(msg)s") % {"row": self.row, "col": self.column,
                                                                 "msg": self.message}
        return _("Baris %(row)s: %(msg)s") % {"row": self.row, "msg": self.message}


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a refused file, would have done)."""

    dry_run: bool
    rows: int = 0
    lines_created: int = 0
    sub_activities_created: int = 0
    total: Decimal = Decimal("0.00")
    totals_by_sub_activity: dict[str, Decimal] = field(default_factory=dict)
    errors: list[ImportIssue] = field(default_factory=list)
    more_errors: int = 0
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_texts(self) -> list[str]:
        return [e.text for e in self.errors]

    def add(self, row: int | None, column: str | None, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.more_errors += 1
            return
        self.errors.append(ImportIssue(row, column, message))


# --- reading ------------------------------------------------------------------------------------------------------


def normalize_header(value: Any) -> str:
    return "_".join(str(value or "").strip().lower().replace("-", " ").split())


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float):
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        return str(value)
    return str(value).strip()


def read_rows(path_or_file: str | Path | IO[bytes]) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """(spreadsheet row number, {column: value}) for every data row, and file-level errors."""
    from python_calamine import CalamineWorkbook

    try:
        if isinstance(path_or_file, str | Path):
            workbook = CalamineWorkbook.from_path(str(path_or_file))
        else:
            workbook = CalamineWorkbook.from_filelike(path_or_file)
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_name("RKA") if "RKA" in names else workbook.get_sheet_by_index(0)
        grid = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for unreadable files
        return [], [_("Berkas Excel tidak dapat dibaca: %(err)s") % {"err": exc}]
    header_index = None
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        names_in_row = {normalize_header(c) for c in row}
        if all(col in names_in_row for col in REQUIRED_COLUMNS):
            header_index = index
            break
    if header_index is None:
        return [], [_("Baris judul tidak ditemukan di 10 baris pertama (kolom wajib: %(cols)s).")
                    % {"cols": ", ".join(REQUIRED_COLUMNS)}]
    header = [normalize_header(c) for c in grid[header_index]]
    positions = {name: i for i, name in reversed(list(enumerate(header))) if name in TEMPLATE_COLUMNS}
    rows: list[tuple[int, dict[str, Any]]] = []
    for index in range(header_index + 1, len(grid)):
        raw = grid[index]
        values = {name: _cell(raw[pos]) if pos < len(raw) else "" for name, pos in positions.items()}
        if all(v == "" for v in values.values()):
            continue
        first = _cell(raw[0]) if raw else ""
        if isinstance(first, str) and first.upper() == TOTALS_MARKER:
            continue
        rows.append((index + 1, values))
    return rows, []


# --- import -------------------------------------------------------------------------------------------------------


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name, "")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return str(value or "").strip()


def _number(values: dict[str, Any], name: str) -> Any:
    value = values.get(name, "")
    return None if value == "" else value


def _clean_message(message: str, column: str | None, field_name: str | None) -> str:
    for name in {column, field_name} - {None}:
        prefix = _("Kolom %(f)s") % {"f": name} + ": "
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def _validation_issue(exc: ValidationError) -> tuple[str | None, str]:
    if hasattr(exc, "error_dict"):
        name, errors = next(iter(exc.message_dict.items()))
        column = FIELD_COLUMN.get(name)
        return column, f"{errors[0]}" if column else f"{name}: {errors[0]}"
    return None, "; ".join(exc.messages)


def _service_issue(issue: LineIssue) -> tuple[str | None, str]:
    """(column, message) of a refusal from the line service, in the importer's words."""
    column = FIELD_COLUMN.get(issue.field or "") or CODE_COLUMN.get(issue.code)
    message = _clean_message(issue.message, column, issue.field)
    if issue.field and column is None and issue.code == "invalid":
        message = f"{issue.field}: {message}"
    return column, message


def rka_import(*, actor: Any, fiscal_year: FiscalYear, organisation: Organisation,
               path_or_file: str | Path | IO[bytes], dry_run: bool = False) -> ImportReport:
    """Import RKA lines for one agency from a workbook; all or nothing, with every error by row and column.

    Rows are parsed here and saved through `line_create_many` (the line service's rule function for each row:
    account level and version, catalogue item allowed for the account, price ≤ catalogue, volumes, sumber dana;
    the ceilings checked once against the totals after all rows; one change record per line, one RKA_IMPORTED
    event). Lock order as in the line services: sub-kegiatan rows, the stage share lock, the agency's ceilings,
    then the audit chains (a missing sub-kegiatan is added only after the ceilings are held).
    """
    report = ImportReport(dry_run=dry_run)
    require(actor, "budget.edit_lines", organisation)
    if organisation.pemda_id != fiscal_year.pemda_id:
        report.add(None, None, _("Perangkat daerah bukan milik pemda tahun anggaran ini."))
        return report
    try:
        editable_stage(fiscal_year=fiscal_year, organisation=organisation, lock=False)
    except ApplicationError as exc:
        report.add(None, None, exc.message)
        return report
    rows, file_errors = read_rows(path_or_file)
    for message in file_errors:
        report.add(None, None, message)
    if file_errors:
        return report
    if not rows:
        report.add(None, None, _("Tidak ada baris data di bawah baris judul."))
        return report
    if len(rows) > MAX_ROWS:
        report.add(None, None, _("Berkas berisi %(n)s baris; paling banyak %(max)s baris per impor.")
                   % {"n": len(rows), "max": MAX_ROWS})
        return report
    report.rows = len(rows)
    items: dict[str, PriceItem] = {}
    for item in PriceItem.objects.filter(fiscal_year=fiscal_year, is_active=True).order_by("kode", "-zone"):
        items[item.kode] = item  # zone "" wins (ordered last)
    sumber_cache: dict[str, Any] = {}

    with transaction.atomic():
        subs = {s.kode: s for s in SubActivityBudget.objects.select_for_update(of=("self",))
                .filter(fiscal_year=fiscal_year, organisation=organisation).select_related("sumber_dana")
                .order_by("pk")}
        editable_stage(fiscal_year=fiscal_year, organisation=organisation)
        lock_ceilings(fiscal_year=fiscal_year, organisation=organisation)
        issues: list[tuple[int, str | None, str]] = []
        batch: list[tuple[SubActivityBudget | None, LineInput]] = []
        batch_rows: list[int] = []
        for row_number, values in rows:
            try:
                with transaction.atomic():  # a sub-kegiatan added for a refused row is rolled back with it
                    kode, new_sub = _row_sub_activity(actor, fiscal_year, organisation, values, subs)
                    data = _row_input(values, items, fiscal_year, sumber_cache)
            except _RowError as exc:
                issues.append((row_number, exc.column, exc.message))
                continue
            except ApplicationError as exc:
                column = FIELD_COLUMN.get(exc.field or "") or CODE_COLUMN.get(exc.code)
                issues.append((row_number, column, _clean_message(exc.message, column, exc.field)))
                continue
            except ValidationError as exc:
                column, message = _validation_issue(exc)
                issues.append((row_number, column, message))
                continue
            if new_sub is not None:
                subs[new_sub.kode] = new_sub
                report.sub_activities_created += 1
            batch.append((new_sub or (subs[kode] if kode else None), data))
            batch_rows.append(row_number)
        lines: list[BudgetLine] = []
        if batch:
            try:
                lines = line_create_many(
                    actor=actor, fiscal_year=fiscal_year, organisation=organisation, items=batch,
                    dry_run=dry_run or bool(issues), event_type=EventType.RKA_IMPORTED,
                    event_payload={"rows": report.rows, "sub_activities_created": report.sub_activities_created})
            except LineBatchError as exc:
                lines = exc.lines
                for issue in exc.issues:
                    column, message = _service_issue(issue)
                    issues.append((batch_rows[issue.index] if issue.index is not None else None, column, message))
        for row_number, column, message in sorted(issues, key=lambda i: -1 if i[0] is None else i[0]):
            report.add(row_number, column, message)
        _count(report, lines)
        if report.errors or dry_run:
            transaction.set_rollback(True)
            return report
        report.saved = True
    return report


def _count(report: ImportReport, lines: Sequence[BudgetLine]) -> None:
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        report.lines_created += 1
        report.total += line.total
        totals[line.sub_activity.kode if line.sub_activity is not None else "-"] += line.total
    report.totals_by_sub_activity = dict(totals)


class _RowError(Exception):
    def __init__(self, column: str | None, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def _row_sub_activity(actor: Any, fiscal_year: FiscalYear, organisation: Organisation, values: dict[str, Any],
                      subs: dict[str, SubActivityBudget]) -> tuple[str, SubActivityBudget | None]:
    """The agency's code of the row's sub-kegiatan (adding the sub-kegiatan when missing), or "" for none."""
    raw = _text(values, "kode_sub_kegiatan")
    if not raw:
        return "", None
    try:
        kode = codes.normalize_program_code(raw)
        if kode.startswith("X") and organisation.main_bidang:
            kode = codes.expand_support_code(kode, organisation.main_bidang)
    except codes.InvalidCodeError as exc:
        raise _RowError("kode_sub_kegiatan", _("Kode sub kegiatan '%(k)s' tidak valid.") % {"k": raw}) from exc
    if kode in subs:
        return kode, None
    sub = sub_activity_create(actor=actor, fiscal_year=fiscal_year, organisation=organisation, kode=kode)
    return sub.kode, sub


def _row_input(values: dict[str, Any], items: dict[str, PriceItem], fiscal_year: FiscalYear,
               sumber_cache: dict[str, Any]) -> LineInput:
    jenis = _text(values, "jenis_baris").lower()
    if jenis not in LINE_TYPES:
        raise _RowError("jenis_baris", _("Jenis baris '%(v)s' tidak dikenal; isi 'rincian' atau 'belum_dirinci'.")
                        % {"v": jenis})
    line_type = LINE_TYPES[jenis]
    ppn_text = _text(values, "ppn").lower()
    if ppn_text not in YES | NO:
        raise _RowError("ppn", _("Isi 'ya' atau 'tidak', bukan '%(v)s'.") % {"v": ppn_text})
    item = None
    kode_komponen = _text(values, "kode_komponen")
    if kode_komponen and line_type == LineType.ITEM:
        item = items.get(kode_komponen)
        if item is None:
            raise _RowError("kode_komponen", _("Komponen %(k)s tidak ada di standar harga TA %(t)s.")
                            % {"k": kode_komponen, "t": fiscal_year.tahun})
    account = _text(values, "kode_rekening")
    if not account:
        raise _RowError("kode_rekening", _("Kode rekening wajib diisi."))
    return LineInput(
        account=account,
        kelompok=_text(values, "kelompok"),
        keterangan=_text(values, "keterangan"),
        line_type=line_type,
        price_item=item,
        uraian=_text(values, "uraian"),
        spesifikasi=_text(values, "spesifikasi"),
        vol1=_number(values, "vol1") if line_type == LineType.ITEM else 1,
        sat1=_text(values, "sat1"),
        vol2=_number(values, "vol2"),
        sat2=_text(values, "sat2"),
        vol3=_number(values, "vol3"),
        sat3=_text(values, "sat3"),
        vol4=_number(values, "vol4"),
        sat4=_text(values, "sat4"),
        harga_satuan=_number(values, "harga_satuan"),
        ppn=ppn_text in YES,
        sumber_dana=_sumber(_text(values, "sumber_dana"), sumber_cache),
        extra={"fiscal_year": fiscal_year},
    )


def _sumber(kode: str, cache: dict[str, Any]) -> Any:
    """The SumberDana of a code (looked up once per import); unknown codes go to the service, which names them."""
    if not kode:
        return None
    if kode not in cache:
        from terang.reference.selectors import sumber_dana_by_kode

        cache[kode] = sumber_dana_by_kode(kode) or kode
    return cache[kode]
