"""`manage.py worker_check`: enqueue a `ping` task and wait for a worker to run it.

Exit status 0 when a worker answered within `--timeout` seconds, 1 otherwise. Use it from monitoring (or after a
deploy) to prove that `manage.py worker` is running and reaches the database; /healthz only checks the web side.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks import TaskResultStatus

from terang.core.tasks import ping


class Command(BaseCommand):
    help = "Periksa bahwa pekerja tugas latar berjalan: kirim tugas ping dan tunggu hasilnya."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="Detik menunggu (bawaan: 30).")

    def handle(self, *args: Any, timeout: float, **options: Any) -> None:
        result = ping.enqueue()
        deadline = time.monotonic() + timeout
        while True:
            if result.status == TaskResultStatus.SUCCESSFUL:
                self.stdout.write(
                    self.style.SUCCESS(f"Pekerja aktif: tugas {result.id} selesai ({result.return_value}).")
                )
                return
            if result.status == TaskResultStatus.FAILED:
                raise CommandError(f"Tugas ping {result.id} gagal dijalankan pekerja.")
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"Tidak ada pekerja yang menjalankan tugas ping {result.id} dalam {timeout:g} detik. "
                    "Periksa layanan `manage.py worker` (systemctl status terang-worker)."
                )
            time.sleep(0.5)
            result.refresh()
