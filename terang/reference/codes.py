"""Code normalisation for the national code lists (domain.md §1.2, §1.5, §4.3-4.4).

Every code is stored in one canonical form per list ("scheme"); anything typed by a user or read from an old
budget, an SIPD export or an Excel annex goes through `normalize()` first.

* Program nomenclature `U.BB.PP.K.KK.SSSS`: sub-kegiatan has 4 digits since Kepmendagri 900.1.15.5-1317/2023 and
  2 digits before (`1.01.01.2.01.01` ↔ `1.01.01.2.01.0001`). Canonical = 4 digits. `X.XX.01…` is the support
  program that every agency instantiates under its own bidang (`expand_support_code`).
* Kode rekening (six levels): 1-1-2-2-2-3 (Permendagri 90/2019), 1-1-2-2-2-4 (Kepmendagri 050-3708/2020 …
  900.1-2850/2025), 1-1-2-2-3-5 (Kepmendagri 900.1-861/2026). Canonical = 1-1-2-2-2-4, the width of every version
  shipped in `data/`. Some local systems drop the zero of the jenis segment (`5.1.2.01.01.0001`).

Segments are compared by value: a segment is re-padded to the canonical width of its position, so `024`, `0024`
and `00024` are the same sub rincian objek. A value too large for the canonical width keeps all its digits (it is
never truncated); `to_form()` refuses to write a value into a form that is too narrow for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from terang.core.errors import ApplicationError


class InvalidCodeError(ApplicationError):
    """A code that cannot be read in the expected scheme (message in Indonesian, shown to the user)."""

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("code", "invalid_code")
        kwargs.setdefault("field", "kode")
        super().__init__(message, **kwargs)


@dataclass(frozen=True)
class CodeScheme:
    """Segment widths of one code list: the canonical form plus the other forms found in the wild."""

    name: str
    widths: tuple[int, ...]
    # other known forms, by name: used to read input and, for output forms, by `to_form`
    forms: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # how many leading segments may be a wildcard (`X`, `XX`) — the support program "all urusan / all bidang"
    wildcard_segments: int = 0
    # allowed numbers of segments (None = 1..len(widths))
    segment_counts: frozenset[int] | None = None

    @property
    def max_segments(self) -> int:
        return len(self.widths)

    def allows(self, count: int) -> bool:
        if self.segment_counts is not None:
            return count in self.segment_counts
        return 1 <= count <= self.max_segments


# Program nomenclature: urusan(1) . bidang(2) . program(2) . kegiatan level digit(1) . kegiatan(2) . sub-kegiatan(4)
PROGRAM = CodeScheme(
    name="program",
    widths=(1, 2, 2, 1, 2, 4),
    forms={"permendagri-90-2019": (1, 2, 2, 1, 2, 2), "900.1.15.5-1317/2023": (1, 2, 2, 1, 2, 4)},
    wildcard_segments=2,
    segment_counts=frozenset({1, 2, 3, 5, 6}),
)
URUSAN = CodeScheme(name="urusan", widths=(1, 2), wildcard_segments=2)
ACCOUNT_FORM_2019 = "permendagri-90-2019"
ACCOUNT_FORM_2021 = "050-5889/2021"
ACCOUNT_FORM_2026 = "900.1-861/2026"
ACCOUNT = CodeScheme(
    name="rekening",
    widths=(1, 1, 2, 2, 2, 4),
    forms={
        ACCOUNT_FORM_2019: (1, 1, 2, 2, 2, 3),
        ACCOUNT_FORM_2021: (1, 1, 2, 2, 2, 4),
        ACCOUNT_FORM_2026: (1, 1, 2, 2, 3, 5),
        "jenis-1-digit": (1, 1, 1, 2, 2, 4),  # input only: local systems that drop the jenis zero
    },
)
SUMBER_DANA = CodeScheme(name="sumber_dana", widths=(1, 1, 2, 2, 2, 4), forms=dict(ACCOUNT.forms))
FUNGSI = CodeScheme(name="fungsi", widths=(2, 2))
VILLAGE_ACTIVITY = CodeScheme(name="desa_kegiatan", widths=(2, 2, 2))
VILLAGE_ACCOUNT = CodeScheme(name="desa_rekening", widths=(1, 1, 1, 2))

_SEPARATORS = re.compile(r"\s*[.\s]\s*")
_CODE_LIKE = re.compile(r"^[0-9Xx]+([.\s][0-9Xx]*)*\.?$")
PROGRAM_LEVEL_BY_SEGMENTS = {1: 1, 2: 2, 3: 3, 5: 4, 6: 5}
SUPPORT_PROGRAM = "01"


def _segments(kode: object) -> list[str]:
    text = str(kode if kode is not None else "").strip()
    text = text.rstrip(".").strip()  # Siskeudes writes `4.2.1.01.`
    if not text:
        return []
    return _SEPARATORS.split(text)


def looks_like_code(text: str) -> bool:
    """True when `text` is made of digits/X separated by dots or spaces (so a search means a code prefix)."""
    return bool(_CODE_LIKE.match(text.strip())) if text and text.strip() else False


def _is_wildcard(segment: str, position: int, scheme: CodeScheme) -> bool:
    return position < scheme.wildcard_segments and segment.upper() == "X" * scheme.widths[position]


def _canonical_segment(segment: str, position: int, scheme: CodeScheme, raw: str) -> str:
    if _is_wildcard(segment, position, scheme):
        return segment.upper()
    if not segment.isdigit() or not segment.isascii():
        raise InvalidCodeError(_("kode '%(kode)s' tidak valid") % {"kode": raw})
    return str(int(segment)).zfill(scheme.widths[position])


def normalize(kode: object, scheme: CodeScheme) -> str:
    """The canonical form of `kode` in `scheme`; raises InvalidCodeError (Indonesian message) if unreadable."""
    raw = str(kode if kode is not None else "").strip()
    segments = _segments(raw)
    if not segments or not scheme.allows(len(segments)):
        raise InvalidCodeError(_("kode '%(kode)s' tidak valid") % {"kode": raw})
    out = [_canonical_segment(seg, i, scheme, raw) for i, seg in enumerate(segments)]
    wild = [i for i, seg in enumerate(out) if "X" in seg]
    if wild and wild != list(range(len(wild))):
        raise InvalidCodeError(_("kode '%(kode)s' tidak valid") % {"kode": raw})
    if scheme.wildcard_segments and len(wild) == 1 and len(out) > 1:
        # `X.01` is not a code: urusan X goes with bidang XX only
        raise InvalidCodeError(_("kode '%(kode)s' tidak valid") % {"kode": raw})
    return ".".join(out)


def to_form(kode: object, scheme: CodeScheme, form: str) -> str:
    """Write `kode` in another known form of `scheme` (e.g. the 2026 account widths, the 2-digit sub-kegiatan)."""
    widths = scheme.forms.get(form)
    if widths is None:
        raise ValueError(f"unknown form {form!r} for scheme {scheme.name}")
    canonical = normalize(kode, scheme)
    out = []
    for i, seg in enumerate(canonical.split(".")):
        if "X" in seg:
            out.append(seg)
            continue
        value = str(int(seg))
        if len(value) > widths[i]:
            raise InvalidCodeError(
                _("kode '%(kode)s' tidak dapat ditulis dalam format %(format)s") % {"kode": canonical, "format": form}
            )
        out.append(value.zfill(widths[i]))
    return ".".join(out)


def level_of(kode: object) -> int:
    """Level of a code = number of segments (accounts: 1 akun … 6 sub rincian objek)."""
    return len(_segments(kode))


def program_level(kode: object) -> int:
    """Depth of a program code: 1 urusan, 2 bidang, 3 program, 4 kegiatan (`K.KK`), 5 sub-kegiatan."""
    count = len(_segments(kode))
    if count not in PROGRAM_LEVEL_BY_SEGMENTS:
        raise InvalidCodeError(_("kode '%(kode)s' tidak valid") % {"kode": kode})
    return PROGRAM_LEVEL_BY_SEGMENTS[count]


def program_parent(kode: str) -> str | None:
    """Canonical parent of a canonical program code (`1.01.02.2.01` → `1.01.02`)."""
    segments = kode.split(".")
    if len(segments) == 1:
        return None
    cut = 2 if len(segments) == 5 else 1
    return ".".join(segments[:-cut])


def parent_of(kode: str) -> str | None:
    """Canonical parent of a dotted code whose levels are single segments (accounts, sumber dana, fungsi, desa)."""
    return kode.rsplit(".", 1)[0] if "." in kode else None


# --- named helpers other modules call ---------------------------------------------------------------------


def normalize_program_code(kode: object) -> str:
    """`1.01.01.2.01.01` (2-digit sub-kegiatan) → `1.01.01.2.01.0001`; `x.xx.01` → `X.XX.01`."""
    return normalize(kode, PROGRAM)


def program_code_two_digit(kode: object) -> str:
    """`1.01.01.2.01.0001` → `1.01.01.2.01.01` (the ≤2023 width); refused when the number exceeds 99."""
    return to_form(kode, PROGRAM, "permendagri-90-2019")


def normalize_account_code(kode: object) -> str:
    """Any known width (2019, 2021, 2026, dropped jenis zero) → canonical 1-1-2-2-2-4."""
    return normalize(kode, ACCOUNT)


def account_code_2026(kode: object) -> str:
    """`5.1.02.01.01.0024` → `5.1.02.01.001.00024` (Kepmendagri 900.1-861/2026 widths)."""
    return to_form(kode, ACCOUNT, ACCOUNT_FORM_2026)


def account_code_2019(kode: object) -> str:
    """`5.1.02.01.01.0024` → `5.1.02.01.01.024` (Permendagri 90/2019 widths)."""
    return to_form(kode, ACCOUNT, ACCOUNT_FORM_2019)


def is_support_code(kode: object) -> bool:
    """True for the `X.XX…` codes of the support program (and for urusan X / bidang XX themselves)."""
    try:
        return normalize(kode, PROGRAM).startswith("X")
    except InvalidCodeError:
        return False


def expand_support_code(kode: object, bidang: object) -> str:
    """Instantiate a support-program code for an agency: `X.XX.01.2.01.0001` + bidang `5.01` → `5.01.01.2.01.0001`.

    Codes that are not `X.XX…` come back normalised and unchanged.
    """
    canonical = normalize(kode, PROGRAM)
    if not canonical.startswith("X"):
        return canonical
    bidang_code = normalize(bidang, URUSAN)
    parts = bidang_code.split(".")
    if len(parts) != 2 or "X" in bidang_code:
        raise InvalidCodeError(_("kode bidang urusan '%(kode)s' tidak valid") % {"kode": bidang})
    segments = canonical.split(".")
    segments[: min(2, len(segments))] = parts[: min(2, len(segments))]
    return ".".join(segments)


def generalize_support_code(kode: object) -> str | None:
    """The annex form of an agency's support-program code: `5.01.01.2.01.0001` → `X.XX.01.2.01.0001`.

    None when the code is not under program `01` of a bidang.
    """
    canonical = normalize(kode, PROGRAM)
    segments = canonical.split(".")
    if len(segments) < 3 or segments[2] != SUPPORT_PROGRAM:
        return None
    return ".".join(["X", "XX", *segments[2:]])


def search_prefixes(query: str, scheme: CodeScheme) -> list[str]:
    """Canonical prefixes that a typed (possibly partial, possibly old- or new-width) code can mean.

    `5.1.02.01.001.0002` (2026 width, last segment being typed) → `5.1.02.01.01.002`; `5.1.02.01.01.0024` →
    `5.1.02.01.01.0024`; `1.01.01.2.01.01` → `1.01.01.2.01.0001` and `1.01.01.2.01.01` (4-digit prefix). For the
    program list, a prefix under program `01` of a bidang also yields its `X.XX.01` annex form. Returns [] when
    the query is not code-like.
    """
    text = (query or "").strip()
    if not looks_like_code(text):
        return []
    trailing = text.endswith(".")
    segments = _segments(text)
    if not segments or len(segments) > scheme.max_segments:
        return []
    complete = segments if trailing else segments[:-1]
    partial = None if trailing else segments[-1]
    try:
        base = [_canonical_segment(seg, i, scheme, text) for i, seg in enumerate(complete)]
    except InvalidCodeError:
        return []
    forms = list(scheme.forms.values()) or [scheme.widths]
    consistent = [f for f in forms if all(len(seg) == f[i] for i, seg in enumerate(complete) if seg.isdigit())]
    if not consistent:
        consistent = [scheme.widths]
    prefixes: set[str] = set()
    if partial is None:
        prefixes.add(".".join(base) + ".")
    else:
        i = len(complete)
        head = ".".join(base) + "." if base else ""
        if _is_wildcard(partial, i, scheme) or (i < scheme.wildcard_segments and set(partial.upper()) == {"X"}):
            prefixes.add(head + partial.upper())
        elif partial.isdigit():
            width = scheme.widths[i]
            for form in consistent:
                typed_width = form[i]
                if len(partial) > typed_width:
                    continue
                if typed_width > width:
                    extra = typed_width - width
                    lead = partial[:extra]
                    if lead.strip("0"):
                        continue  # value too large for the canonical width: no canonical prefix
                    prefixes.add(head + partial[extra:])
                elif typed_width < width:
                    prefixes.add(head + "0" * (width - typed_width) + partial)
                else:
                    prefixes.add(head + partial)
        else:
            return []
    if scheme is PROGRAM:
        for prefix in list(prefixes):
            parts = prefix.split(".")
            if len(parts) >= 3 and parts[2] == SUPPORT_PROGRAM and not parts[0].startswith("X"):
                prefixes.add(".".join(["X", "XX", *parts[2:]]))
    return sorted(p for p in prefixes if p)
