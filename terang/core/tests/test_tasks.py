"""Background tasks with the database backend, run by `manage.py worker` (django-tasks-db's db_worker)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django_tasks import TaskResultStatus, task
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from terang.audit.services import record_change
from terang.core import context
from terang.core.tasks import audit_verify_task, ping


@task()
def current_request_id() -> str:
    """Test task: which request id do log lines written by a task carry?"""
    return context.get_request_id()


@pytest.fixture(autouse=True)
def _worker_inside_the_test_transaction(monkeypatch):
    # In production the worker runs in autocommit and drops stale connections between tasks; here the whole test
    # is one transaction that closing the connection would end. The worker also must not take over Ctrl-C.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker.Worker, "configure_signals", lambda self: None)


def test_enqueue_stores_the_task_in_the_database(db):
    result = ping.enqueue()

    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.READY
    assert row.task_path == "terang.core.tasks.ping"
    assert row.queue_name == "default"


def test_worker_runs_the_task_and_stores_its_return_value(db):
    result = ping.enqueue()

    call_command("worker", "--batch", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["database"] == connection.vendor
    assert DBTaskResult.objects.get(id=result.id).return_value == result.return_value


def test_db_worker_command_runs_it_too(db):
    result = ping.enqueue()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL


def test_each_task_runs_with_its_own_request_id(db):
    first, second = current_request_id.enqueue(), current_request_id.enqueue()

    call_command("worker", "--batch", verbosity=0)

    first.refresh()
    second.refresh()
    assert first.return_value == str(first.id)
    assert second.return_value == str(second.id)
    assert context.get_request_id() == "-"


def test_audit_verify_task_reports_intact_chains(db):
    from terang.org.models import Region

    region = Region.objects.create(kode="88", nama="Provinsi Uji", level="provinsi")
    record_change(action="create", instance=region, after={"kode": "88"})
    result = audit_verify_task.enqueue()

    call_command("worker", "--batch", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    report = result.return_value
    assert report["ok"] is True
    assert [c["chain"] for c in report["chains"]] == ["change", "event"]
    change = report["chains"][0]
    assert change["ok"] is True
    assert change["count"] == 1
    assert change["first_bad_seq"] is None


def test_audit_verify_task_for_one_chain(db):
    result = audit_verify_task.enqueue(chain="event")

    call_command("worker", "--batch", verbosity=0)

    result.refresh()
    assert [c["chain"] for c in result.return_value["chains"]] == ["event"]


def test_a_failing_task_is_marked_failed(db):
    result = audit_verify_task.enqueue(chain="tidak-ada")

    call_command("worker", "--batch", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert "tidak-ada" in result.errors[0].traceback


def test_worker_defaults():
    parser = db_worker.Command().create_parser("manage.py", "db_worker")
    from terang.core.management.commands.worker import Command

    ours = Command().create_parser("manage.py", "worker").parse_args([])
    theirs = parser.parse_args([])

    assert ours.queue_name == "default"
    assert ours.interval == 2.0
    assert ours.reload is False
    assert theirs.interval == 1


def test_worker_check_fails_when_no_worker_answers(db):
    with pytest.raises(CommandError, match="Tidak ada pekerja"):
        call_command("worker_check", "--timeout", "0.2")


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_worker_check_succeeds_when_the_task_runs(db, capsys):
    call_command("worker_check", "--timeout", "1")

    assert "Pekerja aktif" in capsys.readouterr().out
