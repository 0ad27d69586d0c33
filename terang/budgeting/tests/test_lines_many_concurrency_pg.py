"""Parallel batches (line_create_many) and single saves (line_create) against one ceiling on PostgreSQL: the total
never goes above it, every batch is all or nothing, and every refusal says why."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from terang.budgeting.models import BudgetLine, Ceiling
from terang.budgeting.services.lines import LineBatchError, LineInput, line_create, line_create_many
from terang.core.errors import ApplicationError
from terang.testing.budget import make_budget_world

LINE = Decimal("235500")  # 10 × Rp 23.550


@pytest.mark.django_db(transaction=True)
def test_parallel_batches_and_single_saves_never_exceed_the_ceiling(postgres_only):
    world = make_budget_world()
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    support = world.sub_activity("dinkes", "1.02.01.2.06.0001")
    ceiling = LINE * 23  # room for 23 lines; 4 batches of 5 and 4 × 3 single saves ask for 32
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=ceiling)
    users = [world.users["operator"], world.users["head"]]
    results: list[tuple[str, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def data() -> LineInput:
        return LineInput(account="5.1.02.01.01.0024", price_item=world.items["Refill Ballpoint"], vol1="10")

    def batcher(index: int) -> None:
        try:
            barrier.wait()
            try:
                lines = line_create_many(actor=users[index % 2], fiscal_year=world.fiscal_year,
                                         organisation=world.orgs["dinkes"],
                                         items=[(sub if i % 2 else support, data()) for i in range(5)])
                outcome = ("batch_saved", len(lines))
            except LineBatchError as exc:
                assert {i.code for i in exc.issues} == {"ceiling_exceeded"}
                outcome = ("batch_refused", 0)
            with lock:
                results.append(outcome)
        finally:
            connections.close_all()

    def saver(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                try:
                    line_create(actor=users[index % 2], sub_activity=sub, data=data())
                    outcome = ("saved", 1)
                except ApplicationError as exc:
                    outcome = (exc.code, 0)
                with lock:
                    results.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=batcher if i < 4 else saver, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(BudgetLine.objects.values_list("total", flat=True), Decimal(0))
    saved = sum(count for _outcome, count in results)
    assert total <= ceiling
    assert saved == BudgetLine.objects.count() and total == LINE * saved
    assert {outcome for outcome, _count in results} <= {"batch_saved", "batch_refused", "saved", "ceiling_exceeded"}
    assert len(results) == 4 + 12
    # all or nothing: every saved batch has all its five lines, a refused one none
    assert all(count == 5 for outcome, count in results if outcome == "batch_saved")
    # 32 lines asked for room for 23: something was refused, and (nothing is ever removed) the room left is smaller
    # than the smallest request that was refused
    refused = {outcome for outcome, _count in results if outcome in ("batch_refused", "ceiling_exceeded")}
    assert refused, results
    assert ceiling - total < (LINE if "ceiling_exceeded" in refused else LINE * 5)
