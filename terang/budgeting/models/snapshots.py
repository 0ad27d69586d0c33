"""Frozen stages: an immutable copy of every line at the moment a stage closed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StageLine(models.Model):
    """A line as it stood when its stage was frozen. Written once (bulk INSERT … SELECT), never updated."""

    # no single-column index: the summary index and the (stage, line_key) unique index both lead with the stage
    stage = models.ForeignKey("budgeting.Stage", verbose_name=_("tahapan"), on_delete=models.PROTECT,
                              related_name="frozen_lines", db_index=False)
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
    # the koefisien as entered ("10 Orang x 2 Hari"); null on stages frozen before these columns existed
    vol1 = models.DecimalField(_("volume 1"), max_digits=16, decimal_places=4, null=True)
    sat1 = models.CharField(_("satuan 1"), max_length=40, blank=True)
    vol2 = models.DecimalField(_("volume 2"), max_digits=16, decimal_places=4, null=True)
    sat2 = models.CharField(_("satuan 2"), max_length=40, blank=True)
    vol3 = models.DecimalField(_("volume 3"), max_digits=16, decimal_places=4, null=True)
    sat3 = models.CharField(_("satuan 3"), max_length=40, blank=True)
    vol4 = models.DecimalField(_("volume 4"), max_digits=16, decimal_places=4, null=True)
    sat4 = models.CharField(_("satuan 4"), max_length=40, blank=True)
    volume = models.DecimalField(_("volume"), max_digits=24, decimal_places=4)
    satuan = models.CharField(_("satuan"), max_length=60, blank=True)
    harga_satuan = models.DecimalField(_("harga satuan"), max_digits=20, decimal_places=2)
    ppn = models.BooleanField(_("PPN"), default=False)
    ppn_amount = models.DecimalField(_("PPN"), max_digits=20, decimal_places=2)
    total = models.DecimalField(_("jumlah"), max_digits=20, decimal_places=2)
    penerima = models.CharField(_("penerima (hibah/bansos)"), max_length=255, blank=True)
    updated_by_id = models.BigIntegerField(_("terakhir diubah oleh"), null=True)
    updated_at = models.DateTimeField(_("terakhir diubah"), null=True)

    class Meta:
        ordering = ["stage", "organisation_id", "sub_kegiatan_kode", "pk"]
        verbose_name = _("baris tahapan beku")
        verbose_name_plural = _("baris tahapan beku")
        constraints = [models.UniqueConstraint(fields=["stage", "line_key"], name="budgeting_stageline_unique")]
        # covering the APBD summaries (agency × account × funding source of one stage): they read the index only,
        # never the wide rows; its prefix (stage, organisation) serves the agency pages
        indexes = [models.Index(fields=["stage", "organisation_id", "akun", "account_id", "sumber_dana_id",
                                        "sub_activity_id", "total"], name="budgeting_stageline_summary")]

    def __str__(self) -> str:
        return f"{self.stage_id}:{self.line_key}"


class StageSubActivity(models.Model):
    """A sub-kegiatan's details (location, output indicator and target, months, sumber dana, status) as they stood
    when its stage was frozen. Written once together with the stage's lines, never updated."""

    stage = models.ForeignKey("budgeting.Stage", verbose_name=_("tahapan"), on_delete=models.PROTECT,
                              related_name="frozen_sub_activities")
    sub_activity_id = models.BigIntegerField(_("sub kegiatan"))
    pemda_id = models.BigIntegerField(_("pemda"))
    organisation_id = models.BigIntegerField(_("perangkat daerah"))
    program_code_id = models.BigIntegerField(_("kode nomenklatur"), null=True)
    kode = models.CharField(_("kode sub kegiatan"), max_length=40)
    nama = models.CharField(_("nama sub kegiatan"), max_length=500)
    lokasi = models.JSONField(_("lokasi"), default=list,
                              help_text=_("Daftar wilayah [{\"kode\": …, \"nama\": …}] saat tahapan dibekukan."))
    indikator = models.TextField(_("indikator keluaran"), blank=True)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2, null=True)
    satuan = models.CharField(_("satuan"), max_length=100, blank=True)
    bulan_mulai = models.PositiveSmallIntegerField(_("bulan mulai"))
    bulan_selesai = models.PositiveSmallIntegerField(_("bulan selesai"))
    sumber_dana_id = models.BigIntegerField(_("sumber dana"), null=True)
    planning_trace = models.CharField(_("rujukan RKPD/Renja"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10)

    class Meta:
        ordering = ["stage", "organisation_id", "kode"]
        verbose_name = _("sub kegiatan tahapan beku")
        verbose_name_plural = _("sub kegiatan tahapan beku")
        constraints = [models.UniqueConstraint(fields=["stage", "sub_activity_id"],
                                               name="budgeting_stagesub_unique")]
        indexes = [models.Index(fields=["stage", "organisation_id"])]

    def __str__(self) -> str:
        return f"{self.stage_id}:{self.kode}"


class StageFlag(models.Model):
    """A red flag as it stood when its stage was frozen (open or dismissed, with the reason), so a published stage
    keeps showing the findings of its own time after the live flags move on."""

    stage = models.ForeignKey("budgeting.Stage", verbose_name=_("tahapan"), on_delete=models.PROTECT,
                              related_name="frozen_flags")
    flag_id = models.BigIntegerField(_("id temuan"), null=True)
    pemda_id = models.BigIntegerField(_("pemda"))
    organisation_id = models.BigIntegerField(_("perangkat daerah"))
    sub_activity_id = models.BigIntegerField(_("sub kegiatan"), null=True)
    line_key = models.UUIDField(_("kunci baris"), null=True)
    rule = models.CharField(_("aturan"), max_length=24)
    severity = models.PositiveSmallIntegerField(_("tingkat"))
    message = models.CharField(_("temuan"), max_length=500)
    details = models.JSONField(_("rincian temuan"), default=dict)
    status = models.CharField(_("status"), max_length=10)
    dismissed_reason = models.TextField(_("alasan diabaikan"), blank=True)
    dismissed_at = models.DateTimeField(_("diabaikan"), null=True)

    class Meta:
        ordering = ["stage", "-severity", "organisation_id", "pk"]
        verbose_name = _("tanda bahaya tahapan beku")
        verbose_name_plural = _("tanda bahaya tahapan beku")
        indexes = [models.Index(fields=["stage", "organisation_id"]), models.Index(fields=["stage", "line_key"])]

    def __str__(self) -> str:
        return f"{self.stage_id}:{self.rule}"
