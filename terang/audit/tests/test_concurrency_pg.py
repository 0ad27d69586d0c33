"""Parallel appends on PostgreSQL: the chain head row lock keeps one unbroken chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from terang.audit.models import ChangeRecord, DomainEvent
from terang.audit.services import record_change, record_event
from terang.audit.verify import verify_chain

THREADS = 8
PER_THREAD = 25


@pytest.mark.django_db(transaction=True)
def test_parallel_appends_do_not_fork_the_chain(postgres_only):
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(PER_THREAD):
                record_change(action="update", object_type="uji.paralel", object_id=f"{n}-{i}", after={"i": i})
                if i % 5 == 0:
                    record_event(event_type=900, object_type="uji.paralel", object_id=f"{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    result = verify_chain("change")
    assert (result.ok, result.count, result.head_seq) == (True, THREADS * PER_THREAD, THREADS * PER_THREAD)
    assert list(ChangeRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, THREADS * PER_THREAD + 1)
    )
    events = verify_chain("event")
    assert (events.ok, events.count) == (True, THREADS * 5)
    assert DomainEvent.objects.count() == THREADS * 5
