"""Benchmark: a bounded load run — 100 operators saving lines through the API while 50 visitors read the portal.

Targets (issue #3): p95 save ≤ 300 ms, p95 portal page ≤ 300 ms, zero lost updates, zero errors.

Builds a throwaway database with the regency-scale demo (bench/_regency_db.py), then prepares the run through the
services: a stage "Pergeseran 1" opened now by the demo BPKAD officer (stage_add + stage_open), 100 operator
accounts (role opd_operator, one agency each, round-robin over the ~60 units) with an API token, and 10 lines per
operator (its own agency's priced lines; their sub-kegiatan back to draft so that they are editable). It starts
gunicorn on 127.0.0.1:<free port> (gthread workers) and runs, for a fixed duration with a request cap:

* 100 operator threads: think 5–15 s (typing a line), then PATCH /api/v1/anggaran/rincian/<id>/ {"vol1": …} with
  If-Match: "<version>" (alternating the first volume between its value and one less, so no ceiling is ever
  exceeded); the new version comes from the ETag;
* 50 visitor threads: think 5–15 s (reading), then GET a portal page (APBD overview, an agency's page, the red flags
  page).

Think times are options (--think-operator/--think-visitor "lo,hi" seconds): with 1–3 s the offered load (~70
requests/s) needs about twice the CPU of the 2-core reference machine. The workers' per-process caches are warmed
first (each heavy portal page a few times); rendered portal pages go to the page cache the workers share (a fresh
directory per run, TERANG_PAGE_CACHE_DIR). The client is threads + http.client (no extra packages). At the end
every touched line is checked: its version equals its version before the run plus the number of saves acknowledged
for it, its first volume is the last value acknowledged, its total is what calc.line_amounts gives, and it has one
change record per acknowledged save — anything else counts as a lost update.

    .venv/bin/python bench/bench_load.py [--seconds 60] [--workers 4 --threads 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_load.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _regency_db import build_regency, drop, machine, prepare_database
from bench_csv_export_memory import start_gunicorn, stop

P95_TARGET_MS = 300.0
OPERATORS = 100
VISITORS = 50
LINES_PER_OPERATOR = 10


@dataclass
class Operator:
    username: str
    token: str
    lines: list[int]
    base_vol1: dict[int, int]
    version: dict[int, int]
    acked: dict[int, int] = field(default_factory=dict)  # line -> successful saves
    last_vol1: dict[int, int] = field(default_factory=dict)


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    saves: list[float] = field(default_factory=list)
    pages: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    requests: int = 0

    def take(self) -> bool:
        with self.lock:
            self.requests += 1
            return True


def prepare(n_operators: int) -> tuple[list[Operator], list[str], dict]:
    """Open a stage, create operators with tokens, pick their lines, put those sub-kegiatan back to draft."""
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from terang.accounts.choices import Role
    from terang.budgeting.choices import LineType, StageKind, SubActivityStatus
    from terang.budgeting.models import BudgetLine, FiscalYear, SubActivityBudget
    from terang.budgeting.services import stages as stage_services
    from terang.budgeting.services.demo import _stage_actor
    from terang.org.models import Organisation
    from terang.testing.factories import make_user

    fy = FiscalYear.objects.get(pemda__kode="35.10", tahun=2026)
    bpkad = _stage_actor(fy.pemda)
    stage = stage_services.stage_add(actor=bpkad, fiscal_year=fy, kind=StageKind.PERGESERAN)
    now = timezone.now()
    stage_services.stage_open(actor=bpkad, stage=stage, opens_at=now - timedelta(minutes=5),
                              closes_at=now + timedelta(days=1))
    org_ids = list(BudgetLine.objects.filter(fiscal_year=fy, akun="5").values_list("organisation_id", flat=True)
                   .distinct().order_by("organisation_id"))
    planted = {row["line_key"] for row in (fy_summary(fy).get("anomalies") or [])}
    rng = random.Random(7)
    operators: list[Operator] = []
    taken: set[int] = set()
    for n in range(n_operators):
        org = Organisation.objects.get(pk=org_ids[n % len(org_ids)])
        user = make_user(Role.OPD_OPERATOR, pemda=fy.pemda, organisation=org, username=f"bench.op{n:03d}")
        token = Token.objects.create(user=user).key
        candidates = list(BudgetLine.objects.filter(
            fiscal_year=fy, organisation=org, akun="5", line_type=LineType.ITEM, vol1__gte=2, price_item__isnull=False
        ).exclude(pk__in=taken).order_by("pk").values_list("pk", "line_key", "vol1", "version")[:400])
        candidates = [c for c in candidates if str(c[1]) not in planted]
        picked = rng.sample(candidates, min(LINES_PER_OPERATOR, len(candidates)))
        taken |= {c[0] for c in picked}
        operators.append(Operator(user.username, token, [c[0] for c in picked],
                                  {c[0]: int(c[2]) for c in picked}, {c[0]: c[3] for c in picked}))
    sub_ids = set(BudgetLine.objects.filter(pk__in=taken).values_list("sub_activity_id", flat=True))
    SubActivityBudget.objects.filter(pk__in=sub_ids).update(status=SubActivityStatus.DRAFT)
    pages = ["/apbd/35.10/2026/", "/apbd/35.10/2026/tanda-bahaya/"]
    pages += [f"/apbd/35.10/2026/opd/{org}/" for org in org_ids]
    return operators, pages, {"stage": stage.nama, "lines": len(taken), "sub_kegiatan": len(sub_ids)}


def fy_summary(fy) -> dict:
    from terang.budgeting.services.demo import _import_event

    event = _import_event(fy)
    return event.payload if event is not None else {}


def run(port: int, operators: list[Operator], pages: list[str], seconds: float, cap: int, visitors: int,
        think_op: tuple[float, float], think_visit: tuple[float, float]) -> tuple[Stats, float]:
    stats = Stats()
    deadline = time.monotonic() + seconds
    start_gate = threading.Event()

    def request(method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, dict, bytes, float]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, dict(response.getheaders()), data, (time.perf_counter() - started) * 1000
        finally:
            conn.close()

    def operator_loop(op: Operator, seed: int) -> None:
        rng = random.Random(seed)
        start_gate.wait()
        count = 0
        while True:
            time.sleep(rng.uniform(*think_op))
            if time.monotonic() >= deadline or stats.requests >= cap:
                return
            stats.take()
            line = op.lines[count % len(op.lines)]
            count += 1
            done = op.acked.get(line, 0)
            vol1 = op.base_vol1[line] - ((done + 1) % 2)  # base-1, base, base-1, … never above the original
            body = json.dumps({"vol1": str(vol1), "alasan": "uji beban"}).encode()
            headers = {"Authorization": f"Token {op.token}", "Content-Type": "application/json",
                       "If-Match": f'"{op.version[line]}"', "Accept": "application/json"}
            try:
                status, head, data, ms = request("PATCH", f"/api/v1/anggaran/rincian/{line}/", body, headers)
            except OSError as exc:
                with stats.lock:
                    stats.errors.append(f"PATCH {line}: {exc}")
                continue
            with stats.lock:
                stats.saves.append(ms)
                if status == 200:
                    op.acked[line] = done + 1
                    op.last_vol1[line] = vol1
                    op.version[line] = int(head.get("ETag", head.get("etag", '"0"')).strip('"'))
                elif status in (409, 412):
                    stats.conflicts += 1
                    stats.errors.append(f"PATCH {line}: {status} {data[:200]!r}")
                else:
                    stats.errors.append(f"PATCH {line}: {status} {data[:200]!r}")

    def visitor_loop(seed: int) -> None:
        rng = random.Random(seed)
        start_gate.wait()
        while True:
            time.sleep(rng.uniform(*think_visit))
            if time.monotonic() >= deadline or stats.requests >= cap:
                return
            stats.take()
            path = rng.choice(pages)
            try:
                status, _head, _data, ms = request("GET", path, None, {"Accept": "text/html"})
            except OSError as exc:
                with stats.lock:
                    stats.errors.append(f"GET {path}: {exc}")
                continue
            with stats.lock:
                stats.pages.append(ms)
                if status != 200:
                    stats.errors.append(f"GET {path}: {status}")

    threads = [threading.Thread(target=operator_loop, args=(op, n), daemon=True) for n, op in enumerate(operators)]
    threads += [threading.Thread(target=visitor_loop, args=(1000 + n,), daemon=True) for n in range(visitors)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline = started + seconds
    start_gate.set()
    for thread in threads:
        thread.join()
    return stats, time.monotonic() - started


def verify(operators: list[Operator]) -> tuple[int, int, int]:
    """(lines checked, lost updates, saves acknowledged) — compares every touched line with what was acknowledged."""
    from terang.audit.models import ChangeRecord
    from terang.budgeting.calc import line_amounts
    from terang.budgeting.models import BudgetLine

    lost = checked = acked = 0
    for op in operators:
        rows = {line.pk: line for line in BudgetLine.objects.filter(pk__in=op.lines).select_related("fiscal_year")}
        for pk in op.lines:
            line = rows[pk]
            n = op.acked.get(pk, 0)
            acked += n
            checked += 1
            expected_vol1 = op.last_vol1.get(pk, op.base_vol1[pk])
            amounts = line_amounts(vol1=line.vol1, vol2=line.vol2, vol3=line.vol3, vol4=line.vol4,
                                   harga_satuan=line.harga_satuan, ppn=line.ppn, ppn_rate=line.fiscal_year.ppn_rate)
            audited = ChangeRecord.objects.filter(object_type="budgeting.budgetline", object_id=str(pk),
                                                  action="update").count()
            if (line.version != op.version[pk] or line.vol1 != Decimal(expected_vol1) or amounts.total != line.total
                    or audited != n):
                lost += 1
    return checked, lost, acked


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cap", type=int, default=20000, help="stop after this many requests")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--operators", type=int, default=OPERATORS)
    parser.add_argument("--visitors", type=int, default=VISITORS)
    parser.add_argument("--think-operator", default="5,15", help="seconds between saves: lo,hi")
    parser.add_argument("--think-visitor", default="5,15", help="seconds between page views: lo,hi")
    args = parser.parse_args()
    db = prepare_database("load")
    import django

    django.setup()
    proc = None
    page_cache_dir = ""
    try:
        print(f"Load benchmark — {db.description}\n  {machine()}")
        build_regency(db)
        operators, pages, info = prepare(args.operators)
        initial_versions = {pk: v for op in operators for pk, v in op.version.items()}
        print(f"  stage {info['stage']} open; {len(operators)} operators × ≤{LINES_PER_OPERATOR} own lines "
              f"({info['lines']} lines in {info['sub_kegiatan']} sub-kegiatan); {len(pages)} portal pages")
        from django.db import connections

        connections.close_all()
        # the page cache every worker shares (config/settings.py CACHES["pages"]): a fresh directory per run
        page_cache_dir = tempfile.mkdtemp(prefix="terang-bench-pages-")
        proc, port = start_gunicorn({**db.env, "TERANG_PAGE_CACHE_DIR": page_cache_dir}, workers=args.workers,
                                    threads=args.threads)
        # stage summaries are cached per worker process, rendered pages once for all of them
        warm = [*pages[:2]] * (3 * args.workers) + pages[2:]
        for path in warm:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
        think_op = tuple(float(x) for x in args.think_operator.split(","))
        think_visit = tuple(float(x) for x in args.think_visitor.split(","))
        stats, elapsed = run(port, operators, pages, args.seconds, args.cap, args.visitors,
                             think_op, think_visit)  # type: ignore[arg-type]
        stop(proc)
        proc = None
        checked, lost, acked = verify(operators)
        changed = sum(1 for op in operators for pk, v in op.version.items() if v != initial_versions[pk])
        save95, page95 = pct(stats.saves, 95), pct(stats.pages, 95)
        print(f"  think times: operators {args.think_operator} s, visitors {args.think_visitor} s")
        print(f"  gunicorn {args.workers} workers × {args.threads} threads; {elapsed:.0f} s; {stats.requests:,} "
              f"requests ({stats.requests / elapsed:.1f}/s): {len(stats.saves):,} saves, {len(stats.pages):,} "
              f"page views")
        print(f"  saves  ms: p50 {pct(stats.saves, 50):.0f} · p95 {save95:.0f} · p99 {pct(stats.saves, 99):.0f} · "
              f"max {max(stats.saves or [0]):.0f}")
        print(f"  pages  ms: p50 {pct(stats.pages, 50):.0f} · p95 {page95:.0f} · p99 {pct(stats.pages, 99):.0f} · "
              f"max {max(stats.pages or [0]):.0f}")
        print(f"  errors {len(stats.errors)} (conflicts {stats.conflicts}); lines checked {checked}, changed "
              f"{changed}, saves acknowledged {acked}, lost updates {lost}")
        for err in stats.errors[:5]:
            print(f"    {err}")
        ok = save95 <= P95_TARGET_MS and page95 <= P95_TARGET_MS and not stats.errors and lost == 0
        print(f"  targets: p95 save {save95 / P95_TARGET_MS:.2f}, p95 page {page95 / P95_TARGET_MS:.2f} of "
              f"{P95_TARGET_MS:.0f} ms; errors 0; lost updates 0 → {'OK' if ok else 'NOT MET'}")
        return 0 if ok else 1
    finally:
        if proc is not None:
            stop(proc)
        if page_cache_dir:
            shutil.rmtree(page_cache_dir, ignore_errors=True)
        drop(db)


if __name__ == "__main__":
    raise SystemExit(main())
