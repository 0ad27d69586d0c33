"""Benchmark: freezing a stage of 100,000 lines (target ≤ 5 s) and diffing two such stages (target ≤ 3 s).

Creates a throwaway database — SQLite in a temporary TERANG_VAR_DIR, or, with DATABASE_URL=postgres://…, a fresh
PostgreSQL database it creates and drops (the name in the URL is only used to connect) — migrates it, builds the
shared test world plus ~60 agencies, ~2,500 sub-kegiatan and N lines (bulk_create in batches of 5,000 with
precomputed totals), then:

1. freezes stage A (RKA) through `stage_close_and_freeze` (one INSERT … SELECT + SHA-256 digest + audit);
2. changes ~3 % of the lines (1 % changed with an audited reason, 1 % added, 1 % deleted);
3. opens and freezes stage B (Rancangan APBD) the same way;
4. diffs A → B with `stage_diff`: the full stream of rows with who/why (what the CSV download does) and the page
   view (summary grouped OPD → sub-kegiatan → account + first 100 rows).

Prints the figures and the ratio to the targets (below 1.00 is inside the target).

    DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python bench/budget_freeze_diff.py [--lines 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/budget_freeze_diff.py
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

FREEZE_TARGET = 5.0
DIFF_TARGET = 3.0
BATCH = 5000


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def prepare_database() -> tuple[str, str | None]:
    """Point Django at a throwaway database before django.setup(); returns (description, pg name to drop)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        name = f"terang_bench_stage_{os.getpid()}"
        _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(url, f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path=f"/{name}"))
        return f"PostgreSQL ({name})", name
    var_dir = tempfile.mkdtemp(prefix="terang-bench-stage-")
    os.environ["TERANG_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    return f"SQLite ({var_dir})", None


def build(n_lines: int, rng: random.Random):
    from terang.budgeting.calc import line_amounts
    from terang.budgeting.models import BudgetLine, SubActivityBudget
    from terang.org.models import Organisation
    from terang.testing.budget import make_budget_world

    world = make_budget_world()
    fy = world.fiscal_year
    orgs = [Organisation.objects.create(pemda=world.pemda, kode=f"9.{n:02d}.0.00.0.00.01.0000", nama=f"Dinas {n}",
                                        singkatan=f"D{n}", kind="dinas", bidang_urusan="1.02")
            for n in range(57)] + [world.orgs["dinkes"], world.orgs["dispendik"], world.orgs["bpkad"]]
    code = world.program["X.XX.01.2.06.0002"]
    subs = [SubActivityBudget(fiscal_year=fy, pemda=world.pemda, organisation=org, sub_kegiatan=code,
                              kode=f"1.02.01.2.{k // 100:02d}.{k % 100:04d}", nama=f"Sub kegiatan {k}")
            for org in orgs for k in range(42)]
    subs = SubActivityBudget.objects.bulk_create(subs, batch_size=BATCH)
    catalogue = [(world.items[name], world.accounts[account]) for name, account in (
        ("Refill Ballpoint", "5.1.02.01.01.0024"), ("Lem Kertas Cair", "5.1.02.01.01.0024"),
        ("Kertas HVS 70 gr A4", "5.1.02.01.01.0024"), ("Bata Merah", "5.1.02.01.01.0001"),
        ("Alluminium Strip", "5.1.02.01.01.0001"), ("UPS 1.200 VA", "5.2.02.05.02.0006"),
        ("Nasi Kotak Rapat", "5.1.02.01.01.0052"))]
    operator = world.users["operator"]
    sumber = world.sumber_dana["1.1"]
    rate = fy.ppn_rate
    made = 0
    while made < n_lines:
        batch = []
        for _ in range(min(BATCH, n_lines - made)):
            sub = subs[made % len(subs)]
            item, account = catalogue[rng.randrange(len(catalogue))]
            vol1, vol2 = Decimal(rng.randint(1, 200)), Decimal(rng.randint(1, 12))
            ppn = rng.random() < 0.3
            amounts = line_amounts(vol1=vol1, vol2=vol2, harga_satuan=item.harga, ppn=ppn, ppn_rate=rate)
            batch.append(BudgetLine(
                fiscal_year=fy, pemda=world.pemda, organisation_id=sub.organisation_id, sub_activity=sub,
                account=account, akun=account.kode[0], sumber_dana=sumber, price_item=item, uraian=item.nama,
                vol1=vol1, sat1=item.satuan, vol2=vol2, sat2="Bulan", volume=amounts.volume, satuan=item.satuan,
                harga_satuan=item.harga, ppn=ppn, ppn_amount=amounts.ppn_amount, total=amounts.total,
                created_by=operator, updated_by=operator))
            made += 1
        BudgetLine.objects.bulk_create(batch, batch_size=BATCH)
    return world, subs, catalogue


def modify(world, subs, catalogue, rng: random.Random, share: float = 0.01) -> dict[str, int]:
    """~1 % changed (some with an audited reason), ~1 % added, ~1 % deleted."""
    from terang.audit.services import record_change
    from terang.budgeting.calc import line_amounts
    from terang.budgeting.models import BudgetLine

    fy = world.fiscal_year
    ids = list(BudgetLine.objects.filter(fiscal_year=fy).values_list("pk", flat=True))
    n = max(1, int(len(ids) * share))
    picked = rng.sample(ids, 2 * n)
    to_change, to_delete = picked[:n], picked[n:]
    user = world.users["operator_dispendik"]
    changed = []
    for start in range(0, len(to_change), BATCH):
        lines = list(BudgetLine.objects.filter(pk__in=to_change[start:start + BATCH]))
        for line in lines:
            line.vol1 = line.vol1 + 1
            amounts = line_amounts(vol1=line.vol1, vol2=line.vol2, harga_satuan=line.harga_satuan, ppn=line.ppn,
                                   ppn_rate=fy.ppn_rate)
            line.volume, line.ppn_amount, line.total = amounts.volume, amounts.ppn_amount, amounts.total
            line.version += 1
            line.updated_by = user
        BudgetLine.objects.bulk_update(lines, ["vol1", "volume", "ppn_amount", "total", "version", "updated_by"],
                                       batch_size=1000)
        changed += lines
    for line in changed[:300]:  # audited reasons for a sample, so the diff's reason lookup has work to do
        record_change(action="update", instance=line, before={}, after={"vol1": str(line.vol1)}, actor=user,
                      reason="Penyesuaian volume hasil asistensi TAPD")
    for start in range(0, len(to_delete), 900):
        BudgetLine.objects.filter(pk__in=to_delete[start:start + 900]).delete()
    operator = world.users["operator"]
    added = []
    for k in range(n):
        sub = subs[rng.randrange(len(subs))]
        item, account = catalogue[rng.randrange(len(catalogue))]
        amounts = line_amounts(vol1=Decimal(k % 50 + 1), harga_satuan=item.harga, ppn=False, ppn_rate=fy.ppn_rate)
        added.append(BudgetLine(
            fiscal_year=fy, pemda=world.pemda, organisation_id=sub.organisation_id, sub_activity=sub,
            account=account, akun=account.kode[0], price_item=item, uraian=f"{item.nama} tambahan", vol1=k % 50 + 1,
            volume=amounts.volume, satuan=item.satuan, harga_satuan=item.harga, ppn_amount=amounts.ppn_amount,
            total=amounts.total, created_by=operator, updated_by=operator))
    BudgetLine.objects.bulk_create(added, batch_size=BATCH)
    return {"changed": len(to_change), "added": n, "deleted": len(to_delete)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    description, pg_name = prepare_database()
    var_dir = os.environ.get("TERANG_VAR_DIR") if pg_name is None else None
    admin_url = None
    if pg_name:
        admin_url = os.environ["DATABASE_URL"]
    try:
        run(args, description)
    finally:
        from django.db import connections

        connections.close_all()
        if pg_name and admin_url:
            _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{pg_name}"')
        if var_dir:
            shutil.rmtree(var_dir, ignore_errors=True)


def run(args: argparse.Namespace, description: str) -> None:
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from terang.budgeting.choices import StageKind
    from terang.budgeting.diff import stage_diff
    from terang.budgeting.models import Stage, StageLine
    from terang.budgeting.services import stages as svc

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    rng = random.Random(args.seed)
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"Basis data: {description}; migrasi {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    world, subs, catalogue = build(args.lines, rng)
    print(f"Dunia uji: {len(subs)} sub kegiatan, {args.lines:,} baris; dibangun dalam {time.perf_counter() - t:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    bpkad = world.users["bpkad"]

    results: list[tuple[str, float, float, float | None]] = []

    def timed(label: str, target: float | None, fn: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        value = fn()
        results.append((label, time.perf_counter() - wall, time.process_time() - cpu, target))
        return value

    stage_a = timed("bekukan tahapan A", FREEZE_TARGET, lambda: svc.stage_close_and_freeze(actor=bpkad,
                                                                                         stage=world.rka))
    count_a = StageLine.objects.filter(stage=stage_a).count()

    t = time.perf_counter()
    changes = modify(world, subs, catalogue, rng)
    print(f"Perubahan: {changes['changed']:,} diubah, {changes['added']:,} ditambah, {changes['deleted']:,} dihapus "
          f"({time.perf_counter() - t:.1f} s)")
    stage_b = Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.RAPBD,
                                   sequence=3, nama="Rancangan APBD")
    now = timezone.now()
    svc.stage_open(actor=bpkad, stage=stage_b, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    stage_b = timed("bekukan tahapan B", FREEZE_TARGET, lambda: svc.stage_close_and_freeze(actor=bpkad,
                                                                                          stage=stage_b))
    count_b = StageLine.objects.filter(stage=stage_b).count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    statuses: dict[str, int] = {}

    def full_diff() -> int:
        rows = 0
        for row in stage_diff(base=stage_a, target=stage_b).rows():
            rows += 1
            statuses[row.status] = statuses.get(row.status, 0) + 1
        return rows

    rows = timed("banding A→B: semua baris + siapa/alasan", DIFF_TARGET, full_diff)
    page = timed("banding A→B: ringkasan + halaman 1", DIFF_TARGET,
                 lambda: stage_diff(base=stage_a, target=stage_b).page(1, 100))
    csv_bytes = timed("banding A→B: CSV", DIFF_TARGET,
                      lambda: sum(len(c) for c in stage_diff(base=stage_a, target=stage_b).csv_lines()))
    ok, digest, _recorded = timed("hitung ulang digest B", None, lambda: svc.stage_verify(stage_b))

    print()
    print(f"Baris: A {count_a:,}, B {count_b:,}; baris banding {rows:,} "
          f"({', '.join(f'{k} {v:,}' for k, v in sorted(statuses.items()))}); CSV {csv_bytes // 1024:,} KiB; "
          f"selisih Rp {page.summary.total.delta:,.2f}; {len(page.summary.organisations)} OPD; digest utuh: {ok} "
          f"({digest.digest[:16]}…)")
    print(f"{'':<42} {'dinding s':>9} {'CPU s':>7} {'target s':>8} {'rasio':>6}")
    for label, wall, cpu, target in results:
        ratio = f"{wall / target:>6.2f}" if target else ""
        print(f"{label:<42} {wall:>9.2f} {cpu:>7.2f} {target or '':>8} {ratio}")
    print("(CPU s = waktu CPU proses Python ini; pada SQLite termasuk kerja basis data, pada PostgreSQL tidak.)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(f"Beban mesin (load average 1 menit): {load:.2f} pada {os.cpu_count()} CPU")
    freeze_worst = max(r[1] for r in results[:2]) / FREEZE_TARGET
    diff_ratio = results[2][1] / DIFF_TARGET
    print(f"Hasil: bekukan {'OK' if freeze_worst <= 1 else 'GAGAL'} ({freeze_worst:.2f}), "
          f"banding {'OK' if diff_ratio <= 1 else 'GAGAL'} ({diff_ratio:.2f})")


if __name__ == "__main__":
    main()
