"""Import a standard price catalogue (SIPD export layout, CSV or Excel) into one fiscal year of one pemda."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from terang.budgeting.choices import CatalogueKind
from terang.budgeting.models import FiscalYear
from terang.budgeting.services.catalogue import catalogue_import
from terang.core.context import use_context
from terang.core.errors import ApplicationError
from terang.core.money import format_rupiah


class Command(BaseCommand):
    help = (
        "Mengimpor standar harga (SSH/HSPK/ASB/SBU, tata letak ekspor SIPD, CSV atau Excel) ke satu tahun anggaran. "
        "Semua atau tidak sama sekali: jika ada baris bermasalah, tidak ada yang disimpan."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Berkas .csv atau .xlsx")
        parser.add_argument("--pemda", required=True, help="Kode pemda, mis. 35.10")
        parser.add_argument("--tahun", required=True, type=int, help="Tahun anggaran, mis. 2026")
        parser.add_argument("--jenis", choices=CatalogueKind.values, default=None,
                            help="Jenis standar untuk baris tanpa kolom jenis (bawaan: ssh)")
        parser.add_argument("--dry-run", action="store_true", help="Hanya periksa dan laporkan, tanpa menyimpan")
        parser.add_argument("--rincian", action="store_true", help="Tampilkan setiap komponen baru/berubah")

    def handle(self, *args: Any, **options: Any) -> None:
        fiscal_year = FiscalYear.objects.filter(pemda__kode=options["pemda"], tahun=options["tahun"]).first()
        if fiscal_year is None:
            raise CommandError(f"Tahun anggaran {options['tahun']} pemda {options['pemda']} tidak ada.")
        with use_context(actor=None):
            try:
                report = catalogue_import(actor=None, fiscal_year=fiscal_year, path=options["file"],
                                          kind_default=options["jenis"], dry_run=options["dry_run"])
            except (ApplicationError, OSError) as exc:
                raise CommandError(str(getattr(exc, "message", exc))) from exc
        self.stdout.write(f"Berkas: {report.source}; versi rekening: {report.account_version}")
        self.stdout.write(f"Baris data terbaca: {report.rows_read}; komponen (per zona): {report.items_read}")
        if report.errors:
            for error in report.messages:
                self.stderr.write(error)
            raise CommandError(f"{len(report.errors)} masalah; tidak ada yang disimpan.")
        if options["rincian"]:
            for change in report.changes:
                label = "baru " if change.action == "create" else "ubah "
                price = format_rupiah(change.new_harga)
                if change.action == "update" and change.old_harga != change.new_harga:
                    price = f"{format_rupiah(change.old_harga)} → {price}"
                zone = f" [zona {change.zone}]" if change.zone else ""
                fields = f" ({', '.join(change.fields)})" if change.fields else ""
                self.stdout.write(f"  {label} baris {change.row}: {change.kode}{zone} {change.nama} {price}{fields}")
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(report.by_kind.items()))
        if kinds:
            self.stdout.write(f"Per jenis: {kinds}")
        style = self.style.WARNING if report.dry_run else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
