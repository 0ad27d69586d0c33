"""`manage.py worker`: run the background-task worker (django-tasks-db's `db_worker` with Terang's defaults).

Defaults: every queue configured for the backend in settings.TASKS (today: `default`), poll every 2 seconds when
idle, no autoreload (pass `--reload` while developing). Each task runs with its own request id, equal to the
task id, so its log lines carry the id stored in the task result. Stop it with SIGTERM/SIGINT: the running task
finishes first. Useful options (all of `db_worker`'s are accepted):

    manage.py worker                      # run until stopped (the systemd unit in docs/deployment.md)
    manage.py worker --batch              # run every outstanding task, then exit (cron, tests)
    manage.py worker --max-tasks 100      # exit after 100 tasks (let systemd restart it to free memory)
    manage.py worker --no-scheduler       # do not enqueue the daily jobs (terang.core.scheduler)

The worker also runs the daily jobs the apps declare (terang.core.scheduler; e.g. the catalogue price changes at
00:05 and the nightly red-flag refresh at 01:00 Asia/Jakarta): it ticks the scheduler at start and then every
30 seconds in a background thread (`--batch`: once, before running the queue). Each job is enqueued once a day
however many workers run.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from terang.core import context
from terang.core.scheduler import SchedulerThread, tick

DEFAULT_INTERVAL = 2.0


class TerangWorker(db_worker.Worker):
    scheduler_thread: SchedulerThread | None = None

    def run(self) -> None:
        if self.scheduler_thread is not None and self.scheduler_thread.ident is None:
            self.scheduler_thread.start()  # here, not in handle(): with --reload only the child process runs it
        try:
            super().run()
        finally:
            if self.scheduler_thread is not None:
                self.scheduler_thread.stop()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        with context.use_context(request_id=str(db_task_result.id)):
            super().run_task(db_task_result)


def configured_queues(backend: str = DEFAULT_TASK_BACKEND_ALIAS) -> str:
    queues = settings.TASKS.get(backend, {}).get("QUEUES") or ["default"]
    return ",".join(queues)


class Command(db_worker.Command):
    help = "Jalankan pekerja tugas latar (antrean basis data). Bawaan: semua antrean di settings.TASKS, jeda 2 detik."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-scheduler", action="store_false", dest="scheduler",
                            help="Jangan antrekan tugas harian terjadwal (terang.core.scheduler).")
        parser.set_defaults(queue_name=configured_queues(), interval=DEFAULT_INTERVAL, reload=False)

    def handle(  # type: ignore[override]
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        scheduler: bool = True,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues hanya dapat dipakai bersama --queue-name='*'")
        worker = TerangWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay and not batch,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if scheduler and batch:
            tick()
        elif scheduler:
            worker.scheduler_thread = SchedulerThread()
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
