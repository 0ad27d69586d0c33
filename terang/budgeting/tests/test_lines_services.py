"""RKA line services: pricing from the catalogue, ceilings, windows, optimistic concurrency, scope."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from terang.audit.models import ChangeRecord
from terang.budgeting.choices import LineType, StageStatus, SubActivityStatus
from terang.budgeting.models import BudgetLine, Ceiling, StageReopening, SubActivityBudget
from terang.budgeting.services.lines import (
    LineInput,
    line_create,
    line_delete,
    line_update,
    sub_activity_create,
)
from terang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db

ATK = "5.1.02.01.01.0024"


@pytest.fixture
def world():
    return make_budget_world()


@pytest.fixture
def sub(world):
    return world.sub_activity("dinkes", "1.02.02.2.01.0002")


def atk_line(world, **extra):
    values = {"account": ATK, "price_item": world.items["Refill Ballpoint"], "vol1": "10", "sat1": "Orang",
              "vol2": "12", "sat2": "Bulan"}
    values.update(extra)
    return LineInput(**values)


def test_create_prices_from_catalogue_and_audits(world, sub):
    line = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world, ppn=True))
    assert (line.volume, line.harga_satuan) == (Decimal("120.0000"), Decimal("23550.00"))
    assert (line.ppn_amount, line.total) == (Decimal("310860.00"), Decimal("3136860.00"))
    assert line.koefisien == "10 Orang x 12 Bulan"
    assert (line.uraian, line.satuan, line.akun, line.sumber_dana.kode) == ("Refill Ballpoint", "Buah", "5", "1.1")
    record = ChangeRecord.objects.get(object_type="budgeting.budgetline", object_id=str(line.pk))
    assert record.action == "create" and record.actor_id == world.users["operator"].pk
    assert record.after["total"] == "3136860.00"


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        ({"harga_satuan": "30000"}, "price_above_catalogue",
         "Harga satuan Rp 30.000 melebihi harga standar Rp 23.550 untuk Refill Ballpoint."),
        ({"account": "5.1.02.01.01.0001"}, "item_not_allowed",
         "Komponen 1.1.12.01.03.0001.07533 Refill Ballpoint tidak diizinkan untuk rekening 5.1.02.01.01.0001 "
         "Belanja Bahan-Bahan Bangunan dan Konstruksi."),
        ({"account": "5.1.02.01.01"}, "account_not_postable",
         "Kode rekening 5.1.02.01.01 bukan sub rincian objek (tingkat 6); hanya tingkat 6 yang dapat dianggarkan."),
        ({"account": "5.1.02.01.01.9999"}, "unknown_account",
         "Kode rekening 5.1.02.01.01.9999 tidak ada di versi 900.1.15.5-1317/2023."),
        ({"price_item": None}, "price_item_required", "Rincian belanja harus memilih komponen dari standar harga."),
        ({"vol1": "abc"}, "not_a_number", "Kolom vol1: 'abc' bukan angka."),
        ({"vol2": None, "sat2": "Bulan"}, "unit_without_volume", "Satuan 2 diisi tanpa volume 2."),
    ],
)
def test_invalid_lines_are_refused_with_a_clear_message_and_nothing_saved(world, sub, extra, code, message):
    with pytest.raises(ApplicationError) as excinfo:
        line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world, **extra))
    assert (excinfo.value.code, excinfo.value.message) == (code, message)
    assert not BudgetLine.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="budgeting.budgetline").exists()


def test_the_2026_account_width_is_accepted(world, sub):
    data = atk_line(world, account="5.1.02.01.001.00024")
    line = line_create(actor=world.users["operator"], sub_activity=sub, data=data)
    assert line.account.kode == ATK


def test_undetailed_line_reserves_money_and_is_marked(world, sub):
    line = line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(
        account=ATK, line_type=LineType.UNDETAILED, harga_satuan="150.000.000"))
    assert (line.line_type, line.total, line.uraian, line.price_item) == (
        LineType.UNDETAILED, Decimal("150000000.00"), "Belum dirinci", None)


def test_revenue_for_an_agency_and_financing_only_for_the_ppkd(world):
    fy = world.fiscal_year
    revenue = line_create(actor=world.users["operator"], organisation=world.orgs["dinkes"], data=LineInput(
        account="4.1.01.09.01.0001", harga_satuan="250000000", extra={"fiscal_year": fy}))
    assert (revenue.akun, revenue.total, revenue.sub_activity) == ("4", Decimal("250000000.00"), None)
    with pytest.raises(ApplicationError) as excinfo:
        line_create(actor=world.users["operator"], organisation=world.orgs["dinkes"], data=LineInput(
            account="6.1.01.01.01.0001", harga_satuan="1000", extra={"fiscal_year": fy}))
    assert excinfo.value.code == "financing_ppkd_only"


def test_ceiling_is_never_exceeded_and_the_message_names_the_excess(world, sub):
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("3000000"))
    first = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))  # 2.826.000
    with pytest.raises(ApplicationError) as excinfo:
        line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world, vol1="1", vol2="10"))
    assert excinfo.value.code == "ceiling_exceeded"
    assert excinfo.value.message == (
        "Jumlah belanja Dinkes menjadi Rp 3.061.500, melebihi pagu Rp 3.000.000 (kelebihan Rp 61.500). "
        "Baris tidak disimpan.")
    assert list(BudgetLine.objects.values_list("pk", flat=True)) == [first.pk]
    # editing a line is checked against the others, not against itself
    updated = line_update(actor=world.users["operator"], line=first, expected_version=1,
                          data=atk_line(world, vol1="10", vol2="12", harga_satuan="23000"))
    assert updated.total == Decimal("2760000.00")


def test_sub_kegiatan_ceiling_also_binds(world, sub):
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           sub_kegiatan=sub.sub_kegiatan, amount=Decimal("100000"))
    with pytest.raises(ApplicationError) as excinfo:
        line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    assert excinfo.value.code == "ceiling_exceeded"
    assert "sub kegiatan 1.02.02.2.01.0002" in excinfo.value.message


def test_no_ceiling_no_belanja(world, sub):
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).delete()
    with pytest.raises(ApplicationError) as excinfo:
        line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    assert excinfo.value.code == "no_ceiling"


def test_stale_update_is_refused_with_both_versions(world, sub):
    line = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    line_update(actor=world.users["head"], line=line, data=atk_line(world, vol1="5"), expected_version=1)
    with pytest.raises(ConflictError) as excinfo:
        line_update(actor=world.users["operator"], line=line, data=atk_line(world, vol1="7"), expected_version=1)
    details = excinfo.value.details
    assert details["current_version"] == 2
    assert details["current"]["vol1"] == "5.0000"
    assert details["yours"]["vol1"] == "7"
    assert "kepala.dinkes" in excinfo.value.message
    fresh = BudgetLine.objects.get(pk=line.pk)
    assert (fresh.vol1, fresh.version, fresh.updated_by) == (Decimal("5.0000"), 2, world.users["head"])


def test_closed_window_refuses_and_a_reopening_for_the_agency_allows(world, sub):
    world.rka.closes_at = timezone.now() - timedelta(minutes=1)
    world.rka.save()
    with pytest.raises(ApplicationError) as excinfo:
        line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    assert excinfo.value.code == "stage_closed"
    assert not BudgetLine.objects.exists()
    StageReopening.objects.create(stage=world.rka, pemda=world.pemda, organisation=world.orgs["dispendik"],
                                  reason="Perbaikan data sekolah oleh Dispendik", reopened_by=world.users["bpkad"],
                                  until=timezone.now() + timedelta(hours=2))
    with pytest.raises(ApplicationError):  # reopened for another agency only
        line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    StageReopening.objects.create(stage=world.rka, pemda=world.pemda, organisation=world.orgs["dinkes"],
                                  reason="Koreksi volume ATK Dinkes", reopened_by=world.users["bpkad"],
                                  until=timezone.now() + timedelta(hours=2))
    assert line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world)).pk


def test_no_open_stage_at_all(world, sub):
    world.rka.status = StageStatus.CLOSED
    world.rka.save()
    with pytest.raises(ApplicationError) as excinfo:
        line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    assert excinfo.value.message == "Tidak ada tahapan yang dibuka untuk TA 2026; input anggaran ditutup."


@pytest.mark.parametrize("who", ["operator_dispendik", "operator_b", "tapd", "auditor", "dprd", "sekda"])
def test_wrong_scope_or_role_changes_nothing(world, sub, who):
    line = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    records = ChangeRecord.objects.count()
    with pytest.raises(PermissionDeniedError):
        line_create(actor=world.users[who], sub_activity=sub, data=atk_line(world))
    with pytest.raises(PermissionDeniedError):
        line_update(actor=world.users[who], line=line, data=atk_line(world, vol1="1"), expected_version=1)
    with pytest.raises(PermissionDeniedError):
        line_delete(actor=world.users[who], line=line, expected_version=1)
    fresh = BudgetLine.objects.get(pk=line.pk)
    assert (BudgetLine.objects.count(), fresh.version, fresh.total) == (1, 1, line.total)
    assert ChangeRecord.objects.count() == records


def test_submitted_sub_kegiatan_is_read_only(world, sub):
    line = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    SubActivityBudget.objects.filter(pk=sub.pk).update(status=SubActivityStatus.SUBMITTED)
    with pytest.raises(ApplicationError) as excinfo:
        line_update(actor=world.users["operator"], line=line, data=atk_line(world, vol1="1"), expected_version=1)
    assert excinfo.value.code == "sub_activity_not_editable"


def test_delete_is_versioned_and_audited(world, sub):
    line = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    with pytest.raises(ConflictError):
        line_delete(actor=world.users["operator"], line=line, expected_version=9)
    line_delete(actor=world.users["operator"], line=line, expected_version=1, reason="salah input")
    assert not BudgetLine.objects.exists()
    record = ChangeRecord.objects.filter(object_type="budgeting.budgetline").latest("seq")
    assert (record.action, record.reason, record.before["total"]) == ("delete", "salah input", "2826000.00")


def test_sub_activity_create_expands_support_codes_and_checks_bidang(world):
    op = world.users["operator"]
    fy, dinkes = world.fiscal_year, world.orgs["dinkes"]
    support = sub_activity_create(actor=op, fiscal_year=fy, organisation=dinkes, kode="X.XX.01.2.06.0002")
    assert (support.kode, support.sub_kegiatan.kode) == ("1.02.01.2.06.0002", "X.XX.01.2.06.0002")
    assert support.indikator == "Jumlah Paket Peralatan Kantor"
    with pytest.raises(ApplicationError) as excinfo:
        sub_activity_create(actor=op, fiscal_year=fy, organisation=dinkes, kode="1.01.02.2.02.24")
    assert excinfo.value.code == "wrong_bidang"
    assert "1.01" in excinfo.value.message
    with pytest.raises(ApplicationError) as excinfo:
        sub_activity_create(actor=op, fiscal_year=fy, organisation=dinkes, kode="1.02.02.2.01.0099")
    assert excinfo.value.code == "unknown_sub_kegiatan"
    old_width = sub_activity_create(actor=op, fiscal_year=fy, organisation=dinkes, kode="1.02.02.2.01.01")
    assert old_width.kode == "1.02.02.2.01.0001"


# --- line_create_many, the shared ceiling rule, line events, save-path queries -------------------------------------


def _many(world, items, **kwargs):
    from terang.budgeting.services.lines import line_create_many

    return line_create_many(actor=kwargs.pop("actor", world.users["operator"]), fiscal_year=world.fiscal_year,
                            organisation=world.orgs["dinkes"], items=items, **kwargs)


def test_create_many_saves_every_row_with_one_change_each_and_one_event(world, sub):
    from terang.audit.events import EventType
    from terang.audit.models import DomainEvent

    revenue = LineInput(account="4.1.01.09.01.0001", harga_satuan="1.000.000", extra={"fiscal_year": world.fiscal_year})
    lines = _many(world, [(sub, atk_line(world)), (sub, atk_line(world, vol1="2", vol2=None, sat2="")),
                          (None, revenue)], reason="impor uji")
    assert [line.total for line in lines] == [Decimal("2826000.00"), Decimal("47100.00"), Decimal("1000000.00")]
    assert BudgetLine.objects.count() == 3 and all(line.pk for line in lines)
    records = ChangeRecord.objects.filter(object_type="budgeting.budgetline", action="create")
    assert sorted(int(r.object_id) for r in records) == sorted(line.pk for line in lines)
    assert {r.reason for r in records} == {"impor uji"}
    event = DomainEvent.objects.get(event_type=EventType.LINE_CREATED)
    assert (event.payload["lines"], event.payload["total"], event.object_type) == (
        3, "3873100.00", "org.organisation")


def test_create_many_reports_every_row_and_the_ceiling_after_all_rows_and_saves_nothing(world, sub):
    from terang.budgeting.services.lines import LineBatchError

    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("6000000"))
    other_org_sub = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    items = [
        (sub, atk_line(world)),                                   # 0: 2.826.000
        (sub, atk_line(world, harga_satuan="30000")),             # 1: above catalogue
        (sub, atk_line(world)),                                   # 2: 5.652.000
        (other_org_sub, atk_line(world)),                         # 3: another agency's sub-kegiatan
        (sub, atk_line(world)),                                   # 4: 8.478.000 > 6.000.000: crosses here
        (sub, atk_line(world, vol1="1", vol2=None, sat2="")),     # 5: 8.501.550
    ]
    with pytest.raises(LineBatchError) as excinfo:
        _many(world, items)
    issues = excinfo.value.issues
    assert [(i.index, i.code) for i in issues] == [(1, "price_above_catalogue"), (3, "wrong_sub_activity"),
                                                   (4, "ceiling_exceeded")]
    assert issues[2].message == (
        "Jumlah belanja Dinkes menjadi Rp 8.501.550, melebihi pagu Rp 6.000.000 (kelebihan Rp 2.501.550). "
        "Baris tidak disimpan.")
    assert excinfo.value.code == "invalid_rows" and len(excinfo.value.lines) == 4
    assert excinfo.value.details["kesalahan"][0] == {"baris": 2, "kolom": "harga_satuan",
                                                     "kode": "price_above_catalogue", "pesan": issues[0].message}
    assert not BudgetLine.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="budgeting.budgetline").exists()


def test_create_many_is_refused_without_the_edit_right_and_in_dry_run_writes_nothing(world, sub):
    with pytest.raises(PermissionDeniedError):
        _many(world, [(sub, atk_line(world))], actor=world.users["operator_dispendik"])
    lines = _many(world, [(sub, atk_line(world))], dry_run=True)
    assert len(lines) == 1 and lines[0].pk is None
    assert not BudgetLine.objects.exists() and not ChangeRecord.objects.filter(
        object_type="budgeting.budgetline").exists()


def test_lowering_a_line_under_an_already_exceeded_ceiling_is_allowed_raising_is_not(world, sub):
    line = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))  # 2.826.000
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("1000000"))  # set directly
    lowered = line_update(actor=world.users["operator"], line=line, expected_version=1,
                          data=atk_line(world, vol1="5"))
    assert lowered.total == Decimal("1413000.00")
    with pytest.raises(ApplicationError) as excinfo:
        line_update(actor=world.users["operator"], line=line, expected_version=2, data=atk_line(world, vol1="6"))
    assert excinfo.value.code == "ceiling_exceeded"
    assert "kelebihan Rp 695.600" in excinfo.value.message
    assert BudgetLine.objects.get(pk=line.pk).total == Decimal("1413000.00")


def test_line_saves_record_domain_events(world, sub):
    from terang.audit.events import EventType
    from terang.audit.models import DomainEvent

    line = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    line_update(actor=world.users["operator"], line=line, expected_version=1, data=atk_line(world, vol1="5"))
    line_delete(actor=world.users["operator"], line=line, expected_version=2, reason="salah input")
    events = list(DomainEvent.objects.filter(object_type="budgeting.budgetline").order_by("seq"))
    assert [e.event_type for e in events] == [EventType.LINE_CREATED, EventType.LINE_UPDATED,
                                              EventType.LINE_DELETED]
    assert {e.payload["line_key"] for e in events} == {str(line.line_key)}
    assert [(e.payload["total_before"], e.payload["total_after"]) for e in events] == [
        (None, "2826000.00"), ("2826000.00", "1413000.00"), ("1413000.00", None)]
    assert events[0].payload["sub_activity"] == sub.kode
    # a refused save records no event
    with pytest.raises(ApplicationError):
        line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world, harga_satuan="30000"))
    assert DomainEvent.objects.filter(object_type="budgeting.budgetline").count() == 3


def test_one_line_update_stays_within_its_query_budget(world, sub, django_assert_max_num_queries):
    """Pinned save-path cost of one line_update (was 36 on SQLite before the event was added; now 21 with it):
    lock line, lock sub-kegiatan, stage, account, catalogue item (+allowed), ceilings lock, one ceiling sum, the
    UPDATE, the change record (head lock, insert, head update) and the event (two head locks, insert, head
    update), plus savepoints. PostgreSQL adds the stage share lock."""
    from django.db import connection

    line = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world))
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           sub_kegiatan=sub.sub_kegiatan, amount=Decimal("10000000"))
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           sumber_dana=world.sumber_dana["1.1"], amount=Decimal("10000000"))
    budget = 21 + (1 if connection.vendor == "postgresql" else 0)
    with django_assert_max_num_queries(budget):
        updated = line_update(actor=world.users["operator"], line=line.pk, expected_version=1,
                              data=atk_line(world, vol1="5"))
    assert updated.total == Decimal("1413000.00") and updated.version == 2


def test_lowering_a_line_neither_locks_nor_sums_ceilings_but_raising_does(world, sub):
    """A save that only lowers totals cannot breach a ceiling, so it skips the ceiling lock and sum (cheaper, and
    it never queues behind writers that raise the same ceiling); raising still locks and checks."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    line = line_create(actor=world.users["operator"], sub_activity=sub, data=atk_line(world, vol1="5"))
    ceiling_table = Ceiling._meta.db_table
    with CaptureQueriesContext(connection) as lowered:
        line = line_update(actor=world.users["operator"], line=line.pk, expected_version=1,
                           data=atk_line(world, vol1="4"))
    assert line.version == 2
    assert not [q for q in lowered.captured_queries if ceiling_table in q["sql"]]
    with CaptureQueriesContext(connection) as raised:
        line_update(actor=world.users["operator"], line=line.pk, expected_version=2, data=atk_line(world, vol1="6"))
    assert [q for q in raised.captured_queries if ceiling_table in q["sql"]]
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("1"))
    with pytest.raises(ApplicationError) as refused:
        line_update(actor=world.users["operator"], line=line.pk, expected_version=3, data=atk_line(world, vol1="7"))
    assert refused.value.code == "ceiling_exceeded"
    lowered_again = line_update(actor=world.users["operator"], line=line.pk, expected_version=3,
                                data=atk_line(world, vol1="1"))
    assert lowered_again.version == 4  # lowering an over-full ceiling is allowed
