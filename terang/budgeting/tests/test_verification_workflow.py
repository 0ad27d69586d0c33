"""SUB_ACTIVITY_WORKFLOW: every allowed transition with its event, every refused one (wrong role, other agency,
other pemda, wrong status, failing guard, stale version) and that a refusal changes nothing, audit included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from terang.accounts.choices import Role
from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.audit.verify import verify_all
from terang.budgeting.choices import LineType
from terang.budgeting.choices import SubActivityStatus as S
from terang.budgeting.models import SubActivityBudget, VerificationComment
from terang.budgeting.services.verification import (
    sub_activities_lock_verified,
    sub_activity_lock,
    sub_activity_return,
    sub_activity_submit,
    sub_activity_transition,
    sub_activity_verify,
    verification_comment_add,
    verification_comment_resolve,
    verification_comment_respond,
)
from terang.budgeting.workflows import LINE_EDITABLE_STATUSES, RED_FLAG_WORKFLOW, SUB_ACTIVITY_WORKFLOW
from terang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from terang.core.workflow import available_transitions
from terang.testing.factories import make_user

from .test_flags_support import add_line, module_world

pytestmark = pytest.mark.django_db


def _more_heads(world) -> None:
    world.users["head_dispendik"] = make_user(Role.OPD_HEAD, pemda=world.pemda, organisation=world.orgs["dispendik"],
                                              username="kepala.dispendik")
    world.users["head_b"] = make_user(Role.OPD_HEAD, pemda=world.other_pemda, organisation=world.orgs["dinkes_b"],
                                      username="kepala.b")


_world = module_world(_more_heads)


@pytest.fixture
def world(shared_world, db):
    return shared_world


@pytest.fixture
def sub(world):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=1000)
    return sub


def state(sub: SubActivityBudget) -> tuple:
    """Everything a refused transition must leave untouched."""
    fresh = SubActivityBudget.objects.get(pk=sub.pk)
    comments = tuple(VerificationComment.objects.filter(sub_activity=sub).order_by("pk").values_list(
        "pk", "body", "response", "resolved"))
    return fresh.status, fresh.version, comments, ChangeRecord.objects.count(), DomainEvent.objects.count()


def last_event() -> DomainEvent:
    """The newest event other than the flag refresh that a submission runs after its transition."""
    return DomainEvent.objects.exclude(event_type=EventType.FLAGS_REFRESHED).order_by("-seq").first()


def bring(world, sub, status: str) -> SubActivityBudget:
    """Move `sub` to `status` through the services (fixtures obey the workflow too)."""
    u = world.users
    if status == S.DRAFT:
        return sub
    sub = sub_activity_submit(actor=u["head"], sub_activity=sub)
    if status == S.RETURNED:
        sub = sub_activity_return(actor=u["tapd"], sub_activity=sub, reason="Lengkapi rincian bata.")
    elif status in (S.VERIFIED, S.LOCKED):
        sub = sub_activity_verify(actor=u["tapd"], sub_activity=sub)
        if status == S.LOCKED:
            sub = sub_activity_lock(actor=u["bpkad"], sub_activity=sub)
    assert sub.status == status
    return sub


def refused(exc_type, world, sub, fn, **kwargs):
    before = state(sub)
    with pytest.raises(exc_type) as info:
        fn(**kwargs)
    assert state(sub) == before
    return info.value


# --- allowed -------------------------------------------------------------------------------------------------------


def test_head_submits_a_draft(world, sub):
    result = sub_activity_submit(actor=world.users["head"], sub_activity=sub, expected_version=1)
    assert (result.status, result.version) == (S.SUBMITTED, 2)
    event = last_event()
    assert (event.event_type, event.object_type, event.object_id) == (
        EventType.SUB_ACTIVITY_SUBMITTED, "budgeting.subactivitybudget", str(sub.pk))
    assert event.payload["from"] == "draft" and event.payload["to"] == "submitted"
    change = ChangeRecord.objects.order_by("-seq").first()
    assert (change.action, change.before, change.after) == (
        "transition", {"status": "draft", "version": 1}, {"status": "submitted", "version": 2})
    assert change.pemda_id == world.pemda.pk


def test_a_sub_activity_with_only_undetailed_lines_may_be_submitted(world):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0001")
    add_line(world, sub, line_type=LineType.UNDETAILED, total="100000000")
    assert sub_activity_submit(actor=world.users["head"], sub_activity=sub).status == S.SUBMITTED


def test_tapd_returns_with_a_reason_that_becomes_a_comment(world, sub):
    sub = bring(world, sub, S.SUBMITTED)
    changes_before = ChangeRecord.objects.count()
    result = sub_activity_return(actor=world.users["tapd"], sub_activity=sub, reason="Volume bata tidak wajar.")
    assert (result.status, result.version) == (S.RETURNED, 3)
    assert last_event().event_type == EventType.SUB_ACTIVITY_RETURNED
    assert last_event().payload["reason"] == "Volume bata tidak wajar."
    comment = VerificationComment.objects.get(sub_activity=sub)
    assert (comment.body, comment.line_id, comment.author, comment.resolved, comment.response) == (
        "Volume bata tidak wajar.", None, world.users["tapd"], False, "")
    assert ChangeRecord.objects.count() == changes_before + 2  # the comment and the transition
    assert [r.action for r in ChangeRecord.objects.order_by("-seq")[:2]] == ["transition", "create"]


def test_full_cycle_submit_comment_return_respond_resubmit_resolve_verify_lock(world, sub):
    u = world.users
    line = sub.lines.get()
    sub = sub_activity_submit(actor=u["head"], sub_activity=sub)
    comment = verification_comment_add(actor=u["tapd"], sub_activity=sub, body="Harga bata perlu survei.", line=line)
    sub = sub_activity_return(actor=u["tapd"], sub_activity=sub, reason="Lihat catatan per baris.")
    for c in VerificationComment.objects.filter(sub_activity=sub):
        verification_comment_respond(actor=u["operator"], comment=c, response="Sudah disesuaikan dengan survei.")
    sub = sub_activity_submit(actor=u["head"], sub_activity=sub)
    assert last_event().event_type == EventType.SUB_ACTIVITY_SUBMITTED
    for c in VerificationComment.objects.filter(sub_activity=sub):
        verification_comment_resolve(actor=u["tapd"], comment=c)
    sub = sub_activity_verify(actor=u["tapd"], sub_activity=sub)
    assert (sub.status, last_event().event_type) == (S.VERIFIED, EventType.SUB_ACTIVITY_VERIFIED)
    sub = sub_activity_lock(actor=u["bpkad"], sub_activity=sub)
    assert (sub.status, sub.version, last_event().event_type) == (S.LOCKED, 6, EventType.SUB_ACTIVITY_LOCKED)
    comment.refresh_from_db()
    assert (comment.resolved, comment.response) == (True, "Sudah disesuaikan dengan survei.")
    events = list(DomainEvent.objects.filter(object_type="budgeting.subactivitybudget", object_id=str(sub.pk))
                  .order_by("seq").values_list("event_type", flat=True))
    assert events == [EventType.SUB_ACTIVITY_SUBMITTED, EventType.SUB_ACTIVITY_RETURNED,
                      EventType.SUB_ACTIVITY_SUBMITTED, EventType.SUB_ACTIVITY_VERIFIED, EventType.SUB_ACTIVITY_LOCKED]
    assert all(result.ok for result in verify_all())


def test_tapd_may_return_a_verified_sub_activity_with_a_reason(world, sub):
    sub = bring(world, sub, S.VERIFIED)
    result = sub_activity_return(actor=world.users["tapd"], sub_activity=sub, reason="Temuan baru inspektorat.")
    assert result.status == S.RETURNED
    assert VerificationComment.objects.get(sub_activity=sub).body == "Temuan baru inspektorat."


def test_lock_all_verified_sub_activities_of_a_fiscal_year(world, sub):
    u = world.users
    verified = bring(world, sub, S.VERIFIED)
    other = world.sub_activity("dinkes", "1.02.02.2.01.0001")
    add_line(world, other, item="Bata Merah", account="5.1.02.01.01.0001", vol1=10)
    other = sub_activity_submit(actor=u["head"], sub_activity=other)  # stays submitted
    other_year = world.sub_activity("dinkes_b", "1.02.02.2.01.0002")
    add_line(world, other_year, item="Bata Merah", account="5.1.02.01.01.0001", vol1=10)
    events = DomainEvent.objects.count()

    assert sub_activities_lock_verified(actor=u["bpkad"], fiscal_year=world.fiscal_year) == 1

    assert SubActivityBudget.objects.get(pk=verified.pk).status == S.LOCKED
    assert SubActivityBudget.objects.get(pk=other.pk).status == S.SUBMITTED
    assert DomainEvent.objects.count() == events + 1
    assert last_event().payload["reason"] == "Penguncian sub kegiatan terverifikasi TA 2026"
    assert sub_activities_lock_verified(actor=u["bpkad"], fiscal_year=world.fiscal_year) == 0


def test_lock_all_is_refused_to_others_and_changes_nothing(world, sub):
    sub = bring(world, sub, S.VERIFIED)
    for who in ("tapd", "head", "admin"):
        refused(PermissionDeniedError, world, sub, sub_activities_lock_verified, actor=world.users[who],
                fiscal_year=world.fiscal_year)


# --- refused -------------------------------------------------------------------------------------------------------


def test_submit_without_lines_is_refused(world):
    empty = world.sub_activity("dinkes", "1.02.02.2.01.0001")
    error = refused(ApplicationError, world, empty, sub_activity_submit, actor=world.users["head"], sub_activity=empty)
    assert error.code == "no_lines"
    assert error.message == ("Sub kegiatan 1.02.02.2.01.0001 belum memiliki rincian; tambahkan minimal satu baris "
                             "sebelum diajukan.")


@pytest.mark.parametrize("who", ["operator", "tapd", "bpkad", "admin", "auditor", "head_dispendik"])
def test_submit_refused_to_everyone_but_the_agency_head(world, sub, who):
    refused(PermissionDeniedError, world, sub, sub_activity_submit, actor=world.users[who], sub_activity=sub)


@pytest.mark.parametrize("who", ["operator_b", "tapd_b", "head_b"])
def test_other_pemda_is_refused(world, sub, who):
    refused(PermissionDeniedError, world, sub, sub_activity_submit, actor=world.users[who], sub_activity=sub)
    submitted = bring(world, sub, S.SUBMITTED)
    refused(PermissionDeniedError, world, submitted, sub_activity_verify, actor=world.users[who],
            sub_activity=submitted)


@pytest.mark.parametrize("who", ["head", "operator", "bpkad", "bappeda", "admin", "tapd_b"])
def test_return_and_verify_only_by_tapd_of_the_pemda(world, sub, who):
    sub = bring(world, sub, S.SUBMITTED)
    refused(PermissionDeniedError, world, sub, sub_activity_return, actor=world.users[who], sub_activity=sub,
            reason="alasan")
    refused(PermissionDeniedError, world, sub, sub_activity_verify, actor=world.users[who], sub_activity=sub)


def test_return_needs_a_reason(world, sub):
    sub = bring(world, sub, S.SUBMITTED)
    error = refused(ApplicationError, world, sub, sub_activity_return, actor=world.users["tapd"], sub_activity=sub,
                    reason="   ")
    assert error.code == "reason_required"


def test_resubmit_needs_every_open_comment_answered(world, sub):
    u = world.users
    sub = bring(world, sub, S.SUBMITTED)
    verification_comment_add(actor=u["tapd"], sub_activity=sub, body="Catatan pertama.")
    sub = sub_activity_return(actor=u["tapd"], sub_activity=sub, reason="Perbaiki.")
    first, second = VerificationComment.objects.filter(sub_activity=sub).order_by("pk")
    verification_comment_respond(actor=u["operator"], comment=first, response="Sudah.")
    error = refused(ApplicationError, world, sub, sub_activity_submit, actor=u["head"], sub_activity=sub)
    assert (error.code, error.details) == ("comments_unanswered", {"unanswered": 1})
    verification_comment_respond(actor=u["operator"], comment=second, response="Sudah juga.")
    assert sub_activity_submit(actor=u["head"], sub_activity=sub).status == S.SUBMITTED


def test_verify_needs_every_comment_resolved(world, sub):
    u = world.users
    sub = bring(world, sub, S.SUBMITTED)
    comment = verification_comment_add(actor=u["tapd"], sub_activity=sub, body="Cek spesifikasi.")
    error = refused(ApplicationError, world, sub, sub_activity_verify, actor=u["tapd"], sub_activity=sub)
    assert (error.code, error.details) == ("comments_open", {"open": 1})
    verification_comment_resolve(actor=u["tapd"], comment=comment)
    assert sub_activity_verify(actor=u["tapd"], sub_activity=sub).status == S.VERIFIED


@pytest.mark.parametrize("who", ["tapd", "head", "admin"])
def test_lock_only_by_bpkad(world, sub, who):
    sub = bring(world, sub, S.VERIFIED)
    refused(PermissionDeniedError, world, sub, sub_activity_lock, actor=world.users[who], sub_activity=sub)


@pytest.mark.parametrize(("status", "to"), [
    (S.DRAFT, S.VERIFIED), (S.DRAFT, S.RETURNED), (S.SUBMITTED, S.LOCKED), (S.RETURNED, S.VERIFIED),
    (S.LOCKED, S.RETURNED), (S.LOCKED, S.DRAFT), (S.VERIFIED, S.SUBMITTED),
])
def test_transitions_outside_the_table_are_refused(world, sub, status, to):
    sub = bring(world, sub, status)
    actor = world.users["bpkad" if to == S.LOCKED else "tapd"]
    error = refused(ApplicationError, world, sub, sub_activity_transition, actor=actor, sub_activity=sub,
                    to_status=to, reason="x")
    assert error.code == "transition_not_allowed"


def test_stale_version_is_refused(world, sub):
    error = refused(ConflictError, world, sub, sub_activity_submit, actor=world.users["head"], sub_activity=sub,
                    expected_version=7)
    assert error.details == {"current_version": 1}


# --- buttons and declarations --------------------------------------------------------------------------------------


def test_available_transitions_per_role(world, sub):
    def offered(obj, who):
        return [o.to_status for o in available_transitions(SUB_ACTIVITY_WORKFLOW, obj, world.users[who])]

    assert offered(sub, "head") == [S.SUBMITTED]
    assert offered(sub, "operator") == []
    assert offered(sub, "tapd") == []
    sub = bring(world, sub, S.SUBMITTED)
    assert offered(sub, "tapd") == [S.RETURNED, S.VERIFIED]
    assert offered(sub, "tapd_b") == []
    assert offered(sub, "head") == []
    sub = sub_activity_verify(actor=world.users["tapd"], sub_activity=sub)
    assert offered(sub, "bpkad") == [S.LOCKED]
    assert offered(sub, "tapd") == [S.RETURNED]


def test_every_sub_activity_transition_records_its_own_sub_activity_event():
    """Issue: "every step is a workflow transition with a domain event" — a typed SUB_ACTIVITY_* event each, never
    only the generic WORKFLOW_TRANSITION."""
    expected = {S.SUBMITTED: EventType.SUB_ACTIVITY_SUBMITTED, S.RETURNED: EventType.SUB_ACTIVITY_RETURNED,
                S.VERIFIED: EventType.SUB_ACTIVITY_VERIFIED, S.LOCKED: EventType.SUB_ACTIVITY_LOCKED}
    steps = [(src, dst, step.event_type) for src, targets in SUB_ACTIVITY_WORKFLOW.transitions.items()
             for dst, step in targets.items()]
    assert len(steps) == 6
    assert [(src, dst, event) for src, dst, event in steps if event != expected[dst]] == []


def test_workflows_use_declared_actions_and_lines_are_editable_only_in_draft_or_returned():
    SUB_ACTIVITY_WORKFLOW.validate()
    RED_FLAG_WORKFLOW.validate()
    assert LINE_EDITABLE_STATUSES == (S.DRAFT, S.RETURNED)


def test_status_is_assigned_only_by_the_engine_in_verification_modules():
    root = Path(__file__).resolve().parents[1]
    paths = [root / "workflows.py", root / "services" / "verification.py", root / "services" / "flags.py",
             root / "flag_rules.py", root / "views" / "verification.py", root / "api" / "verification.py"]
    offenders = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AugAssign | ast.AnnAssign) else []
            offenders += [f"{path.name}:{node.lineno}" for t in targets
                          if isinstance(t, ast.Attribute) and t.attr == "status"]
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("create", "update",
                                                                                 "update_or_create", "RedFlag"):
                offenders += [f"{path.name}:{node.lineno}" for kw in node.keywords if kw.arg == "status"]
    assert offenders == []
