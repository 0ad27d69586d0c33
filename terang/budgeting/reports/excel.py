"""Excel exports (openpyxl, write-only so big tables stream to the file): numbers as numbers with a rupiah number
format, a bold frozen header row, the title and the stage above it."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .tables import BOOLEAN, INTEGER, MONEY, NUMBER, Table

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUPIAH_FORMAT = '"Rp" #,##0.00;-"Rp" #,##0.00'
NUMBER_FORMAT = "#,##0.####"
HEADER_ROW = 4  # title, subtitle, blank line, header


def _cell(ws: Any, value: Any, *, bold: bool = False, number_format: str | None = None,
          fill: PatternFill | None = None, wrap: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if bold:
        cell.font = Font(bold=True)
    if number_format:
        cell.number_format = number_format
    if fill is not None:
        cell.fill = fill
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def write_table(workbook: Workbook, table: Table) -> None:
    """Append `table` as a worksheet of a write-only workbook."""
    ws = workbook.create_sheet(title=table.sheet[:31] or "Data")
    for index, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.append([_cell(ws, table.title, bold=True)])
    ws.append([table.subtitle])
    ws.append([])
    fill = PatternFill("solid", fgColor="E9ECEF")
    ws.append([_cell(ws, column.label, bold=True, fill=fill, wrap=True) for column in table.columns])
    formats = []
    for column in table.columns:
        if column.kind == MONEY:
            formats.append(RUPIAH_FORMAT)
        elif column.kind == NUMBER:
            formats.append(NUMBER_FORMAT)
        elif column.kind == INTEGER:
            formats.append("0")
        else:
            formats.append(None)
    kinds = [column.kind for column in table.columns]
    for row in table.rows:
        cells = []
        for value, kind, number_format in zip(row, kinds, formats, strict=True):
            if kind == BOOLEAN:
                value = bool(value)
            elif kind in (MONEY, NUMBER) and value is not None:
                value = Decimal(value)
            if number_format is not None and value is not None:
                cells.append(_cell(ws, value, number_format=number_format))
            else:
                cells.append(value)
        ws.append(cells)


def tables_xlsx(*tables: Table) -> bytes:
    """An .xlsx file with one sheet per table."""
    workbook = Workbook(write_only=True)
    for table in tables:
        write_table(workbook, table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rka_xlsx(*, organisation: Any, stage: Any = None, fiscal_year: Any = None) -> bytes:
    from .tables import rka_lines_table

    return tables_xlsx(rka_lines_table(organisation=organisation, stage=stage, fiscal_year=fiscal_year))


def dpa_xlsx(*, dpa: Any) -> bytes:
    """The DPA's lines (from its stage) and its cash plan, one sheet each."""
    from .tables import dpa_cash_table, rka_lines_table

    return tables_xlsx(rka_lines_table(organisation=dpa.organisation, stage=dpa.stage), dpa_cash_table(dpa=dpa))


def summary_xlsx(kind: str, *, stage: Any = None, fiscal_year: Any = None) -> bytes:
    from .tables import summary_table

    return tables_xlsx(summary_table(kind, stage=stage, fiscal_year=fiscal_year))
