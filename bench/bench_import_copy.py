"""Benchmark (PostgreSQL only): importing 1,000,000 line items from CSV vs COPY of the same file.

Target (issue #3): Terang's import ≤ 3 × the time of COPY of the same file.

Creates a fresh PostgreSQL database (DATABASE_URL names the server; the database in it is only used to connect),
builds the small demo (agencies, catalogue, sub-kegiatan and ceilings of TA 2026), raises every ceiling so that a
million more lines fit, writes a CSV of N lines in the bulk-import layout
(terang.budgeting.services.bulk_import.CSV_COLUMNS: codes of agency, sub-kegiatan, account, catalogue item; volumes;
price ≤ catalogue; PPN; sumber dana) and measures, each up to and including COMMIT:

1. COPY of the file into a staging table with the file's 19 columns (text, no constraints) — the baseline, run
   twice (the faster counts: the machine may be shared);
2. `lines_bulk_import_csv` (COPY into a temporary table, distinct codes resolved once, one INSERT … SELECT into
   BudgetLine that validates every rule and computes exact totals, ceiling check, one audit event) — the RATIO
   printed is 2. / 1.;
3. for comparison, COPY of the same lines already resolved to BudgetLine's columns (ids and totals) straight into
   BudgetLine — what any loader pays for the table's 5 indexes and 5 database foreign keys (skip: --no-resolved).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_import_copy.py [--lines N]
"""

# ruff: noqa: S608 -- SQL built from ORM table/column names and integers of this script
from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _regency_db import build_small, drop, machine, prepare_database

RATIO_TARGET = 3.0


def write_csv(path: Path, n: int, rng: random.Random) -> int:
    """N valid lines spread over every sub-kegiatan of the small demo, items allowed for their account."""
    from terang.budgeting.models import FiscalYear, PriceItem, SubActivityBudget
    from terang.budgeting.services.bulk_import import CSV_COLUMNS
    from terang.reference.models import Account

    fy = FiscalYear.objects.get(tahun=2026)
    subs = list(SubActivityBudget.objects.filter(fiscal_year=fy).values_list("organisation__kode", "kode"))
    through = PriceItem.allowed_accounts.through
    account_codes = dict(Account.objects.filter(kode__startswith="5").values_list("pk", "kode"))
    items = [(kode, int(harga), account_codes[acc]) for kode, harga, acc in through.objects.filter(
        priceitem__fiscal_year=fy, account_id__in=account_codes).values_list(
        "priceitem__kode", "priceitem__harga", "account_id")]
    sumber = ["", "", "1.1", "1.2.01.01.02", "2.2.01.01.04"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for k in range(n):
            org, sub = subs[k % len(subs)]
            item, harga, account = items[rng.randrange(len(items))]
            price = harga if rng.random() < 0.8 else max(1, harga * rng.randint(85, 99) // 100)
            two = rng.random() < 0.6
            writer.writerow((org, sub, account, item, "", "", rng.randint(1, 40), "Unit",
                             rng.randint(1, 12) if two else "", "Bulan" if two else "", "", "", "", "", price,
                             "1" if rng.random() < 0.2 else "0", sumber[k % len(sumber)], "", f"Impor {k % 97}"))
    return path.stat().st_size


def timed_copy_staging(path: Path) -> float:
    from django.db import connection, transaction

    from terang.budgeting.services.bulk_import import CSV_COLUMNS

    columns = ", ".join(f"{c} TEXT" for c in CSV_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS bench_staging; CREATE TABLE bench_staging ({columns})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as fh, cursor.cursor.copy(
            f"COPY bench_staging ({', '.join(CSV_COLUMNS)}) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    return time.perf_counter() - started


def timed_copy_resolved(fy_id: int, first_id: int) -> tuple[float, int]:
    """COPY the imported lines out in BudgetLine's own columns, delete them, COPY them back in (timed + commit)."""
    from django.db import connection, transaction

    from terang.budgeting.models import BudgetLine

    table = BudgetLine._meta.db_table
    cols = ", ".join(f.column for f in BudgetLine._meta.concrete_fields if f.column != "id")
    dump = Path(tempfile.mkstemp(suffix=".copy")[1])
    try:
        with connection.cursor() as cursor, dump.open("wb") as fh, cursor.cursor.copy(
                f"COPY (SELECT {cols} FROM {table} WHERE fiscal_year_id = {fy_id} AND id >= {first_id}) TO STDOUT"
        ) as copy:
            for data in copy:
                fh.write(data)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE fiscal_year_id = %s AND id >= %s", [fy_id, first_id])
            n = cursor.rowcount
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor, dump.open("rb") as fh, cursor.cursor.copy(
                f"COPY {table} ({cols}) FROM STDIN") as copy:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        return time.perf_counter() - started, n
    finally:
        dump.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--no-resolved", action="store_true", help="skip 3. (COPY of resolved lines into BudgetLine)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("bench_import_copy.py needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres")
        return 2
    db = prepare_database("import")
    import django

    django.setup()
    workdir = Path(tempfile.mkdtemp(prefix="terang-bench-import-"))
    try:
        print(f"CSV import benchmark — {db.description}\n  {machine()}\n  load average before: "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min)")
        build_small(db)
        from django.db import connection
        from django.db.models import Max

        from terang.budgeting.models import BudgetLine, Ceiling, FiscalYear
        from terang.budgeting.services.bulk_import import lines_bulk_import_csv
        from terang.core.context import use_context

        fy = FiscalYear.objects.get(tahun=2026)
        Ceiling.objects.filter(fiscal_year=fy).update(amount=Decimal("99999999999999999"))  # room for N lines
        path = workdir / "rincian.csv"
        started = time.perf_counter()
        size = write_csv(path, args.lines, random.Random(2026))
        print(f"  CSV: {args.lines:,} lines, {size / 1e6:.0f} MB (written in {time.perf_counter() - started:.1f} s)")

        copies = [timed_copy_staging(path) for _ in range(2)]
        copy_s = min(copies)
        print(f"  1. COPY into a staging table (19 text columns, no constraints), twice: "
              f"{' / '.join(f'{c:.2f} s' for c in copies)} -> baseline {copy_s:.2f} s")

        first_id = (BudgetLine.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        started = time.perf_counter()
        with use_context(actor=None):
            result = lines_bulk_import_csv(fiscal_year=fy, path=path)
        import_s = time.perf_counter() - started
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.phases.items())
        print(f"  2. lines_bulk_import_csv: {import_s:.2f} s incl. COMMIT ({result.created:,} lines, total "
              f"Rp {result.total:,.0f}; {phases}; deferred FK checks at COMMIT "
              f"{import_s - result.seconds:.1f} s)")
        ratio = import_s / copy_s
        print(f"  RATIO import / baseline (COPY of the same file into a staging table) = {import_s:.2f} / {copy_s:.2f}"
              f" = {ratio:.2f} × (target ≤ {RATIO_TARGET:.0f}: {'OK' if ratio <= RATIO_TARGET else 'OVER'})")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM budgeting_budgetline WHERE id >= %s", [first_id])
            assert cursor.fetchone()[0] == result.created == args.lines
        if not args.no_resolved:
            resolved_s, n = timed_copy_resolved(fy.pk, first_id)
            print(f"  3. COPY of the same {n:,} lines already resolved, straight into BudgetLine: {resolved_s:.2f} s "
                  f"incl. COMMIT (import / this = {import_s / resolved_s:.2f})")
        print(f"  load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        return 0 if ratio <= RATIO_TARGET else 1
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
        drop(db)


if __name__ == "__main__":
    raise SystemExit(main())
