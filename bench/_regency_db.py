"""Shared setup of the e-Budgeting benchmarks: a throwaway database holding the regency-scale demo.

`prepare_database(tag)` must run before `django.setup()`: it points Django at a new SQLite file in a temporary
TERANG_VAR_DIR, or — when DATABASE_URL=postgres://… is set — at a fresh PostgreSQL database that it creates (the
name in the URL is only used to connect) and that `drop()` removes at the end. `build_regency()` then migrates,
loads the reference data and runs `demo_data --scale regency` (foundation + the e-Budgeting demo: ~100,000 lines,
two published stages).

Building takes about a minute on SQLite and two on PostgreSQL. With TERANG_BENCH_CACHE=1 the first build is kept
(SQLite: a file under /tmp/terang-bench-cache; PostgreSQL: a template database) and later runs copy it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

CACHE = os.environ.get("TERANG_BENCH_CACHE", "") not in ("", "0")
CACHE_DIR = Path(os.environ.get("TERANG_BENCH_CACHE_DIR", tempfile.gettempdir() + "/terang-bench-cache"))
PG_TEMPLATE = "terang_bench_regency_tpl"
SEED = 2026


@dataclass
class Database:
    description: str
    vendor: str
    env: dict[str, str]  # what a subprocess (gunicorn) needs to reach the same database
    pg_name: str | None = None
    var_dir: str | None = None
    admin_url: str | None = None
    from_cache: bool = False


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists(url: str, name: str) -> bool:
    import psycopg

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def prepare_database(tag: str) -> Database:
    """Create the throwaway database and point this process's environment at it (before django.setup())."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TERANG_DEBUG", "0")  # no query log in the measured processes
    os.environ.setdefault("TERANG_LOG_LEVEL", "WARNING")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        name = f"terang_bench_{tag}_{os.getpid()}"
        _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
        cached = CACHE and _pg_exists(url, PG_TEMPLATE)
        _pg_admin(url, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{PG_TEMPLATE}"' if cached else ""))
        new_url = urlunparse(urlparse(url)._replace(path=f"/{name}"))
        os.environ["DATABASE_URL"] = new_url
        return Database(f"PostgreSQL 15 ({name})", "postgresql", {"DATABASE_URL": new_url}, pg_name=name,
                        admin_url=url, from_cache=cached)
    var_dir = tempfile.mkdtemp(prefix=f"terang-bench-{tag}-")
    (Path(var_dir) / "staticfiles").mkdir()
    os.environ["TERANG_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    cached_file = CACHE_DIR / "regency.sqlite3"
    cached = CACHE and cached_file.exists()
    if cached:
        shutil.copy(cached_file, Path(var_dir) / "terang.sqlite3")
    return Database(f"SQLite ({var_dir})", "sqlite", {"TERANG_VAR_DIR": var_dir}, var_dir=var_dir,
                    from_cache=cached)


def build_small(db: Database) -> dict:
    """Migrate, load the reference data and generate the small demo (agencies, catalogue, sub-kegiatan, ceilings)."""
    from django.contrib.auth.hashers import get_hashers
    from django.core.management import call_command
    from django.test.utils import override_settings

    from terang.core.context import use_context
    from terang.demo.services import demo_data_load

    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        call_command("migrate", interactive=False, verbosity=0, stdout=devnull)
        call_command("load_reference", stdout=devnull)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]), \
            use_context(actor=None):
        get_hashers.cache_clear()
        result = demo_data_load(scale="small", seed=SEED)
    get_hashers.cache_clear()
    assert result.budget is not None
    print(f"  small demo built in {time.perf_counter() - started:.1f} s")
    return result.budget


def build_regency(db: Database) -> dict:
    """Migrate, load the reference data and generate the regency-scale demo (skipped when copied from the cache).
    Returns the budget summary of the demo generator."""
    from django.contrib.auth.hashers import get_hashers
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from terang.budgeting.models import FiscalYear
    from terang.budgeting.services.demo import budget_demo_load
    from terang.core.context import use_context
    from terang.demo.services import demo_data_load

    started = time.perf_counter()
    if db.from_cache:
        fy = FiscalYear.objects.get(pemda__kode="35.10", tahun=2026)
        summary = budget_demo_load(pemda=fy.pemda, scale="regency", seed=SEED)
        print(f"  database copied from the cache ({time.perf_counter() - started:.1f} s)")
        return summary
    with open(os.devnull, "w") as devnull:
        call_command("migrate", interactive=False, verbosity=0, stdout=devnull)
        call_command("load_reference", stdout=devnull)
    # the demo users' passwords are hashed with MD5 here only to save minutes of Argon2 (they are not used)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]), \
            use_context(actor=None):
        get_hashers.cache_clear()
        result = demo_data_load(scale="regency", seed=SEED)
    get_hashers.cache_clear()
    assert result.budget is not None
    print(f"  regency demo built in {time.perf_counter() - started:.1f} s "
          f"(budget generator {result.budget['seconds']} s, {result.budget['counts']['rincian']:,} lines)")
    # a database in service has planner statistics (autovacuum/autoanalyze); a freshly loaded one has none, and a
    # template copy never gets them — without them PostgreSQL picks 2-3x slower plans for the summaries
    settled = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if db.vendor == "postgresql" else "ANALYZE")
    print(f"  statistics gathered ({'VACUUM ANALYZE' if db.vendor == 'postgresql' else 'ANALYZE'}, "
          f"{time.perf_counter() - settled:.1f} s)")
    if CACHE:
        connection.close()
        if db.vendor == "sqlite":
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            shutil.copy(Path(db.var_dir or "") / "terang.sqlite3", CACHE_DIR / "regency.sqlite3")
        else:
            _pg_admin(db.admin_url or "", f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}"')
            _pg_admin(db.admin_url or "", f'CREATE DATABASE "{PG_TEMPLATE}" TEMPLATE "{db.pg_name}"')
    return result.budget


def drop(db: Database) -> None:
    from django.db import connections

    connections.close_all()
    if db.pg_name and db.admin_url:
        _pg_admin(db.admin_url, f'DROP DATABASE IF EXISTS "{db.pg_name}" WITH (FORCE)')
    if db.var_dir:
        shutil.rmtree(db.var_dir, ignore_errors=True)


def machine() -> str:
    """One line about the machine the figures come from."""
    import platform

    cpus = os.cpu_count() or 0
    try:
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        mem_gb = int(mem.split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        mem_gb = 0.0
    return f"{platform.node()} · {cpus} CPU · {mem_gb:.0f} GB RAM · Python {platform.python_version()}"
