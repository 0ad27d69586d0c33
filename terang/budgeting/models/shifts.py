"""Pergeseran: documented shifts between lines during the year, with legal basis and approval level."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import ShiftLevel


class BudgetShift(models.Model):
    """One pergeseran document: which lines moved, why, on what legal basis, approved at which level."""

    stage = models.ForeignKey("budgeting.Stage", verbose_name=_("tahapan pergeseran"), on_delete=models.PROTECT,
                              related_name="shifts")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    nomor = models.CharField(_("nomor dokumen"), max_length=120)
    legal_basis = models.CharField(_("dasar hukum"), max_length=255)
    level = models.CharField(_("tingkat persetujuan"), max_length=8, choices=ShiftLevel.choices)
    reason = models.TextField(_("alasan"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(_("disetujui"), null=True, blank=True)

    class Meta:
        ordering = ["stage", "created_at"]
        verbose_name = _("pergeseran anggaran")
        verbose_name_plural = _("pergeseran anggaran")

    def __str__(self) -> str:
        return self.nomor


class ShiftLine(models.Model):
    """Before/after of one line inside a pergeseran."""

    shift = models.ForeignKey(BudgetShift, verbose_name=_("pergeseran"), on_delete=models.PROTECT,
                              related_name="lines")
    line_key = models.UUIDField(_("kunci baris"))
    before_total = models.DecimalField(_("sebelum"), max_digits=20, decimal_places=2)
    after_total = models.DecimalField(_("sesudah"), max_digits=20, decimal_places=2)
    before = models.JSONField(_("rincian sebelum"), default=dict)
    after = models.JSONField(_("rincian sesudah"), default=dict)

    class Meta:
        ordering = ["shift", "pk"]
        verbose_name = _("baris pergeseran")
        verbose_name_plural = _("baris pergeseran")

    def __str__(self) -> str:
        return f"{self.line_key}: {self.before_total} → {self.after_total}"
