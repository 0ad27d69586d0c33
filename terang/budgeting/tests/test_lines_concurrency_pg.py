"""Parallel writers against one ceiling on PostgreSQL: the total never exceeds it and every refusal says why."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from terang.budgeting.models import BudgetLine, Ceiling
from terang.budgeting.services.lines import LineInput, line_create, line_update
from terang.core.errors import ApplicationError, ConflictError
from terang.testing.budget import make_budget_world


@pytest.mark.django_db(transaction=True)
def test_parallel_savers_never_exceed_the_ceiling(postgres_only):
    world = make_budget_world()
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    # each line is 10 x Rp 23.550 = Rp 235.500; the ceiling fits exactly 17 of them
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("4003500"))
    users = [world.users["operator"], world.users["head"]]
    results: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def saver(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                try:
                    line_create(actor=users[index % 2], sub_activity=sub, data=LineInput(
                        account="5.1.02.01.01.0024", price_item=world.items["Refill Ballpoint"], vol1="10"))
                    outcome = "saved"
                except ApplicationError as exc:
                    outcome = exc.code
                with lock:
                    results.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=saver, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(BudgetLine.objects.values_list("total", flat=True), Decimal(0))
    assert total <= Decimal("4003500")
    assert results.count("saved") == 17 == BudgetLine.objects.count()
    assert set(results) == {"saved", "ceiling_exceeded"}
    assert len(results) == 40
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_two_editors_of_one_line_lose_no_update(postgres_only):
    world = make_budget_world()
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    line = line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(
        account="5.1.02.01.01.0024", price_item=world.items["Refill Ballpoint"], vol1="10"))
    outcomes: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def editor(name: str, vol: str) -> None:
        try:
            barrier.wait()
            line_update(actor=world.users[name], line=line.pk, expected_version=1, data=LineInput(
                account="5.1.02.01.01.0024", price_item=world.items["Refill Ballpoint"], vol1=vol))
            outcomes[name] = "saved"
        except ConflictError:
            outcomes[name] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=editor, args=("operator", "3")),
               threading.Thread(target=editor, args=("head", "4"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    fresh = BudgetLine.objects.get(pk=line.pk)
    assert fresh.version == 2
    assert fresh.vol1 == Decimal({"operator": "3", "head": "4"}[winner])
