"""Frozen stages: an immutable copy of every line at the moment a stage closed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StageLine(models.Model):
    """A line as it stood when its stage was frozen. Written once (bulk INSERT … SELECT), never updated."""

    stage = models.ForeignKey("budgeting.Stage", verbose_name=_("tahapan"), on_delete=models.PROTECT,
                              related_name="frozen_lines")
    line_key = models.UUIDField(_("kunci baris"))
    line_id = models.BigIntegerField(_("id baris"), null=True)
    pemda_id = models.BigIntegerField(_("pemda"))
    organisation_id = models.BigIntegerField(_("perangkat daerah"))
    sub_activity_id = models.BigIntegerField(_("sub kegiatan"), null=True)
    sub_kegiatan_kode = models.CharField(_("kode sub kegiatan"), max_length=40, blank=True)
    account_id = models.BigIntegerField(_("rekening"))
    akun = models.CharField(_("akun"), max_length=1)
    sumber_dana_id = models.BigIntegerField(_("sumber dana"), null=True)
    kelompok = models.CharField(_("kelompok"), max_length=255, blank=True)
    keterangan = models.CharField(_("keterangan"), max_length=255, blank=True)
    line_type = models.CharField(_("jenis baris"), max_length=14)
    price_item_id = models.BigIntegerField(_("komponen"), null=True)
    uraian = models.CharField(_("uraian"), max_length=500)
    spesifikasi = models.TextField(_("spesifikasi"), blank=True)
    volume = models.DecimalField(_("volume"), max_digits=24, decimal_places=4)
    satuan = models.CharField(_("satuan"), max_length=60, blank=True)
    harga_satuan = models.DecimalField(_("harga satuan"), max_digits=20, decimal_places=2)
    ppn_amount = models.DecimalField(_("PPN"), max_digits=20, decimal_places=2)
    total = models.DecimalField(_("jumlah"), max_digits=20, decimal_places=2)
    updated_by_id = models.BigIntegerField(_("terakhir diubah oleh"), null=True)
    updated_at = models.DateTimeField(_("terakhir diubah"), null=True)

    class Meta:
        ordering = ["stage", "organisation_id", "sub_kegiatan_kode", "pk"]
        verbose_name = _("baris tahapan beku")
        verbose_name_plural = _("baris tahapan beku")
        constraints = [models.UniqueConstraint(fields=["stage", "line_key"], name="budgeting_stageline_unique")]
        indexes = [models.Index(fields=["stage", "organisation_id", "akun"])]

    def __str__(self) -> str:
        return f"{self.stage_id}:{self.line_key}"
