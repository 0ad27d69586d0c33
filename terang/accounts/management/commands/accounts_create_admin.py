"""Create the first administrator of a pemda: manage.py accounts_create_admin --pemda 35.10 --username admin ..."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from terang.accounts import services
from terang.core.context import use_context
from terang.org.models import Pemda


class Command(BaseCommand):
    help = (
        "Buat administrator pertama sebuah pemda. Kata sandi dibaca dari TERANG_ADMIN_PASSWORD atau ditanyakan. "
        "Autentikasi dua faktor diatur sendiri oleh administrator saat pertama kali masuk."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pemda", required=True, help="kode pemda, mis. 35.10")
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--full-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        pemda = Pemda.objects.filter(kode=options["pemda"]).first()
        if pemda is None:
            raise CommandError(f"Pemda {options['pemda']} tidak ditemukan.")
        password = os.environ.get("TERANG_ADMIN_PASSWORD") or getpass.getpass("Kata sandi: ")
        with use_context(actor=None):
            try:
                user = services.pemda_admin_bootstrap(
                    username=options["username"],
                    full_name=options["full_name"] or options["username"],
                    email=options["email"],
                    pemda=pemda,
                    password=password,
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Administrator {user.username} dibuat untuk {pemda}.")
