"""KUA-PPAS ceilings (plafon) per agency, per sub-kegiatan and per funding source."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Ceiling(models.Model):
    """A ceiling that no save may push a total above.

    Scope: the agency alone (sub_kegiatan and sumber_dana empty), the agency's sub-kegiatan, or the agency's funding
    source. Totals are checked under a row lock on every ceiling the change touches.
    """

    fiscal_year = models.ForeignKey("budgeting.FiscalYear", verbose_name=_("tahun anggaran"), on_delete=models.PROTECT,
                                    related_name="ceilings")
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("org.Organisation", verbose_name=_("perangkat daerah"), on_delete=models.PROTECT,
                                     related_name="+")
    sub_kegiatan = models.ForeignKey("reference.ProgramCode", verbose_name=_("sub kegiatan"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    sumber_dana = models.ForeignKey("reference.SumberDana", verbose_name=_("sumber dana"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("pagu"), max_digits=20, decimal_places=2)
    version = models.PositiveIntegerField(_("versi"), default=1)

    class Meta:
        ordering = ["fiscal_year", "organisation"]
        verbose_name = _("pagu")
        verbose_name_plural = _("pagu")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "organisation"],
                condition=Q(sub_kegiatan__isnull=True, sumber_dana__isnull=True),
                name="budgeting_ceiling_unique_org",
                violation_error_message=_("Pagu perangkat daerah ini sudah ada."),
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "organisation", "sub_kegiatan"],
                condition=Q(sub_kegiatan__isnull=False),
                name="budgeting_ceiling_unique_subkeg",
                violation_error_message=_("Pagu sub kegiatan ini sudah ada."),
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "organisation", "sumber_dana"],
                condition=Q(sumber_dana__isnull=False),
                name="budgeting_ceiling_unique_sumber",
                violation_error_message=_("Pagu sumber dana ini sudah ada."),
            ),
            models.CheckConstraint(
                condition=~(Q(sub_kegiatan__isnull=False) & Q(sumber_dana__isnull=False)),
                name="budgeting_ceiling_one_scope",
                violation_error_message=_("Pagu berlaku untuk sub kegiatan atau sumber dana, tidak keduanya."),
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budgeting_ceiling_amount_nonneg",
                                   violation_error_message=_("Pagu tidak boleh negatif.")),
        ]

    def __str__(self) -> str:
        return f"Pagu {self.organisation} {self.amount}"
