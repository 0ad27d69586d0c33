"""Two operators save the same cash plan row at the same moment, and two BPKAD officers create the same DPA: the row
lock and the optimistic version let exactly one win; nothing is silently overwritten (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from terang.accounts.choices import Role
from terang.audit.events import EventType
from terang.audit.models import DomainEvent
from terang.audit.verify import verify_all
from terang.budgeting.models import CashPlan, Dpa
from terang.budgeting.services import dpa as services
from terang.core.errors import ApplicationError
from terang.testing.factories import make_user

from .test_dpa_world import build_budget, freeze

Z = Decimal("0.00")


def _race(actions: dict[str, Callable[[], object]]) -> dict[str, str]:
    barrier = threading.Barrier(len(actions))
    outcomes: dict[str, str] = {}

    def run(name: str, fn: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            fn()
            outcomes[name] = "ok"
        except ApplicationError as exc:
            outcomes[name] = exc.code
        except BaseException as exc:  # reported by the assertion
            outcomes[name] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_parallel_cash_plan_saves_exactly_one_wins(postgres_only):
    budget = build_budget()
    stage = freeze(budget)
    dpa = services.dpa_create(actor=budget.users["bpkad"], stage=stage, organisation=budget.orgs["dinkes"])
    plan = CashPlan.objects.get(dpa=dpa, account__kode="5.1.02.01.01.0001")
    first = [Decimal("1850000")] + [Z] * 11
    second = [Z] * 11 + [Decimal("1850000")]
    outcomes = _race({
        "operator": lambda: services.cash_plan_set(actor=budget.users["operator"], cash_plan=plan, months=first,
                                                   expected_version=1),
        "head": lambda: services.cash_plan_set(actor=budget.users["head"], cash_plan=plan, months=second,
                                               expected_version=1),
    })
    assert sorted(outcomes.values()) == ["ok", "version_conflict"], outcomes
    plan.refresh_from_db()
    assert plan.version == 2
    assert plan.months == (first if outcomes["operator"] == "ok" else second)
    assert DomainEvent.objects.filter(event_type=int(EventType.CASH_PLAN_SET)).count() == 1
    assert all(result.ok for result in verify_all())


@pytest.mark.django_db(transaction=True)
def test_parallel_dpa_creation_makes_one_dpa(postgres_only):
    budget = build_budget()
    stage = freeze(budget)
    second_bpkad = make_user(Role.BPKAD_OFFICER, pemda=budget.pemda)
    outcomes = _race({
        name: (lambda actor=actor: services.dpa_create(actor=actor, stage=stage, organisation=budget.orgs["dinkes"]))
        for name, actor in (("a", budget.users["bpkad"]), ("b", second_bpkad))
    })
    assert sorted(outcomes.values()) == ["dpa_exists", "ok"], outcomes
    assert Dpa.objects.count() == 1 and CashPlan.objects.count() == 4
    assert DomainEvent.objects.filter(event_type=int(EventType.DPA_CREATED)).count() == 1
