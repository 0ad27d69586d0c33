"""Fiscal years and their stages (tahapan) with input windows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import FiscalYearStatus, StageKind, StageStatus


class FiscalYear(models.Model):
    """A budget year of one pemda; it points at one nomenclature version and one chart-of-accounts version."""

    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    tahun = models.PositiveSmallIntegerField(_("tahun anggaran"))
    program_version = models.ForeignKey(
        "reference.RegulationVersion", verbose_name=_("versi nomenklatur"), on_delete=models.PROTECT, related_name="+"
    )
    account_version = models.ForeignKey(
        "reference.RegulationVersion", verbose_name=_("versi kode rekening"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=FiscalYearStatus.choices, default=FiscalYearStatus.PREPARATION
    )
    ppn_rate = models.DecimalField(_("tarif PPN"), max_digits=5, decimal_places=4, default="0.11")
    increase_flag_percent = models.DecimalField(
        _("batas kenaikan setelah KUA-PPAS (%)"), max_digits=6, decimal_places=2, default="20"
    )
    volume_flag_ratio = models.DecimalField(
        _("batas volume terhadap median (kali)"), max_digits=8, decimal_places=2, default="5"
    )
    quarter_locks = models.BooleanField(
        _("kunci triwulan"), default=False, help_text=_("Anggaran kas triwulan yang lewat terkunci tanpa izin Sekda.")
    )

    class Meta:
        ordering = ["pemda", "-tahun"]
        verbose_name = _("tahun anggaran")
        verbose_name_plural = _("tahun anggaran")
        constraints = [
            models.UniqueConstraint(
                fields=["pemda", "tahun"],
                name="budgeting_fiscalyear_unique",
                violation_error_message=_("Tahun anggaran ini sudah ada untuk pemda ini."),
            )
        ]

    def __str__(self) -> str:
        return f"TA {self.tahun}"


class Stage(models.Model):
    """One stage of the budget year (KUA-PPAS, RKA, APBD murni, pergeseran n, APBD-P) with its input window.

    Closing a stage freezes a snapshot of every line (`StageLine`); a published stage is public forever.
    """

    fiscal_year = models.ForeignKey(FiscalYear, verbose_name=_("tahun anggaran"), on_delete=models.PROTECT,
                                    related_name="stages")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("jenis tahapan"), max_length=12, choices=StageKind.choices)
    number = models.PositiveSmallIntegerField(_("nomor"), default=1, help_text=_("Urutan pergeseran (1, 2, …)."))
    sequence = models.PositiveSmallIntegerField(_("urutan"), help_text=_("Urutan tahapan dalam tahun anggaran."))
    nama = models.CharField(_("nama"), max_length=120)
    opens_at = models.DateTimeField(_("dibuka"), null=True, blank=True)
    closes_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=StageStatus.choices, default=StageStatus.PLANNED)
    frozen_at = models.DateTimeField(_("dibekukan"), null=True, blank=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    published_at = models.DateTimeField(_("dipublikasikan"), null=True, blank=True)
    legal_basis = models.CharField(_("dasar hukum"), max_length=255, blank=True)
    version = models.PositiveIntegerField(_("versi"), default=1)

    class Meta:
        ordering = ["fiscal_year", "sequence"]
        verbose_name = _("tahapan")
        verbose_name_plural = _("tahapan")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "kind", "number"], name="budgeting_stage_unique_kind"),
            models.UniqueConstraint(fields=["fiscal_year", "sequence"], name="budgeting_stage_unique_sequence"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="budgeting_stage_window_order",
                violation_error_message=_("Waktu tutup harus setelah waktu buka."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nama} TA {self.fiscal_year.tahun}" if self.fiscal_year_id else self.nama

    def window_is_open(self, at: object = None) -> bool:
        """True when input is allowed now: status open and inside [opens_at, closes_at)."""
        now = at or timezone.now()
        if self.status != StageStatus.OPEN:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)

    @property
    def is_public(self) -> bool:
        return self.status == StageStatus.PUBLISHED


class StageReopening(models.Model):
    """An audited reopening of a closed input window by an authorised role, with its written reason (public)."""

    stage = models.ForeignKey(Stage, verbose_name=_("tahapan"), on_delete=models.PROTECT, related_name="reopenings")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("org.Organisation", verbose_name=_("perangkat daerah"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     help_text=_("Kosong: dibuka untuk semua perangkat daerah."))
    reason = models.TextField(_("alasan"))
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(_("dibuka kembali"), auto_now_add=True)
    until = models.DateTimeField(_("sampai"))

    class Meta:
        ordering = ["-reopened_at"]
        verbose_name = _("pembukaan kembali tahapan")
        verbose_name_plural = _("pembukaan kembali tahapan")

    def __str__(self) -> str:
        return f"{self.stage} → {self.until:%Y-%m-%d %H:%M}"
