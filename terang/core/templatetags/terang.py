"""Template filters: rupiah and Indonesian number formatting."""

from __future__ import annotations

from django import template

from terang.core.money import format_number, format_rupiah

register = template.Library()


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
        return format_number(value, int(decimals) if decimals not in (None, "") else None)
    except Exception:
        return ""
