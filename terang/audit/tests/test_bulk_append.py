"""Bulk appends give the same verifiable chain as one-by-one appends."""

import pytest

from terang.audit.models import ChangeRecord
from terang.audit.services import ChangeEntry, record_change, record_changes_bulk
from terang.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def test_bulk_append_continues_the_chain_and_verifies(pemda):
    record_change(action="create", object_type="uji.satu", object_id=1, after={"nama": "awal"}, pemda=pemda)
    count = record_changes_bulk(entries=[
        ChangeEntry(action="update", object_type="uji.banyak", object_id=i, before={"harga": "1"},
                    after={"harga": str(i)}, pemda=pemda, reason="impor standar harga")
        for i in range(2, 2502)
    ], batch_size=700)
    record_change(action="delete", object_type="uji.satu", object_id=1, before={"nama": "awal"}, pemda=pemda)
    assert count == 2500
    assert list(ChangeRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 2503))
    result = verify_chain("change")
    assert result.ok and result.count == 2502
    middle = ChangeRecord.objects.get(seq=1000)
    assert (middle.object_id, middle.after, middle.reason) == ("1000", {"harga": "1000"}, "impor standar harga")


def test_bulk_append_of_nothing_writes_nothing(db):
    assert record_changes_bulk(entries=[]) == 0
    assert not ChangeRecord.objects.exists()
