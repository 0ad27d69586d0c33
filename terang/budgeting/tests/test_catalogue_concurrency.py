"""Catalogue writes at the same moment (PostgreSQL row locks): two imports of one file into one year, two runs of
the scheduled-change job. Skipped on SQLite."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from terang.audit.events import EventType
from terang.audit.models import DomainEvent
from terang.audit.verify import verify_all
from terang.budgeting.choices import ProposalKind
from terang.budgeting.models import FiscalYear, PriceChange, PriceItem
from terang.budgeting.services.catalogue import (
    ProposalInput,
    catalogue_import,
    price_change_apply_due,
    price_proposal_create,
    price_proposal_transition,
)
from terang.testing.budget import make_budget_world

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "ssh_kota_malang_2026_sample.csv"


def run_together(*calls) -> list[object]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def act(index: int, fn) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = fn()
        except BaseException as exc:  # reported by the assertions
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_create_each_item_once(postgres_only):
    world = make_budget_world()
    fy = FiscalYear.objects.create(pemda=world.pemda, tahun=2027, program_version=world.fiscal_year.program_version,
                                   account_version=world.fiscal_year.account_version)
    admin, bpkad = world.users["admin"], world.users["bpkad"]

    outcomes = run_together(
        lambda: catalogue_import(actor=admin, fiscal_year=fy, path=SAMPLE),
        lambda: catalogue_import(actor=bpkad, fiscal_year=fy, path=SAMPLE),
    )

    counts = sorted((r.created, r.unchanged) for r in outcomes)  # type: ignore[union-attr]
    assert counts == [(0, 32), (32, 0)], outcomes
    assert PriceItem.objects.filter(fiscal_year=fy).count() == 32
    assert DomainEvent.objects.filter(event_type=EventType.CATALOGUE_IMPORTED).count() == 2
    assert all(r.ok for r in verify_all())


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_the_job_apply_a_change_once(postgres_only, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = make_budget_world()
    today = timezone.localdate()
    proposal = price_proposal_create(
        actor=world.users["operator"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
        data=ProposalInput(kind=ProposalKind.NEW_PRICE, item=world.items["Bata Merah"], harga="1900", alasan="x",
                           effective_from=today + timedelta(days=1)),
        evidence=[SimpleUploadedFile("s.pdf", b"%PDF-1.4\n%%EOF\n")])
    for user, status in (("operator", "submitted"), ("admin", "admin_approved"), ("tapd", "approved")):
        price_proposal_transition(actor=world.users[user], proposal=proposal, to_status=status)

    outcomes = run_together(lambda: price_change_apply_due(today=today + timedelta(days=1)),
                            lambda: price_change_apply_due(today=today + timedelta(days=1)))

    assert sorted(outcomes) == [0, 1], outcomes  # type: ignore[type-var]
    assert PriceChange.objects.get(proposal=proposal).applied
    item = PriceItem.objects.get(pk=world.items["Bata Merah"].pk)
    assert (item.harga, item.version) == (Decimal("1900.00"), 2)
    assert DomainEvent.objects.filter(event_type=EventType.PRICE_CHANGE_APPLIED).count() == 1
    assert all(r.ok for r in verify_all())
