"""Red-flag rules (issue #3 item 9; domain.md §6.3): each rule is a function from the budget's facts to findings.

Rules are pure: they read `FlagFacts` (plain tuples loaded in a few queries by services.flags) and return
`Finding`s; `services.flags.flags_refresh` turns findings into `RedFlag` rows. Thresholds come from the fiscal year
(`increase_flag_percent`, `volume_flag_ratio`) and from the constants below (settings may override them).

Messages are written in Indonesian (the source language) with the figures a verifier needs; `details` holds the
same figures as plain strings (Decimal-exact) for the API, the portal and for tests.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from terang.core.money import format_number, format_rupiah

from .choices import FlagRule, LineType

# --- thresholds that are not (yet) fields of FiscalYear --------------------------------------------------------------

#: A line total at or above this amount that is an exact multiple of it looks like a guess, not a calculation.
ROUND_LINE_UNIT = Decimal(getattr(settings, "TERANG_FLAG_ROUND_LINE_UNIT", "100000000"))  # Rp 100 juta
#: A sub-kegiatan total that is an exact multiple of this amount.
ROUND_SUB_ACTIVITY_UNIT = Decimal(getattr(settings, "TERANG_FLAG_ROUND_SUB_ACTIVITY_UNIT", "1000000000"))  # Rp 1 M
#: The volume rule compares with other agencies only when at least this many of their sub-kegiatan use the item.
VOLUME_MIN_PEERS = int(getattr(settings, "TERANG_FLAG_VOLUME_MIN_PEERS", 3))
#: Office consumables (ATK) per person per month above this are implausible (the lem Aibon line has 1).
ATK_PER_PERSON_MONTH_LIMIT = Decimal(getattr(settings, "TERANG_FLAG_ATK_PER_PERSON_MONTH", "0.5"))
#: Units of the first volume factor that count people (beneficiaries).
PERSON_UNITS = frozenset({"orang", "siswa", "peserta", "pegawai", "murid", "pelajar", "org", "os"})
#: Units of a volume factor that count months.
MONTH_UNITS = frozenset({"bulan", "bln", "bl"})
#: Office-stationery accounts (Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor) and catalogue groups.
ATK_ACCOUNT_CODES = frozenset({"5.1.02.01.01.0024"})
ATK_ITEM_PREFIXES = ("1.1.12.01.03",)  # kode kelompok barang "Alat Tulis Kantor" (SIPD / BMD persediaan)

SEVERITY = {
    FlagRule.PRICE_ABOVE_CATALOGUE: 3,
    FlagRule.ITEM_NOT_ALLOWED: 3,
    FlagRule.VOLUME_OUTLIER: 2,
    FlagRule.FILLS_CEILING: 2,
    FlagRule.ROUND_TOTAL: 1,
    FlagRule.NEW_AFTER_PPAS: 3,
    FlagRule.INCREASE_AFTER_PPAS: 2,
    FlagRule.PLACEHOLDER: 2,
}


# --- facts ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineFacts:
    """One budget line as the rules see it (loaded with values_list, in LINE_FIELDS order). The line key is not
    loaded (converting 100,000 UUIDs costs seconds on SQLite); the service adds it to the findings."""

    id: int
    organisation_id: int
    sub_activity_id: int | None
    account_id: int
    akun: str
    sumber_dana_id: int | None
    line_type: str
    price_item_id: int | None
    uraian: str
    vol1: Decimal
    sat1: str
    vol2: Decimal | None
    sat2: str
    vol3: Decimal | None
    sat3: str
    vol4: Decimal | None
    sat4: str
    volume: Decimal
    satuan: str
    harga_satuan: Decimal
    total: Decimal


LINE_FIELDS = ("id", "organisation_id", "sub_activity_id", "account_id", "akun", "sumber_dana_id",
               "line_type", "price_item_id", "uraian", "vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4",
               "volume", "satuan", "harga_satuan", "total")


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """A catalogue item: maximum price and the accounts it may be budgeted under."""

    id: int
    kode: str
    kode_kelompok: str
    nama: str
    satuan: str
    harga: Decimal
    allowed_account_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class SubActivityFacts:
    id: int
    organisation_id: int
    kode: str
    sub_kegiatan_id: int
    sumber_dana_id: int | None
    planning_trace: str
    months: int


@dataclass
class FlagFacts:
    """Everything the rules read. `lines` may hold more lines than are checked (peers, totals); the rules report
    only on `target_line_ids`, `target_sub_activity_ids` and `target_organisation_ids` (None = all)."""

    lines: list[LineFacts]
    items: dict[int, ItemFacts]
    account_codes: dict[int, str]
    sub_activities: dict[int, SubActivityFacts]
    org_ceilings: dict[int, Decimal] = field(default_factory=dict)
    sub_activity_ceilings: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (org, sub_kegiatan) → pagu
    sumber_dana_ceilings: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (org, sumber_dana) → pagu
    ppas_totals: dict[tuple[int, str], Decimal] | None = None  # (org, kode sub kegiatan) → total; None: no snapshot
    increase_flag_percent: Decimal = Decimal("20")
    volume_flag_ratio: Decimal = Decimal("5")
    target_line_ids: set[int] | None = None
    target_sub_activity_ids: set[int] | None = None
    target_organisation_ids: set[int] | None = None
    #: (price item, sub-kegiatan, agency, summed volume) of the item lines of every agency, for the volume rule's
    #: peers when `lines` holds only the checked lines (a scoped refresh); None: computed from `lines`.
    peer_volumes: list[tuple[int, int, int, Decimal]] | None = None

    def line_targeted(self, line: LineFacts) -> bool:
        return self.target_line_ids is None or line.id in self.target_line_ids

    def sub_targeted(self, pk: int) -> bool:
        return self.target_sub_activity_ids is None or pk in self.target_sub_activity_ids

    def org_targeted(self, pk: int) -> bool:
        return self.target_organisation_ids is None or pk in self.target_organisation_ids

    def belanja(self) -> Iterator[LineFacts]:
        return (line for line in self.lines if line.akun == "5")


@dataclass(frozen=True)
class Finding:
    """What one rule found on one line, sub-kegiatan or agency. `scope` tells apart several agency-level findings
    of one rule (e.g. the agency ceiling and a funding-source ceiling)."""

    rule: str
    severity: int
    message: str
    details: dict[str, Any]
    organisation_id: int
    sub_activity_id: int | None = None
    line_id: int | None = None
    scope: str = ""

    @property
    def key(self) -> tuple[str, int, int | None, int | None, str]:
        return (self.rule, self.organisation_id, self.sub_activity_id, self.line_id, self.scope)


def plain(value: Decimal | int) -> str:
    """A Decimal as an exact plain string without trailing zeros ("82800000000", "0.5")."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def num(value: Decimal | int) -> str:
    """A Decimal the Indonesian way with only the decimals it has ("1.777,6", "0,5", "450.000")."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return format_number(value, 0)
    exponent = value.normalize().as_tuple().exponent
    return format_number(value, -exponent if isinstance(exponent, int) else 2)


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _line_finding(rule: str, line: LineFacts, message: str, details: dict[str, Any]) -> Finding:
    return Finding(rule=rule, severity=SEVERITY[FlagRule(rule)], message=message, details=details,
                   organisation_id=line.organisation_id, sub_activity_id=line.sub_activity_id, line_id=line.id)


# --- line rules ----------------------------------------------------------------------------------------------------


def price_above_catalogue(facts: FlagFacts) -> Iterator[Finding]:
    """The unit price is above the catalogue's maximum price of the chosen item."""
    for line in facts.lines:
        if line.price_item_id is None or not facts.line_targeted(line):
            continue
        item = facts.items.get(line.price_item_id)
        if item is None or line.harga_satuan <= item.harga:
            continue
        above = _pct(line.harga_satuan - item.harga, item.harga) if item.harga > 0 else None
        message = _("Harga satuan %(price)s melebihi standar harga %(max)s untuk %(item)s") % {
            "price": format_rupiah(line.harga_satuan), "max": format_rupiah(item.harga), "item": item.nama}
        message += (_(" (%(pct)s%% di atas standar).") % {"pct": num(above)}) if above is not None else "."
        yield _line_finding(FlagRule.PRICE_ABOVE_CATALOGUE, line, message, {
            "komponen": item.kode, "komponen_nama": item.nama, "harga_satuan": plain(line.harga_satuan),
            "harga_standar": plain(item.harga), "persen_di_atas": plain(above) if above is not None else None,
        })


def item_not_allowed(facts: FlagFacts) -> Iterator[Finding]:
    """The catalogue item does not allow the line's account (e.g. glue under Belanja Modal)."""
    for line in facts.lines:
        if line.price_item_id is None or not facts.line_targeted(line):
            continue
        item = facts.items.get(line.price_item_id)
        if item is None or line.account_id in item.allowed_account_ids:
            continue
        allowed = sorted(facts.account_codes.get(pk, str(pk)) for pk in item.allowed_account_ids)
        account = facts.account_codes.get(line.account_id, str(line.account_id))
        message = _("Komponen %(item)s tidak diizinkan untuk rekening %(account)s; rekening yang diizinkan: "
                    "%(allowed)s.") % {"item": item.nama, "account": account, "allowed": ", ".join(allowed) or "—"}
        yield _line_finding(FlagRule.ITEM_NOT_ALLOWED, line, message, {
            "komponen": item.kode, "komponen_nama": item.nama, "rekening": account, "rekening_diizinkan": allowed,
        })


def _median_of_others(sorted_all: list[Decimal], own: list[Decimal]) -> Decimal:
    """Median of `sorted_all` without the values in `own` (a sub-multiset), in one pass."""
    skip = Counter(own)
    others = []
    for value in sorted_all:
        if skip[value]:
            skip[value] -= 1
        else:
            others.append(value)
    return statistics.median(others)


def _peer_outliers(facts: FlagFacts) -> dict[tuple[int, int], dict[str, Any]]:
    """(sub_activity, item) → peer comparison, for every sub-kegiatan whose volume of an item is above
    volume_flag_ratio × the median volume of the same item per sub-kegiatan in OTHER agencies (≥ VOLUME_MIN_PEERS)."""
    per_sub: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    org_of_sub: dict[int, int] = {}
    if facts.peer_volumes is not None:
        for item_id, sub_id, org_id, volume in facts.peer_volumes:
            per_sub[(item_id, sub_id)] += volume
            org_of_sub[sub_id] = org_id
    for line in facts.belanja() if facts.peer_volumes is None else ():
        if line.price_item_id is None or line.sub_activity_id is None or line.line_type != LineType.ITEM:
            continue
        per_sub[(line.price_item_id, line.sub_activity_id)] += line.volume
        org_of_sub[line.sub_activity_id] = line.organisation_id
    by_item: dict[int, list[tuple[int, int, Decimal]]] = defaultdict(list)
    for (item_id, sub_id), volume in per_sub.items():
        by_item[item_id].append((org_of_sub[sub_id], sub_id, volume))
    ratio = facts.volume_flag_ratio
    result: dict[tuple[int, int], dict[str, Any]] = {}
    for item_id, entries in by_item.items():
        if len(entries) <= VOLUME_MIN_PEERS:
            continue
        sorted_all = sorted(v for _, _, v in entries)
        n = len(sorted_all)
        by_org: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        for org_id, sub_id, volume in entries:
            by_org[org_id].append((sub_id, volume))
        for own in by_org.values():
            peers = n - len(own)
            if peers < VOLUME_MIN_PEERS:
                continue
            if not any(facts.sub_targeted(sub_id) for sub_id, _ in own):
                continue
            # The k-th smallest of a subset is at least the k-th smallest of the whole set: a cheap lower bound
            # on the peers' median lets most agencies skip the exact computation.
            lower_bound = sorted_all[(peers - 1) // 2]
            top = max(v for _, v in own)
            if lower_bound > 0 and top <= ratio * lower_bound:
                continue
            median = _median_of_others(sorted_all, [v for _, v in own])
            if median <= 0:
                continue
            for sub_id, volume in own:
                if volume > ratio * median:
                    result[(sub_id, item_id)] = {
                        "volume_sub_kegiatan": plain(volume), "median": plain(median), "jumlah_pembanding": peers,
                        "rasio": plain((volume / median).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
                        "batas_rasio": plain(ratio),
                    }
    return result


def _months(line: LineFacts, sub: SubActivityFacts | None) -> tuple[Decimal, bool]:
    """Months covered by a line: the volume factor counted in months, else the sub-kegiatan's duration."""
    for vol, sat in ((line.vol2, line.sat2), (line.vol3, line.sat3), (line.vol4, line.sat4)):
        if vol is not None and sat.strip().lower() in MONTH_UNITS and vol > 0:
            return Decimal(vol), True
    return Decimal(sub.months if sub else 12), False


def _is_atk(line: LineFacts, item: ItemFacts | None, facts: FlagFacts) -> bool:
    if facts.account_codes.get(line.account_id) in ATK_ACCOUNT_CODES:
        return True
    return item is not None and (item.kode_kelompok or item.kode).startswith(ATK_ITEM_PREFIXES)


def _per_person(line: LineFacts, facts: FlagFacts) -> dict[str, Any] | None:
    """Per-beneficiary check of office consumables: units per person per month above ATK_PER_PERSON_MONTH_LIMIT."""
    if line.sat1.strip().lower() not in PERSON_UNITS or line.vol1 <= 0 or line.line_type != LineType.ITEM:
        return None
    item = facts.items.get(line.price_item_id) if line.price_item_id else None
    if not _is_atk(line, item, facts):
        return None
    sub = facts.sub_activities.get(line.sub_activity_id) if line.sub_activity_id else None
    months, from_line = _months(line, sub)
    per_person = (line.volume / line.vol1 / months).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if per_person <= ATK_PER_PERSON_MONTH_LIMIT:
        return None
    return {"orang": plain(line.vol1), "satuan_orang": line.sat1, "bulan": plain(months),
            "bulan_dari": "rincian" if from_line else "sub_kegiatan", "per_orang_per_bulan": plain(per_person),
            "batas": plain(ATK_PER_PERSON_MONTH_LIMIT)}


def volume_outlier(facts: FlagFacts) -> Iterator[Finding]:
    """Volume far above other agencies' median for the same item, or implausible per beneficiary (lem Aibon)."""
    peers = _peer_outliers(facts)
    for line in facts.belanja():
        if not facts.line_targeted(line):
            continue
        peer = peers.get((line.sub_activity_id, line.price_item_id)) if line.price_item_id else None  # type: ignore[arg-type]
        person = _per_person(line, facts)
        if peer is None and person is None:
            continue
        item = facts.items.get(line.price_item_id) if line.price_item_id else None
        unit = line.satuan or (item.satuan if item else "")
        name = item.nama if item else line.uraian
        parts = []
        if peer is not None:
            parts.append(_("Volume %(name)s di sub kegiatan ini %(volume)s %(unit)s, %(ratio)s kali median %(median)s "
                           "di %(n)s sub kegiatan perangkat daerah lain (batas %(limit)s kali).") % {
                "name": name, "volume": num(Decimal(peer["volume_sub_kegiatan"])), "unit": unit,
                "ratio": num(Decimal(peer["rasio"])), "median": num(Decimal(peer["median"])),
                "n": peer["jumlah_pembanding"], "limit": num(facts.volume_flag_ratio)})
        if person is not None:
            parts.append(_("%(people)s %(person_unit)s × %(months)s bulan: %(per)s %(unit)s %(name)s per orang per "
                           "bulan (batas wajar %(limit)s untuk alat tulis kantor).") % {
                "people": num(line.vol1), "person_unit": line.sat1,
                "months": num(Decimal(person["bulan"])),
                "per": num(Decimal(person["per_orang_per_bulan"])), "unit": unit, "name": name,
                "limit": num(ATK_PER_PERSON_MONTH_LIMIT)})
        yield _line_finding(FlagRule.VOLUME_OUTLIER, line, " ".join(parts), {
            "komponen_nama": name, "volume": plain(line.volume), "satuan": unit, "total": plain(line.total),
            "pembanding": peer, "per_orang": person,
        })


def placeholder(facts: FlagFacts) -> Iterator[Finding]:
    """Money reserved without details ("belum dirinci") is shown as such and blocked from the DPA."""
    for line in facts.lines:
        if line.line_type != LineType.UNDETAILED or not facts.line_targeted(line):
            continue
        message = _("Baris belum dirinci sebesar %(total)s: uang dicadangkan tanpa rincian komponen; tidak dapat "
                    "masuk DPA sebelum dirinci.") % {"total": format_rupiah(line.total)}
        yield _line_finding(FlagRule.PLACEHOLDER, line, message, {"total": plain(line.total), "uraian": line.uraian})


# --- totals --------------------------------------------------------------------------------------------------------


def _sub_totals(facts: FlagFacts) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for line in facts.belanja():
        if line.sub_activity_id is not None:
            totals[line.sub_activity_id] += line.total
    return totals


def round_total(facts: FlagFacts) -> Iterator[Finding]:
    """A line total of at least Rp 100 juta that is a multiple of Rp 100 juta, or a sub-kegiatan total that is a
    multiple of Rp 1 miliar: amounts that look guessed rather than calculated."""
    for line in facts.belanja():
        if not facts.line_targeted(line):
            continue
        if line.total >= ROUND_LINE_UNIT and line.total % ROUND_LINE_UNIT == 0:
            message = _("Jumlah rincian %(total)s adalah kelipatan tepat %(unit)s.") % {
                "total": format_rupiah(line.total), "unit": format_rupiah(ROUND_LINE_UNIT)}
            yield _line_finding(FlagRule.ROUND_TOTAL, line, message,
                                {"total": plain(line.total), "kelipatan": plain(ROUND_LINE_UNIT)})
    for sub_id, total in _sub_totals(facts).items():
        sub = facts.sub_activities.get(sub_id)
        if sub is None or not facts.sub_targeted(sub_id):
            continue
        if total > 0 and total % ROUND_SUB_ACTIVITY_UNIT == 0:
            message = _("Total sub kegiatan %(kode)s %(total)s adalah kelipatan tepat %(unit)s.") % {
                "kode": sub.kode, "total": format_rupiah(total), "unit": format_rupiah(ROUND_SUB_ACTIVITY_UNIT)}
            yield Finding(rule=FlagRule.ROUND_TOTAL, severity=SEVERITY[FlagRule.ROUND_TOTAL], message=message,
                          details={"total": plain(total), "kelipatan": plain(ROUND_SUB_ACTIVITY_UNIT)},
                          organisation_id=sub.organisation_id, sub_activity_id=sub_id)


def fills_ceiling(facts: FlagFacts) -> Iterator[Finding]:
    """A belanja total that is exactly equal to its ceiling (agency, sub-kegiatan or funding source): the budget
    was filled up to the pagu rather than built from needs."""
    org_totals: dict[int, Decimal] = defaultdict(Decimal)
    sd_totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for line in facts.belanja():
        org_totals[line.organisation_id] += line.total
        sub = facts.sub_activities.get(line.sub_activity_id) if line.sub_activity_id else None
        sumber = line.sumber_dana_id or (sub.sumber_dana_id if sub else None)
        if sumber is not None:
            sd_totals[(line.organisation_id, sumber)] += line.total
    severity = SEVERITY[FlagRule.FILLS_CEILING]
    for org_id, ceiling in facts.org_ceilings.items():
        if facts.org_targeted(org_id) and ceiling > 0 and org_totals.get(org_id) == ceiling:
            yield Finding(rule=FlagRule.FILLS_CEILING, severity=severity, scope="opd",
                          message=_("Total belanja perangkat daerah %(total)s tepat sama dengan pagunya.")
                          % {"total": format_rupiah(ceiling)},
                          details={"lingkup": "opd", "total": plain(ceiling), "pagu": plain(ceiling)},
                          organisation_id=org_id)
    for (org_id, sumber), ceiling in facts.sumber_dana_ceilings.items():
        if facts.org_targeted(org_id) and ceiling > 0 and sd_totals.get((org_id, sumber)) == ceiling:
            yield Finding(rule=FlagRule.FILLS_CEILING, severity=severity, scope=f"sumber_dana:{sumber}",
                          message=_("Total belanja dari satu sumber dana %(total)s tepat sama dengan pagu sumber "
                                    "dana itu.") % {"total": format_rupiah(ceiling)},
                          details={"lingkup": "sumber_dana", "sumber_dana": sumber, "total": plain(ceiling),
                                   "pagu": plain(ceiling)},
                          organisation_id=org_id)
    if not facts.sub_activity_ceilings:
        return
    totals = _sub_totals(facts)
    for sub in facts.sub_activities.values():
        sub_ceiling = facts.sub_activity_ceilings.get((sub.organisation_id, sub.sub_kegiatan_id))
        if sub_ceiling is None or sub_ceiling <= 0 or not facts.sub_targeted(sub.id):
            continue
        if totals.get(sub.id) == sub_ceiling:
            yield Finding(rule=FlagRule.FILLS_CEILING, severity=severity,
                          message=_("Total sub kegiatan %(kode)s %(total)s tepat sama dengan pagu sub kegiatan.")
                          % {"kode": sub.kode, "total": format_rupiah(sub_ceiling)},
                          details={"lingkup": "sub_kegiatan", "total": plain(sub_ceiling),
                                   "pagu": plain(sub_ceiling)},
                          organisation_id=sub.organisation_id, sub_activity_id=sub.id)


def after_ppas(facts: FlagFacts) -> Iterator[Finding]:
    """Sub-kegiatan that are new since the KUA-PPAS snapshot, or grew by more than increase_flag_percent, without a
    trace to RKPD/Renja (the UPS and "anggaran siluman" pattern, domain.md §6.1). Skipped without a snapshot."""
    if facts.ppas_totals is None:
        return
    limit = facts.increase_flag_percent
    for sub_id, total in _sub_totals(facts).items():
        sub = facts.sub_activities.get(sub_id)
        if sub is None or not facts.sub_targeted(sub_id) or total <= 0 or sub.planning_trace.strip():
            continue
        before = facts.ppas_totals.get((sub.organisation_id, sub.kode))
        if before is None or before <= 0:
            yield Finding(
                rule=FlagRule.NEW_AFTER_PPAS, severity=SEVERITY[FlagRule.NEW_AFTER_PPAS],
                message=_("Sub kegiatan %(kode)s (%(total)s) tidak ada di KUA-PPAS dan tidak memiliki rujukan "
                          "RKPD/Renja.") % {"kode": sub.kode, "total": format_rupiah(total)},
                details={"kode": sub.kode, "total": plain(total), "total_kua_ppas": plain(before or 0)},
                organisation_id=sub.organisation_id, sub_activity_id=sub_id)
            continue
        if total * 100 > before * (100 + limit):  # exact; the percentage below is rounded for reading
            increase = _pct(total - before, before)
            yield Finding(
                rule=FlagRule.INCREASE_AFTER_PPAS, severity=SEVERITY[FlagRule.INCREASE_AFTER_PPAS],
                message=_("Total sub kegiatan %(kode)s naik %(pct)s%% dari KUA-PPAS (%(before)s menjadi "
                          "%(total)s), di atas batas %(limit)s%%, tanpa rujukan RKPD/Renja.") % {
                    "kode": sub.kode, "pct": num(increase), "before": format_rupiah(before),
                    "total": format_rupiah(total), "limit": num(limit)},
                details={"kode": sub.kode, "total": plain(total), "total_kua_ppas": plain(before),
                         "kenaikan_persen": plain(increase), "batas_persen": plain(limit)},
                organisation_id=sub.organisation_id, sub_activity_id=sub_id)


Rule = Callable[[FlagFacts], Iterable[Finding]]

RULES: tuple[Rule, ...] = (
    price_above_catalogue, item_not_allowed, volume_outlier, placeholder, round_total, fills_ceiling, after_ppas,
)


def evaluate(facts: FlagFacts, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every finding of every rule (at most one per rule and line / sub-kegiatan / agency scope)."""
    found: dict[tuple[str, int, int | None, int | None, str], Finding] = {}
    for rule in rules:
        for finding in rule(facts):
            found.setdefault(finding.key, finding)
    return list(found.values())
