"""Read a standard price catalogue from Excel (.xlsx, also .xls/.ods) with python-calamine.

The header row (same names as the CSV layout, case/space-insensitive) is looked for in the first ten rows of the
first sheet, so an export with a title above the table is read too. Numeric cells stay numbers (Decimal), so a
price typed as 1.125 in a spreadsheet is not mistaken for "1.125" with a thousands dot.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from .catalogue_columns import REQUIRED_COLUMNS, CatalogueFile, build_rows, normalize_header

HEADER_SEARCH_ROWS = 10


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        return str(value)
    return value


def parse_grid(grid: list[list[Any]]) -> CatalogueFile:
    """Find the header row, then map the rows below it (row numbers as the spreadsheet shows them)."""
    header_index = None
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        names = {normalize_header(cell) for cell in row}
        if "kode_barang" in names and "harga_satuan" in names:
            header_index = index
            break
    if header_index is None:
        result = CatalogueFile()
        result.errors.append(
            _("Baris judul tidak ditemukan di 10 baris pertama (kolom wajib: %(cols)s).")
            % {"cols": ", ".join(REQUIRED_COLUMNS)}
        )
        return result
    records = [(i + 1, [_cell(v) for v in row]) for i, row in enumerate(grid) if i > header_index]
    return build_rows([_cell(v) for v in grid[header_index]], records)


def read_catalogue_excel(source: str | Path | IO[bytes]) -> CatalogueFile:
    """Read the first sheet of a workbook from a path or a binary file object."""
    from python_calamine import CalamineWorkbook

    try:
        if isinstance(source, str | Path):
            workbook = CalamineWorkbook.from_path(str(source))
        else:
            workbook = CalamineWorkbook.from_filelike(source)
        grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for unreadable files
        result = CatalogueFile()
        result.errors.append(_("Berkas Excel tidak dapat dibaca: %(err)s") % {"err": exc})
        return result
    return parse_grid([list(row) for row in grid])


EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def read_catalogue_file(path: str | Path) -> CatalogueFile:
    """CSV or Excel by the file's suffix."""
    from .catalogue_csv import read_catalogue_csv

    if Path(path).suffix.lower() in EXCEL_SUFFIXES:
        return read_catalogue_excel(path)
    return read_catalogue_csv(path)
