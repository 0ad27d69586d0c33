"""Tenants (pemda), the Kemendagri region tree, agencies (perangkat daerah) and the DPRD."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import OrganisationKind, PemdaKind, ProfileRequestStatus, RegionLevel


class Region(models.Model):
    """A wilayah with its Kemendagri code: provinsi 35 → kabupaten 35.10 → kecamatan 35.10.01 → desa 35.10.01.2001."""

    kode = models.CharField(_("kode Kemendagri"), max_length=20, unique=True)
    nama = models.CharField(_("nama"), max_length=200)
    level = models.CharField(_("tingkat"), max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    population = models.PositiveIntegerField(_("jumlah penduduk"), null=True, blank=True)
    population_male = models.PositiveIntegerField(_("penduduk laki-laki"), null=True, blank=True)
    population_female = models.PositiveIntegerField(_("penduduk perempuan"), null=True, blank=True)
    area_km2 = models.DecimalField(_("luas (km²)"), max_digits=12, decimal_places=3, null=True, blank=True)
    lat = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6, null=True, blank=True)
    source = models.CharField(_("sumber data"), max_length=200, blank=True)

    class Meta:
        ordering = ["kode"]
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        indexes = [models.Index(fields=["level", "kode"])]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama}"

    @property
    def is_village(self) -> bool:
        return self.level in (RegionLevel.DESA, RegionLevel.KELURAHAN)


class Pemda(models.Model):
    """A regional government (the tenant): every domain record belongs to exactly one pemda."""

    kode = models.CharField(_("kode"), max_length=10, unique=True)
    nama = models.CharField(_("nama"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("jenis"), max_length=12, choices=PemdaKind.choices)
    region = models.OneToOneField(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="pemda")
    is_active = models.BooleanField(_("aktif"), default=True)
    website = models.URLField(_("situs web"), blank=True)

    class Meta:
        ordering = ["kode"]
        verbose_name = _("pemerintah daerah")
        verbose_name_plural = _("pemerintah daerah")

    def __str__(self) -> str:
        return self.nama


class Organisation(models.Model):
    """A perangkat daerah (OPD/SKPD), a sub-unit (UPTD, puskesmas, kelurahan), a village government or the DPRD."""

    pemda = models.ForeignKey(Pemda, verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="organisations")
    kode = models.CharField(_("kode organisasi"), max_length=40)
    kode_generated = models.BooleanField(
        _("kode dibuat sistem"), default=False, help_text=_("Kode tidak ditemukan di sumber; dibuat dengan pola resmi.")
    )
    nama = models.CharField(_("nama"), max_length=255)
    singkatan = models.CharField(_("singkatan"), max_length=60, blank=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=OrganisationKind.choices)
    bidang_urusan = models.CharField(
        _("bidang urusan"), max_length=100, blank=True, help_text=_("Kode bidang urusan, dipisah ';' (utama dulu).")
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text=_("Untuk kecamatan dan pemerintah desa: wilayah yang dilayani."),
    )
    is_ppkd = models.BooleanField(
        _("PPKD/BUD"), default=False, help_text=_("Pejabat Pengelola Keuangan Daerah / Bendahara Umum Daerah.")
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    kepala_nama = models.CharField(_("nama kepala"), max_length=150, blank=True)
    kepala_nip = models.CharField(_("NIP kepala"), max_length=30, blank=True)
    alamat = models.CharField(_("alamat"), max_length=255, blank=True)
    telepon = models.CharField(_("telepon"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    source = models.CharField(_("sumber data"), max_length=500, blank=True)

    class Meta:
        ordering = ["pemda", "kode"]
        verbose_name = _("perangkat daerah")
        verbose_name_plural = _("perangkat daerah")
        constraints = [
            models.UniqueConstraint(
                fields=["pemda", "kode"],
                name="org_organisation_unique_kode",
                violation_error_message=_("Kode organisasi sudah dipakai di pemda ini."),
            ),
            models.UniqueConstraint(
                fields=["pemda"],
                condition=Q(is_ppkd=True),
                name="org_organisation_one_ppkd",
                violation_error_message=_("Satu pemda hanya punya satu PPKD."),
            ),
        ]

    def __str__(self) -> str:
        return self.singkatan or self.nama

    @property
    def main_bidang(self) -> str:
        return self.bidang_urusan.split(";")[0] if self.bidang_urusan else ""


class Fraksi(models.Model):
    """A DPRD fraction (party group)."""

    pemda = models.ForeignKey(Pemda, verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="fraksi")
    nama = models.CharField(_("nama"), max_length=150)
    singkatan = models.CharField(_("singkatan"), max_length=40, blank=True)

    class Meta:
        ordering = ["pemda", "nama"]
        verbose_name = _("fraksi DPRD")
        verbose_name_plural = _("fraksi DPRD")
        constraints = [models.UniqueConstraint(fields=["pemda", "nama"], name="org_fraksi_unique_nama")]

    def __str__(self) -> str:
        return self.nama


class DprdMember(models.Model):
    """A member (anggota) of the regional parliament, with fraction and electoral district (dapil)."""

    pemda = models.ForeignKey(Pemda, verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="dprd_members")
    nama = models.CharField(_("nama"), max_length=150)
    fraksi = models.ForeignKey(Fraksi, verbose_name=_("fraksi"), on_delete=models.PROTECT, related_name="members")
    dapil = models.CharField(_("daerah pemilihan"), max_length=100, blank=True)
    jabatan = models.CharField(_("jabatan"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akun pengguna"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dprd_member",
    )
    periode_mulai = models.PositiveSmallIntegerField(_("periode mulai"), default=2024)
    periode_selesai = models.PositiveSmallIntegerField(_("periode selesai"), default=2029)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ["pemda", "fraksi__nama", "nama"]
        verbose_name = _("anggota DPRD")
        verbose_name_plural = _("anggota DPRD")

    def __str__(self) -> str:
        return self.nama


class OrganisationProfileRequest(models.Model):
    """A request by an agency to change its public profile (head, address, contact), approved by the administrator.

    The small real document type that exercises the workflow engine.
    """

    pemda = models.ForeignKey(Pemda, verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("perangkat daerah"), on_delete=models.PROTECT, related_name="profile_requests"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProfileRequestStatus.choices, default=ProfileRequestStatus.DRAFT
    )
    changes = models.JSONField(_("perubahan yang diminta"), default=dict)
    alasan = models.TextField(_("alasan"), blank=True)
    catatan_verifikator = models.TextField(_("catatan verifikator"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    version = models.PositiveIntegerField(_("versi"), default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("permohonan perubahan profil")
        verbose_name_plural = _("permohonan perubahan profil")

    def __str__(self) -> str:
        return f"{self.organisation} #{self.pk}"
