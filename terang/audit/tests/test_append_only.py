"""Audit records cannot be rewritten: the models refuse it, and on PostgreSQL triggers refuse raw SQL too."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from terang.audit.models import AppendOnlyError, ChainHead, ChangeRecord, DomainEvent
from terang.audit.verify import verify_all

from .conftest import write_changes, write_events

pytestmark = pytest.mark.django_db


def test_models_refuse_updates_and_deletes(pemda):
    record = write_changes(1, pemda=pemda)[0]
    event = write_events(1, pemda=pemda)[0]
    record.reason = "diubah"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ChangeRecord.objects.filter(pk=record.pk).update(reason="diubah")
    with pytest.raises(AppendOnlyError):
        DomainEvent.objects.all().delete()
    assert ChangeRecord.objects.get(pk=record.pk).reason == "perubahan ke-1"
    assert all(r.ok for r in verify_all())


def _refused(sql: str, params: tuple = (), match: str = "append-only") -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_postgres_triggers_refuse_raw_update_and_delete(postgres_only, pemda):
    write_changes(3, pemda=pemda)
    write_events(2, pemda=pemda)

    _refused("UPDATE audit_changerecord SET reason = 'x'")
    _refused("UPDATE audit_changerecord SET reason = %s WHERE seq = %s", ("x", 2))
    _refused("DELETE FROM audit_changerecord WHERE seq = %s", (3,))
    _refused("UPDATE audit_domainevent SET payload = '{}'::jsonb")
    _refused("DELETE FROM audit_domainevent")

    assert ChangeRecord.objects.count() == 3
    assert DomainEvent.objects.count() == 2
    assert list(ChangeRecord.objects.values_list("reason", flat=True)) == [f"perubahan ke-{i}" for i in (1, 2, 3)]
    assert all(r.ok for r in verify_all())


def test_postgres_trigger_refuses_truncate(postgres_only, pemda):
    # Test databases let TRUNCATE through (Django flushes between transactional tests); production does not.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL terang.audit_allow_truncate = 'off'")
        _refused("TRUNCATE audit_changerecord")
        _refused("TRUNCATE audit_domainevent")
        _refused("TRUNCATE audit_chainhead", match="cannot be removed")


def test_postgres_chain_head_only_moves_forward(postgres_only, pemda):
    write_changes(3, pemda=pemda)
    _refused("UPDATE audit_chainhead SET last_seq = 2 WHERE name = 'change'", match="only move forward")
    _refused("DELETE FROM audit_chainhead WHERE name = 'change'", match="cannot be removed")
    assert ChainHead.objects.get(name="change").last_seq == 3


def test_postgres_triggers_are_installed(postgres_only):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid::regclass::text LIKE 'audit_%%' ORDER BY 1, 2"
        )
        triggers = cursor.fetchall()
    assert triggers == [
        ("audit_chainhead", "audit_chainhead_forward"),
        ("audit_chainhead", "audit_chainhead_no_truncate"),
        ("audit_changerecord", "audit_changerecord_append_only"),
        ("audit_changerecord", "audit_changerecord_no_truncate"),
        ("audit_domainevent", "audit_domainevent_append_only"),
        ("audit_domainevent", "audit_domainevent_no_truncate"),
    ]
