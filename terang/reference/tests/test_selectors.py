"""Selectors on a slice of the real data: version filters, any-width lookups, support program expansion."""

import pytest

from terang.reference import selectors
from terang.reference.code_lists import CODE_LISTS
from terang.reference.loaders import V_050_5889, V_1317, V_2027

pytestmark = pytest.mark.django_db


def test_sub_kegiatan_for_version_is_strict(reference_slice):
    in_1317 = set(selectors.sub_kegiatan_for_version(V_1317).values_list("kode", flat=True))
    in_2027 = set(selectors.sub_kegiatan_for_version(V_2027).values_list("kode", flat=True))
    assert "X.XX.01.2.01.0008" in in_2027 - in_1317  # added by the 2027 update
    assert "1.02.02.2.01.0001" in in_1317 & in_2027
    assert all(k.count(".") == 5 for k in in_1317 | in_2027)


def test_sub_kegiatan_by_kode_reads_old_width_and_agency_support_codes(reference_slice):
    assert selectors.sub_kegiatan_by_kode("1.02.02.2.01.01", version_code=V_1317).kode == "1.02.02.2.01.0001"
    support = selectors.sub_kegiatan_by_kode("5.01.01.2.01.0001", version_code=V_1317)
    assert support.kode == "X.XX.01.2.01.0001"
    assert selectors.sub_kegiatan_by_kode("X.XX.01.2.01.0008", version_code=V_1317) is None
    assert selectors.sub_kegiatan_by_kode("1.02.02.2.01", version_code=V_1317) is None  # a kegiatan
    assert selectors.sub_kegiatan_by_kode("bukan kode", version_code=V_1317) is None


def test_sub_kegiatan_for_bidang_expands_the_support_program(reference_slice):
    items = selectors.sub_kegiatan_for_bidang("5.01", version_code=V_1317)
    by_kode = {item.kode: item.code for item in items}
    assert by_kode["5.01.01.2.01.0001"].kode == "X.XX.01.2.01.0001"
    assert "5.01.02.2.01.0001" in by_kode  # Bappeda's own program
    assert not any(k.startswith(("X", "1.02")) for k in by_kode)
    assert [i.kode for i in items] == sorted(by_kode)


def test_account_lookups_in_any_width(reference_slice):
    atk = selectors.account_by_kode("5.1.02.01.001.00024")
    assert atk.kode == "5.1.02.01.01.0024"
    assert selectors.account_by_kode("5.1.2.01.01.0024") == atk
    assert selectors.postable_account_by_kode("5.1.02.01.01.024", version_code=V_1317) == atk
    assert selectors.postable_account_by_kode("5.1.02.01.01") is None
    assert selectors.account_by_kode("5.1.02.01.01.0024", version_code="permendagri-90-2019") is None
    assert selectors.account_by_kode("tidak.ada") is None


def test_accounts_for_version_is_cumulative_unless_asked(reference_slice):
    pbjt = "4.1.01.19.01.0001"  # observed in 2025 budgets only
    assert selectors.accounts_for_version("apbd-2025-observed").filter(kode=pbjt).exists()
    assert not selectors.accounts_for_version(V_1317).filter(kode=pbjt).exists()
    assert selectors.accounts_for_version(V_1317).filter(kode="5.1.02.01.01.0024").exists()
    assert not selectors.accounts_for_version(V_1317, cumulative=False).filter(kode="5.1.02.01.01.0024").exists()
    assert not selectors.accounts_for_version("tidak-ada").exists()


def test_other_lookups(reference_slice):
    assert selectors.sumber_dana_by_kode("1.1.01.01").nama == "Pajak Kendaraan Bermotor (PKB)"
    assert selectors.fungsi_by_kode("1.1").kode == "01.01"
    assert (
        selectors.village_activity_by_kode("01.01.01.").nama == "Penyediaan Penghasilan Tetap dan Tunjangan Kepala Desa"
    )
    assert selectors.village_account_by_kode("4 2 1").nama == "Dana Desa"


def test_public_codes_filters_combine(reference_slice):
    cl = CODE_LISTS["program"]
    rows = list(selectors.public_codes(cl, versi=V_2027, tingkat="sub_kegiatan", induk="1.02.02.2.01"))
    assert rows and all(r.parent.kode == "1.02.02.2.01" and r.tingkat == "sub_kegiatan" for r in rows)
    assert all(V_2027 in [v.kode for v in r.versions.all()] for r in rows)
    words = selectors.public_codes(cl, q="rumah sakit")
    assert words.exists() and all("rumah sakit" in r.nama.lower() for r in words)
    assert selectors.public_codes(cl, induk="1.0x").count() == 0
    assert selectors.public_codes(cl, tingkat="tidak-ada").count() == 0
    accounts = CODE_LISTS["rekening"]
    assert [r.kode for r in selectors.public_codes(accounts, q="5.1.02.01.001.00024")] == ["5.1.02.01.01.0024"]
    assert [r.kode for r in selectors.public_codes(accounts, q="5.1.02.01.01.0024")] == ["5.1.02.01.01.0024"]
    assert selectors.public_codes(accounts, versi=V_050_5889, tingkat="6").filter(kode="5.1.02.01.01.0024").exists()


def test_public_code_detail_resolves_widths_and_ancestors(reference_slice):
    obj = selectors.public_code(CODE_LISTS["rekening"], "5.1.02.01.001.00024")
    assert [a.kode for a in selectors.code_ancestors(obj)] == ["5", "5.1", "5.1.02", "5.1.02.01", "5.1.02.01.01"]
    support = selectors.public_code(CODE_LISTS["program"], "5.01.01.2.01.0001")
    assert support.kode == "X.XX.01.2.01.0001"
    assert selectors.public_code(CODE_LISTS["program"], "9.99") is None
