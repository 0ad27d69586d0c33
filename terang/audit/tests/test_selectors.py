"""Audit selectors: object history, scope of auditors, diff rows."""

from __future__ import annotations

import pytest

from terang.accounts.choices import Role
from terang.audit.models import ChangeRecord
from terang.audit.selectors import (
    AuditFilters,
    auditor_pemda_ids,
    change_records_for_user,
    diff_rows,
    events_for_object,
    history_for,
)
from terang.audit.services import record_change, record_event
from terang.testing.factories import UserFactory, make_user

pytestmark = pytest.mark.django_db


def test_history_for_an_object_oldest_first(opd, other_pemda):
    first = record_change(action="create", instance=opd, after={"nama": opd.nama})
    record_change(action="create", object_type="org.organisation", object_id=opd.pk + 1000)
    second = record_change(action="update", instance=opd, before={"alamat": ""}, after={"alamat": "Jl. A"})
    third = record_change(action="update", instance=opd, before={"alamat": "Jl. A"}, after={"alamat": "Jl. B"})
    assert [r.seq for r in history_for(opd)] == [first.seq, second.seq, third.seq]
    assert [r.seq for r in history_for(opd, limit=2)] == [second.seq, third.seq]
    assert first.pemda_id == opd.pemda_id  # taken from the instance


def test_events_for_an_object(opd):
    e1 = record_event(event_type=201, instance=opd)
    record_event(event_type=201, object_type="org.organisation", object_id=opd.pk + 1)
    e2 = record_event(event_type=201, instance=opd)
    assert [e.seq for e in events_for_object(opd)] == [e1.seq, e2.seq]
    assert [e.seq for e in events_for_object(opd, limit=1)] == [e2.seq]


def test_only_audit_roles_have_an_audit_scope(pemda, other_pemda, opd):
    auditor = make_user(Role.AUDITOR, pemda=pemda)
    admin = make_user(Role.PEMDA_ADMIN, pemda=other_pemda)
    planner = make_user(Role.BAPPEDA_PLANNER, pemda=pemda)  # reads all of the pemda, but not the audit trail
    assert auditor_pemda_ids(user=auditor) == {pemda.pk}
    assert auditor_pemda_ids(user=admin) == {other_pemda.pk}
    assert auditor_pemda_ids(user=planner) == set()
    assert auditor_pemda_ids(user=UserFactory()) == set()
    record_change(action="create", object_type="x.y", object_id=1, pemda=pemda)
    assert list(change_records_for_user(user=planner)) == []
    assert change_records_for_user(user=auditor, filters=AuditFilters(object_id="1")).count() == 1


def test_diff_rows_for_unknown_models_and_nested_values():
    record = ChangeRecord(object_type="tidak.ada", before={"a": 1, "n": {"x": [1, 2]}}, after={"a": 1, "b": "ñ"})
    rows = diff_rows(record)
    assert [(r.field, r.label, r.before_text, r.after_text, r.changed) for r in rows] == [
        ("a", "a", "1", "1", False),
        ("n", "n", '{\n "x": [\n  1,\n  2\n ]\n}', "—", True),
        ("b", "b", "—", "ñ", True),
    ]
    assert diff_rows(ChangeRecord(object_type="", before=None, after=None)) == []


def test_diff_rows_label_foreign_keys_by_attname():
    record = ChangeRecord(object_type="org.organisation", before={"parent_id": None}, after={"parent_id": 4})
    assert [(r.label, r.changed) for r in diff_rows(record)] == [("induk", True)]
