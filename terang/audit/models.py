"""Append-only audit: change records and domain events, each in a hash chain.

Every record stores the hash of the previous record of its chain; the hash covers a canonical JSON
serialisation of the record (terang/audit/chain.py). `manage.py audit_verify` recomputes the chains; on
PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE on both tables (migration 0002). In Python, the
models and their querysets refuse updates and deletes too, so application code cannot rewrite a record.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to update or delete an audit record."""


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset without bulk update/delete: audit records are only ever inserted."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit records are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit records are append-only")


class AppendOnlyModel(models.Model):
    """Base for audit records: save() only inserts, delete() refuses."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit records are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit records are append-only")


class ChainHead(models.Model):
    """The last sequence number and hash of one chain; locked while a record is appended."""

    name = models.CharField(max_length=40, primary_key=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("kepala rantai audit")
        verbose_name_plural = _("kepala rantai audit")

    def __str__(self) -> str:
        return f"{self.name}@{self.last_seq}"


class ChangeRecord(AppendOnlyModel):
    """One change to domain state: who, when, in which request, what object, before and after, why."""

    class Action(models.TextChoices):
        CREATE = "create", _("dibuat")
        UPDATE = "update", _("diubah")
        DELETE = "delete", _("dihapus")
        TRANSITION = "transition", _("status berubah")
        IMPORT = "import", _("diimpor")

    seq = models.PositiveBigIntegerField(_("nomor urut"), unique=True)
    created_at = models.DateTimeField(_("waktu"), db_index=True)
    pemda = models.ForeignKey("org.Pemda", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(_("pelaku"), max_length=150, blank=True)
    request_id = models.CharField(_("id permintaan"), max_length=64, blank=True)
    action = models.CharField(_("tindakan"), max_length=12, choices=Action.choices)
    object_type = models.CharField(_("jenis objek"), max_length=100, db_index=True)
    object_id = models.CharField(_("id objek"), max_length=64, db_index=True)
    object_repr = models.CharField(_("objek"), max_length=255, blank=True)
    before = models.JSONField(_("sebelum"), null=True, blank=True)
    after = models.JSONField(_("sesudah"), null=True, blank=True)
    reason = models.TextField(_("alasan"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("catatan perubahan")
        verbose_name_plural = _("catatan perubahan")
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"]),
            models.Index(fields=["actor_username", "seq"], name="audit_change_actor_seq"),
            models.Index(fields=["pemda", "seq"], name="audit_change_pemda_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class DomainEvent(AppendOnlyModel):
    """A typed business event ("RKA diajukan", "usulan ditolak di kecamatan") with its payload."""

    seq = models.PositiveBigIntegerField(_("nomor urut"), unique=True)
    created_at = models.DateTimeField(_("waktu"), db_index=True)
    pemda = models.ForeignKey("org.Pemda", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(_("pelaku"), max_length=150, blank=True)
    request_id = models.CharField(_("id permintaan"), max_length=64, blank=True)
    event_type = models.PositiveIntegerField(_("jenis peristiwa"), db_index=True)
    object_type = models.CharField(_("jenis objek"), max_length=100, blank=True)
    object_id = models.CharField(_("id objek"), max_length=64, blank=True)
    payload = models.JSONField(_("isi"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("peristiwa")
        verbose_name_plural = _("peristiwa")
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"]),
            models.Index(fields=["actor_username", "seq"], name="audit_event_actor_seq"),
            models.Index(fields=["pemda", "seq"], name="audit_event_pemda_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type}"

    @property
    def event_label(self) -> str:
        """The event's name (EventType label) or its number when unknown."""
        from .events import EventType

        try:
            return str(EventType(self.event_type).label)
        except ValueError:
            return str(self.event_type)
