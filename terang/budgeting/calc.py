"""Arithmetic of a budget line: volume = v1·v2·v3·v4, subtotal = volume × unit price, PPN, total (Decimal only)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
VOLUME_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class LineAmounts:
    volume: Decimal
    subtotal: Decimal
    ppn_amount: Decimal
    total: Decimal


def line_volume(vol1: Decimal, vol2: Decimal | None = None, vol3: Decimal | None = None,
                vol4: Decimal | None = None) -> Decimal:
    volume = Decimal(vol1)
    for factor in (vol2, vol3, vol4):
        if factor is not None:
            volume *= Decimal(factor)
    return volume.quantize(VOLUME_PLACES, rounding=ROUND_HALF_UP)


def line_amounts(*, vol1: Decimal, vol2: Decimal | None = None, vol3: Decimal | None = None,
                 vol4: Decimal | None = None, harga_satuan: Decimal, ppn: bool, ppn_rate: Decimal) -> LineAmounts:
    """Totals of one line, rounded to the rupiah cent half-up (as the printed RKA does)."""
    volume = line_volume(vol1, vol2, vol3, vol4)
    subtotal = (volume * Decimal(harga_satuan)).quantize(CENT, rounding=ROUND_HALF_UP)
    ppn_amount = (subtotal * Decimal(ppn_rate)).quantize(CENT, rounding=ROUND_HALF_UP) if ppn else Decimal("0.00")
    return LineAmounts(volume=volume, subtotal=subtotal, ppn_amount=ppn_amount, total=subtotal + ppn_amount)
