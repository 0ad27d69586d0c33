"""Read a standard price catalogue from CSV (SIPD export layout): UTF-8 (with or without BOM), `,` or `;`.

Values stay text; numbers in Indonesian format ("1.850", "2.583.700,00") are parsed by the service with
terang.core.money.to_decimal. Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

from .catalogue_columns import CatalogueFile, build_rows


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def parse_catalogue_csv(text: str) -> CatalogueFile:
    """Parse CSV text (header in the first line)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        result = CatalogueFile()
        result.errors.append(_("Berkas kosong."))
        return result
    first_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        records = list(reader)
    except csv.Error as exc:
        result = CatalogueFile()
        result.errors.append(_("Berkas CSV tidak dapat dibaca: %(err)s") % {"err": exc})
        return result
    header, body = records[0], records[1:]
    return build_rows(header, [(i + 2, cells) for i, cells in enumerate(body)])


def read_catalogue_csv(source: str | Path | IO[bytes]) -> CatalogueFile:
    """Read a CSV file from a path or a binary file object."""
    try:
        raw = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        result = CatalogueFile()
        result.errors.append(_("Berkas CSV harus berenkode UTF-8."))
        return result
    except OSError as exc:
        result = CatalogueFile()
        result.errors.append(_("Berkas tidak dapat dibaca: %(err)s") % {"err": exc})
        return result
    return parse_catalogue_csv(text)
