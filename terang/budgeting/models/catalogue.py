"""The standard price catalogue (SSH, HSPK, ASB, SBU) of one fiscal year."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import CatalogueKind


class PriceItem(models.Model):
    """A standard item with its maximum unit price (excluding PPN) and the accounts it may be budgeted under."""

    fiscal_year = models.ForeignKey("budgeting.FiscalYear", verbose_name=_("tahun anggaran"), on_delete=models.PROTECT,
                                    related_name="price_items")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("jenis standar"), max_length=4, choices=CatalogueKind.choices)
    kode = models.CharField(_("kode barang"), max_length=60)
    kode_kelompok = models.CharField(_("kode kelompok barang"), max_length=40, blank=True)
    nama_kelompok = models.CharField(_("kelompok barang"), max_length=255, blank=True)
    nama = models.CharField(_("uraian"), max_length=500)
    spesifikasi = models.TextField(_("spesifikasi"), blank=True)
    satuan = models.CharField(_("satuan"), max_length=60)
    harga = models.DecimalField(_("harga satuan maksimum"), max_digits=20, decimal_places=2)
    zone = models.CharField(_("zona harga"), max_length=40, blank=True)
    source_id = models.CharField(_("ID sumber (SIPD)"), max_length=40, blank=True)
    valid_from = models.DateField(_("berlaku mulai"), null=True, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    allowed_accounts = models.ManyToManyField("reference.Account", verbose_name=_("rekening yang diizinkan"),
                                              related_name="price_items")
    version = models.PositiveIntegerField(_("versi"), default=1)

    class Meta:
        ordering = ["fiscal_year", "kode", "zone"]
        verbose_name = _("item standar harga")
        verbose_name_plural = _("standar harga")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "kode", "zone"],
                name="budgeting_priceitem_unique",
                violation_error_message=_("Kode barang sudah ada di standar harga tahun ini."),
            ),
            models.CheckConstraint(condition=Q(harga__gte=0), name="budgeting_priceitem_harga_nonneg",
                                   violation_error_message=_("Harga tidak boleh negatif.")),
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "kind", "nama"]),
        ]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama}"
