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
    EventType.WORKFLOW_TRANSITION: _("Status dokumen berubah"),
}
