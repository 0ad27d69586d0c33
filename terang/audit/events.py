"""Typed domain events. Each app owns a range of numbers; numbers are never reused or renumbered."""

from __future__ import annotations

from enum import IntEnum

from django.utils.translation import gettext_lazy as _


class EventType(IntEnum):
    # 100-199 accounts
    USER_CREATED = 100
    MEMBERSHIP_GRANTED = 101
    MEMBERSHIP_REVOKED = 102
    TWO_FACTOR_ENABLED = 110
    TWO_FACTOR_DISABLED = 111
    LOGIN_LOCKED_OUT = 120
    # 200-299 org
    ORGANISATION_CREATED = 200
    ORGANISATION_UPDATED = 201
    PROFILE_REQUEST_CREATED = 210
    PROFILE_REQUEST_SUBMITTED = 211
    PROFILE_REQUEST_RETURNED = 212
    PROFILE_REQUEST_APPROVED = 213
    PROFILE_REQUEST_REJECTED = 214
    PROFILE_REQUEST_UPDATED = 215
    # 300-399 reference
    REFERENCE_LOADED = 300
    REFERENCE_IMPORTED = 301
    # 400-499 budgeting
    STAGE_OPENED = 400
    STAGE_CLOSED = 401
    STAGE_FROZEN = 402
    STAGE_PUBLISHED = 403
    STAGE_REOPENED = 404
    CEILING_SET = 410
    CATALOGUE_IMPORTED = 420
    PRICE_PROPOSAL_SUBMITTED = 421
    PRICE_PROPOSAL_ADMIN_APPROVED = 422
    PRICE_PROPOSAL_APPROVED = 423
    PRICE_PROPOSAL_REJECTED = 424
    PRICE_CHANGE_APPLIED = 425
    SUB_ACTIVITY_SUBMITTED = 430
    SUB_ACTIVITY_RETURNED = 431
    SUB_ACTIVITY_VERIFIED = 432
    SUB_ACTIVITY_LOCKED = 433
    VERIFICATION_COMMENT_ADDED = 434
    VERIFICATION_COMMENT_ANSWERED = 435
    VERIFICATION_COMMENT_RESOLVED = 436
    RKA_IMPORTED = 440
    LINE_CREATED = 441
    LINE_UPDATED = 442
    LINE_DELETED = 443
    FLAG_DISMISSED = 450
    FLAGS_REFRESHED = 451
    SHIFT_CREATED = 460
    SHIFT_APPROVED = 461
    SHIFT_REJECTED = 462
    DPA_CREATED = 470
    CASH_PLAN_SET = 471
    QUARTER_OVERRIDE_GRANTED = 472
    # 900-999 generic
    WORKFLOW_TRANSITION = 900

    @property
    def label(self) -> str:
        """Indonesian label for pages; events without one fall back to their lower-cased name."""
        return str(EVENT_LABELS.get(self, self.name.replace("_", " ").lower()))


# Labels shown to auditors. An event without an entry here still works (see EventType.label).
EVENT_LABELS = {
    EventType.USER_CREATED: _("Pengguna dibuat"),
    EventType.MEMBERSHIP_GRANTED: _("Keanggotaan diberikan"),
    EventType.MEMBERSHIP_REVOKED: _("Keanggotaan dicabut"),
    EventType.TWO_FACTOR_ENABLED: _("Verifikasi dua langkah diaktifkan"),
    EventType.TWO_FACTOR_DISABLED: _("Verifikasi dua langkah dinonaktifkan"),
    EventType.LOGIN_LOCKED_OUT: _("Login dikunci"),
    EventType.ORGANISATION_CREATED: _("Perangkat daerah dibuat"),
    EventType.ORGANISATION_UPDATED: _("Profil perangkat daerah diubah"),
    EventType.PROFILE_REQUEST_CREATED: _("Permohonan perubahan profil dibuat"),
    EventType.PROFILE_REQUEST_SUBMITTED: _("Permohonan perubahan profil diajukan"),
    EventType.PROFILE_REQUEST_RETURNED: _("Permohonan perubahan profil dikembalikan"),
    EventType.PROFILE_REQUEST_APPROVED: _("Permohonan perubahan profil disetujui"),
    EventType.PROFILE_REQUEST_REJECTED: _("Permohonan perubahan profil ditolak"),
    EventType.PROFILE_REQUEST_UPDATED: _("Permohonan perubahan profil diperbarui"),
    EventType.REFERENCE_LOADED: _("Data referensi dimuat"),
    EventType.REFERENCE_IMPORTED: _("Data referensi diimpor"),
    EventType.STAGE_OPENED: _("Tahapan dibuka"),
    EventType.STAGE_CLOSED: _("Tahapan ditutup"),
    EventType.STAGE_FROZEN: _("Tahapan dibekukan"),
    EventType.STAGE_PUBLISHED: _("Tahapan dipublikasikan"),
    EventType.STAGE_REOPENED: _("Tahapan dibuka kembali"),
    EventType.CEILING_SET: _("Pagu ditetapkan"),
    EventType.CATALOGUE_IMPORTED: _("Standar harga diimpor"),
    EventType.PRICE_PROPOSAL_SUBMITTED: _("Usulan standar harga diajukan"),
    EventType.PRICE_PROPOSAL_ADMIN_APPROVED: _("Usulan standar harga disetujui administrator"),
    EventType.PRICE_PROPOSAL_APPROVED: _("Usulan standar harga disetujui TAPD"),
    EventType.PRICE_PROPOSAL_REJECTED: _("Usulan standar harga ditolak"),
    EventType.PRICE_CHANGE_APPLIED: _("Perubahan standar harga diterapkan"),
    EventType.SUB_ACTIVITY_SUBMITTED: _("RKA sub kegiatan diajukan"),
    EventType.SUB_ACTIVITY_RETURNED: _("RKA sub kegiatan dikembalikan"),
    EventType.SUB_ACTIVITY_VERIFIED: _("RKA sub kegiatan terverifikasi"),
    EventType.SUB_ACTIVITY_LOCKED: _("RKA sub kegiatan dikunci"),
    EventType.VERIFICATION_COMMENT_ADDED: _("Catatan verifikasi ditulis"),
    EventType.VERIFICATION_COMMENT_ANSWERED: _("Catatan verifikasi dijawab"),
    EventType.VERIFICATION_COMMENT_RESOLVED: _("Catatan verifikasi diselesaikan"),
    EventType.RKA_IMPORTED: _("Rincian RKA diimpor"),
    EventType.LINE_CREATED: _("Rincian anggaran ditambahkan"),
    EventType.LINE_UPDATED: _("Rincian anggaran diubah"),
    EventType.LINE_DELETED: _("Rincian anggaran dihapus"),
    EventType.FLAG_DISMISSED: _("Tanda bahaya diabaikan"),
    EventType.FLAGS_REFRESHED: _("Tanda bahaya diperbarui"),
    EventType.SHIFT_CREATED: _("Pergeseran anggaran dibuat"),
    EventType.SHIFT_APPROVED: _("Pergeseran anggaran disetujui"),
    EventType.SHIFT_REJECTED: _("Pergeseran anggaran ditolak"),
    EventType.DPA_CREATED: _("DPA dibuat"),
    EventType.CASH_PLAN_SET: _("Anggaran kas ditetapkan"),
    EventType.QUARTER_OVERRIDE_GRANTED: _("Izin triwulan terkunci diberikan"),
    EventType.WORKFLOW_TRANSITION: _("Status dokumen berubah"),
}
