"""On PostgreSQL: several workers ticking the scheduler at the same moment enqueue each daily job once; two agencies
submitting at the same moment both get their flags (the refreshes queue on the fiscal-year lock, no deadlock)."""

from __future__ import annotations

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django_tasks_db.models import DBTaskResult

from terang.budgeting.choices import FlagRule
from terang.budgeting.choices import SubActivityStatus as S
from terang.budgeting.models import RedFlag, SubActivityBudget
from terang.budgeting.services.verification import sub_activity_submit
from terang.core import scheduler
from terang.testing.budget import make_budget_world

from .test_flags_support import add_line


def together(*functions) -> tuple[list, list[Exception]]:
    barrier = threading.Barrier(len(functions))
    results: list = []
    errors: list[Exception] = []

    def run(fn) -> None:
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # the test reports any failure
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_four_workers_ticking_together_enqueue_each_job_once(postgres_only):
    now = datetime.datetime(2026, 3, 2, 6, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    scheduler.jobs()  # import the apps' tasks modules before the threads start
    results, errors = together(*[lambda: scheduler.tick(now)] * 4)
    assert errors == []
    assert sorted(name for names in results for name in names) == [
        "budgeting.apply_due_price_changes", "budgeting.refresh_flags_nightly"]
    assert sorted(DBTaskResult.objects.values_list("task_path", "args_kwargs__kwargs")) == [
        ("terang.budgeting.tasks.apply_due_price_changes", {"today": "2026-03-02"}),
        ("terang.budgeting.tasks.refresh_flags_nightly", {"day": "2026-03-02"})]


@pytest.mark.django_db(transaction=True)
def test_two_agencies_submitting_together_both_get_their_flags(postgres_only):
    world = make_budget_world()
    dinkes = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    over = add_line(world, dinkes, item="Refill Ballpoint", vol1=10, harga=30000)
    disp = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    disp_over = add_line(world, disp, item="Refill Ballpoint", vol1=5, harga=30000)
    from terang.accounts.choices import Role
    from terang.testing.factories import make_user

    head_disp = make_user(Role.OPD_HEAD, pemda=world.pemda, organisation=world.orgs["dispendik"], username="kd")
    _results, errors = together(lambda: sub_activity_submit(actor=world.users["head"], sub_activity=dinkes.pk),
                               lambda: sub_activity_submit(actor=head_disp, sub_activity=disp.pk))
    assert errors == []
    assert set(SubActivityBudget.objects.filter(pk__in=[dinkes.pk, disp.pk]).values_list("status", flat=True)) == {
        S.SUBMITTED}
    assert set(RedFlag.objects.values_list("rule", "line_id")) == {
        (FlagRule.PRICE_ABOVE_CATALOGUE, over.pk), (FlagRule.PRICE_ABOVE_CATALOGUE, disp_over.pk)}
