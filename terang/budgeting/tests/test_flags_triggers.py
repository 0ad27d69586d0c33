"""When red flags are recomputed: synchronously when a sub-kegiatan is submitted to TAPD (scoped to it), in the
background after line saves (flags_refresh_soon → tasks.refresh_flags, debounced and idempotent), and nightly for
every open fiscal year (tasks.refresh_flags_nightly)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import FiscalYearStatus, FlagRule, LineType, StageStatus
from terang.budgeting.choices import SubActivityStatus as S
from terang.budgeting.models import FiscalYear, RedFlag, Stage, SubActivityBudget
from terang.budgeting.services import flags as flag_services
from terang.budgeting.services.flags import flags_refresh, flags_refresh_soon
from terang.budgeting.services.verification import sub_activity_submit
from terang.budgeting.tasks import refresh_flags, refresh_flags_nightly
from terang.core.errors import PermissionDeniedError

from .test_flags_support import add_line, extra_agencies, module_world, peer_sub, ppas_line

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("worker_inside_the_test_transaction")]
TASK_PATH = "terang.budgeting.tasks.refresh_flags"

_world = module_world()


@pytest.fixture
def world(shared_world, db):
    return shared_world




@pytest.fixture
def budget(world):
    """Dinkes: an overpriced line and a placeholder in one sub-kegiatan, an overpriced line in another one;
    Dispendik: an overpriced line."""
    dinkes = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    over = add_line(world, dinkes, item="Refill Ballpoint", vol1=10, harga=30000)
    reserved = add_line(world, dinkes, line_type=LineType.UNDETAILED, total="7500000")
    dinkes_other = world.sub_activity("dinkes", "1.02.02.2.01.0001")
    other = add_line(world, dinkes_other, item="Refill Ballpoint", vol1=2, harga=30000)
    disp = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    disp_over = add_line(world, disp, item="Refill Ballpoint", vol1=5, harga=30000)
    return {"dinkes": dinkes, "over": over, "reserved": reserved, "dinkes_other": dinkes_other, "other": other,
            "disp": disp, "disp_over": disp_over}


def flagged() -> set[tuple[str, int | None]]:
    return set(RedFlag.objects.values_list("rule", "line_id"))


def waiting_refreshes() -> list[dict]:
    return [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.filter(task_path=TASK_PATH,
                                                                             status=TaskResultStatus.READY)]


# --- on submission -------------------------------------------------------------------------------------------------


def test_submitting_refreshes_the_flags_of_that_sub_activity_in_the_same_transaction(world, budget):
    assert not RedFlag.objects.exists()
    sub = sub_activity_submit(actor=world.users["head"], sub_activity=budget["dinkes"])

    assert sub.status == S.SUBMITTED
    assert flagged() == {(FlagRule.PRICE_ABOVE_CATALOGUE, budget["over"].pk), (FlagRule.PLACEHOLDER,
                                                                               budget["reserved"].pk)}
    events = list(DomainEvent.objects.order_by("-seq")[:2])
    assert [e.event_type for e in events] == [EventType.FLAGS_REFRESHED, EventType.SUB_ACTIVITY_SUBMITTED]
    assert events[0].actor_username == "kepala.dinkes"
    assert {k: events[0].payload[k] for k in ("scope", "sub_activity", "organisation", "lines_checked", "created",
                                              "open")} == {
        "scope": "sub_activity", "sub_activity": sub.pk, "organisation": world.orgs["dinkes"].pk,
        "lines_checked": 2, "created": 2, "open": 2}


def test_submitting_keeps_a_dismissed_flag_dismissed_and_leaves_other_sub_activities_alone(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    dismissed = RedFlag.objects.get(line=budget["over"], rule=FlagRule.PRICE_ABOVE_CATALOGUE)
    flag_services.flag_dismiss(actor=world.users["tapd"], flag=dismissed, reason="Harga kontrak payung 2026.")
    others = list(RedFlag.objects.exclude(sub_activity=budget["dinkes"]).order_by("pk").values_list(
        "pk", "message", "status"))
    # the other agency's line gets cheaper: only a refresh of Dispendik would remove its flag
    budget["disp_over"].harga_satuan = budget["disp_over"].total = 1
    budget["disp_over"].save(update_fields=["harga_satuan", "total"])

    sub_activity_submit(actor=world.users["head"], sub_activity=budget["dinkes"])

    dismissed.refresh_from_db()
    assert (dismissed.status, dismissed.dismissed_reason) == ("dismissed", "Harga kontrak payung 2026.")
    assert list(RedFlag.objects.exclude(sub_activity=budget["dinkes"]).order_by("pk").values_list(
        "pk", "message", "status")) == others


def test_a_refused_submission_refreshes_nothing(world, budget):
    before = (flagged(), DomainEvent.objects.count(), ChangeRecord.objects.count())
    with pytest.raises(PermissionDeniedError):
        sub_activity_submit(actor=world.users["operator"], sub_activity=budget["dinkes"])
    assert (flagged(), DomainEvent.objects.count(), ChangeRecord.objects.count()) == before
    assert SubActivityBudget.objects.get(pk=budget["dinkes"].pk).status == S.DRAFT


def test_a_failing_refresh_does_not_refuse_the_submission_and_the_worker_tries_again(
        world, budget, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        RedFlag.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                               rule=FlagRule.ROUND_TOTAL, severity=1, message="half-written")
        raise RuntimeError("rule bug")

    monkeypatch.setattr(flag_services, "flags_refresh", broken)
    with django_capture_on_commit_callbacks(execute=True):
        sub = sub_activity_submit(actor=world.users["head"], sub_activity=budget["dinkes"])
    assert sub.status == S.SUBMITTED
    assert not RedFlag.objects.exists()  # the savepoint rolled the broken refresh back
    assert waiting_refreshes() == [{"fiscal_year_id": world.fiscal_year.pk,
                                    "organisation_id": world.orgs["dinkes"].pk}]


def test_sub_activity_scope_finds_what_a_full_refresh_finds(world, budget):
    """The cheap scope (its lines only; peers by GROUP BY; KUA-PPAS row of that sub-kegiatan only) agrees with the
    full refresh on volume peers, KUA-PPAS and line rules."""
    for org, volume in zip(extra_agencies(world, 3), (10, 16, 20), strict=True):
        add_line(world, peer_sub(world, org), item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=volume,
                 sat1="Kotak")
    target = world.sub_activity("dinkes", "1.02.01.2.06.0002")
    meals = add_line(world, target, item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=50, sat1="Kotak")
    more = add_line(world, target, item="Nasi Kotak Rapat", account="5.1.02.01.01.0052", vol1=31, sat1="Kotak")
    pens = add_line(world, target, item="Refill Ballpoint", vol1=3, harga=30000)
    ppas_line(world, budget["dinkes"], 1000000)  # a snapshot without the target: new after KUA-PPAS
    Stage.objects.filter(pk=world.kua_ppas.pk).update(status=StageStatus.CLOSED)

    summary = flags_refresh(fiscal_year=world.fiscal_year, sub_activity=target)

    def target_flags():
        return sorted(RedFlag.objects.filter(sub_activity=target).values_list("pk", "rule", "line_id", "message",
                                                                              "details"))
    found = target_flags()
    assert {(rule, line) for _pk, rule, line, _m, _d in found} == {
        (FlagRule.VOLUME_OUTLIER, meals.pk), (FlagRule.VOLUME_OUTLIER, more.pk),  # 50 + 31 > 5 × median 16
        (FlagRule.PRICE_ABOVE_CATALOGUE, pens.pk), (FlagRule.NEW_AFTER_PPAS, None)}
    volume = RedFlag.objects.get(rule=FlagRule.VOLUME_OUTLIER, line=meals)
    assert volume.details["pembanding"] == {"volume_sub_kegiatan": "81", "median": "16", "jumlah_pembanding": 3,
                                            "rasio": "5.06", "batas_rasio": "5"}
    assert summary.lines_checked == 3
    assert not RedFlag.objects.exclude(sub_activity=target).exists()  # nothing outside the scope

    flags_refresh(fiscal_year=world.fiscal_year)
    assert target_flags() == found  # the full refresh keeps every one of them unchanged


def test_scoped_refresh_needs_a_single_scope(world, budget):
    with pytest.raises(ValueError):
        flags_refresh(fiscal_year=world.fiscal_year, sub_activity=budget["dinkes"], lines=[budget["over"]])
    assert not RedFlag.objects.exists()


# --- after line saves: background, debounced -----------------------------------------------------------------------


def test_refresh_soon_enqueues_after_commit_once_while_waiting(world, budget, django_capture_on_commit_callbacks):
    fy, dinkes, disp = world.fiscal_year.pk, world.orgs["dinkes"].pk, world.orgs["dispendik"].pk
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        flags_refresh_soon(fy, dinkes)
    assert waiting_refreshes() == []  # nothing before the commit
    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        flags_refresh_soon(fy, dinkes)  # debounced: the first is still waiting
        flags_refresh_soon(fy, disp)  # another agency: its own task
    assert sorted(waiting_refreshes(), key=lambda kw: kw["organisation_id"]) == sorted(
        [{"fiscal_year_id": fy, "organisation_id": dinkes}, {"fiscal_year_id": fy, "organisation_id": disp}],
        key=lambda kw: kw["organisation_id"])
    row = DBTaskResult.objects.get(task_path=TASK_PATH, args_kwargs__kwargs__organisation_id=dinkes)
    assert row.run_after > row.enqueued_at  # waits a little, so a burst of saves shares it

    # once the worker has taken it, the next save queues a new one (the running one may have missed that save)
    row.claim("test-worker")
    with django_capture_on_commit_callbacks(execute=True):
        flags_refresh_soon(fy, dinkes)
    assert DBTaskResult.objects.filter(task_path=TASK_PATH, args_kwargs__kwargs__organisation_id=dinkes).count() == 2


def test_refresh_soon_enqueues_nothing_when_the_save_rolls_back(world, budget, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        flags_refresh_soon(world.fiscal_year.pk, world.orgs["dinkes"].pk)
        raise RuntimeError("the line save failed")
    assert waiting_refreshes() == []


def test_the_worker_refreshes_the_agency_and_running_it_again_changes_nothing(
        world, budget, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(flag_services, "REFRESH_DELAY_SECONDS", 0)
    with django_capture_on_commit_callbacks(execute=True):
        flags_refresh_soon(world.fiscal_year.pk, world.orgs["dinkes"].pk)

    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    assert flagged() == {(FlagRule.PRICE_ABOVE_CATALOGUE, budget["over"].pk), (FlagRule.PLACEHOLDER,
                                                                               budget["reserved"].pk),
                         (FlagRule.PRICE_ABOVE_CATALOGUE, budget["other"].pk)}  # not Dispendik's line
    row = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert (row.return_value["organisation"], row.return_value["created"]) == (world.orgs["dinkes"].pk, 3)
    before = list(RedFlag.objects.order_by("pk").values_list("pk", "rule", "line_id", "message", "status"))
    changes = ChangeRecord.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        flags_refresh_soon(world.fiscal_year.pk, world.orgs["dinkes"].pk)
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    second = DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("-enqueued_at").first()
    assert (second.status, second.return_value["created"], second.return_value["kept"]) == (
        TaskResultStatus.SUCCESSFUL, 0, 3)
    assert list(RedFlag.objects.order_by("pk").values_list("pk", "rule", "line_id", "message", "status")) == before
    assert ChangeRecord.objects.count() == changes


def test_refresh_task_skips_closed_years_and_missing_agencies(world, budget):
    assert refresh_flags.call(fiscal_year_id=world.fiscal_year.pk, organisation_id=world.orgs["dinkes_b"].pk)[
        "skipped"] == "organisation"  # an agency of another pemda
    FiscalYear.objects.filter(pk=world.fiscal_year.pk).update(status=FiscalYearStatus.CLOSED)
    assert refresh_flags.call(fiscal_year_id=world.fiscal_year.pk, organisation_id=world.orgs["dinkes"].pk)[
        "skipped"] == "fiscal_year"
    assert not RedFlag.objects.exists()


# --- nightly -------------------------------------------------------------------------------------------------------


def test_nightly_refresh_covers_every_open_fiscal_year(world, budget):
    result = refresh_flags_nightly.call(day="2026-03-02")
    assert result["day"] == "2026-03-02"
    assert [y["fiscal_year"] for y in result["fiscal_years"]] == list(
        FiscalYear.objects.exclude(status=FiscalYearStatus.CLOSED).order_by("pk").values_list("pk", flat=True))
    assert flagged() == {(FlagRule.PRICE_ABOVE_CATALOGUE, budget["over"].pk), (FlagRule.PLACEHOLDER,
                                                                               budget["reserved"].pk),
                         (FlagRule.PRICE_ABOVE_CATALOGUE, budget["other"].pk),
                         (FlagRule.PRICE_ABOVE_CATALOGUE, budget["disp_over"].pk)}
    FiscalYear.objects.filter(pk=world.fiscal_year.pk).update(status=FiscalYearStatus.CLOSED)
    RedFlag.objects.all().delete()
    result = refresh_flags_nightly.call(day="2026-03-03")
    assert world.fiscal_year.pk not in [y["fiscal_year"] for y in result["fiscal_years"]]
    assert not RedFlag.objects.filter(fiscal_year=world.fiscal_year).exists()
