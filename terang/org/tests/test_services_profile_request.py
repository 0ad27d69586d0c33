"""Creating and revising agency profile change requests (the services around the workflow)."""

from __future__ import annotations

import pytest

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.audit.verify import verify_all
from terang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from terang.org.choices import ProfileRequestStatus as S
from terang.org.models import OrganisationProfileRequest
from terang.org.services import (
    profile_request_create,
    profile_request_return,
    profile_request_submit,
    profile_request_update,
)

from .conftest import state

pytestmark = pytest.mark.django_db

CHANGES = {"kepala_nama": "dr. Siti Aminah", "kepala_nip": "197901012005012001", "telepon": "0333-424242"}


# --- create ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["operator", "head"])
def test_agency_staff_create_a_draft(opd, people, who):
    req = profile_request_create(organisation=opd, actor=people[who], changes=CHANGES, alasan=" pelantikan ")

    assert (req.status, req.version, req.pemda_id, req.changes, req.alasan) == (
        S.DRAFT, 1, opd.pemda_id, CHANGES, "pelantikan")
    assert req.created_by == people[who]
    change = ChangeRecord.objects.get()
    assert (change.action, change.object_id, change.actor_id) == ("create", str(req.pk), people[who].pk)
    assert change.after["changes"] == CHANGES and change.after["status"] == "draft"
    event = DomainEvent.objects.get()
    assert (event.event_type, event.payload) == (
        EventType.PROFILE_REQUEST_CREATED, {"organisation": opd.pk, "fields": sorted(CHANGES)})
    assert all(r.ok for r in verify_all())


def test_whitespace_is_trimmed(opd, people):
    req = profile_request_create(organisation=opd, actor=people["operator"], changes={"alamat": "  Jl. A. Yani 1 "})
    assert req.changes == {"alamat": "Jl. A. Yani 1"}


@pytest.mark.parametrize("who", ["admin", "auditor", "planner", "other_operator", "other_head", "other_admin",
                                 "nobody"])
def test_others_cannot_create(opd, people, who):
    with pytest.raises(PermissionDeniedError):
        profile_request_create(organisation=opd, actor=people[who], changes=CHANGES)
    assert OrganisationProfileRequest.objects.count() == 0
    assert (ChangeRecord.objects.count(), DomainEvent.objects.count()) == (0, 0)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({}, "changes", "Belum ada perubahan yang diminta."),
    ([], "changes", "Belum ada perubahan yang diminta."),
    ({"nama": "Dinas Baru"}, "changes", "Kolom berikut tidak boleh diubah melalui permohonan: nama."),
    ({"kode": "1", "is_ppkd": True, "alamat": "x"}, "changes",
     "Kolom berikut tidak boleh diubah melalui permohonan: is_ppkd, kode."),
    ({"email": "bukan-email"}, "email", None),
    ({"kepala_nip": "1979"}, "kepala_nip", "NIP kepala harus 18 angka."),
    ({"telepon": "0" * 41}, "telepon", None),
    ({"alamat": 12}, "alamat", "Isian alamat tidak valid."),
    ({"singkatan": "Dinkes"}, "changes", "Perubahan yang diminta sama dengan profil saat ini."),
])
def test_invalid_changes_are_refused(opd, people, changes, field, message):
    with pytest.raises(ApplicationError) as exc:
        profile_request_create(organisation=opd, actor=people["operator"], changes=changes)
    assert (exc.value.code, exc.value.field) == ("invalid_changes", field)
    if message:
        assert exc.value.message == message
    assert OrganisationProfileRequest.objects.count() == 0
    assert ChangeRecord.objects.count() == 0


# --- update ----------------------------------------------------------------------------------------------------


def test_draft_is_revised_with_optimistic_version(opd, people):
    req = profile_request_create(organisation=opd, actor=people["operator"], changes=CHANGES)

    updated = profile_request_update(profile_request=req, actor=people["head"], changes={"alamat": "Jl. Baru 2"},
                                     alasan="alamat pindah", expected_version=1)

    assert (updated.changes, updated.alasan, updated.version, updated.status) == (
        {"alamat": "Jl. Baru 2"}, "alamat pindah", 2, S.DRAFT)
    change = ChangeRecord.objects.order_by("seq").last()
    assert change.action == "update"
    assert change.before == {"changes": CHANGES, "alasan": "", "version": 1}
    assert change.after == {"changes": {"alamat": "Jl. Baru 2"}, "alasan": "alamat pindah", "version": 2}
    assert DomainEvent.objects.order_by("seq").last().event_type == EventType.PROFILE_REQUEST_UPDATED


def test_stale_edit_is_refused_with_current_values(opd, people):
    req = profile_request_create(organisation=opd, actor=people["operator"], changes=CHANGES)
    profile_request_update(profile_request=req, actor=people["head"], changes={"alamat": "Jl. Baru 2"},
                           expected_version=1)
    before = state(req)

    with pytest.raises(ConflictError) as exc:
        profile_request_update(profile_request=req, actor=people["operator"], changes={"alamat": "Jl. Lama"},
                               expected_version=1)

    assert exc.value.details == {"current_version": 2, "changes": {"alamat": "Jl. Baru 2"}, "alasan": ""}
    assert state(req) == before


def test_returned_request_can_be_revised(opd, people):
    req = profile_request_create(organisation=opd, actor=people["operator"], changes=CHANGES)
    profile_request_submit(profile_request=req, actor=people["head"])
    profile_request_return(profile_request=req, actor=people["admin"], reason="NIP salah")
    updated = profile_request_update(profile_request=req.pk, actor=people["operator"],
                                     changes={**CHANGES, "kepala_nip": "197901012005012002"}, expected_version=3)
    assert (updated.status, updated.version) == (S.RETURNED, 4)


def test_submitted_request_cannot_be_revised(opd, people):
    req = profile_request_create(organisation=opd, actor=people["operator"], changes=CHANGES)
    profile_request_submit(profile_request=req, actor=people["head"])
    before = state(req)
    with pytest.raises(ApplicationError) as exc:
        profile_request_update(profile_request=req, actor=people["operator"], changes={"alamat": "x"},
                               expected_version=2)
    assert (exc.value.code, exc.value.message) == (
        "not_editable", "Permohonan berstatus \u201cDiajukan\u201d tidak dapat diubah.")
    assert state(req) == before


@pytest.mark.parametrize("who", ["admin", "other_operator", "other_admin"])
def test_others_cannot_revise(opd, people, who):
    req = profile_request_create(organisation=opd, actor=people["operator"], changes=CHANGES)
    before = state(req)
    with pytest.raises(PermissionDeniedError):
        profile_request_update(profile_request=req, actor=people[who], changes={"alamat": "x"}, expected_version=1)
    assert state(req) == before
