"""The English catalogue is complete, and the pages switch to it when the visitor picks EN.

Indonesian is the source language (the msgids); locale/en/LC_MESSAGES/django.po must translate every msgid, and
no entry may be left fuzzy (gettext ignores fuzzy translations, so the page would silently stay Indonesian).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

EN_PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    msgid: str = ""
    msgstr: dict[str, str] = field(default_factory=dict)  # "" for a singular msgstr, "0", "1"… for plurals
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    return ast.literal_eval(text)  # a PO string is a double-quoted C string; these escapes match Python's


def parse_po(path: Path) -> list[Entry]:
    """Entries of a PO file, without the header and without obsolete (#~) entries."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, str] | None = None  # ("msgid", "") or ("msgstr", index)

    def finish() -> None:
        nonlocal entry, target
        if entry.line and entry.msgid:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue  # comments, references, previous msgid (#|) and obsolete entries (#~)
        elif line.startswith(("msgid ", "msgid_plural ")):
            keyword, _, value = line.partition(" ")
            if keyword == "msgid":
                entry.line = number
                entry.msgid = _unquote(value)
                target = ("msgid", "")
            else:
                target = ("msgid_plural", "")
        elif line.startswith("msgstr"):
            keyword, _, value = line.partition(" ")
            index = keyword[len("msgstr[") : -1] if keyword.startswith("msgstr[") else ""
            entry.msgstr[index] = _unquote(value)
            target = ("msgstr", index)
        elif line.startswith('"') and target is not None:
            kind, index = target
            if kind == "msgid":
                entry.msgid += _unquote(line)
            elif kind == "msgstr":
                entry.msgstr[index] += _unquote(line)
        elif line.startswith("msgctxt"):
            continue
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    return entries


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = parse_po(EN_PO)

    assert len(entries) > 500, "the catalogue looks truncated"
    untranslated = [f"{e.line}: {e.msgid!r}" for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [f"{e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    assert untranslated == [], "untranslated msgids in locale/en/LC_MESSAGES/django.po:\n" + "\n".join(untranslated)
    assert fuzzy == [], "fuzzy entries in locale/en/LC_MESSAGES/django.po:\n" + "\n".join(fuzzy)


@pytest.fixture
def english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    yield client
    # LocaleMiddleware leaves the last request's language active in this thread; later tests expect Indonesian.
    translation.deactivate()


@pytest.mark.django_db
def test_portal_home_in_english(english):
    html = english.get(reverse("portal:home")).content.decode()

    assert '<html lang="en"' in html
    for text in ("Regional governments", "Skip to content", "Reference", "Sign in", "Data sources & licences"):
        assert text in html, text
    for text in ("Pemerintah daerah</h1>", "Langsung ke isi halaman", "Beranda", "Masuk</a>"):
        assert text not in html, text


@pytest.mark.django_db
def test_login_page_in_english(english):
    html = english.get(reverse("accounts:login")).content.decode()

    expected = ("Sign in to Terang", "Username", "Password", "Forgot your password?", "Citizens do not need an account")
    for text in expected:
        assert text in html, text
    for text in ("Masuk ke Terang", "Nama pengguna", "Kata sandi", "Lupa kata sandi?"):
        assert text not in html, text


@pytest.mark.django_db
def test_api_errors_follow_the_language(english):
    response = english.get("/api/v1/pemda/99.99/")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Not found."
