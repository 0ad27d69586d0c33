"""Benchmark: the APBD summary by OPD × account group × sumber dana through the API vs the raw SQL GROUP BY.

Targets (issue #3): the API answer ≤ 2 × the raw SQL GROUP BY on the same data, and ≤ 200 ms.

Builds a throwaway database with the regency-scale demo (bench/_regency_db.py: ~60 agencies, ~100,000 lines, APBD
murni published), then, warm (3 untimed calls first), times 20 calls of each and reports the medians:

* API: GET /api/v1/anggaran/ringkasan/?pemda=35.10&tahun=2026&menurut=opd_akun_sumber through Django's test
  Client (the whole stack: URL routing, DRF, serializer, JSON rendering; anonymous, published stage);
* raw SQL, two forms: (a) a plain GROUP BY with the same grouping (agency × `jenis` belanja, i.e. account code
  prefix `5.1.02`, × sumber dana with the sub-kegiatan's default) over the stage's frozen lines, and (b) the very
  statement the API runs for its rows (captured from the first call), each `cursor.execute` + `fetchall`; the ratio
  is taken against the faster of the two.

    .venv/bin/python bench/bench_summary_api.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_summary_api.py
"""

# ruff: noqa: S608 -- SQL built from ORM table names only
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _regency_db import build_regency, drop, machine, prepare_database

RATIO_TARGET = 2.0
MS_TARGET = 200.0
RUNS = 20
WARMUP = 3
URL = "/api/v1/anggaran/ringkasan/?pemda=35.10&tahun=2026&menurut=opd_akun_sumber"


def _raw_sql(stage_id: int) -> tuple[str, list[int]]:
    from django.db import connection

    from terang.budgeting.models import StageLine, SubActivityBudget
    from terang.reference.models import Account

    qn = connection.ops.quote_name
    total = "SUM(l.total)" if connection.vendor == "postgresql" else "SUM(CAST(ROUND(l.total * 100) AS INTEGER))"
    sql = (f"SELECT l.organisation_id, substr(a.kode, 1, 6), COALESCE(l.sumber_dana_id, s.sumber_dana_id), {total} "
           f"FROM {qn(StageLine._meta.db_table)} l INNER JOIN {qn(Account._meta.db_table)} a ON a.id = l.account_id "
           f"LEFT JOIN {qn(SubActivityBudget._meta.db_table)} s ON s.id = l.sub_activity_id "
           f"WHERE l.stage_id = %s AND l.akun = '5' "
           f"GROUP BY l.organisation_id, substr(a.kode, 1, 6), COALESCE(l.sumber_dana_id, s.sumber_dana_id)")
    return sql, [stage_id]


def _time(fn, runs: int) -> list[float]:
    for _ in range(WARMUP):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> int:
    db = prepare_database("summary")
    import django

    django.setup()
    try:
        print(f"Summary API benchmark — {db.description}\n  {machine()}")
        build_regency(db)
        from django.db import connection
        from django.test import Client

        from terang.budgeting.models import Stage, StageLine

        stage = Stage.objects.get(fiscal_year__tahun=2026, kind="apbd")
        n_lines = StageLine.objects.filter(stage=stage).count()
        client = Client()
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        assert response.status_code == 200, response.content[:500]
        api_sql = max(captured.captured_queries, key=lambda q: float(q["time"]))["sql"]
        api_rows = len(response.json()["baris"])
        sql, params = _raw_sql(stage.pk)

        def raw() -> int:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return len(cursor.fetchall())

        def api_statement() -> int:
            with connection.cursor() as cursor:
                cursor.execute(api_sql)
                return len(cursor.fetchall())

        def api() -> None:
            reply = client.get(URL)
            assert reply.status_code == 200

        raw_rows = raw()
        api_ms = _time(api, RUNS)
        raw_ms = _time(raw, RUNS)
        stmt_ms = _time(api_statement, RUNS)
        api_med, raw_med = statistics.median(api_ms), min(statistics.median(raw_ms), statistics.median(stmt_ms))
        ratio = api_med / raw_med
        print(f"  stage APBD murni: {n_lines:,} frozen lines; groups: API {api_rows}, raw SQL {raw_rows}")
        print(f"  API  GET {URL}: median {api_med:.1f} ms (min {min(api_ms):.1f}, max {max(api_ms):.1f}, "
              f"n={RUNS})")
        print(f"  raw SQL (a) plain GROUP BY: median {statistics.median(raw_ms):.1f} ms (min {min(raw_ms):.1f}, "
              f"max {max(raw_ms):.1f}); (b) the API's own statement: median {statistics.median(stmt_ms):.1f} ms "
              f"(min {min(stmt_ms):.1f}, max {max(stmt_ms):.1f})")
        print(f"  ratio API / raw SQL = {ratio:.2f} (target ≤ {RATIO_TARGET:.1f}: "
              f"{'OK' if ratio <= RATIO_TARGET else 'OVER'}); API vs {MS_TARGET:.0f} ms: "
              f"{api_med / MS_TARGET:.2f} ({'OK' if api_med <= MS_TARGET else 'OVER'})")
        return 0 if ratio <= RATIO_TARGET and api_med <= MS_TARGET else 1
    finally:
        drop(db)


if __name__ == "__main__":
    raise SystemExit(main())
