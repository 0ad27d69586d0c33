"""Benchmark: CSV export of every line of the published APBD streamed with flat memory.

Target (issue #3): peak RSS of the worker process serving the download ≤ 300 MB.

Builds a throwaway database with the regency-scale demo (bench/_regency_db.py), starts gunicorn with ONE sync
worker on 127.0.0.1:<free port> serving it, warms the worker with one small page, records the worker's VmHWM
(peak resident set size, /proc/<pid>/status), downloads the full export
/apbd/35.10/2026/unduh/rincian.csv (every line of APBD murni) and reads VmHWM again. Also counts the rows received
against the frozen lines of the stage.

    .venv/bin/python bench/bench_csv_export_memory.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_csv_export_memory.py
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _regency_db import build_regency, drop, machine, prepare_database  # noqa: E402

RSS_TARGET_MB = 300.0
EXPORT = "/apbd/35.10/2026/unduh/rincian.csv"
WARM = "/apbd/35.10/2026/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env_extra: dict[str, str], *, workers: int = 1, threads: int = 1,
                   port: int | None = None) -> tuple[subprocess.Popen, int]:
    """gunicorn config.wsgi on 127.0.0.1:<port> with the benchmark's database; waits until it answers."""
    port = port or free_port()
    env = {**os.environ, **env_extra, "DJANGO_SETTINGS_MODULE": "config.settings", "TERANG_DEBUG": "0",
           "TERANG_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--timeout", "600", "--log-level", "warning"]
    if threads > 1:
        cmd += ["--threads", str(threads), "--worker-class", "gthread"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603 - fixed argv
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return proc, port
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: children of the master process."""
    children = []
    for task in Path(f"/proc/{master}/task").iterdir():
        text = (task / "children").read_text().split()
        children += [int(pid) for pid in text]
    return children


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> int:
    db = prepare_database("export")
    import django

    django.setup()
    proc = None
    try:
        print(f"CSV export memory benchmark — {db.description}\n  {machine()}")
        build_regency(db)
        from django.db import connections

        from terang.budgeting.models import Stage, StageLine

        stage = Stage.objects.get(fiscal_year__tahun=2026, kind="apbd")
        n_lines = StageLine.objects.filter(stage=stage).count()
        connections.close_all()
        proc, port = start_gunicorn(db.env)
        (worker,) = worker_pids(proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("GET", WARM)
        warm = conn.getresponse()
        warm.read()
        conn.close()
        before_hwm, before_rss = status_kb(worker, "VmHWM"), status_kb(worker, "VmRSS")
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("GET", EXPORT)
        response = conn.getresponse()
        assert response.status == 200, response.status
        size = rows = 0
        first_byte = None
        sampled_max = before_rss
        while chunk := response.read(256 * 1024):
            first_byte = first_byte or time.perf_counter() - started
            size += len(chunk)
            rows += chunk.count(b"\n")
            sampled_max = max(sampled_max, status_kb(worker, "VmRSS"))
        elapsed = time.perf_counter() - started
        conn.close()
        after_hwm = status_kb(worker, "VmHWM")
        peak_mb = after_hwm / 1024
        print(f"  worker pid {worker}: VmHWM before the download {before_hwm / 1024:.0f} MB "
              f"(RSS {before_rss / 1024:.0f} MB, after warming with {WARM})")
        print(f"  GET {EXPORT}: {size / 1e6:.1f} MB, {rows - 1:,} data rows (frozen lines: {n_lines:,}), "
              f"first byte after {first_byte or 0:.2f} s, complete in {elapsed:.1f} s")
        print(f"  worker peak RSS (VmHWM) after the download: {peak_mb:.0f} MB; highest RSS sampled while "
              f"streaming {sampled_max / 1024:.0f} MB; target ≤ {RSS_TARGET_MB:.0f} MB: "
              f"{peak_mb / RSS_TARGET_MB:.2f} ({'OK' if peak_mb <= RSS_TARGET_MB else 'OVER'})")
        if rows - 1 != n_lines:
            print("  WARNING: row count differs from the frozen lines")
        return 0 if peak_mb <= RSS_TARGET_MB else 1
    finally:
        if proc is not None:
            stop(proc)
        drop(db)


if __name__ == "__main__":
    raise SystemExit(main())
