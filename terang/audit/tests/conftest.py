"""Fixtures for the audit tests: auditors, records, and a way to tamper with the tables like an intruder would."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from terang.accounts.choices import Role
from terang.audit.services import record_change, record_event
from terang.testing.factories import make_user

AUDIT_TABLES = ("audit_changerecord", "audit_domainevent", "audit_chainhead")


def tamper(sql: str, params: tuple = ()) -> None:
    """Run raw SQL against the audit tables, bypassing the append-only triggers on PostgreSQL.

    On PostgreSQL the triggers are disabled inside the test's transaction (as the table owner), so the change
    is rolled back with the test. On SQLite there are no triggers; the SQL runs as is.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # deferred foreign-key checks of the rows just written must fire before the tables can be altered
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def write_changes(n: int, *, pemda=None, start: int = 1) -> list:
    """n change records with varied content (non-ASCII, nested JSON, Decimals)."""
    records = []
    for i in range(start, start + n):
        records.append(record_change(
            action="update",
            object_type="org.organisation",
            object_id=i,
            object_repr=f"Dinas Uji {i} — Bina Marga",
            before={"nama": f"Dinas {i}", "pagu": Decimal("1000.50") * i},
            after={"nama": f"Dinas {i} ✓", "pagu": Decimal("2000.00") * i, "detail": {"z": [1, 2], "a": None}},
            reason=f"perubahan ke-{i}",
            pemda=pemda,
        ))
    return records


def write_events(n: int, *, pemda=None) -> list:
    return [record_event(event_type=900, object_type="org.organisation", object_id=i,
                         payload={"i": i, "catatan": "ñ"}, pemda=pemda) for i in range(1, n + 1)]


@pytest.fixture
def auditor(pemda):
    return make_user(Role.AUDITOR, pemda=pemda, username="auditor_a")


@pytest.fixture
def other_auditor(other_pemda):
    return make_user(Role.AUDITOR, pemda=other_pemda, username="auditor_b")
