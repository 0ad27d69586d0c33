"""The full load of the shipped files (once for this module): exact counts, idempotence, versions, speed of pages."""

import time

import pytest

from terang.audit.events import EventType
from terang.audit.models import DomainEvent
from terang.reference import selectors
from terang.reference.choices import ProgramLevel
from terang.reference.loaders import V_050_5889, V_1317, V_2027, load_all
from terang.reference.models import (
    Account,
    Fungsi,
    ProgramCode,
    RegulationVersion,
    SumberDana,
    Urusan,
    VillageAccount,
    VillageActivity,
)

pytestmark = pytest.mark.django_db


def test_load_all_returns_file_row_counts(full_reference):
    assert full_reference == {
        "versi_regulasi": 6,
        "urusan": 51,
        "nomenklatur": 3616,
        "rekening": 5686,
        "fungsi": 56,
        "sumber_dana": 284,
        "desa_kegiatan": 239,
        "desa_rekening": 97,
    }


def test_full_load_stores_exact_counts(full_reference):
    assert ProgramCode.objects.count() == 3616
    assert ProgramCode.objects.filter(tingkat=ProgramLevel.SUB_KEGIATAN).count() == 2982
    assert Account.objects.count() == 5686
    assert Account.objects.filter(is_postable=True).count() == 4731
    assert Account.objects.filter(is_postable=True).exclude(level=6).count() == 0
    assert SumberDana.objects.count() == 284
    assert Fungsi.objects.count() == 56
    assert Fungsi.objects.filter(level=1).count() == 9
    assert Urusan.objects.count() == 51
    assert VillageActivity.objects.filter(tingkat="kegiatan").count() == 239
    assert VillageActivity.objects.filter(tingkat="bidang").count() == 5
    assert VillageActivity.objects.filter(tingkat="sub_bidang").count() == 27
    assert VillageActivity.objects.filter(is_regional_addition=True).count() == 95
    assert VillageAccount.objects.count() == 97
    assert RegulationVersion.objects.count() == 6


def test_rows_in_two_versions_are_stored_once_and_linked_twice(full_reference):
    both = ProgramCode.objects.filter(versions__kode=V_1317).filter(versions__kode=V_2027)
    assert both.count() == 2506  # file rows whose `sumber` lists both versions
    assert ProgramCode.versions.through.objects.count() == 2506 * 2 + 457 + 653
    assert selectors.sub_kegiatan_for_version(V_1317).count() == 1897 + 440
    assert selectors.sub_kegiatan_for_version(V_2027).count() == 1897 + 645


def test_version_lookup_returns_only_rows_of_that_version(full_reference):
    only_2027 = "X.XX.01.2.01.0008"
    assert ProgramCode.objects.get(kode=only_2027).versions.get().kode == V_2027
    assert selectors.sub_kegiatan_by_kode(only_2027, version_code=V_2027) is not None
    assert selectors.sub_kegiatan_by_kode(only_2027, version_code=V_1317) is None
    assert not selectors.sub_kegiatan_for_version(V_1317).filter(kode=only_2027).exists()


def test_real_sub_kegiatan_with_metadata_and_old_width_lookup(full_reference):
    row = selectors.sub_kegiatan_by_kode("1.02.02.2.01.01", version_code=V_1317)
    assert row.kode == "1.02.02.2.01.0001"
    assert row.nama == "Pembangunan Rumah Sakit beserta Sarana dan Prasarana Pendukungnya"
    assert row.parent.kode == "1.02.02.2.01"
    support = selectors.sub_kegiatan_by_kode("5.01.01.2.02.0001", version_code=V_1317)
    assert (support.kode, support.nama) == ("X.XX.01.2.02.0001", "Penyediaan Gaji dan Tunjangan ASN")
    assert support.satuan == "Orang/bulan"


def test_postable_account_lookup_in_any_width(full_reference):
    account = selectors.postable_account_by_kode("5.1.02.01.001.00024")
    assert account.nama == "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor"
    assert account.versions.get().kode == V_050_5889
    # cumulative: a 050-5889/2021 account is still valid under 900.1.15.5-1317/2023
    assert selectors.postable_account_by_kode("5.1.02.01.01.024", version_code=V_1317) == account
    assert selectors.postable_account_by_kode("5.1.02.01.01") is None  # rincian objek: not postable
    # 64 postable codes seen only in 2025 budgets are not part of 1317/2023 or what it amends
    assert selectors.accounts_for_version(V_1317, postable_only=True).count() == 4731 - 64
    assert selectors.accounts_for_version("apbd-2025-observed", postable_only=True).count() == 4731
    assert selectors.accounts_for_version(V_1317, postable_only=True, cumulative=False).count() == 829


def test_second_load_adds_nothing_and_writes_no_event(full_reference):
    events = DomainEvent.objects.filter(event_type=EventType.REFERENCE_LOADED).count()
    through = ProgramCode.versions.through.objects.count() + Account.versions.through.objects.count()
    started = time.perf_counter()
    assert load_all() == full_reference
    elapsed = time.perf_counter() - started
    assert ProgramCode.objects.count() == 3616 and Account.objects.count() == 5686
    assert ProgramCode.versions.through.objects.count() + Account.versions.through.objects.count() == through
    assert DomainEvent.objects.filter(event_type=EventType.REFERENCE_LOADED).count() == events
    assert elapsed < 10


def test_first_load_wrote_one_audit_event_with_counts(full_reference):
    event = DomainEvent.objects.filter(event_type=EventType.REFERENCE_LOADED, object_type="reference.codelist").get()
    assert event.payload["counts"]["nomenklatur"] == 3616
    assert event.payload["details"]["rekening"]["created"] == 5686
    assert event.payload["details"]["rekening"]["postable"] == 4731


def test_program_list_page_on_full_data_pins_queries(full_reference, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/referensi/program/", {"versi": V_2027, "tingkat": "sub_kegiatan"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1897 + 645
    assert len(response.context["rows"]) == 50


def test_account_api_on_full_data_pins_queries(full_reference, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/referensi/rekening/", {"is_postable": "true", "page_size": 500})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4731
    assert len(body["results"]) == 500
