"""Bulk import of belanja lines from a large CSV file (hundreds of thousands to millions of rows).

`lines_bulk_import_csv(fiscal_year=…, path=…)` is the administrative loader behind migrations from other systems
and the import benchmark: all-or-nothing, validated in bulk against the same rules as the line services (agency
and sub-kegiatan of the fiscal year, postable account of the year's version, catalogue item of the year allowed
for the account, unit price ≤ catalogue price, non-negative numbers, no unit without its volume, known sumber dana,
ceilings of every touched agency / sub-kegiatan / funding source), with an error report by row and column (the
header is row 1). Totals follow `calc.line_amounts` exactly (volume to 4 places, subtotal and PPN to the cent,
half up).

Two paths, same result:

* PostgreSQL: `COPY` of the file into a temporary table, one INSERT … SELECT that resolves every code with hash
  joins, one validation query, one INSERT … SELECT into BudgetLine (line keys from gen_random_uuid()).
* other databases (SQLite): a streaming `csv` reader, dictionaries prefetched once (agencies, sub-kegiatan, accounts,
  items and their accounts, sumber dana), `line_amounts` per row, executemany in batches of 5,000.

It does not check input windows or sub-kegiatan status (the interactive paths — line services and the RKA Excel
import — do); with an `actor` it requires `budget.edit_lines` over every agency in the file. One RKA_IMPORTED event
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
from terang.org.models import Organisation
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
    if connection.vendor == "postgresql" and header[:len(CSV_COLUMNS)] == list(CSV_COLUMNS):
        rows, created, total, org_ids, phases = _import_postgresql(fiscal_year, path, actor)
    else:
        rows, created, total, org_ids, phases = _import_python(fiscal_year, path, header, actor)
    if actor is not None:
        for org in Organisation.objects.filter(pk__in=org_ids):
            require(actor, "budget.edit_lines", org)
    if check_ceilings:
        mark = time.perf_counter()
        _check_ceilings(fiscal_year, org_ids)
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


def _check_ceilings(fiscal_year: FiscalYear, org_ids: set[int]) -> None:
    """After the rows are in: no ceiling of a touched agency (agency, sub-kegiatan, funding source) is exceeded."""
    ceilings = list(Ceiling.objects.filter(fiscal_year=fiscal_year, organisation_id__in=org_ids))
    if not ceilings:
        return
    lines = BudgetLine.objects.filter(fiscal_year=fiscal_year, organisation_id__in=org_ids, akun="5").order_by()
    by_org = dict(lines.values_list("organisation_id").annotate(s=Sum("total")))
    by_sub = {(o, s): t for o, s, t in lines.values_list("organisation_id", "sub_activity__sub_kegiatan_id")
              .annotate(t=Sum("total"))}
    by_sumber = {(o, s): t for o, s, t in lines.values_list("organisation_id", "sumber_dana_id")
                 .annotate(t=Sum("total"))}
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


# --- PostgreSQL: COPY into a temporary table, resolve and validate with set-based SQL ---------------------------------


def _run(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _import_postgresql(fiscal_year: FiscalYear, path: Path, actor: Any
                       ) -> tuple[int, int, Decimal, set[int], dict[str, float]]:
    qn = connection.ops.quote_name
    phases: dict[str, float] = {}
    mark = time.perf_counter()
    cols = ", ".join(CSV_COLUMNS)
    _run(f"CREATE TEMP TABLE terang_import (rownum BIGSERIAL, {', '.join(f'{c} TEXT' for c in CSV_COLUMNS)}) "
         "ON COMMIT DROP")
    with connection.cursor() as cursor, path.open("rb") as fh, cursor.cursor.copy(
            f"COPY terang_import ({cols}) FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')") as copy:
        copy.write(fh.read(1 << 20).removeprefix(b"\xef\xbb\xbf"))
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    phases["copy"] = round(time.perf_counter() - mark, 3)

    # code tables: the distinct codes of the file, normalised in Python (a few thousand at most)
    mark = time.perf_counter()
    look = _Lookups(fiscal_year)
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT kode_rekening FROM terang_import")
        rekening = [r[0] or "" for r in cursor.fetchall()]
        cursor.execute("SELECT DISTINCT kode_sub_kegiatan FROM terang_import")
        program = [r[0] or "" for r in cursor.fetchall()]
    _run("CREATE TEMP TABLE terang_import_acc (raw TEXT PRIMARY KEY, account_id BIGINT, ok BOOLEAN) ON COMMIT DROP")
    acc_rows = []
    for raw in rekening:
        kode = look.account(raw.strip())
        found = look.accounts.get(kode or "")
        ok = bool(found and found[1] and (kode or "").startswith("5"))
        acc_rows.append((raw, found[0] if found else None, ok))
    _run("CREATE TEMP TABLE terang_import_prog (raw TEXT PRIMARY KEY, kode TEXT) ON COMMIT DROP")
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO terang_import_acc VALUES (%s, %s, %s)", acc_rows)
        cursor.executemany("INSERT INTO terang_import_prog VALUES (%s, %s)",
                           [(raw, look.program(raw.strip()) or "") for raw in program])
    org_t, sub_t = qn(Organisation._meta.db_table), qn(SubActivityBudget._meta.db_table)
    item_t, sd_t = qn(PriceItem._meta.db_table), qn(SumberDana._meta.db_table)
    allowed_t = qn(PriceItem.allowed_accounts.through._meta.db_table)
    num = r"'^\d+(\.\d+)?$'"

    def parsed(column: str) -> str:
        return f"CASE WHEN btrim(i.{column}) ~ {num} THEN btrim(i.{column})::numeric END"

    _run(f"""
        CREATE TEMP TABLE terang_import_r ON COMMIT DROP AS
        SELECT o.id AS org_id, s.id AS sub_id, s.sumber_dana_id AS sub_sumber, acc.account_id,
               COALESCE(acc.ok, FALSE) AS account_ok, p.id AS item_id, p.harga AS item_harga, p.nama AS item_nama,
               p.spesifikasi AS item_spek, p.satuan AS item_satuan, (pa.priceitem_id IS NOT NULL) AS allowed,
               sd.id AS sumber_id, btrim(COALESCE(i.kode_sumber_dana, '')) <> '' AS sumber_given,
               {parsed('vol1')} AS v1, {parsed('vol2')} AS v2, {parsed('vol3')} AS v3, {parsed('vol4')} AS v4,
               {parsed('harga_satuan')} AS harga,
               lower(btrim(COALESCE(i.ppn, ''))) AS ppn_text, i.*
        FROM terang_import i
        LEFT JOIN {org_t} o ON o.pemda_id = %s AND o.kode = btrim(i.kode_opd)
        LEFT JOIN terang_import_prog pg ON pg.raw = i.kode_sub_kegiatan
        LEFT JOIN {sub_t} s ON s.fiscal_year_id = %s AND s.organisation_id = o.id AND s.kode = pg.kode
        LEFT JOIN terang_import_acc acc ON acc.raw = i.kode_rekening
        LEFT JOIN {item_t} p ON p.fiscal_year_id = %s AND p.kode = btrim(i.kode_komponen) AND p.zone = ''
                             AND p.is_active
        LEFT JOIN {allowed_t} pa ON pa.priceitem_id = p.id AND pa.account_id = acc.account_id
        LEFT JOIN {sd_t} sd ON sd.kode = btrim(i.kode_sumber_dana)
    """, [fiscal_year.pemda_id, fiscal_year.pk, fiscal_year.pk])
    phases["resolve"] = round(time.perf_counter() - mark, 3)

    mark = time.perf_counter()
    true_list = ", ".join(f"'{t}'" for t in sorted(TRUE | FALSE))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM terang_import")
        rows = cursor.fetchone()[0]
        cursor.execute(f"""
            SELECT rownum, org_id IS NULL, org_id IS NOT NULL AND sub_id IS NULL, NOT account_ok, item_id IS NULL,
                   item_id IS NOT NULL AND account_ok AND NOT allowed,
                   v1 IS NULL, btrim(COALESCE(vol2, '')) <> '' AND v2 IS NULL,
                   btrim(COALESCE(vol3, '')) <> '' AND v3 IS NULL, btrim(COALESCE(vol4, '')) <> '' AND v4 IS NULL,
                   harga IS NULL, harga > item_harga, ppn_text NOT IN ({true_list}), sumber_given AND sumber_id IS NULL,
                   (btrim(COALESCE(sat2, '')) <> '' AND btrim(COALESCE(vol2, '')) = '')
                   OR (btrim(COALESCE(sat3, '')) <> '' AND btrim(COALESCE(vol3, '')) = '')
                   OR (btrim(COALESCE(sat4, '')) <> '' AND btrim(COALESCE(vol4, '')) = ''),
                   kode_opd, kode_sub_kegiatan, kode_rekening, kode_komponen, harga_satuan, item_harga, kode_sumber_dana
            FROM terang_import_r
            WHERE org_id IS NULL OR sub_id IS NULL OR NOT account_ok OR item_id IS NULL OR NOT allowed OR v1 IS NULL
               OR (btrim(COALESCE(vol2, '')) <> '' AND v2 IS NULL) OR (btrim(COALESCE(vol3, '')) <> '' AND v3 IS NULL)
               OR (btrim(COALESCE(vol4, '')) <> '' AND v4 IS NULL) OR harga IS NULL OR harga > item_harga
               OR ppn_text NOT IN ({true_list}) OR (sumber_given AND sumber_id IS NULL)
               OR (btrim(COALESCE(sat2, '')) <> '' AND btrim(COALESCE(vol2, '')) = '')
               OR (btrim(COALESCE(sat3, '')) <> '' AND btrim(COALESCE(vol3, '')) = '')
               OR (btrim(COALESCE(sat4, '')) <> '' AND btrim(COALESCE(vol4, '')) = '')
            ORDER BY rownum LIMIT %s""", [MAX_ERRORS])
        bad = cursor.fetchall()
    if bad:
        raise _fail(_pg_errors(bad, fiscal_year), rows)
    phases["validate"] = round(time.perf_counter() - mark, 3)

    mark = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT org_id FROM terang_import_r")
        org_ids = {r[0] for r in cursor.fetchall()}
    _lock_ceilings(fiscal_year, org_ids)
    columns = ", ".join(_column(name) for name in INSERT_COLUMNS)
    actor_id = actor.pk if actor is not None else None
    true_in = ", ".join(f"'{t}'" for t in sorted(TRUE))
    computed = f"""
        SELECT *, subtotal + ppn_amount AS line_total
        FROM (
            SELECT *, CASE WHEN ppn_flag THEN round(subtotal * %s, 2) ELSE 0 END AS ppn_amount
            FROM (
                SELECT *, round(volume * harga, 2) AS subtotal
                FROM (
                    SELECT *, round(v1 * COALESCE(v2, 1) * COALESCE(v3, 1) * COALESCE(v4, 1), 4) AS volume,
                           ppn_text IN ({true_in}) AS ppn_flag
                    FROM terang_import_r
                ) a
            ) b
        ) c"""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {qn(BudgetLine._meta.db_table)} ({columns})
            SELECT gen_random_uuid(), %s, %s, org_id, sub_id, account_id, '5', COALESCE(sumber_id, sub_sumber),
                   left(COALESCE(kelompok, ''), 255), left(COALESCE(keterangan, ''), 255), %s, item_id,
                   left(COALESCE(NULLIF(uraian, ''), item_nama), 500), COALESCE(NULLIF(spesifikasi, ''), item_spek),
                   v1, left(COALESCE(sat1, ''), 40), v2, left(COALESCE(sat2, ''), 40), v3,
                   left(COALESCE(sat3, ''), 40), v4, left(COALESCE(sat4, ''), 40), volume, left(item_satuan, 60),
                   harga, ppn_flag, ppn_amount, line_total, '', 1, %s, now(), %s, now()
            FROM ({computed}) lines ORDER BY rownum""",
                       [fiscal_year.pk, fiscal_year.pemda_id, LineType.ITEM, actor_id, actor_id,
                        fiscal_year.ppn_rate])
        created = cursor.rowcount
        cursor.execute(f"SELECT COALESCE(SUM(line_total), 0) FROM ({computed}) lines", [fiscal_year.ppn_rate])
        total = Decimal(cursor.fetchone()[0])
    phases["insert"] = round(time.perf_counter() - mark, 3)
    return rows, created, total, org_ids, phases


def _pg_errors(bad: list[tuple[Any, ...]], fiscal_year: FiscalYear) -> list[RowError]:
    errors: list[RowError] = []
    for (rownum, no_org, no_sub, bad_acc, no_item, not_allowed, bad_v1, bad_v2, bad_v3, bad_v4, bad_harga, above,
         bad_ppn, bad_sumber, unit_only, kode_opd, kode_sub, kode_rek, kode_item, harga, item_harga,
         kode_sumber) in bad:
        row = rownum + 1  # header is row 1
        checks = (
            (no_org, "kode_opd", _("Perangkat daerah '%(k)s' tidak dikenal.") % {"k": kode_opd}),
            (no_sub, "kode_sub_kegiatan", _("Sub kegiatan '%(k)s' tidak ada di RKA perangkat daerah ini.")
             % {"k": kode_sub}),
            (bad_acc, "kode_rekening", _("Rekening '%(k)s' bukan rekening belanja tingkat 6 versi %(v)s.")
             % {"k": kode_rek, "v": fiscal_year.account_version.kode}),
            (no_item, "kode_komponen", _("Komponen '%(k)s' tidak ada di standar harga.") % {"k": kode_item}),
            (not_allowed, "kode_komponen", _("Komponen %(item)s tidak diizinkan untuk rekening %(acc)s.")
             % {"item": kode_item, "acc": kode_rek}),
            (bad_v1, "vol1", _("Volume 1 wajib diisi dengan angka tidak negatif.")),
            (bad_v2, "vol2", _("Volume 2 bukan angka tidak negatif.")),
            (bad_v3, "vol3", _("Volume 3 bukan angka tidak negatif.")),
            (bad_v4, "vol4", _("Volume 4 bukan angka tidak negatif.")),
            (bad_harga, "harga_satuan", _("Harga satuan wajib diisi dengan angka tidak negatif.")),
            (above, "harga_satuan", _("Harga satuan %(h)s melebihi harga standar %(s)s.")
             % {"h": harga, "s": item_harga}),
            (bad_ppn, "ppn", _("PPN harus 1/0, ya/tidak atau true/false.")),
            (bad_sumber, "kode_sumber_dana", _("Sumber dana '%(k)s' tidak dikenal.") % {"k": kode_sumber}),
            (unit_only, "sat", _("Satuan diisi tanpa volumenya.")),
        )
        errors.extend(RowError(row, column, message) for failed, column, message in checks if failed)
    return errors


