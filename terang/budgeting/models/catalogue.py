"""The standard price catalogue (SSH, HSPK, ASB, SBU) of one fiscal year."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import CatalogueKind, ProposalKind, ProposalStatus


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


class PriceProposal(models.Model):
    """An agency's proposal to add an item, change a price or allow an account, with evidence; approved by the
    administrator and then TAPD, applied from a stated date (usulan SSH)."""

    fiscal_year = models.ForeignKey("budgeting.FiscalYear", verbose_name=_("tahun anggaran"), on_delete=models.PROTECT,
                                    related_name="price_proposals")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("org.Organisation", verbose_name=_("perangkat daerah pengusul"),
                                     on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("jenis usulan"), max_length=12, choices=ProposalKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=ProposalStatus.choices,
                              default=ProposalStatus.DRAFT)
    item = models.ForeignKey(PriceItem, verbose_name=_("komponen"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="proposals")
    catalogue_kind = models.CharField(_("jenis standar"), max_length=4, choices=CatalogueKind.choices, blank=True)
    kode = models.CharField(_("kode barang"), max_length=60, blank=True)
    kode_kelompok = models.CharField(_("kode kelompok barang"), max_length=40, blank=True)
    nama = models.CharField(_("uraian"), max_length=500, blank=True)
    spesifikasi = models.TextField(_("spesifikasi"), blank=True)
    satuan = models.CharField(_("satuan"), max_length=60, blank=True)
    harga = models.DecimalField(_("harga usulan"), max_digits=20, decimal_places=2, null=True, blank=True)
    accounts = models.ManyToManyField("reference.Account", verbose_name=_("rekening"), blank=True, related_name="+")
    alasan = models.TextField(_("alasan dan dasar harga"))
    effective_from = models.DateField(_("berlaku mulai"), null=True, blank=True)
    admin_note = models.TextField(_("catatan administrator"), blank=True)
    tapd_note = models.TextField(_("catatan TAPD"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    applied_at = models.DateTimeField(_("diterapkan"), null=True, blank=True)
    version = models.PositiveIntegerField(_("versi"), default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("usulan standar harga")
        verbose_name_plural = _("usulan standar harga")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.nama or self.item}"


class PriceProposalEvidence(models.Model):
    """A supporting file of a proposal (price survey, quotation, photo)."""

    proposal = models.ForeignKey(PriceProposal, verbose_name=_("usulan"), on_delete=models.CASCADE,
                                 related_name="evidence")
    file = models.FileField(_("berkas"), upload_to="standar-harga/usulan/%Y/")
    description = models.CharField(_("keterangan"), max_length=255, blank=True)
    sha256 = models.CharField(_("sidik SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("diunggah"), auto_now_add=True)

    class Meta:
        ordering = ["proposal", "pk"]
        verbose_name = _("bukti usulan")
        verbose_name_plural = _("bukti usulan")

    def __str__(self) -> str:
        return self.description or self.file.name


class PriceChange(models.Model):
    """A scheduled or applied change of a catalogue item (price or allowed accounts) from a date; audited."""

    item = models.ForeignKey(PriceItem, verbose_name=_("komponen"), on_delete=models.PROTECT, related_name="changes")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    proposal = models.ForeignKey(PriceProposal, verbose_name=_("usulan"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="changes")
    old_harga = models.DecimalField(_("harga lama"), max_digits=20, decimal_places=2, null=True, blank=True)
    new_harga = models.DecimalField(_("harga baru"), max_digits=20, decimal_places=2, null=True, blank=True)
    added_accounts = models.ManyToManyField("reference.Account", verbose_name=_("rekening ditambahkan"), blank=True,
                                            related_name="+")
    effective_from = models.DateField(_("berlaku mulai"))
    applied = models.BooleanField(_("sudah diterapkan"), default=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        ordering = ["item", "effective_from"]
        verbose_name = _("perubahan standar harga")
        verbose_name_plural = _("perubahan standar harga")

    def __str__(self) -> str:
        return f"{self.item_id} {self.old_harga} → {self.new_harga} ({self.effective_from})"
