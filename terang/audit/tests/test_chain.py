"""Canonical serialisation: stable text, and the same hash after a round trip through the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from terang.audit.chain import (
    CHANGE_FIELDS,
    EVENT_FIELDS,
    GENESIS_HASH,
    canonical,
    compute_hash,
    format_timestamp,
    json_safe,
    record_fields,
)
from terang.audit.models import ChainHead, ChangeRecord, DomainEvent
from terang.audit.services import record_change, record_event
from terang.audit.verify import verify_chain

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_canonical_text_is_sorted_compact_utf8():
    data = {"b": 1, "a": {"y": [1, "ñ"], "x": Decimal("1.50")}, "c": None, "d": True}
    assert canonical(data) == '{"a":{"x":"1.50","y":[1,"ñ"]},"b":1,"c":null,"d":true}'.encode()


def test_json_safe_converts_values_that_would_not_round_trip():
    value = {
        1: Decimal("12.340"),
        "f": 0.1,
        "d": date(2026, 1, 31),
        "u": UUID("12345678-1234-5678-1234-567812345678"),
        "s": {"b", "a"},
        "t": ("x", 2),
        "big": 2**62,
    }
    assert json_safe(value) == {
        "1": "12.340",
        "f": "0.1",
        "d": "2026-01-31",
        "u": "12345678-1234-5678-1234-567812345678",
        "s": ["a", "b"],
        "t": ["x", 2],
        "big": 2**62,
    }


def test_timestamps_are_utc_with_microseconds_whatever_the_input_zone():
    jakarta = datetime(2026, 3, 1, 7, 0, 0, tzinfo=JAKARTA)
    utc = datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC)
    assert format_timestamp(jakarta) == format_timestamp(utc) == "2026-03-01T00:00:00.000000Z"
    assert format_timestamp(datetime(2026, 3, 1, 0, 0, 0, 5, tzinfo=UTC)) == "2026-03-01T00:00:00.000005Z"


def test_known_hash_stays_the_same():
    # A fixed record: if this hash changes, every stored chain would stop verifying.
    fields = dict.fromkeys(CHANGE_FIELDS, "")
    fields.update(seq=1, created_at="2026-01-01T00:00:00.000000Z", pemda_id=None, actor_id=None,
                  before=None, after={"nama": "Dinas Kesehatan"}, prev_hash=GENESIS_HASH)
    assert canonical(fields) == (
        '{"action":"","actor_id":null,"actor_username":"","after":{"nama":"Dinas Kesehatan"},"before":null,'
        '"created_at":"2026-01-01T00:00:00.000000Z","object_id":"","object_repr":"","object_type":"",'
        '"pemda_id":null,"prev_hash":"' + "0" * 64 + '","reason":"","request_id":"","seq":1}'
    ).encode()
    assert compute_hash(fields) == "610bac3903d10ea7f98f93ecf76c69ca833c42728fad2b6bfa6b630d5109f1a6"


@pytest.mark.django_db
def test_record_round_trip_keeps_its_hash(pemda, monkeypatch):
    # Given a record with non-ASCII text, nested JSON, Decimals, big ints and a whole-second Jakarta timestamp
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 5, 2, 8, 30, 0, tzinfo=JAKARTA))
    before = {"nama": "Dinas Pekerjaan Umum dan Penataan Ruang", "pagu": Decimal("1250000000.00")}
    after = {
        "nama": "Dinas PUPR — Cipta Karya ✓ 日本 😀",
        "pagu": Decimal("1500000000.10"),
        "nested": {"z": [3, 2, {"k": "v", "a": [None, True, False]}], "a": {"ß": 1, "A": -(2**40)}},
        "float": 0.30000000000000004,
    }
    written = record_change(action="update", object_type="org.organisation", object_id=7, object_repr="PUPR",
                            before=before, after=after, reason="Perubahan nomenklatur\nbaris kedua", pemda=pemda)
    event = record_event(event_type=201, object_type="org.organisation", object_id=7,
                         payload={"fields": ["nama", "pagu"], "catatan": "é"}, pemda=pemda)

    # When both are read back from the database
    reread = ChangeRecord.objects.get(pk=written.pk)
    reread_event = DomainEvent.objects.get(pk=event.pk)

    # Then the stored JSON is already canonical and the hashes recompute identically
    assert reread.after["nested"]["a"]["A"] == -(2**40)
    assert reread.after["pagu"] == "1500000000.10"
    assert reread.after["float"] == "0.30000000000000004"
    assert compute_hash(record_fields(reread, CHANGE_FIELDS)) == written.hash == reread.hash
    assert compute_hash(record_fields(reread_event, EVENT_FIELDS)) == event.hash == reread_event.hash
    assert record_fields(reread, CHANGE_FIELDS)["created_at"] == "2026-05-02T01:30:00.000000Z"
    assert verify_chain("change").ok
    assert verify_chain("event").ok


@pytest.mark.django_db
def test_records_link_to_their_predecessor_and_move_the_head(pemda):
    first = record_change(action="create", object_type="x.y", object_id=1)
    second = record_change(action="update", object_type="x.y", object_id=1, before={"a": 1}, after={"a": 2})
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    head = ChainHead.objects.get(name="change")
    assert (head.last_seq, head.last_hash) == (2, second.hash)


@pytest.mark.django_db
def test_actor_and_request_id_come_from_the_context(pemda):
    from terang.core.context import use_context
    from terang.testing.factories import UserFactory

    user = UserFactory(username="pelaku")
    with use_context(actor=user, request_id="req-12345678"):
        record = record_change(action="create", object_type="x.y", object_id=1)
    assert (record.actor_id, record.actor_username, record.request_id) == (user.pk, "pelaku", "req-12345678")
    anonymous = record_change(action="create", object_type="x.y", object_id=2)
    assert (anonymous.actor_id, anonymous.actor_username) == (None, "sistem")
