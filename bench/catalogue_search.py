"""Benchmark: catalogue search-as-you-type (GET /staf/anggaran/standar-harga/cari/) on 20,000 items.

Builds a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL=postgres://…), the shared test
world, 20,000 catalogue items over 200 accounts, then times the endpoint through the Django test client (full
request: session, permissions, JSON) and the selector alone, for typical keystroke sequences with and without an
account filter. Prints median and p95 per query kind; the target is < 50 ms. The CPU column is the process CPU time
per request: on SQLite (database in-process) it is what the request costs when the machine is not shared.

    .venv/bin/python bench/catalogue_search.py [--items 20000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

WORDS = ["Bata", "Merah", "Semen", "Pasir", "Kertas", "HVS", "Map", "Plastik", "Spidol", "Tinta", "Printer", "Kabel",
         "Lampu", "LED", "Meja", "Kursi", "Lemari", "Besi", "Kayu", "Cat", "Tembok", "Pipa", "PVC", "Kran", "Air",
         "Nasi", "Kotak", "Snack", "Rapat", "Honorarium", "Narasumber", "Uang", "Harian", "Sewa", "Gedung", "Mobil",
         "Bensin", "Solar", "Oli", "Ban", "Aki", "Sapu", "Pel", "Sabun", "Cair", "Tisu", "Gelas", "Piring", "Obat",
         "Masker", "Sarung", "Tangan", "Alkohol", "Kasa", "Perban", "Jarum", "Suntik", "Benang", "Bola", "Net"]
SPECS = ["-", "A4", "F4", "70 gr", "80 gr", "Ukuran besar", "Ukuran kecil", "Merk lokal", "SNI", "1 liter", "5 kg"]
QUERIES = {
    "1 huruf": ["b", "k", "s", "m"],
    "awal kata": ["bat", "kert", "semen", "honor"],
    "dua kata": ["bata merah", "kertas hvs", "nasi kotak", "uang harian"],
    "awalan kode": ["1.1.12.01", "1.1.12.01.03.0001", "5.1.02"],
    "tanpa hasil": ["zzzz", "xylofon"],
}


def setup() -> None:
    import django

    django.setup()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def build(n_items: int):
    from decimal import Decimal

    from terang.budgeting.models import PriceItem
    from terang.reference.models import Account
    from terang.testing.budget import make_budget_world

    rng = random.Random(2026)
    world = make_budget_world()
    version = world.fiscal_year.account_version
    parent = world.accounts["5.1.02.01.01"]
    accounts = [Account(kode=f"5.1.02.01.01.{n:04d}", level=6, tingkat="sub_rincian_objek", nama=f"Belanja {n}",
                        is_postable=True, parent=parent) for n in range(100, 300)]
    accounts = Account.objects.bulk_create(accounts)
    version.accounts.add(*accounts)
    items = []
    for i in range(n_items):
        nama = " ".join(rng.sample(WORDS, rng.randint(2, 4)))
        items.append(PriceItem(fiscal_year=world.fiscal_year, pemda=world.pemda, kind="ssh",
                               kode=f"1.1.12.01.{rng.randint(1, 9):02d}.{rng.randint(1, 20):04d}.{i:05d}",
                               kode_kelompok="1.1.12.01.01.0001", nama=nama, spesifikasi=rng.choice(SPECS),
                               satuan=rng.choice(["Buah", "Rim", "Kg", "Liter", "OH", "Paket"]),
                               harga=Decimal(rng.randint(1, 500) * 250)))
    items = PriceItem.objects.bulk_create(items, batch_size=2000)
    through = PriceItem.allowed_accounts.through
    links = []
    for item in items:
        for account in rng.sample(accounts, rng.randint(1, 3)):
            links.append(through(priceitem_id=item.pk, account_id=account.pk))
    through.objects.bulk_create(links, batch_size=5000)
    return world, accounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    setup()

    import logging

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from terang.budgeting.selectors_catalogue import catalogue_search

    logging.getLogger("terang").setLevel(logging.WARNING)  # no request log line per call
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        world, accounts = build(args.items)
        print(f"Basis data: {connection.vendor}; {args.items} komponen, {len(accounts)} rekening; "
              f"dibangun dalam {time.perf_counter() - started:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = Client()
        client.force_login(world.users["operator"])
        url = reverse("budgeting:catalogue_search")
        account = accounts[7].kode
        print(f"{'jenis kueri':<28} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'hasil':>6}   "
              f"(endpoint penuh; selector saja median / p95)")
        overall: list[float] = []
        overall_cpu: list[float] = []
        for label, queries in QUERIES.items():
            for rekening in ("", account):
                timings: list[float] = []
                cpu: list[float] = []
                selector: list[float] = []
                hits = 0
                for _ in range(args.repeat):
                    for q in queries:
                        params = {"q": q, "tahun": 2026}
                        if rekening:
                            params["rekening"] = rekening
                        t, c = time.perf_counter(), time.process_time()
                        response = client.get(url, params)
                        timings.append((time.perf_counter() - t) * 1000)
                        cpu.append((time.process_time() - c) * 1000)
                        assert response.status_code == 200, response.content
                        hits = max(hits, len(response.json()["results"]))
                        t = time.perf_counter()
                        catalogue_search(fiscal_year=world.fiscal_year, q=q, rekening=rekening)
                        selector.append((time.perf_counter() - t) * 1000)
                overall += timings
                overall_cpu += cpu
                name = f"{label}{' + rekening' if rekening else ''}"
                print(f"{name:<28} {statistics.median(timings):>10.1f} {percentile(timings, 95):>8.1f} "
                      f"{statistics.median(cpu):>7.1f} {hits:>6}   selector {statistics.median(selector):.1f} / "
                      f"{percentile(selector, 95):.1f}")
        print(f"{'semua':<28} {statistics.median(overall):>10.1f} {percentile(overall, 95):>8.1f} "
              f"{statistics.median(overall_cpu):>7.1f}   target p95 < 50 ms: "
              f"{'OK' if percentile(overall, 95) < 50 else 'GAGAL'}; beban mesin {os.getloadavg()[0]:.1f} "
              f"pada {os.cpu_count()} CPU")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
