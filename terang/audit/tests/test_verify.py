"""audit_verify: passes on a clean chain, names the first bad record for each kind of tampering.

Runs on SQLite and PostgreSQL; on PostgreSQL `tamper` disables the append-only triggers inside the test.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from terang.audit.chain import CHANGE_FIELDS, compute_hash, record_fields
from terang.audit.models import ChangeRecord
from terang.audit.verify import verify_all, verify_chain

from .conftest import tamper, write_changes, write_events

pytestmark = pytest.mark.django_db


def test_empty_chain_is_ok():
    result = verify_chain("change")
    assert (result.ok, result.count, result.first_bad_seq, result.head_seq) == (True, 0, None, 0)


def test_clean_chain_is_ok(pemda):
    write_changes(20, pemda=pemda)
    write_events(5, pemda=pemda)
    change, event = verify_all()
    assert (change.ok, change.count, change.head_seq) == (True, 20, 20)
    assert (event.ok, event.count, event.head_seq) == (True, 5, 5)


def test_small_chunks_stream_the_same_result(pemda):
    write_changes(7, pemda=pemda)
    assert verify_chain("change", chunk_size=2).count == 7


def test_edited_record_is_named(pemda):
    write_changes(20, pemda=pemda)
    tamper("UPDATE audit_changerecord SET reason = %s WHERE seq = %s", ("dipalsukan", 17))
    result = verify_chain("change")
    assert (result.ok, result.first_bad_seq) == (False, 17)
    assert result.reason == "catatan #17: hash tidak cocok (isi diubah)"


def test_edited_json_is_named(pemda):
    write_changes(10, pemda=pemda)
    after = dict(ChangeRecord.objects.get(seq=4).after, pagu="1.00")
    if connection.vendor == "postgresql":
        tamper("UPDATE audit_changerecord SET after = %s::jsonb WHERE seq = %s", (json.dumps(after), 4))
    else:
        tamper("UPDATE audit_changerecord SET after = %s WHERE seq = %s", (json.dumps(after), 4))
    result = verify_chain("change")
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert result.reason == "catatan #4: hash tidak cocok (isi diubah)"


def test_edited_and_rehashed_record_breaks_the_next_link(pemda):
    write_changes(10, pemda=pemda)
    record = ChangeRecord.objects.get(seq=6)
    record.reason = "dipalsukan"
    forged = compute_hash(record_fields(record, CHANGE_FIELDS))
    tamper("UPDATE audit_changerecord SET reason = %s, hash = %s WHERE seq = %s", ("dipalsukan", forged, 6))
    result = verify_chain("change")
    assert (result.ok, result.first_bad_seq) == (False, 7)
    assert result.reason == "catatan #7: rantai terputus (catatan sebelumnya hilang atau urutan diubah)"


def test_deleted_record_in_the_middle_is_named(pemda):
    write_changes(20, pemda=pemda)
    tamper("DELETE FROM audit_changerecord WHERE seq = %s", (17,))
    result = verify_chain("change")
    assert (result.ok, result.first_bad_seq, result.count) == (False, 18, 17)
    assert result.reason.startswith("catatan #18: rantai terputus (catatan sebelumnya hilang atau urutan diubah")


def test_deleted_first_record_is_named(pemda):
    write_changes(5, pemda=pemda)
    tamper("DELETE FROM audit_changerecord WHERE seq = %s", (1,))
    result = verify_chain("change")
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_deleted_tail_is_named(pemda):
    write_changes(20, pemda=pemda)
    tamper("DELETE FROM audit_changerecord WHERE seq >= %s", (19,))
    result = verify_chain("change")
    assert (result.ok, result.first_bad_seq, result.count) == (False, 19, 18)
    assert result.reason == "catatan terakhir #18 tidak sesuai kepala rantai #20 (catatan terakhir dihapus)"


def test_deleted_everything_is_named(pemda):
    write_changes(3, pemda=pemda)
    tamper("DELETE FROM audit_changerecord")
    result = verify_chain("change")
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert result.reason == "catatan terakhir #0 tidak sesuai kepala rantai #3 (catatan terakhir dihapus)"


def test_swapped_records_are_named(pemda):
    write_changes(10, pemda=pemda)
    tamper("UPDATE audit_changerecord SET seq = %s WHERE seq = %s", (10**12, 5))
    tamper("UPDATE audit_changerecord SET seq = %s WHERE seq = %s", (5, 6))
    tamper("UPDATE audit_changerecord SET seq = %s WHERE seq = %s", (6, 10**12))
    result = verify_chain("change")
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert result.reason == "catatan #5: rantai terputus (catatan sebelumnya hilang atau urutan diubah)"


def test_record_written_past_the_head_is_named(pemda):
    records = write_changes(3, pemda=pemda)
    forged = ChangeRecord(seq=4, created_at=records[-1].created_at, action="delete", object_type="x.y",
                          object_id="1", prev_hash=records[-1].hash)
    forged.hash = compute_hash(record_fields(forged, CHANGE_FIELDS))
    forged.save()  # inserted without moving the chain head
    result = verify_chain("change")
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "di luar kepala rantai #3" in result.reason


def test_event_chain_is_checked_too(pemda):
    write_events(6, pemda=pemda)
    tamper("UPDATE audit_domainevent SET event_type = %s WHERE seq = %s", (999, 3))
    result = verify_chain("event")
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 3, "catatan #3: hash tidak cocok (isi diubah)")


def test_unknown_chain_is_refused():
    with pytest.raises(ValueError, match="unknown audit chain"):
        verify_chain("lain")


def test_command_prints_ok_and_exits_zero(pemda, capsys):
    write_changes(3, pemda=pemda)
    write_events(2, pemda=pemda)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "Rantai change utuh: 3 catatan" in out
    assert "Rantai event utuh: 2 catatan" in out


def test_command_names_the_first_bad_record(pemda):
    write_changes(20, pemda=pemda)
    tamper("UPDATE audit_changerecord SET object_id = %s WHERE seq = %s", ("999", 17))
    with pytest.raises(CommandError, match=r"catatan #17: hash tidak cocok \(isi diubah\)"):
        call_command("audit_verify", "--chain", "change")
    call_command("audit_verify", "--chain", "event")  # the other chain is still fine


def test_command_exit_status_is_one(pemda, capsys):
    from django.core.management import execute_from_command_line

    write_changes(5, pemda=pemda)
    tamper("DELETE FROM audit_changerecord WHERE seq = %s", (3,))
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", "audit_verify"])
    assert exc.value.code == 1
    assert "catatan #4: rantai terputus" in capsys.readouterr().err
