"""Daily jobs run by `manage.py worker`: a tiny scheduler on top of the django-tasks database queue.

Apps declare their jobs in their `tasks` module (found with `autodiscover_modules("tasks")`):

    scheduler.daily("budgeting.apply_due_price_changes", task=apply_due_price_changes, at=time(0, 5),
                    kwargs=lambda day: {"today": day.isoformat()})

Every worker calls `tick()` when it starts and then every `TICK_SECONDS` (a background thread; `--batch` ticks
once before running the queue). A job is due when the local time (Asia/Jakarta, settings.TIME_ZONE) has passed its
`at` on that day; it is then enqueued at most ONCE per day, however many workers tick: the task result row gets a
deterministic primary key, uuid5(f"{job name}:{date}"), so a second insert of the same job and day fails on the
primary key and is ignored (PostgreSQL and SQLite alike; no table of our own, no migration). A worker that was down
at the scheduled time enqueues the job when it comes back the same day; a missed day is not replayed (the jobs
catch up by themselves: they work on everything due up to their date).

Pruning old task results (`prune_db_task_results --min-age-days 30`) cannot re-trigger a job: only today's key is
ever inserted.
"""

from __future__ import annotations

import datetime
import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, OperationalError, close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("terang.scheduler")

#: How often a running worker looks for due jobs.
TICK_SECONDS = 30.0
#: Namespace of the deterministic task-result ids of scheduled jobs.
NAMESPACE = uuid.UUID("6f1f3b0e-7d4a-5b8e-9c61-2a7e0b9d4c10")


@dataclass(frozen=True)
class DailyJob:
    """One task to enqueue once a day at `at` (local time), with arguments computed from the day."""

    name: str
    task: Any  # django_tasks.Task
    at: datetime.time
    kwargs: Callable[[datetime.date], dict[str, Any]] = field(default=lambda day: {})

    def key(self, day: datetime.date) -> str:
        return f"{self.name}:{day.isoformat()}"

    def result_id(self, day: datetime.date) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, self.key(day))


#: The scheduler's clock (tests replace it).
clock: Callable[[], datetime.datetime] = timezone.now

_JOBS: dict[str, DailyJob] = {}
_discovered = False


def daily(name: str, *, task: Any, at: datetime.time,
          kwargs: Callable[[datetime.date], dict[str, Any]] | None = None) -> DailyJob:
    """Declare (or redeclare) a daily job."""
    job = DailyJob(name=name, task=task, at=at, kwargs=kwargs or (lambda day: {}))
    _JOBS[name] = job
    return job


def jobs() -> list[DailyJob]:
    """Every declared job, in time order (the apps' `tasks` modules are imported first)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
    return sorted(_JOBS.values(), key=lambda job: (job.at, job.name))


def enqueue_once(job: DailyJob, day: datetime.date) -> bool:
    """Enqueue `job` for `day` unless it already was (by any worker). True when this call enqueued it."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult

    task = job.task
    backend = task.get_backend()
    kwargs = job.kwargs(day)
    if not isinstance(backend, DatabaseBackend):  # e.g. the immediate backend in development: best effort
        if not cache.add(f"terang-scheduler:{job.key(day)}", True, timeout=2 * 86400):
            return False
        task.enqueue(**kwargs)
        return True
    pk = job.result_id(day)
    if DBTaskResult.objects.filter(pk=pk).exists():  # the usual case: no failed INSERT in the server log
        return False
    try:
        with transaction.atomic():
            row = DBTaskResult.objects.create(
                id=pk, args_kwargs=normalize_json({"args": [], "kwargs": kwargs}), priority=task.priority,
                task_path=task.module_path, queue_name=task.queue_name, run_after=task.run_after,
                backend_name=backend.alias,
            )
    except IntegrityError:  # another worker enqueued it a moment ago
        return False
    task_enqueued.send(type(backend), task_result=row.task_result)
    logger.info("Tugas terjadwal %s diantrekan untuk %s", job.name, day.isoformat(),
                extra={"job": job.name, "day": day.isoformat(), "task_id": str(pk)})
    return True


def due_jobs(now: datetime.datetime | None = None, *, only: Iterable[DailyJob] | None = None
             ) -> tuple[datetime.date, list[DailyJob]]:
    local = timezone.localtime(now or clock())
    return local.date(), [job for job in (only if only is not None else jobs()) if local.time() >= job.at]


def tick(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every job that is due today and not yet enqueued; returns the names of the jobs this call enqueued."""
    day, due = due_jobs(now)
    enqueued = []
    for job in due:
        try:
            if enqueue_once(job, day):
                enqueued.append(job.name)
        except OperationalError:  # SQLite busy, connection lost: the next tick tries again
            logger.warning("Tugas terjadwal %s belum dapat diantrekan; dicoba lagi", job.name, exc_info=True)
    return enqueued


class SchedulerThread(threading.Thread):
    """Ticks every `interval` seconds beside a running worker (daemon: it ends with the worker process)."""

    def __init__(self, interval: float = TICK_SECONDS) -> None:
        super().__init__(name="terang-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                tick()
            except Exception:  # never let a scheduling error kill the thread
                logger.exception("Penjadwal tugas gagal")
            finally:
                connections.close_all()  # this thread's connections only
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
