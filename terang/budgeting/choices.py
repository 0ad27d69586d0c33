from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FiscalYearStatus(models.TextChoices):
    PREPARATION = "preparation", _("Penyusunan")  # KUA-PPAS to APBD: the budget is being written
    EXECUTION = "execution", _("Pelaksanaan")  # APBD in force: DPA, cash plan, pergeseran, APBD-P
    CLOSED = "closed", _("Ditutup")  # the year is over; read-only


class StageKind(models.TextChoices):
    KUA_PPAS = "kua_ppas", _("KUA-PPAS")  # ceilings agreed with the DPRD
    RKA = "rka", _("RKA-SKPD")  # agencies' detailed budget proposals
    RAPBD = "rapbd", _("Rancangan APBD")  # the draft regulation sent to the DPRD
    APBD = "apbd", _("APBD murni")  # the enacted budget
    PERGESERAN = "pergeseran", _("Pergeseran")  # shifts during the year (numbered 1..n)
    KUPA_PPAS = "kupa_ppas", _("KUPA-PPAS Perubahan")  # revised ceilings for the amended budget
    APBD_P = "apbd_p", _("APBD Perubahan")  # the amended budget


class StageStatus(models.TextChoices):
    PLANNED = "planned", _("Dijadwalkan")  # window not open yet
    OPEN = "open", _("Dibuka")  # input allowed between opens_at and closes_at
    CLOSED = "closed", _("Ditutup")  # frozen snapshot taken; no edits except through a reopening
    PUBLISHED = "published", _("Dipublikasikan")  # frozen and open to the public; never disappears


class CatalogueKind(models.TextChoices):
    SSH = "ssh", _("SSH (Standar Satuan Harga)")  # unit prices of goods/services
    HSPK = "hspk", _("HSPK (Harga Satuan Pokok Kegiatan)")  # analysed prices of work components
    ASB = "asb", _("ASB (Analisis Standar Belanja)")  # reasonable cost per activity output
    SBU = "sbu", _("SBU (Standar Biaya Umum)")  # honoraria, travel, meetings


class SubActivityStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")  # the agency is entering lines
    SUBMITTED = "submitted", _("Diajukan")  # the agency head sent it to TAPD
    RETURNED = "returned", _("Dikembalikan")  # TAPD sent it back with comments; the agency revises
    VERIFIED = "verified", _("Terverifikasi")  # TAPD accepted every line
    LOCKED = "locked", _("Dikunci")  # part of the approved budget; changes only through a new stage


class LineType(models.TextChoices):
    ITEM = "item", pgettext_lazy("jenis baris anggaran", "Rincian")  # a priced line from the standard catalogue
    UNDETAILED = "belum_dirinci", _("Belum dirinci")  # money reserved before details exist; blocked from DPA


class FlagRule(models.TextChoices):
    PRICE_ABOVE_CATALOGUE = "price_above_catalogue", _("Harga di atas standar")
    ITEM_NOT_ALLOWED = "item_not_allowed", _("Komponen tidak sesuai rekening")
    VOLUME_OUTLIER = "volume_outlier", _("Volume jauh di atas median")
    FILLS_CEILING = "fills_ceiling", _("Total tepat mengisi pagu")
    ROUND_TOTAL = "round_total", _("Total bulat mencurigakan")
    NEW_AFTER_PPAS = "new_after_ppas", _("Sub kegiatan baru setelah KUA-PPAS")
    INCREASE_AFTER_PPAS = "increase_after_ppas", _("Kenaikan besar setelah KUA-PPAS")
    PLACEHOLDER = "placeholder", _("Baris belum dirinci")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Terbuka")  # shown to verifiers and the public
    DISMISSED = "dismissed", _("Diabaikan")  # a verifier explained it (reason audited and published)


class ShiftLevel(models.TextChoices):
    PPKD = "ppkd", _("Perubahan DPA (persetujuan PPKD)")  # between sub rincian objek within one rincian objek
    PERKADA = "perkada", _("Perubahan Perkada Penjabaran")  # between rincian objek/objek within one jenis
    PERDA = "perda", _("Perda APBD-P")  # between jenis, sub-kegiatan, program or organisation


class ProposalKind(models.TextChoices):
    NEW_ITEM = "new_item", _("Komponen baru")  # add an item to the catalogue
    NEW_PRICE = "new_price", _("Harga baru")  # change the maximum price of an item
    NEW_ACCOUNT = "new_account", _("Rekening baru")  # allow an item under another account


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")  # being prepared by the agency
    SUBMITTED = "submitted", _("Diajukan")  # waiting for the administrator
    ADMIN_APPROVED = "admin_approved", _("Disetujui admin")  # waiting for TAPD
    APPROVED = "approved", _("Disetujui")  # applied to the catalogue from `effective_from`
    REJECTED = "rejected", _("Ditolak")  # closed with a reason
