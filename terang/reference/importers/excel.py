"""Reading the official Kepmendagri Excel annexes (layout of [RR-KOD] `updateFromExcelFiles`, domain.md §1.8).

Layout: several code columns (urusan, bidang, program, kegiatan, sub kegiatan — or akun … sub rincian objek)
followed by a name column and, for sub-kegiatan, kinerja / indikator / satuan. The code cells of a row are joined
left to right (a cell may hold one segment, `2.01`, or the whole code so far). Rules:

* title and header rows before the first code are skipped, and so are repeated header rows (`KODE`,
  `NOMENKLATUR`, column numbers `1 2 3 …`) anywhere;
* a row whose code cells are empty and whose name cell has text continues the previous row's name; a line that
  starts with "Digunakan" starts that row's keterangan, and later continuation lines extend the keterangan;
* merged code cells are filled from their top-left cell;
* anything else that cannot be read is reported as `Baris N: <reason>` (Indonesian) and nothing is saved.

Parsing touches no database; `terang.reference.services.reference_annex_import` checks parents and saves.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from .. import codes
from ..choices import AccountLevel, ImportKind, ProgramLevel

HEADER_WORDS = {
    "KODE",
    "NOMENKLATUR",
    "URAIAN",
    "NAMA",
    "KINERJA",
    "INDIKATOR",
    "SATUAN",
    "KETERANGAN",
    "AKUN",
    "KELOMPOK",
    "JENIS",
    "OBJEK",
    "RINCIAN OBJEK",
    "SUB RINCIAN OBJEK",
    "URUSAN",
    "BIDANG",
    "BIDANG URUSAN",
    "PROGRAM",
    "KEGIATAN",
    "SUB KEGIATAN",
    "NO",
}
HEADER_PREFIXES = ("KODE", "NOMENKLATUR", "URAIAN", "LAMPIRAN")
KETERANGAN_START = re.compile(r"^digunakan\b", re.IGNORECASE)


@dataclass(frozen=True)
class AnnexLayout:
    """Where the code, name and extra columns are (0-based column indexes)."""

    code_columns: tuple[int, ...]
    name_column: int
    extra_columns: tuple[tuple[str, int], ...] = ()

    @classmethod
    def from_letters(cls, codes_range: str, name: str, extra: dict[str, str] | None = None) -> AnnexLayout:
        """`AnnexLayout.from_letters("A:E", "F", {"kinerja": "G"})`."""
        first, _sep, last = codes_range.upper().partition(":")
        start, end = column_index(first), column_index(last or first)
        if end < start:
            raise ValueError(f"rentang kolom tidak valid: {codes_range}")
        return cls(
            code_columns=tuple(range(start, end + 1)),
            name_column=column_index(name),
            extra_columns=tuple((key, column_index(letter)) for key, letter in (extra or {}).items()),
        )


def column_index(letters: str) -> int:
    """`A` → 0, `F` → 5, `AA` → 26."""
    letters = letters.strip().upper()
    if not letters or not letters.isalpha() or not letters.isascii():
        raise ValueError(f"kolom tidak valid: {letters!r}")
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - ord("A") + 1)
    return index - 1


PROGRAM_LAYOUT = AnnexLayout(
    code_columns=(0, 1, 2, 3, 4),
    name_column=5,
    extra_columns=(("kinerja", 6), ("indikator", 7), ("satuan", 8)),
)
ACCOUNT_LAYOUT = AnnexLayout(code_columns=(0, 1, 2, 3, 4, 5), name_column=6)
DEFAULT_LAYOUTS = {ImportKind.PROGRAM: PROGRAM_LAYOUT, ImportKind.ACCOUNT: ACCOUNT_LAYOUT}
SCHEMES = {ImportKind.PROGRAM: codes.PROGRAM, ImportKind.ACCOUNT: codes.ACCOUNT}


@dataclass
class AnnexRow:
    """One code read from the annex (name and keterangan already joined from continuation rows)."""

    row_number: int
    kode: str
    nama: str
    level: int
    tingkat: str
    parent: str | None
    keterangan: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class AnnexParseResult:
    """Rows read, rows skipped as titles/headers, and one Indonesian message per unreadable row."""

    rows: list[AnnexRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: int = 0


class _FloatCode(ValueError):
    pass


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        raise _FloatCode(repr(value))
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return " ".join(str(value).split())


def _text(value: Any) -> str:
    try:
        return _cell_text(value)
    except _FloatCode:
        return str(value)


def _at(row: list[Any], index: int) -> Any:
    return row[index] if index < len(row) else ""


def _is_column_numbers(cells: list[str]) -> bool:
    """The "1 2 3 4 5 6 …" row under the header: consecutive numbers without leading zeros, name cell included."""
    filled = [c for c in cells if c]
    if len(filled) < 3 or not all(c.isdigit() and not c.startswith("0") for c in filled):
        return False
    numbers = [int(c) for c in filled]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _is_header(cells: list[str]) -> bool:
    filled = [c.upper() for c in cells if c]
    if not filled:
        return False
    return all(c in HEADER_WORDS or c.startswith(HEADER_PREFIXES) for c in filled)


def _join_code(cells: list[str]) -> tuple[str, bool]:
    """Join code cells left to right; returns (code, has_gap)."""
    code = ""
    gap = False
    seen_empty = False
    for cell in cells:
        if not cell:
            seen_empty = True
            continue
        if seen_empty:
            gap = True  # an empty code cell before a filled one: the code is incomplete
        if code and cell.upper().startswith(code.upper() + "."):
            code = cell  # the cell repeats the whole code so far
        elif code:
            code = f"{code}.{cell}"
        else:
            code = cell
    return code, gap


def _level_of(kind: str, kode: str) -> tuple[int, str, str | None]:
    if kind == ImportKind.PROGRAM:
        level = codes.program_level(kode)
        return level, ProgramLevel.values[level - 1], codes.program_parent(kode)
    level = codes.level_of(kode)
    return level, AccountLevel.values[level - 1], codes.parent_of(kode)


def _apply_merges(grid: list[list[Any]], merges: list[Any] | None) -> None:
    for (r0, c0), (r1, c1) in merges or []:
        if r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        value = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(c0, c1 + 1):
                if c < len(row) and (r, c) != (r0, c0):
                    row[c] = value


def parse_grid(
    grid: list[list[Any]], *, kind: str, layout: AnnexLayout | None = None, first_row_number: int = 1
) -> AnnexParseResult:
    """Parse a sheet given as rows of cell values (row 0 = Excel row `first_row_number`)."""
    kind = ImportKind(kind)
    layout = layout or DEFAULT_LAYOUTS[kind]
    scheme = SCHEMES[kind]
    result = AnnexParseResult()
    seen: dict[str, int] = {}
    current: AnnexRow | None = None
    in_keterangan = False
    started = False
    after_error = False  # continuation lines of a rejected row are not reported again
    for offset, raw in enumerate(grid):
        number = first_row_number + offset
        name = _text(_at(raw, layout.name_column))
        extras = {key: _text(_at(raw, index)) for key, index in layout.extra_columns}
        try:
            code_cells = [_cell_text(_at(raw, i)) for i in layout.code_columns]
        except _FloatCode:
            shown = " ".join(_text(_at(raw, i)) for i in layout.code_columns if _text(_at(raw, i)))
            result.errors.append(
                _("Baris %(n)d: kode '%(kode)s' tersimpan sebagai angka desimal; simpan sel kode sebagai teks")
                % {"n": number, "kode": shown}
            )
            current, in_keterangan, after_error = None, False, True
            continue
        if not any(code_cells) and not name and not any(extras.values()):
            continue  # empty row
        if _is_header([*code_cells, name, *extras.values()]) or (
            name and _is_column_numbers([*code_cells, name, *extras.values()])
        ):
            result.skipped += 1
            continue
        if not any(code_cells):
            if not started:
                result.skipped += 1  # title lines above the table
                continue
            if current is None:
                if not after_error:
                    result.errors.append(_("Baris %(n)d: baris lanjutan tanpa baris kode sebelumnya") % {"n": number})
                continue
            if name and (in_keterangan or KETERANGAN_START.match(name)):
                in_keterangan = True
                current.keterangan = f"{current.keterangan} {name}".strip()
            elif name:
                current.nama = f"{current.nama} {name}".strip()
            for key, value in extras.items():
                if value:
                    current.extra[key] = f"{current.extra.get(key, '')} {value}".strip()
            continue
        joined, gap = _join_code(code_cells)
        try:
            kode = codes.normalize(joined, scheme)
            level, tingkat, parent = _level_of(kind, kode)
        except codes.InvalidCodeError:
            kode = ""
        if gap or not kode:
            if not started and not codes.looks_like_code(joined):
                result.skipped += 1  # a title such as "LAMPIRAN C" in the code column
                continue
            message = (
                _("Baris %(n)d: kode '%(kode)s' tidak lengkap (ada kolom kode kosong)")
                if gap
                else _("Baris %(n)d: kode '%(kode)s' tidak valid")
            )
            result.errors.append(message % {"n": number, "kode": joined})
            current, in_keterangan, after_error = None, False, True
            continue
        started = True
        in_keterangan = False
        after_error = True
        current = None
        if not name:
            result.errors.append(_("Baris %(n)d: nama untuk kode '%(kode)s' kosong") % {"n": number, "kode": kode})
            continue
        if kode in seen:
            result.errors.append(
                _("Baris %(n)d: kode '%(kode)s' ganda (sudah ada di baris %(m)d)")
                % {"n": number, "kode": kode, "m": seen[kode]}
            )
            continue
        after_error = False
        seen[kode] = number
        current = AnnexRow(
            row_number=number,
            kode=kode,
            nama=name,
            level=level,
            tingkat=tingkat,
            parent=parent,
            extra={k: v for k, v in extras.items() if v},
        )
        result.rows.append(current)
    if not result.rows and not result.errors:
        result.errors.append(_("Tidak ada baris kode yang terbaca."))
    return result


def read_annex(
    path: str | Path, *, kind: str, layout: AnnexLayout | None = None, sheet: str | int = 0
) -> AnnexParseResult:
    """Read one sheet of an .xlsx/.xls/.ods annex with python-calamine and parse it."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        worksheet = workbook.get_sheet_by_index(sheet) if isinstance(sheet, int) else workbook.get_sheet_by_name(sheet)
        grid = worksheet.to_python(skip_empty_area=False)
        merges = getattr(worksheet, "merged_cell_ranges", None)
    except Exception as exc:  # calamine raises its own error types for unreadable files
        result = AnnexParseResult()
        result.errors.append(_("Berkas tidak dapat dibaca: %(err)s") % {"err": exc})
        return result
    grid = [list(r) for r in grid]
    _apply_merges(grid, merges)
    return parse_grid(grid, kind=kind, layout=layout)
