from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionKind(models.TextChoices):
    REGULATION = "regulasi", _("Regulasi")  # a Permendagri / Kepmendagri and its annex
    UPDATE = "pemutakhiran", _("Pemutakhiran")  # a Kemendagri nomenclature export not (yet) enacted as a decree
    OBSERVED = "teramati", _("Teramati")  # codes seen in real budgets, not in a regulation text we hold


class UrusanLevel(models.TextChoices):
    URUSAN = "urusan", _("Urusan")  # 1 … 8, X
    BIDANG_URUSAN = "bidang_urusan", _("Bidang urusan")  # 1.01 Pendidikan … 8.01 Kesbangpol, X.XX


class ProgramLevel(models.TextChoices):
    URUSAN = "urusan", _("Urusan")  # U
    BIDANG_URUSAN = "bidang_urusan", _("Bidang urusan")  # U.BB
    PROGRAM = "program", _("Program")  # U.BB.PP
    KEGIATAN = "kegiatan", _("Kegiatan")  # U.BB.PP.K.KK (K = 2 for kabupaten/kota)
    SUB_KEGIATAN = "sub_kegiatan", _("Sub kegiatan")  # U.BB.PP.K.KK.SSSS — the level budgets are written at


class AccountLevel(models.TextChoices):
    AKUN = "akun", _("Akun")  # 4 Pendapatan, 5 Belanja, 6 Pembiayaan
    KELOMPOK = "kelompok", _("Kelompok")
    JENIS = "jenis", _("Jenis")
    OBJEK = "objek", _("Objek")
    RINCIAN_OBJEK = "rincian_objek", _("Rincian objek")
    SUB_RINCIAN_OBJEK = "sub_rincian_objek", _("Sub rincian objek")  # the only postable level


class SumberDanaLevel(models.TextChoices):
    SUMBER_DANA = "sumber_dana", _("Sumber dana")  # 1 dana umum, 2 dana yang ditentukan penggunaannya
    KELOMPOK = "kelompok", _("Kelompok")
    JENIS = "jenis", _("Jenis")
    OBJEK = "objek", _("Objek")
    RINCIAN_OBJEK = "rincian_objek", _("Rincian objek")
    SUB_RINCIAN_OBJEK = "sub_rincian_objek", _("Sub rincian objek")


class FungsiLevel(models.TextChoices):
    FUNGSI = "fungsi", _("Fungsi")  # 01 Pelayanan Umum … 09 Perlindungan Sosial
    SUBFUNGSI = "subfungsi", _("Sub fungsi")  # 01.01 Statistik …


class VillageActivityLevel(models.TextChoices):
    BIDANG = "bidang", _("Bidang")  # 01 Penyelenggaraan Pemerintahan Desa … 05 Penanggulangan Bencana
    SUB_BIDANG = "sub_bidang", _("Sub bidang")  # 01.01 …
    KEGIATAN = "kegiatan", _("Kegiatan")  # 01.01.01 … — the level APBDes spending is written at


class VillageAccountLevel(models.TextChoices):
    AKUN = "akun", _("Akun")  # 4 Pendapatan, 5 Belanja, 6 Pembiayaan (1-3 balance sheet, 7 non anggaran)
    KELOMPOK = "kelompok", _("Kelompok")  # 4.2 Pendapatan Transfer
    JENIS = "jenis", _("Jenis")  # 4.2.1 Dana Desa
    OBJEK = "objek", _("Objek")  # 4.2.1.01 (not shipped; objek 90-99 are local additions)


class SpmKind(models.TextChoices):
    SPM = "SPM", _("SPM")  # the sub-kegiatan serves a Standar Pelayanan Minimal
    NON_SPM = "NON-SPM", _("Non-SPM")


class ImportKind(models.TextChoices):
    PROGRAM = "program", _("Nomenklatur program, kegiatan, sub kegiatan")
    ACCOUNT = "account", _("Kode rekening")
