"""Load all reference data: regions (Kemendagri codes, population, area) and the national code lists."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from terang.core.context import use_context
from terang.org.loaders import load_regions
from terang.reference.loaders import load_all


class Command(BaseCommand):
    help = "Memuat data referensi: wilayah, nomenklatur, kode rekening, sumber dana, fungsi, kode desa."

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        with use_context(actor=None):
            regions = load_regions()
            self.stdout.write(f"wilayah: {regions.as_dict()}")
            counts = load_all(stdout=self.stdout)
            for name, count in counts.items():
                self.stdout.write(f"{name}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Data referensi dimuat dalam {time.perf_counter() - started:.1f} detik."))
