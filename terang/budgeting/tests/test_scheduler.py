"""Daily jobs enqueued by the worker (terang.core.scheduler): due at their Jakarta time, once per day however often
and by however many workers the scheduler ticks; the worker applies a price change due today exactly once."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.models import PriceChange, PriceItem
from terang.core import scheduler

from .test_catalogue_proposals import approve_all, new_price
from .test_flags_support import module_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("worker_inside_the_test_transaction")]
JAKARTA = ZoneInfo("Asia/Jakarta")
PRICES = "terang.budgeting.tasks.apply_due_price_changes"
FLAGS = "terang.budgeting.tasks.refresh_flags_nightly"

_world = module_world()


@pytest.fixture
def world(shared_world, db):
    return shared_world




def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=JAKARTA)


def queued(task_path: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task_path).order_by("enqueued_at"))


def test_the_apps_declare_their_daily_jobs():
    assert [(job.name, job.at) for job in scheduler.jobs()] == [
        ("budgeting.apply_due_price_changes", datetime.time(0, 5)),
        ("budgeting.refresh_flags_nightly", datetime.time(1, 0))]


def test_jobs_are_due_from_their_time_and_enqueued_once_per_day(world):
    day = datetime.date(2026, 3, 2)
    assert scheduler.tick(at(day, 0, 4)) == []
    assert scheduler.tick(at(day, 0, 5)) == ["budgeting.apply_due_price_changes"]
    assert scheduler.tick(at(day, 0, 30)) == []
    assert scheduler.tick(at(day, 1, 0)) == ["budgeting.refresh_flags_nightly"]
    assert scheduler.tick(at(day, 23, 59)) == []  # a second worker, later the same day: nothing
    assert [r.args_kwargs["kwargs"] for r in queued(PRICES)] == [{"today": "2026-03-02"}]
    assert [r.args_kwargs["kwargs"] for r in queued(FLAGS)] == [{"day": "2026-03-02"}]

    # the next day (a UTC clock: 2026-03-02 17:10 UTC is 00:10 on 3 March in Jakarta)
    utc = datetime.datetime(2026, 3, 2, 17, 10, tzinfo=datetime.UTC)
    assert scheduler.tick(utc) == ["budgeting.apply_due_price_changes"]
    assert [r.args_kwargs["kwargs"] for r in queued(PRICES)] == [{"today": "2026-03-02"}, {"today": "2026-03-03"}]


def test_a_job_already_enqueued_by_another_worker_is_not_enqueued_again(world, monkeypatch):
    day = datetime.date(2026, 3, 2)
    job = next(j for j in scheduler.jobs() if j.name == "budgeting.apply_due_price_changes")
    assert scheduler.enqueue_once(job, day) is True
    # the other worker checked just before this one inserted: its INSERT hits the primary key and is ignored
    monkeypatch.setattr(DBTaskResult.objects, "filter", lambda **kw: DBTaskResult.objects.none())
    assert scheduler.enqueue_once(job, day) is False
    monkeypatch.undo()
    assert len(queued(PRICES)) == 1
    assert queued(PRICES)[0].pk == job.result_id(day)


def test_the_worker_applies_a_price_change_due_today_once(world, monkeypatch):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    proposal = approve_all(world, new_price(world, effective_from=tomorrow))
    item = PriceItem.objects.get(pk=world.items["Refill Ballpoint"].pk)
    assert item.harga == Decimal("23550.00")

    # tomorrow 00:30 in Jakarta: the price job is due, the nightly flag refresh not yet
    monkeypatch.setattr(scheduler, "clock", lambda: at(tomorrow, 0, 30))
    call_command("worker", "--batch", verbosity=0)

    (row,) = queued(PRICES)
    assert (row.status, row.return_value) == (TaskResultStatus.SUCCESSFUL, {"date": tomorrow.isoformat(),
                                                                              "applied": 1})
    assert queued(FLAGS) == []
    item.refresh_from_db()
    assert (item.harga, item.version) == (Decimal("25000.00"), 2)
    assert PriceChange.objects.get(proposal=proposal).applied
    applied_events = DomainEvent.objects.filter(event_type=EventType.PRICE_CHANGE_APPLIED).count()
    changes = ChangeRecord.objects.count()

    # a second worker run the same day (or a second worker): nothing enqueued, nothing applied twice
    call_command("worker", "--batch", verbosity=0)
    assert len(queued(PRICES)) == 1
    item.refresh_from_db()
    assert item.version == 2
    assert DomainEvent.objects.filter(event_type=EventType.PRICE_CHANGE_APPLIED).count() == applied_events == 1
    assert ChangeRecord.objects.count() == changes


def test_no_scheduler_option_enqueues_nothing(world, monkeypatch):
    monkeypatch.setattr(scheduler, "clock", lambda: at(datetime.date(2026, 3, 2), 2, 0))
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)
    assert queued(PRICES) == [] and queued(FLAGS) == []
