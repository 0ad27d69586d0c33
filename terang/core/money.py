"""Money is Decimal end to end; rupiah are shown as `Rp 1.234.567` (Indonesian separators)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

RUPIAH_PLACES = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    """Parse a number written the Indonesian way ("1.234.567,50"), the plain way ("1234567.50") or a number."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace("Rp", "").replace(" ", "").replace("\u00a0", "")
    if not text:
        raise InvalidOperation(f"bukan angka: {value!r}")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") > 1 or (text.count(".") == 1 and len(text.split(".")[1]) == 3):
        # "1.234.567" or "1.234": dots are thousands separators
        text = text.replace(".", "")
    return Decimal(text)


def format_number(value: object, decimals: int | None = None) -> str:
    """1234567.5 -> '1.234.567,50' (decimals shown only when present unless `decimals` is given)."""
    if value is None or value == "":
        return ""
    amount = to_decimal(value)
    negative = amount < 0
    amount = abs(amount)
    if decimals is None:
        decimals = 0 if amount == amount.to_integral_value() else 2
    quant = Decimal(1).scaleb(-decimals) if decimals else Decimal(1)
    amount = amount.quantize(quant, rounding=ROUND_HALF_UP)
    whole, _, frac = f"{amount:f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = ".".join(groups)
    if decimals:
        text += "," + frac.ljust(decimals, "0")
    return ("-" if negative else "") + text


def format_rupiah(value: object, decimals: int | None = None) -> str:
    """Rp 1.234.567 (negative: -Rp 1.234.567)."""
    if value is None or value == "":
        return ""
    text = format_number(value, decimals)
    if text.startswith("-"):
        return "-Rp " + text[1:]
    return "Rp " + text
