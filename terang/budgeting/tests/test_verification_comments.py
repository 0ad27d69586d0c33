"""Verification comments: the verifier writes while the sub-kegiatan is submitted, the agency answers while it is
returned, the verifier resolves; every refusal leaves comments, status and audit untouched."""

from __future__ import annotations

import pytest

from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import SubActivityStatus as S
from terang.budgeting.models import VerificationComment
from terang.budgeting.services.verification import (
    sub_activity_return,
    sub_activity_submit,
    verification_comment_add,
    verification_comment_resolve,
    verification_comment_respond,
)
from terang.core.errors import ApplicationError, NotFoundError, PermissionDeniedError

from .test_flags_support import add_line, module_world

pytestmark = pytest.mark.django_db

_world = module_world()


@pytest.fixture
def world(shared_world, db):
    return shared_world


@pytest.fixture
def sub(world):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=1000)
    return sub_activity_submit(actor=world.users["head"], sub_activity=sub)


def state(sub) -> tuple:
    comments = tuple(VerificationComment.objects.filter(sub_activity=sub).order_by("pk").values_list(
        "pk", "line_id", "body", "response", "responded_by_id", "resolved"))
    sub.refresh_from_db()
    return sub.status, sub.version, comments, ChangeRecord.objects.count(), DomainEvent.objects.count()


def refused(exc_type, sub, fn, **kwargs):
    before = state(sub)
    with pytest.raises(exc_type) as info:
        fn(**kwargs)
    assert state(sub) == before
    return info.value


# --- adding --------------------------------------------------------------------------------------------------------


def test_verifier_comments_on_a_line_of_a_submitted_sub_activity(world, sub):
    line = sub.lines.get()
    changes = ChangeRecord.objects.count()
    comment = verification_comment_add(actor=world.users["tapd"], sub_activity=sub, body="  Harga bata di atas pasar? ",
                                       line=line)
    assert (comment.body, comment.line, comment.line_key, comment.author, comment.pemda_id, comment.resolved) == (
        "Harga bata di atas pasar?", line, line.line_key, world.users["tapd"], world.pemda.pk, False)
    record = ChangeRecord.objects.order_by("-seq").first()
    assert ChangeRecord.objects.count() == changes + 1
    assert (record.action, record.object_type, record.object_id, record.actor_username) == (
        "create", "budgeting.verificationcomment", str(comment.pk), "tapd")
    assert record.after["body"] == "Harga bata di atas pasar?"
    assert sub.status == S.SUBMITTED  # a comment does not move the document


def test_comment_on_the_sub_activity_itself(world, sub):
    comment = verification_comment_add(actor=world.users["tapd"], sub_activity=sub.pk, body="Indikator kurang jelas.")
    assert (comment.line_id, comment.line_key) == (None, None)


def test_comment_on_a_line_of_another_sub_activity_is_refused(world, sub):
    other = world.sub_activity("dinkes", "1.02.02.2.01.0001")
    foreign = add_line(world, other, item="Bata Merah", account="5.1.02.01.01.0001", vol1=5)
    error = refused(ApplicationError, sub, verification_comment_add, actor=world.users["tapd"], sub_activity=sub,
                    body="x", line=foreign)
    assert (error.code, error.field) == ("line_not_in_sub_activity", "line")


def test_empty_comment_is_refused(world, sub):
    error = refused(ApplicationError, sub, verification_comment_add, actor=world.users["tapd"], sub_activity=sub,
                    body="   ")
    assert (error.code, error.message) == ("required", "Catatan verifikasi wajib diisi.")


def test_comment_only_while_submitted(world):
    draft = world.sub_activity("dinkes", "1.02.02.2.01.0001")
    error = refused(ApplicationError, draft, verification_comment_add, actor=world.users["tapd"], sub_activity=draft,
                    body="Terlalu dini.")
    assert error.code == "not_submitted"
    assert error.message == ("Catatan verifikasi hanya dapat ditulis saat sub kegiatan berstatus “Diajukan” "
                             "(sekarang “Draf”).")


@pytest.mark.parametrize(("who", "exc"), [
    ("head", PermissionDeniedError), ("operator", PermissionDeniedError), ("bpkad", PermissionDeniedError),
    ("admin", PermissionDeniedError), ("operator_dispendik", NotFoundError), ("tapd_b", NotFoundError),
    ("operator_b", NotFoundError),
])
def test_only_tapd_of_the_pemda_may_comment(world, sub, who, exc):
    refused(exc, sub, verification_comment_add, actor=world.users[who], sub_activity=sub, body="Catatan.")


# --- responding ----------------------------------------------------------------------------------------------------


@pytest.fixture
def returned(world, sub):
    verification_comment_add(actor=world.users["tapd"], sub_activity=sub, body="Lampirkan survei harga.",
                             line=sub.lines.get())
    return sub_activity_return(actor=world.users["tapd"], sub_activity=sub, reason="Perbaiki sesuai catatan.")


def test_agency_answers_while_returned(world, returned):
    comment = VerificationComment.objects.filter(sub_activity=returned).order_by("pk").first()
    result = verification_comment_respond(actor=world.users["operator"], comment=comment,
                                          response=" Survei 3 toko terlampir. ")
    assert (result.response, result.responded_by, result.resolved) == (
        "Survei 3 toko terlampir.", world.users["operator"], False)
    assert result.responded_at is not None
    record = ChangeRecord.objects.order_by("-seq").first()
    assert (record.action, record.before["response"], record.after["response"]) == (
        "update", "", "Survei 3 toko terlampir.")
    # the head may answer too, and an answer may be revised while the comment is open
    again = verification_comment_respond(actor=world.users["head"], comment=comment.pk, response="Revisi jawaban.")
    assert (again.response, again.responded_by) == ("Revisi jawaban.", world.users["head"])


@pytest.mark.parametrize(("who", "exc"), [
    ("tapd", PermissionDeniedError), ("bpkad", PermissionDeniedError), ("admin", PermissionDeniedError),
    ("operator_dispendik", NotFoundError), ("operator_b", NotFoundError),
])
def test_only_the_agency_answers(world, returned, who, exc):
    comment = VerificationComment.objects.filter(sub_activity=returned).first()
    refused(exc, returned, verification_comment_respond, actor=world.users[who], comment=comment, response="Jawab.")


def test_answer_only_while_returned(world, sub):
    comment = verification_comment_add(actor=world.users["tapd"], sub_activity=sub, body="Cek.")
    error = refused(ApplicationError, sub, verification_comment_respond, actor=world.users["operator"],
                    comment=comment, response="Sudah.")
    assert error.code == "not_returned"


def test_empty_answer_and_resolved_comment_are_refused(world, returned):
    comment = VerificationComment.objects.filter(sub_activity=returned).order_by("pk").first()
    error = refused(ApplicationError, returned, verification_comment_respond, actor=world.users["operator"],
                    comment=comment, response=" ")
    assert error.code == "required"
    VerificationComment.objects.filter(pk=comment.pk).update(resolved=True)
    error = refused(ApplicationError, returned, verification_comment_respond, actor=world.users["operator"],
                    comment=comment, response="Sudah.")
    assert error.code == "comment_resolved"


def test_missing_comment_is_not_found(world):
    with pytest.raises(NotFoundError):
        verification_comment_respond(actor=world.users["operator"], comment=999999, response="x")


# --- resolving -----------------------------------------------------------------------------------------------------


def test_verifier_resolves_while_submitted(world, sub):
    comment = verification_comment_add(actor=world.users["tapd"], sub_activity=sub, body="Cek satuan.")
    result = verification_comment_resolve(actor=world.users["tapd"], comment=comment)
    assert result.resolved is True
    record = ChangeRecord.objects.order_by("-seq").first()
    assert (record.action, record.before, record.after) == ("update", {"resolved": False}, {"resolved": True})
    error = refused(ApplicationError, sub, verification_comment_resolve, actor=world.users["tapd"], comment=comment)
    assert error.code == "comment_resolved"


@pytest.mark.parametrize(("who", "exc"), [
    ("head", PermissionDeniedError), ("operator", PermissionDeniedError), ("tapd_b", NotFoundError),
])
def test_only_tapd_resolves(world, sub, who, exc):
    comment = verification_comment_add(actor=world.users["tapd"], sub_activity=sub, body="Cek satuan.")
    refused(exc, sub, verification_comment_resolve, actor=world.users[who], comment=comment)


def test_resolve_not_while_returned(world, returned):
    comment = VerificationComment.objects.filter(sub_activity=returned).first()
    error = refused(ApplicationError, returned, verification_comment_resolve, actor=world.users["tapd"],
                    comment=comment)
    assert error.code == "not_submitted"


# --- domain events -------------------------------------------------------------------------------------------------


def comment_events(comment) -> list[DomainEvent]:
    return list(DomainEvent.objects.filter(object_type="budgeting.verificationcomment", object_id=str(comment.pk))
                .order_by("seq"))


def test_comment_added_answered_resolved_are_domain_events_naming_sub_activity_and_line(world, sub):
    from terang.audit.events import EventType
    from terang.audit.verify import verify_all

    line = sub.lines.get()
    comment = verification_comment_add(actor=world.users["tapd"], sub_activity=sub, body="Harga bata?", line=line)
    sub_activity_return(actor=world.users["tapd"], sub_activity=sub, reason="Perbaiki sesuai catatan.")
    verification_comment_respond(actor=world.users["operator"], comment=comment, response="Survei terlampir.")
    verification_comment_respond(actor=world.users["head"], comment=comment, response="Survei 3 toko terlampir.")
    reason = VerificationComment.objects.filter(sub_activity=sub).exclude(pk=comment.pk).get()  # the return reason
    verification_comment_respond(actor=world.users["head"], comment=reason, response="Sudah diperbaiki.")
    sub = sub_activity_submit(actor=world.users["head"], sub_activity=sub)
    verification_comment_resolve(actor=world.users["tapd"], comment=comment)

    events = comment_events(comment)
    assert [(e.event_type, e.actor_username) for e in events] == [
        (EventType.VERIFICATION_COMMENT_ADDED, "tapd"), (EventType.VERIFICATION_COMMENT_ANSWERED, "op.dinkes"),
        (EventType.VERIFICATION_COMMENT_ANSWERED, "kepala.dinkes"), (EventType.VERIFICATION_COMMENT_RESOLVED, "tapd")]
    expected = {"comment": comment.pk, "sub_activity": sub.pk, "sub_kegiatan": "1.02.02.2.01.0002",
                "organisation": world.orgs["dinkes"].pk, "line": line.pk, "line_key": str(line.line_key),
                "line_uraian": "Bata Merah"}
    assert [e.payload for e in events] == [expected, {**expected, "again": False}, {**expected, "again": True},
                                           expected]
    assert {e.pemda_id for e in events} == {world.pemda.pk}
    assert all(result.ok for result in verify_all())


def test_comment_on_the_sub_activity_has_no_line_in_its_event(world, sub):
    comment = verification_comment_add(actor=world.users["tapd"], sub_activity=sub, body="Indikator kurang jelas.")
    (event,) = comment_events(comment)
    assert (event.payload["line"], event.payload["line_key"], event.payload["line_uraian"]) == (None, None, "")
    assert event.payload["sub_kegiatan"] == sub.kode


def test_refused_comment_actions_record_no_event(world, sub):
    comment = verification_comment_add(actor=world.users["tapd"], sub_activity=sub, body="Cek satuan.")
    refused(PermissionDeniedError, sub, verification_comment_resolve, actor=world.users["head"], comment=comment)
    refused(ApplicationError, sub, verification_comment_respond, actor=world.users["operator"], comment=comment,
            response="Belum boleh.")
    assert len(comment_events(comment)) == 1
