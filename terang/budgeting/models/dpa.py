"""DPA-SKPD and the cash plan (anggaran kas) per month, with quarter locks and Sekda overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONTH_FIELDS = tuple(f"m{month:02d}" for month in range(1, 13))


class Dpa(models.Model):
    """The executable budget document of one agency, taken from an approved stage."""

    fiscal_year = models.ForeignKey("budgeting.FiscalYear", verbose_name=_("tahun anggaran"), on_delete=models.PROTECT,
                                    related_name="dpa")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("org.Organisation", verbose_name=_("perangkat daerah"), on_delete=models.PROTECT,
                                     related_name="+")
    stage = models.ForeignKey("budgeting.Stage", verbose_name=_("tahapan sumber"), on_delete=models.PROTECT,
                              related_name="+")
    nomor = models.CharField(_("nomor DPA"), max_length=120)
    total = models.DecimalField(_("jumlah"), max_digits=20, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    approved_at = models.DateTimeField(_("disahkan"), null=True, blank=True)

    class Meta:
        ordering = ["fiscal_year", "organisation"]
        verbose_name = _("DPA-SKPD")
        verbose_name_plural = _("DPA-SKPD")
        constraints = [models.UniqueConstraint(fields=["stage", "organisation"], name="budgeting_dpa_unique")]

    def __str__(self) -> str:
        return self.nomor


class CashPlan(models.Model):
    """Anggaran kas of one sub-kegiatan × account: twelve monthly amounts that must add up to the total."""

    dpa = models.ForeignKey(Dpa, verbose_name=_("DPA"), on_delete=models.PROTECT, related_name="cash_plans")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    sub_activity = models.ForeignKey("budgeting.SubActivityBudget", verbose_name=_("sub kegiatan"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("reference.Account", verbose_name=_("rekening"), on_delete=models.PROTECT,
                                related_name="+")
    total = models.DecimalField(_("jumlah anggaran"), max_digits=20, decimal_places=2)
    m01 = models.DecimalField(_("Januari"), max_digits=20, decimal_places=2, default=0)
    m02 = models.DecimalField(_("Februari"), max_digits=20, decimal_places=2, default=0)
    m03 = models.DecimalField(_("Maret"), max_digits=20, decimal_places=2, default=0)
    m04 = models.DecimalField(_("April"), max_digits=20, decimal_places=2, default=0)
    m05 = models.DecimalField(_("Mei"), max_digits=20, decimal_places=2, default=0)
    m06 = models.DecimalField(_("Juni"), max_digits=20, decimal_places=2, default=0)
    m07 = models.DecimalField(_("Juli"), max_digits=20, decimal_places=2, default=0)
    m08 = models.DecimalField(_("Agustus"), max_digits=20, decimal_places=2, default=0)
    m09 = models.DecimalField(_("September"), max_digits=20, decimal_places=2, default=0)
    m10 = models.DecimalField(_("Oktober"), max_digits=20, decimal_places=2, default=0)
    m11 = models.DecimalField(_("November"), max_digits=20, decimal_places=2, default=0)
    m12 = models.DecimalField(_("Desember"), max_digits=20, decimal_places=2, default=0)
    version = models.PositiveIntegerField(_("versi"), default=1)

    class Meta:
        ordering = ["dpa", "sub_activity", "account"]
        verbose_name = _("anggaran kas")
        verbose_name_plural = _("anggaran kas")
        constraints = [
            models.UniqueConstraint(fields=["dpa", "sub_activity", "account"], name="budgeting_cashplan_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dpa_id}:{self.sub_activity_id}:{self.account_id}"

    @property
    def months(self) -> list:
        return [getattr(self, name) for name in MONTH_FIELDS]


class QuarterOverride(models.Model):
    """Permission by the Sekda to use money planned for a past (locked) quarter, with the reason (audited)."""

    cash_plan = models.ForeignKey(CashPlan, verbose_name=_("anggaran kas"), on_delete=models.PROTECT,
                                  related_name="overrides")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    quarter = models.PositiveSmallIntegerField(_("triwulan"))
    reason = models.TextField(_("alasan"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("disetujui"), auto_now_add=True)

    class Meta:
        ordering = ["-approved_at"]
        verbose_name = _("izin triwulan terkunci")
        verbose_name_plural = _("izin triwulan terkunci")

    def __str__(self) -> str:
        return f"TW{self.quarter} {self.cash_plan_id}"
