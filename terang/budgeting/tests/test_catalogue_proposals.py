"""Price-change proposals: each transition, wrong role/scope refused with nothing changed, evidence sniffing,
scheduled changes applied on their date only (idempotent), audit records and events."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import ProposalKind, ProposalStatus
from terang.budgeting.models import PriceChange, PriceItem, PriceProposal, PriceProposalEvidence
from terang.budgeting.services.catalogue import (
    ProposalInput,
    price_change_apply_due,
    price_proposal_create,
    price_proposal_evidence_add,
    price_proposal_evidence_delete,
    price_proposal_transition,
    price_proposal_update,
    sniff_evidence_type,
)
from terang.budgeting.tasks import apply_due_price_changes
from terang.budgeting.workflows_catalogue import PRICE_PROPOSAL_WORKFLOW
from terang.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    wb = Workbook()
    wb.active.append(["toko", "harga"])
    wb.save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world():
    return make_budget_world()


def new_price(world, *, harga="25000", effective_from=None, evidence=True, user="operator") -> PriceProposal:
    return price_proposal_create(
        actor=world.users[user], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
        data=ProposalInput(kind=ProposalKind.NEW_PRICE, item=world.items["Refill Ballpoint"], harga=harga,
                           alasan="Survei tiga toko, Januari 2026", effective_from=effective_from),
        evidence=[upload("survei.pdf", PDF)] if evidence else [])


def approve_all(world, proposal) -> PriceProposal:
    price_proposal_transition(actor=world.users["operator"], proposal=proposal, to_status="submitted")
    price_proposal_transition(actor=world.users["admin"], proposal=proposal, to_status="admin_approved",
                              reason="Bukti lengkap")
    return price_proposal_transition(actor=world.users["tapd"], proposal=proposal, to_status="approved",
                                     reason="Sesuai survei")


def test_workflow_actions_are_declared():
    PRICE_PROPOSAL_WORKFLOW.validate()
    assert PRICE_PROPOSAL_WORKFLOW.statuses() == set(ProposalStatus.values)


def test_new_price_full_path_applies_immediately(world):
    item = world.items["Refill Ballpoint"]
    proposal = new_price(world)
    assert proposal.status == "draft" and proposal.catalogue_kind == "ssh"
    assert ChangeRecord.objects.filter(object_type="budgeting.priceproposal", action="create").count() == 1

    price_proposal_transition(actor=world.users["operator"], proposal=proposal, to_status="submitted")
    price_proposal_transition(actor=world.users["admin"], proposal=proposal, to_status="admin_approved",
                              reason="Bukti lengkap")
    proposal = price_proposal_transition(actor=world.users["tapd"], proposal=proposal, to_status="approved",
                                         reason="Sesuai survei")

    proposal.refresh_from_db()
    item.refresh_from_db()
    assert (proposal.status, proposal.admin_note, proposal.tapd_note) == ("approved", "Bukti lengkap",
                                                                           "Sesuai survei")
    assert proposal.applied_at is not None and proposal.version == 4
    assert (item.harga, item.version) == (Decimal("25000.00"), 2)
    change = PriceChange.objects.get(proposal=proposal)
    assert (change.old_harga, change.new_harga, change.applied, change.effective_from) == (
        Decimal("23550.00"), Decimal("25000.00"), True, timezone.localdate())
    types = list(DomainEvent.objects.filter(object_type__in=["budgeting.priceproposal", "budgeting.pricechange"])
                 .order_by("seq").values_list("event_type", flat=True))
    assert types == [EventType.PRICE_PROPOSAL_SUBMITTED, EventType.PRICE_PROPOSAL_ADMIN_APPROVED,
                     EventType.PRICE_CHANGE_APPLIED, EventType.PRICE_PROPOSAL_APPROVED]
    record = ChangeRecord.objects.get(action="update", object_type="budgeting.priceitem", object_id=str(item.pk))
    assert record.before["harga"] == "23550.00" and record.after["harga"] == "25000.00"
    assert record.actor_username == "tapd"


def test_scheduled_price_applies_on_its_date_only_and_once(world):
    item = world.items["Refill Ballpoint"]
    today = timezone.localdate()
    proposal = approve_all(world, new_price(world, effective_from=today + timedelta(days=10)))

    item.refresh_from_db()
    assert item.harga == Decimal("23550.00")
    change = PriceChange.objects.get(proposal=proposal)
    assert not change.applied and proposal.applied_at is None

    assert price_change_apply_due(today=today + timedelta(days=9)) == 0
    item.refresh_from_db()
    assert item.harga == Decimal("23550.00")
    assert not DomainEvent.objects.filter(event_type=EventType.PRICE_CHANGE_APPLIED).exists()

    assert price_change_apply_due(today=today + timedelta(days=10)) == 1
    item.refresh_from_db()
    change.refresh_from_db()
    proposal.refresh_from_db()
    assert item.harga == Decimal("25000.00") and change.applied and proposal.applied_at is not None
    event = DomainEvent.objects.get(event_type=EventType.PRICE_CHANGE_APPLIED)
    assert event.actor_username == "sistem" and event.payload["new_harga"] == "25000.00"

    assert price_change_apply_due(today=today + timedelta(days=11)) == 0  # idempotent
    assert DomainEvent.objects.filter(event_type=EventType.PRICE_CHANGE_APPLIED).count() == 1
    item.refresh_from_db()
    assert item.version == 2


def test_task_applies_due_changes(world):
    today = timezone.localdate()
    approve_all(world, new_price(world, effective_from=today + timedelta(days=3)))
    result = apply_due_price_changes.call((today + timedelta(days=3)).isoformat())
    assert result == {"date": (today + timedelta(days=3)).isoformat(), "applied": 1}
    assert PriceItem.objects.get(pk=world.items["Refill Ballpoint"].pk).harga == Decimal("25000.00")


def test_new_item_is_created_on_approval_and_active_from_its_date(world):
    today = timezone.localdate()
    proposal = price_proposal_create(
        actor=world.users["head"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
        data=ProposalInput(kind=ProposalKind.NEW_ITEM, catalogue_kind="ssh", kode_kelompok="1.1.12.01.03.0001",
                           nama="Map Plastik Kancing", spesifikasi="Folio", satuan="Buah", harga="4.500",
                           accounts=["5.1.02.01.001.00024"], alasan="Tidak ada di SSH",
                           effective_from=today + timedelta(days=5)),
        evidence=[upload("foto.png", PNG), upload("harga.xlsx", xlsx_bytes())])
    approve_all(world, proposal)

    proposal.refresh_from_db()
    item = proposal.item
    assert item is not None and not item.is_active
    assert (item.kode, item.nama, item.harga, item.valid_from) == (
        f"USULAN.2026.{proposal.pk:05d}", "Map Plastik Kancing", Decimal("4500.00"), today + timedelta(days=5))
    assert list(item.allowed_accounts.all()) == []

    price_change_apply_due(today=today + timedelta(days=5))
    item.refresh_from_db()
    assert item.is_active
    assert [a.kode for a in item.allowed_accounts.all()] == ["5.1.02.01.01.0024"]
    change = PriceChange.objects.get(proposal=proposal)
    assert (change.old_harga, change.new_harga) == (None, Decimal("4500.00"))


def test_new_account_adds_allowed_account(world):
    item = world.items["Lem Kertas Cair"]
    proposal = price_proposal_create(
        actor=world.users["operator"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
        data=ProposalInput(kind=ProposalKind.NEW_ACCOUNT, item=item, accounts=["5.1.02.01.01.0001",
                                                                                "5.1.02.01.01.0024"],
                           alasan="Dipakai untuk pekerjaan bangunan"))
    approve_all(world, proposal)  # no evidence needed for a new account

    assert sorted(item.allowed_accounts.values_list("kode", flat=True)) == ["5.1.02.01.01.0001",
                                                                           "5.1.02.01.01.0024"]
    change = PriceChange.objects.get(proposal=proposal)
    assert [a.kode for a in change.added_accounts.all()] == ["5.1.02.01.01.0001"]
    assert change.new_harga is None and change.applied


def test_submit_guard_requires_complete_fields_and_evidence(world):
    proposal = new_price(world, evidence=False)
    with pytest.raises(ApplicationError) as exc:
        price_proposal_transition(actor=world.users["operator"], proposal=proposal, to_status="submitted")
    assert exc.value.code == "proposal_incomplete"
    assert exc.value.details["problems"] == ["Lampirkan paling sedikit satu bukti (survei harga, penawaran, foto)."]
    proposal.refresh_from_db()
    assert proposal.status == "draft" and proposal.version == 1

    bare = price_proposal_create(
        actor=world.users["operator"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
        data=ProposalInput(kind=ProposalKind.NEW_ITEM, alasan="baru"))
    with pytest.raises(ApplicationError) as exc:
        price_proposal_transition(actor=world.users["operator"], proposal=bare, to_status="submitted")
    assert exc.value.details["problems"] == [
        "Jenis standar wajib diisi.", "Uraian wajib diisi.", "Satuan wajib diisi.", "Harga usulan wajib diisi.",
        "Paling sedikit satu rekening wajib diisi.",
        "Lampirkan paling sedikit satu bukti (survei harga, penawaran, foto).",
    ]
    same = new_price(world, harga="23550")
    with pytest.raises(ApplicationError, match="sama dengan harga saat ini"):
        price_proposal_transition(actor=world.users["operator"], proposal=same, to_status="submitted")


def test_reject_requires_reason_and_is_final(world):
    proposal = new_price(world)
    price_proposal_transition(actor=world.users["operator"], proposal=proposal, to_status="submitted")
    with pytest.raises(ApplicationError) as exc:
        price_proposal_transition(actor=world.users["admin"], proposal=proposal, to_status="rejected")
    assert exc.value.code == "reason_required"

    price_proposal_transition(actor=world.users["admin"], proposal=proposal, to_status="rejected",
                              reason="Bukti bukan survei harga")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.admin_note) == ("rejected", "Bukti bukan survei harga")
    assert DomainEvent.objects.get(event_type=EventType.PRICE_PROPOSAL_REJECTED).payload["reason"] == \
        "Bukti bukan survei harga"
    for user, status in (("operator", "submitted"), ("admin", "admin_approved"), ("tapd", "approved")):
        with pytest.raises(ApplicationError) as exc:
            price_proposal_transition(actor=world.users[user], proposal=proposal, to_status=status)
        assert exc.value.code == "transition_not_allowed"
    assert world.items["Refill Ballpoint"].harga == Decimal("23550.00")


def test_tapd_rejects_after_admin(world):
    proposal = new_price(world)
    price_proposal_transition(actor=world.users["operator"], proposal=proposal, to_status="submitted")
    price_proposal_transition(actor=world.users["admin"], proposal=proposal, to_status="admin_approved")
    price_proposal_transition(actor=world.users["tapd"], proposal=proposal, to_status="rejected",
                              reason="Harga pasar lebih rendah")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.tapd_note) == ("rejected", "Harga pasar lebih rendah")
    assert not PriceChange.objects.exists()


@pytest.mark.parametrize(("step", "user"), [
    ("submitted", "admin"), ("submitted", "tapd"), ("submitted", "operator_dispendik"), ("submitted", "operator_b"),
    ("admin_approved", "operator"), ("admin_approved", "tapd"), ("admin_approved", "tapd_b"),
    ("approved", "admin"), ("approved", "operator"), ("approved", "tapd_b"), ("approved", "bpkad"),
])
def test_wrong_role_or_scope_is_refused_and_nothing_changes(world, step, user):
    proposal = new_price(world)
    path = ["submitted", "admin_approved", "approved"]
    actors = {"submitted": "operator", "admin_approved": "admin", "approved": "tapd"}
    for earlier in path[:path.index(step)]:
        price_proposal_transition(actor=world.users[actors[earlier]], proposal=proposal, to_status=earlier)
    proposal.refresh_from_db()
    before = (proposal.status, proposal.version, proposal.admin_note, proposal.tapd_note)
    events = DomainEvent.objects.count()
    records = ChangeRecord.objects.count()

    with pytest.raises((PermissionDeniedError, NotFoundError)):
        price_proposal_transition(actor=world.users[user], proposal=proposal, to_status=step, reason="x")

    proposal.refresh_from_db()
    assert (proposal.status, proposal.version, proposal.admin_note, proposal.tapd_note) == before
    assert DomainEvent.objects.count() == events and ChangeRecord.objects.count() == records
    assert not PriceChange.objects.exists()
    assert PriceItem.objects.get(pk=world.items["Refill Ballpoint"].pk).harga == Decimal("23550.00")


def test_create_refused_outside_scope_or_role(world):
    data = ProposalInput(kind=ProposalKind.NEW_PRICE, item=world.items["Refill Ballpoint"], harga="1",
                         alasan="x")
    for user in ("operator_dispendik", "tapd", "admin", "operator_b"):
        with pytest.raises(PermissionDeniedError):
            price_proposal_create(actor=world.users[user], fiscal_year=world.fiscal_year,
                                  organisation=world.orgs["dinkes"], data=data)
    with pytest.raises(ApplicationError, match="tahun anggaran ini"):  # item of another fiscal year
        price_proposal_create(
            actor=world.users["operator_b"], fiscal_year=world.other_fiscal_year, organisation=world.orgs["dinkes_b"],
            data=data)
    assert not PriceProposal.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="budgeting.priceproposal").exists()


def test_update_only_draft_with_version_check(world):
    proposal = new_price(world)
    data = ProposalInput(kind=ProposalKind.NEW_PRICE, item=world.items["Refill Ballpoint"], harga="26.000",
                         alasan="Survei ulang")
    with pytest.raises(ConflictError):
        price_proposal_update(actor=world.users["operator"], proposal=proposal, data=data, expected_version=7)
    with pytest.raises(PermissionDeniedError):
        price_proposal_update(actor=world.users["operator_dispendik"], proposal=proposal, data=data,
                              expected_version=1)
    updated = price_proposal_update(actor=world.users["head"], proposal=proposal, data=data, expected_version=1)
    assert (updated.harga, updated.alasan, updated.version) == (Decimal("26000.00"), "Survei ulang", 2)
    record = ChangeRecord.objects.filter(action="update", object_type="budgeting.priceproposal").get()
    assert record.before == {"alasan": "Survei tiga toko, Januari 2026", "harga": "25000.00", "version": 1}
    price_proposal_transition(actor=world.users["operator"], proposal=proposal, to_status="submitted")
    with pytest.raises(ApplicationError) as exc:
        price_proposal_update(actor=world.users["operator"], proposal=proposal, data=data, expected_version=3)
    assert exc.value.code == "not_editable"


def test_invalid_accounts_and_price_are_refused(world):
    base = {"kind": ProposalKind.NEW_ITEM, "catalogue_kind": "ssh", "nama": "X", "satuan": "Buah", "alasan": "x"}
    with pytest.raises(ApplicationError, match="tidak ada di versi"):
        price_proposal_create(actor=world.users["operator"], fiscal_year=world.fiscal_year,
                              organisation=world.orgs["dinkes"],
                              data=ProposalInput(**base, harga="100", accounts=["5.1.02.01.01"]))
    with pytest.raises(ApplicationError, match="bukan angka"):
        price_proposal_create(actor=world.users["operator"], fiscal_year=world.fiscal_year,
                              organisation=world.orgs["dinkes"], data=ProposalInput(**base, harga="abc"))
    with pytest.raises(ApplicationError, match="lebih dari 0"):
        price_proposal_create(actor=world.users["operator"], fiscal_year=world.fiscal_year,
                              organisation=world.orgs["dinkes"], data=ProposalInput(**base, harga="-1"))
    assert not PriceProposal.objects.exists()


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("a.pdf", PDF, "pdf"), ("a.png", PNG, "png"), ("a.jpg", JPG, "jpg"), ("a.xlsx", None, "xlsx"),
    ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, None),
    ("arsip.xlsx", None, None), ("teks.pdf", b"hanya teks", None),
])
def test_evidence_sniffing(name, content, kind):
    if name == "a.xlsx":
        content = xlsx_bytes()
    if name == "arsip.xlsx":  # a zip that is not a workbook
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "x")
        content = buffer.getvalue()
    assert sniff_evidence_type(upload(name, content)) == kind


def test_exe_renamed_pdf_is_refused_and_nothing_stored(world, media):
    proposal = new_price(world, evidence=False)
    with pytest.raises(ApplicationError) as exc:
        price_proposal_evidence_add(actor=world.users["operator"], proposal=proposal,
                                    file=upload("survei.pdf", b"MZ\x90\x00" + b"\x00" * 200))
    assert exc.value.code == "file_type_not_allowed"
    assert not PriceProposalEvidence.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_evidence_limits_and_storage(world, media, settings):
    proposal = new_price(world, evidence=False)
    evidence = price_proposal_evidence_add(actor=world.users["operator"], proposal=proposal,
                                           file=upload("Survei Toko.pdf", PDF))
    import hashlib

    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.description == "Survei Toko.pdf"
    assert evidence.file.name == f"standar-harga/usulan/{timezone.now():%Y}/{evidence.sha256[:32]}.pdf"
    assert (media / evidence.file.name).read_bytes() == PDF
    record = ChangeRecord.objects.get(object_type="budgeting.priceproposalevidence")
    assert record.pemda_id == world.pemda.pk

    with pytest.raises(ApplicationError) as exc:
        price_proposal_evidence_add(actor=world.users["operator"], proposal=proposal, file=upload("lagi.pdf", PDF))
    assert exc.value.code == "duplicate_file"
    big = upload("besar.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ApplicationError) as exc:
        price_proposal_evidence_add(actor=world.users["operator"], proposal=proposal, file=big)
    assert exc.value.code == "file_too_large"
    with pytest.raises(PermissionDeniedError):
        price_proposal_evidence_add(actor=world.users["operator_dispendik"], proposal=proposal,
                                    file=upload("x.png", PNG))
    assert PriceProposalEvidence.objects.count() == 1

    price_proposal_evidence_delete(actor=world.users["operator"], evidence=evidence)
    assert not PriceProposalEvidence.objects.exists()


def test_evidence_only_while_draft(world):
    proposal = new_price(world)
    price_proposal_transition(actor=world.users["operator"], proposal=proposal, to_status="submitted")
    with pytest.raises(ApplicationError) as exc:
        price_proposal_evidence_add(actor=world.users["operator"], proposal=proposal, file=upload("b.png", PNG))
    assert exc.value.code == "not_editable"
    assert PriceProposalEvidence.objects.count() == 1


def test_bad_evidence_on_create_rolls_back_everything(world, media):
    with pytest.raises(ApplicationError):
        price_proposal_create(
            actor=world.users["operator"], fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"],
            data=ProposalInput(kind=ProposalKind.NEW_PRICE, item=world.items["Refill Ballpoint"], harga="25000",
                               alasan="x"),
            evidence=[upload("ok.pdf", PDF), upload("virus.pdf", b"MZ" + b"\x00" * 50)])
    assert not PriceProposal.objects.exists() and not PriceProposalEvidence.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()] if media.exists() else True


def test_stale_version_transition_is_refused(world):
    proposal = new_price(world)
    with pytest.raises(ConflictError):
        price_proposal_transition(actor=world.users["operator"], proposal=proposal, to_status="submitted",
                                  expected_version=5)
    proposal.refresh_from_db()
    assert proposal.status == "draft"
