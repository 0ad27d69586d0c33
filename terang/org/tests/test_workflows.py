"""PROFILE_REQUEST_WORKFLOW: every allowed transition, every refused one (and that nothing changed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.audit.verify import verify_all
from terang.core.errors import ApplicationError, PermissionDeniedError
from terang.core.workflow import available_transitions
from terang.org.choices import ProfileRequestStatus as S
from terang.org.models import Organisation, OrganisationProfileRequest
from terang.org.services import (
    profile_request_approve,
    profile_request_create,
    profile_request_reject,
    profile_request_return,
    profile_request_submit,
    profile_request_transition,
)
from terang.org.workflows import PROFILE_REQUEST_WORKFLOW

from .conftest import state

pytestmark = pytest.mark.django_db

CHANGES = {"kepala_nama": "dr. Siti Aminah", "alamat": "Jl. Jaksa Agung Suprapto 1", "email": "dinkes@contoh.go.id"}


def make_request(opd, people, status=S.DRAFT) -> OrganisationProfileRequest:
    """A request brought to `status` through the services (so the fixtures obey the workflow too)."""
    req = profile_request_create(organisation=opd, actor=people["operator"], changes=CHANGES)
    if status in (S.SUBMITTED, S.RETURNED, S.APPROVED, S.REJECTED):
        req = profile_request_submit(profile_request=req, actor=people["head"])
    if status == S.RETURNED:
        req = profile_request_return(profile_request=req, actor=people["admin"], reason="lengkapi")
    elif status == S.APPROVED:
        req = profile_request_approve(profile_request=req, actor=people["admin"])
    elif status == S.REJECTED:
        req = profile_request_reject(profile_request=req, actor=people["admin"], reason="tidak perlu")
    assert req.status == status
    return req


def last_event() -> DomainEvent:
    return DomainEvent.objects.order_by("-seq").first()


# --- allowed ---------------------------------------------------------------------------------------------------


def test_head_submits_a_draft(opd, people):
    req = make_request(opd, people)
    req = profile_request_submit(profile_request=req, actor=people["head"], expected_version=1)
    assert (req.status, req.version) == (S.SUBMITTED, 2)
    assert last_event().event_type == EventType.PROFILE_REQUEST_SUBMITTED
    assert last_event().actor_id == people["head"].pk


def test_admin_returns_with_reason_and_head_resubmits(opd, people):
    req = make_request(opd, people, S.SUBMITTED)
    req = profile_request_return(profile_request=req, actor=people["admin"], reason="Lampirkan SK pelantikan")
    assert (req.status, req.catatan_verifikator) == (S.RETURNED, "Lampirkan SK pelantikan")
    event = last_event()
    assert (event.event_type, event.payload["reason"]) == (EventType.PROFILE_REQUEST_RETURNED,
                                                           "Lampirkan SK pelantikan")
    req = profile_request_submit(profile_request=req, actor=people["head"])
    assert (req.status, req.version) == (S.SUBMITTED, 4)


def test_admin_approves_and_the_agency_profile_changes(opd, people):
    req = make_request(opd, people, S.SUBMITTED)
    old = Organisation.objects.get(pk=opd.pk)
    changes_before = ChangeRecord.objects.count()

    req = profile_request_approve(profile_request=req, actor=people["admin"], reason="sesuai SK")

    assert (req.status, req.version, req.catatan_verifikator) == (S.APPROVED, 3, "sesuai SK")
    org = Organisation.objects.get(pk=opd.pk)
    assert (org.kepala_nama, org.alamat, org.email) == (
        "dr. Siti Aminah", "Jl. Jaksa Agung Suprapto 1", "dinkes@contoh.go.id")
    assert (org.nama, org.singkatan, org.kode) == (old.nama, old.singkatan, old.kode)
    new_records = list(ChangeRecord.objects.filter(seq__gt=changes_before).order_by("seq"))
    assert [(r.action, r.object_type) for r in new_records] == [
        ("update", "org.organisation"), ("transition", "org.organisationprofilerequest")]
    org_change = new_records[0]
    assert org_change.before == {"kepala_nama": old.kepala_nama, "alamat": old.alamat, "email": old.email}
    assert org_change.after == CHANGES
    assert org_change.reason == f"Permohonan perubahan profil #{req.pk} disetujui"
    assert org_change.actor_id == people["admin"].pk
    assert [e.event_type for e in DomainEvent.objects.order_by("-seq")[:2]] == [
        EventType.PROFILE_REQUEST_APPROVED, EventType.ORGANISATION_UPDATED]
    assert all(r.ok for r in verify_all())


def test_admin_rejects_with_reason(opd, people):
    req = make_request(opd, people, S.SUBMITTED)
    org_before = Organisation.objects.get(pk=opd.pk)
    req = profile_request_reject(profile_request=req, actor=people["admin"], reason="Bukan kewenangan")
    assert (req.status, req.catatan_verifikator) == (S.REJECTED, "Bukan kewenangan")
    assert Organisation.objects.get(pk=opd.pk).kepala_nama == org_before.kepala_nama
    assert last_event().event_type == EventType.PROFILE_REQUEST_REJECTED


# --- refused ---------------------------------------------------------------------------------------------------

WRONG_STATUS = [
    (S.DRAFT, S.APPROVED, "admin"),
    (S.DRAFT, S.RETURNED, "admin"),
    (S.DRAFT, S.REJECTED, "admin"),
    (S.SUBMITTED, S.SUBMITTED, "head"),
    (S.SUBMITTED, S.DRAFT, "head"),
    (S.RETURNED, S.APPROVED, "admin"),
    (S.RETURNED, S.REJECTED, "admin"),
    (S.APPROVED, S.SUBMITTED, "head"),
    (S.APPROVED, S.REJECTED, "admin"),
    (S.REJECTED, S.SUBMITTED, "head"),
    (S.REJECTED, S.APPROVED, "admin"),
]


@pytest.mark.parametrize(("start", "target", "who"), WRONG_STATUS)
def test_wrong_status_is_refused_and_changes_nothing(opd, people, start, target, who):
    req = make_request(opd, people, start)
    before = state(req)
    with pytest.raises(ApplicationError) as exc:
        profile_request_transition(profile_request=req, to_status=target, actor=people[who], reason="alasan")
    assert exc.value.code == "transition_not_allowed"
    assert exc.value.message == (
        f"Status tidak dapat diubah dari \u201c{S(start).label}\u201d ke \u201c{S(target).label}\u201d.")
    assert state(req) == before


WRONG_ACTOR = [
    # wrong role inside the scope
    (S.DRAFT, S.SUBMITTED, "operator"),
    (S.DRAFT, S.SUBMITTED, "admin"),
    (S.DRAFT, S.SUBMITTED, "auditor"),
    (S.SUBMITTED, S.APPROVED, "head"),
    (S.SUBMITTED, S.APPROVED, "operator"),
    (S.SUBMITTED, S.APPROVED, "auditor"),
    (S.SUBMITTED, S.APPROVED, "planner"),
    (S.SUBMITTED, S.RETURNED, "head"),
    (S.SUBMITTED, S.REJECTED, "operator"),
    (S.RETURNED, S.SUBMITTED, "operator"),
    # another agency of the same pemda
    (S.DRAFT, S.SUBMITTED, "other_head"),
    (S.RETURNED, S.SUBMITTED, "other_head"),
    (S.SUBMITTED, S.APPROVED, "other_operator"),
    # another pemda
    (S.SUBMITTED, S.APPROVED, "other_admin"),
    (S.SUBMITTED, S.REJECTED, "other_admin"),
    (S.DRAFT, S.SUBMITTED, "nobody"),
]


@pytest.mark.parametrize(("start", "target", "who"), WRONG_ACTOR)
def test_wrong_role_or_scope_is_refused_and_changes_nothing(opd, people, start, target, who):
    req = make_request(opd, people, start)
    before = state(req)
    with pytest.raises(PermissionDeniedError):
        profile_request_transition(profile_request=req, to_status=target, actor=people[who], reason="alasan")
    assert state(req) == before


@pytest.mark.parametrize(("target", "who"), [(S.RETURNED, "admin"), (S.REJECTED, "admin")])
def test_reason_is_required(opd, people, target, who):
    req = make_request(opd, people, S.SUBMITTED)
    before = state(req)
    with pytest.raises(ApplicationError) as exc:
        profile_request_transition(profile_request=req, to_status=target, actor=people[who], reason="  ")
    assert (exc.value.code, exc.value.message) == ("reason_required", "Alasan wajib diisi.")
    assert state(req) == before


# --- guards ----------------------------------------------------------------------------------------------------


def test_submit_guard_refuses_changes_no_longer_different(opd, people):
    req = make_request(opd, people)
    # meanwhile the agency profile was changed to exactly what the draft asks for
    Organisation.objects.filter(pk=opd.pk).update(**CHANGES)
    before = state(req)
    with pytest.raises(ApplicationError) as exc:
        profile_request_submit(profile_request=req, actor=people["head"])
    assert (exc.value.code, exc.value.message) == (
        "invalid_changes", "Perubahan yang diminta sama dengan profil saat ini.")
    assert state(req) == before


def test_submit_guard_refuses_fields_outside_the_allowed_list(opd, people):
    req = make_request(opd, people)
    # a request written around the service (e.g. an import) asks to change the agency code
    OrganisationProfileRequest.objects.filter(pk=req.pk).update(changes={"kode": "9.99", "alamat": "x"})
    before = state(req)
    with pytest.raises(ApplicationError) as exc:
        profile_request_submit(profile_request=req, actor=people["head"])
    assert exc.value.message == "Kolom berikut tidak boleh diubah melalui permohonan: kode."
    assert state(req) == before


def test_approve_guard_rechecks_the_changes(opd, people):
    req = make_request(opd, people, S.SUBMITTED)
    OrganisationProfileRequest.objects.filter(pk=req.pk).update(changes={"email": "rusak"})
    before = state(req)
    with pytest.raises(ApplicationError) as exc:
        profile_request_approve(profile_request=req, actor=people["admin"])
    assert (exc.value.code, exc.value.field) == ("invalid_changes", "email")
    assert state(req) == before


def test_stale_version_on_transition_is_refused(opd, people):
    req = make_request(opd, people)
    before = state(req)
    with pytest.raises(ApplicationError) as exc:
        profile_request_submit(profile_request=req, actor=people["head"], expected_version=0)
    assert exc.value.code == "conflict"
    assert state(req) == before


# --- the table and its buttons -----------------------------------------------------------------------------------


def test_table_uses_declared_actions_and_statuses():
    PROFILE_REQUEST_WORKFLOW.validate()
    assert PROFILE_REQUEST_WORKFLOW.statuses() == set(S.values)
    assert PROFILE_REQUEST_WORKFLOW.actions() == {"org.submit_profile_change", "org.review_profile_change"}


def test_buttons_offered_per_person(opd, people):
    draft = make_request(opd, people)
    submitted = make_request(opd, people, S.SUBMITTED)
    approved = make_request(opd, people, S.APPROVED)

    def offered(req, who):
        return [o.to_status for o in available_transitions(PROFILE_REQUEST_WORKFLOW, req, people[who])]

    assert offered(draft, "head") == [S.SUBMITTED]
    assert offered(draft, "operator") == []
    assert offered(draft, "admin") == []
    assert offered(submitted, "admin") == [S.APPROVED, S.RETURNED, S.REJECTED]
    assert offered(submitted, "other_admin") == []
    assert offered(submitted, "head") == []
    assert offered(approved, "admin") == []


def test_status_is_assigned_only_by_the_engine():
    """No module of the org app assigns `.status` or passes status= to a write (the engine owns it)."""
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AugAssign | ast.AnnAssign) else []
            offenders += [f"{path.name}:{node.lineno}" for t in targets
                          if isinstance(t, ast.Attribute) and t.attr == "status"]
            writes = ("create", "update", "update_or_create")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in writes:
                offenders += [f"{path.name}:{node.lineno}" for kw in node.keywords if kw.arg == "status"]
    assert offenders == []
