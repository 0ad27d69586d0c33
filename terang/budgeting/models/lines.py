"""RKA: an agency's sub-kegiatan budgets and their line items (rincian), plus revenue and financing lines."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import LineType, SubActivityStatus


class SubActivityBudget(models.Model):
    """One sub-kegiatan in an agency's RKA: location, output indicator and target, months, default funding source.

    `kode` is the agency's code (the support program X.XX.01 expanded to the agency's bidang).
    """

    fiscal_year = models.ForeignKey("budgeting.FiscalYear", verbose_name=_("tahun anggaran"), on_delete=models.PROTECT,
                                    related_name="sub_activities")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("org.Organisation", verbose_name=_("perangkat daerah"), on_delete=models.PROTECT,
                                     related_name="sub_activity_budgets")
    sub_kegiatan = models.ForeignKey("reference.ProgramCode", verbose_name=_("sub kegiatan"), on_delete=models.PROTECT,
                                     related_name="+")
    kode = models.CharField(_("kode sub kegiatan"), max_length=40)
    nama = models.CharField(_("nama sub kegiatan"), max_length=500)
    lokasi = models.ManyToManyField("org.Region", verbose_name=_("lokasi"), blank=True, related_name="+")
    indikator = models.TextField(_("indikator keluaran"), blank=True)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2, null=True, blank=True)
    satuan = models.CharField(_("satuan"), max_length=100, blank=True)
    bulan_mulai = models.PositiveSmallIntegerField(_("bulan mulai"), default=1)
    bulan_selesai = models.PositiveSmallIntegerField(_("bulan selesai"), default=12)
    sumber_dana = models.ForeignKey("reference.SumberDana", verbose_name=_("sumber dana"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    planning_trace = models.CharField(
        _("rujukan RKPD/Renja"), max_length=255, blank=True,
        help_text=_("Rujukan ke RKPD/Renja atau usulan (Musrenbang/Pokir) asal sub kegiatan ini."),
    )
    status = models.CharField(_("status"), max_length=10, choices=SubActivityStatus.choices,
                              default=SubActivityStatus.DRAFT)
    version = models.PositiveIntegerField(_("versi"), default=1)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        ordering = ["fiscal_year", "organisation", "kode"]
        verbose_name = _("sub kegiatan RKA")
        verbose_name_plural = _("sub kegiatan RKA")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "organisation", "kode"],
                                    name="budgeting_subactivity_unique",
                                    violation_error_message=_("Sub kegiatan ini sudah ada di RKA perangkat daerah.")),
            models.CheckConstraint(
                condition=Q(bulan_mulai__gte=1, bulan_mulai__lte=12, bulan_selesai__gte=1, bulan_selesai__lte=12)
                & Q(bulan_selesai__gte=models.F("bulan_mulai")),
                name="budgeting_subactivity_months",
                violation_error_message=_("Bulan pelaksanaan harus 1–12 dan bulan selesai tidak sebelum bulan mulai."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama}"


class BudgetLine(models.Model):
    """One line of the budget: a catalogue item × volume under a postable account (belanja), or a revenue (akun 4)
    or financing (akun 6) line of an agency. `line_key` stays the same across stages so stages can be diffed."""

    line_key = models.UUIDField(_("kunci baris"), default=uuid.uuid4, unique=True, editable=False)
    # fiscal_year, pemda, created_by, updated_by: no database-level foreign key (ADR 0003) — the services set
    # them from rows they have just read and locked; the ORM still refuses to delete a parent (PROTECT)
    fiscal_year = models.ForeignKey("budgeting.FiscalYear", verbose_name=_("tahun anggaran"), on_delete=models.PROTECT,
                                    related_name="lines", db_index=False, db_constraint=False)
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+",
                              db_index=False, db_constraint=False)
    organisation = models.ForeignKey("org.Organisation", verbose_name=_("perangkat daerah"), on_delete=models.PROTECT,
                                     related_name="budget_lines", db_index=False)
    sub_activity = models.ForeignKey(SubActivityBudget, verbose_name=_("sub kegiatan"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="lines", db_index=False)
    account = models.ForeignKey("reference.Account", verbose_name=_("kode rekening"), on_delete=models.PROTECT,
                                related_name="+", db_index=False)
    akun = models.CharField(_("akun"), max_length=1, help_text=_("4 pendapatan, 5 belanja, 6 pembiayaan."))
    sumber_dana = models.ForeignKey("reference.SumberDana", verbose_name=_("sumber dana"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    kelompok = models.CharField(_("kelompok/paket [#]"), max_length=255, blank=True)
    keterangan = models.CharField(_("keterangan [-]"), max_length=255, blank=True)
    line_type = models.CharField(_("jenis baris"), max_length=14, choices=LineType.choices, default=LineType.ITEM)
    price_item = models.ForeignKey("budgeting.PriceItem", verbose_name=_("komponen standar harga"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="lines")
    uraian = models.CharField(_("uraian"), max_length=500)
    spesifikasi = models.TextField(_("spesifikasi"), blank=True)
    vol1 = models.DecimalField(_("volume 1"), max_digits=16, decimal_places=4, default=1)
    sat1 = models.CharField(_("satuan 1"), max_length=40, blank=True)
    vol2 = models.DecimalField(_("volume 2"), max_digits=16, decimal_places=4, null=True, blank=True)
    sat2 = models.CharField(_("satuan 2"), max_length=40, blank=True)
    vol3 = models.DecimalField(_("volume 3"), max_digits=16, decimal_places=4, null=True, blank=True)
    sat3 = models.CharField(_("satuan 3"), max_length=40, blank=True)
    vol4 = models.DecimalField(_("volume 4"), max_digits=16, decimal_places=4, null=True, blank=True)
    sat4 = models.CharField(_("satuan 4"), max_length=40, blank=True)
    volume = models.DecimalField(_("volume"), max_digits=24, decimal_places=4, default=1)
    satuan = models.CharField(_("satuan"), max_length=60, blank=True)
    harga_satuan = models.DecimalField(_("harga satuan"), max_digits=20, decimal_places=2)
    ppn = models.BooleanField(_("PPN"), default=False)
    ppn_amount = models.DecimalField(_("PPN (Rp)"), max_digits=20, decimal_places=2, default=0)
    total = models.DecimalField(_("jumlah"), max_digits=20, decimal_places=2)
    penerima = models.CharField(_("penerima (hibah/bansos)"), max_length=255, blank=True)
    version = models.PositiveIntegerField(_("versi"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True, db_index=False, db_constraint=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("terakhir diubah oleh"),
                                   on_delete=models.PROTECT, related_name="+", null=True, blank=True, db_index=False,
                                   db_constraint=False)
    updated_at = models.DateTimeField(_("terakhir diubah"), auto_now=True)

    # Indexes: only the five that queries use (pk, line_key, the two composites below, price_item). The
    # single-column indexes Django would add for every foreign key are switched off: each one costs every insert
    # (a 1,000,000-line import paid for 14 indexes) and the composites already lead with fiscal_year/sub_activity.
    class Meta:
        ordering = ["organisation", "sub_activity", "account", "pk"]
        verbose_name = _("rincian anggaran")
        verbose_name_plural = _("rincian anggaran")
        constraints = [
            models.CheckConstraint(condition=Q(akun__in=["4", "5", "6"]), name="budgeting_line_akun",
                                   violation_error_message=_("Akun harus 4, 5 atau 6.")),
            models.CheckConstraint(
                condition=~Q(akun="5") | Q(sub_activity__isnull=False),
                name="budgeting_line_belanja_needs_subactivity",
                violation_error_message=_("Belanja harus berada di bawah satu sub kegiatan."),
            ),
            models.CheckConstraint(condition=Q(harga_satuan__gte=0) & Q(total__gte=0) & Q(volume__gte=0),
                                   name="budgeting_line_nonneg",
                                   violation_error_message=_("Volume, harga dan jumlah tidak boleh negatif.")),
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "organisation", "akun"]),
            models.Index(fields=["sub_activity", "account"]),
        ]

    def __str__(self) -> str:
        return f"{self.uraian} ({self.total})"

    @property
    def koefisien(self) -> str:
        """'10 Orang x 2 Hari x 1 Kali' as printed in RKA documents."""
        from terang.core.money import format_number

        parts = []
        for vol, sat in ((self.vol1, self.sat1), (self.vol2, self.sat2), (self.vol3, self.sat3),
                         (self.vol4, self.sat4)):
            if vol is None:
                continue
            parts.append(f"{format_number(vol)} {sat}".strip())
        return " x ".join(parts)
