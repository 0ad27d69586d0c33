"""The template filters of terang.core.templatetags.terang (rupiah, angka, tanggal)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation


def render(source: str, **context) -> str:
    return Template("{% load terang %}" + source).render(Context(context))


def test_rupiah_and_angka():
    assert render("{{ v|rupiah }}", v=Decimal("1234567")) == "Rp 1.234.567"
    assert render("{{ v|angka }}", v=1791789) == "1.791.789"
    assert render("{{ v|angka:2 }}", v=Decimal("3593.849")) == "3.593,85"
    assert render("{{ v|angka }}", v=None) == ""


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("id", "29 November 2026"), ("en", "29 November 2026")],
)
def test_tanggal_november(lang, expected):
    with translation.override(lang):
        assert render("{{ d|tanggal }}", d=datetime.date(2026, 11, 29)) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("id", "3 Agustus 2026"), ("en", "3 August 2026")],
)
def test_tanggal_month_names_follow_the_language(lang, expected):
    with translation.override(lang):
        assert render("{{ d|tanggal }}", d=datetime.date(2026, 8, 3)) == expected


def test_tanggal_with_time_is_shown_in_jakarta_time():
    moment = datetime.datetime(2026, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC"))  # 06.30 WIB next day
    with translation.override("id"):
        assert render('{{ t|tanggal:"waktu" }}', t=moment) == "1 Februari 2026, 06.30"
        assert render("{{ t|tanggal }}", t=moment) == "1 Februari 2026"
    assert render("{{ t|tanggal }}", t="bukan tanggal") == ""
    assert render("{{ t|tanggal }}", t=None) == ""
