"""Bulk import of belanja lines from a large CSV file (hundreds of thousands to millions of rows).

`lines_bulk_import_csv(fiscal_year=…, path=…)` is the administrative loader behind migrations from other systems
and the import benchmark: all-or-nothing, validated in bulk against the same rules as the line services (agency
and sub-kegiatan of the fiscal year, postable account of the year's version, catalogue item of the year allowed
for the account, unit price ≤ catalogue price, non-negative numbers, no unit without its volume, known sumber dana,
ceilings of every touched agency / sub-kegiatan / funding source), with an error report by row and column (the
header is row 1). Totals follow `calc.line_amounts` exactly (volume to 4 places, subtotal and PPN to the cent,
half up).

Two paths, same result:

* PostgreSQL: `COPY` of the file into a temporary table, one GROUPING SETS scan for its distinct codes (resolved in
  Python into three small tables), then ONE `INSERT … SELECT` that joins every row to them, checks every rule,
  computes the totals, writes only passing rows (line keys from gen_random_uuid(), ids in file order) and returns
  the sums the ceilings are held to; if fewer rows were written than read, a second query names every failing row
  and column and everything is rolled back.
* other databases (SQLite): a streaming `csv` reader, dictionaries prefetched once (agencies, sub-kegiatan, accounts,
  items and their accounts, sumber dana), `line_amounts` per row, executemany in batches of 5,000.

It does not check input windows or sub-kegiatan status (the interactive paths — line services and the RKA Excel
import — do); with an `actor` it requires `budget.edit_lines` over every agency in the file. The fiscal year, its
pemda and the actor are checked (and locked FOR KEY SHARE on PostgreSQL) once, since BudgetLine has no database
foreign key for them (docs/decisions/0003-budgetline-foreign-keys.md). One RKA_IMPORTED event
records the file's name, size, SHA-256, row count and total; no change record per line.

CSV columns (UTF-8, comma, header row, numbers written plainly as `1234.5`, ppn as 1/0/ya/tidak/true/false):
kode_opd, kode_sub_kegiatan, kode_rekening, kode_komponen, uraian, spesifikasi, vol1, sat1, vol2, sat2, vol3, sat3,
vol4, sat4, harga_satuan, ppn, kode_sumber_dana, kelompok, keterangan. Empty uraian/spesifikasi take the item's.
"""

# ruff: noqa: S608 -- SQL is assembled only from ORM table/column names; values go in params
from __future__ import annotations

import csv
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from terang.accounts.permissions import require
from terang.audit.events import EventType
from terang.audit.services import record_event
from terang.core.errors import ApplicationError
from terang.org.models import Organisation, Pemda
from terang.reference import codes
from terang.reference.models import SumberDana
from terang.reference.selectors import accounts_for_version

from ..calc import line_amounts
from ..choices import LineType
from ..models import BudgetLine, Ceiling, FiscalYear, PriceItem, SubActivityBudget

CSV_COLUMNS = ("kode_opd", "kode_sub_kegiatan", "kode_rekening", "kode_komponen", "uraian", "spesifikasi", "vol1",
               "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4", "harga_satuan", "ppn", "kode_sumber_dana",
               "kelompok", "keterangan")
BATCH = 5000
MAX_ERRORS = 1000
TRUE = {"1", "ya", "y", "true", "benar"}
FALSE = {"", "0", "tidak", "t", "n", "false", "salah"}
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
INSERT_COLUMNS = (
    "line_key", "fiscal_year", "pemda", "organisation", "sub_activity", "account", "akun", "sumber_dana", "kelompok",
    "keterangan", "line_type", "price_item", "uraian", "spesifikasi", "vol1", "sat1", "vol2", "sat2", "vol3", "sat3",
    "vol4", "sat4", "volume", "satuan", "harga_satuan", "ppn", "ppn_amount", "total", "penerima", "version",
    "created_by", "created_at", "updated_by", "updated_at",
)


def _column(name: str) -> str:
    field = BudgetLine._meta.get_field(name)
    assert isinstance(field, Field)
    return str(field.column)


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"baris": self.row, "kolom": self.column, "pesan": self.message}


@dataclass
class BulkImportResult:
    rows: int
    created: int
    total: Decimal
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)


def _fail(errors: list[RowError], rows: int) -> ApplicationError:
    shown = errors[:MAX_ERRORS]
    return ApplicationError(
        _("Impor dibatalkan: %(n)s kesalahan pada %(rows)s baris; tidak ada rincian yang disimpan.")
        % {"n": len(errors) if len(errors) < MAX_ERRORS else f"≥ {MAX_ERRORS}", "rows": rows},
        code="bulk_import_invalid", details={"kesalahan": [e.as_dict() for e in shown]})


def _file_facts(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return {"berkas": path.name, "ukuran": path.stat().st_size, "sha256": digest.hexdigest()}


def _canonical(kode: str, normalize: Any) -> str | None:
    try:
        return normalize(kode)
    except codes.InvalidCodeError:
        return None


@transaction.atomic
def lines_bulk_import_csv(*, fiscal_year: FiscalYear, path: str | Path, actor: Any = None,
                          check_ceilings: bool = True) -> BulkImportResult:
    """Import every row of a CSV file as a belanja line of `fiscal_year` (all or nothing); see the module doc."""
    started = time.perf_counter()
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ApplicationError(_("Kolom wajib tidak ada: %(cols)s.") % {"cols": ", ".join(missing)},
                               code="bulk_import_columns")
    _hold_parents(fiscal_year, actor)
    if connection.vendor == "postgresql" and header[:len(CSV_COLUMNS)] == list(CSV_COLUMNS):
        rows, created, total, org_ids, phases = _import_postgresql(fiscal_year, path, actor, check_ceilings)
    else:
        rows, created, total, org_ids, phases = _import_python(fiscal_year, path, header, actor)
        _require_all(actor, org_ids)
        if check_ceilings:
            mark = time.perf_counter()
            _check_ceilings(fiscal_year, org_ids, _line_usage(fiscal_year, org_ids))
            phases["pagu"] = round(time.perf_counter() - mark, 3)
    record_event(event_type=EventType.RKA_IMPORTED, instance=fiscal_year, actor=actor, pemda=fiscal_year.pemda_id,
                 payload={"bulk": True, **_file_facts(path), "baris": rows, "rincian": created, "jumlah": str(total)})
    return BulkImportResult(rows=rows, created=created, total=total, seconds=round(time.perf_counter() - started, 3),
                            phases=phases)


# --- validation shared by both paths ------------------------------------------------------------------------------


def _lock_ceilings(fiscal_year: FiscalYear, org_ids: set[int]) -> None:
    """The same lock order as the line services (ceilings by pk), so a bulk import and interactive saves queue."""
    list(Ceiling.objects.select_for_update().filter(fiscal_year=fiscal_year, organisation_id__in=org_ids)
         .order_by("pk").values_list("pk", flat=True))


def _hold_parents(fiscal_year: FiscalYear, actor: Any) -> None:
    """What the foreign keys that BudgetLine does not declare in the database (fiscal year, pemda, created_by,
    updated_by; docs/decisions/0003) would check for every row, checked once: the rows exist — and on PostgreSQL stay
    locked FOR KEY SHARE until COMMIT, as a foreign-key check locks them, so that nobody can delete them meanwhile."""
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    qn = connection.ops.quote_name
    fy_t, pemda_t = qn(FiscalYear._meta.db_table), qn(Pemda._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {fy_t} f JOIN {pemda_t} p ON p.id = f.pemda_id WHERE f.id = %s AND p.id = %s"
                       f"{lock}", [fiscal_year.pk, fiscal_year.pemda_id])
        if cursor.fetchone() is None:
            raise ApplicationError(
                _("Tahun anggaran %(tahun)s tidak ada di basis data; tidak ada rincian yang disimpan.")
                % {"tahun": fiscal_year.tahun}, code="bulk_import_parent", field="fiscal_year")
        if actor is not None:
            cursor.execute(f"SELECT 1 FROM {qn(actor._meta.db_table)} WHERE id = %s{lock}", [actor.pk])
            if cursor.fetchone() is None:
                raise ApplicationError(
                    _("Pengguna %(user)s tidak ada di basis data; tidak ada rincian yang disimpan.") % {"user": actor},
                    code="bulk_import_parent", field="actor")


def _require_all(actor: Any, org_ids: set[int]) -> None:
    if actor is not None:
        for org in Organisation.objects.filter(pk__in=org_ids).order_by("pk"):
            require(actor, "budget.edit_lines", org)


def _line_usage(fiscal_year: FiscalYear, org_ids: set[int]) -> list[tuple[int, int | None, int | None, Decimal]]:
    """Belanja of the agencies by (agency, sub-kegiatan of the RKA, sumber dana): the sums ceilings are held to."""
    lines = BudgetLine.objects.filter(fiscal_year=fiscal_year, organisation_id__in=org_ids, akun="5").order_by()
    return list(lines.values_list("organisation_id", "sub_activity_id", "sumber_dana_id").annotate(t=Sum("total")))


def _check_ceilings(fiscal_year: FiscalYear, org_ids: set[int],
                    usage: list[tuple[int, int | None, int | None, Decimal]]) -> None:
    """With every row in (`usage`: sums by agency, sub-kegiatan budget, sumber dana), no ceiling of a touched agency
    (agency, sub-kegiatan, funding source) is exceeded."""
    ceilings = list(Ceiling.objects.filter(fiscal_year=fiscal_year, organisation_id__in=org_ids))
    if not ceilings:
        return
    program = dict(SubActivityBudget.objects.filter(pk__in={sub for _o, sub, _s, _t in usage if sub is not None})
                   .values_list("pk", "sub_kegiatan_id"))
    by_org: dict[int, Decimal] = {}
    by_sub: dict[tuple[int, int | None], Decimal] = {}
    by_sumber: dict[tuple[int, int | None], Decimal] = {}
    for org, sub, sumber, amount in usage:
        by_org[org] = by_org.get(org, Decimal(0)) + amount
        key = (org, program.get(sub) if sub is not None else None)
        by_sub[key] = by_sub.get(key, Decimal(0)) + amount
        by_sumber[(org, sumber)] = by_sumber.get((org, sumber), Decimal(0)) + amount
    over = []
    for ceiling in ceilings:
        if ceiling.sub_kegiatan_id is not None:
            used = by_sub.get((ceiling.organisation_id, ceiling.sub_kegiatan_id))
        elif ceiling.sumber_dana_id is not None:
            used = by_sumber.get((ceiling.organisation_id, ceiling.sumber_dana_id))
        else:
            used = by_org.get(ceiling.organisation_id)
        if used is not None and used > ceiling.amount:
            over.append({"pagu_id": ceiling.pk, "perangkat_daerah": ceiling.organisation_id,
                         "pagu": str(ceiling.amount), "jumlah": str(Decimal(used).quantize(Decimal("0.01")))})
    if over:
        raise ApplicationError(
            _("Impor dibatalkan: %(n)s pagu terlampaui; tidak ada rincian yang disimpan.") % {"n": len(over)},
            code="ceiling_exceeded", details={"pagu": over})


class _Lookups:
    """Everything a row is checked against, prefetched once."""

    def __init__(self, fiscal_year: FiscalYear) -> None:
        self.orgs = dict(Organisation.objects.filter(pemda_id=fiscal_year.pemda_id).values_list("kode", "pk"))
        self.subs = {(org, kode): (pk, sumber) for pk, org, kode, sumber in SubActivityBudget.objects.filter(
            fiscal_year=fiscal_year).values_list("pk", "organisation_id", "kode", "sumber_dana_id")}
        self.accounts = {kode: (pk, postable) for pk, kode, postable in accounts_for_version(
            fiscal_year.account_version.kode).values_list("pk", "kode", "is_postable")}
        self.items = {kode: (pk, harga, nama, spek, satuan) for pk, kode, harga, nama, spek, satuan in
                      PriceItem.objects.filter(fiscal_year=fiscal_year, is_active=True, zone="").values_list(
                          "pk", "kode", "harga", "nama", "spesifikasi", "satuan")}
        through = PriceItem.allowed_accounts.through
        self.allowed: set[tuple[int, int]] = set(through.objects.filter(
            priceitem__fiscal_year=fiscal_year).values_list("priceitem_id", "account_id"))
        self.sumber = dict(SumberDana.objects.values_list("kode", "pk"))
        self._account_codes: dict[str, str | None] = {}
        self._program_codes: dict[str, str | None] = {}

    def account(self, raw: str) -> str | None:
        if raw not in self._account_codes:
            self._account_codes[raw] = _canonical(raw, codes.normalize_account_code)
        return self._account_codes[raw]

    def program(self, raw: str) -> str | None:
        if raw not in self._program_codes:
            self._program_codes[raw] = _canonical(raw, codes.normalize_program_code)
        return self._program_codes[raw]


def _number(value: str, column: str, row: int, errors: list[RowError], *, required: bool) -> Decimal | None:
    value = value.strip()
    if not value:
        if required:
            errors.append(RowError(row, column, _("Wajib diisi.")))
        return None
    if not _NUMBER.match(value):
        errors.append(RowError(row, column, _("'%(v)s' bukan angka tidak negatif (tulis seperti 1234.5).")
                               % {"v": value[:40]}))
        return None
    return Decimal(value)


# --- other databases: streaming Python -----------------------------------------------------------------------------


def _import_python(fiscal_year: FiscalYear, path: Path, header: list[str], actor: Any
                   ) -> tuple[int, int, Decimal, set[int], dict[str, float]]:
    mark = time.perf_counter()
    look = _Lookups(fiscal_year)
    phases = {"prefetch": round(time.perf_counter() - mark, 3)}
    mark = time.perf_counter()
    col = {name: header.index(name) for name in CSV_COLUMNS}
    table = BudgetLine._meta.db_table
    columns = ", ".join(_column(name) for name in INSERT_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"
    native_uuid = connection.features.has_native_uuid_field
    now = timezone.now()
    stamp = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    actor_id = actor.pk if actor is not None else None
    errors: list[RowError] = []
    org_ids: set[int] = set()
    batch: list[tuple[Any, ...]] = []
    rows = created = 0
    total = Decimal(0)
    rate = fiscal_year.ppn_rate
    with path.open(encoding="utf-8-sig", newline="") as fh, connection.cursor() as cursor:
        reader = csv.reader(fh)
        next(reader)
        for rownum, cells in enumerate(reader, start=2):
            rows += 1
            if len(cells) < len(header):
                cells = cells + [""] * (len(header) - len(cells))
            row_errors: list[RowError] = []
            value = {name: cells[i].strip() for name, i in col.items()}
            org = look.orgs.get(value["kode_opd"])
            if org is None:
                row_errors.append(RowError(rownum, "kode_opd", _("Perangkat daerah '%(k)s' tidak dikenal.")
                                           % {"k": value["kode_opd"]}))
            sub = look.subs.get((org, look.program(value["kode_sub_kegiatan"]) or "")) if org else None
            if org is not None and sub is None:
                row_errors.append(RowError(rownum, "kode_sub_kegiatan", _(
                    "Sub kegiatan '%(k)s' tidak ada di RKA perangkat daerah ini.") % {"k": value["kode_sub_kegiatan"]}))
            kode_rek = look.account(value["kode_rekening"])
            account = look.accounts.get(kode_rek or "")
            if account is not None and (not account[1] or not (kode_rek or "").startswith("5")):
                account = None  # known, but not a postable belanja account
            if account is None:
                row_errors.append(RowError(rownum, "kode_rekening", _(
                    "Rekening '%(k)s' bukan rekening belanja tingkat 6 versi %(v)s.")
                    % {"k": value["kode_rekening"], "v": fiscal_year.account_version.kode}))
            item = look.items.get(value["kode_komponen"])
            if item is None:
                row_errors.append(RowError(rownum, "kode_komponen", _("Komponen '%(k)s' tidak ada di standar harga.")
                                           % {"k": value["kode_komponen"]}))
            elif account is not None and (item[0], account[0]) not in look.allowed:
                row_errors.append(RowError(rownum, "kode_komponen", _(
                    "Komponen %(item)s tidak diizinkan untuk rekening %(acc)s.") % {"item": item[2], "acc": kode_rek}))
            vols = [_number(value[f"vol{n}"], f"vol{n}", rownum, row_errors, required=n == 1) for n in range(1, 5)]
            for n in range(1, 5):
                if vols[n - 1] is None and value[f"sat{n}"] and value[f"vol{n}"] == "":
                    row_errors.append(RowError(rownum, f"vol{n}", _("Satuan %(n)s diisi tanpa volume %(n)s.")
                                               % {"n": n}))
            harga = _number(value["harga_satuan"], "harga_satuan", rownum, row_errors, required=True)
            if harga is not None and item is not None and harga > item[1]:
                row_errors.append(RowError(rownum, "harga_satuan", _(
                    "Harga satuan %(h)s melebihi harga standar %(s)s.") % {"h": harga, "s": item[1]}))
            ppn_text = value["ppn"].lower()
            if ppn_text not in TRUE and ppn_text not in FALSE:
                row_errors.append(RowError(rownum, "ppn", _("PPN harus 1/0, ya/tidak atau true/false.")))
            sumber = None
            if value["kode_sumber_dana"]:
                sumber = look.sumber.get(value["kode_sumber_dana"])
                if sumber is None:
                    row_errors.append(RowError(rownum, "kode_sumber_dana", _("Sumber dana '%(k)s' tidak dikenal.")
                                               % {"k": value["kode_sumber_dana"]}))
            if row_errors:
                if len(errors) < MAX_ERRORS:
                    errors.extend(row_errors)
                continue
            if errors:
                continue  # already failing: keep validating, stop writing
            assert org is not None and sub is not None and account is not None and item is not None
            assert harga is not None and kode_rek is not None
            amounts = line_amounts(vol1=vols[0], vol2=vols[1], vol3=vols[2], vol4=vols[3],  # type: ignore[arg-type]
                                   harga_satuan=harga, ppn=ppn_text in TRUE, ppn_rate=rate)
            key = uuid.uuid4()
            batch.append((
                key if native_uuid else key.hex, fiscal_year.pk, fiscal_year.pemda_id, org, sub[0], account[0], "5",
                sumber if sumber is not None else sub[1], value["kelompok"][:255], value["keterangan"][:255],
                LineType.ITEM, item[0], (value["uraian"] or item[2])[:500], value["spesifikasi"] or item[3],
                vols[0], value["sat1"][:40], vols[1], value["sat2"][:40], vols[2], value["sat3"][:40], vols[3],
                value["sat4"][:40], amounts.volume, item[4][:60], harga, ppn_text in TRUE, amounts.ppn_amount,
                amounts.total, "", 1, actor_id, stamp, actor_id, stamp,
            ))
            org_ids.add(org)
            total += amounts.total
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                created += len(batch)
                batch = []
        if errors:
            raise _fail(errors, rows)
        if batch:
            cursor.executemany(sql, batch)
            created += len(batch)
    phases["parse_validate_insert"] = round(time.perf_counter() - mark, 3)
    _lock_ceilings(fiscal_year, org_ids)
    return rows, created, total, org_ids, phases


# --- PostgreSQL: COPY into a temporary table, resolve the distinct codes, one INSERT … SELECT ----------------------
#
# The file's rows are read three times, each a sequential scan of the temporary table: once to collect the distinct
# codes (agency × sub-kegiatan, account × catalogue item, sumber dana — a few thousand at most, resolved in Python
# with the same lookups as the streaming path), once by the INSERT … SELECT that joins every row to those small
# tables, parses and checks its numbers and computes its totals, and once more only when the file is refused, to
# name every bad row and column. A row is written only if it passes every rule (_VALID); when fewer rows were
# written than read, the error query below lists the rows that failed and the whole transaction is rolled back.


def _run(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


_NUM = r"'^\d+(\.\d+)?$'"


def _num(column: str) -> str:
    return f"CASE WHEN btrim(i.{column}) ~ {_NUM} THEN btrim(i.{column})::numeric END"


def _unit_without_volume(n: int) -> str:
    return f"(btrim(i.sat{n}) <> '' AND btrim(i.vol{n}) = '')"


# every row-level rule; all raw columns are NOT NULL (COPY … FORCE_NOT_NULL), the lookup flags are never NULL
_ROW_CHECKS = {
    "bad_v1": f"{_num('vol1')} IS NULL",
    **{f"bad_v{n}": f"(btrim(i.vol{n}) <> '' AND {_num(f'vol{n}')} IS NULL)" for n in (2, 3, 4)},
    **{f"unit_only{n}": _unit_without_volume(n) for n in (2, 3, 4)},
    "bad_harga": f"{_num('harga_satuan')} IS NULL",
    "above": f"COALESCE({_num('harga_satuan')} > k.item_harga, FALSE)",
    "bad_ppn": "lower(btrim(i.ppn)) NOT IN ({ppn_values})",
}
_LOOKUP_CHECKS = {
    "no_org": "s.no_org", "no_sub": "s.no_sub", "bad_acc": "NOT k.account_ok", "no_item": "k.item_id IS NULL",
    "not_allowed": "k.not_allowed", "bad_sumber": "d.bad",
}
_JOINS = """
    JOIN terang_import_sub s ON s.kode_opd = i.kode_opd AND s.kode_sub_kegiatan = i.kode_sub_kegiatan
    JOIN terang_import_item k ON k.kode_rekening = i.kode_rekening AND k.kode_komponen = i.kode_komponen
    JOIN terang_import_sd d ON d.kode = i.kode_sumber_dana"""


_TEMP_TABLES = "terang_import, terang_import_sub, terang_import_item, terang_import_sd"


def _copy_file(path: Path) -> int:
    cols = ", ".join(CSV_COLUMNS)
    _run(f"DROP TABLE IF EXISTS {_TEMP_TABLES}")  # left by an earlier import in the same (outer) transaction
    _run(f"CREATE TEMP TABLE terang_import ({', '.join(f'{c} TEXT' for c in CSV_COLUMNS)}) ON COMMIT DROP")
    with connection.cursor() as cursor:
        with path.open("rb") as fh, cursor.cursor.copy(
                f"COPY terang_import ({cols}) FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8', "
                f"FREEZE true, FORCE_NOT_NULL ({cols}))") as copy:
            copy.write(fh.read(1 << 20).removeprefix(b"\xef\xbb\xbf"))
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        return int(cursor.cursor.rowcount)


def _resolve_codes(fiscal_year: FiscalYear) -> set[int]:
    """The distinct codes of the file, resolved in Python into three small temporary tables; returns the agencies."""
    look = _Lookups(fiscal_year)
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT GROUPING(kode_opd, kode_rekening), kode_opd, kode_sub_kegiatan, kode_rekening, kode_komponen,
                   kode_sumber_dana
            FROM terang_import
            GROUP BY GROUPING SETS ((kode_opd, kode_sub_kegiatan), (kode_rekening, kode_komponen), (kode_sumber_dana))
        """)
        groups = cursor.fetchall()
    subs, items, sumber = [], [], []
    for grouping, kode_opd, kode_sub, kode_rek, kode_item, kode_sumber in groups:
        if grouping == 1:  # (kode_opd, kode_sub_kegiatan)
            org = look.orgs.get(kode_opd.strip())
            sub = look.subs.get((org, look.program(kode_sub.strip()) or "")) if org is not None else None
            subs.append((kode_opd, kode_sub, org, sub[0] if sub else None, sub[1] if sub else None, org is None,
                         org is not None and sub is None))
        elif grouping == 2:  # (kode_rekening, kode_komponen)
            kode = look.account(kode_rek.strip()) or ""
            account = look.accounts.get(kode)
            account_ok = bool(account and account[1] and kode.startswith("5"))
            item = look.items.get(kode_item.strip())
            allowed = bool(item and account and (item[0], account[0]) in look.allowed)
            items.append((kode_rek, kode_item, account[0] if account else None, account_ok,
                          *(item[:4] if item else (None,) * 4), item[4] if item else "",
                          bool(item and account_ok and not allowed), bool(item and account_ok and allowed)))
        else:  # kode_sumber_dana
            found = look.sumber.get(kode_sumber.strip())
            sumber.append((kode_sumber, found, bool(kode_sumber.strip()) and found is None))
    _run("""CREATE TEMP TABLE terang_import_sub (kode_opd TEXT, kode_sub_kegiatan TEXT, org_id BIGINT, sub_id BIGINT,
                sub_sumber BIGINT, no_org BOOLEAN, no_sub BOOLEAN) ON COMMIT DROP""")
    _run("""CREATE TEMP TABLE terang_import_item (kode_rekening TEXT, kode_komponen TEXT, account_id BIGINT,
                account_ok BOOLEAN, item_id BIGINT, item_harga NUMERIC, item_nama TEXT, item_spek TEXT,
                item_satuan TEXT, not_allowed BOOLEAN, ok BOOLEAN) ON COMMIT DROP""")
    _run("CREATE TEMP TABLE terang_import_sd (kode TEXT, sumber_id BIGINT, bad BOOLEAN) ON COMMIT DROP")
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO terang_import_sub VALUES (%s, %s, %s, %s, %s, %s, %s)", subs)
        cursor.executemany("INSERT INTO terang_import_item VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                           items)
        cursor.executemany("INSERT INTO terang_import_sd VALUES (%s, %s, %s)", sumber)
        cursor.execute("ANALYZE terang_import_sub, terang_import_item, terang_import_sd")
    return {row[2] for row in subs if row[2] is not None}


def _key_prefix() -> str:
    """The first 64 bits, as hex, of the line keys of one import: random, with the version nibble of an RFC 9562
    UUIDv8. The last 64 bits are the variant bits and the row's number in the file, so the keys of one import are
    unique, never equal to a random (v4) key, and increase in file order: the unique index on line_key takes them
    as appends to one place instead of a million random inserts (measured: the random keys' index was ~40 % of the
    cost of writing the rows)."""
    prefix = uuid.uuid4().hex[:16]
    return prefix[:12] + "8" + prefix[13:]


def _import_postgresql(fiscal_year: FiscalYear, path: Path, actor: Any, check_ceilings: bool
                       ) -> tuple[int, int, Decimal, set[int], dict[str, float]]:
    qn = connection.ops.quote_name
    phases: dict[str, float] = {}
    mark = time.perf_counter()
    rows = _copy_file(path)
    phases["copy"] = round(time.perf_counter() - mark, 3)

    mark = time.perf_counter()
    org_ids = _resolve_codes(fiscal_year)
    _require_all(actor, org_ids)  # before writing anything
    phases["resolve"] = round(time.perf_counter() - mark, 3)

    mark = time.perf_counter()
    usage: list[tuple[int, int | None, int | None, Decimal]] = []
    if check_ceilings:
        _lock_ceilings(fiscal_year, org_ids)
        usage = _line_usage(fiscal_year, org_ids)  # before the import: other lines of the touched agencies
    phases["pagu_awal"] = round(time.perf_counter() - mark, 3)

    mark = time.perf_counter()
    ppn_values = ", ".join(f"'{t}'" for t in sorted(TRUE | FALSE))
    bad = " OR ".join([*_LOOKUP_CHECKS.values(), *_ROW_CHECKS.values()]).format(ppn_values=ppn_values)
    true_in = ", ".join(f"'{t}'" for t in sorted(TRUE))
    columns = ", ".join(_column(name) for name in INSERT_COLUMNS)
    actor_id = actor.pk if actor is not None else None
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH written AS (
                INSERT INTO {qn(BudgetLine._meta.db_table)} ({columns})
                SELECT (%(key_prefix)s
                        || to_hex(row_number() OVER (ORDER BY i.ctid) + (-9223372036854775808)::bigint))::uuid,
                       %(fy)s, %(pemda)s, s.org_id, s.sub_id, k.account_id, '5',
                       COALESCE(d.sumber_id, s.sub_sumber), left(i.kelompok, 255), left(i.keterangan, 255),
                       %(line_type)s, k.item_id, left(COALESCE(NULLIF(i.uraian, ''), k.item_nama), 500),
                       COALESCE(NULLIF(i.spesifikasi, ''), k.item_spek),
                       a.v1, left(i.sat1, 40), a.v2, left(i.sat2, 40), a.v3, left(i.sat3, 40), a.v4, left(i.sat4, 40),
                       a.volume, left(k.item_satuan, 60), a.harga, a.ppn, a.ppn_amount, a.subtotal + a.ppn_amount,
                       '', 1, %(actor)s, now(), %(actor)s, now()
                FROM terang_import i {_JOINS}
                CROSS JOIN LATERAL (
                    SELECT *, CASE WHEN ppn THEN round(subtotal * %(rate)s, 2) ELSE 0 END AS ppn_amount
                    FROM (
                        SELECT *, round(volume * harga, 2) AS subtotal
                        FROM (
                            SELECT *, round(v1 * COALESCE(v2, 1) * COALESCE(v3, 1) * COALESCE(v4, 1), 4) AS volume
                            FROM (
                                SELECT {_num('vol1')} AS v1, {_num('vol2')} AS v2, {_num('vol3')} AS v3,
                                       {_num('vol4')} AS v4, {_num('harga_satuan')} AS harga,
                                       lower(btrim(i.ppn)) IN ({true_in}) AS ppn
                                OFFSET 0
                            ) n
                        ) v
                    ) t
                ) a
                WHERE NOT COALESCE({bad}, TRUE)
                ORDER BY i.ctid  -- ids in file order (the order lines show in within an account)
                RETURNING organisation_id, sub_activity_id, sumber_dana_id, total
            )
            SELECT organisation_id, sub_activity_id, sumber_dana_id, count(*), sum(total)
            FROM written GROUP BY organisation_id, sub_activity_id, sumber_dana_id""",
                       {"key_prefix": _key_prefix(), "fy": fiscal_year.pk, "pemda": fiscal_year.pemda_id,
                        "line_type": LineType.ITEM,
                        "actor": actor_id, "rate": fiscal_year.ppn_rate})
        written = cursor.fetchall()
    created = sum(row[3] for row in written)
    total = Decimal(sum((row[4] for row in written), Decimal(0)))
    phases["insert"] = round(time.perf_counter() - mark, 3)
    if created != rows:
        raise _fail(_pg_errors(fiscal_year, bad), rows)

    _run(f"DROP TABLE {_TEMP_TABLES}")
    if check_ceilings:
        mark = time.perf_counter()
        _check_ceilings(fiscal_year, org_ids, usage + [(o, s, d, t) for o, s, d, _n, t in written])
        phases["pagu"] = round(time.perf_counter() - mark, 3)
    return rows, created, total, org_ids, phases


def _pg_errors(fiscal_year: FiscalYear, bad: str) -> list[RowError]:
    """Every failing row (the first MAX_ERRORS), numbered as in the file (the header is row 1)."""
    checks = {**_LOOKUP_CHECKS, **{name: sql.format(ppn_values=", ".join(f"'{t}'" for t in sorted(TRUE | FALSE)))
                                   for name, sql in _ROW_CHECKS.items()}}
    with connection.cursor() as cursor:
        # COPY appended the rows to the new table in file order, so physical order is file order
        cursor.execute(f"""
            SELECT i.rownum + 1, {', '.join(f'COALESCE({sql}, FALSE)' for sql in checks.values())},
                   i.kode_opd, i.kode_sub_kegiatan, i.kode_rekening, i.kode_komponen, i.harga_satuan, k.item_harga,
                   i.kode_sumber_dana
            FROM (SELECT row_number() OVER (ORDER BY ctid) AS rownum, * FROM terang_import) i {_JOINS}
            WHERE COALESCE({bad}, TRUE)
            ORDER BY i.rownum LIMIT %s""", [MAX_ERRORS])
        failed = cursor.fetchall()
    errors: list[RowError] = []
    for row, *flags_and_values in failed:
        flag = dict(zip(checks, flags_and_values[:len(checks)], strict=True))
        kode_opd, kode_sub, kode_rek, kode_item, harga, item_harga, kode_sumber = flags_and_values[len(checks):]
        messages = (
            ("no_org", "kode_opd", _("Perangkat daerah '%(k)s' tidak dikenal.") % {"k": kode_opd}),
            ("no_sub", "kode_sub_kegiatan", _("Sub kegiatan '%(k)s' tidak ada di RKA perangkat daerah ini.")
             % {"k": kode_sub}),
            ("bad_acc", "kode_rekening", _("Rekening '%(k)s' bukan rekening belanja tingkat 6 versi %(v)s.")
             % {"k": kode_rek, "v": fiscal_year.account_version.kode}),
            ("no_item", "kode_komponen", _("Komponen '%(k)s' tidak ada di standar harga.") % {"k": kode_item}),
            ("not_allowed", "kode_komponen", _("Komponen %(item)s tidak diizinkan untuk rekening %(acc)s.")
             % {"item": kode_item, "acc": kode_rek}),
            ("bad_v1", "vol1", _("Volume 1 wajib diisi dengan angka tidak negatif.")),
            ("bad_v2", "vol2", _("Volume 2 bukan angka tidak negatif.")),
            ("bad_v3", "vol3", _("Volume 3 bukan angka tidak negatif.")),
            ("bad_v4", "vol4", _("Volume 4 bukan angka tidak negatif.")),
            *((f"unit_only{n}", f"vol{n}", _("Satuan %(n)s diisi tanpa volume %(n)s.") % {"n": n}) for n in (2, 3, 4)),
            ("bad_harga", "harga_satuan", _("Harga satuan wajib diisi dengan angka tidak negatif.")),
            ("above", "harga_satuan", _("Harga satuan %(h)s melebihi harga standar %(s)s.")
             % {"h": harga, "s": item_harga}),
            ("bad_ppn", "ppn", _("PPN harus 1/0, ya/tidak atau true/false.")),
            ("bad_sumber", "kode_sumber_dana", _("Sumber dana '%(k)s' tidak dikenal.") % {"k": kode_sumber}),
        )
        errors.extend(RowError(row, column, message) for name, column, message in messages if flag[name])
    if not errors:  # cannot happen: a row was left out by no rule
        errors.append(RowError(0, "", _("Jumlah rincian yang tersimpan tidak sama dengan jumlah baris berkas.")))
    return errors
