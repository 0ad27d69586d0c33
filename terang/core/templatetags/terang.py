"""Template filters: rupiah, Indonesian numbers and dates in the active language."""

from __future__ import annotations

import datetime

from django import template
from django.utils import dateformat, timezone

from terang.core.money import format_number, format_rupiah

register = template.Library()

# Day-month-year, month written out: "29 November 2026" (id) / "29 November 2026" (en), "3 Januari 2026" (id).
DATE_FORMAT = "j F Y"
# Indonesian writes times with a dot (14.05); the dot is kept in English pages too, only the month changes.
DATETIME_FORMAT = "j F Y, H.i"


@register.filter(name="rupiah")
def rupiah(value: object) -> str:
    """{{ amount|rupiah }} -> Rp 1.234.567"""
    try:
        return format_rupiah(value)
    except Exception:
        return ""


@register.filter(name="angka")
def angka(value: object, decimals: object = None) -> str:
    """{{ value|angka }} -> 1.234.567 ; {{ value|angka:2 }} -> 1.234.567,00"""
    try:
        return format_number(value, int(str(decimals)) if decimals not in (None, "") else None)
    except Exception:
        return ""


@register.filter(name="tanggal", expects_localtime=False)
def tanggal(value: object, arg: str = "") -> str:
    """{{ d|tanggal }} -> "29 November 2026" with month names in the active language (id: Januari … Desember).

    {{ dt|tanggal:"waktu" }} -> "29 November 2026, 14.05" in Asia/Jakarta (aware datetimes are converted first).
    Any other argument is used as a Django date format string.
    """
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.date):
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if arg == "waktu":
        fmt = DATETIME_FORMAT if isinstance(value, datetime.datetime) else DATE_FORMAT
    else:
        fmt = arg or DATE_FORMAT
    try:
        return dateformat.format(value, fmt)
    except (AttributeError, TypeError, ValueError):
        return ""
