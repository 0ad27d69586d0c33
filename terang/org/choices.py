from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")  # a province (2-digit code, e.g. 35)
    KABUPATEN = "kabupaten", _("Kabupaten")  # a regency (35.10)
    KOTA = "kota", _("Kota")  # a city (35.73)
    KECAMATAN = "kecamatan", _("Kecamatan")  # a district (35.10.01)
    DESA = "desa", _("Desa")  # a village with its own government and APBDes (35.10.01.2001)
    KELURAHAN = "kelurahan", _("Kelurahan")  # an urban ward, a unit of the kecamatan, no APBDes (35.10.xx.1xxx)


class PemdaKind(models.TextChoices):
    KABUPATEN = "kabupaten", _("Pemerintah Kabupaten")
    KOTA = "kota", _("Pemerintah Kota")
    PROVINSI = "provinsi", _("Pemerintah Provinsi")


class OrganisationKind(models.TextChoices):
    SEKRETARIAT_DAERAH = "sekretariat_daerah", _("Sekretariat Daerah")
    SEKRETARIAT_DPRD = "sekretariat_dprd", _("Sekretariat DPRD")
    INSPEKTORAT = "inspektorat", _("Inspektorat")
    DINAS = "dinas", _("Dinas")
    BADAN = "badan", _("Badan")
    SATUAN = "satuan", _("Satuan")
    RSUD = "rsud", _("Rumah Sakit Umum Daerah")
    KECAMATAN = "kecamatan", _("Kecamatan")
    UPTD = "uptd", _("UPTD")  # technical unit under an agency
    PUSKESMAS = "puskesmas", _("Puskesmas")  # health centre under the health agency
    KELURAHAN = "kelurahan", _("Kelurahan")  # unit under a kecamatan
    PEMERINTAH_DESA = "pemerintah_desa", _("Pemerintah Desa")  # village government, not an SKPD
    DPRD = "dprd", _("DPRD")  # the regional parliament


SKPD_KINDS = {
    OrganisationKind.SEKRETARIAT_DAERAH,
    OrganisationKind.SEKRETARIAT_DPRD,
    OrganisationKind.INSPEKTORAT,
    OrganisationKind.DINAS,
    OrganisationKind.BADAN,
    OrganisationKind.SATUAN,
    OrganisationKind.RSUD,
    OrganisationKind.KECAMATAN,
}


class ProfileRequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")  # being written by the agency, visible only to it
    SUBMITTED = "submitted", _("Diajukan")  # sent by the agency head, waiting for the administrator
    RETURNED = "returned", _("Dikembalikan")  # sent back with a reason; the agency may revise and resubmit
    APPROVED = "approved", _("Disetujui")  # applied to the agency profile
    REJECTED = "rejected", _("Ditolak")  # closed without change
