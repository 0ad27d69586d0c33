"""Freezing while operators save lines (PostgreSQL): the snapshot is exactly what was committed when the single
INSERT … SELECT started — never a half snapshot, never a line committed later."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from terang.budgeting.models import BudgetLine, StageLine
from terang.budgeting.services import stages as svc
from terang.testing.budget import make_budget_world

from .test_stages_helpers import add_line

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_uncommitted_lines_are_not_frozen(postgres_only):
    world = make_budget_world()
    committed = [add_line(world, vol1=n + 1) for n in range(5)]
    inserted = threading.Event()
    frozen = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                for n in range(3):
                    add_line(world, vol1=100 + n, uraian=f"belum commit {n}")
                inserted.set()
                frozen.wait(10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert inserted.wait(10)
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    frozen.set()
    thread.join(10)
    assert not errors
    assert BudgetLine.objects.filter(fiscal_year=world.fiscal_year).count() == 8
    assert set(StageLine.objects.filter(stage=stage).values_list("line_id", flat=True)) == {
        line.pk for line in committed}
    assert svc.stage_verify(stage)[0]


def test_freeze_under_a_stream_of_commits_is_a_consistent_prefix(postgres_only):
    world = make_budget_world()
    for n in range(20):
        add_line(world, vol1=n + 1)
    stop = threading.Event()
    started = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            n = 0
            while not stop.is_set():
                add_line(world, vol1=1000 + n, uraian=f"baru {n}")  # one commit per line, ids increase
                n += 1
                if n == 5:
                    started.set()
                time.sleep(0.001)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(10)
    stage = svc.stage_close_and_freeze(actor=world.users["bpkad"], stage=world.rka)
    stop.set()
    thread.join(10)
    assert not errors
    frozen_ids = sorted(StageLine.objects.filter(stage=stage).values_list("line_id", flat=True))
    all_ids = sorted(BudgetLine.objects.filter(fiscal_year=world.fiscal_year).values_list("pk", flat=True))
    assert len(frozen_ids) >= 25
    # the snapshot is every line committed up to some point, with no gap and nothing from after it
    assert frozen_ids == all_ids[:len(frozen_ids)]
    assert svc.stage_digest(stage).lines == len(frozen_ids)
