"""CSV exports, streamed row by row (flat memory): UTF-8, comma-separated, a header row of column keys, numbers
written plainly with a dot for decimals (1234567.50) so that programs read them without guessing."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse

from .tables import BOOLEAN, MONEY, Table

CONTENT_TYPE = "text/csv; charset=utf-8"
CENT = Decimal("0.01")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _plain(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == BOOLEAN:
        return "ya" if value else "tidak"
    if isinstance(value, Decimal):
        if kind == MONEY:
            return format(value.quantize(CENT), "f")
        return format(value.normalize() if value == value.to_integral_value() else value, "f")
    return value


def iter_csv(table: Table, *, header: str = "keys") -> Iterator[str]:
    """The CSV text of `table`, one line at a time. header="keys" (stable, for programs) or "labels"."""
    writer = csv.writer(_Echo())
    yield writer.writerow([c.key if header == "keys" else c.label for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        yield writer.writerow([_plain(value, kind) for value, kind in zip(row, kinds, strict=True)])


def csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(iter_csv(table), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def rka_csv(*, organisation: Any, stage: Any = None, fiscal_year: Any = None) -> Iterator[str]:
    from .tables import rka_lines_table

    return iter_csv(rka_lines_table(organisation=organisation, stage=stage, fiscal_year=fiscal_year))


def dpa_csv(*, dpa: Any) -> Iterator[str]:
    from .tables import dpa_cash_table

    return iter_csv(dpa_cash_table(dpa=dpa))


def summary_csv(kind: str, *, stage: Any = None, fiscal_year: Any = None) -> Iterator[str]:
    from .tables import summary_table

    return iter_csv(summary_table(kind, stage=stage, fiscal_year=fiscal_year))
