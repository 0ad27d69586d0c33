"""`manage.py audit_verify [--chain change|event|all]`: recompute the audit hash chains.

Exits 0 when every chain is intact, 1 at the first bad record (its seq is named in the message).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from terang.audit.services import CHAINS
from terang.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verifikasi rantai hash jejak audit (catatan perubahan dan peristiwa)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chain", choices=[*CHAINS, "all"], default="all",
                            help="Rantai yang diverifikasi (bawaan: all).")

    def handle(self, *args: Any, chain: str = "all", **options: Any) -> None:
        names = CHAINS if chain == "all" else (chain,)
        for name in names:
            result = verify_chain(name)
            if not result.ok:
                raise CommandError(str(result))
            self.stdout.write(self.style.SUCCESS(f"{result} ({result.seconds:.2f} dtk)"))
