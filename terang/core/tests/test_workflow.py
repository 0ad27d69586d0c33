"""The workflow engine, exercised with a table declared here over OrganisationProfileRequest.

The real profile-request workflow is tested in terang/org/tests/; these tests pin the engine's own rules:
order of checks, nothing changes on refusal, audit records in the same transaction, hooks and guards.
"""

from __future__ import annotations

import pytest

from terang.accounts.choices import Role
from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from terang.core.workflow import Transition, TransitionContext, Workflow, available_transitions, transition
from terang.org.choices import ProfileRequestStatus as S
from terang.org.models import OrganisationProfileRequest
from terang.testing.factories import OrganisationFactory, make_user

pytestmark = pytest.mark.django_db

calls: list[str] = []


def guard_ok(ctx: TransitionContext) -> None:
    calls.append(f"guard:{ctx.from_status}->{ctx.to_status}:{ctx.data.get('x')}")


def guard_refuses(ctx: TransitionContext) -> None:
    raise ApplicationError("Pagu terlampaui.", code="ceiling_exceeded")


def hook_note(ctx: TransitionContext) -> None:
    ctx.obj.catatan_verifikator = f"oleh {ctx.actor.username}"
    ctx.update_fields.add("catatan_verifikator")


def hook_fails(ctx: TransitionContext) -> None:
    raise ApplicationError("Gagal menerapkan.", code="apply_failed")


def hook_touches_status(ctx: TransitionContext) -> None:
    ctx.obj.status = S.DRAFT


WF = Workflow(
    name="uji.profil",
    model=OrganisationProfileRequest,
    transitions={
        S.DRAFT: {
            S.SUBMITTED: Transition(action="org.submit_profile_change", label="Ajukan", guards=(guard_ok,),
                                    event_type=EventType.PROFILE_REQUEST_SUBMITTED),
        },
        S.SUBMITTED: {
            S.APPROVED: Transition(action="org.review_profile_change", label="Setujui", on_enter=hook_note),
            S.RETURNED: Transition(action="org.review_profile_change", label="Kembalikan", requires_reason=True),
            S.REJECTED: Transition(action="org.review_profile_change", label="Tolak", guards=(guard_refuses,)),
        },
        S.RETURNED: {
            S.SUBMITTED: Transition(action="org.submit_profile_change", label="Ajukan", on_enter=hook_fails),
            S.REJECTED: Transition(action="org.review_profile_change", label="Tolak",
                                   on_enter=hook_touches_status),
        },
    },
)


@pytest.fixture
def people(pemda, other_pemda, opd):
    other_opd = OrganisationFactory(pemda=pemda)
    return {
        "operator": make_user(Role.OPD_OPERATOR, pemda=pemda, organisation=opd),
        "head": make_user(Role.OPD_HEAD, pemda=pemda, organisation=opd, username="kepala"),
        "admin": make_user(Role.PEMDA_ADMIN, pemda=pemda, username="admin"),
        "other_head": make_user(Role.OPD_HEAD, pemda=pemda, organisation=other_opd),
        "other_admin": make_user(Role.PEMDA_ADMIN, pemda=other_pemda),
    }


def _request(opd, people, status=S.DRAFT) -> OrganisationProfileRequest:
    req = OrganisationProfileRequest.objects.create(pemda=opd.pemda, organisation=opd, changes={"alamat": "Jl. Baru"},
                                                    created_by=people["operator"])
    if status != S.DRAFT:
        # fixture shortcut (tests only): put the document in a starting state without the engine
        OrganisationProfileRequest.objects.filter(pk=req.pk).update(status=status)
        req.refresh_from_db()
    return req


def _state(req: OrganisationProfileRequest) -> tuple:
    req = OrganisationProfileRequest.objects.get(pk=req.pk)
    return (req.status, req.version, req.catatan_verifikator, ChangeRecord.objects.count(),
            DomainEvent.objects.count())


def test_allowed_transition_writes_status_version_change_record_and_event(opd, people):
    req = _request(opd, people)
    calls.clear()

    result = transition(workflow=WF, obj_or_pk=req, to_status=S.SUBMITTED, actor=people["head"],
                        reason=" siap ", data={"x": 1})

    assert (result.status, result.version) == (S.SUBMITTED, 2)
    assert calls == ["guard:draft->submitted:1"]
    assert _state(req) == (S.SUBMITTED, 2, "", 1, 1)
    change = ChangeRecord.objects.get()
    assert (change.action, change.object_type, change.object_id, change.reason) == (
        "transition", "org.organisationprofilerequest", str(req.pk), "siap")
    assert (change.before, change.after) == ({"status": "draft", "version": 1}, {"status": "submitted", "version": 2})
    assert (change.actor_id, change.pemda_id) == (people["head"].pk, opd.pemda_id)
    event = DomainEvent.objects.get()
    assert event.event_type == EventType.PROFILE_REQUEST_SUBMITTED
    assert event.payload == {"workflow": "uji.profil", "from": "draft", "to": "submitted", "reason": "siap",
                             "version": 2}


def test_accepts_a_primary_key_and_ignores_a_stale_instance(opd, people):
    req = _request(opd, people, S.SUBMITTED)
    stale = OrganisationProfileRequest.objects.get(pk=req.pk)
    stale.status = S.DRAFT  # what the caller believes; the engine re-reads the locked row
    result = transition(workflow=WF, obj_or_pk=stale.pk, to_status=S.APPROVED, actor=people["admin"])
    assert result.status == S.APPROVED


def test_hook_fields_are_saved_and_recorded(opd, people):
    req = _request(opd, people, S.SUBMITTED)
    transition(workflow=WF, obj_or_pk=req, to_status=S.APPROVED, actor=people["admin"])
    assert _state(req)[:3] == (S.APPROVED, 2, "oleh admin")
    change = ChangeRecord.objects.get()
    assert change.before == {"status": "submitted", "version": 1, "catatan_verifikator": ""}
    assert change.after == {"status": "approved", "version": 2, "catatan_verifikator": "oleh admin"}
    assert DomainEvent.objects.get().event_type == EventType.WORKFLOW_TRANSITION  # no event_type declared


def test_missing_document_is_not_found(people):
    with pytest.raises(NotFoundError):
        transition(workflow=WF, obj_or_pk=999999, to_status=S.SUBMITTED, actor=people["head"])


def test_transition_not_in_table_is_refused_and_changes_nothing(opd, people):
    req = _request(opd, people)
    before = _state(req)
    with pytest.raises(ApplicationError) as exc:
        transition(workflow=WF, obj_or_pk=req, to_status=S.APPROVED, actor=people["admin"])
    assert exc.value.code == "transition_not_allowed"
    assert exc.value.message == "Status tidak dapat diubah dari \u201cDraf\u201d ke \u201cDisetujui\u201d."
    assert _state(req) == before


def test_unknown_target_status_is_refused(opd, people):
    req = _request(opd, people)
    with pytest.raises(ApplicationError) as exc:
        transition(workflow=WF, obj_or_pk=req, to_status="dihapus", actor=people["head"])
    assert exc.value.code == "transition_not_allowed"
    assert _state(req) == (S.DRAFT, 1, "", 0, 0)


@pytest.mark.parametrize("who", ["operator", "admin"])
def test_wrong_role_is_refused_and_changes_nothing(opd, people, who):
    req = _request(opd, people)
    with pytest.raises(PermissionDeniedError):
        transition(workflow=WF, obj_or_pk=req, to_status=S.SUBMITTED, actor=people[who])
    assert _state(req) == (S.DRAFT, 1, "", 0, 0)


@pytest.mark.parametrize("who", ["other_head", "other_admin"])
def test_outsiders_are_refused_without_learning_the_status(opd, people, who):
    req = _request(opd, people)
    for target in (S.SUBMITTED, S.APPROVED):  # allowed edge and an edge not in the table: same answer
        with pytest.raises(PermissionDeniedError):
            transition(workflow=WF, obj_or_pk=req, to_status=target, actor=people[who])
    assert _state(req) == (S.DRAFT, 1, "", 0, 0)


def test_anonymous_actor_is_refused(opd, people):
    req = _request(opd, people)
    with pytest.raises(PermissionDeniedError):
        transition(workflow=WF, obj_or_pk=req, to_status=S.SUBMITTED, actor=None)
    assert _state(req) == (S.DRAFT, 1, "", 0, 0)


def test_stale_version_is_a_conflict(opd, people):
    req = _request(opd, people)
    with pytest.raises(ConflictError) as exc:
        transition(workflow=WF, obj_or_pk=req, to_status=S.SUBMITTED, actor=people["head"], expected_version=7)
    assert exc.value.details == {"current_version": 1}
    assert _state(req) == (S.DRAFT, 1, "", 0, 0)
    transition(workflow=WF, obj_or_pk=req, to_status=S.SUBMITTED, actor=people["head"], expected_version=1)
    assert _state(req)[:2] == (S.SUBMITTED, 2)


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_reason_required(opd, people, reason):
    req = _request(opd, people, S.SUBMITTED)
    with pytest.raises(ApplicationError) as exc:
        transition(workflow=WF, obj_or_pk=req, to_status=S.RETURNED, actor=people["admin"], reason=reason)
    assert (exc.value.code, exc.value.field) == ("reason_required", "reason")
    assert _state(req) == (S.SUBMITTED, 1, "", 0, 0)
    transition(workflow=WF, obj_or_pk=req, to_status=S.RETURNED, actor=people["admin"], reason="NIP salah")
    assert ChangeRecord.objects.get().reason == "NIP salah"


def test_failing_guard_leaves_no_trace(opd, people):
    req = _request(opd, people, S.SUBMITTED)
    with pytest.raises(ApplicationError) as exc:
        transition(workflow=WF, obj_or_pk=req, to_status=S.REJECTED, actor=people["admin"], reason="x")
    assert (exc.value.code, exc.value.message) == ("ceiling_exceeded", "Pagu terlampaui.")
    assert _state(req) == (S.SUBMITTED, 1, "", 0, 0)


def test_failing_hook_rolls_back_the_status_write(opd, people):
    req = _request(opd, people, S.RETURNED)
    with pytest.raises(ApplicationError, match="Gagal menerapkan"):
        transition(workflow=WF, obj_or_pk=req, to_status=S.SUBMITTED, actor=people["head"])
    assert _state(req) == (S.RETURNED, 1, "", 0, 0)


def test_hook_may_not_change_the_status(opd, people):
    req = _request(opd, people, S.RETURNED)
    with pytest.raises(RuntimeError, match="on_enter must not change status"):
        transition(workflow=WF, obj_or_pk=req, to_status=S.REJECTED, actor=people["admin"])
    assert _state(req) == (S.RETURNED, 1, "", 0, 0)


def test_available_transitions_follow_role_and_scope(opd, people):
    submitted = _request(opd, people, S.SUBMITTED)
    draft = _request(opd, people)
    as_labels = lambda options: [(o.to_status, o.label, o.requires_reason) for o in options]  # noqa: E731
    assert as_labels(available_transitions(WF, draft, people["head"])) == [("submitted", "Ajukan", False)]
    assert available_transitions(WF, draft, people["operator"]) == []
    assert available_transitions(WF, draft, people["other_head"]) == []
    assert as_labels(available_transitions(WF, submitted, people["admin"])) == [
        ("approved", "Setujui", False), ("returned", "Kembalikan", True), ("rejected", "Tolak", False)]
    assert available_transitions(WF, submitted, people["other_admin"]) == []
    assert available_transitions(WF, submitted, people["head"]) == []


def test_workflow_rejects_unknown_statuses_and_actions():
    with pytest.raises(ValueError, match="unknown status 'dibuang'"):
        Workflow(name="x", model=OrganisationProfileRequest,
                 transitions={S.DRAFT: {"dibuang": Transition(action="org.manage", label="x")}})
    bad = Workflow(name="x", model=OrganisationProfileRequest,
                   transitions={S.DRAFT: {S.SUBMITTED: Transition(action="tidak.ada", label="x")}})
    with pytest.raises(KeyError, match=r"tidak\.ada"):
        bad.validate()
    WF.validate()
    assert WF.status_label("returned") == "Dikembalikan"
    assert WF.version_field == "version"
