"""Public reads of the APBD: published stages only, from their frozen lines (`StageLine`).

Every function here reads the frozen copy of a stage whose status is `published` — never a live `BudgetLine` — so
no draft figure can reach a public page, a download or the public API. Functions that receive a stage refuse any
other status (`NotFoundError`: missing and not public look the same).

Published stages are immutable, so the heavy aggregates of one stage (`stage_summary`) are computed once per
process and kept in the cache, keyed by the stage and its publication time.

Stages frozen since the snapshot tables exist (digest version 2) also show the sub-kegiatan details
(`StageSubActivity`: lokasi, indikator, target, months) and red flags (`StageFlag`) of their own time. Stages frozen
before have neither, so their pages fall back to the live sub-kegiatan and flags (`stage_has_snapshot`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Round
from django.utils.text import slugify
from django.utils.translation import gettext

from terang.core.errors import NotFoundError
from terang.core.money import format_number
from terang.org.choices import RegionLevel
from terang.org.models import Organisation, Pemda, Region
from terang.reference.codes import InvalidCodeError, generalize_support_code
from terang.reference.models import Account, ProgramCode, SumberDana

from .choices import FlagRule, FlagStatus, LineType, StageStatus
from .models import FiscalYear, PriceItem, RedFlag, Stage, StageFlag, StageLine, StageSubActivity, SubActivityBudget
from .summaries import ApbdIdentity

ZERO = Decimal("0.00")
PUBLISHED = StageStatus.PUBLISHED
LINES_PER_PAGE = 100
SUMMARY_CACHE_SECONDS = 24 * 3600

# Account groups of the APBD identity (Permendagri 77/2020): akun 4 pendapatan, 5 belanja, 6.1 penerimaan and
# 6.2 pengeluaran pembiayaan.
PENERIMAAN_PEMBIAYAAN = "6.1"
PENGELUARAN_PEMBIAYAAN = "6.2"


# --------------------------------------------------------------------------------------------------------------
# Published fiscal years and stages


@dataclass
class PublicYear:
    """A fiscal year of one pemda with its published stages (in order) and the latest of them."""

    fiscal_year: FiscalYear
    stages: list[Stage]

    @property
    def tahun(self) -> int:
        return self.fiscal_year.tahun

    @property
    def latest(self) -> Stage:
        return self.stages[-1]


@dataclass
class PublicPemdaBudget:
    """A pemda and its fiscal years that have at least one published stage (newest year first)."""

    pemda: Pemda
    years: list[PublicYear] = field(default_factory=list)


def published_stages() -> QuerySet[Stage]:
    """Every published stage of an active pemda. The only door to stages for public pages."""
    return Stage.objects.filter(status=PUBLISHED, pemda__is_active=True)


def public_apbd_index(*, pemda_kode: str | None = None) -> list[PublicPemdaBudget]:
    """Pemda with their published fiscal years and stages (one query); only one pemda when `pemda_kode` is given."""
    stages = published_stages().select_related("fiscal_year", "pemda", "pemda__region").order_by(
        "pemda__kode", "-fiscal_year__tahun", "sequence")
    if pemda_kode is not None:
        stages = stages.filter(pemda__kode=pemda_kode)
    result: list[PublicPemdaBudget] = []
    for stage in stages:
        if not result or result[-1].pemda.pk != stage.pemda_id:
            result.append(PublicPemdaBudget(pemda=stage.pemda))
        years = result[-1].years
        if not years or years[-1].fiscal_year.pk != stage.fiscal_year_id:
            years.append(PublicYear(fiscal_year=stage.fiscal_year, stages=[]))
        years[-1].stages.append(stage)
    return result


def public_pemda_years(*, pemda_kode: str) -> list[PublicYear]:
    """Published fiscal years of one pemda, newest first ([] when the pemda is unknown or has none)."""
    entries = public_apbd_index(pemda_kode=pemda_kode)
    return entries[0].years if entries else []


def public_pemda(*, pemda_kode: str) -> Pemda | None:
    """An active pemda (whether or not it has published a budget yet)."""
    return Pemda.objects.filter(kode=pemda_kode, is_active=True).first()


def public_fiscal_year(*, pemda_kode: str, tahun: int) -> FiscalYear | None:
    """The fiscal year if it has at least one published stage; None otherwise (drafts are never public)."""
    return (
        FiscalYear.objects.select_related("pemda", "pemda__region")
        .filter(pemda__kode=pemda_kode, pemda__is_active=True, tahun=tahun)
        .filter(Exists(Stage.objects.filter(fiscal_year=OuterRef("pk"), status=PUBLISHED)))
        .first()
    )


def public_stages(*, fiscal_year: FiscalYear) -> list[Stage]:
    """All published stages of the year in their order. A published stage stays here forever."""
    stages = list(Stage.objects.filter(fiscal_year=fiscal_year, status=PUBLISHED).order_by("sequence"))
    for stage in stages:
        stage.fiscal_year = fiscal_year  # already loaded (with its pemda): no query when a stage reaches for it
    return stages


def pick_stage(stages: Sequence[Stage], tahapan: object = None) -> Stage | None:
    """The stage chosen with `?tahapan=<id>` among `stages` (published ones), or the latest when none is given.

    None when the id is not one of them — a draft, another year's stage or garbage all look the same.
    """
    if not stages:
        return None
    if tahapan in (None, ""):
        return stages[-1]
    try:
        wanted = int(str(tahapan))
    except (TypeError, ValueError):
        return None
    return next((s for s in stages if s.pk == wanted), None)


def previous_stage(stages: Sequence[Stage], stage: Stage) -> Stage | None:
    """The published stage just before `stage` (for the stage diff link)."""
    earlier = [s for s in stages if s.sequence < stage.sequence]
    return earlier[-1] if earlier else None


def _require_public(stage: Stage) -> None:
    if stage.status != PUBLISHED:
        raise NotFoundError()


def stage_slug(stage: Stage) -> str:
    """'apbd-murni', 'pergeseran-2' … for download file names."""
    return slugify(stage.nama) or f"tahapan-{stage.pk}"


def download_filename(*, fiscal_year: FiscalYear, stage: Stage, part: str, ext: str) -> str:
    """apbd-35.10-2026-apbd-murni-rincian.csv"""
    return f"apbd-{fiscal_year.pemda.kode}-{fiscal_year.tahun}-{stage_slug(stage)}-{part}.{ext}"


# --------------------------------------------------------------------------------------------------------------
# Aggregates of one stage


def exact_sum(field_name: str = "total") -> Any:
    """SUM of a money column without floating-point drift: SQLite keeps decimals as REAL, so sum whole cents there
    (as terang.budgeting.summaries does); PostgreSQL sums numeric exactly."""
    if connection.vendor == "sqlite":
        return Sum(Cast(Round(F(field_name) * 100), output_field=BigIntegerField()))
    return Sum(field_name)


CENT = Decimal("0.01")


def _cents_to_money(value: Any) -> Decimal:
    return ZERO if value is None else (Decimal(int(value)) / 100).quantize(CENT)


def _numeric_to_money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(CENT)


def money_converter() -> Any:
    """The function that turns an `exact_sum` result into Decimal rupiah (pick it once per query, not per row)."""
    return _cents_to_money if connection.vendor == "sqlite" else _numeric_to_money


def as_money(value: Any) -> Decimal:
    """The result of `exact_sum` as Decimal rupiah with two places."""
    return money_converter()(value)


@dataclass
class AccountTotal:
    """Total of one account (any level: akun, kelompok, jenis, objek, rincian objek, sub rincian objek)."""

    kode: str
    nama: str
    level: int
    total: Decimal = ZERO
    lines: int = 0


@dataclass
class OrganisationTotal:
    """One agency's totals in a stage."""

    id: int
    kode: str
    nama: str
    singkatan: str
    pendapatan: Decimal = ZERO
    belanja: Decimal = ZERO
    penerimaan_pembiayaan: Decimal = ZERO
    pengeluaran_pembiayaan: Decimal = ZERO
    belum_dirinci: Decimal = ZERO
    lines: int = 0

    @property
    def pembiayaan_netto(self) -> Decimal:
        return self.penerimaan_pembiayaan - self.pengeluaran_pembiayaan

    @property
    def label(self) -> str:
        return self.singkatan or self.nama


@dataclass
class SubActivityTotal:
    """Belanja of one sub-kegiatan of one agency."""

    organisation_id: int
    kode: str
    nama: str
    belanja: Decimal = ZERO
    lines: int = 0


@dataclass
class StageSummary:
    """Everything the overview needs about one published stage (cached: published stages never change)."""

    stage_id: int
    identity: ApbdIdentity
    accounts: list[AccountTotal]  # every level, sorted by kode
    organisations: list[OrganisationTotal]  # by belanja, largest first
    sub_activities: list[SubActivityTotal]  # by agency, then kode
    program_names: dict[str, str]  # urusan/bidang/program/sub-kegiatan code → name
    bidang_by_org: dict[int, str]  # agency → its main bidang urusan (for unexpanded X.XX codes)
    line_count: int
    belum_dirinci_total: Decimal
    belum_dirinci_lines: int

    def organisation(self, organisation_id: int) -> OrganisationTotal | None:
        return next((o for o in self.organisations if o.id == organisation_id), None)

    def account_groups(self, *, akun: str, level: int) -> list[AccountTotal]:
        return [a for a in self.accounts if a.level == level and a.kode.split(".")[0] == akun]


def _account_prefixes(kode: str) -> list[str]:
    parts = kode.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def _program_parts(kode: str, bidang_fallback: str = "") -> tuple[str, str, str]:
    """(urusan, bidang, program) of a sub-kegiatan code; an unexpanded X.XX code takes the agency's bidang."""
    parts = kode.split(".")
    if len(parts) < 3:
        return ("", "", "")
    if parts[0].upper() == "X" and bidang_fallback and "." in bidang_fallback:
        parts = [*bidang_fallback.split(".")[:2], *parts[2:]]
    return (parts[0], ".".join(parts[:2]), ".".join(parts[:3]))


def program_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of nomenclature codes (one query). An agency's support code (1.02.01.2.06.0001) takes the name of its
    annex form (X.XX.01.2.06.0001)."""
    wanted = {c for c in codes if c}
    generic: dict[str, str] = {}
    for kode in wanted:
        try:
            general = generalize_support_code(kode)
        except InvalidCodeError:
            general = None
        if general and general != kode:
            generic[kode] = general
    found = dict(ProgramCode.objects.filter(kode__in=wanted | set(generic.values())).values_list("kode", "nama"))
    return {kode: found.get(kode) or found.get(generic.get(kode, ""), "") for kode in wanted}


def stage_cache_key(stage: Stage, name: str) -> str:
    """Cache key of something computed from a published stage (immutable, so it never needs invalidating)."""
    stamp = stage.published_at.isoformat() if stage.published_at else "-"
    return f"terang:apbd:{name}:v1:{stage.pk}:{stage.fiscal_year_id}:{stamp}"


def stage_summary(*, stage: Stage) -> StageSummary:
    """Identity, totals by account (every level), by agency and by sub-kegiatan of a published stage.

    Two GROUP BY queries over the stage's frozen lines plus one lookup each for accounts, agencies and names;
    the result is cached.
    """
    _require_public(stage)
    key = stage_cache_key(stage, "summary")
    summary = cache.get(key)
    if summary is None:
        summary = _compute_stage_summary(stage)
        cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary


def _compute_stage_summary(stage: Stage) -> StageSummary:
    lines = StageLine.objects.filter(stage=stage)
    by_org_account = list(
        lines.order_by().values("organisation_id", "account_id", "akun", "line_type")
        .annotate(total=exact_sum(), n=Count("pk"))
    )
    by_subkeg = list(
        lines.filter(akun="5").order_by().values("organisation_id", "sub_kegiatan_kode")
        .annotate(total=exact_sum(), n=Count("pk"))
    )

    account_ids = {row["account_id"] for row in by_org_account}
    postable = {a.pk: a for a in Account.objects.filter(pk__in=account_ids).only("kode", "nama", "level")}
    prefixes = {p for a in postable.values() for p in _account_prefixes(a.kode)}
    names = dict(Account.objects.filter(kode__in=prefixes).values_list("kode", "nama"))

    org_ids = {row["organisation_id"] for row in by_org_account}
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids).only("kode", "nama", "singkatan",
                                                                                "bidang_urusan")}

    accounts: dict[str, AccountTotal] = {}
    org_totals: dict[int, OrganisationTotal] = {}
    pendapatan = belanja = penerimaan = pengeluaran = undetailed = ZERO
    undetailed_lines = line_count = 0
    to_money = money_converter()
    for row in by_org_account:
        total = to_money(row["total"])
        count = row["n"]
        line_count += count
        account = postable.get(row["account_id"])
        kode = account.kode if account else row["akun"]
        for prefix in _account_prefixes(kode):
            entry = accounts.get(prefix)
            if entry is None:
                entry = accounts[prefix] = AccountTotal(kode=prefix, nama=names.get(prefix, ""),
                                                        level=prefix.count(".") + 1)
            entry.total += total
            entry.lines += count
        org_id = row["organisation_id"]
        org_total = org_totals.get(org_id)
        if org_total is None:
            org = orgs.get(org_id)
            org_total = org_totals[org_id] = OrganisationTotal(
                id=org_id, kode=org.kode if org else "", nama=org.nama if org else str(org_id),
                singkatan=org.singkatan if org else "")
        org_total.lines += count
        if row["akun"] == "4":
            pendapatan += total
            org_total.pendapatan += total
        elif row["akun"] == "5":
            belanja += total
            org_total.belanja += total
        elif kode.startswith(PENERIMAAN_PEMBIAYAAN):
            penerimaan += total
            org_total.penerimaan_pembiayaan += total
        elif kode.startswith(PENGELUARAN_PEMBIAYAAN):
            pengeluaran += total
            org_total.pengeluaran_pembiayaan += total
        if row["line_type"] == LineType.UNDETAILED:
            undetailed += total
            undetailed_lines += count
            org_total.belum_dirinci += total

    sub_activities = [
        SubActivityTotal(organisation_id=row["organisation_id"], kode=row["sub_kegiatan_kode"] or "",
                         nama="", belanja=to_money(row["total"]), lines=row["n"])
        for row in by_subkeg
    ]
    codes: set[str] = set()
    for sub in sub_activities:
        org = orgs.get(sub.organisation_id)
        codes.update(_program_parts(sub.kode, org.main_bidang if org else ""))
        codes.add(sub.kode)
    names_by_code = program_names(codes)
    for sub in sub_activities:
        sub.nama = names_by_code.get(sub.kode, "")
    sub_activities.sort(key=lambda s: (s.organisation_id, s.kode))

    return StageSummary(
        stage_id=stage.pk,
        identity=ApbdIdentity(pendapatan=pendapatan, belanja=belanja, penerimaan_pembiayaan=penerimaan,
                              pengeluaran_pembiayaan=pengeluaran),
        accounts=sorted(accounts.values(), key=lambda a: [int(p) if p.isdigit() else 0 for p in a.kode.split(".")]),
        organisations=sorted(org_totals.values(), key=lambda o: (-o.belanja, -o.pendapatan, o.kode)),
        sub_activities=sub_activities,
        program_names=names_by_code,
        bidang_by_org={pk: org.main_bidang for pk, org in orgs.items()},
        line_count=line_count,
        belum_dirinci_total=undetailed,
        belum_dirinci_lines=undetailed_lines,
    )


def stage_identity(*, stage: Stage) -> ApbdIdentity:
    return stage_summary(stage=stage).identity


# --------------------------------------------------------------------------------------------------------------
# Per-capita figures


@dataclass(frozen=True)
class PerCapita:
    """Figures per inhabitant of the pemda's region (rounded to the rupiah)."""

    population: int | None
    kecamatan: int
    belanja_per_penduduk: Decimal | None
    pendapatan_per_penduduk: Decimal | None
    belanja_per_kecamatan: Decimal | None


def _per(amount: Decimal, count: int | None) -> Decimal | None:
    if not count:
        return None
    return (amount / Decimal(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def per_capita(*, identity: ApbdIdentity, region: Region) -> PerCapita:
    """Belanja and pendapatan per penduduk (Region.population) and belanja per kecamatan (one query)."""
    kecamatan = Region.objects.filter(parent=region, level=RegionLevel.KECAMATAN).count()
    return PerCapita(
        population=region.population,
        kecamatan=kecamatan,
        belanja_per_penduduk=_per(identity.belanja, region.population),
        pendapatan_per_penduduk=_per(identity.pendapatan, region.population),
        belanja_per_kecamatan=_per(identity.belanja, kecamatan),
    )


# --------------------------------------------------------------------------------------------------------------
# Chart data (ECharts treemaps)


def _node(name: str, value: Decimal, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": float(value), **extra}


TREEMAP_CHILDREN = 30  # largest sub-kegiatan shown per agency; the rest are summed into one box


def treemap_by_organisation(summary: StageSummary, *, url_for_org: Any = None) -> list[dict[str, Any]]:
    """Belanja: agency → its largest sub-kegiatan (the others summed as one box, so the page stays small)."""
    subs: dict[int, list[SubActivityTotal]] = defaultdict(list)
    for sub in summary.sub_activities:
        if sub.belanja > 0:
            subs[sub.organisation_id].append(sub)
    nodes = []
    for org in summary.organisations:
        if org.belanja <= 0:
            continue
        ranked = sorted(subs.get(org.id, []), key=lambda s: -s.belanja)
        children = [_node(f"{s.kode} {s.nama}".strip(), s.belanja, kode=s.kode) for s in ranked[:TREEMAP_CHILDREN]]
        rest = ranked[TREEMAP_CHILDREN:]
        if rest:
            children.append(_node(gettext("%(n)d sub kegiatan lainnya") % {"n": len(rest)},
                                  sum((s.belanja for s in rest), ZERO)))
        extra = {"url": url_for_org(org.id)} if url_for_org else {}
        nodes.append(_node(org.label, org.belanja, fullName=org.nama, children=children, **extra))
    return nodes


_NAME_PREFIXES = ("URUSAN PEMERINTAHAN BIDANG ", "URUSAN PEMERINTAHAN ")


def _short_name(nama: str) -> str:
    """'URUSAN PEMERINTAHAN BIDANG PENDIDIKAN' → 'PENDIDIKAN' (chart boxes are small; the tooltip has it all)."""
    for prefix in _NAME_PREFIXES:
        if nama.upper().startswith(prefix):
            return nama[len(prefix):]
    return nama


def treemap_by_urusan(summary: StageSummary) -> list[dict[str, Any]]:
    """Belanja: urusan → bidang urusan → program."""
    bidang_by_org = summary.bidang_by_org
    tree: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(Decimal)))
    for sub in summary.sub_activities:
        urusan, bidang, program = _program_parts(sub.kode, bidang_by_org.get(sub.organisation_id, ""))
        tree[urusan or "?"][bidang or "?"][program or "?"] += sub.belanja
    names = summary.program_names

    def node(kode: str, value: Decimal, **extra: Any) -> dict[str, Any]:
        nama = names.get(kode, "")
        return _node(f"{kode} {_short_name(nama)}".strip(), value, fullName=f"{kode} {nama}".strip(), **extra)

    nodes = []
    for urusan in sorted(tree):
        bidang_nodes = []
        total = ZERO
        for bidang in sorted(tree[urusan]):
            programs = tree[urusan][bidang]
            subtotal = sum(programs.values(), ZERO)
            total += subtotal
            bidang_nodes.append(node(bidang, subtotal, children=[
                node(p, v) for p, v in sorted(programs.items()) if v > 0]))
        if total > 0:
            nodes.append(node(urusan, total, children=bidang_nodes))
    return nodes


def treemap_by_account(summary: StageSummary, *, akun: str = "5") -> list[dict[str, Any]]:
    """Belanja: kelompok → jenis → objek (e.g. 5.1 Belanja Operasi → 5.1.02 Barang dan Jasa → 5.1.02.01)."""
    by_parent: dict[str, list[AccountTotal]] = defaultdict(list)
    for acc in summary.accounts:
        if acc.kode.split(".")[0] == akun and 2 <= acc.level <= 4 and acc.total > 0:
            by_parent[acc.kode.rsplit(".", 1)[0]].append(acc)

    def build(parent: str) -> list[dict[str, Any]]:
        result = []
        for acc in by_parent.get(parent, []):
            children = build(acc.kode)
            extra = {"children": children} if children else {}
            result.append(_node(f"{acc.kode} {acc.nama}".strip(), acc.total, **extra))
        return result

    return build(akun)


# --------------------------------------------------------------------------------------------------------------
# Lines of one agency or sub-kegiatan (pages and API)


@dataclass
class PublicLine:
    """A frozen line with everything a reader needs resolved: account, catalogue reference, last editor."""

    line: StageLine
    account_kode: str
    account_nama: str
    organisation: Organisation | None
    sub_kegiatan_nama: str
    sumber_dana: str
    price_item: PriceItem | None
    updated_by: str
    flags: list[Any] = field(default_factory=list)  # RedFlag (live, old stages) or FrozenFlag

    @property
    def koefisien(self) -> str:
        return koefisien_text(self.line)

    @property
    def multiplied(self) -> bool:
        """More than one factor ('10 Orang x 2 Hari'): pages add the resulting volume ('= 20 OH')."""
        return self.line.vol1 is not None and len(_factors(self.line)) > 1

    @property
    def factors(self) -> list[dict[str, str | None]]:
        """[{"volume": "10.0000", "satuan": "Orang"}, …] — the frozen vol1..vol4/sat1..sat4 (API); [] for lines
        frozen before the factors were kept."""
        ln = self.line
        return [{"volume": format(vol, "f"), "satuan": sat} for vol, sat in _factors(ln)] if ln.vol1 is not None else []

    @property
    def is_undetailed(self) -> bool:
        return self.line.line_type == LineType.UNDETAILED

    @property
    def catalogue_price(self) -> Decimal | None:
        return self.price_item.harga if self.price_item else None

    @property
    def above_catalogue(self) -> bool:
        return self.price_item is not None and self.line.harga_satuan > self.price_item.harga

    @property
    def subtotal(self) -> Decimal:
        return self.line.total - self.line.ppn_amount


def _factors(line: Any) -> list[tuple[Decimal, str]]:
    return [(getattr(line, f"vol{i}"), getattr(line, f"sat{i}")) for i in range(1, 5)
            if getattr(line, f"vol{i}") is not None]


def koefisien_text(line: Any) -> str:
    """'10 Orang x 2 Hari x 1 Kali' from a frozen line's vol1..vol4/sat1..sat4, as the RKA prints it. Lines frozen
    before those columns were kept (vol1 null) show their volume and satuan ('20 Orang')."""
    if line.vol1 is None:
        return f"{format_number(line.volume)} {line.satuan}".strip()
    return " x ".join(f"{format_number(vol)} {sat}".strip() for vol, sat in _factors(line))


# --------------------------------------------------------------------------------------------------------------
# Frozen snapshot of a stage's sub-kegiatan and red flags


def snapshot_stage_ids(stage_ids: Iterable[int]) -> set[int]:
    """Which of these stages were frozen with the sub-kegiatan and flag snapshot (digest version 2 onwards); the
    others (frozen before it existed) fall back to live data. One query."""
    from .selectors_stages import frozen_info

    return {pk for pk, info in frozen_info(list(stage_ids)).items() if info.has_snapshot}


def stage_has_snapshot(stage: Stage) -> bool:
    """True when `stage` carries its own StageSubActivity/StageFlag rows. Cached for published stages (keyed by
    the publication time, like the summary: a published stage is never refrozen)."""
    if stage.status != PUBLISHED:
        return stage.pk in snapshot_stage_ids([stage.pk])
    key = stage_cache_key(stage, "snapshot")
    value = cache.get(key)
    if value is None:
        value = stage.pk in snapshot_stage_ids([stage.pk])
        cache.set(key, value, SUMMARY_CACHE_SECONDS)
    return bool(value)


@dataclass
class FrozenFlag:
    """A red flag as frozen with its stage (StageFlag), shaped like a RedFlag for pages and the API: the same
    attribute names, `get_rule_display`/`get_status_display`, and `organisation`/`sub_activity` resolved (the
    sub-kegiatan from the same stage's StageSubActivity, so its code and name are those of that time)."""

    flag: StageFlag
    organisation: Organisation | None = None
    sub_activity: StageSubActivity | None = None

    def __getattr__(self, name: str) -> Any:
        if name == "flag":  # not set yet (copy/pickle): avoid recursing
            raise AttributeError(name)
        return getattr(self.flag, name)

    is_frozen = True  # templates tell frozen findings from live ones by this

    @property
    def pk(self) -> int:
        return self.flag.pk

    def get_rule_display(self) -> str:
        return str(FlagRule(self.flag.rule).label) if self.flag.rule in FlagRule.values else self.flag.rule

    def get_status_display(self) -> str:
        status = self.flag.status
        return str(FlagStatus(status).label) if status in FlagStatus.values else status


def frozen_flags(stage_id: int, flags: Sequence[StageFlag]) -> list[FrozenFlag]:
    """Wrap frozen flags with their agency and sub-kegiatan (two queries, whatever the number)."""
    if not flags:
        return []
    orgs = Organisation.objects.in_bulk({f.organisation_id for f in flags})
    sub_ids = {f.sub_activity_id for f in flags if f.sub_activity_id}
    subs = ({s.sub_activity_id: s for s in StageSubActivity.objects.filter(stage_id=stage_id,
                                                                            sub_activity_id__in=sub_ids)}
            if sub_ids else {})
    return [FrozenFlag(flag=f, organisation=orgs.get(f.organisation_id),
                       sub_activity=subs.get(f.sub_activity_id) if f.sub_activity_id else None) for f in flags]


class FrozenFlagList:
    """A stage's frozen flags for a Paginator: counted in SQL, and only the page asked for is read and wrapped."""

    def __init__(self, stage: Stage, queryset: QuerySet[StageFlag]):
        self.stage_id = stage.pk
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return frozen_flags(self.stage_id, list(self.queryset[index]))
        return frozen_flags(self.stage_id, [self.queryset[index]])[0]

    def __iter__(self) -> Iterator[FrozenFlag]:
        return iter(frozen_flags(self.stage_id, list(self.queryset)))


@dataclass
class SubActivityDetail:
    """A sub-kegiatan's details as shown publicly: frozen with the stage, or live for stages frozen before the
    snapshot existed (`frozen` False)."""

    organisation_id: int
    kode: str
    nama: str
    lokasi: list[dict[str, str]]
    indikator: str
    target: Decimal | None
    satuan: str
    bulan_mulai: int
    bulan_selesai: int
    planning_trace: str
    frozen: bool

    @property
    def lokasi_text(self) -> str:
        return ", ".join(str(r.get("nama") or r.get("kode") or "") for r in self.lokasi)

    @property
    def months(self) -> str:
        from django.utils.dates import MONTHS

        start, end = MONTHS.get(self.bulan_mulai, ""), MONTHS.get(self.bulan_selesai, "")
        return str(start) if self.bulan_mulai == self.bulan_selesai else f"{start} – {end}"


def sub_activity_details(*, stage: Stage, kode: str, organisation_id: int | None = None) -> list[SubActivityDetail]:
    """The details (lokasi, indikator, target, months) of sub-kegiatan `kode` (of one agency, or of every agency
    that has it) as frozen with a published stage; for stages frozen before the snapshot existed, the live
    sub-kegiatan of the fiscal year, marked `frozen=False`."""
    _require_public(stage)
    if stage_has_snapshot(stage):
        qs = StageSubActivity.objects.filter(stage=stage, kode=kode)
        if organisation_id is not None:
            qs = qs.filter(organisation_id=organisation_id)
        return [SubActivityDetail(organisation_id=s.organisation_id, kode=s.kode, nama=s.nama, lokasi=list(s.lokasi),
                                  indikator=s.indikator, target=s.target, satuan=s.satuan,
                                  bulan_mulai=s.bulan_mulai, bulan_selesai=s.bulan_selesai,
                                  planning_trace=s.planning_trace, frozen=True)
                for s in qs.order_by("organisation_id")]
    live = SubActivityBudget.objects.filter(fiscal_year_id=stage.fiscal_year_id, kode=kode)
    if organisation_id is not None:
        live = live.filter(organisation_id=organisation_id)
    # only agencies that have lines of this sub-kegiatan in the published stage
    live = live.filter(organisation_id__in=StageLine.objects.filter(stage=stage, sub_kegiatan_kode=kode)
                       .values("organisation_id"))
    return [SubActivityDetail(organisation_id=s.organisation_id, kode=s.kode, nama=s.nama,
                              lokasi=[{"kode": r.kode, "nama": r.nama} for r in sorted(s.lokasi.all(),
                                                                                      key=lambda r: r.kode)],
                              indikator=s.indikator, target=s.target, satuan=s.satuan, bulan_mulai=s.bulan_mulai,
                              bulan_selesai=s.bulan_selesai, planning_trace=s.planning_trace, frozen=False)
            for s in live.prefetch_related("lokasi").order_by("organisation_id")]


def _account_kode_subquery() -> Subquery:
    return Subquery(Account.objects.filter(pk=OuterRef("account_id")).values("kode")[:1])


def public_lines(
    *,
    stage: Stage,
    organisation_id: int | None = None,
    sub_kegiatan: str = "",
    akun: str = "",
    q: str = "",
    print_order: bool = True,
) -> QuerySet[StageLine]:
    """Frozen lines of a published stage in print order (agency, sub-kegiatan, account, group, note), filtered.

    `akun` is an account code prefix (`5`, `5.1.02`, `5.1.02.01.01.0024`); `q` searches the text of the line, its
    group and note, and matches account or sub-kegiatan codes by prefix. `print_order=False` orders by ids instead
    of account codes (no per-line subquery: for the API's deep pages over a whole stage).
    """
    _require_public(stage)
    qs = StageLine.objects.filter(stage=stage)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    if sub_kegiatan:
        qs = qs.filter(sub_kegiatan_kode=sub_kegiatan)
    if akun:
        akun = akun.strip().rstrip(".")
        matching = Account.objects.filter(Q(kode=akun) | Q(kode__startswith=akun + "."))
        qs = qs.filter(account_id__in=matching.values("pk"))
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(uraian__icontains=q) | Q(spesifikasi__icontains=q) | Q(kelompok__icontains=q)
            | Q(keterangan__icontains=q) | Q(sub_kegiatan_kode__startswith=q)
            | Q(account_id__in=Account.objects.filter(Q(kode__startswith=q) | Q(nama__icontains=q)).values("pk"))
        )
    if not print_order:
        return qs.order_by("pk")  # freeze order; the (stage) index gives it without sorting
    return qs.annotate(account_kode=_account_kode_subquery()).order_by(
        "organisation_id", "sub_kegiatan_kode", "account_kode", "kelompok", "keterangan", "pk")


def resolve_lines(lines: Sequence[StageLine], *, fiscal_year_id: int | None = None) -> list[PublicLine]:
    """Resolve accounts, agencies, sub-kegiatan names, funding sources, catalogue items, editors and flags of a page
    of lines: one query each, whatever the number of lines. Flags are read when `fiscal_year_id` is given."""
    if not lines:
        return []
    account_ids = {ln.account_id for ln in lines}
    accounts = {pk: (kode, nama) for pk, kode, nama in
                    Account.objects.filter(pk__in=account_ids).values_list("pk", "kode", "nama")}
    org_ids = {ln.organisation_id for ln in lines}
    orgs = Organisation.objects.in_bulk(org_ids)
    names = program_names({ln.sub_kegiatan_kode for ln in lines})
    sumber_ids = {ln.sumber_dana_id for ln in lines if ln.sumber_dana_id}
    sumber = ({pk: f"{kode} {nama}" for pk, kode, nama in
               SumberDana.objects.filter(pk__in=sumber_ids).values_list("pk", "kode", "nama")} if sumber_ids else {})
    item_ids = {ln.price_item_id for ln in lines if ln.price_item_id}
    items = PriceItem.objects.in_bulk(item_ids) if item_ids else {}
    user_ids = {ln.updated_by_id for ln in lines if ln.updated_by_id}
    users = (dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
             if user_ids else {})
    flags: dict[Any, list[Any]] = defaultdict(list)
    if fiscal_year_id is not None:
        for flag in line_flags(fiscal_year_id=fiscal_year_id, line_keys=[ln.line_key for ln in lines],
                               stage_id=lines[0].stage_id):
            flags[flag.line_key].append(flag)
    result = []
    for ln in lines:
        kode, nama = accounts.get(ln.account_id, ("", ""))
        result.append(PublicLine(
            line=ln, account_kode=kode, account_nama=nama, organisation=orgs.get(ln.organisation_id),
            sub_kegiatan_nama=names.get(ln.sub_kegiatan_kode, ""),
            sumber_dana=sumber.get(ln.sumber_dana_id, "") if ln.sumber_dana_id else "",
            price_item=items.get(ln.price_item_id) if ln.price_item_id else None,
            updated_by=users.get(ln.updated_by_id, "") if ln.updated_by_id else "",
            flags=flags.get(ln.line_key, []),
        ))
    return result


@dataclass
class SubActivityBlock:
    """Totals of one sub-kegiatan of an agency, with its accounts (the expandable rows of the agency page)."""

    kode: str
    nama: str
    total: Decimal = ZERO
    lines: int = 0
    belum_dirinci: Decimal = ZERO
    accounts: list[AccountTotal] = field(default_factory=list)
    url: str = ""  # set by the page
    accounts_url: str = ""  # set by the page: where the account totals are loaded from when the block opens
    details: list[SubActivityDetail] = field(default_factory=list)  # lokasi, indikator, target, months (per agency)


def organisation_blocks(*, stage: Stage, organisation_id: int) -> list[SubActivityBlock]:
    """One agency's totals by sub-kegiatan (its revenue and financing lines, which have none, form their own block).
    One GROUP BY and one name lookup; the accounts of a block are read when it is opened (`sub_activity_totals`)."""
    _require_public(stage)
    rows = list(
        StageLine.objects.filter(stage=stage, organisation_id=organisation_id).order_by()
        .values("sub_kegiatan_kode", "line_type").annotate(total=exact_sum(), n=Count("pk"))
    )
    names = program_names({r["sub_kegiatan_kode"] for r in rows})
    blocks: dict[str, SubActivityBlock] = {}
    for row in rows:
        code = row["sub_kegiatan_kode"] or ""
        block = blocks.get(code)
        if block is None:
            block = blocks[code] = SubActivityBlock(kode=code, nama=names.get(code, ""))
        total = as_money(row["total"])
        block.total += total
        block.lines += row["n"]
        if row["line_type"] == LineType.UNDETAILED:
            block.belum_dirinci += total
    # sub-kegiatan first (belanja), then the agency's revenue/financing lines without sub-kegiatan
    return sorted(blocks.values(), key=lambda b: (b.kode == "", b.kode))


def sub_activity_totals(*, stage: Stage, kode: str, organisation_id: int | None = None,
                        with_details: bool = True) -> SubActivityBlock:
    """Totals of one sub-kegiatan (of one agency, or of every agency that has it) by account, with its details as
    frozen with the stage (`sub_activity_details`) unless `with_details` is False."""
    _require_public(stage)
    qs = StageLine.objects.filter(stage=stage, sub_kegiatan_kode=kode)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    rows = list(qs.order_by().values("account_id", "line_type").annotate(total=exact_sum(), n=Count("pk")))
    names = {pk: (k, n) for pk, k, n in Account.objects.filter(
        pk__in={r["account_id"] for r in rows}).values_list("pk", "kode", "nama")}
    block = SubActivityBlock(kode=kode, nama="")
    accounts: dict[str, AccountTotal] = {}
    for row in rows:
        total = as_money(row["total"])
        acc_kode, acc_nama = names.get(row["account_id"], ("", ""))
        entry = accounts.setdefault(acc_kode, AccountTotal(kode=acc_kode, nama=acc_nama, level=6))
        entry.total += total
        entry.lines += row["n"]
        block.total += total
        block.lines += row["n"]
        if row["line_type"] == LineType.UNDETAILED:
            block.belum_dirinci += total
    block.accounts = sorted(accounts.values(), key=lambda a: a.kode)
    if with_details and kode and block.lines:
        block.details = sub_activity_details(stage=stage, kode=kode, organisation_id=organisation_id)
    return block


def program_reference(kode: str) -> ProgramCode | None:
    """The nomenclature entry of a sub-kegiatan (its annex X.XX form for an agency's support code)."""
    try:
        general = generalize_support_code(kode) or kode
    except InvalidCodeError:
        general = kode
    return ProgramCode.objects.filter(kode__in={kode, general}).order_by("-kode").first()


@dataclass
class LineGroup:
    """Consecutive lines of one account inside one sub-kegiatan, with their [#] kelompok and [-] keterangan
    headings; `starts_sub_kegiatan` marks the first group of a sub-kegiatan (to print its heading)."""

    sub_kegiatan_kode: str
    sub_kegiatan_nama: str
    account_kode: str
    account_nama: str
    starts_sub_kegiatan: bool
    rows: list[tuple[str, Any]]  # ("kelompok", text) | ("keterangan", text) | ("line", PublicLine)


def group_lines(lines: Sequence[PublicLine]) -> list[LineGroup]:
    """Lines (already in print order) grouped the way the RKA prints them: sub-kegiatan → account → [#] kelompok →
    [-] keterangan → line."""
    groups: list[LineGroup] = []
    last_kelompok: str | None = None
    last_keterangan: str | None = None
    for pl in lines:
        ln = pl.line
        if not groups or (groups[-1].sub_kegiatan_kode, groups[-1].account_kode) != (ln.sub_kegiatan_kode,
                                                                                      pl.account_kode):
            starts = not groups or groups[-1].sub_kegiatan_kode != ln.sub_kegiatan_kode
            groups.append(LineGroup(sub_kegiatan_kode=ln.sub_kegiatan_kode, sub_kegiatan_nama=pl.sub_kegiatan_nama,
                                    account_kode=pl.account_kode, account_nama=pl.account_nama,
                                    starts_sub_kegiatan=starts, rows=[]))
            last_kelompok = last_keterangan = None
        group = groups[-1]
        if ln.kelompok != last_kelompok:
            last_kelompok, last_keterangan = ln.kelompok, None
            if ln.kelompok:
                group.rows.append(("kelompok", ln.kelompok))
        if ln.keterangan != last_keterangan:
            last_keterangan = ln.keterangan
            if ln.keterangan:
                group.rows.append(("keterangan", ln.keterangan))
        group.rows.append(("line", pl))
    return groups


# --------------------------------------------------------------------------------------------------------------
# Red flags


def line_flags(*, fiscal_year_id: int, line_keys: Iterable[Any], stage_id: int | None = None) -> list[Any]:
    """Findings on the given lines of a fiscal year (one query). The lines come from a published stage, so their
    findings are public (the same rule as `selectors_verification.public_flags`). With `stage_id` of a stage frozen
    with its flags, the findings as they stood at that freeze (FrozenFlag); otherwise the live ones (RedFlag)."""
    keys = list(line_keys)
    if not keys:
        return []
    if stage_id is not None and stage_id in snapshot_stage_ids([stage_id]):
        frozen = list(StageFlag.objects.filter(stage_id=stage_id, line_key__in=keys).order_by("-severity", "pk"))
        return frozen_flags(stage_id, frozen)
    return list(RedFlag.objects.filter(fiscal_year_id=fiscal_year_id, line_key__in=keys,
                                       status__in=[FlagStatus.OPEN, FlagStatus.DISMISSED]).order_by("-severity", "pk"))


def _public_stage_flags(*, stage: Stage) -> list[tuple[int, str]]:
    """(id, status) of the findings that concern a published stage, by the rule of
    `selectors_verification.public_flags` (on its lines by line key, on its sub-kegiatan, on its agencies; open or
    dismissed), computed from the fiscal year's findings, which are few, instead of scanning every frozen line
    (test_public_selectors pins the equality). Ids of StageFlag rows for a stage frozen with its flags (the findings
    of its own time), of live RedFlag rows otherwise."""
    _require_public(stage)
    if stage_has_snapshot(stage):
        rows = StageFlag.objects.filter(stage=stage, status__in=[FlagStatus.OPEN, FlagStatus.DISMISSED]).order_by()
        # a frozen flag has a line key (line finding) or none: no line id, so the line test is on the key
        flags = [(pk, key, key, sub, org, status) for pk, key, sub, org, status in rows.values_list(
            "pk", "line_key", "sub_activity_id", "organisation_id", "status")]
    else:
        flags = list(RedFlag.objects.filter(fiscal_year_id=stage.fiscal_year_id,
                                            status__in=[FlagStatus.OPEN, FlagStatus.DISMISSED]).order_by()
                     .values_list("pk", "line_key", "line_id", "sub_activity_id", "organisation_id", "status"))
    if not flags:
        return []
    lines = StageLine.objects.filter(stage=stage).order_by()
    keys = list({flag[1] for flag in flags if flag[1]})
    present_keys: set[Any] = set()
    for start in range(0, len(keys), 500):
        present_keys.update(lines.filter(line_key__in=keys[start:start + 500]).values_list("line_key", flat=True))
    subs = {flag[3] for flag in flags if flag[2] is None and flag[3] is not None}
    present_subs = set(lines.filter(sub_activity_id__in=subs).values_list("sub_activity_id", flat=True)
                       .distinct()) if subs else set()
    present_orgs = {o.id for o in stage_summary(stage=stage).organisations}
    return [
        (pk, status) for pk, key, line, sub, org, status in flags
        if key in present_keys
        or (line is None and sub in present_subs)
        or (line is None and sub is None and org in present_orgs)
    ]


def public_stage_flag_ids(*, stage: Stage) -> list[int]:
    """Ids of the findings that concern a published stage (see `_public_stage_flags`)."""
    return [pk for pk, _status in _public_stage_flags(stage=stage)]


def public_stage_flags(*, stage: Stage, organisation_id: int | None = None, rule: str = "",
                       status: str = "") -> Any:
    """Findings that concern a published stage (see `public_stage_flag_ids`), filtered, most serious first: for a
    stage frozen with its flags, those of its own time with the dismissal reasons of then (a FrozenFlagList of
    FrozenFlag, paginated like a queryset); for older stages the live RedFlag queryset."""
    if stage_has_snapshot(stage):
        frozen = StageFlag.objects.filter(pk__in=public_stage_flag_ids(stage=stage))
        if organisation_id is not None:
            frozen = frozen.filter(organisation_id=organisation_id)
        if rule:
            frozen = frozen.filter(rule=rule)
        if status:
            frozen = frozen.filter(status=status)
        org_kode = Subquery(Organisation.objects.filter(pk=OuterRef("organisation_id")).values("kode")[:1])
        return FrozenFlagList(stage, frozen.annotate(org_kode=org_kode).order_by("-severity", "org_kode", "rule",
                                                                                  "pk"))
    qs = RedFlag.objects.filter(pk__in=public_stage_flag_ids(stage=stage))
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    if rule:
        qs = qs.filter(rule=rule)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("organisation", "sub_activity", "dismissed_by").order_by(
        "-severity", "organisation__kode", "rule", "pk")


def stage_lines_by_key(*, stage: Stage, line_keys: Iterable[Any]) -> dict[Any, StageLine]:
    """The frozen lines of a stage for the given keys (one query) — what a public flag points at."""
    _require_public(stage)
    keys = [k for k in line_keys if k]
    if not keys:
        return {}
    return {ln.line_key: ln for ln in StageLine.objects.filter(stage=stage, line_key__in=keys).order_by()}


def stage_flag_count(*, stage: Stage) -> int:
    """Open findings of a published stage."""
    return sum(1 for _pk, status in _public_stage_flags(stage=stage) if status == FlagStatus.OPEN)


# --------------------------------------------------------------------------------------------------------------
# Downloads: every line of a stage, streamed with flat memory


LINE_EXPORT_FIELDS = [
    "tahapan",
    "kode_perangkat_daerah",
    "perangkat_daerah",
    "kode_sub_kegiatan",
    "sub_kegiatan",
    "kode_rekening",
    "nama_rekening",
    "akun",
    "sumber_dana",
    "kelompok",
    "keterangan",
    "jenis_baris",
    "uraian",
    "spesifikasi",
    "volume",
    "satuan",
    "harga_satuan",
    "ppn",
    "jumlah",
    "kode_komponen",
    "harga_standar",
    "melebihi_standar",
    "terakhir_diubah_oleh",
    "terakhir_diubah_pada",
    "kunci_baris",
]

_LINE_VALUES = ("organisation_id", "sub_kegiatan_kode", "account_id", "akun", "sumber_dana_id", "kelompok",
                "keterangan", "line_type", "uraian", "spesifikasi", "volume", "satuan", "harga_satuan",
                "ppn_amount", "total", "price_item_id", "updated_by_id", "updated_at", "line_key")


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")  # exact; JSON keeps money as strings like the API


def iter_line_values(*, stage: Stage, chunk_size: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Every frozen line of a published stage as a flat tuple in LINE_EXPORT_FIELDS order, ready to write: money and
    volumes as plain decimal strings ('1234.50'), times in ISO 8601, `melebihi_standar` a bool.

    Lookups (accounts, agencies, names, funding sources, catalogue items, users) are loaded once for the values the
    stage uses; the lines themselves are read through one cursor in chunks, so memory stays flat.
    """
    _require_public(stage)
    lines = StageLine.objects.filter(stage=stage)
    accounts = {pk: (kode, nama) for pk, kode, nama in Account.objects.filter(
        pk__in=lines.values("account_id")).values_list("pk", "kode", "nama")}
    orgs = {pk: (kode, nama) for pk, kode, nama in Organisation.objects.filter(
        pk__in=lines.values("organisation_id")).values_list("pk", "kode", "nama")}
    names = program_names(lines.order_by().values_list("sub_kegiatan_kode", flat=True).distinct())
    sumber = {pk: f"{kode} {nama}" for pk, kode, nama in SumberDana.objects.filter(
        pk__in=lines.exclude(sumber_dana_id=None).values("sumber_dana_id")).values_list("pk", "kode", "nama")}
    items = {pk: (kode, harga) for pk, kode, harga in PriceItem.objects.filter(
        pk__in=lines.exclude(price_item_id=None).values("price_item_id")).values_list("pk", "kode", "harga")}
    users = dict(get_user_model().objects.filter(
        pk__in=lines.exclude(updated_by_id=None).values("updated_by_id")).values_list("pk", "username"))
    line_types = {value: str(label) for value, label in LineType.choices}  # translate once, not per line
    stage_label = stage.nama
    no_item = ("", None)
    rows = lines.order_by("organisation_id", "sub_kegiatan_kode", "account_id", "pk").values_list(*_LINE_VALUES)
    for (org_id, subkeg, account_id, akun, sumber_id, kelompok, keterangan, line_type, uraian, spesifikasi, volume,
         satuan, harga, ppn, total, item_id, user_id, updated_at, line_key) in rows.iterator(chunk_size=chunk_size):
        org_kode, org_nama = orgs.get(org_id, ("", ""))
        acc_kode, acc_nama = accounts.get(account_id, ("", ""))
        item_kode, item_harga = items.get(item_id, no_item) if item_id else no_item
        yield (
            stage_label, org_kode, org_nama, subkeg, names.get(subkeg, ""), acc_kode, acc_nama, akun,
            sumber.get(sumber_id, "") if sumber_id else "", kelompok, keterangan, line_types.get(line_type, line_type),
            uraian, spesifikasi, _plain(volume), satuan, _plain(harga), _plain(ppn), _plain(total), item_kode,
            _plain(item_harga), item_harga is not None and harga > item_harga,
            users.get(user_id, "") if user_id else "", updated_at.isoformat() if updated_at else None, str(line_key),
        )


def iter_line_records(*, stage: Stage, chunk_size: int = 5000) -> Iterator[dict[str, Any]]:
    """The same lines as dicts keyed by LINE_EXPORT_FIELDS (the JSON download)."""
    fields = LINE_EXPORT_FIELDS
    for values in iter_line_values(stage=stage, chunk_size=chunk_size):
        yield dict(zip(fields, values, strict=True))


def plain_decimal(value: Decimal | None) -> str:
    """'1234.50' — money in downloads is written plain (no separators, dot decimal), like the API."""
    return "" if value is None else format(value, "f")
