"""On PostgreSQL: parallel flag refreshes of one fiscal year are serialised (no duplicate flags, no constraint
error), and a verifier's comment racing the return of its sub-kegiatan waits for the row lock and is refused."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from terang.budgeting.choices import LineType
from terang.budgeting.choices import SubActivityStatus as S
from terang.budgeting.models import RedFlag, SubActivityBudget, VerificationComment
from terang.budgeting.services.flags import flags_refresh
from terang.budgeting.services.verification import sub_activity_submit, verification_comment_add
from terang.core.errors import ApplicationError
from terang.core.workflow import transition
from terang.testing.budget import make_budget_world

from .test_flags_support import add_line


@pytest.mark.django_db(transaction=True)
def test_parallel_refreshes_create_each_flag_once(postgres_only):
    world = make_budget_world(with_users=False)
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    for volume in range(1, 31):
        add_line(world, sub, item="Refill Ballpoint", vol1=volume, harga=30000)
    add_line(world, sub, line_type=LineType.UNDETAILED, total="1000000")
    errors: list[Exception] = []
    created: list[int] = []
    barrier = threading.Barrier(4)

    def refresher() -> None:
        try:
            barrier.wait()
            created.append(flags_refresh(fiscal_year=world.fiscal_year).created)
        except Exception as exc:  # the test reports any failure
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(created) == [0, 0, 0, 31]  # the first one creates, the others find them all in place
    assert RedFlag.objects.count() == 31
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_comment_racing_a_return_is_refused(postgres_only):
    from terang.budgeting.workflows import SUB_ACTIVITY_WORKFLOW

    world = make_budget_world()
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    add_line(world, sub, item="Refill Ballpoint", vol1=10)
    sub = sub_activity_submit(actor=world.users["head"], sub_activity=sub)
    outcome: dict[str, str] = {}
    started = threading.Event()

    def commenter() -> None:
        try:
            started.set()
            verification_comment_add(actor=world.users["tapd"], sub_activity=sub.pk, body="Catatan terlambat.")
            outcome["comment"] = "saved"
        except ApplicationError as exc:
            outcome["comment"] = exc.code
        finally:
            connections.close_all()

    with transaction.atomic():
        transition(workflow=SUB_ACTIVITY_WORKFLOW, obj_or_pk=sub.pk, to_status=S.RETURNED,
                   actor=world.users["tapd"], reason="Kembalikan dulu.")
        thread = threading.Thread(target=commenter)
        thread.start()
        started.wait()
        thread.join(timeout=1)
        assert thread.is_alive()  # waiting for the row lock held by the return
    thread.join()
    assert outcome == {"comment": "not_submitted"}
    assert SubActivityBudget.objects.get(pk=sub.pk).status == S.RETURNED
    assert list(VerificationComment.objects.values_list("body", flat=True)) == ["Kembalikan dulu."]
