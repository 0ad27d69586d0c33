"""TAPD verification comments per sub-kegiatan or per line, with the agency's response."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationComment(models.Model):
    """A verifier's note on a sub-kegiatan (or one of its lines) and the agency's answer."""

    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    sub_activity = models.ForeignKey("budgeting.SubActivityBudget", verbose_name=_("sub kegiatan"),
                                     on_delete=models.PROTECT, related_name="comments")
    line = models.ForeignKey("budgeting.BudgetLine", verbose_name=_("rincian"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="comments")
    line_key = models.UUIDField(_("kunci baris"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verifikator"), on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField(_("catatan verifikasi"))
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    response = models.TextField(_("tanggapan perangkat daerah"), blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    responded_at = models.DateTimeField(_("ditanggapi"), null=True, blank=True)
    resolved = models.BooleanField(_("selesai"), default=False)

    class Meta:
        ordering = ["sub_activity", "created_at"]
        verbose_name = _("catatan verifikasi")
        verbose_name_plural = _("catatan verifikasi")

    def __str__(self) -> str:
        return f"{self.sub_activity_id}: {self.body[:40]}"
