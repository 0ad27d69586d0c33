"""Column names of the standard price catalogue files (SIPD export layout), shared by the CSV and Excel readers.

Header cells are compared case- and space-insensitively (`KODE BARANG`, `kode_barang` and ` Kode  Barang ` are the
same column). Besides the SIPD columns a file may carry `jenis` (ssh/hspk/asb/sbu or SIPD kelompok 1..4), `zona`
(price zone of the row) and per-zone prices `harga_zona_<zona>` (or SIPD's `harga_2`, `harga_3`, …), which expand one
row into one item per zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

REQUIRED_COLUMNS = ("kode_barang", "uraian_barang", "satuan", "harga_satuan", "kode_rekening_2026")
KNOWN_COLUMNS = (
    "id_standar_harga",
    "kode_kelompok_barang",
    "uraian_kelompok_barang",
    "kode_barang",
    "uraian_barang",
    "spesifikasi",
    "satuan",
    "harga_satuan",
    "kode_rekening_2026",
    "jenis",
    "zona",
)
ALIASES = {
    "kode_rekening": "kode_rekening_2026",
    "rekening": "kode_rekening_2026",
    "kode_akun": "kode_rekening_2026",
    "harga": "harga_satuan",
    "jenis_standar": "jenis",
    "kelompok": "jenis",
    "zona_harga": "zona",
    "zone": "zona",
    "uraian": "uraian_barang",
    "nama_barang": "uraian_barang",
    "spek": "spesifikasi",
}
ZONE_PRICE = re.compile(r"^harga_(?:zona_)?([0-9a-z][0-9a-z_]*)$")
_SPACES = re.compile(r"[\s\-]+")


def normalize_header(cell: Any) -> str:
    """`KODE BARANG` → `kode_barang`; unknown names are kept (normalised) so they can be reported or ignored."""
    text = str(cell if cell is not None else "").replace("\ufeff", "").strip().lower()
    text = _SPACES.sub("_", text).strip("_")
    return ALIASES.get(text, text)


def zone_of_price_column(name: str) -> str | None:
    """`harga_zona_2` / `harga_2` → `2`; None for any other column (including `harga_satuan`)."""
    if name == "harga_satuan":
        return None
    match = ZONE_PRICE.match(name)
    return match.group(1) if match else None


@dataclass
class CatalogueRow:
    """One data row of a file: its row number as a spreadsheet shows it (header = 1) and its cells by column."""

    number: int
    cells: dict[str, Any]


@dataclass
class CatalogueFile:
    """What a reader found: the columns, the data rows, and file-level problems (unreadable file, missing columns)."""

    columns: list[str] = field(default_factory=list)
    rows: list[CatalogueRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def build_rows(header: list[Any], records: list[tuple[int, list[Any]]]) -> CatalogueFile:
    """Map raw records (row number, cells) onto the normalised header; blank rows are skipped."""
    from django.utils.translation import gettext as _

    result = CatalogueFile()
    columns = [normalize_header(cell) for cell in header]
    result.columns = [c for c in columns if c]
    duplicated = sorted({c for c in result.columns if result.columns.count(c) > 1})
    if duplicated:
        result.errors.append(_("Kolom ganda di baris judul: %(cols)s.") % {"cols": ", ".join(duplicated)})
    missing = [c for c in REQUIRED_COLUMNS if c not in result.columns]
    if missing:
        result.errors.append(_("Kolom wajib tidak ada: %(cols)s.") % {"cols": ", ".join(missing)})
    if result.errors:
        return result
    for number, cells in records:
        if all(is_blank(v) for v in cells):
            continue
        row = {name: (cells[i] if i < len(cells) else None) for i, name in enumerate(columns) if name}
        result.rows.append(CatalogueRow(number=number, cells=row))
    return result
