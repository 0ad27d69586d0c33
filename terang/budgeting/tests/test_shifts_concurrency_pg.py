"""Pergeseran under concurrency on PostgreSQL: a shift document and a line save touching the same line never
deadlock (the stage is share-locked by both), and two documents with one number cannot both be recorded."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from terang.budgeting.choices import ShiftLevel, StageKind
from terang.budgeting.models import BudgetLine, BudgetShift
from terang.budgeting.services import shifts
from terang.budgeting.services import stages as svc
from terang.budgeting.services.lines import LineInput, line_update
from terang.core.errors import ApplicationError
from terang.testing.budget import make_budget_world

from .test_stages_helpers import add_line, apbd_frozen, at

REASON = "Kebutuhan kertas naik karena penambahan laporan triwulan."


def _world():
    world = make_budget_world()
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0001")
    atk = add_line(world, sub, item="Kertas HVS 70 gr A4", vol1=20)
    atk2 = add_line(world, sub, item="Refill Ballpoint", vol1=40)
    apbd_frozen(world)
    stage = svc.stage_add(actor=world.users["bpkad"], fiscal_year=world.fiscal_year, kind=StageKind.PERGESERAN)
    stage = svc.stage_open(actor=world.users["bpkad"], stage=stage, opens_at=at(-0.01), closes_at=at(5))
    return world, stage, atk, atk2


def _run(*targets):
    errors: list[BaseException] = []
    outcomes: list[str] = []
    barrier = threading.Barrier(len(targets))

    def wrap(fn):
        def run():
            try:
                barrier.wait()
                fn()
                outcomes.append("saved")
            except ApplicationError as exc:  # ConflictError included: a clear, expected refusal
                outcomes.append(exc.code)
            except BaseException as exc:  # a deadlock or any database error fails the test
                errors.append(exc)
            finally:
                connections.close_all()
        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, errors


@pytest.mark.django_db(transaction=True)
def test_shift_and_line_save_on_the_same_line_never_deadlock(postgres_only):
    world, stage, atk, atk2 = _world()
    for round_ in range(6):
        current = BudgetLine.objects.get(pk=atk.pk)
        second = BudgetLine.objects.get(pk=atk2.pk)

        def shift():
            shifts.shift_create(actor=world.users["bpkad"], stage=stage, nomor=f"PG-{round_}",  # noqa: B023
                                legal_basis="Perkada Nomor 5 Tahun 2026", level=ShiftLevel.PPKD, reason=REASON,
                                changes=[(current, {"vol1": str(current.vol1 + 1)}),  # noqa: B023
                                         (second, {"harga_satuan": str(second.harga_satuan)})])  # noqa: B023

        def save():
            line_update(actor=world.users["operator"], line=current.pk, expected_version=current.version,  # noqa: B023
                        data=LineInput(account="5.1.02.01.01.0024", price_item=world.items["Kertas HVS 70 gr A4"],
                                       vol1=str(current.vol1 - 1)))  # noqa: B023

        outcomes, errors = _run(shift, save)
        assert errors == [], errors
        assert len(outcomes) == 2
    # every acknowledged write is there: the line's version counts one per saved write
    assert BudgetLine.objects.get(pk=atk.pk).version > 1


@pytest.mark.django_db(transaction=True)
def test_two_shift_documents_with_one_number_are_never_both_recorded(postgres_only):
    world, stage, atk, atk2 = _world()

    def shift(line):
        def run():
            shifts.shift_create(actor=world.users["bpkad"], stage=stage, nomor="PG-SAMA",
                                legal_basis="Perkada Nomor 5 Tahun 2026", level=ShiftLevel.PERDA, reason=REASON,
                                changes=[(line, {"vol1": str(line.vol1 + 1)})])
        return run

    outcomes, errors = _run(shift(atk), shift(atk2))
    assert errors == [], errors
    assert sorted(outcomes) == ["duplicate_nomor", "saved"]
    assert BudgetShift.objects.filter(nomor="PG-SAMA").count() == 1
