"""Region and agency loaders: exact counts from the shipped files, idempotence, generated codes, all-or-nothing."""

from decimal import Decimal

import pytest

from terang.audit.models import ChangeRecord
from terang.core.errors import ApplicationError
from terang.org.choices import OrganisationKind, RegionLevel
from terang.org.loaders import (
    load_banyuwangi_organisations,
    load_organisations,
    load_regions,
    parse_organisation_csv,
    pemda_ensure,
)
from terang.org.models import Organisation, Region

pytestmark = pytest.mark.django_db


def test_load_regions_loads_banyuwangi_tree_and_east_java():
    result = load_regions()
    assert result.created == 1 + 38 + 25 + 217
    assert Region.objects.filter(level=RegionLevel.KECAMATAN, parent__kode="35.10").count() == 25
    assert Region.objects.filter(level=RegionLevel.DESA, parent__parent__kode="35.10").count() == 189
    assert Region.objects.filter(level=RegionLevel.KELURAHAN, parent__parent__kode="35.10").count() == 28
    bwi = Region.objects.get(kode="35.10")
    assert bwi.level == RegionLevel.KABUPATEN
    assert bwi.parent.kode == "35"
    assert bwi.population == 1791789
    assert bwi.area_km2 == Decimal("3593.849")
    sarongan = Region.objects.get(kode="35.10.01.2001")
    assert (sarongan.nama, sarongan.level, sarongan.parent.nama) == ("Sarongan", RegionLevel.DESA, "Pesanggaran")
    assert sarongan.area_km2 == Decimal("188.23")
    assert sarongan.lat is not None and sarongan.lng is not None
    assert Region.objects.get(kode="35.73").level == RegionLevel.KOTA  # Kota Malang


def test_load_regions_twice_changes_nothing():
    load_regions()
    count = Region.objects.count()
    second = load_regions()
    assert (second.created, second.updated, second.unchanged) == (0, 0, count)
    assert Region.objects.count() == count


def test_load_banyuwangi_agencies_generates_missing_codes_once():
    load_regions()
    pemda = pemda_ensure(kode="35.10")
    first = load_banyuwangi_organisations(pemda)
    assert first.created == 56
    assert Organisation.objects.filter(pemda=pemda, kind=OrganisationKind.KECAMATAN).count() == 25
    generated = Organisation.objects.filter(pemda=pemda, kode_generated=True)
    assert generated.count() == first.details["kode_generated"] == 16
    damkar = Organisation.objects.get(pemda=pemda, singkatan="Damkarmat")
    assert damkar.kode == "1.05.0.00.0.00.03.0000"  # 01 Satpol PP and 02 BPBD are taken
    assert Organisation.objects.get(pemda=pemda, singkatan="BPKAD").is_ppkd
    bappeda = Organisation.objects.get(pemda=pemda, singkatan="Bappeda")
    assert (bappeda.kode, bappeda.kode_generated, bappeda.main_bidang) == ("5.01.5.05.0.00.01.0000", False, "5.01")
    assert Organisation.objects.get(pemda=pemda, singkatan="RSUD Genteng").parent.singkatan == "Dinkes"
    giri = Organisation.objects.get(pemda=pemda, nama="Kecamatan Giri")
    assert giri.region.kode == "35.10.17" and giri.kode == "7.01.0.00.0.00.06.0000"
    again = load_banyuwangi_organisations(pemda)
    assert (again.created, again.updated) == (0, 0)
    assert Organisation.objects.filter(pemda=pemda).count() == 56
    assert ChangeRecord.objects.filter(object_type="org.organisation", action="create").count() == 56


def test_bad_agency_rows_are_reported_by_row_and_nothing_is_saved(pemda):
    rows = [
        {"nama": "Dinas Baik", "jenis": "dinas", "bidang_urusan": "1.01", "kode_skpd": ""},
        {"nama": "", "jenis": "dinas", "bidang_urusan": "1.02", "kode_skpd": ""},
        {"nama": "Dinas Aneh", "jenis": "kantor", "bidang_urusan": "1.x", "kode_skpd": "1.02.0"},
    ]
    with pytest.raises(ApplicationError) as excinfo:
        load_organisations(pemda=pemda, rows=parse_organisation_csv(rows))
    errors = excinfo.value.details["errors"]
    assert "Baris 3: kolom 'nama' kosong." in errors
    assert "Baris 4: jenis 'kantor' tidak dikenal." in errors
    assert any(e.startswith("Baris 4: bidang urusan") for e in errors)
    assert any(e.startswith("Baris 4: kode organisasi '1.02.0'") for e in errors)
    assert not Organisation.objects.filter(pemda=pemda).exists()


def test_pemda_ensure_requires_a_loaded_region(db):
    with pytest.raises(ApplicationError) as excinfo:
        pemda_ensure(kode="35.10")
    assert excinfo.value.code == "region_missing"
