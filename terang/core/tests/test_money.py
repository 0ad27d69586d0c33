from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terang.core.money import format_number, format_rupiah, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567"), "Rp 1.234.567"),
        (Decimal("1234567.5"), "Rp 1.234.567,50"),
        (0, "Rp 0"),
        (Decimal("-2500"), "-Rp 2.500"),
        (Decimal("2495696641125"), "Rp 2.495.696.641.125"),
    ],
)
def test_format_rupiah(value, expected):
    assert format_rupiah(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.234.567", Decimal("1234567")), ("1.234.567,50", Decimal("1234567.50")), ("Rp 2.500", Decimal("2500")),
     ("1234.50", Decimal("1234.50")), ("184000", Decimal("184000"))],
)
def test_to_decimal_reads_indonesian_and_plain(text, expected):
    assert to_decimal(text) == expected


@given(st.decimals(min_value=-10**15, max_value=10**15, places=2, allow_nan=False, allow_infinity=False))
def test_format_number_round_trips(value):
    assert to_decimal(format_number(value, 2)) == value
