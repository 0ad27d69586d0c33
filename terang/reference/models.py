"""National code lists, versioned by regulation.

Reference codes are national (not per pemda). A code is stored once, in its canonical form (see `codes.py`), and
linked to every regulation version that contains it; a fiscal year points at one version, so old years keep the
codes they were budgeted with.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    AccountLevel,
    FungsiLevel,
    ProgramLevel,
    SpmKind,
    SumberDanaLevel,
    UrusanLevel,
    VersionKind,
    VillageAccountLevel,
    VillageActivityLevel,
)


class RegulationVersion(models.Model):
    """One regulation (or nomenclature release) that defines codes, e.g. Kepmendagri 900.1.15.5-1317/2023."""

    kode = models.CharField(_("kode"), max_length=60, unique=True)
    nama = models.CharField(_("nama"), max_length=300)
    singkatan = models.CharField(_("nama singkat"), max_length=100, blank=True)
    jenis = models.CharField(_("jenis"), max_length=20, choices=VersionKind.choices, default=VersionKind.REGULATION)
    tanggal = models.DateField(_("tanggal penetapan"), null=True, blank=True)
    keterangan = models.TextField(_("keterangan"), blank=True)
    amends = models.ForeignKey(
        "self",
        verbose_name=_("mengubah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amended_by",
        help_text=_("Versi sebelumnya yang dimutakhirkan oleh versi ini."),
    )

    class Meta:
        ordering = [F("tanggal").asc(nulls_last=True), "kode"]
        verbose_name = _("versi regulasi")
        verbose_name_plural = _("versi regulasi")

    def __str__(self) -> str:
        return self.singkatan or self.kode

    def lineage(self) -> list[RegulationVersion]:
        """This version followed by the versions it amends, newest first (for cumulative lists such as accounts)."""
        chain: list[RegulationVersion] = []
        node: RegulationVersion | None = self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.amends
        return chain


class ReferenceCode(models.Model):
    """Fields shared by every code list: canonical kode, level, parent, name, note."""

    kode = models.CharField(_("kode"), max_length=40, unique=True)
    level = models.PositiveSmallIntegerField(_("level"))
    nama = models.CharField(_("nama"), max_length=500)
    keterangan = models.TextField(_("keterangan"), blank=True)

    class Meta:
        abstract = True
        ordering = ["kode"]
        indexes = [
            # prefix search (`kode LIKE '5.1.02%'`) on PostgreSQL with a non-C collation
            models.Index(fields=["kode"], name="ref_%(class)s_kode", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "kode"], name="ref_%(class)s_lvl"),
        ]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama}"


class Urusan(ReferenceCode):
    """An urusan (1-8, X) or bidang urusan (1.01 Pendidikan … 8.01 Kesbangpol) for kabupaten/kota."""

    tingkat = models.CharField(_("tingkat"), max_length=20, choices=UrusanLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sumber_data = models.CharField(
        _("sumber data"), max_length=10, blank=True, help_text=_("Huruf sumber pada berkas data (A, B, C, D).")
    )
    versions = models.ManyToManyField(RegulationVersion, verbose_name=_("versi"), related_name="urusan_codes")

    class Meta(ReferenceCode.Meta):
        verbose_name = _("urusan / bidang urusan")
        verbose_name_plural = _("urusan / bidang urusan")


class ProgramCode(ReferenceCode):
    """A node of the program nomenclature: urusan → bidang → program → kegiatan → sub-kegiatan (with metadata)."""

    tingkat = models.CharField(_("tingkat"), max_length=20, choices=ProgramLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kinerja = models.TextField(_("kinerja"), blank=True, help_text=_("Keluaran sub kegiatan."))
    indikator = models.TextField(_("indikator"), blank=True)
    satuan = models.CharField(_("satuan"), max_length=100, blank=True)
    spm = models.CharField(_("SPM"), max_length=10, choices=SpmKind.choices, blank=True)
    jenis = models.CharField(_("jenis"), max_length=30, blank=True, help_text=_("Layanan atau Aktifitas."))
    versions = models.ManyToManyField(RegulationVersion, verbose_name=_("versi"), related_name="program_codes")

    class Meta(ReferenceCode.Meta):
        verbose_name = _("kode program/kegiatan/sub kegiatan")
        verbose_name_plural = _("nomenklatur program, kegiatan, sub kegiatan")
        indexes = [
            *ReferenceCode.Meta.indexes,
            models.Index(fields=["tingkat", "kode"], name="ref_programcode_tingkat"),
        ]

    @property
    def is_sub_kegiatan(self) -> bool:
        return self.tingkat == ProgramLevel.SUB_KEGIATAN

    @property
    def is_support(self) -> bool:
        """Part of the `X.XX.01` support program every agency instantiates under its own bidang."""
        return self.kode.startswith("X")


class Account(ReferenceCode):
    """A kode rekening of the regional chart of accounts (LRA, six levels); only level 6 is postable."""

    tingkat = models.CharField(_("tingkat"), max_length=20, choices=AccountLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_postable = models.BooleanField(_("dapat dianggarkan"), default=False)
    versions = models.ManyToManyField(RegulationVersion, verbose_name=_("versi"), related_name="accounts")

    class Meta(ReferenceCode.Meta):
        verbose_name = _("kode rekening")
        verbose_name_plural = _("kode rekening")
        indexes = [
            *ReferenceCode.Meta.indexes,
            models.Index(fields=["is_postable", "kode"], name="ref_account_postable"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=6)
                & (Q(is_postable=True, level=6) | Q(is_postable=False, level__lt=6)),
                name="account_postable_is_level_6",
                violation_error_message=_("Hanya kode rekening tingkat 6 (sub rincian objek) yang dapat dianggarkan."),
            )
        ]


class Fungsi(ReferenceCode):
    """A government function (fungsi, 01-09) or sub-function (sub fungsi) of Permendagri 90/2019."""

    tingkat = models.CharField(_("tingkat"), max_length=20, choices=FungsiLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    versions = models.ManyToManyField(RegulationVersion, verbose_name=_("versi"), related_name="fungsi_codes")

    class Meta(ReferenceCode.Meta):
        verbose_name = _("fungsi / sub fungsi")
        verbose_name_plural = _("fungsi / sub fungsi")


class SumberDana(ReferenceCode):
    """A funding source (sumber dana, Lampiran H) that every belanja line carries."""

    tingkat = models.CharField(_("tingkat"), max_length=20, choices=SumberDanaLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    versions = models.ManyToManyField(RegulationVersion, verbose_name=_("versi"), related_name="sumber_dana_codes")

    class Meta(ReferenceCode.Meta):
        verbose_name = _("sumber dana")
        verbose_name_plural = _("sumber dana")


class VillageActivity(ReferenceCode):
    """Village spending classification (Permendagri 20/2018): bidang → sub-bidang → kegiatan."""

    tingkat = models.CharField(_("tingkat"), max_length=20, choices=VillageActivityLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_regional_addition = models.BooleanField(
        _("tambahan daerah"), default=False, help_text=_("Kode 90-99: tambahan Siskeudes/daerah, bukan kode nasional.")
    )
    is_detailable = models.BooleanField(
        _("dapat dirinci daerah"), default=False, help_text=_("Bertanda ** pada sumber: uraiannya dapat dirinci.")
    )
    versions = models.ManyToManyField(RegulationVersion, verbose_name=_("versi"), related_name="village_activities")

    class Meta(ReferenceCode.Meta):
        verbose_name = _("kegiatan desa")
        verbose_name_plural = _("bidang, sub bidang dan kegiatan desa")


class VillageAccount(ReferenceCode):
    """A village account (kode rekening desa, Permendagri 20/2018): akun → kelompok → jenis."""

    tingkat = models.CharField(_("tingkat"), max_length=20, choices=VillageAccountLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    versions = models.ManyToManyField(RegulationVersion, verbose_name=_("versi"), related_name="village_accounts")

    class Meta(ReferenceCode.Meta):
        verbose_name = _("kode rekening desa")
        verbose_name_plural = _("kode rekening desa")
