"""Generate the demo data for Kabupaten Banyuwangi (deterministic with --seed, idempotent)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from terang.core.context import use_context
from terang.demo.services import demo_data_load


class Command(BaseCommand):
    help = "Membuat data demo Kabupaten Banyuwangi: perangkat daerah, unit, DPRD, dan satu pengguna per peran."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["small", "regency"], default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--quiet-users", action="store_true", help="Jangan cetak daftar pengguna demo.")

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        with use_context(actor=None):
            result = demo_data_load(scale=str(options["scale"]), seed=int(options["seed"]))  # type: ignore[call-overload]
        for key, value in result.counts.items():
            self.stdout.write(f"{key}: {value}")
        if not options["quiet_users"]:
            self.stdout.write("")
            self.stdout.write("Pengguna demo (nama pengguna / kata sandi / peran / lingkup):")
            shown = [u for u in result.users if not u.username.startswith(("desa.",))][:40]
            for user in shown:
                line = f"  {user.username:<22} {user.password:<28} {user.role:<20} {user.scope}"
                if user.totp_secret:
                    line += f"  [2FA TOTP: {user.totp_secret}]"
                self.stdout.write(line)
            if len(result.users) > len(shown):
                self.stdout.write(f"  … dan {len(result.users) - len(shown)} pengguna lain dengan pola yang sama.")
            self.stdout.write("Peran bertanda 2FA memakai kode TOTP: masukkan kunci di aplikasi authenticator, "
                              "atau: .venv/bin/python manage.py demo_totp <nama pengguna>.")
        self.stdout.write(self.style.SUCCESS(f"Data demo siap dalam {time.perf_counter() - started:.1f} detik."))
