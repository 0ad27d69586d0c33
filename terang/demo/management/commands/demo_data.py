"""Generate the demo data for Kabupaten Banyuwangi (deterministic with --seed, idempotent)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from terang.core.context import use_context
from terang.core.money import format_number, format_rupiah
from terang.demo.services import demo_data_load

IDENTITY_LABELS = (
    ("pendapatan", "Pendapatan"), ("belanja", "Belanja"), ("surplus_defisit", "Surplus/(defisit)"),
    ("penerimaan_pembiayaan", "Penerimaan pembiayaan"), ("pengeluaran_pembiayaan", "Pengeluaran pembiayaan"),
    ("pembiayaan_netto", "Pembiayaan netto"), ("silpa", "SiLPA tahun berkenaan"),
)


class Command(BaseCommand):
    help = ("Membuat data demo Kabupaten Banyuwangi: perangkat daerah, unit, DPRD, satu pengguna per peran, APBD "
            "TA 2026 (--scale regency: ukuran Banyuwangi, ~100.000 rincian), dan TA 2027 dengan tahapan RKA-SKPD "
            "dibuka untuk input rincian.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["small", "regency"], default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--quiet-users", action="store_true", help="Jangan cetak daftar pengguna demo.")
        parser.add_argument("--tanpa-anggaran", action="store_true",
                            help="Lewati data demo e-Budgeting (APBD TA 2026 dan RKA TA 2027).")

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        with use_context(actor=None):
            result = demo_data_load(scale=str(options["scale"]), seed=int(options["seed"]),  # type: ignore[call-overload]
                                    budget=not options["tanpa_anggaran"])
        for key, value in result.counts.items():
            self.stdout.write(f"{key}: {value}")
        if result.budget is not None:
            self._print_budget(result.budget)
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

    def _print_budget(self, budget: dict[str, Any]) -> None:
        counts = budget["counts"]
        self.stdout.write("")
        state = "dibuat" if budget["created"] else "sudah ada, tidak ada yang ditambahkan"
        self.stdout.write(f"Anggaran TA {budget['tahun']} (skala {budget['scale'] or '-'}, seed {budget['seed']}): "
                          f"{state} ({budget['seconds']} detik)")
        self.stdout.write(
            f"  standar harga: {format_number(counts['standar_harga'])} · perangkat daerah: "
            f"{counts['perangkat_daerah']} · sub kegiatan: {format_number(counts['sub_kegiatan'])} · rincian: "
            f"{format_number(counts['rincian'])} ({counts['rincian_belum_dirinci']} belum dirinci) · pagu: "
            f"{format_number(counts['pagu'])}")
        stages = ", ".join(f"{name} {format_number(n)} baris" for name, n in counts["tahapan"].items())
        diff = budget.get("diff") or {}
        self.stdout.write(f"  tahapan (dipublikasikan): {stages}; berubah {diff.get('changed', 0)}, ditambah "
                          f"{diff.get('added', 0)}, dihapus {diff.get('removed', 0)}, sub kegiatan baru "
                          f"{diff.get('new_sub_kegiatan', 0)}")
        for name, identity in budget["stage_identity"].items():
            figures = " · ".join(f"{label} {format_rupiah(identity[key])}" for key, label in IDENTITY_LABELS)
            self.stdout.write(f"  {name}: {figures}")
        flags = budget.get("flags") or {}
        if flags:
            listed = ", ".join(f"{rule} {n}" for rule, n in flags.items())
            self.stdout.write(f"  tanda bahaya: {sum(flags.values())} ({listed}) pada "
                              f"{format_number(counts['rincian'])} rincian")
        if budget["anomalies"]:
            self.stdout.write("  Anomali yang ditanam (harus ditemukan aturan tanda bahaya):")
            for row in budget["anomalies"]:
                self.stdout.write(f"    - {row['kode']}: {row['perangkat_daerah']} {row['sub_kegiatan']} "
                                  f"{row['uraian']} {format_rupiah(row['total'])} → {', '.join(row['rules'])}")
        self._print_next_year(budget.get("next_year"))

    def _print_next_year(self, info: dict[str, Any] | None) -> None:
        if not info:
            return
        state = "dibuat" if info["created"] else "sudah ada"
        stages = ", ".join(f"{name} ({status})" for name, status in info["stages"].items())
        self.stdout.write(f"Anggaran TA {info['tahun']} (penyusunan, {state}): {stages}; pagu "
                          f"{info['pagu']} perangkat daerah, standar harga {format_number(info['standar_harga'])} "
                          f"({info['seconds']} detik)")
        closes = info.get("rka_closes_at")
        if info["rka_open"] and closes:
            until = timezone.localtime(datetime.fromisoformat(closes)).strftime("%d-%m-%Y %H:%M")
            self.stdout.write(f"  Input RKA-SKPD dibuka sampai {until}: {info['operator']} dapat menginput rincian "
                              f"({info['sub_kegiatan']} sub kegiatan, {info['rincian']} rincian sudah diisi).")
        else:
            self.stdout.write("  Jendela input RKA-SKPD sudah lewat; gunakan basis data baru atau pembukaan kembali.")
