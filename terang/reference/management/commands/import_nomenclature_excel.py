"""Import an official Kepmendagri Excel annex (program nomenclature or accounts) into one regulation version."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from terang.core.context import use_context
from terang.reference.choices import ImportKind
from terang.reference.importers.excel import AnnexLayout
from terang.reference.services import reference_annex_import


class Command(BaseCommand):
    help = (
        "Mengimpor lampiran Excel Kepmendagri (nomenklatur program/kegiatan/sub kegiatan atau kode rekening) ke satu "
        "versi regulasi. Semua atau tidak sama sekali: jika ada baris yang tidak terbaca, tidak ada yang disimpan."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # `--version CODE` (the regulation version) replaces Django's `--version` (the Django release)
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Berkas .xlsx/.xls/.ods")
        parser.add_argument(
            "--version", "--versi", dest="version_code", required=True, help="Kode versi, mis. 900.1-861/2026"
        )
        parser.add_argument("--version-name", default="", help="Nama versi jika versi belum ada (akan dibuat)")
        parser.add_argument("--kind", choices=ImportKind.values, default=ImportKind.PROGRAM)
        parser.add_argument("--sheet", default="0", help="Nama atau nomor lembar (mulai 0)")
        parser.add_argument("--code-columns", default="", help="Rentang kolom kode, mis. A:E")
        parser.add_argument("--name-column", default="", help="Kolom nama, mis. F")
        parser.add_argument(
            "--extra-columns", default="", help="Kolom metadata sub kegiatan, mis. kinerja=G,indikator=H,satuan=I"
        )
        parser.add_argument("--dry-run", action="store_true", help="Hanya periksa dan laporkan, tanpa menyimpan")

    def handle(self, *args: Any, **options: Any) -> None:
        layout = None
        if options["code_columns"] or options["name_column"]:
            if not (options["code_columns"] and options["name_column"]):
                raise CommandError("--code-columns dan --name-column harus diberikan bersama.")
            extra = dict(part.split("=", 1) for part in options["extra_columns"].split(",") if "=" in part)
            try:
                layout = AnnexLayout.from_letters(options["code_columns"], options["name_column"], extra)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        sheet: str | int = int(options["sheet"]) if options["sheet"].isdigit() else options["sheet"]
        with use_context(actor=None):
            report = reference_annex_import(
                path=options["file"],
                version_code=options["version_code"],
                kind=options["kind"],
                dry_run=options["dry_run"],
                layout=layout,
                sheet=sheet,
                version_name=options["version_name"],
            )
        self.stdout.write(f"Baris kode terbaca: {report.rows_read}; baris judul/kepala dilewati: {report.skipped}")
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
        if report.errors:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(report.errors)} baris bermasalah; tidak ada yang disimpan.")
        if report.dry_run:
            self.stdout.write(
                f"Uji coba: {report.created} kode baru dan {report.updated} kode berubah akan disimpan "
                f"ke versi {report.version}."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Tersimpan ke versi {report.version}: {report.created} kode baru, {report.updated} diperbarui, "
                f"{report.links_created} tautan versi baru."
            )
        )
