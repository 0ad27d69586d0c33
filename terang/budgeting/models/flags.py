"""Red flags raised automatically on budget lines and sub-kegiatan, listed for verifiers and published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import FlagRule, FlagStatus


class RedFlag(models.Model):
    """One finding of one rule on one line (or sub-kegiatan / agency). Dismissing needs a reason (audited)."""

    fiscal_year = models.ForeignKey("budgeting.FiscalYear", verbose_name=_("tahun anggaran"), on_delete=models.PROTECT,
                                    related_name="flags")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("org.Organisation", verbose_name=_("perangkat daerah"), on_delete=models.PROTECT,
                                     related_name="+")
    sub_activity = models.ForeignKey("budgeting.SubActivityBudget", verbose_name=_("sub kegiatan"), null=True,
                                     blank=True, on_delete=models.CASCADE, related_name="flags")
    line = models.ForeignKey("budgeting.BudgetLine", verbose_name=_("rincian"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="flags")
    line_key = models.UUIDField(_("kunci baris"), null=True, blank=True)
    rule = models.CharField(_("aturan"), max_length=24, choices=FlagRule.choices)
    severity = models.PositiveSmallIntegerField(_("tingkat"), default=2, help_text=_("1 info, 2 perhatian, 3 serius"))
    message = models.CharField(_("temuan"), max_length=500)
    details = models.JSONField(_("rincian temuan"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    dismissed_reason = models.TextField(_("alasan diabaikan"), blank=True)
    dismissed_at = models.DateTimeField(_("diabaikan"), null=True, blank=True)
    created_at = models.DateTimeField(_("ditemukan"), auto_now_add=True)

    class Meta:
        ordering = ["-severity", "organisation", "pk"]
        verbose_name = _("tanda bahaya")
        verbose_name_plural = _("tanda bahaya")
        constraints = [
            models.UniqueConstraint(fields=["line", "rule"], condition=Q(line__isnull=False),
                                    name="budgeting_flag_unique_line_rule"),
            models.UniqueConstraint(fields=["sub_activity", "rule"],
                                    condition=Q(line__isnull=True, sub_activity__isnull=False),
                                    name="budgeting_flag_unique_subactivity_rule"),
        ]
        indexes = [models.Index(fields=["fiscal_year", "status", "rule"])]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.message}"
