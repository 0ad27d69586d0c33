"""RKA import from Excel (all or nothing, errors by row and column), the template, the export and a round trip."""

import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import LineType
from terang.budgeting.exporters.rka_excel import write_rka_lines, write_rka_template
from terang.budgeting.models import BudgetLine, Ceiling, SubActivityBudget
from terang.budgeting.services.lines import LineInput, line_create
from terang.budgeting.services.rka_import import TEMPLATE_COLUMNS, rka_import
from terang.core.errors import ApplicationError, PermissionDeniedError
from terang.testing.budget import make_budget_world
from terang.testing.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ATK = "5.1.02.01.01.0024"
BALLPOINT = "1.1.12.01.03.0001.07533"
LEM = "1.1.12.01.03.0001.07001"
PUSKESMAS = "1.02.02.2.01.0002"


@pytest.fixture
def world():
    return make_budget_world()


def row(**values):
    base = {"kode_sub_kegiatan": PUSKESMAS, "kode_rekening": ATK, "kelompok": "ATK", "keterangan": "Rapat",
            "jenis_baris": "rincian", "kode_komponen": BALLPOINT, "vol1": 10, "sat1": "Orang", "vol2": 12,
            "sat2": "Bulan", "ppn": "tidak"}
    base.update(values)
    return [base.get(column) for column in TEMPLATE_COLUMNS]


def workbook(rows, *, title_rows=0):
    wb = Workbook()
    ws = wb.active
    ws.title = "RKA"
    for _ in range(title_rows):
        ws.append(["RKA Dinas Kesehatan TA 2026"])
    ws.append(list(TEMPLATE_COLUMNS))
    for values in rows:
        ws.append(values)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def run(world, rows, *, who="operator", org="dinkes", dry_run=False, **kwargs):
    return rka_import(actor=world.users[who], fiscal_year=world.fiscal_year, organisation=world.orgs[org],
                      path_or_file=workbook(rows, **kwargs), dry_run=dry_run)


def nothing_saved():
    assert not BudgetLine.objects.exists()
    assert not SubActivityBudget.objects.exists()
    assert not ChangeRecord.objects.filter(object_type__startswith="budgeting.").exists()
    assert not DomainEvent.objects.filter(event_type=EventType.RKA_IMPORTED).exists()


# --- import -------------------------------------------------------------------------------------------------------


def test_happy_path_creates_sub_kegiatan_lines_and_one_event(world):
    report = run(world, [
        row(),                                                                  # 120 x 23.550 = 2.826.000
        row(kode_komponen=LEM, vol1="1.250", vol2=None, sat2=None, ppn="ya"),   # 1.250 x 9.800 + 11 %
        row(jenis_baris="belum_dirinci", kode_komponen=None, vol1=None, sat1=None, vol2=None, sat2=None,
            uraian="Menunggu RKAS", harga_satuan=150_000_000),
        row(kode_sub_kegiatan="X.XX.01.2.06.0002", harga_satuan=20000, vol2=None, sat2=None),
        row(kode_sub_kegiatan=None, kode_rekening="4.1.01.09.01.0001", kode_komponen=None, kelompok=None,
            keterangan=None, vol1=None, sat1=None, vol2=None, sat2=None, harga_satuan="250.000.000"),
    ], title_rows=2)
    assert report.ok, report.error_texts()
    assert (report.rows, report.lines_created, report.sub_activities_created) == (5, 5, 2)
    # 2.826.000 + 13.597.500 + 150.000.000 + 200.000 + 250.000.000
    assert report.total == Decimal("416623500.00")
    assert report.saved and not report.dry_run
    lem = BudgetLine.objects.get(price_item__kode=LEM)
    assert (lem.volume, lem.ppn_amount, lem.total) == (Decimal("1250.0000"), Decimal("1347500.00"),
                                                       Decimal("13597500.00"))
    undetailed = BudgetLine.objects.get(line_type=LineType.UNDETAILED)
    assert (undetailed.total, undetailed.uraian) == (Decimal("150000000.00"), "Menunggu RKAS")
    assert set(SubActivityBudget.objects.values_list("kode", flat=True)) == {PUSKESMAS, "1.02.01.2.06.0002"}
    revenue = BudgetLine.objects.get(akun="4")
    assert (revenue.sub_activity, revenue.total) == (None, Decimal("250000000.00"))
    assert ChangeRecord.objects.filter(object_type="budgeting.budgetline", action="create").count() == 5
    event = DomainEvent.objects.get(event_type=EventType.RKA_IMPORTED)
    assert event.payload["lines"] == 5 and event.payload["sub_activities_created"] == 2
    assert event.payload["total"] == "416623500.00" and event.actor_username == "op.dinkes"


def test_every_error_is_reported_by_row_and_column_and_nothing_is_saved(world):
    report = run(world, [
        row(),                                                       # row 2: valid
        row(harga_satuan=30000),                                     # row 3
        row(kode_komponen="9.9.99"),                                 # row 4
        row(vol1="abc"),                                             # row 5
        row(kode_rekening="5.1.02.01.01"),                           # row 6
        row(kode_rekening="5.1.02.01.01.0001"),                      # row 7: item not allowed for the account
        row(ppn="mungkin"),                                          # row 8
        row(jenis_baris="dummy"),                                    # row 9
        row(kode_sub_kegiatan="1.01.02.2.02.0024"),                  # row 10: another bidang
        row(vol2=None),                                              # row 11: unit without volume
        row(kode_sub_kegiatan=None),                                 # row 12: belanja outside a sub-kegiatan
    ])
    assert not report.ok
    assert report.error_texts() == [
        "Baris 3, kolom harga_satuan: Harga satuan Rp 30.000 melebihi harga standar Rp 23.550 untuk Refill "
        "Ballpoint.",
        "Baris 4, kolom kode_komponen: Komponen 9.9.99 tidak ada di standar harga TA 2026.",
        "Baris 5, kolom vol1: 'abc' bukan angka.",
        "Baris 6, kolom kode_rekening: Kode rekening 5.1.02.01.01 bukan sub rincian objek (tingkat 6); hanya "
        "tingkat 6 yang dapat dianggarkan.",
        "Baris 7, kolom kode_komponen: Komponen 1.1.12.01.03.0001.07533 Refill Ballpoint tidak diizinkan untuk "
        "rekening 5.1.02.01.01.0001 Belanja Bahan-Bahan Bangunan dan Konstruksi.",
        "Baris 8, kolom ppn: Isi 'ya' atau 'tidak', bukan 'mungkin'.",
        "Baris 9, kolom jenis_baris: Jenis baris 'dummy' tidak dikenal; isi 'rincian' atau 'belum_dirinci'.",
        "Baris 10, kolom kode_sub_kegiatan: Sub kegiatan 1.01.02.2.02.0024 termasuk bidang 1.01 yang bukan urusan "
        "Dinkes (1.02).",
        "Baris 11, kolom vol2: Satuan 2 diisi tanpa volume 2.",
        "Baris 12, kolom kode_sub_kegiatan: Belanja harus dicatat di bawah satu sub kegiatan.",
    ]
    nothing_saved()


def test_ceilings_are_checked_cumulatively_across_rows(world):
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("6000000"))
    report = run(world, [row(), row(), row()])  # 3 x 2.826.000 = 8.478.000 > 6.000.000
    assert report.error_texts() == [
        "Baris 4: Jumlah belanja Dinkes menjadi Rp 8.478.000, melebihi pagu Rp 6.000.000 (kelebihan Rp 2.478.000). "
        "Baris tidak disimpan."]
    nothing_saved()


def test_ceiling_message_matches_the_line_service(world):
    """The importer sums ceilings in memory; its refusal must read exactly like the service's."""
    sub = world.sub_activity("dinkes", PUSKESMAS)
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           sub_kegiatan=sub.sub_kegiatan, amount=Decimal("3000000"))
    line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(
        account=ATK, price_item=world.items["Refill Ballpoint"], vol1="10", vol2="12"))
    with pytest.raises(ApplicationError) as service:
        line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(
            account=ATK, price_item=world.items["Refill Ballpoint"], vol1="10", vol2="12"))
    report = run(world, [row()])
    assert report.error_texts() == [f"Baris 2: {service.value.message}"]
    assert "sub kegiatan 1.02.02.2.01.0002" in service.value.message
    assert BudgetLine.objects.count() == 1


def test_ceiling_breach_is_named_at_the_row_that_crossed_it_with_the_total_after_all_rows(world):
    """The importer saves through line_create_many: the ceilings are checked once against all rows together."""
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("6000000"))
    report = run(world, [row(), row(), row(harga_satuan=30000), row(), row(vol1=1, vol2=None, sat2=None)])
    # rows 2, 3, 5 and 6 are valid: 2.826.000 × 3 + 23.550; row 5 crosses 6.000.000
    assert report.error_texts() == [
        "Baris 4, kolom harga_satuan: Harga satuan Rp 30.000 melebihi harga standar Rp 23.550 untuk Refill "
        "Ballpoint.",
        "Baris 5: Jumlah belanja Dinkes menjadi Rp 8.501.550, melebihi pagu Rp 6.000.000 (kelebihan Rp 2.501.550). "
        "Baris tidak disimpan."]
    nothing_saved()


def test_agency_without_ceiling_is_reported_once(world):
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).delete()
    report = run(world, [row(), row()])
    assert report.error_texts() == ["Baris 2: Pagu Dinkes untuk TA 2026 belum ditetapkan; belanja belum dapat "
                                    "diinput."]
    nothing_saved()


def test_dry_run_reports_and_saves_nothing(world):
    report = run(world, [row(), row(kode_komponen=LEM)], dry_run=True)
    assert report.ok and report.dry_run and not report.saved
    assert (report.lines_created, report.sub_activities_created, report.total) == (2, 1, Decimal("4002000.00"))
    nothing_saved()


def test_closed_window_refuses_the_whole_file(world):
    from datetime import timedelta

    from django.utils import timezone

    world.rka.closes_at = timezone.now() - timedelta(minutes=5)
    world.rka.save()
    report = run(world, [row()])
    assert len(report.errors) == 1 and report.errors[0].row is None
    assert report.errors[0].text.startswith("Jendela input tahapan RKA-SKPD tidak sedang terbuka")
    nothing_saved()


@pytest.mark.parametrize("who", ["tapd", "operator_dispendik"])
def test_import_needs_the_edit_right_over_the_agency(world, who):
    with pytest.raises(PermissionDeniedError):
        run(world, [row()], who=who)
    nothing_saved()


def test_unreadable_file_and_missing_header(world):
    report = rka_import(actor=world.users["operator"], fiscal_year=world.fiscal_year,
                        organisation=world.orgs["dinkes"], path_or_file=io.BytesIO(b"bukan excel"))
    assert report.errors[0].text.startswith("Berkas Excel tidak dapat dibaca")
    wb = Workbook()
    wb.active.append(["kolom", "lain"])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    report = rka_import(actor=world.users["operator"], fiscal_year=world.fiscal_year,
                        organisation=world.orgs["dinkes"], path_or_file=buffer)
    assert report.error_texts() == ["Baris judul tidak ditemukan di 10 baris pertama (kolom wajib: "
                                    "kode_sub_kegiatan, kode_rekening)."]


def test_thousand_rows_import_in_a_few_seconds(world, capsys):
    Ceiling.objects.filter(organisation=world.orgs["dinkes"]).update(amount=Decimal("90000000000"))
    rows = [row(kelompok=f"Paket {i % 10}", vol1=(i % 50) + 1, harga_satuan=23000) for i in range(1000)]
    started, cpu = time.perf_counter(), time.process_time()
    report = run(world, rows)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    with capsys.disabled():
        print(f"\n1.000 baris RKA diimpor dalam {elapsed:.2f} s (CPU proses {cpu:.2f} s)")
    assert report.ok, report.error_texts()[:3]
    assert BudgetLine.objects.count() == 1000
    assert report.total == sum((Decimal((i % 50) + 1) * 12 * 23000 for i in range(1000)), Decimal(0))
    assert elapsed < 60  # a generous bound; the figure above is what we report


# --- template, export and round trip ----------------------------------------------------------------------------


def test_template_has_the_layout_an_example_and_the_allowed_codes(world):
    buffer = io.BytesIO()
    write_rka_template(fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"], target=buffer)
    wb = load_workbook(io.BytesIO(buffer.getvalue()))
    assert wb.sheetnames == ["RKA", "Sub kegiatan", "Rekening", "Komponen", "Petunjuk"]
    rows = list(wb["RKA"].values)
    assert list(rows[0]) == list(TEMPLATE_COLUMNS)
    assert rows[1][0] == "1.02.01.2.06.0001" and rows[1][1] == "5.1.02.01.01.0001"
    accounts = [r[0] for r in wb["Rekening"].values][1:]
    assert ATK in accounts and "4.1.01.09.01.0001" in accounts and "5.1.02.01.01" not in accounts
    assert not any(a.startswith("6.") for a in accounts)  # financing only for the PPKD
    items = {r[0]: r for r in list(wb["Komponen"].values)[1:]}
    assert items[BALLPOINT][4] == 23550 and items[BALLPOINT][5] == ATK
    assert [r[0] for r in wb["Sub kegiatan"].values][1:] == ["1.02.01.2.06.0001", "1.02.01.2.06.0002",
                                                               "1.02.02.2.01.0001", PUSKESMAS]
    # the example row imports as is
    buffer.seek(0)
    report = rka_import(actor=world.users["operator"], fiscal_year=world.fiscal_year,
                        organisation=world.orgs["dinkes"], path_or_file=buffer, dry_run=True)
    assert report.ok, report.error_texts()


def test_export_writes_numbers_with_formats_and_totals(world):
    sub = world.sub_activity("dinkes", PUSKESMAS)
    line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(
        account=ATK, price_item=world.items["Refill Ballpoint"], vol1="2,5", sat1="Rim", ppn=True))
    buffer = io.BytesIO()
    result = write_rka_lines(lines=BudgetLine.objects.all(), target=buffer, title="uji")
    assert result["lines"] == 1
    ws = load_workbook(io.BytesIO(buffer.getvalue()))["RKA"]
    header = [c.value for c in ws[1]]
    assert header[-5:] == ["koefisien", "volume", "satuan", "ppn_rp", "jumlah"]
    data = dict(zip(header, ws[2], strict=True))
    assert data["vol1"].value == 2.5 and data["vol1"].number_format == "#,##0.00##"
    assert data["harga_satuan"].value == 23550 and data["harga_satuan"].number_format == '"Rp" #,##0;-"Rp" #,##0'
    assert data["jumlah"].value == 65351.25 and data["koefisien"].value == "2,50 Rim"
    assert data["ppn"].value == "ya" and data["kode_komponen"].value == BALLPOINT
    totals = [c.value for c in ws[4]]
    assert totals[0] == "JUMLAH" and totals[-1] == 65351.25


def test_round_trip_into_an_empty_agency_gives_identical_totals(world):
    sub = world.sub_activity("dinkes", PUSKESMAS)
    support = world.sub_activity("dinkes", "1.02.01.2.06.0002")
    op = world.users["operator"]
    for data in (
        LineInput(account=ATK, price_item=world.items["Refill Ballpoint"], vol1="1.250", sat1="Orang", vol2="12",
                  sat2="Bulan", ppn=True, kelompok="ATK", keterangan="Rapat"),
        LineInput(account=ATK, price_item=world.items["Lem Kertas Cair"], vol1="2,5", sat1="Liter",
                  harga_satuan="9.000"),
        LineInput(account="5.1.02.01.01.0052", price_item=world.items["Nasi Kotak Rapat"], vol1="40", sat1="Orang",
                  vol2="3", sat2="Kali", vol3="2", sat3="Hari", vol4="1", sat4="Paket", sumber_dana="1.2"),
        LineInput(account=ATK, line_type=LineType.UNDETAILED, harga_satuan="75.000.000", uraian="Menunggu rincian"),
    ):
        line_create(actor=op, sub_activity=sub, data=data)
    line_create(actor=op, sub_activity=support, data=LineInput(
        account="5.2.02.05.02.0006", price_item=world.items["UPS 1.200 VA"], vol1="3", sat1="Unit"))
    line_create(actor=op, organisation=world.orgs["dinkes"], data=LineInput(
        account="4.1.01.09.01.0001", harga_satuan="12.500.000", vol1="4", sat1="Titik",
        extra={"fiscal_year": world.fiscal_year}))
    buffer = io.BytesIO()
    write_rka_lines(lines=BudgetLine.objects.filter(organisation=world.orgs["dinkes"]), target=buffer)

    twin = OrganisationFactory(pemda=world.pemda, nama="Dinas Kesehatan Kembar", singkatan="Dinkes2",
                               bidang_urusan="1.02")
    Ceiling.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=twin,
                           amount=Decimal("5000000000"))
    from terang.accounts.choices import Role
    from terang.testing.factories import make_user

    twin_operator = make_user(Role.OPD_OPERATOR, pemda=world.pemda, organisation=twin, username="op.twin")
    buffer.seek(0)
    report = rka_import(actor=twin_operator, fiscal_year=world.fiscal_year, organisation=twin, path_or_file=buffer)
    assert report.ok, report.error_texts()

    def summary(org):
        lines = BudgetLine.objects.filter(organisation=org)
        return sorted((line.sub_activity.kode if line.sub_activity else "", line.account.kode, line.line_type,
                       line.kelompok, line.keterangan, line.uraian, line.vol1, line.vol2, line.vol3, line.vol4,
                       line.sat1, line.sat4, line.harga_satuan, line.ppn, line.total,
                       line.sumber_dana.kode if line.sumber_dana else "") for line in lines)

    assert summary(twin) == summary(world.orgs["dinkes"])
    original = sum(BudgetLine.objects.filter(organisation=world.orgs["dinkes"]).values_list("total", flat=True))
    assert report.total == original == Decimal("537230000.00")


# --- pages --------------------------------------------------------------------------------------------------------


def _upload(rows):
    return SimpleUploadedFile("rka.xlsx", workbook(rows).getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_import_page_dry_run_then_confirm(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.users["operator"])
    url = reverse("budgeting:rka_import", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"berkas": _upload([row(), row(kode_komponen=LEM)])})
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 baris siap diimpor, jumlah Rp 4.002.000." in html
    assert not BudgetLine.objects.exists()
    token = response.context["token"]
    other = world.users["head"]
    from terang.accounts.testing import force_login_verified

    force_login_verified(client, other)
    assert client.post(url, {"token": token}).status_code == 403  # the token belongs to the uploader
    client.force_login(world.users["operator"])
    response = client.post(url, {"token": token})
    assert response.status_code == 302
    assert BudgetLine.objects.count() == 2
    assert not list((tmp_path / "rka-impor").iterdir())


def test_import_page_lists_errors_and_saves_nothing(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.users["operator"])
    url = reverse("budgeting:rka_import", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    response = client.post(url, {"berkas": _upload([row(), row(harga_satuan=30000)])})
    html = response.content.decode()
    assert response.status_code == 400
    assert "1 kesalahan; tidak ada yang disimpan." in html
    assert ("Baris 3, kolom harga_satuan: Harga satuan Rp 30.000 melebihi harga standar Rp 23.550 untuk Refill "
            "Ballpoint.") in html
    assert "token" not in response.context
    nothing_saved()


def test_import_page_is_closed_to_readers(client, world):
    from terang.accounts.testing import force_login_verified

    force_login_verified(client, world.users["tapd"])
    url = reverse("budgeting:rka_import", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk])
    assert client.get(url).status_code == 403
    client.force_login(world.users["operator_b"])
    assert client.get(url).status_code == 404


def test_export_and_template_downloads(client, world):
    sub = world.sub_activity("dinkes", PUSKESMAS)
    line_create(actor=world.users["operator"], sub_activity=sub, data=LineInput(
        account=ATK, price_item=world.items["Refill Ballpoint"], vol1="10"))
    client.force_login(world.users["operator"])
    for url in (reverse("budgeting:rka_export", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk]),
                reverse("budgeting:rka_template", args=[world.fiscal_year.pk, world.orgs["dinkes"].pk]),
                reverse("budgeting:sub_activity_export", args=[sub.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert wb["RKA"]["A1"].value == "kode_sub_kegiatan"
    client.force_login(world.users["operator_dispendik"])
    assert client.get(reverse("budgeting:sub_activity_export", args=[sub.pk])).status_code == 404
