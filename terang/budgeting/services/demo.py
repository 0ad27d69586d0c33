"""Demo e-Budgeting data: a Banyuwangi-sized APBD (TA 2026) generated from the real code lists.

`budget_demo_load(pemda=…, scale="small"|"regency", seed=…)` builds, deterministically for a seed and only once per
pemda (a second run finds fiscal year 2026 and adds nothing):

* fiscal year 2026 on Kepmendagri 900.1.15.5-1317/2023 (nomenclature and accounts), PPN 11 %;
* a generated standard price catalogue (~3,000 items at regency scale, ~300 at small) plus the 32 real Kota Malang
  SSH sample rows, each item allowing 1–3 real postable accounts;
* budget units: at regency scale the 56 SKPD of the foundation list (31 agencies incl. the two RSUD, 25 kecamatan)
  plus the first four UPTD Puskesmas (BLUD) = 60 units; at small scale the 31 agencies and Kecamatan Tegalsari;
* KUA-PPAS ceilings per unit, per sub-kegiatan and per earmarked funding source;
* ~2,500 sub-kegiatan (support program X.XX.01 expanded to the unit's bidang, the rest from its own bidang) and
  ~100,000 lines priced from the catalogue, revenue (akun 4) and financing (akun 6.1 SiLPA) lines, hitting the
  published RAPBD 2024 figures exactly (regency) or round figures (small, see `FIGURES`);
* two published stages: KUA-PPAS (the initial lines) and APBD murni (≈3 % of lines changed, some added, some
  removed, a few new sub-kegiatan with a planning trace, some growth), each closed, frozen and published through
  `services.stages` (stage_close_and_freeze / stage_publish, by the demo BPKAD officer; dates then set to 2025);
* a handful of planted anomalies, exactly the patterns the red-flag rules look for (listed in the result), and a
  red-flag refresh (`services.flags.flags_refresh`) so the demo shows them.
* the next year, TA 2027, in preparation (`next_year_demo_load`, also on a later run over an existing 2026): the
  default stages, the catalogue carried over, agency ceilings, KUA-PPAS published, RKA-SKPD open from the load day
  for 30 days, and three sub-kegiatan of the demo operator's agency (operator.dinkes) with lines entered by the
  operator through the line services — so a visitor can try line entry right after `make demo`.

The 2026 lines are written in batches of 5,000 from prepared rows with totals from `calc.line_amounts` (COPY on
PostgreSQL, executemany elsewhere; the catalogue, sub-kegiatan and ceilings with `bulk_create`), no query per line.
They do not go through the line services, but every line obeys their rules (price ≤ catalogue, item allowed for the
account, postable account of the year's version, sub-kegiatan of the unit's bidang, ceilings respected) — except the
planted anomalies, which the services would refuse. Clean data also stays clear of the red-flag rules (volumes
within each item's band and at most once per sub-kegiatan, no round totals, ceilings above totals, a planning trace
on every sub-kegiatan): only the planted anomalies and the explicit 'belum dirinci' lines are flagged. No change
record is written per 2026 line; one domain event per import and per stage (closed, frozen, published) is.
"""

# ruff: noqa: S311 -- seeded pseudo-random numbers make the demo reproducible; nothing here is a secret
# ruff: noqa: S608 -- SQL is assembled only from ORM table/column names; values go in params
from __future__ import annotations

import csv
import hashlib
import math
import random
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Field, Sum
from django.utils import timezone

from terang.audit.events import EventType
from terang.audit.services import record_event
from terang.org.models import Organisation, Pemda, Region
from terang.reference import codes
from terang.reference.models import Account, ProgramCode, RegulationVersion, SumberDana
from terang.reference.selectors import accounts_for_version, sub_kegiatan_for_version, version_by_kode

from ..calc import line_amounts
from ..choices import (
    CatalogueKind,
    FiscalYearStatus,
    FlagRule,
    LineType,
    StageKind,
    StageStatus,
    SubActivityStatus,
)
from ..models import BudgetLine, Ceiling, FiscalYear, PriceItem, Stage, StageLine, SubActivityBudget

TAHUN = 2026
VERSION = "900.1.15.5-1317/2023"
PPN_RATE = Decimal("0.11")
BATCH = 5000
WIB = ZoneInfo("Asia/Jakarta")
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MALANG_SAMPLE = "ssh_kota_malang_2026_sample.csv"


@dataclass(frozen=True)
class Figures:
    """The APBD identity the generated budget hits exactly (rupiah)."""

    pendapatan: int
    belanja: int
    silpa_awal: int  # penerimaan pembiayaan (SiLPA tahun sebelumnya)
    pad: int
    transfer: int

    @property
    def lain_lain(self) -> int:
        return self.pendapatan - self.pad - self.transfer


# Regency: Banyuwangi RAPBD 2024 (../shared/data/banyuwangi_reference_budget_figures.csv): pendapatan and belanja
# exact, PAD Rp 605 M and transfers Rp 1,839 T as published (rounded), lain-lain the rest (Rp 51,7 M), SiLPA Rp 25 M.
# Small: about 1/40 of it in round figures.
FIGURES = {
    "regency": Figures(pendapatan=2_495_696_641_125, belanja=2_520_696_641_125, silpa_awal=25_000_000_000,
                       pad=605_000_000_000, transfer=1_839_000_000_000),
    "small": Figures(pendapatan=62_375_000_000, belanja=63_000_000_000, silpa_awal=625_000_000,
                     pad=15_125_000_000, transfer=45_975_000_000),
}
SCALES = tuple(FIGURES)

# --- generated catalogue ----------------------------------------------------------------------------------------
#
# Item names are real Indonesian SSH/HSPK/ASB/SBU vocabulary; prices are plausible 2026 East Java figures, not a
# published Banyuwangi catalogue (none is public, domain.md §7). Every kelompok allows 1–3 real level-6 accounts of
# the chart of accounts. Prices end in hundreds (never a round million) so that clean lines are never "round".

S, H, A, U = CatalogueKind.SSH, CatalogueKind.HSPK, CatalogueKind.ASB, CatalogueKind.SBU


@dataclass(frozen=True)
class Kelompok:
    """A group of catalogue items that share allowed accounts, a unit pattern for volumes and a PPN habit."""

    key: str
    nama: str
    kode: str
    kind: str
    accounts: tuple[str, ...]
    bases: tuple[tuple[Any, ...], ...]  # (nama, satuan, harga[, ((spesifikasi, faktor), ...)])
    variants: tuple[tuple[str, float], ...] = (("-", 1.0),)
    volumes: tuple[tuple[str, int, int], ...] = (("", 2, 12),)  # ("" = the item's unit, lo, hi) per factor
    ppn: float = 0.0
    quota: int = 10_000  # at most this many items at regency scale


SIZES = (("Ukuran kecil", 0.8), ("Ukuran sedang", 1.0), ("Ukuran besar", 1.35))
GRADES = (("Standar", 1.0), ("Kualitas menengah", 1.22), ("Kualitas tinggi", 1.5))
ESELON = (("Eselon II/Pejabat Pimpinan Tinggi", 1.55), ("Eselon III/Administrator", 1.22),
          ("Eselon IV/Pengawas", 1.0), ("Pelaksana/Golongan I–III", 0.85))

KELOMPOK: tuple[Kelompok, ...] = (
    Kelompok("atk", "Alat Tulis Kantor", "1.1.12.01.03.0001", S, ("5.1.02.01.01.0024",), (
        ("Ballpoint", "Buah", 3350, (("Standar, tinta hitam", 1), ("Standar, tinta biru", 1), ("Gel 0,5 mm", 1.9),
                                      ("Gel 0,7 mm", 2.1), ("Retractable, grip karet", 2.6))),
        ("Pensil 2B", "Buah", 4150, (("Kayu, standar", 1), ("Mekanik 0,5 mm", 4.1))),
        ("Spidol Whiteboard", "Buah", 9250, (("Hitam", 1), ("Biru", 1), ("Merah", 1))),
        ("Spidol Permanen", "Buah", 10150, (("Hitam", 1), ("Biru", 1), ("Kecil, 0,5 mm", 0.8))),
        ("Penghapus Pensil", "Buah", 2750, ()), ("Penghapus Papan Tulis", "Buah", 14650, ()),
        ("Cairan Koreksi", "Buah", 7850, (("Botol 12 ml", 1), ("Pena", 1.1))),
        ("Correction Tape", "Buah", 11450, (("5 mm x 6 m", 1), ("5 mm x 12 m", 1.6))),
        ("Penggaris Besi", "Buah", 12350, (("30 cm", 1), ("50 cm", 1.7))),
        ("Gunting Kertas", "Buah", 15850, (("Sedang", 1), ("Besar", 1.4))),
        ("Cutter", "Buah", 12450, (("Kecil", 0.6), ("Besar, L-500", 1))), ("Isi Cutter", "Pak", 9750, ()),
        ("Stapler", "Buah", 18450, (("HD-10", 1), ("HD-50", 2.3), ("Heavy duty, 100 lembar", 11.2))),
        ("Isi Staples", "Kotak", 3450, (("No. 10", 1), ("No. 3 (24/6)", 1.4), ("23/10", 3.2))),
        ("Pelubang Kertas", "Buah", 34650, (("2 lubang, sedang", 1), ("2 lubang, besar", 2.9))),
        ("Paper Clip", "Kotak", 4250, (("No. 3", 1), ("No. 5", 1.3))),
        ("Binder Clip", "Kotak", 6450, (("No. 105", 1), ("No. 107", 1.2), ("No. 155", 1.7), ("No. 200", 2.4),
                                        ("No. 260", 3.3))),
        ("Map Plastik", "Buah", 3850, (("Kancing, folio", 1), ("Zipper, folio", 1.3))),
        ("Snelhecter Plastik", "Buah", 3250, ()), ("Map Kertas", "Buah", 1950, (("Folio", 1), ("Batik", 1.4))),
        ("Ordner", "Buah", 33450, (("Folio, 7 cm", 1), ("Folio, 5 cm", 0.9))),
        ("Box File", "Buah", 29850, (("Karton", 1), ("Plastik", 1.3))),
        ("Amplop Coklat", "Pak", 39850, (("Folio, isi 50", 1), ("A4, isi 50", 0.9))),
        ("Amplop Putih", "Kotak", 28450, (("Kecil, isi 100", 1), ("Sedang, isi 100", 1.3), ("Kop dinas", 1.9))),
        ("Lem Kertas Cair", "Buah", 9850, ()), ("Lem Stik", "Buah", 10650, (("8 g", 1), ("25 g", 1.9))),
        ("Lem Kuning Serbaguna (setara Aibon)", "Kaleng", 27350, (("Kaleng 600 ml", 1),)),
        ("Lakban", "Rol", 14250, (("Coklat 48 mm", 1), ("Bening 48 mm", 1), ("Hitam kain", 1.4))),
        ("Selotip Bening", "Rol", 4350, (("12 mm", 1), ("24 mm", 1.6))), ("Double Tape", "Rol", 9650, ()),
        ("Buku Tulis", "Buah", 5250, (("Isi 38 lembar", 1), ("Folio, isi 100", 4.7))),
        ("Buku Agenda", "Buah", 24850, (("Agenda surat masuk", 1), ("Agenda surat keluar", 1))),
        ("Buku Ekspedisi", "Buah", 12650, ()), ("Kertas Memo Tempel", "Pak", 8950, (("3 x 3 inci", 1),)),
        ("Tinta Stempel", "Botol", 18600, (("Ungu, 50 cc", 1), ("Biru, 50 cc", 1))),
        ("Bantalan Stempel", "Buah", 16050, ()), ("Kalkulator", "Buah", 119850, (("12 digit", 1),)),
        ("Baterai Alkaline", "Pak", 24650, (("AA isi 2", 1), ("AAA isi 2", 1), ("9 volt", 1.6))),
        ("Papan Klip", "Buah", 16850, (("Folio", 1),)), ("Rautan Pensil", "Buah", 7550, ()),
        ("Stabilo", "Buah", 8350, (("Kuning", 1), ("Hijau", 1), ("Oranye", 1))),
        ("Pita Mesin Tik", "Buah", 18450, ()), ("Sampul Plastik", "Rol", 21450, ()),
    ), volumes=(("", 6, 24),), ppn=0.15),
    Kelompok("kertas", "Kertas dan Cover", "1.1.12.01.03.0004", S, ("5.1.02.01.01.0025",), (
        ("Kertas HVS", "Rim", 53150, (("A4 70 gr", 1), ("A4 80 gr", 1.16), ("F4 70 gr", 1.12), ("F4 80 gr", 1.3),
                                      ("A3 80 gr", 2.3))),
        ("Kertas Buffalo", "Pak", 36450, (("Putih", 1), ("Biru", 1), ("Kuning", 1))),
        ("Kertas Sertifikat", "Pak", 47850, (("A4 220 gr", 1),)),
        ("Kertas Foto Glossy", "Pak", 43850, (("A4 180 gr", 1), ("A4 230 gr", 1.2))),
        ("Kertas Karton", "Lembar", 4150, (("Manila", 1), ("Duplex", 1.6))),
        ("Kertas Continuous Form", "Dus", 389850, (("2 ply", 1), ("3 ply", 1.25))),
        ("Cover Mika", "Pak", 42650, (("Folio 0,2 mm", 1),)),
        ("Kertas Label", "Pak", 12850, (("No. 103", 1), ("No. 121", 1))),
        ("Kertas Thermal", "Rol", 8450, (("57 mm", 1), ("80 mm", 1.6))),
        ("Kertas Samson Coklat", "Lembar", 2650, ()),
    ), volumes=(("", 4, 16),), ppn=0.15),
    Kelompok("cetak", "Bahan Cetak dan Penggandaan", "1.1.12.01.03.0006", S, ("5.1.02.01.01.0026",), (
        ("Cetak Spanduk", "M2", 34650, (("Flexi 280 gr", 1), ("Flexi 340 gr", 1.3), ("Korea", 2.1))),
        ("Cetak Banner", "Buah", 164850, (("Roll banner 60 x 160 cm", 1), ("X-banner 60 x 160 cm", 0.8))),
        ("Cetak Baliho", "M2", 41950, (("Frontlite", 1), ("Backlite", 1.6))),
        ("Cetak Brosur", "Lembar", 1450, (("A4 1 muka", 1), ("A4 2 muka", 1.5), ("A4 lipat 3", 1.9))),
        ("Cetak Leaflet", "Lembar", 1250, (("A5", 1), ("A4", 1.4))),
        ("Cetak Buku Laporan", "Buku", 64850, (("A4 50 halaman", 1), ("A4 100 halaman", 1.7),
                                               ("A4 200 halaman, hard cover", 3.6))),
        ("Cetak Kop Surat", "Rim", 154650, (("A4", 1), ("F4", 1.1))), ("Cetak Map Dinas", "Buah", 6850, ()),
        ("Cetak Sertifikat", "Lembar", 5200, (("Full colour", 1),)),
        ("Cetak Undangan", "Lembar", 3650, (("Satu muka", 1), ("Lipat, amplop", 2.4))),
        ("Cetak Stiker", "Lembar", 4450, (("A4 vinyl", 1), ("A3 vinyl", 1.8))),
        ("Cetak Kalender Dinding", "Buah", 38650, (("6 lembar", 1), ("12 lembar", 1.6))),
        ("Penggandaan/Fotokopi", "Lembar", 250, (("A4 hitam putih", 1), ("F4 hitam putih", 1.2),
                                                ("A4 berwarna", 6.2))),
        ("Penjilidan", "Buku", 7850, (("Lakban", 1), ("Spiral", 1.9), ("Hard cover", 5.4))),
        ("Cetak Kartu Identitas", "Buah", 18450, (("PVC", 1),)), ("Cetak Blanko", "Rim", 214850, (("Rangkap 2", 1),)),
        ("Cetak Papan Nama", "Buah", 385450, (("Akrilik 40 x 60 cm", 1),)),
        ("Cetak Backdrop", "M2", 57850, (("Flexi, rangka", 1),)),
    ), volumes=(("", 25, 100),), ppn=0.15),
    Kelompok("bahan_komputer", "Bahan Komputer", "1.1.12.01.03.0010", S, ("5.1.02.01.01.0029",), (
        ("Tinta Printer", "Botol", 96450, (("Hitam 70 ml", 1), ("Cyan 70 ml", 1), ("Magenta 70 ml", 1),
                                           ("Yellow 70 ml", 1))),
        ("Toner Printer Laser", "Buah", 884550, (("Hitam, standar", 1), ("Hitam, kapasitas tinggi", 1.5))),
        ("Cartridge Tinta", "Buah", 312450, (("Hitam", 1), ("Warna", 1.2))),
        ("Flashdisk", "Buah", 86850, (("32 GB", 1), ("64 GB", 1.55), ("128 GB", 2.4))),
        ("Hardisk Eksternal", "Buah", 934650, (("1 TB", 1), ("2 TB", 1.45))),
        ("Mouse", "Buah", 94650, (("Kabel USB", 1), ("Nirkabel", 1.6))), ("Keyboard", "Buah", 164850, (("USB", 1),)),
        ("Kabel Data", "Buah", 54850, (("HDMI 3 m", 1), ("LAN Cat6 5 m", 0.7))),
        ("Memori", "Buah", 584650, (("DDR4 8 GB", 1), ("DDR4 16 GB", 1.8))),
        ("Solid State Drive", "Buah", 814850, (("512 GB", 1), ("1 TB", 1.65))),
        ("Pita Printer Dot Matrix", "Buah", 48450, ()), ("Pembersih Layar", "Botol", 38650, ()),
    ), volumes=(("", 2, 8),), ppn=0.3),
    Kelompok("makan_minum", "Makanan dan Minuman Rapat", "1.1.12.01.04.0001", U,
             ("5.1.02.01.01.0052", "5.1.02.01.01.0053"), (
        ("Nasi Kotak Rapat", "Kotak", 41350, (("Reguler", 1), ("Pimpinan", 1.35))),
        ("Kudapan Rapat", "Kotak", 17450, (("Reguler", 1), ("Pimpinan", 1.3))),
        ("Makan Prasmanan", "Orang", 58650, (("Reguler", 1), ("Pimpinan", 1.4))),
        ("Air Mineral", "Dus", 39850, (("Gelas 240 ml isi 48", 1), ("Botol 600 ml isi 24", 1.35))),
        ("Makan Minum Jamuan Tamu", "Orang", 78450, (("Tamu daerah", 1), ("Tamu VIP", 1.6))),
        ("Snack Kegiatan Lapangan", "Kotak", 14850, ()),
        ("Makan Minum Kegiatan Lapangan", "Orang", 36850, ()),
    ), volumes=(("Orang", 10, 30), ("Kali", 1, 3))),
    Kelompok("honor", "Honorarium Kegiatan", "4.01.01.0002", U, ("5.1.02.02.01.0003", "5.1.02.02.01.0004"), (
        ("Honorarium Narasumber", "OJ", 1025400, (("Pejabat Eselon I/setara", 1.7), ("Pejabat Eselon II/setara", 1.35),
                                                 ("Pejabat Eselon III ke bawah", 1), ("Akademisi/Pakar", 1.25))),
        ("Honorarium Moderator", "Orang/Kali", 697450, (("Pejabat", 1), ("Non pejabat", 0.8))),
        ("Honorarium Pembawa Acara", "Orang/Kali", 397350, ()),
        ("Honorarium Panitia Kegiatan", "Orang/Kegiatan", 448350, (("Penanggung jawab", 1.1), ("Ketua", 1),
                                                                   ("Sekretaris", 0.9), ("Anggota", 0.8))),
        ("Honorarium Tim Pelaksana Kegiatan", "Orang/Bulan", 1248450, (("Pengarah", 1.3), ("Ketua", 1.15),
                                                                       ("Sekretaris", 1), ("Anggota", 0.85))),
        ("Honorarium Sekretariat Tim", "Orang/Bulan", 548650, (("Ketua", 1.1), ("Anggota", 1))),
        ("Honorarium Penyuluhan/Pendampingan", "OK", 496350, ()),
        ("Honorarium Penyelenggara Ujian", "Orang/Kegiatan", 372650, (("Pengawas", 1), ("Pengoreksi", 0.9))),
    ), volumes=(("Orang", 1, 4), ("Kali", 1, 4))),
    Kelompok("honor_pbj", "Honorarium Pengelola Keuangan dan Pengadaan", "4.01.01.0003", U,
             ("5.1.01.03.07.0001", "5.1.01.03.07.0002"), (
        ("Honorarium Pejabat Pembuat Komitmen", "Orang/Bulan", 1648350, (("Pagu s.d. Rp 1 miliar", 1),
                                                                       ("Pagu di atas Rp 1 miliar", 1.3))),
        ("Honorarium PPTK", "Orang/Bulan", 1148650, ()),
        ("Honorarium Bendahara Pengeluaran", "Orang/Bulan", 1347450, ()),
        ("Honorarium Pejabat Pengadaan", "Orang/Paket", 648450, ()),
        ("Honorarium Pejabat Penatausahaan Keuangan", "Orang/Bulan", 1248350, ()),
        ("Honorarium Pokja Pemilihan", "Orang/Paket", 748650, ()),
        ("Honorarium Pejabat Pemeriksa Hasil Pekerjaan", "Orang/Paket", 448250, ()),
    ), volumes=(("Orang", 1, 3), ("Bulan", 12, 12))),
    Kelompok("perjadin", "Perjalanan Dinas", "4.02.01.0001", U,
             ("5.1.02.04.01.0001", "5.1.02.04.01.0003", "5.1.02.04.01.0005"), (),
             volumes=(("Orang", 1, 4), ("Hari", 2, 4), ("Kali", 1, 5)), quota=420),
    Kelompok("pakaian", "Pakaian Dinas dan Atribut", "1.1.12.01.05.0001", S,
             ("5.1.02.01.01.0063", "5.1.02.01.01.0064", "5.1.02.01.01.0075"), (
        ("Pakaian Dinas Harian (PDH)", "Stel", 384650, (("Pria", 1), ("Wanita", 1.05), ("Wanita berjilbab", 1.12))),
        ("Pakaian Dinas Lapangan (PDL)", "Stel", 449850, (("Pria", 1), ("Wanita", 1.05))),
        ("Pakaian Batik Gajah Oling", "Stel", 348450, (("Katun, pria", 1), ("Katun, wanita", 1.04),
                                                       ("Tulis, pimpinan", 2.9))),
        ("Pakaian Sipil Harian (PSH)", "Stel", 412650, (("Pria", 1), ("Wanita", 1.05))),
        ("Pakaian KORPRI", "Stel", 214850, (("Pria", 1), ("Wanita", 1))),
        ("Pakaian Olahraga", "Stel", 229650, (("Kaos dan celana training", 1),)),
        ("Pakaian Adat Using", "Stel", 684350, (("Pria", 1), ("Wanita", 1.2))),
        ("Sepatu Dinas", "Pasang", 448650, (("PDH pria", 1), ("PDH wanita", 0.95), ("PDL lars", 1.3))),
        ("Atribut Pakaian Dinas", "Set", 84650, (("Lengkap", 1),)),
        ("Topi Dinas", "Buah", 64850, (("Lapangan", 1), ("Upacara", 1.6))),
    ), volumes=(("", 15, 60),), ppn=0.2),
    Kelompok("bahan_bangunan", "Bahan Bangunan dan Konstruksi", "1.1.12.01.01.0001", S, ("5.1.02.01.01.0001",), (
        ("Semen Portland", "Zak", 66450, (("50 kg", 1), ("40 kg", 0.82))), ("Semen Putih", "Kg", 4850, ()),
        ("Pasir Pasang", "M3", 278450, ()), ("Pasir Beton", "M3", 312650, ()), ("Pasir Urug", "M3", 198850, ()),
        ("Batu Split", "M3", 334650, (("1/2", 1), ("2/3", 0.97), ("3/5", 0.93))), ("Sirtu", "M3", 214350, ()),
        ("Besi Beton Ulir SNI", "Batang", 84650, (("D10 12 m", 1), ("D13 12 m", 1.7), ("D16 12 m", 2.55),
                                                   ("D19 12 m", 3.6))),
        ("Kawat Bendrat", "Kg", 26850, ()), ("Paku", "Kg", 22650, (("5 cm", 1), ("7 cm", 1), ("10 cm", 1))),
        ("Kayu Meranti", "M3", 5948650, (("Balok 5/7", 1), ("Papan 2/20", 1.05))),
        ("Kayu Kamper", "M3", 7548450, (("Balok 6/12", 1), ("Usuk 4/6", 0.97))),
        ("Multipleks", "Lembar", 164850, (("9 mm", 1), ("12 mm", 1.35), ("18 mm", 1.9))),
        ("Triplek", "Lembar", 84650, (("3 mm", 1), ("4 mm", 1.2))),
        ("Gypsum Board", "Lembar", 78450, (("9 mm", 1),)),
        ("Cat Tembok", "Pail", 1248650, (("Interior 25 kg", 1), ("Eksterior 25 kg", 1.4))),
        ("Cat Kayu dan Besi", "Kaleng", 98650, (("1 kg", 1),)),
        ("Keramik Lantai", "M2", 78650, (("40 x 40", 1), ("50 x 50", 1.15), ("60 x 60", 1.6))),
        ("Keramik Dinding", "M2", 84350, (("25 x 40", 1),)), ("Genteng Beton", "Buah", 6450, ()),
        ("Genteng Metal", "Lembar", 58450, ()), ("Seng Gelombang", "Lembar", 74850, (("BJLS 0,25", 1),)),
        ("Baja Ringan Kanal C", "Batang", 124650, (("C75 0,75 mm 6 m", 1),)),
        ("Pipa PVC", "Batang", 48650, (('1/2" AW', 1), ('3/4" AW', 1.3), ('1" AW', 1.9), ('2" AW', 3.4),
                                        ('3" D', 4.9), ('4" D', 7.1))),
        ("Kabel NYM", "Rol", 948650, (("2 x 1,5 mm 50 m", 1), ("2 x 2,5 mm 50 m", 1.5), ("3 x 2,5 mm 50 m", 2.1))),
        ("Kabel NYY", "M", 38650, (("2 x 4 mm", 1), ("4 x 10 mm", 4.2))),
        ("Lampu LED", "Buah", 48650, (("9 watt", 1), ("13 watt", 1.3), ("18 watt", 1.7))),
        ("Saklar", "Buah", 34650, (("Tunggal", 1), ("Ganda", 1.3))), ("Stop Kontak", "Buah", 38450, ()),
        ("Kloset Duduk", "Unit", 1848650, ()), ("Kloset Jongkok", "Unit", 348650, ()),
        ("Wastafel", "Unit", 748450, ()), ("Kran Air", "Buah", 68450, (('1/2"', 1),)),
        ("Kaca Bening", "M2", 148650, (("5 mm", 1), ("8 mm", 1.7))),
        ("Kusen Aluminium", "M", 214850, (("4 inci", 1),)),
        ("Daun Pintu Panel", "Buah", 1848450, (("Kayu kamper", 1),)),
        ("Engsel Pintu", "Buah", 48650, ()), ("Kunci Pintu", "Set", 284650, ()),
        ("Aspal Curah", "Kg", 14650, (("Pen 60/70", 1),)), ("Paving Block", "M2", 98650, (("K-300 tebal 8 cm", 1),)),
        ("Beton Ready Mix", "M3", 1148650, (("K-225", 1), ("K-300", 1.08), ("K-350", 1.14))),
    ), volumes=(("", 25, 100),), ppn=0.3),
    Kelompok("bbm", "Bahan Bakar dan Pelumas", "1.1.12.01.02.0001", S, ("5.1.02.01.01.0004",), (
        ("Pertalite", "Liter", 10000, (("RON 90", 1),)), ("Pertamax", "Liter", 12950, (("RON 92", 1),)),
        ("Dexlite", "Liter", 13350, ()), ("Biosolar", "Liter", 6800, ()),
        ("Oli Mesin", "Liter", 84650, (("Kendaraan roda 4", 1), ("Kendaraan roda 2", 0.7), ("Diesel", 1.1))),
        ("Gas LPG", "Tabung", 224850, (("12 kg", 1), ("5,5 kg", 0.5))),
    ), volumes=(("Liter", 80, 240), ("Bulan", 12, 12))),
    Kelompok("obat", "Obat-obatan", "1.1.12.01.06.0001", S, ("5.1.02.01.01.0037", "5.1.02.01.01.0038"), (
        ("Paracetamol", "Box", 24850, (("Tablet 500 mg, box 100", 1), ("Sirup 120 mg/5 ml, botol", 0.25))),
        ("Amoksisilin", "Box", 39650, (("Kapsul 500 mg, box 100", 1), ("Sirup kering 125 mg/5 ml", 0.18))),
        ("Metformin", "Box", 28450, (("Tablet 500 mg, box 100", 1),)),
        ("Amlodipin", "Box", 21850, (("Tablet 5 mg, box 100", 1), ("Tablet 10 mg, box 100", 1.4))),
        ("Kaptopril", "Box", 18450, (("Tablet 25 mg, box 100", 1),)),
        ("Tablet Tambah Darah", "Box", 36850, (("Box 100", 1),)), ("Oralit", "Box", 48650, (("Sachet, box 100", 1),)),
        ("Vitamin A", "Box", 89650, (("Kapsul biru 100.000 IU", 1), ("Kapsul merah 200.000 IU", 1.3))),
        ("Zinc", "Box", 28650, (("Tablet dispersibel 20 mg", 1),)),
        ("Antasida", "Box", 18650, (("Tablet kunyah, box 100", 1),)),
        ("Salbutamol", "Box", 16450, (("Tablet 2 mg, box 100", 1), ("Inhaler", 3.4))),
        ("Deksametason", "Box", 14850, (("Tablet 0,5 mg, box 100", 1), ("Injeksi 5 mg/ml, box 100 ampul", 12.5))),
        ("Ibuprofen", "Box", 23850, (("Tablet 400 mg, box 100", 1),)),
        ("Ceftriaxon Injeksi", "Vial", 9850, (("1 g", 1),)),
        ("Cairan Infus", "Kolf", 9450, (("Ringer laktat 500 ml", 1), ("NaCl 0,9% 500 ml", 1), ("Dekstrosa 5%", 1.1))),
        ("Obat Anti Tuberkulosis", "Paket", 348650, (("Kategori 1 dewasa", 1), ("Anak", 0.6))),
        ("Asam Folat", "Box", 12650, (("Tablet 1 mg, box 100", 1),)),
        ("Povidon Iodin", "Botol", 24850, (("10% 60 ml", 1), ("10% 1 liter", 7.2))),
    ), volumes=(("", 20, 80),)),
    Kelompok("bmhp", "Bahan Medis Habis Pakai", "1.1.12.01.06.0002", S, ("5.1.02.01.01.0038", "5.1.02.01.01.0002"), (
        ("Spuit", "Box", 148650, (("1 cc, box 100", 1), ("3 cc, box 100", 1.1), ("5 cc, box 100", 1.2))),
        ("Sarung Tangan Lateks", "Box", 84650, (("Non steril S/M/L, box 100", 1), ("Steril, box 50", 2.6))),
        ("Masker Medis", "Box", 38650, (("3 ply, box 50", 1), ("N95", 6.4))),
        ("Kasa Steril", "Box", 24650, (("16 x 16 cm", 1),)), ("Kapas", "Bungkus", 34850, (("500 g", 1),)),
        ("Plester", "Rol", 18650, (("Rol 5 m", 1),)), ("Alkohol Swab", "Box", 28650, (("Box 100", 1),)),
        ("Infus Set", "Buah", 12850, (("Dewasa", 1), ("Anak", 1.05))), ("IV Catheter", "Buah", 14650, (("20 G", 1),)),
        ("Rapid Test", "Box", 384650, (("HIV", 1), ("Sifilis", 0.9), ("Hepatitis B", 1))),
        ("Reagen Laboratorium", "Kit", 1148650, (("Hematologi", 1), ("Kimia klinik", 1.3))),
        ("Strip Gula Darah", "Box", 184850, (("Box 50", 1),)),
    ), volumes=(("", 15, 60),)),
    Kelompok("alkes", "Alat Kedokteran dan Kesehatan", "1.3.2.07.01.0001", S,
             ("5.2.02.07.01.0001", "5.1.02.03.02.0204"), (
        ("Tensimeter Digital", "Unit", 848650, ()), ("Stetoskop", "Unit", 648450, (("Dewasa", 1), ("Anak", 1.1))),
        ("Timbangan Bayi Digital", "Unit", 1448650, ()), ("Timbangan Dewasa Digital", "Unit", 948650, ()),
        ("Alat Ukur Panjang Badan", "Unit", 1148450, ()), ("Doppler Janin", "Unit", 2848650, ()),
        ("Elektrokardiograf 12 Kanal", "Unit", 48648650, ()), ("Dental Unit", "Unit", 148648450, ()),
        ("Tempat Tidur Pasien", "Unit", 14848650, (("Manual 3 engkol", 1), ("Elektrik", 3.2))),
        ("Lemari Obat", "Unit", 4848650, ()), ("Sterilisator Kering", "Unit", 8648450, ()),
        ("Autoklaf", "Unit", 48648450, (("50 liter", 1),)), ("Ultrasonografi", "Unit", 384648650, (("4D", 1),)),
        ("Nebulizer", "Unit", 1248650, ()), ("Oksimeter Nadi", "Unit", 648450, ()),
        ("Ambu Bag", "Unit", 948650, (("Dewasa", 1), ("Bayi", 0.9))), ("Kursi Roda", "Unit", 1848650, ()),
        ("Brankar Pasien", "Unit", 12848450, ()), ("Inkubator Bayi", "Unit", 124648650, ()),
        ("Hematology Analyzer", "Unit", 284648450, (("3 diff", 1),)),
    ), volumes=(("", 1, 4),), ppn=0.8),
    Kelompok("peralatan", "Peralatan dan Perlengkapan Kantor", "1.3.2.05.01.0001", S,
             ("5.2.02.05.02.0001", "5.2.02.05.01.0005", "5.2.02.05.02.0004"), (
        ("Meja Kerja", "Unit", 2148650, (("1/2 biro", 1), ("1 biro", 1.55), ("Pimpinan", 3.4))),
        ("Kursi Kerja", "Unit", 1248650, (("Staf", 1), ("Pimpinan", 2.6))),
        ("Kursi Rapat", "Unit", 848450, (("Lipat", 0.6), ("Sandaran busa", 1))),
        ("Meja Rapat", "Unit", 6848650, (("8 orang", 1), ("16 orang", 2.1))),
        ("Lemari Arsip", "Unit", 3848650, (("Besi 2 pintu", 1), ("Kayu 2 pintu", 1.1))),
        ("Filing Cabinet", "Unit", 3448650, (("4 laci", 1),)), ("Rak Buku", "Unit", 1848450, (("Besi 5 susun", 1),)),
        ("Sofa Tamu", "Set", 8848650, (("3-2-1", 1),)), ("AC Split", "Unit", 4848650, (("1 PK", 1), ("1,5 PK", 1.3),
                                                                                       ("2 PK", 1.75))),
        ("Kipas Angin", "Unit", 548650, (("Dinding", 1), ("Berdiri", 0.9))), ("Dispenser Air", "Unit", 1248650, ()),
        ("Lemari Es", "Unit", 4248450, (("2 pintu", 1),)), ("Mesin Penghancur Kertas", "Unit", 3248650, ()),
        ("Proyektor", "Unit", 7848650, (("3.600 lumen", 1), ("5.000 lumen", 1.6))),
        ("Layar Proyektor", "Unit", 1648650, (("70 inci", 1), ("100 inci", 1.5))),
        ("Papan Tulis", "Unit", 848650, (("Whiteboard 120 x 240", 1),)), ("Brankas", "Unit", 8648450, (("80 kg", 1),)),
        ("Televisi LED", "Unit", 7248650, (("43 inci", 1), ("55 inci", 1.5))),
        ("Sound System", "Set", 14848650, (("Ruang rapat", 1),)), ("Mesin Fotokopi", "Unit", 64848650, ()),
        ("Genset", "Unit", 38648650, (("10 kVA", 1), ("20 kVA", 1.6))),
    ), volumes=(("", 1, 4),), ppn=0.8),
    Kelompok("komputer", "Komputer dan Peralatan Jaringan", "1.3.2.10.01.0001", S,
             ("5.2.02.10.01.0002", "5.2.02.10.02.0003", "5.2.02.10.02.0004"), (
        ("Komputer PC All in One", "Unit", 14848650, (("Core i5, RAM 8 GB", 1), ("Core i7, RAM 16 GB", 1.45))),
        ("Komputer PC Desktop", "Unit", 12648450, (("Core i5", 1), ("Core i7", 1.35))),
        ("Laptop", "Unit", 15848650, (("Core i5, 14 inci", 1), ("Core i7, 14 inci", 1.4))),
        ("Printer", "Unit", 3248650, (("Inkjet tinta isi ulang", 1), ("Laser monokrom", 1.25), ("Multifungsi", 1.6))),
        ("Scanner", "Unit", 5848650, (("Dokumen A4 ADF", 1),)),
        ("UPS", "Unit", 2148650, (("1.200 VA", 1), ("3 kVA", 4.9))),
        ("UPS 120 kVA", "Unit", 1185350650, (("Tiga fase, baterai 30 menit", 1),)),
        ("Switch Jaringan", "Unit", 4848650, (("24 port gigabit", 1), ("48 port gigabit", 1.7))),
        ("Router", "Unit", 6848450, (("Kantor", 1),)), ("Access Point", "Unit", 2848650, (("Dual band", 1),)),
        ("Server", "Unit", 184648650, (("Rak 2U", 1),)),
        ("Network Attached Storage", "Unit", 24848650, (("4 bay", 1),)),
    ), volumes=(("", 1, 4),), ppn=0.8),
    Kelompok("kendaraan", "Kendaraan Dinas", "1.3.2.02.01.0001", S,
             ("5.2.02.02.01.0002", "5.2.02.02.01.0004", "5.2.02.02.01.0006"), (
        ("Kendaraan Penumpang", "Unit", 348648650, (("Minibus 7 penumpang 1.500 cc", 1), ("SUV 2.400 cc diesel", 1.6))),
        ("Sepeda Motor", "Unit", 24848650, (("110 cc", 1), ("150 cc", 1.35), ("Trail 150 cc", 1.55))),
        ("Mobil Pick Up", "Unit", 248648450, (("Bak terbuka", 1), ("Double cabin 4x4", 2.1))),
        ("Ambulans", "Unit", 648648650, (("Transport", 1), ("Gawat darurat", 1.45))),
        ("Mobil Pemadam Kebakaran", "Unit", 2848648450, (("Tangki 4.000 liter", 1),)),
        ("Truk Sampah", "Unit", 684648650, (("Dump 6 m3", 1), ("Arm roll", 1.2))),
    ), volumes=(("", 1, 3),), ppn=0.8),
    Kelompok("pemeliharaan_kendaraan", "Pemeliharaan Kendaraan Dinas", "4.03.01.0001", A,
             ("5.1.02.03.02.0036", "5.1.02.03.02.0035"), (
        ("Servis Berkala Kendaraan Roda 4", "Kali", 1248650, (("Minibus", 1), ("SUV/double cabin", 1.3))),
        ("Servis Berkala Kendaraan Roda 2", "Kali", 184650, ()),
        ("Penggantian Ban Kendaraan Roda 4", "Buah", 1148650, (("R15", 1), ("R16", 1.2), ("R17", 1.4))),
        ("Penggantian Ban Kendaraan Roda 2", "Buah", 348650, ()),
        ("Penggantian Aki Kendaraan", "Buah", 1448650, (("Roda 4", 1), ("Roda 2", 0.2))),
        ("Suku Cadang Kendaraan Roda 4", "Paket", 2848650, (("Kaki-kaki", 1), ("Kelistrikan", 0.8))),
        ("Cuci Kendaraan", "Kali", 48650, ()),
    ), volumes=(("", 2, 6), ("Unit", 1, 3))),
    Kelompok("pajak_kendaraan", "Pajak dan Perizinan Kendaraan Dinas", "4.03.01.0002", A, ("5.1.02.02.01.0067",), (
        ("Pajak Kendaraan Bermotor Roda 4 (STNK Tahunan)", "Unit", 3248650, (("1.500 cc", 1), ("2.400 cc", 1.6))),
        ("Pajak Kendaraan Bermotor Roda 2 (STNK Tahunan)", "Unit", 348650, ()),
        ("Uji Kendaraan (KIR)", "Unit", 148650, ()),
    ), volumes=(("", 2, 6),)),
    Kelompok("tenaga", "Jasa Tenaga Pendukung", "4.04.01.0001", U,
             ("5.1.02.02.01.0030", "5.1.02.02.01.0026", "5.1.02.02.01.0033"), (
        ("Jasa Tenaga Kebersihan", "Orang/Bulan", 2848650, (("Lulusan SD/SMP", 1), ("Lulusan SMA", 1.08))),
        ("Jasa Tenaga Administrasi", "Orang/Bulan", 2948650, (("Lulusan SMA", 1), ("Lulusan D3", 1.1),
                                                              ("Lulusan S1", 1.22))),
        ("Jasa Tenaga Pengemudi", "Orang/Bulan", 2948450, ()),
        ("Jasa Tenaga Keamanan", "Orang/Bulan", 2948350, (("Satpam bersertifikat", 1),)),
        ("Jasa Tenaga Operator Komputer", "Orang/Bulan", 3148650, (("Lulusan D3", 1), ("Lulusan S1", 1.1))),
        ("Jasa Tenaga Teknis Lapangan", "Orang/Bulan", 3248450, ()),
        ("Jasa Tenaga Pendidik Non ASN", "Orang/Bulan", 2548650, (("Guru kelas", 1), ("Guru mata pelajaran", 1))),
        ("Jasa Tenaga Kesehatan Non ASN", "Orang/Bulan", 3448650,
         (("Perawat", 1), ("Bidan", 1), ("Tenaga farmasi", 1))),
    ), volumes=(("Orang", 1, 4), ("Bulan", 12, 12))),
    Kelompok("utilitas", "Langganan Daya dan Jasa", "4.05.01.0001", A,
             ("5.1.02.02.01.0061", "5.1.02.02.01.0060", "5.1.02.02.01.0063"), (
        ("Tagihan Listrik Kantor", "Bulan", 4848650, (("Daya 13.200 VA", 1), ("Daya 23.000 VA", 1.7),
                                                      ("Daya 33.000 VA", 2.5), ("Daya 53.000 VA", 4.1))),
        ("Tagihan Air PDAM Kantor", "Bulan", 648650, (("Kantor kecil", 1), ("Kantor besar", 2.4))),
        ("Langganan Internet Kantor", "Bulan", 2848650,
         (("50 Mbps", 1), ("100 Mbps", 1.6), ("Dedicated 50 Mbps", 4.2))),
        ("Tagihan Telepon Kantor", "Bulan", 748450, ()),
    ), volumes=(("Layanan", 1, 3), ("Bulan", 12, 12))),
    Kelompok("gedung_kantor", "Konstruksi Gedung Kantor", "2.01.01.0001", H,
             ("5.2.03.01.01.0001", "5.1.02.03.03.0001"), (
        ("Pembangunan Gedung Kantor Permanen", "M2", 6848650, (("Tidak bertingkat", 1), ("Bertingkat 2 lantai", 1.09))),
        ("Rehabilitasi Gedung Kantor", "M2", 2848650, (("Sedang", 1), ("Berat", 1.6))),
        ("Pemeliharaan Gedung Kantor", "M2", 348650, (("Pengecatan", 1), ("Perbaikan atap", 1.9))),
        ("Pembangunan Pagar Keliling", "M", 1848650, (("Tembok bata", 1), ("BRC", 0.8))),
        ("Pembangunan Area Parkir", "M2", 448650, (("Paving", 1), ("Beton", 1.3))),
    ), volumes=(("", 80, 320),), ppn=0.6),
    Kelompok("gedung_pendidikan", "Konstruksi Gedung Pendidikan", "2.01.02.0001", H,
             ("5.2.03.01.01.0010", "5.1.02.03.03.0010"), (
        ("Pembangunan Ruang Kelas Baru", "M2", 5248650, (("SD", 1), ("SMP", 1.06))),
        ("Rehabilitasi Ruang Kelas", "M2", 2648650, (("Sedang", 1), ("Berat", 1.55))),
        ("Pembangunan Toilet Sekolah", "Unit", 148648650, (("4 bilik", 1),)),
        ("Pembangunan Perpustakaan Sekolah", "M2", 5648650, ()), ("Pembangunan Laboratorium", "M2", 5948450, ()),
    ), volumes=(("", 72, 252),), ppn=0.6),
    Kelompok("gedung_kesehatan", "Konstruksi Gedung Kesehatan", "2.01.03.0001", H,
             ("5.2.03.01.01.0006", "5.1.02.03.03.0006"), (
        ("Pembangunan Gedung Puskesmas", "M2", 7248650, (("Rawat jalan", 1), ("Rawat inap", 1.12))),
        ("Pembangunan Gedung Rumah Sakit", "M2", 9848650, (("Rawat inap", 1), ("IGD/ICU", 1.35))),
        ("Rehabilitasi Gedung Puskesmas", "M2", 2948650, (("Sedang", 1), ("Berat", 1.5))),
        ("Pembangunan Polindes/Pustu", "M2", 5848650, ()),
    ), volumes=(("", 100, 400),), ppn=0.6),
    Kelompok("jalan", "Konstruksi Jalan", "2.02.01.0001", H, ("5.2.04.01.01.0003", "5.1.02.03.04.0003"), (
        ("Perkerasan Lapis Aspal Beton (AC-WC)", "M2", 184650, (("Tebal 4 cm", 1), ("Tebal 5 cm", 1.2))),
        ("Perkerasan Beton Semen", "M2", 348650, (("Tebal 20 cm, K-300", 1), ("Tebal 25 cm, K-350", 1.3))),
        ("Pelebaran Jalan", "M2", 424850, ()), ("Lapis Pondasi Agregat Kelas A", "M3", 648450, ()),
        ("Pemeliharaan Rutin Jalan (Tambal Sulam)", "M2", 148650, ()),
        ("Rabat Beton Jalan Lingkungan", "M2", 248650, ()),
        ("Pekerjaan Saluran U-Ditch", "M", 1648650, (("40 x 60", 1), ("60 x 80", 1.5))),
        ("Marka Jalan Thermoplastik", "M2", 224850, ()),
    ), volumes=(("", 600, 2400),), ppn=0.6),
    Kelompok("jembatan", "Konstruksi Jembatan", "2.02.02.0001", H, ("5.2.04.01.02.0003", "5.1.02.03.04.0013"), (
        ("Pembangunan Jembatan Beton Bertulang", "M2", 14848650, (("Bentang s.d. 10 m", 1), ("Bentang 10–20 m", 1.25))),
        ("Rehabilitasi Jembatan", "M2", 4848650, ()), ("Box Culvert", "M", 6848650, (("2 x 2 m", 1),)),
    ), volumes=(("", 30, 120),), ppn=0.6),
    Kelompok("irigasi", "Konstruksi Irigasi dan Sumber Daya Air", "2.03.01.0001", H,
             ("5.2.04.02.01.0003", "5.2.04.02.01.0005", "5.1.02.03.04.0026"), (
        ("Pasangan Batu Kali Saluran Irigasi", "M3", 948650, (("Campuran 1:4", 1),)),
        ("Saluran Irigasi Beton", "M", 1248650, (("Tersier", 1), ("Sekunder", 1.9))),
        ("Normalisasi Saluran", "M", 148650, (("Galian tanah", 1),)),
        ("Bangunan Bagi/Sadap", "Unit", 84848650, ()), ("Pintu Air", "Unit", 24848650, (("Sorong baja", 1),)),
        ("Tanggul Pengaman Sungai", "M", 2848650, (("Bronjong", 1), ("Pasangan batu", 1.4))),
        ("Embung", "Unit", 648648650, ()), ("Sumur Bor Irigasi Air Tanah", "Unit", 248648650, ()),
    ), volumes=(("", 150, 600),), ppn=0.6),
    Kelompok("air_sanitasi", "Konstruksi Air Minum dan Sanitasi", "2.04.01.0001", H,
             ("5.2.04.03.01.0005", "5.2.04.03.02.0001"), (
        ("Jaringan Perpipaan Air Minum", "M", 248650, (("HDPE 2 inci", 1), ("HDPE 4 inci", 1.8))),
        ("Sambungan Rumah Air Minum", "Unit", 1848650, ()), ("Tangki Septik Komunal", "Unit", 64848650, ()),
        ("Instalasi Pengolahan Air Limbah", "Unit", 348648650, (("Komunal 50 KK", 1),)),
        ("Jamban Sehat Keluarga", "Unit", 4848650, ()),
    ), volumes=(("", 60, 240),), ppn=0.6),
    Kelompok("konsultansi", "Jasa Konsultansi", "4.06.01.0001", A,
             ("5.1.02.02.08.0006", "5.1.02.02.09.0003", "5.2.06.01.01.0006"), (
        ("Jasa Konsultansi Perencanaan Teknis", "Paket", 148648650, (("Gedung", 1), ("Jalan dan jembatan", 1.25),
                                                                     ("Irigasi", 1.1))),
        ("Jasa Konsultansi Pengawasan Teknis", "Paket", 124648450, (("Gedung", 1), ("Jalan dan jembatan", 1.2))),
        ("Penyusunan Dokumen Kajian", "Paket", 248648650, (("Kajian strategis", 1), ("Masterplan", 1.9))),
        ("Penyusunan Detail Engineering Design", "Paket", 348648450, ()),
        ("Jasa Konsultansi Sistem Informasi", "Paket", 448648650, (("Pengembangan aplikasi", 1),
                                                                    ("Smart kabupaten", 11.7))),
        ("Penyusunan Dokumen Lingkungan", "Paket", 184648650, (("UKL-UPL", 1), ("AMDAL", 2.6))),
    ), volumes=(("", 1, 2),), ppn=0.5),
    Kelompok("bimtek", "Pelatihan, Sosialisasi dan Bimbingan Teknis", "4.07.01.0001", A,
             ("5.1.02.02.12.0003", "5.1.02.02.12.0002", "5.1.02.02.12.0001"), (
        ("Kontribusi Bimbingan Teknis", "Orang", 4848650, (("Dalam provinsi", 1), ("Luar provinsi", 1.45))),
        ("Paket Sosialisasi", "Paket", 14848650, (("Tingkat kecamatan", 1), ("Tingkat kabupaten", 1.9))),
        ("Kursus Singkat", "Orang", 3248650, (("Sertifikasi", 1.4), ("Non sertifikasi", 1))),
    ), volumes=(("", 4, 16),)),
    Kelompok("pertanian", "Bahan Pertanian, Peternakan dan Perikanan", "1.1.12.01.07.0001", S,
             ("5.1.02.01.01.0008", "5.1.02.01.01.0011", "5.1.02.01.01.0039"), (
        ("Benih Padi Bersertifikat", "Kg", 14850, (("Inpari 32", 1), ("Ciherang", 0.97))),
        ("Benih Jagung Hibrida", "Kg", 98650, ()), ("Bibit Buah Naga", "Batang", 12850, (("Daging merah", 1),)),
        ("Bibit Jeruk Siam Banyuwangi", "Batang", 24650, ()), ("Bibit Kopi Robusta", "Batang", 6850, ()),
        ("Bibit Durian", "Batang", 64850, (("Okulasi", 1),)), ("Pupuk Organik Granul", "Kg", 2850, ()),
        ("Pupuk NPK", "Kg", 14650, ()), ("Pestisida Nabati", "Liter", 84650, ()),
        ("Benih Ikan Nila", "Ekor", 350, (("Ukuran 5–7 cm", 1),)), ("Benih Ikan Lele", "Ekor", 250, ()),
        ("Pakan Ikan", "Kg", 16850, (("Apung", 1),)), ("Bibit Kambing", "Ekor", 2848650, (("Peranakan etawa", 1),)),
        ("Pakan Ternak Konsentrat", "Kg", 7850, ()), ("Vaksin Hewan", "Dosis", 18650, (("PMK", 1), ("Rabies", 0.9))),
    ), volumes=(("", 200, 800),)),
    Kelompok("buku_pendidikan", "Buku dan Perlengkapan Pendidikan", "1.3.5.01.01.0001", S,
             ("5.2.05.01.01.0001", "5.1.02.01.01.0039", "5.2.02.05.02.0001"), (
        ("Buku Teks Pelajaran", "Eksemplar", 64850, (("Kelas 1–3 SD", 1), ("Kelas 4–6 SD", 1.1), ("SMP", 1.25))),
        ("Buku Bacaan Anak", "Eksemplar", 48650, (("Fiksi", 1), ("Non fiksi", 1.1))),
        ("Meja dan Kursi Siswa", "Set", 1148650, (("SD", 1), ("SMP", 1.1))),
        ("Meja dan Kursi Guru", "Set", 2248650, ()),
        ("Alat Peraga Pendidikan", "Set", 4848650, (("IPA SD", 1), ("Matematika SD", 0.8), ("IPA SMP", 1.6))),
        ("Seragam Sekolah", "Stel", 184650, (("SD", 1), ("SMP", 1.15))), ("Tas Sekolah", "Buah", 148650, ()),
        ("Sepatu Sekolah", "Pasang", 168450, ()),
    ), volumes=(("", 40, 160),), ppn=0.3),
    Kelompok("sewa", "Sewa Peralatan dan Tempat Kegiatan", "4.08.01.0001", U,
             ("5.1.02.02.04.0036", "5.1.02.02.05.0009", "5.1.02.02.01.0047"), (
        ("Sewa Tenda", "Unit/Hari", 648650, (("4 x 6 m", 1), ("Dekorasi 5 x 10 m", 2.6))),
        ("Sewa Kursi", "Buah/Hari", 8650, (("Futura", 1), ("Cover", 1.6))),
        ("Sewa Sound System", "Set/Hari", 2848650, (("Kecil", 1), ("Besar", 2.9))),
        ("Sewa Kendaraan", "Unit/Hari", 848650, (("Minibus", 1), ("Bus 30 kursi", 3.1))),
        ("Sewa Gedung Pertemuan", "Hari", 4848650, (("Kapasitas 200 orang", 1),)),
        ("Sewa Panggung", "Unit/Hari", 4248650, (("6 x 8 m", 1),)),
        ("Sewa Genset", "Unit/Hari", 1848650, (("20 kVA", 1),)),
        ("Jasa Dokumentasi Kegiatan", "Paket", 2848650, (("Foto", 1), ("Foto dan video", 1.9))),
    ), volumes=(("", 2, 8), ("Hari", 1, 2))),
    Kelompok("acara", "Hadiah, Penghargaan dan Kegiatan Masyarakat", "4.09.01.0001", A,
             ("5.1.02.05.01.0001", "5.1.02.05.01.0002"), (
        ("Hadiah Lomba", "Paket", 4848650, (("Tingkat kecamatan", 1), ("Tingkat kabupaten", 2.2))),
        ("Piala dan Piagam", "Set", 848650, ()), ("Uang Pembinaan Juara", "Orang", 2848650, (("Juara I", 1.5),
                                                                                           ("Juara II", 1),
                                                                                           ("Juara III", 0.7))),
    ), volumes=(("", 4, 16),)),
)

# Personnel costs (SBU gaji dan tunjangan): per person per month, averaged over grades. Used by the support
# sub-kegiatan "Penyediaan Gaji dan Tunjangan ASN" only.
GAJI_KELOMPOK = Kelompok("gaji", "Standar Biaya Gaji dan Tunjangan ASN", "4.10.01.0001", U, (), (),
                         volumes=(("Orang", 20, 110), ("Bulan", 14, 14)))
GAJI_COMPONENTS: tuple[tuple[str, str, int, float, int], ...] = (
    # account, nama, harga per orang per bulan, share of the personnel budget, months
    ("5.1.01.01.01.0001", "Gaji Pokok PNS Golongan II", 3184650, 0.07, 14),
    ("5.1.01.01.01.0001", "Gaji Pokok PNS Golongan III", 4048450, 0.20, 14),
    ("5.1.01.01.01.0001", "Gaji Pokok PNS Golongan IV", 4848650, 0.10, 14),
    ("5.1.01.01.01.0002", "Gaji Pokok PPPK", 3548650, 0.08, 14),
    ("5.1.01.01.02.0001", "Tunjangan Keluarga PNS", 448650, 0.04, 14),
    ("5.1.01.01.03.0001", "Tunjangan Jabatan Struktural PNS", 1248650, 0.02, 14),
    ("5.1.01.01.04.0001", "Tunjangan Fungsional PNS", 848450, 0.04, 14),
    ("5.1.01.01.05.0001", "Tunjangan Fungsional Umum PNS", 184650, 0.01, 14),
    ("5.1.01.01.06.0001", "Tunjangan Beras PNS", 289650, 0.02, 12),
    ("5.1.01.01.07.0001", "Tunjangan PPh/Tunjangan Khusus PNS", 148650, 0.01, 12),
    ("5.1.01.01.09.0001", "Iuran Jaminan Kesehatan PNS", 184350, 0.02, 12),
    ("5.1.01.01.10.0001", "Iuran Jaminan Kecelakaan Kerja PNS", 9850, 0.001, 12),
    ("5.1.01.01.11.0001", "Iuran Jaminan Kematian PNS", 28650, 0.002, 12),
    ("5.1.01.02.01.0001", "Tambahan Penghasilan PNS berdasarkan Beban Kerja", 2448650, 0.20, 12),
    ("5.1.01.02.05.0001", "Tambahan Penghasilan PNS berdasarkan Prestasi Kerja", 1148650, 0.05, 12),
)
TPG_COMPONENT = ("5.1.01.03.03.0001", "Tunjangan Profesi Guru PNSD", 4348650, 0.22, 12)

# Transfers, BTT, grants and social aid (ASB, per recipient; the price is the maximum per recipient).
SPECIAL_ITEMS: dict[str, tuple[str, str, str, int, str]] = {
    # key: (account, nama, satuan, harga maksimum per penerima (regency), kind)
    "add": ("5.4.02.05.02.0005", "Alokasi Dana Desa (ADD)", "Desa", 1248650350, A),
    "dd": ("5.4.02.05.02.0004", "Penyaluran Dana Desa", "Desa", 2548650450, A),
    "bhp": ("5.4.01.01.03.0001", "Bagi Hasil Pajak Daerah kepada Desa", "Desa", 248650350, A),
    "bhr": ("5.4.01.02.01.0001", "Bagi Hasil Retribusi Daerah kepada Desa", "Desa", 48650450, A),
    "btt": ("5.3.01.01.01.0001", "Belanja Tidak Terduga (Cadangan Tanggap Darurat Bencana)", "Paket", 34848650350, A),
    "hibah_ormas": ("5.1.05.05.06.0001", "Hibah Uang kepada Organisasi Kemasyarakatan Berbadan Hukum", "Lembaga",
                    848650450, A),
    "hibah_lembaga": ("5.1.05.05.01.0001", "Hibah Uang kepada Badan dan Lembaga Nirlaba", "Lembaga", 4848650350, A),
    "bansos": ("5.1.06.02.01.0001", "Bantuan Sosial Uang kepada Keluarga Miskin", "KK", 2448650, A),
    "beasiswa": ("5.1.02.05.01.0003", "Beasiswa Banyuwangi Cerdas", "Mahasiswa", 12848650, A),
}

# Uang harian and lodging per province (approximate SBU 2026 figures; demo data, not the PMK table).
PROVINSI: tuple[tuple[str, str, int, int, int], ...] = (
    # provinsi, ibu kota, uang harian, penginapan (eselon IV), tiket pesawat PP dari Banyuwangi/Surabaya
    ("DKI Jakarta", "Jakarta", 530000, 1084650, 3248650), ("Jawa Barat", "Bandung", 430000, 884650, 2848650),
    ("Jawa Tengah", "Semarang", 370000, 754650, 2148650), ("DI Yogyakarta", "Yogyakarta", 420000, 848650, 2248650),
    ("Banten", "Serang", 370000, 718650, 3148650), ("Bali", "Denpasar", 480000, 984650, 1648650),
    ("Nusa Tenggara Barat", "Mataram", 440000, 814650, 2048650),
    ("Nusa Tenggara Timur", "Kupang", 430000, 784650, 3648650), ("Aceh", "Banda Aceh", 360000, 724650, 5848650),
    ("Sumatera Utara", "Medan", 370000, 794650, 4848650), ("Sumatera Barat", "Padang", 380000, 764650, 4648650),
    ("Riau", "Pekanbaru", 370000, 824650, 4448650), ("Kepulauan Riau", "Tanjung Pinang", 370000, 834650, 4848650),
    ("Jambi", "Jambi", 370000, 744650, 4248650), ("Sumatera Selatan", "Palembang", 380000, 774650, 3848650),
    ("Bangka Belitung", "Pangkal Pinang", 410000, 764650, 3948650), ("Bengkulu", "Bengkulu", 380000, 714650, 4248650),
    ("Lampung", "Bandar Lampung", 390000, 734650, 3648650),
    ("Kalimantan Barat", "Pontianak", 380000, 784650, 3848650),
    ("Kalimantan Tengah", "Palangka Raya", 360000, 744650, 3648650),
    ("Kalimantan Selatan", "Banjarmasin", 380000, 774650, 2848650),
    ("Kalimantan Timur", "Samarinda", 430000, 854650, 3448650),
    ("Kalimantan Utara", "Tanjung Selor", 430000, 834650, 4448650),
    ("Sulawesi Utara", "Manado", 370000, 764650, 4648650), ("Gorontalo", "Gorontalo", 370000, 734650, 4848650),
    ("Sulawesi Tengah", "Palu", 370000, 744650, 4448650), ("Sulawesi Barat", "Mamuju", 410000, 754650, 4648650),
    ("Sulawesi Selatan", "Makassar", 430000, 814650, 3248650),
    ("Sulawesi Tenggara", "Kendari", 380000, 754650, 4248650), ("Maluku", "Ambon", 380000, 784650, 5648650),
    ("Maluku Utara", "Sofifi", 430000, 794650, 5848650), ("Papua", "Jayapura", 580000, 984650, 7848650),
    ("Papua Barat", "Manokwari", 480000, 914650, 7248650),
)
JATIM_TUJUAN: tuple[tuple[str, int], ...] = (
    # kabupaten/kota tujuan di Jawa Timur, biaya transport darat PP
    ("Surabaya", 648650), ("Sidoarjo", 628450), ("Malang", 548650), ("Jember", 248650), ("Situbondo", 198450),
    ("Bondowoso", 228650), ("Lumajang", 348650), ("Probolinggo", 398650), ("Pasuruan", 468650), ("Mojokerto", 648450),
    ("Kediri", 748650), ("Blitar", 698650), ("Madiun", 848650), ("Tulungagung", 748450), ("Bojonegoro", 798650),
    ("Gresik", 668650), ("Bangkalan", 698450), ("Sumenep", 848650),
)

# Accounts by item name where a kelompok spans several accounts (first match wins; default: the kelompok's).
ACCOUNT_BY_NAME: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("utilitas", "Listrik", ("5.1.02.02.01.0061",)), ("utilitas", "Air PDAM", ("5.1.02.02.01.0060",)),
    ("utilitas", "Internet", ("5.1.02.02.01.0063",)), ("utilitas", "Telepon", ("5.1.02.02.01.0059",)),
    ("tenaga", "Kebersihan", ("5.1.02.02.01.0030",)), ("tenaga", "Administrasi", ("5.1.02.02.01.0026",)),
    ("tenaga", "Pengemudi", ("5.1.02.02.01.0033",)), ("tenaga", "Keamanan", ("5.1.02.02.01.0031",)),
    ("tenaga", "Operator Komputer", ("5.1.02.02.01.0027",)), ("tenaga", "Teknis Lapangan", ("5.1.02.02.01.0016",)),
    ("tenaga", "Pendidik", ("5.1.02.02.01.0013",)), ("tenaga", "Kesehatan", ("5.1.02.02.01.0014",)),
    ("honor", "Tim Pelaksana|Sekretariat Tim", ("5.1.02.02.01.0004",)),
    ("honor", "Penyuluhan", ("5.1.02.02.01.0006",)), ("honor", "Ujian", ("5.1.02.02.01.0009",)),
    ("honor", ".", ("5.1.02.02.01.0003",)),
    ("honor_pbj", "Komitmen|Pengadaan|Pokja|Pemeriksa", ("5.1.01.03.07.0002",)),
    ("honor_pbj", ".", ("5.1.01.03.07.0001",)),
    ("makan_minum", "Jamuan", ("5.1.02.01.01.0053",)), ("makan_minum", "Lapangan", ("5.1.02.01.01.0058",)),
    ("makan_minum", ".", ("5.1.02.01.01.0052",)),
    ("pakaian", "PDL", ("5.1.02.01.01.0064",)), ("pakaian", "Batik", ("5.1.02.01.01.0075",)),
    ("pakaian", "PSH", ("5.1.02.01.01.0061",)), ("pakaian", "KORPRI", ("5.1.02.01.01.0073",)),
    ("pakaian", "Olahraga", ("5.1.02.01.01.0076",)), ("pakaian", "Adat", ("5.1.02.01.01.0074",)),
    ("pakaian", ".", ("5.1.02.01.01.0063",)),
    ("peralatan", "Meja|Kursi|Lemari Arsip|Rak|Sofa|Filing", ("5.2.02.05.02.0001", "5.2.02.05.01.0004")),
    ("peralatan", "AC Split|Kipas|Lemari Es|Dispenser", ("5.2.02.05.02.0004", "5.2.02.05.02.0006")),
    ("peralatan", "Televisi|Sound", ("5.2.02.06.01.0001",)), ("peralatan", "Genset", ("5.2.02.05.02.0006",)),
    ("peralatan", "Fotokopi", ("5.2.02.05.01.0003",)), ("peralatan", ".", ("5.2.02.05.01.0005",)),
    ("komputer", "Laptop", ("5.2.02.10.01.0003",)), ("komputer", "Komputer", ("5.2.02.10.01.0002",)),
    ("komputer", "Printer|Scanner", ("5.2.02.10.02.0003",)),
    ("komputer", "UPS", ("5.2.02.10.02.0005", "5.2.02.05.02.0006")),
    ("komputer", "Switch|Router|Access Point", ("5.2.02.10.02.0004",)),
    ("komputer", "Server|Storage", ("5.2.02.10.02.0002", "5.2.02.10.02.0005")),
    ("kendaraan", "Penumpang", ("5.2.02.02.01.0002", "5.2.02.02.01.0001")),
    ("kendaraan", "Sepeda Motor", ("5.2.02.02.01.0004",)), ("kendaraan", "Pick Up|Truk", ("5.2.02.02.01.0003",)),
    ("kendaraan", ".", ("5.2.02.02.01.0006",)),
    ("pemeliharaan_kendaraan", "Roda 2", ("5.1.02.03.02.0038", "5.1.02.03.02.0036")),
    ("buku_pendidikan", "Buku", ("5.2.05.01.01.0001", "5.1.02.01.01.0039")),
    ("buku_pendidikan", "Meja", ("5.2.02.05.02.0001",)), ("buku_pendidikan", ".", ("5.1.02.01.01.0039",)),
    ("pertanian", "Benih Padi|Jagung|Bibit Buah|Jeruk|Kopi|Durian", ("5.1.02.01.01.0008", "5.1.02.01.01.0039")),
    ("pertanian", "Ikan|Kambing", ("5.1.02.01.01.0011", "5.1.02.01.01.0039")),
    ("pertanian", ".", ("5.1.02.01.01.0012", "5.1.02.01.01.0039")),
    ("sewa", "Kendaraan", ("5.1.02.02.04.0036",)), ("sewa", "Gedung", ("5.1.02.02.05.0009",)),
    ("sewa", ".", ("5.1.02.02.01.0047",)),
    ("acara", "Piala", ("5.1.02.05.01.0002", "5.1.02.05.01.0001")), ("acara", ".", ("5.1.02.05.01.0001",)),
    ("konsultansi", "Pengawasan", ("5.1.02.02.08.0019", "5.1.02.02.08.0020", "5.1.02.02.08.0021")),
    ("konsultansi", "Perencanaan|Detail", ("5.1.02.02.08.0006", "5.1.02.02.08.0009", "5.1.02.02.08.0008")),
    ("konsultansi", "Lingkungan", ("5.1.02.02.08.0032",)),
    ("konsultansi", "Sistem Informasi", ("5.1.02.02.09.0003", "5.2.06.01.01.0005")),
    ("konsultansi", ".", ("5.2.06.01.01.0006", "5.1.02.02.09.0003")),
)

# Items kept out of clean lines: they exist for the planted anomalies.
RESERVED = ("UPS 120 kVA", "Smart kabupaten")
REQUIRED_SMALL = ("Lem Kuning Serbaguna", "UPS 120 kVA", "Jasa Konsultansi Sistem Informasi")


@dataclass
class CatItem:
    """One generated (or sample) catalogue item before it is written."""

    key: str
    kode: str
    nama: str
    spesifikasi: str
    satuan: str
    harga: int
    accounts: tuple[str, ...]
    kind: str
    kode_kelompok: str
    nama_kelompok: str
    volumes: tuple[tuple[str, int, int], ...]
    ppn: float
    source_id: str
    reserved: bool = False
    pk: int | None = None

    @property
    def label(self) -> str:
        return f"{self.nama} {self.spesifikasi}"


def _nonround_price(value: float) -> int:
    """Round to Rp 50, but never to a round hundred-thousand above Rp 1 juta (SSH prices are rarely round)."""
    price = max(50, round(value / 50.0) * 50)
    if price >= 1_000_000 and price % 100_000 == 0:
        price += 350
    return price


def _accounts_for(key: str, nama: str, default: tuple[str, ...]) -> tuple[str, ...]:
    for group, pattern, accounts in ACCOUNT_BY_NAME:
        if group == key and re.search(pattern, nama):
            return accounts
    return default


MODIFIERS: dict[str, tuple[tuple[str, float], ...]] = {
    "obat": (("bermerek dagang", 2.4), ("harga e-katalog", 0.93), ("kemasan kecil", 0.32),
             ("kemasan rumah sakit", 1.8)),
    CatalogueKind.SSH: (("kualitas menengah", 1.22), ("kualitas tinggi", 1.5),
                        ("produk dalam negeri, TKDN ≥ 40%", 1.08), ("kemasan ekonomis", 0.88)),
    CatalogueKind.HSPK: (("zona II (perdesaan)", 1.07), ("zona III (pegunungan/terpencil)", 1.16)),
    CatalogueKind.SBU: (("kegiatan tingkat kecamatan", 0.85),),
    CatalogueKind.ASB: (("kegiatan tingkat kecamatan", 0.85),),
}
UNIT_SATUAN = ("Unit", "Paket", "Set")
MAX_LINE: dict[str, int] = {CatalogueKind.HSPK: 2_400_000_000, CatalogueKind.SSH: 750_000_000}


def _band(volumes: tuple[tuple[str, int, int], ...], satuan: str, price: int, kind: str
          ) -> tuple[tuple[str, int, int], ...]:
    """The item's volume band: the kelompok's, narrowed so that one line stays a plausible size for its price."""
    (sat, lo, hi), *rest = volumes
    if satuan in UNIT_SATUAN and hi > 20:
        lo, hi = 1, 4
    others = math.prod(r[1] + (r[2] - r[1]) // 2 for r in rest) if rest else 1
    cap = max(1, MAX_LINE.get(kind, 500_000_000) // max(1, price * others))
    hi = max(1, min(hi, cap))
    return ((sat, min(lo, hi), hi), *rest)


def _kelompok_items(k: Kelompok, limit: int, required: tuple[str, ...] = ()) -> list[CatItem]:
    """Bases × variants (then × quality/zone modifiers), interleaved so that a cut keeps every base; `required`
    names are always kept."""
    expanded: list[tuple[tuple[Any, ...], str, float]] = []
    depth = max(len(b[3]) if len(b) > 3 and b[3] else len(k.variants) for b in k.bases)
    for level in range(depth):
        for base in k.bases:
            specs = base[3] if len(base) > 3 and base[3] else k.variants
            if level < len(specs):
                expanded.append((base, specs[level][0], float(specs[level][1])))
    plain = list(expanded)
    for label, factor in MODIFIERS.get(k.key, MODIFIERS.get(k.kind, ())):
        expanded += [(base, label if spec in ("-", "") else f"{spec}, {label}", f * factor) for base, spec, f in plain]
    chosen = [e for n, e in enumerate(expanded[:k.quota]) if n < limit or any(r in e[0][0] for r in required)]
    items = []
    for seq, (base, spec, factor) in enumerate(chosen, start=20001):
        nama, satuan, harga = base[0], base[1], base[2]
        price = _nonround_price(harga * factor)
        item = CatItem(
            key=k.key, kode=f"{k.kode}.{seq:05d}", nama=nama, spesifikasi=spec, satuan=satuan, harga=price,
            accounts=_accounts_for(k.key, nama, k.accounts), kind=k.kind, kode_kelompok=k.kode, nama_kelompok=k.nama,
            volumes=_band(k.volumes, satuan, price, k.kind), ppn=k.ppn, source_id="",
        )
        item.reserved = any(r in f"{nama} {spec}" for r in RESERVED)
        items.append(item)
    return items


def _perjadin_items(kecamatan: list[str], limit: int) -> list[CatItem]:
    k = next(g for g in KELOMPOK if g.key == "perjadin")
    rows: list[tuple[str, str, str, int, tuple[str, ...], tuple[tuple[str, int, int], ...]]] = []
    biasa, dalam_kota = ("5.1.02.04.01.0001",), ("5.1.02.04.01.0003",)
    trip = (("Orang", 1, 2), ("Hari", 2, 3), ("Kali", 1, 2))
    ticket = (("Orang", 1, 3), ("Kali", 1, 2))
    for prov, kota, harian, inap, tiket in PROVINSI:
        rows.append((f"Uang Harian Perjalanan Dinas Luar Provinsi {prov}", "-", "OH", harian, biasa, trip))
        rows.append((f"Tiket Pesawat Banyuwangi/Surabaya–{kota} PP", "Kelas ekonomi", "Orang/PP", tiket, biasa,
                     ticket))
        for label, factor in ESELON:
            rows.append((f"Biaya Penginapan Perjalanan Dinas {prov}", label, "OH", int(inap * factor), biasa, trip))
    for kab, transport in JATIM_TUJUAN:
        rows.append((f"Uang Harian Perjalanan Dinas ke {kab}", "Dalam provinsi", "OH", 410000, biasa, trip))
        rows.append((f"Transport Perjalanan Dinas Banyuwangi–{kab} PP", "Darat", "Orang/PP", transport, biasa,
                     ticket))
    for label, factor in ESELON:
        rows.append(("Biaya Penginapan Perjalanan Dinas Jawa Timur", label, "OH", int(664650 * factor), biasa, trip))
    rows.append(("Uang Harian Perjalanan Dinas Dalam Kota", "Lebih dari 8 jam", "OH", 150000, dalam_kota, trip))
    for kec in kecamatan:
        rows.append((f"Transport Perjalanan Dinas ke Kecamatan {kec}", "Dalam kabupaten", "Orang/PP", 148650,
                     dalam_kota, ticket))
    for label, code, price in (("Fullboard", "5.1.02.04.01.0005", 848650), ("Fullday", "5.1.02.04.01.0004", 348650),
                               ("Halfday", "5.1.02.04.01.0004", 248650)):
        rows.append((f"Paket Meeting {label}", "Per orang", "Orang/Hari", price, (code,),
                     (("Orang", 15, 40), ("Hari", 1, 3))))
    # Keep every kind of row when cutting: interleave provinces with the local rows.
    order = sorted(range(len(rows)), key=lambda i: (i % 7, i))
    picked = sorted(order[:limit])
    return [CatItem(key="perjadin", kode=f"{k.kode}.{seq:05d}", nama=rows[i][0], spesifikasi=rows[i][1],
                    satuan=rows[i][2], harga=_nonround_price(rows[i][3]), accounts=rows[i][4], kind=k.kind,
                    kode_kelompok=k.kode, nama_kelompok=k.nama, volumes=rows[i][5], ppn=0.0, source_id="")
            for seq, i in enumerate(picked, start=20001)]


GAJI_TIERS = {"": "", "guru": "Guru", "nakes": "Tenaga Kesehatan", "puskesmas": "UPTD Puskesmas",
              "kecamatan": "Kecamatan dan Kelurahan"}


def _gaji_name(nama: str, tier: str) -> str:
    return f"{nama} ({GAJI_TIERS[tier]})" if tier else nama


def _gaji_tier(unit: Unit) -> str:
    """Salary standards per kind of workforce (SBU gaji per jenis jabatan), so that agencies of one kind compare."""
    if unit.org.singkatan == "Dispendik":
        return "guru"
    if unit.kind == "rsud" or unit.org.singkatan == "Dinkes":
        return "nakes"
    return unit.kind if unit.kind in ("puskesmas", "kecamatan") else ""


def _gaji_items() -> list[CatItem]:
    k = GAJI_KELOMPOK
    rows = [(tier, c) for tier in GAJI_TIERS for c in GAJI_COMPONENTS] + [("", TPG_COMPONENT)]
    out = []
    for seq, (tier, (account, nama, harga, _, months)) in enumerate(rows, start=20001):
        out.append(CatItem(key="gaji", kode=f"{k.kode}.{seq:05d}", nama=_gaji_name(nama, tier),
                           spesifikasi="Rata-rata per orang per bulan", satuan="Orang/Bulan", harga=harga,
                           accounts=(account,), kind=k.kind, kode_kelompok=k.kode, nama_kelompok=k.nama,
                           volumes=(("Orang", 20, 110), ("Bulan", months, months)), ppn=0.0, source_id=""))
    return out


def _special_items() -> list[CatItem]:
    out = []
    for seq, (key, (account, nama, satuan, harga, kind)) in enumerate(SPECIAL_ITEMS.items(), start=20001):
        out.append(CatItem(key=f"@{key}", kode=f"5.00.01.0001.{seq:05d}", nama=nama, spesifikasi="Harga maksimum "
                           "per penerima", satuan=satuan, harga=harga, accounts=(account,), kind=kind,
                           kode_kelompok="5.00.01.0001", nama_kelompok="Transfer, Hibah, Bantuan Sosial dan BTT",
                           volumes=((satuan, 1, 1),), ppn=0.0, source_id=""))
    return out


def _malang_items() -> list[CatItem]:
    """The 32 real Kota Malang SSH 2026 rows (terang/budgeting/data), with their real codes, ids and prices."""
    path = DATA_DIR / MALANG_SAMPLE
    out = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = "atk" if row["kode_kelompok_barang"].startswith("1.1.12.01.03") else "bahan_bangunan"
            k = next(g for g in KELOMPOK if g.key == key)
            out.append(CatItem(
                key=key, kode=row["kode_barang"], nama=row["uraian_barang"],
                spesifikasi="" if row["spesifikasi"] == "-" else row["spesifikasi"], satuan=row["satuan"],
                harga=int(row["harga_satuan"]), accounts=(codes.normalize_account_code(row["kode_rekening_2026"]),),
                kind=CatalogueKind.SSH, kode_kelompok=row["kode_kelompok_barang"],
                nama_kelompok=row["uraian_kelompok_barang"],
                volumes=_band(k.volumes, row["satuan"], int(row["harga_satuan"]), CatalogueKind.SSH), ppn=k.ppn,
                source_id=row["id_standar_harga"]))
    return out


def build_catalogue(*, scale: str, kecamatan: list[str]) -> list[CatItem]:
    """The demo catalogue of one scale (deterministic: no randomness in names or prices)."""
    small = scale == "small"
    items: list[CatItem] = []
    for k in KELOMPOK:
        if k.key == "perjadin":
            items.extend(_perjadin_items(kecamatan, 30 if small else k.quota))
        else:
            full = len(_kelompok_items(k, k.quota))
            limit = max(3, full // 10) if small else full
            items.extend(_kelompok_items(k, limit, REQUIRED_SMALL if small else ()))
    items.extend(_gaji_items())
    items.extend(_special_items())
    items.extend(_malang_items())
    for n, item in enumerate(items, start=1):
        item.source_id = item.source_id or f"DEMO-{n:05d}"
    return items


# --- budget units and their shares -------------------------------------------------------------------------------

UNIT_KINDS = ("dinas", "badan", "rsud", "satuan", "sekretariat_daerah", "sekretariat_dprd", "inspektorat", "kecamatan")
REGENCY_PUSKESMAS = 4
DEMO_KECAMATAN = "35.10.23"  # Tegalsari, the demo kecamatan of the foundation data

# Share of the freely allocated belanja (everything except transfers to villages, BTT and planted lines).
SHARES = {
    "Dispendik": 0.3, "Dinkes": 0.13, "RSUD Blambangan": 0.078, "RSUD Genteng": 0.054, "DPU Pengairan": 0.06,
    "DPU CKPP": 0.096, "BPKAD": 0.017, "Bapenda": 0.012, "Setda": 0.028, "Setwan": 0.022, "Inspektorat": 0.0055,
    "Bappeda": 0.0075, "BKPP": 0.0095, "Satpol PP": 0.008, "BPBD": 0.0055, "Damkarmat": 0.0055, "Dinsos PPKB": 0.016,
    "Disnakertransperin": 0.0055, "DLH": 0.013, "Dispendukcapil": 0.0048, "DPMD": 0.0048, "Dishub": 0.0095,
    "Diskominfo": 0.0075, "Diskopumdag": 0.0075, "DPMPTSP": 0.0038, "Dispora": 0.0055, "Disbudpar": 0.013,
    "Dispusip": 0.0038, "Disperikan": 0.0075, "Dispertan": 0.018, "Bakesbangpol": 0.0045,
}
KECAMATAN_SHARE = 0.0015
PUSKESMAS_SHARE = 0.0052
DEFAULT_SHARE = 0.004
# Share of an agency's free budget that goes to salaries (Penyediaan Gaji dan Tunjangan ASN).
PEGAWAI_SHARE = {"Dispendik": 0.6, "Dinkes": 0.34, "RSUD Blambangan": 0.3, "RSUD Genteng": 0.3, "BPKAD": 0.4,
                 "DPU Pengairan": 0.14, "DPU CKPP": 0.09, "Setwan": 0.22, "Setda": 0.3}
PEGAWAI_DEFAULT = {"kecamatan": 0.5, "puskesmas": 0.4}


@dataclass
class Unit:
    org: Organisation
    share: float
    label: str
    user_id: int | None = None
    free: int = 0
    fixed: int = 0

    @property
    def kind(self) -> str:
        return self.org.kind


def _units(pemda: Pemda, scale: str) -> list[Unit]:
    orgs = list(Organisation.objects.filter(pemda=pemda, kind__in=UNIT_KINDS, is_active=True).order_by("kode"))
    if scale == "small":
        demo_kec = [o for o in orgs if o.kind == "kecamatan" and o.region and o.region.kode == DEMO_KECAMATAN]
        orgs = [o for o in orgs if o.kind != "kecamatan"] + demo_kec[:1]
    else:
        orgs += list(Organisation.objects.filter(pemda=pemda, kind="puskesmas", is_active=True)
                     .order_by("kode")[:REGENCY_PUSKESMAS])
    from terang.accounts.choices import Role
    from terang.accounts.models import Membership

    operators: dict[int, int] = {}
    for m in (Membership.objects.filter(pemda=pemda, role=Role.OPD_OPERATOR, organisation__isnull=False,
                                        is_active=True).order_by("pk")):
        if m.organisation_id is not None:
            operators.setdefault(m.organisation_id, m.user_id)
    units = []
    for org in orgs:
        if org.kind == "kecamatan":
            share, label = KECAMATAN_SHARE, org.nama
        elif org.kind == "puskesmas":
            share, label = PUSKESMAS_SHARE, org.nama
        else:
            share, label = SHARES.get(org.singkatan, DEFAULT_SHARE), org.singkatan or org.nama
        units.append(Unit(org=org, share=share, label=label, user_id=operators.get(org.pk)))
    return units


def _pegawai_share(unit: Unit) -> float:
    return PEGAWAI_SHARE.get(unit.org.singkatan, PEGAWAI_DEFAULT.get(unit.kind, 0.32))


# --- sub-kegiatan: which ones each unit budgets, and what kind of spending they hold ------------------------------

# Support program (X.XX.01) sub-kegiatan in the order agencies add them (the first ones every agency has).
SUPPORT_CORE = (
    "2.02.0001", "2.06.0009", "2.08.0002", "2.06.0002", "2.09.0002", "2.01.0001", "2.02.0003", "2.06.0005",
    "2.08.0004", "2.09.0009", "2.06.0004", "2.02.0002", "2.05.0002", "2.01.0002", "2.01.0006", "2.02.0005",
    "2.02.0007", "2.08.0001", "2.09.0001", "2.07.0006", "2.06.0001", "2.06.0003", "2.01.0007", "2.03.0006",
    "2.05.0009", "2.07.0005", "2.07.0002", "2.09.0006", "2.09.0010", "2.06.0011", "2.01.0004", "2.03.0005",
    "2.05.0003", "2.06.0008", "2.07.0010",
)
SUPPORT_EXTRA = {
    "rsud": ("2.10.0001",), "puskesmas": ("2.10.0001",),
    "Setda": ("2.11.0001", "2.11.0004", "2.12.0001", "2.12.0003", "2.13.0003", "2.14.0001"),
    "Setwan": ("2.15.0001", "2.16.0001", "2.16.0003"),
}
REVENUE_EARNERS = ("Dinkes", "DLH", "Dishub", "Diskopumdag", "Disbudpar", "Dispertan", "Disperikan", "DPU CKPP")
SUPPORT_THEME = {
    "2.02.0001": "gaji", "2.11.0001": "gaji", "2.06.0009": "rapat", "2.16.0003": "rapat", "2.15.0001": "rapat",
    "2.16.0001": "rapat", "2.08.0002": "utilitas", "2.08.0004": "layanan_kantor", "2.08.0001": "surat",
    "2.09.0001": "kendaraan_pelihara", "2.09.0002": "kendaraan_pelihara", "2.07.0001": "pengadaan_kendaraan",
    "2.07.0002": "pengadaan_kendaraan", "2.07.0005": "pengadaan_peralatan", "2.07.0006": "pengadaan_peralatan",
    "2.06.0002": "pengadaan_peralatan", "2.06.0003": "pengadaan_peralatan", "2.05.0002": "pakaian",
    "2.11.0002": "pakaian", "2.15.0002": "pakaian", "2.09.0009": "gedung_pelihara", "2.09.0010": "gedung_pelihara",
    "2.09.0011": "gedung_pelihara", "2.07.0009": "gedung_bangun", "2.07.0010": "gedung_bangun",
    "2.10.0001": "blud", "2.06.0011": "sistem_informasi", "2.05.0009": "pelatihan",
}
_BUILD = r"(Pembangunan|Rehabilitasi|Peningkatan|Rekonstruksi|Pemeliharaan|Penggantian|Normalisasi|Pengembangan)"
THEME_RULES: tuple[tuple[str, str], ...] = (
    (r"Dana BOS", "bos"),
    (_BUILD + r".*(Jalan|Jembatan|Trotoar)", "jalan"),
    (_BUILD + r".*(Irigasi|Sungai|Drainase|Embung|Bendung|Air Baku|Pantai|Tanggul|Saluran|Rawa|Danau)", "irigasi"),
    (_BUILD + r".*(Air Minum|SPAM|Sanitasi|Air Limbah|Persampahan|Jamban|Septik)", "air"),
    (_BUILD + r".*(Ruang Kelas|Sekolah|Perpustakaan Sekolah|Laboratorium|USB|Asrama|Kantin|Ruang Guru|PAUD)",
     "sekolah"),
    (_BUILD + r".*(Puskesmas|Rumah Sakit|Fasilitas Kesehatan|Pustu|Polindes|Fasilitas Pelayanan Kesehatan)",
     "kesehatan_fasilitas"),
    (r"Obat|Bahan Medis|Vaksin|Perbekalan Kesehatan", "obat"),
    (r"Alat Kesehatan|Alat Kedokteran", "alkes"),
    (r"^Pemeliharaan.*(Gedung|Kantor|Pasar|Terminal|Gelanggang|Stadion|Bangunan)", "gedung_pelihara"),
    (_BUILD + r".*(Gedung|Kantor|Pasar|Terminal|Gelanggang|Stadion|Bangunan|Rumah|Taman|Ruang Terbuka)",
     "gedung_bangun"),
    (r"Pengadaan.*(Kendaraan|Ambulans|Mobil)", "pengadaan_kendaraan"),
    (r"Pengadaan.*(Mebel|Peralatan|Perlengkapan|Sarana|Alat)", "pengadaan_peralatan"),
    (r"Pelayanan Kesehatan|Upaya Kesehatan|Layanan Kesehatan|Gizi|Imunisasi|Penyakit|Kesehatan", "layanan_kesehatan"),
    (r"Pendidik|Guru|Tenaga Kependidikan|Peserta Didik|Belajar|Kurikulum|Buku", "pendidikan"),
    (r"Pertanian|Tanaman|Benih|Bibit|Pupuk|Ternak|Hewan|Ikan|Perikanan|Budidaya|Pangan|Hortikultura|Perkebunan",
     "pertanian"),
    (r"Bantuan Sosial|Rehabilitasi Sosial|Perlindungan Sosial|Jaminan Sosial|Fakir Miskin|Penyandang", "bansos"),
    (r"Festival|Pagelaran|Event|Promosi|Pariwisata|Kesenian|Budaya|Olahraga|Lomba|Kompetisi|Pekan", "acara"),
    (r"Pelatihan|Bimbingan Teknis|Peningkatan Kapasitas|Kursus|Diklat|Magang", "pelatihan"),
    (r"Sistem Informasi|Aplikasi|Elektronik|Jaringan|Statistik|Persandian|Informatika|Website|Data",
     "sistem_informasi"),
)
THEME_WEIGHT = {
    "blud": 14, "bos": 22, "jalan": 7, "irigasi": 6, "air": 5, "sekolah": 6, "kesehatan_fasilitas": 6,
    "gedung_bangun": 4.5, "gedung_pelihara": 1.6, "obat": 4, "alkes": 3.5, "pengadaan_kendaraan": 2.5,
    "pengadaan_peralatan": 1.8, "layanan_kesehatan": 2.2, "pendidikan": 2.2, "pertanian": 2.0, "bansos": 2.5,
    "hibah": 3.0, "acara": 1.6, "pelatihan": 1.2, "sistem_informasi": 1.6, "utilitas": 2.0, "layanan_kantor": 2.2,
    "kendaraan_pelihara": 1.5, "rapat": 1.1, "kegiatan": 0.9, "admin": 0.75, "surat": 0.6, "pakaian": 0.8,
}
OPS_STD = ("atk", "makan_minum", "perjadin", "honor", "cetak")
OPS_MIN = ("atk", "perjadin", "honor_pbj")
# theme: (ops kelompok, ((main kelompok, weight, name filter), ...))
THEMES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, float, str], ...]]] = {
    "admin": (OPS_STD, (("atk", 3, ""), ("kertas", 2, ""), ("cetak", 2, ""), ("bahan_komputer", 2, ""),
                        ("makan_minum", 1.5, ""), ("honor_pbj", 1, ""))),
    "rapat": (OPS_STD, (("makan_minum", 4, ""), ("perjadin", 3, ""), ("honor", 2, ""), ("sewa", 1, ""),
                        ("cetak", 1, ""))),
    "surat": ((), (("cetak", 3, ""), ("atk", 2, ""), ("kertas", 2, ""))),
    "utilitas": ((), (("utilitas", 1, ""),)),
    "layanan_kantor": ((), (("tenaga", 1, "Kebersihan|Administrasi|Pengemudi|Keamanan|Operator"),)),
    "kendaraan_pelihara": ((), (("bbm", 3, ""), ("pemeliharaan_kendaraan", 3, ""), ("pajak_kendaraan", 1, ""))),
    "pengadaan_kendaraan": (OPS_MIN, (("kendaraan", 1, ""),)),
    "pengadaan_peralatan": (OPS_MIN, (("peralatan", 3, ""), ("komputer", 2, ""))),
    "pakaian": ((), (("pakaian", 1, ""),)),
    "gedung_pelihara": (OPS_MIN, (("bahan_bangunan", 3, ""), ("gedung_kantor", 2, "^Pemeliharaan|^Rehabilitasi"))),
    "gedung_bangun": (OPS_MIN, (("gedung_kantor", 4, ""), ("konsultansi", 1, "Perencanaan Teknis|Pengawasan"),
                                ("bahan_bangunan", 1, ""))),
    "sekolah": (OPS_MIN, (("gedung_pendidikan", 4, ""), ("konsultansi", 1, "Perencanaan Teknis|Pengawasan"),
                          ("buku_pendidikan", 1, "Meja"))),
    "kesehatan_fasilitas": (OPS_MIN, (("gedung_kesehatan", 4, ""), ("alkes", 2, ""),
                                      ("konsultansi", 1, "Perencanaan Teknis|Pengawasan"))),
    "jalan": (OPS_MIN, (("jalan", 5, ""), ("jembatan", 1, ""), ("konsultansi", 1, "Perencanaan Teknis|Pengawasan"))),
    "irigasi": (OPS_MIN, (("irigasi", 5, ""), ("konsultansi", 1, "Perencanaan Teknis|Pengawasan|Lingkungan"))),
    "air": (OPS_MIN, (("air_sanitasi", 5, ""), ("konsultansi", 1, "Perencanaan Teknis|Pengawasan"))),
    "obat": (OPS_MIN, (("obat", 3, ""), ("bmhp", 2, ""))),
    "alkes": (OPS_MIN, (("alkes", 1, ""),)),
    "layanan_kesehatan": (OPS_STD, (("obat", 2, ""), ("bmhp", 2, ""), ("tenaga", 3, "Kesehatan"),
                                    ("makan_minum", 1, ""), ("honor", 1, ""))),
    "bos": (OPS_STD, (("atk", 2, ""), ("kertas", 2, ""), ("bahan_komputer", 1, ""), ("tenaga", 5, "Pendidik"),
                      ("buku_pendidikan", 2, ""), ("makan_minum", 1, ""), ("utilitas", 1, ""))),
    "pendidikan": (OPS_STD, (("buku_pendidikan", 3, ""), ("honor", 1, ""), ("makan_minum", 1, ""),
                             ("bimtek", 1, ""))),
    "pertanian": (OPS_STD, (("pertanian", 4, ""), ("bimtek", 1, ""), ("makan_minum", 1, ""))),
    "bansos": (OPS_STD, (("@bansos", 4, ""), ("makan_minum", 1, ""))),
    "hibah": (OPS_MIN, (("@hibah_ormas", 2, ""), ("@hibah_lembaga", 1, ""))),
    "acara": (OPS_STD, (("sewa", 3, ""), ("acara", 2, ""), ("honor", 1, ""), ("makan_minum", 2, ""),
                        ("cetak", 1, ""))),
    "pelatihan": (OPS_STD, (("bimtek", 3, ""), ("honor", 2, ""), ("makan_minum", 2, ""), ("perjadin", 1, ""))),
    "sistem_informasi": (OPS_STD, (("konsultansi", 1, "Sistem Informasi"), ("komputer", 2, ""),
                                   ("bahan_komputer", 1, ""), ("utilitas", 1, "Internet"), ("honor", 1, ""))),
    "kegiatan": (OPS_STD, (("makan_minum", 3, ""), ("honor", 2, ""), ("perjadin", 3, ""), ("cetak", 1, ""),
                           ("sewa", 1, ""), ("atk", 1, ""))),
    "blud": (OPS_STD, (("obat", 3, ""), ("bmhp", 3, ""), ("tenaga", 2, "Kesehatan|Kebersihan|Administrasi"),
                       ("alkes", 1, ""), ("utilitas", 1, ""), ("makan_minum", 1, ""))),
}
PREFERENCES = {  # singkatan / kind: (bidang prefixes allowed, name pattern preferred, name pattern excluded)
    "DPU Pengairan": ((), r"Irigasi|Sumber Daya Air|Sungai|Danau|Drainase|Embung|Bendung|Air Baku|Pantai|Rawa|Banjir",
                      ""),
    "DPU CKPP": ((), r"Jalan|Jembatan|Drainase|Air Minum|Sanitasi|Air Limbah|Gedung|Permukiman|Rumah",
                 r"Irigasi|Sumber Daya Air|Sungai|Danau|Embung|Bendung|Air Baku|Pantai|Rawa"),
    "rsud": ((), r"Rumah Sakit|Rujukan|Pelayanan Kesehatan|Alat Kesehatan|Obat|Perorangan", ""),
    "puskesmas": ((), r"Puskesmas|Kesehatan (Ibu|Anak|Masyarakat)|Imunisasi|Gizi|Posyandu|Penyakit|Lingkungan", ""),
    "BPKAD": (("5.02.02", "5.02.03"), "", ""),
    "Bapenda": (("5.02.04",), "", ""),
}
# Sub-kegiatan reserved for special content (they are never picked at random).
BOS_SD = "1.01.02.2.01.0029"
BOS_SMP = "1.01.02.2.02.0042"
UPS_SUB = "1.01.02.2.02.0057"  # Penyediaan infrastruktur TIK (SMP): the UPS insertion after KUA-PPAS
BANKEU_SUB = "5.02.02.2.04.0008"  # Analisis Perencanaan dan Penyaluran Bantuan Keuangan: ADD and Dana Desa
BAGI_HASIL_SUB = "5.02.02.2.04.0010"  # Pengelolaan Dana bagi Hasil Kabupaten/Kota
BTT_SUB = "5.02.02.2.04.0009"  # Pengelolaan Dana Darurat dan Mendesak: Belanja Tidak Terduga
SPECIAL_SUBS = {BANKEU_SUB: "transfer", BAGI_HASIL_SUB: "bagi_hasil", BTT_SUB: "btt", UPS_SUB: "ups"}


@dataclass
class SubPlan:
    unit: int
    code: ProgramCode
    kode: str
    theme: str
    budget: int = 0
    sumber: str = ""
    new_in_apbd: bool = False
    trace: str = ""
    pk: int | None = None
    lokasi: tuple[int, ...] = ()


# Themes that only make sense in some bidang urusan (others fall through to the next rule).
THEME_BIDANG = {
    "bos": ("1.01",), "sekolah": ("1.01",), "pendidikan": ("1.01", "2.23", "2.24"), "kesehatan_fasilitas": ("1.02",),
    "obat": ("1.02",), "alkes": ("1.02",), "layanan_kesehatan": ("1.02",),
    "pertanian": ("2.09", "3.25", "3.27", "3.28"), "bansos": ("1.06",),
}


def _theme_for(kode: str, nama: str, unit: Unit) -> str:
    if kode in SPECIAL_SUBS:
        return SPECIAL_SUBS[kode]
    general = codes.generalize_support_code(kode)
    if general and general.startswith("X.XX"):
        return SUPPORT_THEME.get(general[8:], "admin")
    for pattern, theme in THEME_RULES:
        if re.search(pattern, nama):
            if theme in THEME_BIDANG and not kode.startswith(THEME_BIDANG[theme]):
                continue
            return theme
    return "kegiatan"


def _select_subs(units: list[Unit], scale: str, rng: random.Random) -> list[SubPlan]:
    rows = list(sub_kegiatan_for_version(VERSION))
    support = {r.kode[8:]: r for r in rows if r.kode.startswith("X.XX.01.")}
    by_bidang: dict[str, list[ProgramCode]] = defaultdict(list)
    for row in rows:
        if not row.kode.startswith("X"):
            by_bidang[row.kode[:4]].append(row)
    reserved = {BOS_SD, BOS_SMP, UPS_SUB, BANKEU_SUB, BAGI_HASIL_SUB, BTT_SUB}
    small = scale == "small"
    plans: list[SubPlan] = []
    for index, unit in enumerate(units):
        org = unit.org
        bidang = org.main_bidang
        root = math.sqrt(unit.share)
        # support program, expanded to the unit's main bidang
        extra = SUPPORT_EXTRA.get(org.singkatan, SUPPORT_EXTRA.get(org.kind, ()))
        wanted = list(dict.fromkeys([SUPPORT_CORE[0], *extra, *SUPPORT_CORE[1:]]))
        if org.singkatan in REVENUE_EARNERS or org.kind == "rsud":
            wanted[4:4] = ["2.04.0001", "2.04.0004"]
        wanted = [w for w in wanted if w in support]
        if small:
            n_support = 1 + (1 if unit.share >= 0.01 else 0) + (1 if extra else 0)
        elif org.kind == "kecamatan":
            n_support = 14
        elif org.kind == "puskesmas":
            n_support = 12
        else:
            n_support = min(len(wanted), 16 + round(45 * root))
        for key in wanted[:n_support]:
            code = support[key]
            kode = codes.expand_support_code(code.kode, bidang)
            plans.append(SubPlan(unit=index, code=code, kode=kode, theme=_theme_for(kode, code.nama, unit)))
        # the unit's own bidang
        prefixes, prefer, exclude = PREFERENCES.get(org.singkatan, PREFERENCES.get(org.kind, ((), "", "")))
        candidates = [r for b in org.bidang_urusan.split(";") if b for r in by_bidang.get(b, [])]
        candidates = [r for r in candidates if r.kode not in reserved and (not prefixes or r.kode.startswith(prefixes))]
        if exclude:
            candidates = [r for r in candidates if not re.search(exclude, r.nama)]
        forced: list[ProgramCode] = []
        if org.singkatan == "Dispendik":
            forced = [r for r in by_bidang.get("1.01", []) if r.kode in (BOS_SD, BOS_SMP)]
        elif org.is_ppkd:
            forced = [r for r in by_bidang.get("5.02", []) if r.kode in (BANKEU_SUB, BAGI_HASIL_SUB, BTT_SUB)]
        elif org.singkatan == "Diskominfo":
            forced = [r for r in candidates if re.search(r"Elektronik|Aplikasi|Informatika", r.nama)][:1]
        if small:
            n_bidang = 1 + (1 if unit.share >= 0.02 else 0)
        elif org.kind == "kecamatan":
            n_bidang = 12
        elif org.kind == "puskesmas":
            n_bidang = 8
        else:
            n_bidang = 8 + round(200 * root)
        preferred = [r for r in candidates if prefer and re.search(prefer, r.nama)]
        others = [r for r in candidates if r not in preferred and r not in forced]
        picked = list(forced)
        pool_a = [r for r in preferred if r not in forced]
        picked += rng.sample(pool_a, min(len(pool_a), max(0, n_bidang - len(picked))))
        picked += rng.sample(others, min(len(others), max(0, n_bidang - len(picked))))
        for code in sorted(picked, key=lambda r: r.kode):
            plans.append(SubPlan(unit=index, code=code, kode=code.kode, theme=_theme_for(code.kode, code.nama, unit)))
    # a grant programme under Setda and Dispora (their first plain activity sub-kegiatan)
    for singkatan in ("Setda", "Dispora"):
        for plan in plans:
            if (units[plan.unit].org.singkatan == singkatan and plan.theme == "kegiatan"
                    and not codes.generalize_support_code(plan.kode)):
                plan.theme = "hibah"
                break
    return plans


# --- lines ----------------------------------------------------------------------------------------------------------

SUMBER = {  # funding sources used by the demo (Lampiran H codes)
    "PAD": "1.1", "DAU": "1.2.01.01.02", "DBH": "1.2.01.01.01", "DAK_FISIK": "2.2.01.01.03",
    "DAK_NF": "2.2.01.01.04", "DD": "2.2.01.05.01", "BLUD": "1.1.04.16", "PAJAK_ROKOK": "2.1.01.02.01",
}
EARMARKED = ("DAK_FISIK", "DAK_NF", "DD")
CONSTRUCTION = ("gedung_kantor", "gedung_pendidikan", "gedung_kesehatan", "jalan", "jembatan", "irigasi",
                "air_sanitasi")
UNIT_PARTS = ("Sekretariat", "Bidang Perencanaan dan Program", "Bidang Pelayanan", "Bidang Pembinaan",
              "Bidang Pengendalian", "UPTD", "Kelompok Jabatan Fungsional")
KECAMATAN_PARTS = ("Sekretariat Kecamatan", "Seksi Pemerintahan", "Seksi Ekonomi dan Pembangunan",
                   "Seksi Kesejahteraan Sosial", "Seksi Ketenteraman dan Ketertiban")
HIBAH_PENERIMA = (
    "KONI Kabupaten Banyuwangi", "Palang Merah Indonesia Kabupaten Banyuwangi", "Kwartir Cabang Pramuka Banyuwangi",
    "Majelis Ulama Indonesia Kabupaten Banyuwangi", "Forum Kerukunan Umat Beragama Kabupaten Banyuwangi",
    "Dewan Kesenian Blambangan", "Lembaga Pengembangan Tilawatil Quran Kabupaten Banyuwangi",
    "Badan Amil Zakat Nasional Kabupaten Banyuwangi", "Karang Taruna Kabupaten Banyuwangi",
    "Tim Penggerak PKK Kabupaten Banyuwangi", "Dewan Pendidikan Kabupaten Banyuwangi", "Pengurus Cabang NU Banyuwangi",
    "Pimpinan Daerah Muhammadiyah Banyuwangi", "Persatuan Guru Republik Indonesia Kabupaten Banyuwangi",
)
RAPAT = ("Rapat Koordinasi Triwulan I", "Rapat Koordinasi Triwulan II", "Rapat Koordinasi Triwulan III",
         "Rapat Koordinasi Triwulan IV", "Rapat Evaluasi Kinerja", "Forum Perangkat Daerah")


@dataclass(slots=True)
class LinePlan:
    """One line as the generator plans it (integer rupiah; all totals exact, no cents)."""

    unit: int
    sub: int | None
    account: str
    item: CatItem | None
    vols: list[int]
    sats: list[str]
    harga: int
    ppn: bool = False
    line_type: str = LineType.ITEM
    uraian: str = ""
    spesifikasi: str = ""
    satuan: str = ""
    sumber: str = ""
    kelompok: str = ""
    keterangan: str = ""
    penerima: str = ""
    key: uuid.UUID | None = None
    planted: str = ""
    special: str = ""
    total: int = 0
    ppn_amount: int = 0
    pk: int | None = None
    version: int = 1

    def recalc(self) -> int:
        subtotal = math.prod(self.vols) * self.harga
        if self.ppn and subtotal % 100:
            self.ppn = False  # PPN only where it comes out in whole rupiah: totals stay exact integers
        self.ppn_amount = subtotal * 11 // 100 if self.ppn else 0
        self.total = subtotal + self.ppn_amount
        return self.total

    @property
    def volume(self) -> int:
        return math.prod(self.vols)

    @property
    def akun(self) -> str:
        return self.account[0]


class Planner:
    """Plans every line of one scale in memory, deterministically from one `random.Random`."""

    def __init__(self, *, rng: random.Random, catalogue: list[CatItem], units: list[Unit], subs: list[SubPlan],
                 desa: list[Region], kecamatan_names: dict[int, str], small: bool) -> None:
        self.rng = rng
        self.units = units
        self.subs = subs
        self.desa = desa
        self.kecamatan_names = kecamatan_names
        self.small = small
        self.by_key: dict[str, list[CatItem]] = defaultdict(list)
        for item in catalogue:
            self.by_key[item.key].append(item)
        self.by_name = {item.nama: item for item in catalogue}
        self._pool_cache: dict[tuple[str, str], list[CatItem]] = {}
        self.lines: list[LinePlan] = []

    # helpers ------------------------------------------------------------------------------------------------------

    def key(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def pool(self, key: str, pattern: str) -> list[CatItem]:
        cached = self._pool_cache.get((key, pattern))
        if cached is None:
            cached = [i for i in self.by_key.get(key, []) if not i.reserved
                      and (not pattern or re.search(pattern, i.label))]
            self._pool_cache[(key, pattern)] = cached
        return cached

    def special_item(self, key: str) -> CatItem:
        return self.by_key[f"@{key}"][0]

    def _account(self, item: CatItem, sub: SubPlan) -> str:
        accounts = item.accounts
        if len(accounts) == 1:
            return accounts[0]
        if item.key in CONSTRUCTION:
            upkeep = (sub.theme == "gedung_pelihara" or sub.code.nama.startswith("Pemeliharaan")
                      or item.nama.startswith("Pemeliharaan"))
            if item.key == "irigasi":
                return accounts[2] if upkeep else accounts[1] if "Tanggul" in item.nama else accounts[0]
            return accounts[1] if upkeep else accounts[0]
        return accounts[0] if self.rng.random() < 0.8 else self.rng.choice(accounts[1:])

    def _desa_label(self) -> tuple[str, str]:
        desa = self.rng.choice(self.desa)
        return desa.nama, self.kecamatan_names.get(desa.parent_id or 0, "")

    def _decorate(self, line: LinePlan, sub: SubPlan) -> None:
        key = line.item.key if line.item else ""
        if key in CONSTRUCTION or (key in ("bahan_bangunan",) and sub.theme == "gedung_pelihara"):
            desa, kec = self._desa_label()
            line.keterangan = f"Lokasi: Desa {desa}, Kecamatan {kec}"
            line.kelompok = f"Paket pekerjaan {sub.code.nama[:120]}"
        elif key == "makan_minum" and sub.theme in ("rapat", "kegiatan"):
            line.kelompok = self.rng.choice(RAPAT)
        elif key == "perjadin" and line.item and "Provinsi" in line.item.nama:
            line.kelompok = "Perjalanan dinas koordinasi dan konsultasi"

    def add(self, line: LinePlan) -> LinePlan:
        line.key = self.key()
        line.recalc()
        self.lines.append(line)
        return line

    def item_line(self, unit: int, sub_index: int, item: CatItem, *, fit: int | None = None) -> LinePlan | None:
        """A line of `item` with volumes drawn inside the item's band; shrunk (first factor) to fit `fit`."""
        sub = self.subs[sub_index]
        vols, sats = [], []
        for sat, lo, hi in item.volumes:
            vols.append(self.rng.randint(lo, hi))
            sats.append(sat or item.satuan)
        ppn = self.rng.random() < item.ppn
        line = LinePlan(unit=unit, sub=sub_index, account=self._account(item, sub), item=item, vols=vols, sats=sats,
                        harga=item.harga, ppn=ppn, uraian=item.nama, spesifikasi=item.spesifikasi,
                        satuan=item.satuan, sumber=sub.sumber)
        if self.rng.random() < 0.12 and item.harga > 2000:
            line.harga = _nonround_price(item.harga * self.rng.uniform(0.86, 0.99))  # below the maximum
            line.harga = min(line.harga, item.harga)
        line.recalc()
        if fit is not None and line.total > fit:
            rest = math.prod(vols[1:]) * line.harga
            rest = rest + (rest * 11 // 100 if line.ppn else 0)
            if rest <= 0 or fit // rest < item.volumes[0][1]:
                return None  # never below the item's usual volume: tiny lines would skew the peer medians
            line.vols[0] = fit // rest
            line.recalc()
            if line.total > fit:
                line.ppn = False
                line.recalc()
        self._decorate(line, sub)
        return line

    # sub-kegiatan ---------------------------------------------------------------------------------------------------

    def _fresh(self, pool: list[CatItem], used: set[str]) -> CatItem | None:
        """An item of `pool` not yet used in this sub-kegiatan (each item at most once per sub-kegiatan, so no
        sub-kegiatan piles up one item's volume — the red-flag volume rule compares per sub-kegiatan)."""
        for _ in range(4):
            item = self.rng.choice(pool)
            if item.kode not in used:
                return item
        fresh = [i for i in pool if i.kode not in used]
        return self.rng.choice(fresh) if fresh else None

    def fill(self, sub_index: int, budget: int) -> int:
        """Lines of one ordinary sub-kegiatan adding up to at most `budget`; returns what was planned."""
        sub = self.subs[sub_index]
        ops, mains = THEMES[sub.theme]
        remaining = budget
        used: set[str] = set()
        n_ops = (self.rng.randint(3, 8) if ops is OPS_STD else self.rng.randint(1, 3)) if ops else 0
        for _ in range(n_ops):
            pool = self.pool(self.rng.choice(ops), "")
            item = self._fresh(pool, used) if pool else None
            line = self.item_line(sub.unit, sub_index, item) if item else None
            if line is not None and line.total <= remaining // 2:
                self.add(line)
                used.add(line.item.kode)  # type: ignore[union-attr]
                remaining -= line.total
        choices = list(mains)
        failures = 0
        while remaining > 0 and choices and failures < 8:
            entry = self.rng.choices(choices, [w for _, w, _ in choices])[0]
            key, _, pattern = entry
            if key.startswith("@"):
                line = self.special_line(sub_index, key[1:], remaining)
            else:
                pool = self.pool(key, pattern)
                item = self._fresh(pool, used) if pool else None
                if item is None:
                    choices.remove(entry)
                    continue
                line = self.item_line(sub.unit, sub_index, item, fit=remaining)
            if line is None or line.total <= 0:
                failures += 1
                continue
            self.add(line)
            if line.item is not None and not key.startswith("@"):
                used.add(line.item.kode)
            remaining -= line.total
        return budget - remaining

    def special_line(self, sub_index: int, key: str, fit: int) -> LinePlan | None:
        """Grants and social aid: one recipient (organisation, or families of one kecamatan) per line."""
        sub = self.subs[sub_index]
        item = self.special_item(key)
        if key == "bansos":
            vols, sats = [self.rng.randint(60, 240)], ["KK"]
            harga = item.harga
            kec = self.rng.choice(list(self.kecamatan_names.values()) or ["Banyuwangi"])
            keterangan, penerima = f"Keluarga miskin Kecamatan {kec}", f"Keluarga penerima manfaat Kecamatan {kec}"
        else:
            vols, sats = [1], [item.satuan]
            harga = _nonround_price(item.harga * self.rng.uniform(0.06, 0.5))
            penerima = self.rng.choice(HIBAH_PENERIMA)
            keterangan = f"Hibah kepada {penerima}"
        line = LinePlan(unit=sub.unit, sub=sub_index, account=item.accounts[0], item=item, vols=vols, sats=sats,
                        harga=harga, uraian=item.nama, spesifikasi=item.spesifikasi, satuan=item.satuan,
                        sumber=sub.sumber, keterangan=keterangan, penerima=penerima)
        line.recalc()
        if line.total > fit:
            if len(vols) and key == "bansos" and fit // harga >= 1:
                line.vols[0] = fit // harga
            elif key != "bansos" and fit >= 1_000_000:
                line.harga = _nonround_price(fit * 0.9)
            else:
                return None
            line.recalc()
        return line

    def gaji(self, sub_index: int, budget: int, *, tpg: bool) -> int:
        """Salaries of one unit: one line per component and part of the unit, `Orang × Bulan`."""
        sub = self.subs[sub_index]
        unit = self.units[sub.unit]
        components = list(GAJI_COMPONENTS) + ([TPG_COMPONENT] if tpg else [])
        if sub.code.kode.endswith("2.11.0001"):  # regent and vice-regent: two people
            components = [c for c in components if "PNS Golongan IV" in c[1] or "Tunjangan Keluarga" in c[1]]
        weight = sum(c[3] for c in components)
        if unit.org.singkatan == "Dispendik":
            parts = [f"Korwil Pendidikan Kecamatan {k}" for k in sorted(set(self.kecamatan_names.values()))]
        elif unit.kind == "kecamatan":
            parts = list(KECAMATAN_PARTS)
        else:
            parts = list(UNIT_PARTS)
        planned = 0
        tier = "" if sub.code.kode.endswith("2.11.0001") else _gaji_tier(unit)
        for account, nama, _, share, months in components:
            item = self.by_name[nama if account == TPG_COMPONENT[0] else _gaji_name(nama, tier)]
            people = int(budget * share / weight) // (item.harga * months)
            part = 0
            while people > 0:
                n = min(people, self.rng.randint(35, 100))
                people -= n
                line = LinePlan(unit=sub.unit, sub=sub_index, account=account, item=item, vols=[n, months],
                                sats=["Orang", "Bulan"], harga=item.harga, uraian=item.nama,
                                spesifikasi=item.spesifikasi, satuan=item.satuan,
                                sumber=SUMBER["DAK_NF"] if account == TPG_COMPONENT[0] else sub.sumber,
                                keterangan=parts[part % len(parts)], special="gaji")
                part += 1
                planned += self.add(line).total
        return planned

    def village_transfers(self, sub_index: int, kinds: tuple[str, ...], amounts: dict[str, list[int]]) -> int:
        """One line per village and transfer kind (ADD, Dana Desa, bagi hasil pajak/retribusi)."""
        sub = self.subs[sub_index]
        planned = 0
        for kind in kinds:
            item = self.special_item(kind)
            for desa, amount in zip(self.desa, amounts[kind], strict=True):
                kec = self.kecamatan_names.get(desa.parent_id or 0, "")
                line = LinePlan(unit=sub.unit, sub=sub_index, account=item.accounts[0], item=item, vols=[1],
                                sats=["Desa"], harga=amount, uraian=item.nama, spesifikasi=item.spesifikasi,
                                satuan=item.satuan, sumber=SUMBER["DD"] if kind == "dd" else sub.sumber,
                                keterangan=f"Desa {desa.nama}, Kecamatan {kec}",
                                penerima=f"Pemerintah Desa {desa.nama}",
                                special="transfer")
                planned += self.add(line).total
        return planned


def _village_amounts(rng: random.Random, n: int) -> dict[str, list[int]]:
    """Per-village allocations in thousands of rupiah (ranges of Banyuwangi 2025: ADD Rp 749 juta – 1,12 miliar,
    Dana Desa Rp 777 juta – 2,28 miliar)."""
    def draw(lo: int, hi: int, skew: float = 1.0) -> int:
        value = lo + (hi - lo) * rng.random() ** skew
        amount = int(value / 1000) * 1000 + rng.randint(1, 999) * 1000
        return amount + 1000 if amount % 1_000_000 == 0 else amount
    return {
        "add": [draw(749_000_000, 1_120_000_000) for _ in range(n)],
        "dd": [draw(777_000_000, 2_280_000_000, 2.2) for _ in range(n)],
        "bhp": [draw(52_000_000, 146_000_000) for _ in range(n)],
        "bhr": [draw(7_000_000, 24_000_000) for _ in range(n)],
    }


# --- revenue and financing ------------------------------------------------------------------------------------------

# (unit singkatan or "_puskesmas", account, share of its group). Groups: PAD, transfers (without Dana Desa, which
# equals the Dana Desa passed on to the villages), lain-lain; financing is SiLPA only.
PAD_SPEC = (
    ("Bapenda", "4.1.01.06.01.0001", 0.046), ("Bapenda", "4.1.01.07.01.0001", 0.105),
    ("Bapenda", "4.1.01.08.01.0001", 0.006), ("Bapenda", "4.1.01.09.01.0001", 0.012),
    ("Bapenda", "4.1.01.10.02.0001", 0.096), ("Bapenda", "4.1.01.11.01.0001", 0.004),
    ("Bapenda", "4.1.01.12.01.0001", 0.005), ("Bapenda", "4.1.01.13.01.0001", 0.001),
    ("Bapenda", "4.1.01.14.23.0001", 0.019), ("Bapenda", "4.1.01.15.01.0001", 0.118),
    ("Bapenda", "4.1.01.16.01.0001", 0.139), ("Dinkes", "4.1.02.01.01.0001", 0.02),
    ("DLH", "4.1.02.01.02.0001", 0.007), ("Dishub", "4.1.02.01.04.0001", 0.005), ("Dishub", "4.1.02.01.06.0001", 0.002),
    ("Diskopumdag", "4.1.02.01.05.0002", 0.008), ("Disbudpar", "4.1.02.02.09.0001", 0.015),
    ("Dispertan", "4.1.02.02.07.0001", 0.001), ("Disperikan", "4.1.02.02.03.0001", 0.001),
    ("DPU CKPP", "4.1.02.03.01.0001", 0.004), ("BPKAD", "4.1.03.02.01.0001", 0.028),
    ("BPKAD", "4.1.03.02.02.0001", 0.004), ("BPKAD", "4.1.04.05.01.0001", 0.008), ("BPKAD", "4.1.04.07.01.0001", 0.006),
    ("RSUD Blambangan", "4.1.04.16.01.0001", 0.2), ("RSUD Genteng", "4.1.04.16.01.0001", 0.13),
    ("_puskesmas", "4.1.04.18.01.0001", 0.06),
)
TRANSFER_SPEC = (
    ("4.2.01.01.02.0001", 0.545), ("4.2.01.01.01.0001", 0.004), ("4.2.01.01.01.0003", 0.007),
    ("4.2.01.01.01.0002", 0.002), ("4.2.01.01.01.0004", 0.01), ("4.2.01.01.01.0008", 0.004),
    ("4.2.01.01.03.0001", 0.012), ("4.2.01.01.03.0002", 0.008), ("4.2.01.01.03.0011", 0.015),
    ("4.2.01.01.03.0012", 0.01), ("4.2.01.01.03.0008", 0.004), ("4.2.01.01.03.0030", 0.006),
    ("4.2.01.01.04.0001", 0.09), ("4.2.01.01.04.0004", 0.008), ("4.2.01.01.04.0006", 0.095),
    ("4.2.01.01.04.0007", 0.001), ("4.2.01.01.04.0011", 0.02), ("4.2.01.01.04.0016", 0.003),
    ("4.2.01.01.04.0018", 0.0006), ("4.2.01.02.01.0001", 0.006), ("4.2.02.01.01.0001", 0.025),
    ("4.2.02.01.01.0002", 0.014), ("4.2.02.01.01.0003", 0.011), ("4.2.02.01.01.0005", 0.021),
    ("4.2.02.01.01.0004", 0.0002), ("4.2.02.02.02.0001", 0.005),
)
DANA_DESA_ACCOUNT = "4.2.01.05.01.0001"
DAU_ACCOUNT = "4.2.01.01.02.0001"
LAIN_SPEC = (("4.3.01.01.01.0001", 0.32), ("4.3.01.02.01.0001", 0.41), ("4.3.01.04.01.0001", 0.1),
             ("4.3.01.04.03.0001", 0.12), ("4.3.01.05.01.0001", 0.03), ("4.3.03.01.02.0002", 0.02))
SILPA_SPEC = (("6.1.01.05.01.0001", 0.41), ("6.1.01.07.01.0001", 0.27), ("6.1.01.02.01.0001", 0.19),
              ("6.1.01.08.01.0001", 0.13))


def _split_amount(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """`total` split by weights into amounts in whole thousands with a random tail, never a round million; the
    last one takes the exact remainder."""
    scale = sum(weights)
    out: list[int] = []
    for w in weights[:-1]:
        amount = int(total * w / scale / 1000) * 1000 + rng.randint(1, 999) * 1000
        out.append(amount + 1000 if amount % 1_000_000 == 0 else amount)
    last = total - sum(out)
    if last % 1_000_000 == 0 and len(out):
        out[-1] -= 1000
        last += 1000
    return [*out, last]


# --- the whole plan ---------------------------------------------------------------------------------------------

PLANTED = ("lem_aibon", "ups", "fills_ceiling", "round_total")


@dataclass
class Plan:
    scale: str
    figures: Figures
    catalogue: list[CatItem]
    units: list[Unit]
    subs: list[SubPlan]
    lines: list[LinePlan]  # the APBD murni state (belanja, pendapatan, pembiayaan)
    kua_only: list[LinePlan] = field(default_factory=list)  # lines of KUA-PPAS removed before APBD murni
    kua_values: dict[int, tuple[list[int], int, bool]] = field(default_factory=dict)  # line index -> KUA volumes…
    added: set[int] = field(default_factory=set)  # line indexes new in APBD murni
    roles: dict[str, int] = field(default_factory=dict)  # planted role -> sub index
    ceilings_unit: dict[int, int] = field(default_factory=dict)
    ceilings_sub: dict[int, int] = field(default_factory=dict)
    ceilings_sumber: dict[tuple[int, str], int] = field(default_factory=dict)

    def kua_line(self, index: int) -> LinePlan | None:
        """The KUA-PPAS version of APBD line `index` (None when the line was added later)."""
        if index in self.added:
            return None
        line = self.lines[index]
        if index not in self.kua_values:
            return line
        vols, harga, ppn = self.kua_values[index]
        copy = LinePlan(**{f: getattr(line, f) for f in LinePlan.__slots__})  # type: ignore[attr-defined]
        copy.vols, copy.harga, copy.ppn = list(vols), harga, ppn
        copy.recalc()
        return copy

    def kua_lines(self) -> Iterator[LinePlan]:
        for index in range(len(self.lines)):
            line = self.kua_line(index)
            if line is not None:
                yield line
        yield from self.kua_only


def _sumber_for(sub: SubPlan, unit: Unit, rng: random.Random) -> str:
    theme = sub.theme
    if theme in ("gaji", "transfer"):
        return SUMBER["DAU"]
    if theme in ("bos",):
        return SUMBER["DAK_NF"]
    if theme == "blud":
        return SUMBER["BLUD"]
    if theme in ("btt", "bagi_hasil", "ups"):
        return SUMBER["PAD"] if theme != "ups" else SUMBER["DAU"]
    bidang = unit.org.main_bidang
    if theme in ("jalan", "irigasi", "air", "sekolah", "kesehatan_fasilitas") and bidang in (
            "1.01", "1.02", "1.03", "1.04") and rng.random() < 0.35:
        return SUMBER["DAK_FISIK"]
    if theme in ("layanan_kesehatan", "obat") and rng.random() < 0.45:
        return SUMBER["DAK_NF"] if rng.random() < 0.6 else SUMBER["PAJAK_ROKOK"]
    roll = rng.random()
    return SUMBER["PAD"] if roll < 0.55 else SUMBER["DAU"] if roll < 0.9 else SUMBER["DBH"]


def _ceil_to(value: float, step: int) -> int:
    return math.ceil(value / step) * step


def plan_budget(*, pemda: Pemda, scale: str, seed: int) -> Plan:
    """Everything the demo writes, in memory (no query per line)."""
    rng = random.Random(f"terang-budget-demo:{scale}:{seed}")
    fig = FIGURES[scale]
    small = scale == "small"
    units = _units(pemda, scale)
    kecamatan = list(Region.objects.filter(parent=pemda.region, level="kecamatan").order_by("kode"))
    kecamatan_names = {k.pk: k.nama for k in kecamatan}
    desa_qs = Region.objects.filter(parent__parent=pemda.region, level="desa").order_by("kode")
    if small:
        desa_qs = desa_qs.filter(kode__startswith=f"{DEMO_KECAMATAN}.")
    desa = list(desa_qs)
    catalogue = build_catalogue(scale=scale, kecamatan=[k.nama for k in kecamatan])
    subs = _select_subs(units, scale, rng)
    by_label = {u.org.singkatan: i for i, u in enumerate(units) if u.org.singkatan}
    dispendik = by_label.get("Dispendik")
    ppkd = next((i for i, u in enumerate(units) if u.org.is_ppkd), None)
    if dispendik is None or ppkd is None or "Diskominfo" not in by_label or "DPU CKPP" not in by_label:
        from terang.core.errors import ApplicationError
        raise ApplicationError("Data perangkat daerah demo Banyuwangi belum lengkap; jalankan demo_data dahulu.",
                               code="demo_orgs_missing")
    ups_code = ProgramCode.objects.get(kode=UPS_SUB)
    subs.append(SubPlan(unit=dispendik, code=ups_code, kode=UPS_SUB, theme="ups", new_in_apbd=True))
    planner = Planner(rng=rng, catalogue=catalogue, units=units, subs=subs, desa=desa,
                      kecamatan_names=kecamatan_names, small=small)
    plan = Plan(scale=scale, figures=fig, catalogue=catalogue, units=units, subs=subs, lines=planner.lines)
    for index, sub in enumerate(subs):
        sub.sumber = _sumber_for(sub, units[sub.unit], rng)
        sub.trace = f"RKPD {TAHUN}; Renja {units[sub.unit].label} {TAHUN}"
        if sub.kode == BOS_SD:
            plan.roles["lem_aibon"] = index
        elif sub.kode == UPS_SUB:
            plan.roles["ups"] = index
            sub.trace = ""
    for index, sub in enumerate(subs):
        label = units[sub.unit].org.singkatan
        if label == "Diskominfo" and sub.theme == "sistem_informasi" and "round_total" not in plan.roles and \
                not codes.generalize_support_code(sub.kode):
            plan.roles["round_total"] = index
        if label == "DPU CKPP" and sub.theme in ("jalan", "air", "gedung_bangun") and "fills_ceiling" not in plan.roles:
            plan.roles["fills_ceiling"] = index
    if "round_total" not in plan.roles:
        plan.roles["round_total"] = next(i for i, s in enumerate(subs) if s.unit == by_label["Diskominfo"]
                                         and s.theme != "gaji")
    if "fills_ceiling" not in plan.roles:
        plan.roles["fills_ceiling"] = next(i for i, s in enumerate(subs) if s.unit == by_label["DPU CKPP"]
                                           and s.theme != "gaji")

    # fixed amounts first: village transfers, BTT, planted lines; the rest is shared among the units
    village = _village_amounts(rng, len(desa))
    transfers = sum(sum(v) for v in village.values())
    aibon_people = 37_500 if not small else 940
    ups_units = 25 if not small else 1
    round_amount = 5_000_000_000 if not small else 1_000_000_000
    planted = aibon_people * 12 * 184_000 + ups_units * 5_831_250_000 + round_amount
    btt_nominal = 16_480_000_000 if not small else 418_000_000
    free_total = fig.belanja - transfers - btt_nominal - planted
    share_sum = sum(u.share for u in units)
    for unit in units:
        unit.free = int(free_total * unit.share / share_sum)

    # plan every sub-kegiatan
    by_unit: dict[int, list[int]] = defaultdict(list)
    for index, sub in enumerate(subs):
        by_unit[sub.unit].append(index)
    for u_index, unit in enumerate(units):
        indexes = by_unit[u_index]
        gaji_subs = [i for i in indexes if subs[i].theme == "gaji"]
        ordinary = [i for i in indexes if subs[i].theme in THEMES]
        pegawai = int(unit.free * _pegawai_share(unit))
        for i in gaji_subs:
            kdh = subs[i].code.kode.endswith("2.11.0001")
            budget = 165_000_000 if kdh else pegawai
            subs[i].budget = budget
            planner.gaji(i, budget, tpg=unit.org.singkatan == "Dispendik")
        rest = unit.free - pegawai
        weights = [THEME_WEIGHT.get(subs[i].theme, 1.0) * rng.lognormvariate(0, 0.45) for i in ordinary]
        total_w = sum(weights) or 1.0
        carry = 0  # what a sub-kegiatan could not use moves on to the next one of the unit
        for i, w in zip(ordinary, weights, strict=True):
            subs[i].budget = int(rest * w / total_w) + carry
            carry = subs[i].budget - planner.fill(i, subs[i].budget)
        for i in indexes:
            theme = subs[i].theme
            if theme == "transfer":
                planner.village_transfers(i, ("add", "dd"), village)
            elif theme == "bagi_hasil":
                planner.village_transfers(i, ("bhp", "bhr"), village)
            elif theme == "btt":
                item = planner.special_item("btt")
                planner.add(LinePlan(unit=u_index, sub=i, account=item.accounts[0], item=item, vols=[1],
                                            sats=["Paket"], harga=btt_nominal, uraian=item.nama,
                                            spesifikasi=item.spesifikasi, satuan=item.satuan, sumber=subs[i].sumber,
                                            keterangan="Cadangan keadaan darurat dan mendesak", special="btt"))

    _plant(plan, planner, aibon_people=aibon_people, ups_units=ups_units, round_amount=round_amount)
    _undetailed(plan, planner, rng)
    _clamp_volumes(plan)
    _avoid_round(plan)
    _settle_btt(plan)
    _derive_kua(plan, planner, rng)
    _revenue_and_financing(plan, planner, rng, village)
    _ceilings(plan, rng)
    return plan


def _plant(plan: Plan, planner: Planner, *, aibon_people: int, ups_units: int, round_amount: int) -> None:
    """The anomalies the red-flag rules must find (domain.md §6): written as planned, not through the services."""
    glue = next(item for item in plan.catalogue if item.nama.startswith("Lem Kuning")
                and item.spesifikasi == "Kaleng 600 ml")
    i = plan.roles["lem_aibon"]
    # the sub-kegiatan's own clean glue lines would share the finding: drop them (BTT takes the difference)
    planner.lines[:] = [line for line in planner.lines
                        if not (line.sub == i and line.item is not None and line.item.nama == glue.nama)]
    planner.add(LinePlan(unit=plan.subs[i].unit, sub=i, account="5.1.02.01.01.0024", item=glue,
                         vols=[aibon_people, 12], sats=["Orang", "Bulan"], harga=184_000, uraian=glue.nama,
                         spesifikasi=glue.spesifikasi, satuan=glue.satuan, sumber=plan.subs[i].sumber,
                         keterangan="Kebutuhan ATK sekolah (komponen sementara)", planted="lem_aibon"))
    ups = next(item for item in plan.catalogue if item.nama == "UPS 120 kVA")
    i = plan.roles["ups"]
    planner.add(LinePlan(unit=plan.subs[i].unit, sub=i, account=ups.accounts[0], item=ups, vols=[ups_units],
                         sats=["Unit"], harga=5_831_250_000, uraian=ups.nama, spesifikasi=ups.spesifikasi,
                         satuan=ups.satuan, sumber=plan.subs[i].sumber,
                         keterangan=f"Pengadaan UPS untuk {ups_units} SMP negeri", planted="ups"))
    smart = next(item for item in plan.catalogue if item.nama == "Jasa Konsultansi Sistem Informasi"
                 and "Smart" in item.spesifikasi)
    i = plan.roles["round_total"]
    planner.add(LinePlan(unit=plan.subs[i].unit, sub=i, account=smart.accounts[0], item=smart, vols=[1],
                         sats=["Paket"], harga=round_amount, uraian=smart.nama, spesifikasi=smart.spesifikasi,
                         satuan=smart.satuan, sumber=plan.subs[i].sumber,
                         keterangan="Pengembangan Banyuwangi Smart Kabupaten", planted="round_total"))


def _undetailed(plan: Plan, planner: Planner, rng: random.Random) -> None:
    """A few explicit 'belum dirinci' reservations (shown as such; blocked from DPA)."""
    protected = set(plan.roles.values())
    candidates = [i for i, s in enumerate(plan.subs) if s.theme in THEMES and s.theme not in ("hibah", "bansos")
                  and i not in protected and s.budget > 0]
    first_line: dict[int, LinePlan] = {}
    for line in planner.lines:
        if line.sub is not None and line.sub not in first_line and line.akun == "5" and not line.special:
            first_line[line.sub] = line
    count = 3 if plan.scale == "small" else 40
    for i in rng.sample(candidates, min(count, len(candidates))):
        template = first_line.get(i)
        if template is None:
            continue
        amount = _nonround_price(max(plan.subs[i].budget, 5_000_000) * rng.uniform(0.01, 0.04))
        planner.add(LinePlan(unit=plan.subs[i].unit, sub=i, account=template.account, item=None, vols=[1],
                             sats=["Paket"], harga=amount, line_type=LineType.UNDETAILED,
                             uraian="Belum dirinci: menunggu hasil survei harga", satuan="paket",
                             sumber=plan.subs[i].sumber, keterangan="Dirinci paling lambat sebelum penyusunan DPA"))


def _clamp_volumes(plan: Plan) -> None:
    """No clean line's volume more than 4× the median of its item (the red-flag rule uses 5×)."""
    volumes: dict[str, list[int]] = defaultdict(list)
    for line in plan.lines:
        if line.item is not None and not line.planted and line.akun == "5":
            volumes[line.item.kode].append(line.volume)
    limits = {}
    for kode, values in volumes.items():
        values.sort()
        limits[kode] = 4 * values[len(values) // 2]
    for line in plan.lines:
        if line.item is None or line.planted or line.akun != "5" or line.special in ("transfer", "btt"):
            continue
        limit = limits[line.item.kode]
        if line.volume > limit:
            rest = math.prod(line.vols[1:])
            line.vols[0] = max(1, limit // rest)
            line.recalc()


def _avoid_round(plan: Plan) -> None:
    """Clean lines never total a multiple of Rp 100 juta and clean sub-kegiatan never a multiple of Rp 1 miliar
    (the "suspiciously round" rule); only the planted line does."""
    planted_subs = set(plan.roles.values())
    for line in plan.lines:
        if line.planted or line.akun != "5" or line.special == "btt" or line.line_type != LineType.ITEM:
            continue
        while line.total >= 100_000_000 and line.total % 100_000_000 == 0:
            if line.vols[0] > 1:
                line.vols[0] -= 1
            else:
                line.harga -= 50
            line.recalc()
    totals: dict[int, int] = defaultdict(int)
    movable: dict[int, LinePlan] = {}
    for line in plan.lines:
        if line.sub is None or line.akun != "5":
            continue
        totals[line.sub] += line.total
        if not line.planted and not line.special and line.line_type == LineType.ITEM and line.vols[0] > 1:
            movable.setdefault(line.sub, line)
    for sub, total in totals.items():
        if total % 1_000_000_000 == 0 and sub not in planted_subs and sub in movable:
            movable[sub].vols[0] -= 1
            movable[sub].recalc()


def _belanja_total(lines: Iterable[LinePlan]) -> int:
    return sum(line.total for line in lines if line.akun == "5")


def _settle_btt(plan: Plan) -> None:
    """Belanja hits the target to the rupiah: BTT takes the remainder. If BTT would leave its range (0.25 %–0.9 % of
    belanja) or come out a round million, the teachers' salary lines (a standard only Dispendik uses, so no peer
    comparison moves) are scaled uniformly first."""
    btt = next(line for line in plan.lines if line.special == "btt")
    high = min(btt.item.harga if btt.item else 0, plan.figures.belanja // 110)
    low = plan.figures.belanja // 400
    knobs = [ln for ln in plan.lines if ln.special == "gaji" and ln.item is not None and "(Guru)" in ln.item.nama]

    def remainder() -> int:
        return plan.figures.belanja - (_belanja_total(plan.lines) - btt.total)

    left = remainder()
    if knobs and not low <= left <= high:
        delta = left - (low + high) // 2  # > 0: salaries grow by about delta
        base = sum(ln.total for ln in knobs)
        factor = 1 + delta / base
        for line in knobs:
            line.vols[0] = max(1, round(line.vols[0] * factor))
            line.recalc()
    for line in knobs:
        if remainder() % 1_000_000:
            break
        line.vols[0] += 1
        line.recalc()
    btt.harga = remainder()
    btt.recalc()
    if not (low // 2 <= btt.harga <= (btt.item.harga if btt.item else 0)):
        raise RuntimeError(f"BTT demo di luar rentang: {btt.harga}")


def _derive_kua(plan: Plan, planner: Planner, rng: random.Random) -> None:
    """KUA-PPAS = the APBD murni lines before ≈3 % were changed, ≈1.2 % added, ≈0.8 % removed, a few new sub-kegiatan
    (with a planning trace). Growth per sub-kegiatan stays under 15 % (the red-flag threshold is 20 %)."""
    lines = plan.lines
    protected = set(plan.roles.values())
    eligible = [i for i, ln in enumerate(lines) if ln.sub is not None and not ln.planted and not ln.special
                and ln.line_type == LineType.ITEM and ln.sub not in protected]
    candidate_subs = sorted({lines[i].sub for i in eligible})  # type: ignore[type-var]
    n_new = max(1, round(len(candidate_subs) * 0.004))
    new_subs = set(rng.sample(candidate_subs, n_new))
    for i in new_subs:
        assert i is not None
        plan.subs[i].new_in_apbd = True
        plan.subs[i].trace = f"Pokir DPRD {TAHUN} (usulan reses); Renja Perubahan {plan.units[plan.subs[i].unit].label}"
    new_subs |= {i for i, sub in enumerate(plan.subs) if sub.new_in_apbd}  # incl. the planted UPS sub-kegiatan
    added = {i for i, ln in enumerate(lines) if ln.sub in new_subs}
    rest = [i for i in eligible if lines[i].sub not in new_subs]
    added |= set(rng.sample(rest, min(len(rest), round(len(lines) * 0.012))))
    pool = [i for i in rest if i not in added]
    changed = rng.sample(pool, min(len(pool), round(len(lines) * 0.03)))
    for i in changed:
        line = lines[i]
        if rng.random() < 0.6 or line.item is None:
            vols = list(line.vols)
            vols[0] = max(1, round(vols[0] * rng.choice((0.75, 0.8, 0.85, 0.9, 1.1, 1.15, 1.2, 1.25))))
            if vols == line.vols:
                vols[0] += 1
            plan.kua_values[i] = (vols, line.harga, line.ppn)
        elif line.item.key.startswith("@"):
            plan.kua_values[i] = (list(line.vols), _nonround_price(line.harga * rng.uniform(0.88, 0.97)), line.ppn)
        else:  # the price moved (a newer survey), always within the catalogue maximum
            harga = min(line.item.harga, _nonround_price(line.harga * rng.uniform(0.88, 1.08)))
            plan.kua_values[i] = (list(line.vols), harga if harga != line.harga else harga - 50, line.ppn)
    unchanged = [i for i in pool if i not in plan.kua_values]
    for i in rng.sample(unchanged, min(len(unchanged), round(len(lines) * 0.008))):
        template = lines[i]
        sub = plan.subs[template.sub]  # type: ignore[index]
        item_pool = planner.pool(template.item.key, "") if template.item else []
        item = rng.choice(item_pool) if item_pool else template.item
        removed = planner.item_line(template.unit, template.sub, item, fit=template.total)  # type: ignore[arg-type]
        if removed is None:
            continue
        removed.key = planner.key()
        removed.sumber = sub.sumber
        removed.recalc()
        plan.kua_only.append(removed)
    plan.added = added
    # growth check per sub-kegiatan that exists in both stages
    for _ in range(3):
        apbd: dict[int, int] = defaultdict(int)
        kua: dict[int, int] = defaultdict(int)
        for i, line in enumerate(lines):
            if line.sub is None:
                continue
            apbd[line.sub] += line.total
            k = plan.kua_line(i)
            if k is not None:
                kua[line.sub] += k.total
        for line in plan.kua_only:
            kua[line.sub] += line.total  # type: ignore[index]
        offenders = [s for s in apbd if s not in new_subs and not kua[s] * 0.87 <= apbd[s] <= kua[s] * 1.15]
        if not offenders:
            break
        offender_set = set(offenders)
        for i in sorted(plan.added):
            if lines[i].sub in offender_set and lines[i].sub not in new_subs:
                plan.added.discard(i)
        for i in list(plan.kua_values):
            if lines[i].sub in offender_set:
                del plan.kua_values[i]
        plan.kua_only = [ln for ln in plan.kua_only if ln.sub not in offender_set]
    for i in plan.kua_values:
        lines[i].version = 2


def _revenue_and_financing(plan: Plan, planner: Planner, rng: random.Random, village: dict[str, list[int]]) -> None:
    fig = plan.figures
    by_label = {u.org.singkatan: i for i, u in enumerate(plan.units) if u.org.singkatan}
    puskesmas = [i for i, u in enumerate(plan.units) if u.kind == "puskesmas"]
    ppkd = next(i for i, u in enumerate(plan.units) if u.org.is_ppkd)

    def add(unit: int, account: str, amount: int, keterangan: str = "") -> LinePlan:
        return planner.add(LinePlan(unit=unit, sub=None, account=account, item=None, vols=[1], sats=["Tahun"],
                                    harga=amount, satuan="Tahun", keterangan=keterangan,
                                    special="revenue" if account[0] == "4" else "financing"))

    pad_rows: list[tuple[int, str, str]] = []
    weights: list[float] = []
    for label, account, w in PAD_SPEC:
        if label == "_puskesmas":
            holders = puskesmas or [by_label["Dinkes"]]
            for holder in holders:
                pad_rows.append((holder, account, "Dana kapitasi JKN"))
                weights.append(w / len(holders))
        else:
            pad_rows.append((by_label.get(label, ppkd), account, ""))
            weights.append(w)
    for (unit, account, ket), amount in zip(pad_rows, _split_amount(rng, fig.pad, weights), strict=True):
        add(unit, account, amount, ket)
    dana_desa = sum(village["dd"])
    add(ppkd, DANA_DESA_ACCOUNT, dana_desa, "Diteruskan ke desa (belanja bantuan keuangan khusus)")
    amounts = _split_amount(rng, fig.transfer - dana_desa, [w for _, w in TRANSFER_SPEC])
    dau_index = -1
    for (account, _), amount in zip(TRANSFER_SPEC, amounts, strict=True):
        add(ppkd, account, amount)
        if account == DAU_ACCOUNT:
            dau_index = len(plan.lines) - 1
    for (account, _), amount in zip(LAIN_SPEC, _split_amount(rng, fig.lain_lain, [w for _, w in LAIN_SPEC]),
                                    strict=True):
        add(ppkd, account, amount)
    for (account, _), amount in zip(SILPA_SPEC, _split_amount(rng, fig.silpa_awal, [w for _, w in SILPA_SPEC]),
                                    strict=True):
        add(ppkd, account, amount, "SiLPA tahun anggaran sebelumnya")
    # KUA-PPAS was balanced too, on an earlier (different) DAU estimate
    kua_belanja = _belanja_total(plan.kua_lines())
    dau = plan.lines[dau_index]
    plan.kua_values[dau_index] = ([1], dau.harga - (fig.belanja - kua_belanja), False)
    dau.version = 2


def _ceilings(plan: Plan, rng: random.Random) -> None:
    """PPAS ceilings above both stages' totals (units, sub-kegiatan, earmarked sources); one sub-kegiatan's ceiling
    equals its total exactly (planted)."""
    unit_max: dict[int, int] = defaultdict(int)
    sub_max: dict[int, int] = defaultdict(int)
    sumber_max: dict[tuple[int, str], int] = defaultdict(int)
    for version in (plan.lines, list(plan.kua_lines())):
        unit_t: dict[int, int] = defaultdict(int)
        sub_t: dict[int, int] = defaultdict(int)
        sumber_t: dict[tuple[int, str], int] = defaultdict(int)
        for line in version:
            if line.akun != "5":
                continue
            unit_t[line.unit] += line.total
            sub_t[line.sub] += line.total  # type: ignore[index]
            sumber_t[(line.unit, line.sumber)] += line.total
        for unit_key, value in unit_t.items():
            unit_max[unit_key] = max(unit_max[unit_key], value)
        for sub_key, value in sub_t.items():
            sub_max[sub_key] = max(sub_max[sub_key], value)
        for pair, value in sumber_t.items():
            sumber_max[pair] = max(sumber_max[pair], value)
    for unit, total in sorted(unit_max.items()):
        plan.ceilings_unit[unit] = _ceil_to(total * (1 + rng.uniform(0.002, 0.012)) + 1, 1_000_000)
    for sub, total in sorted(sub_max.items()):
        if plan.subs[sub].new_in_apbd:
            continue  # agreed after KUA-PPAS: no PPAS ceiling of its own
        plan.ceilings_sub[sub] = _ceil_to(total * (1 + rng.uniform(0.01, 0.06)) + 1, 1000)
    planted = plan.roles["fills_ceiling"]
    plan.ceilings_sub[planted] = sub_max[planted]
    earmarked = {SUMBER[k] for k in EARMARKED}
    for (unit, sumber), total in sorted(sumber_max.items()):
        if sumber in earmarked:
            plan.ceilings_sumber[(unit, sumber)] = _ceil_to(total * (1 + rng.uniform(0.005, 0.03)) + 1, 1_000_000)


# --- writing ----------------------------------------------------------------------------------------------------

KUA_WINDOW = (datetime(2025, 6, 2, 8, 0, tzinfo=WIB), datetime(2025, 7, 11, 16, 0, tzinfo=WIB))
KUA_PUBLISHED = datetime(2025, 8, 8, 14, 0, tzinfo=WIB)  # Nota Kesepakatan KUA-PPAS with the DPRD
APBD_WINDOW = (datetime(2025, 8, 18, 8, 0, tzinfo=WIB), datetime(2025, 11, 21, 16, 0, tzinfo=WIB))
APBD_PUBLISHED = datetime(2025, 12, 23, 10, 0, tzinfo=WIB)  # Perda APBD after the governor's evaluation
LINE_COLUMNS = (
    "line_key", "fiscal_year", "pemda", "organisation", "sub_activity", "account", "akun", "sumber_dana", "kelompok",
    "keterangan", "line_type", "price_item", "uraian", "spesifikasi", "vol1", "sat1", "vol2", "sat2", "vol3", "sat3",
    "vol4", "sat4", "volume", "satuan", "harga_satuan", "ppn", "ppn_amount", "total", "penerima", "version",
    "created_by", "created_at", "updated_by", "updated_at",
)


def _column(name: str) -> str:
    """Database column of a BudgetLine field."""
    field = BudgetLine._meta.get_field(name)
    assert isinstance(field, Field)
    return str(field.column)


class _Writer:
    """Turns a Plan into rows in batches of 5,000 (bulk_create for the catalogue, sub-kegiatan and ceilings; prepared
    rows for the lines); no query per line."""

    def __init__(self, plan: Plan, pemda: Pemda, fy: FiscalYear) -> None:
        self.plan = plan
        self.pemda = pemda
        self.fy = fy
        self.accounts = {a.kode: a.pk for a in accounts_for_version(VERSION, postable_only=True).only("pk", "kode")}
        self.account_names = dict(accounts_for_version(VERSION, postable_only=True).values_list("kode", "nama"))
        self.sumber = dict(SumberDana.objects.filter(kode__in=SUMBER.values()).values_list("kode", "pk"))
        self._datetimes: dict[datetime, Any] = {}
        missing = sorted({a for item in plan.catalogue for a in item.accounts} - set(self.accounts))
        missing += sorted({ln.account for ln in plan.lines} - set(self.accounts))
        missing += sorted(set(SUMBER.values()) - set(self.sumber))
        if missing:
            raise RuntimeError(f"Kode demo tidak ada di versi {VERSION}: {', '.join(missing)}")

    def catalogue(self) -> None:
        items = self.plan.catalogue
        valid_from = datetime(2025, 6, 1, tzinfo=WIB).date()
        rows = [PriceItem(fiscal_year=self.fy, pemda=self.pemda, kind=i.kind, kode=i.kode,
                          kode_kelompok=i.kode_kelompok, nama_kelompok=i.nama_kelompok, nama=i.nama,
                          spesifikasi=i.spesifikasi, satuan=i.satuan, harga=Decimal(i.harga), source_id=i.source_id,
                          valid_from=valid_from)
                for i in items]
        PriceItem.objects.bulk_create(rows, batch_size=BATCH)
        for item, row in zip(items, rows, strict=True):
            item.pk = row.pk
        through = PriceItem.allowed_accounts.through
        through.objects.bulk_create([through(priceitem_id=i.pk, account_id=self.accounts[a])
                                     for i in items for a in i.accounts], batch_size=BATCH)

    def sub_activities(self, rng: random.Random, kabupaten: Region | None) -> None:
        rows = []
        for sub in self.plan.subs:
            unit = self.plan.units[sub.unit]
            code = sub.code
            target = Decimal(rng.choice((1, 1, 2, 4, 6, 12, 25, 100))) if code.satuan else None
            start = 1 if sub.theme in ("gaji", "utilitas", "layanan_kantor", "blud", "bos", "transfer", "btt") \
                else rng.choice((1, 2, 3, 4))
            rows.append(SubActivityBudget(
                fiscal_year=self.fy, pemda=self.pemda, organisation=unit.org, sub_kegiatan=code, kode=sub.kode,
                nama=code.nama[:500], indikator=code.indikator, target=target, satuan=code.satuan[:100],
                bulan_mulai=start, bulan_selesai=12, sumber_dana_id=self.sumber[sub.sumber],
                planning_trace=sub.trace, status=SubActivityStatus.LOCKED))
        SubActivityBudget.objects.bulk_create(rows, batch_size=BATCH)
        lokasi = SubActivityBudget.lokasi.through
        links = []
        for sub, row in zip(self.plan.subs, rows, strict=True):
            sub.pk = row.pk
            region_id = self.plan.units[sub.unit].org.region_id if self.plan.units[sub.unit].kind in (
                "kecamatan", "puskesmas") else (kabupaten.pk if kabupaten else None)
            if region_id:
                links.append(lokasi(subactivitybudget_id=row.pk, region_id=region_id))
        lokasi.objects.bulk_create(links, batch_size=BATCH)

    def ceilings(self) -> None:
        plan = self.plan
        rows = [Ceiling(fiscal_year=self.fy, pemda=self.pemda, organisation=plan.units[u].org, amount=Decimal(v))
                for u, v in sorted(plan.ceilings_unit.items())]
        rows += [Ceiling(fiscal_year=self.fy, pemda=self.pemda, organisation=plan.units[plan.subs[s].unit].org,
                         sub_kegiatan=plan.subs[s].code, amount=Decimal(v))
                 for s, v in sorted(plan.ceilings_sub.items())]
        rows += [Ceiling(fiscal_year=self.fy, pemda=self.pemda, organisation=plan.units[u].org,
                         sumber_dana_id=self.sumber[k], amount=Decimal(v))
                 for (u, k), v in sorted(plan.ceilings_sumber.items())]
        Ceiling.objects.bulk_create(rows, batch_size=BATCH)

    def row(self, line: LinePlan, at: datetime) -> tuple[Any, ...]:
        """The column values of one BudgetLine (same order as LINE_COLUMNS), totals from `calc.line_amounts`."""
        vols = [Decimal(v) for v in line.vols] + [None] * (4 - len(line.vols))
        sats = list(line.sats) + [""] * (4 - len(line.sats))
        amounts = line_amounts(vol1=Decimal(line.vols[0]), vol2=vols[1], vol3=vols[2], vol4=vols[3],
                               harga_satuan=Decimal(line.harga), ppn=line.ppn, ppn_rate=PPN_RATE)
        if amounts.total != line.total:
            raise RuntimeError(f"Perhitungan baris demo tidak cocok: {amounts.total} ≠ {line.total}")
        unit = self.plan.units[line.unit]
        sub_pk = self.plan.subs[line.sub].pk if line.sub is not None else None
        uraian = line.uraian or self.account_names[line.account]
        stamp = self.adapt_datetime(at)
        return (
            self.adapt_uuid(line.key), self.fy.pk, self.pemda.pk, unit.org.pk, sub_pk, self.accounts[line.account],
            line.akun, self.sumber.get(line.sumber), line.kelompok[:255], line.keterangan[:255], line.line_type,
            line.item.pk if line.item else None, uraian[:500], line.spesifikasi, vols[0], sats[0], vols[1], sats[1],
            vols[2], sats[2], vols[3], sats[3], amounts.volume, line.satuan[:60], Decimal(line.harga), line.ppn,
            amounts.ppn_amount, amounts.total, line.penerima[:255], line.version, unit.user_id, stamp, unit.user_id,
            stamp,
        )

    def adapt_uuid(self, value: uuid.UUID | None) -> Any:
        assert value is not None
        return value if connection.features.has_native_uuid_field else value.hex

    def adapt_datetime(self, value: datetime) -> Any:
        cached = self._datetimes.get(value)
        if cached is None:
            cached = value if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(value)
            self._datetimes[value] = cached
        return cached

    def insert(self, lines: list[LinePlan], at: Any) -> None:
        """Write lines in batches of 5,000: COPY on PostgreSQL, executemany on SQLite (Django's bulk_create spends
        ~80 % of its time preparing values one by one; the rows here are prepared once)."""
        table = BudgetLine._meta.db_table
        columns = ", ".join(_column(name) for name in LINE_COLUMNS)
        with connection.cursor() as cursor:
            for start in range(0, len(lines), BATCH):
                rows = [self.row(line, at(line)) for line in lines[start:start + BATCH]]
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(LINE_COLUMNS))
                    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def update(self, lines: list[LinePlan], at: datetime) -> None:
        """Apply the APBD murni values of changed lines (by line key)."""
        table = BudgetLine._meta.db_table
        fields = ("vol1", "vol2", "vol3", "vol4", "volume", "harga_satuan", "ppn", "ppn_amount", "total", "version",
                  "updated_at")
        sets = ", ".join(f"{f} = %s" for f in fields)
        rows = []
        for line in lines:
            values = self.row(line, at)
            named = dict(zip(LINE_COLUMNS, values, strict=True))
            rows.append((*(named[f] for f in fields), named["line_key"]))
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE line_key = %s", rows)

    def delete(self, lines: list[LinePlan]) -> None:
        table = BudgetLine._meta.db_table
        keys = [self.adapt_uuid(line.key) for line in lines]
        with connection.cursor() as cursor:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE line_key IN ({marks})", chunk)


def _stage_actor(pemda: Pemda) -> Any:
    """A BPKAD officer of the pemda (budget.manage_stages), who closes, freezes and publishes the demo stages."""
    from terang.accounts.choices import Role
    from terang.accounts.models import Membership

    membership = (Membership.objects.filter(pemda=pemda, role=Role.BPKAD_OFFICER, is_active=True)
                  .select_related("user").order_by("pk").first())
    return membership.user if membership else None


def _freeze_and_publish(stage: Stage, *, actor: Any, frozen_at: datetime, published_at: datetime) -> dict[str, Any]:
    """Close, freeze (INSERT … SELECT into StageLine, digest) and publish through the stage services, then put the
    historical dates of the demo year on the stage (the services stamp "now")."""
    from ..selectors_stages import frozen_info
    from . import stages as stage_services

    if actor is not None:
        stage_services.stage_close_and_freeze(actor=actor, stage=stage)
        stage_services.stage_publish(actor=actor, stage=Stage.objects.get(pk=stage.pk))
    else:  # no BPKAD officer (generator called without the foundation's demo users): same snapshot, same digest
        stage_services.freeze_snapshot(stage)  # lines, sub-kegiatan details and red flags, as the service does
        digest = stage_services.stage_digest(stage)
        record_event(event_type=EventType.STAGE_FROZEN, instance=stage, pemda=stage.pemda_id, payload={
            "lines": digest.lines, "total": str(digest.total), "digest": digest.digest, "algorithm": "sha256",
            "digest_version": stage_services.DIGEST_VERSION})
        record_event(event_type=EventType.STAGE_PUBLISHED, instance=stage, pemda=stage.pemda_id, payload={})
    Stage.objects.filter(pk=stage.pk).update(status=StageStatus.PUBLISHED, frozen_at=frozen_at,
                                             published_at=published_at)
    info = frozen_info([stage.pk])[stage.pk]
    return {"lines": info.lines, "total": info.total, "digest": info.digest}


def budget_lines_digest(*, fiscal_year: FiscalYear) -> str:
    """SHA-256 over a fiscal year's lines by codes only (not primary keys), for determinism checks."""
    digest = hashlib.sha256()
    rows = (BudgetLine.objects.filter(fiscal_year=fiscal_year).order_by("line_key")
            .values_list("line_key", "organisation__kode", "sub_activity__kode", "account__kode", "price_item__kode",
                         "volume", "harga_satuan", "ppn_amount", "total", "sumber_dana__kode", "line_type"))
    for row in rows.iterator(chunk_size=5000):
        digest.update(("|".join("" if v is None else str(v) for v in row) + "\n").encode())
    return digest.hexdigest()


def apbd_identity(lines: Any) -> dict[str, Decimal]:
    """Pendapatan, belanja, surplus/defisit, pembiayaan and SiLPA of a queryset of BudgetLine or StageLine."""
    sums = {row["akun"]: row["s"] for row in lines.values("akun").annotate(s=Sum("total")).order_by()}
    pendapatan = sums.get("4") or Decimal(0)
    belanja = sums.get("5") or Decimal(0)
    account_field = "account__kode"
    penerimaan = lines.filter(akun="6", **{f"{account_field}__startswith": "6.1"}).aggregate(s=Sum("total"))["s"] or 0
    pengeluaran = lines.filter(akun="6", **{f"{account_field}__startswith": "6.2"}).aggregate(s=Sum("total"))["s"] or 0
    surplus = pendapatan - belanja
    netto = Decimal(penerimaan) - Decimal(pengeluaran)
    return {"pendapatan": pendapatan, "belanja": belanja, "surplus_defisit": surplus,
            "penerimaan_pembiayaan": Decimal(penerimaan), "pengeluaran_pembiayaan": Decimal(pengeluaran),
            "pembiayaan_netto": netto, "silpa": surplus + netto}


def _stage_identity(stage: Stage) -> dict[str, Decimal]:
    qs = StageLine.objects.filter(stage=stage)
    sums = {row["akun"]: row["s"] for row in qs.values("akun").annotate(s=Sum("total")).order_by()}
    financing = dict(Account.objects.filter(pk__in=qs.filter(akun="6").values("account_id"))
                     .values_list("pk", "kode"))
    penerimaan = pengeluaran = Decimal(0)
    for account_id, total in qs.filter(akun="6").values_list("account_id", "total"):
        if financing[account_id].startswith("6.1"):
            penerimaan += total
        else:
            pengeluaran += total
    pendapatan, belanja = sums.get("4") or Decimal(0), sums.get("5") or Decimal(0)
    surplus = pendapatan - belanja
    return {"pendapatan": pendapatan, "belanja": belanja, "surplus_defisit": surplus,
            "penerimaan_pembiayaan": penerimaan, "pengeluaran_pembiayaan": pengeluaran,
            "pembiayaan_netto": penerimaan - pengeluaran, "silpa": surplus + penerimaan - pengeluaran}


ANOMALY_TEXT = {
    "lem_aibon": ("Lem Aibon (DKI 2019): 37.500 orang × 12 bulan × Rp 184.000 di rekening ATK untuk sub kegiatan "
                  "BOS; harga di atas standar dan volume jauh di atas median",
                  (FlagRule.PRICE_ABOVE_CATALOGUE, FlagRule.VOLUME_OUTLIER)),
    "ups": ("UPS (DKI APBD-P 2014): sub kegiatan baru setelah KUA-PPAS tanpa rujukan RKPD/Renja, harga UPS 120 kVA "
            "jauh di atas standar", (FlagRule.NEW_AFTER_PPAS, FlagRule.PRICE_ABOVE_CATALOGUE)),
    "fills_ceiling": ("Total sub kegiatan tepat sama dengan pagunya", (FlagRule.FILLS_CEILING,)),
    "round_total": ("Baris dengan jumlah bulat mencurigakan", (FlagRule.ROUND_TOTAL,)),
}

# --- the next year: TA 2027 in preparation, its RKA input window open --------------------------------------------

NEXT_TAHUN = TAHUN + 1
RKA_WINDOW_DAYS = 30  # the RKA-SKPD window opens at midnight (WIB) of the load day and closes 30 days later, 16:00
RKA_REFRESH_DAYS = 7  # a later run pushes a window closing within this many days 30 days out again
NEXT_SUBS = 3  # sub-kegiatan of the demo operator's agency already in the RKA
NEXT_LINES_PER_SUB = 4
NEXT_CEILING_GROWTH = Decimal("1.05")  # agency ceilings: last year's belanja + 5 %, rounded up to Rp 1 juta
DEMO_OPERATOR = "operator.dinkes"


def _demo_operator(pemda: Pemda) -> Any:
    """The demo OPD operator (operator.dinkes), or the first active OPD operator of the pemda."""
    from terang.accounts.choices import Role
    from terang.accounts.models import Membership

    memberships = (Membership.objects.filter(pemda=pemda, role=Role.OPD_OPERATOR, is_active=True,
                                             organisation__isnull=False)
                   .select_related("user", "organisation").order_by("pk"))
    chosen = next((m for m in memberships if m.user.username == DEMO_OPERATOR), None) or memberships.first()
    return (chosen.user, chosen.organisation) if chosen else (None, None)


def _rka_window(now: datetime) -> tuple[datetime, datetime]:
    today = now.astimezone(WIB).date()
    opens = datetime(today.year, today.month, today.day, tzinfo=WIB)
    closes = opens + timedelta(days=RKA_WINDOW_DAYS, hours=16)
    return opens, closes


def _copy_catalogue(base: FiscalYear, fy: FiscalYear) -> int:
    """The standard price catalogue of TA 2027 (demo: last year's items and prices, same allowed accounts)."""
    items = list(PriceItem.objects.filter(fiscal_year=base).order_by("pk"))
    valid_from = datetime(NEXT_TAHUN - 1, 6, 1, tzinfo=WIB).date()
    rows = [PriceItem(fiscal_year=fy, pemda_id=fy.pemda_id, kind=i.kind, kode=i.kode, kode_kelompok=i.kode_kelompok,
                      nama_kelompok=i.nama_kelompok, nama=i.nama, spesifikasi=i.spesifikasi, satuan=i.satuan,
                      harga=i.harga, zone=i.zone, source_id=i.source_id, valid_from=valid_from, is_active=i.is_active)
            for i in items]
    PriceItem.objects.bulk_create(rows, batch_size=BATCH)
    new_pk = {old.pk: row.pk for old, row in zip(items, rows, strict=True)}
    through = PriceItem.allowed_accounts.through
    links = through.objects.filter(priceitem__fiscal_year=base).order_by("pk").values_list("priceitem_id",
                                                                                          "account_id")
    through.objects.bulk_create([through(priceitem_id=new_pk[item_id], account_id=account_id)
                                 for item_id, account_id in links], batch_size=BATCH)
    return len(rows)


def _next_year_ceilings(base: FiscalYear, fy: FiscalYear, actor: Any) -> int:
    """KUA-PPAS ceilings of TA 2027 per agency (bulk, like the 2026 ones; one domain event for all of them)."""
    totals = (BudgetLine.objects.filter(fiscal_year=base, akun="5").values_list("organisation_id")
              .annotate(s=Sum("total")).order_by("organisation_id"))
    rows = [Ceiling(fiscal_year=fy, pemda_id=fy.pemda_id, organisation_id=org_id,
                    amount=Decimal(math.ceil(total * NEXT_CEILING_GROWTH / 1_000_000) * 1_000_000))
            for org_id, total in totals]
    Ceiling.objects.bulk_create(rows, batch_size=BATCH)
    record_event(event_type=EventType.CEILING_SET, instance=fy, pemda=fy.pemda_id, actor=actor,
                 payload={"demo": True, "pagu": len(rows), "total": str(sum(r.amount for r in rows)),
                          "dasar": f"belanja TA {TAHUN} + 5 %", "keterangan": _demo_reason()})
    return len(rows)


def _demo_reason() -> str:
    return f"Nota Kesepakatan KUA dan PPAS TA {NEXT_TAHUN} (demo)"


def _next_year_rka(base: FiscalYear, fy: FiscalYear, *, operator: Any, organisation: Organisation,
                   seed: int) -> tuple[int, int]:
    """A few sub-kegiatan of the demo operator's agency with lines carried over from last year, entered by the
    operator through the line services (every rule checked: window, ceilings, catalogue price and account)."""
    from .lines import LineInput, line_create, sub_activity_create

    event = _import_event(base)
    planted = {row["line_key"] for row in (event.payload.get("anomalies", []) if event else []) if row["line_key"]}
    candidates: list[tuple[SubActivityBudget, list[BudgetLine]]] = []
    subs = (SubActivityBudget.objects.filter(fiscal_year=base, organisation=organisation)
            .select_related("sumber_dana").prefetch_related("lokasi").order_by("kode"))
    for sub in subs:
        lines = [ln for ln in BudgetLine.objects.filter(sub_activity=sub, line_type=LineType.ITEM,
                                                        price_item__isnull=False)
                 .select_related("account", "price_item", "sumber_dana").order_by("account__kode", "pk")
                 if str(ln.line_key) not in planted][:NEXT_LINES_PER_SUB]
        if len(lines) >= 2:
            candidates.append((sub, lines))
    rng = random.Random(f"terang-budget-demo-{NEXT_TAHUN}:{seed}")
    chosen = sorted(rng.sample(candidates, min(NEXT_SUBS, len(candidates))), key=lambda pair: pair[0].kode)
    items = {(i.kode, i.zone): i for i in PriceItem.objects.filter(fiscal_year=fy)}
    count = 0
    for old, lines in chosen:
        sub = sub_activity_create(
            actor=operator, fiscal_year=fy, organisation=organisation, kode=old.kode, target=old.target,
            satuan=old.satuan, bulan_mulai=old.bulan_mulai, bulan_selesai=old.bulan_selesai,
            sumber_dana=old.sumber_dana, planning_trace=old.planning_trace, lokasi=list(old.lokasi.all()))
        for line in lines:
            source = line.price_item
            if source is None:  # not reached: only priced lines were chosen
                continue
            line_create(actor=operator, sub_activity=sub, data=LineInput(
                account=line.account, price_item=items[(source.kode, source.zone)],
                uraian=line.uraian, spesifikasi=line.spesifikasi, vol1=line.vol1, sat1=line.sat1, vol2=line.vol2,
                sat2=line.sat2, vol3=line.vol3, sat3=line.sat3, vol4=line.vol4, sat4=line.sat4, satuan=line.satuan,
                harga_satuan=line.harga_satuan, ppn=line.ppn, sumber_dana=line.sumber_dana, kelompok=line.kelompok,
                keterangan=line.keterangan))
            count += 1
    return len(chosen), count


def _next_year_summary(fy: FiscalYear, *, created: bool, operator: Any, seconds: float) -> dict[str, Any]:
    stages = list(Stage.objects.filter(fiscal_year=fy).order_by("sequence"))
    rka = next((s for s in stages if s.kind == StageKind.RKA), None)
    return {
        "created": created, "fiscal_year": fy.pk, "tahun": fy.tahun,
        "stages": {s.nama: str(s.get_status_display()) for s in stages},
        "rka_opens_at": rka.opens_at.isoformat() if rka and rka.opens_at else None,
        "rka_closes_at": rka.closes_at.isoformat() if rka and rka.closes_at else None,
        "rka_open": bool(rka and rka.window_is_open()),
        "operator": getattr(operator, "username", ""),
        "standar_harga": PriceItem.objects.filter(fiscal_year=fy).count(),
        "pagu": Ceiling.objects.filter(fiscal_year=fy).count(),
        "sub_kegiatan": SubActivityBudget.objects.filter(fiscal_year=fy).count(),
        "rincian": BudgetLine.objects.filter(fiscal_year=fy).count(),
        "seconds": round(seconds, 1),
    }


def _keep_rka_window_open(fy: FiscalYear, actor: Any, now: datetime) -> None:
    """On a later run, reschedule an RKA window that closes within RKA_REFRESH_DAYS (before its deadline only:
    after it, only a reopening with a written reason helps, as in real life)."""
    from . import stages as stage_services

    rka = Stage.objects.filter(fiscal_year=fy, kind=StageKind.RKA, status=StageStatus.OPEN).first()
    if rka is None or actor is None or rka.closes_at is None:
        return
    if now < rka.closes_at < now + timedelta(days=RKA_REFRESH_DAYS):
        opens, closes = _rka_window(now)
        stage_services.stage_open(actor=actor, stage=rka, opens_at=min(opens, rka.opens_at or opens),
                                  closes_at=closes)


def next_year_demo_load(*, pemda: Pemda, base: FiscalYear, seed: int) -> dict[str, Any] | None:
    """TA 2027 for the demo: fiscal year with the default stages, the catalogue, agency ceilings, KUA-PPAS closed,
    frozen and published, RKA-SKPD open from today for 30 days, and a few sub-kegiatan with lines entered by the
    demo operator — so the line editor works right after `make demo`. Once per pemda (a later run only keeps the
    window from running out); None without the demo BPKAD officer and OPD operator (nobody to do it)."""
    from . import stages as stage_services

    started = time.perf_counter()
    actor = _stage_actor(pemda)
    operator, organisation = _demo_operator(pemda)
    if actor is None or operator is None:
        return None
    now = timezone.now()
    existing = FiscalYear.objects.filter(pemda=pemda, tahun=NEXT_TAHUN).first()
    if existing is not None:
        _keep_rka_window_open(existing, actor, now)
        return _next_year_summary(existing, created=False, operator=operator,
                                  seconds=time.perf_counter() - started)
    fy = stage_services.fiscal_year_create(actor=actor, pemda=pemda, tahun=NEXT_TAHUN,
                                           program_version=base.program_version,
                                           account_version=base.account_version)
    items = _copy_catalogue(base, fy)
    record_event(event_type=EventType.CATALOGUE_IMPORTED, instance=fy, pemda=pemda, actor=actor,
                 payload={"demo": True, "items": items, "sumber": f"standar harga TA {TAHUN} (demo)"})
    stages = {s.kind: s for s in Stage.objects.filter(fiscal_year=fy)}
    Stage.objects.filter(pk=stages[StageKind.KUA_PPAS].pk).update(legal_basis=_demo_reason())
    _next_year_ceilings(base, fy, actor)
    # KUA-PPAS: agreed (ceilings only, no lines yet), closed, frozen and published through the stage services,
    # then dated like the 2026 stages: two weeks of input ending three weeks ago, published two weeks ago
    kua = stage_services.stage_open(actor=actor, stage=stages[StageKind.KUA_PPAS], opens_at=now - timedelta(days=1),
                                    closes_at=now + timedelta(hours=1))
    kua = stage_services.stage_close_and_freeze(actor=actor, stage=kua)
    stage_services.stage_publish(actor=actor, stage=kua)
    Stage.objects.filter(pk=kua.pk).update(opens_at=now - timedelta(days=35), closes_at=now - timedelta(days=21),
                                           frozen_at=now - timedelta(days=21), published_at=now - timedelta(days=14))
    opens, closes = _rka_window(now)
    stage_services.stage_open(actor=actor, stage=stages[StageKind.RKA], opens_at=opens, closes_at=closes)
    _next_year_rka(base, fy, operator=operator, organisation=organisation, seed=seed)
    return _next_year_summary(fy, created=True, operator=operator, seconds=time.perf_counter() - started)


# --- entry point --------------------------------------------------------------------------------------------------


def _ensure_reference() -> RegulationVersion:
    version = version_by_kode(VERSION)
    if version is None or not ProgramCode.objects.filter(versions=version, tingkat="sub_kegiatan").exists():
        from terang.reference.loaders import load_all

        load_all()
        version = version_by_kode(VERSION)
    if version is None:
        raise RuntimeError(f"Versi nomenklatur {VERSION} tidak ditemukan setelah memuat data referensi.")
    return version


def _anomaly_rows(plan: Plan) -> list[dict[str, Any]]:
    rows = []
    for line in plan.lines:
        if not line.planted:
            continue
        sub = plan.subs[line.sub]  # type: ignore[index]
        text, rules = ANOMALY_TEXT[line.planted]
        if line.total >= 100_000_000 and line.total % 100_000_000 == 0 and FlagRule.ROUND_TOTAL not in rules:
            rules = (*rules, FlagRule.ROUND_TOTAL)  # 37.500 × 12 × Rp 184.000 = Rp 82,8 miliar is round as well
        rows.append({"kode": line.planted, "rules": [str(r) for r in rules], "keterangan": text,
                     "perangkat_daerah": plan.units[line.unit].label, "sub_kegiatan": sub.kode,
                     "line_key": str(line.key), "uraian": line.uraian, "total": str(line.total)})
    planted_sub = plan.subs[plan.roles["fills_ceiling"]]
    text, rules = ANOMALY_TEXT["fills_ceiling"]
    rows.append({"kode": "fills_ceiling", "rules": [str(r) for r in rules], "keterangan": text,
                 "perangkat_daerah": plan.units[planted_sub.unit].label, "sub_kegiatan": planted_sub.kode,
                 "line_key": "", "uraian": planted_sub.code.nama,
                 "total": str(plan.ceilings_sub[plan.roles["fills_ceiling"]])})
    order = {k: n for n, k in enumerate(PLANTED)}
    return sorted(rows, key=lambda r: order.get(r["kode"], 99))


def _summary_from_db(fy: FiscalYear, *, created: bool, seconds: float) -> dict[str, Any]:
    stages = list(Stage.objects.filter(fiscal_year=fy).order_by("sequence"))
    event = _import_event(fy)
    lines = BudgetLine.objects.filter(fiscal_year=fy)
    counts = {
        "standar_harga": PriceItem.objects.filter(fiscal_year=fy).count(),
        "perangkat_daerah": lines.values("organisation_id").distinct().count(),
        "sub_kegiatan": SubActivityBudget.objects.filter(fiscal_year=fy).count(),
        "rincian": lines.count(),
        "rincian_belum_dirinci": lines.filter(line_type=LineType.UNDETAILED).count(),
        "pagu": Ceiling.objects.filter(fiscal_year=fy).count(),
        "tahapan": {s.nama: StageLine.objects.filter(stage=s).count() for s in stages},
    }
    identity = {k: str(v) for k, v in apbd_identity(lines).items()}
    stage_identity = {s.nama: {k: str(v) for k, v in _stage_identity(s).items()} for s in stages}
    payload = event.payload if event is not None else {}
    return {"created": created, "fiscal_year": fy.pk, "tahun": fy.tahun, "scale": payload.get("scale", ""),
            "seed": payload.get("seed"), "counts": counts, "identity": identity, "stage_identity": stage_identity,
            "diff": payload.get("diff", {}), "anomalies": payload.get("anomalies", []), "flags": _flag_counts(fy),
            "seconds": round(seconds, 1)}


def _refresh_flags(fy: FiscalYear) -> None:
    """Run the red-flag rules once so the demo shows its flags (planted anomalies and 'belum dirinci' lines)."""
    try:
        from .flags import flags_refresh
    except ImportError:  # pragma: no cover - the flags service ships with the budgeting app
        return
    flags_refresh(fiscal_year=fy)


def _flag_counts(fy: FiscalYear) -> dict[str, int]:
    from ..models import RedFlag

    rows = RedFlag.objects.filter(fiscal_year=fy).values_list("rule").annotate(n=Count("pk")).order_by("rule")
    return dict(rows)


def _import_event(fy: FiscalYear) -> Any:
    """The domain event in which the demo import recorded its scale, seed, diff counts and planted anomalies."""
    from terang.audit.models import DomainEvent

    return (DomainEvent.objects.filter(event_type=EventType.RKA_IMPORTED, object_type="budgeting.fiscalyear",
                                       object_id=str(fy.pk)).order_by("-seq").first())


@transaction.atomic
def budget_demo_load(*, pemda: Pemda, scale: str = "small", seed: int = 2026) -> dict[str, Any]:
    """Generate the e-Budgeting demo for `pemda` (the Banyuwangi demo tenant) once; see the module docstring.

    Returns a summary: counts, the APBD identity (current lines and each stage), the diff between the stages and the
    planted anomalies with the red-flag rules that must find them.
    """
    started = time.perf_counter()
    if scale not in FIGURES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    existing = FiscalYear.objects.filter(pemda=pemda, tahun=TAHUN).first()
    if existing is not None:
        next_year = next_year_demo_load(pemda=pemda, base=existing, seed=seed)
        return {**_summary_from_db(existing, created=False, seconds=time.perf_counter() - started),
                "next_year": next_year}
    version = _ensure_reference()
    plan = plan_budget(pemda=pemda, scale=scale, seed=seed)
    rng = random.Random(f"terang-budget-demo-write:{scale}:{seed}")
    fy = FiscalYear.objects.create(pemda=pemda, tahun=TAHUN, program_version=version, account_version=version,
                                   status=FiscalYearStatus.EXECUTION, ppn_rate=PPN_RATE)
    writer = _Writer(plan, pemda, fy)
    writer.catalogue()
    record_event(event_type=EventType.CATALOGUE_IMPORTED, instance=fy, pemda=pemda,
                 payload={"demo": True, "items": len(plan.catalogue), "sumber": "katalog demo + SSH Kota Malang 2026"})
    writer.sub_activities(rng, pemda.region)
    writer.ceilings()
    kua = Stage.objects.create(fiscal_year=fy, pemda=pemda, kind=StageKind.KUA_PPAS, sequence=1, nama="KUA-PPAS",
                               opens_at=KUA_WINDOW[0], closes_at=KUA_WINDOW[1], status=StageStatus.OPEN,
                               legal_basis=f"Nota Kesepakatan KUA dan PPAS TA {TAHUN} (demo)")
    apbd = Stage.objects.create(fiscal_year=fy, pemda=pemda, kind=StageKind.APBD, sequence=2, nama="APBD murni",
                                opens_at=APBD_WINDOW[0], closes_at=APBD_WINDOW[1], status=StageStatus.PLANNED,
                                legal_basis=f"Peraturan Daerah tentang APBD TA {TAHUN} (demo)")

    # KUA-PPAS: the initial lines, "last edited" during its input window (one time per agency)
    def kua_time(line: LinePlan) -> datetime:
        return KUA_WINDOW[0] + timedelta(days=30, minutes=11 * line.unit)

    def apbd_time(line: LinePlan) -> datetime:
        return APBD_WINDOW[0] + timedelta(days=45, minutes=13 * line.unit)

    actor = _stage_actor(pemda)
    kua_lines = list(plan.kua_lines())
    writer.insert(kua_lines, kua_time)
    kua_frozen = _freeze_and_publish(kua, actor=actor, frozen_at=KUA_WINDOW[1], published_at=KUA_PUBLISHED)

    # APBD murni: changes, additions and removals after KUA-PPAS
    Stage.objects.filter(pk=apbd.pk).update(status=StageStatus.OPEN)
    writer.delete(plan.kua_only)
    changed = [plan.lines[i] for i in sorted(plan.kua_values)]
    by_time: dict[datetime, list[LinePlan]] = defaultdict(list)
    for line in changed:
        by_time[apbd_time(line)].append(line)
    for at, group in sorted(by_time.items()):
        writer.update(group, at)
    added = [plan.lines[i] for i in sorted(plan.added)]
    writer.insert(added, apbd_time)
    apbd_frozen = _freeze_and_publish(Stage.objects.get(pk=apbd.pk), actor=actor, frozen_at=APBD_WINDOW[1],
                                      published_at=APBD_PUBLISHED)
    removed = plan.kua_only
    _refresh_flags(fy)

    new_subs = [s.kode for s in plan.subs if s.new_in_apbd]
    payload = {
        "demo": True, "scale": scale, "seed": seed,
        "diff": {"changed": len(changed), "added": len(added), "removed": len(removed),
                 "new_sub_kegiatan": len(new_subs)},
        "stages": {"KUA-PPAS": kua_frozen, "APBD murni": apbd_frozen},
        "anomalies": _anomaly_rows(plan),
    }
    record_event(event_type=EventType.RKA_IMPORTED, instance=fy, pemda=pemda, payload=payload)
    next_year = next_year_demo_load(pemda=pemda, base=fy, seed=seed)
    return {**_summary_from_db(fy, created=True, seconds=time.perf_counter() - started), "next_year": next_year}
