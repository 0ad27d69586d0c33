"""Fixtures shared by the e-Budgeting tests that work on the DPA/report world of `test_dpa_world`."""

from __future__ import annotations

import pytest
from django_tasks_db.management.commands import db_worker

from .test_dpa_world import build_budget, freeze


@pytest.fixture
def worker_inside_the_test_transaction(monkeypatch):
    """Let `manage.py worker --batch` run inside the test's transaction (as terang/core/tests/test_tasks.py does):
    the worker must neither close the test's connection nor take over the signal handlers."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker.Worker, "configure_signals", lambda self: None)


@pytest.fixture
def budget():
    """Two agencies' lines, revenue and financing written through the ORM (see test_dpa_world.build_budget)."""
    return build_budget()


@pytest.fixture
def apbd(budget):
    """The budget frozen and published as APBD murni."""
    return freeze(budget)
