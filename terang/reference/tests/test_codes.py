"""Code normalisation: the examples of domain.md §1.2 and §1.5 in both directions, plus round-trip properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terang.reference import codes
from terang.reference.codes import InvalidCodeError


# --- sub-kegiatan width: 2 digits (≤ 2023) ↔ 4 digits (TA 2024+) -------------------------------------------------
def test_sub_kegiatan_two_digits_become_four():
    assert codes.normalize_program_code("1.01.01.2.01.01") == "1.01.01.2.01.0001"


def test_sub_kegiatan_four_digits_become_two():
    assert codes.program_code_two_digit("1.01.01.2.01.0001") == "1.01.01.2.01.01"


def test_sub_kegiatan_canonical_is_unchanged():
    assert codes.normalize_program_code("1.02.02.2.01.0001") == "1.02.02.2.01.0001"


def test_provincial_old_width_example_normalises():
    assert codes.normalize_program_code("5.02.01.1.01.01") == "5.02.01.1.01.0001"


def test_sub_kegiatan_above_99_cannot_be_written_in_two_digits():
    with pytest.raises(InvalidCodeError) as exc:
        codes.program_code_two_digit("1.01.01.2.01.0100")
    assert "tidak dapat ditulis" in exc.value.message


@pytest.mark.parametrize(
    ("kode", "level"),
    [("1", 1), ("1.02", 2), ("1.02.02", 3), ("1.02.02.2.01", 4), ("1.02.02.2.01.0001", 5), ("X.XX.01", 3)],
)
def test_program_level_counts_kegiatan_as_one_level(kode, level):
    assert codes.program_level(kode) == level


@pytest.mark.parametrize(
    ("kode", "parent"),
    [("1.02.02.2.01.0001", "1.02.02.2.01"), ("1.02.02.2.01", "1.02.02"), ("1.02", "1"), ("1", None)],
)
def test_program_parent(kode, parent):
    assert codes.program_parent(kode) == parent


@pytest.mark.parametrize("bad", ["1.0x", "1.02.02.2", "", "1..02", "1.XX", "X.01", "a.b", "1.02.02.2.01.0001.01"])
def test_invalid_program_codes_are_refused_in_indonesian(bad):
    with pytest.raises(InvalidCodeError) as exc:
        codes.normalize_program_code(bad)
    assert "tidak valid" in exc.value.message
    assert exc.value.code == "invalid_code"


# --- account widths: 1-1-2-2-2-3 (2019), -4 (2021-2025), 1-1-2-2-3-5 (2026) ---------------------------------
def test_account_2026_width_from_canonical():
    assert codes.account_code_2026("5.1.02.01.01.0024") == "5.1.02.01.001.00024"


def test_account_2026_width_to_canonical():
    assert codes.normalize_account_code("5.1.02.01.001.00024") == "5.1.02.01.01.0024"


@pytest.mark.parametrize(
    ("before", "after"),
    [("5.1.01.01.01.0001", "5.1.01.01.001.00001"), ("5.2.02.10.02.0003", "5.2.02.10.002.00003")],
)
def test_account_widening_examples_of_kode2026(before, after):
    assert codes.account_code_2026(before) == after
    assert codes.normalize_account_code(after) == before


def test_account_three_digit_2019_to_canonical_and_back():
    assert codes.normalize_account_code("5.1.02.01.01.024") == "5.1.02.01.01.0024"
    assert codes.account_code_2019("5.1.02.01.01.0024") == "5.1.02.01.01.024"


def test_account_dropped_jenis_zero_is_restored():
    assert codes.normalize_account_code("5.1.2.01.01.0001") == "5.1.02.01.01.0001"
    assert codes.normalize_account_code("6.1.1.05.03.0001") == "6.1.01.05.03.0001"


def test_account_level_is_number_of_segments():
    assert [codes.level_of(k) for k in ("5", "5.1", "5.1.02", "5.1.02.01", "5.1.02.01.01", "5.1.02.01.01.0024")] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]


def test_account_too_long_is_refused():
    with pytest.raises(InvalidCodeError):
        codes.normalize_account_code("5.1.02.01.01.0024.1")


def test_wide_value_is_never_truncated():
    # a 2026 rincian objek ≥ 100 keeps its digits in canonical form and cannot be written in the 2019 width
    assert codes.normalize_account_code("5.1.02.01.123.00001") == "5.1.02.01.123.0001"
    with pytest.raises(InvalidCodeError):
        codes.account_code_2019("5.1.02.01.123.00001")


# --- village codes ----------------------------------------------------------------------------------------------
def test_village_codes_accept_siskeudes_forms():
    assert codes.normalize("4.2.1.", codes.VILLAGE_ACCOUNT) == "4.2.1"
    assert codes.normalize("4 2 1 01", codes.VILLAGE_ACCOUNT) == "4.2.1.01"
    assert codes.normalize("01.01.01.", codes.VILLAGE_ACTIVITY) == "01.01.01"
    assert codes.normalize("1.1.1", codes.VILLAGE_ACTIVITY) == "01.01.01"


# --- support program X.XX ---------------------------------------------------------------------------------------
def test_support_code_expands_to_agency_bidang():
    assert codes.expand_support_code("X.XX.01.2.01.0001", "5.01") == "5.01.01.2.01.0001"
    assert codes.expand_support_code("X.XX.01", "1.02") == "1.02.01"


def test_non_support_code_is_not_changed_by_expansion():
    assert codes.expand_support_code("1.02.02.2.01.0001", "5.01") == "1.02.02.2.01.0001"


def test_support_expansion_needs_a_real_bidang():
    with pytest.raises(InvalidCodeError):
        codes.expand_support_code("X.XX.01.2.01.0001", "X.XX")


def test_agency_support_code_generalises_to_annex_form():
    assert codes.generalize_support_code("5.01.01.2.01.0001") == "X.XX.01.2.01.0001"
    assert codes.generalize_support_code("5.01.01.2.01.01") == "X.XX.01.2.01.0001"
    assert codes.generalize_support_code("5.01.02.2.01.0001") is None
    assert codes.is_support_code("x.xx.01") and not codes.is_support_code("5.01.01")


# --- prefix search: both forms match the same canonical rows ---------------------------------------------------
def test_search_prefixes_for_2026_and_2021_account_forms_are_the_same():
    assert codes.search_prefixes("5.1.02.01.001.00024", codes.ACCOUNT) == ["5.1.02.01.01.0024"]
    assert codes.search_prefixes("5.1.02.01.01.0024", codes.ACCOUNT) == ["5.1.02.01.01.0024"]


def test_search_prefix_of_partial_2026_segment_strips_the_extra_zero():
    assert codes.search_prefixes("5.1.02.01.001.0002", codes.ACCOUNT) == ["5.1.02.01.01.002"]


def test_search_prefix_of_old_sub_kegiatan_matches_exact_and_partial():
    assert codes.search_prefixes("1.02.02.2.01.01", codes.PROGRAM) == ["1.02.02.2.01.0001", "1.02.02.2.01.01"]


def test_search_prefix_of_agency_support_code_adds_annex_form():
    assert codes.search_prefixes("5.01.01.2.01", codes.PROGRAM) == ["5.01.01.2.01", "X.XX.01.2.01"]


def test_search_prefix_for_text_is_empty():
    assert codes.search_prefixes("alat tulis", codes.ACCOUNT) == []
    assert not codes.looks_like_code("alat tulis")
    assert codes.looks_like_code("5.1.02.")


# --- properties ---------------------------------------------------------------------------------------------------
def _account(widths):
    return st.tuples(*[st.integers(min_value=0, max_value=10**w - 1) for w in widths]).map(
        lambda values: ".".join(str(v).zfill(w) for v, w in zip(values, widths, strict=True))
    )


CANONICAL_ACCOUNTS = st.integers(min_value=1, max_value=6).flatmap(lambda n: _account((1, 1, 2, 2, 2, 4)[:n]))


@given(CANONICAL_ACCOUNTS)
def test_canonical_account_is_a_fixed_point(kode):
    assert codes.normalize_account_code(kode) == kode


@given(_account((1, 1, 2, 2, 2, 4)))
def test_account_round_trip_through_2026_width(kode):
    wide = codes.account_code_2026(kode)
    assert [len(s) for s in wide.split(".")] == [1, 1, 2, 2, 3, 5]
    assert codes.normalize_account_code(wide) == kode


@given(_account((1, 1, 2, 2, 2, 3)))
def test_account_round_trip_through_2019_width(old):
    canonical = codes.normalize_account_code(old)
    assert codes.account_code_2019(canonical) == old


@given(
    st.integers(1, 8),
    st.integers(1, 32),
    st.integers(1, 30),
    st.integers(1, 2),
    st.integers(1, 50),
    st.integers(1, 99),
)
def test_sub_kegiatan_round_trip_two_and_four_digits(u, b, p, k, kk, s):
    old = f"{u}.{b:02d}.{p:02d}.{k}.{kk:02d}.{s:02d}"
    new = codes.normalize_program_code(old)
    assert new == f"{u}.{b:02d}.{p:02d}.{k}.{kk:02d}.{s:04d}"
    assert codes.program_code_two_digit(new) == old
    assert codes.normalize_program_code(new) == new


@given(st.integers(1, 8), st.integers(1, 32), st.integers(1, 50), st.integers(1, 9999))
def test_support_expansion_round_trip(u, b, kk, s):
    general = f"X.XX.01.2.{kk:02d}.{s:04d}"
    expanded = codes.expand_support_code(general, f"{u}.{b:02d}")
    assert expanded == f"{u}.{b:02d}.01.2.{kk:02d}.{s:04d}"
    assert codes.generalize_support_code(expanded) == general
