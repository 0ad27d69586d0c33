"""The catalogue of code lists: one entry per list, shared by the pages, the API and the selectors."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import codes
from .choices import (
    AccountLevel,
    FungsiLevel,
    ProgramLevel,
    SumberDanaLevel,
    UrusanLevel,
    VillageAccountLevel,
    VillageActivityLevel,
)
from .models import Account, Fungsi, ProgramCode, ReferenceCode, SumberDana, Urusan, VillageAccount, VillageActivity


@dataclass(frozen=True)
class CodeList:
    """One national code list: its URL slug, model, code scheme, level names and labels."""

    slug: str
    model: type[ReferenceCode]
    scheme: codes.CodeScheme
    levels: type[models.TextChoices]
    title: str | Promise
    description: str | Promise

    @property
    def max_level(self) -> int:
        return len(self.levels.choices)

    def normalize(self, kode: object) -> str:
        return codes.normalize(kode, self.scheme)

    def level_label(self, tingkat: str) -> str:
        return str(dict(self.levels.choices).get(tingkat, tingkat))


CODE_LISTS: dict[str, CodeList] = {
    cl.slug: cl
    for cl in (
        CodeList(
            "urusan",
            Urusan,
            codes.URUSAN,
            UrusanLevel,
            _("Urusan dan bidang urusan"),
            _(
                "Urusan pemerintahan dan bidang urusan kabupaten/kota (1.01 Pendidikan … 8.01 Kesatuan Bangsa dan "
                "Politik)."
            ),
        ),
        CodeList(
            "program",
            ProgramCode,
            codes.PROGRAM,
            ProgramLevel,
            _("Program, kegiatan dan sub kegiatan"),
            _(
                "Nomenklatur kabupaten/kota: urusan, bidang urusan, program, kegiatan, sub kegiatan beserta kinerja, "
                "indikator dan satuan."
            ),
        ),
        CodeList(
            "rekening",
            Account,
            codes.ACCOUNT,
            AccountLevel,
            _("Kode rekening APBD"),
            _(
                "Akun pendapatan, belanja dan pembiayaan daerah dalam enam tingkat; hanya sub rincian objek yang dapat "
                "dianggarkan."
            ),
        ),
        CodeList(
            "fungsi",
            Fungsi,
            codes.FUNGSI,
            FungsiLevel,
            _("Fungsi dan sub fungsi"),
            _("Klasifikasi fungsi pemerintahan menurut Permendagri 90/2019."),
        ),
        CodeList(
            "sumber-dana",
            SumberDana,
            codes.SUMBER_DANA,
            SumberDanaLevel,
            _("Sumber dana"),
            _("Klasifikasi sumber dana yang melekat pada setiap belanja."),
        ),
        CodeList(
            "desa-kegiatan",
            VillageActivity,
            codes.VILLAGE_ACTIVITY,
            VillageActivityLevel,
            _("Bidang dan kegiatan desa"),
            _("Bidang, sub bidang dan kegiatan belanja desa menurut Permendagri 20/2018."),
        ),
        CodeList(
            "desa-rekening",
            VillageAccount,
            codes.VILLAGE_ACCOUNT,
            VillageAccountLevel,
            _("Kode rekening desa"),
            _("Akun, kelompok dan jenis rekening APBDes menurut Permendagri 20/2018."),
        ),
    )
}
