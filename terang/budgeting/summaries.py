"""APBD summaries (ringkasan APBD) as SQL aggregates over live lines or over a frozen stage.

Every summary is one `GROUP BY` over `BudgetLine` (the live budget of a fiscal year) or `StageLine` (the immutable
snapshot of a closed stage), joined to the chart of accounts by id and grouped by the account code prefix:
akun = 1 character (`5`), kelompok = 3 (`5.1`), jenis = 6 (`5.1.02`), objek = 9 (`5.1.02.01`). Names are looked up
afterwards in one small query per code list. Amounts are `Decimal`; on SQLite the sums are taken in whole cents so
that they stay exact (SQLite stores decimals as floating point).

These functions carry no permission rules: callers decide who may see which stage (staff pages through
`budget.view`, the public portal and the API only for published stages).

    apbd_identity(stage=…)                          pendapatan, belanja, surplus/defisit, pembiayaan, SiLPA
    summary_by_account(stage=…)                     akun → kelompok → jenis
    summary_by_organisation(stage=…)                per perangkat daerah: pendapatan, belanja per kelompok, pembiayaan
    summary_by_urusan(stage=…)                      belanja per urusan → bidang urusan (from the sub-kegiatan code)
    summary_by_fungsi(stage=…)                      belanja per fungsi → sub fungsi (bidang urusan → sub fungsi map)
    summary_by_organisation_account_sumber(stage=…) perangkat daerah × kelompok/jenis belanja × sumber dana, one query
"""

# ruff: noqa: S608 -- SQL is assembled only from ORM table names, fixed aliases and integer widths; values go in params

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terang.core.errors import ApplicationError
from terang.org.models import Organisation
from terang.reference.models import Account, ProgramCode, SumberDana, Urusan

from .choices import StageStatus
from .models import BudgetLine, FiscalYear, Stage, StageLine, SubActivityBudget

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Length of the account code prefix for each level (akun, kelompok, jenis, objek); widths are 1-1-2-2-….
ACCOUNT_PREFIX = {1: 1, 2: 3, 3: 6, 4: 9}
ACCOUNT_LEVEL_NAMES = {1: "akun", 2: "kelompok", 3: "jenis", 4: "objek"}
# Belanja kelompok → field name in the summaries (PP 12/2019: operasi, modal, tidak terduga, transfer).
BELANJA_KELOMPOK = {
    "5.1": "belanja_operasi",
    "5.2": "belanja_modal",
    "5.3": "belanja_tidak_terduga",
    "5.4": "belanja_transfer",
}
BELANJA_FIELDS = ("belanja_operasi", "belanja_modal", "belanja_tidak_terduga", "belanja_transfer")
DATA_DIR = Path(__file__).resolve().parent / "data"
UNMAPPED_FUNGSI = "99"

SUMMARY_KINDS: dict[str, Any] = {
    "akun": gettext_lazy("Ringkasan APBD menurut kelompok dan jenis akun"),
    "opd": gettext_lazy("Ringkasan APBD menurut perangkat daerah"),
    "urusan": gettext_lazy("Ringkasan belanja menurut urusan dan bidang urusan"),
    "fungsi": gettext_lazy("Ringkasan belanja menurut fungsi dan sub fungsi"),
    "opd_akun_sumber": gettext_lazy("Belanja menurut perangkat daerah, jenis belanja dan sumber dana"),
}


# --- result types ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApbdIdentity:
    """The APBD identity: surplus/defisit = pendapatan − belanja; pembiayaan netto = penerimaan − pengeluaran;
    SiLPA tahun berkenaan = surplus/defisit + pembiayaan netto."""

    pendapatan: Decimal
    belanja: Decimal
    penerimaan_pembiayaan: Decimal
    pengeluaran_pembiayaan: Decimal

    @property
    def surplus_defisit(self) -> Decimal:
        return self.pendapatan - self.belanja

    @property
    def pembiayaan_netto(self) -> Decimal:
        return self.penerimaan_pembiayaan - self.pengeluaran_pembiayaan

    @property
    def silpa(self) -> Decimal:
        return self.surplus_defisit + self.pembiayaan_netto

    def as_dict(self) -> dict[str, Decimal]:
        return {
            "pendapatan": self.pendapatan,
            "belanja": self.belanja,
            "surplus_defisit": self.surplus_defisit,
            "penerimaan_pembiayaan": self.penerimaan_pembiayaan,
            "pengeluaran_pembiayaan": self.pengeluaran_pembiayaan,
            "pembiayaan_netto": self.pembiayaan_netto,
            "silpa": self.silpa,
        }


@dataclass
class AccountGroupRow:
    """One account group (akun, kelompok, jenis or objek) with its total."""

    kode: str
    nama: str
    level: int
    total: Decimal = ZERO

    @property
    def tingkat(self) -> str:
        return ACCOUNT_LEVEL_NAMES[self.level]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tingkat": self.tingkat}


@dataclass
class OrganisationRow:
    """One agency: pendapatan, belanja per kelompok, penerimaan and pengeluaran pembiayaan."""

    organisation_id: int
    kode: str
    nama: str
    pendapatan: Decimal = ZERO
    belanja_operasi: Decimal = ZERO
    belanja_modal: Decimal = ZERO
    belanja_tidak_terduga: Decimal = ZERO
    belanja_transfer: Decimal = ZERO
    belanja: Decimal = ZERO
    penerimaan_pembiayaan: Decimal = ZERO
    pengeluaran_pembiayaan: Decimal = ZERO

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FunctionalRow:
    """Belanja of one urusan / bidang urusan, or one fungsi / sub fungsi, per kelompok belanja.

    `inferred` marks a fungsi row whose bidang → sub fungsi mapping is inferred (see data/bidang_fungsi.csv)."""

    kode: str
    nama: str
    level: int
    belanja_operasi: Decimal = ZERO
    belanja_modal: Decimal = ZERO
    belanja_tidak_terduga: Decimal = ZERO
    belanja_transfer: Decimal = ZERO
    belanja: Decimal = ZERO
    inferred: bool = False
    bidang: list[str] = field(default_factory=list)

    def add(self, other: FunctionalRow) -> None:
        for name in (*BELANJA_FIELDS, "belanja"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class OpdAccountSumberRow:
    """Belanja of one agency under one account group from one funding source."""

    organisation_id: int
    organisation_kode: str
    organisation_nama: str
    akun_kode: str
    akun_nama: str
    sumber_dana_id: int | None
    sumber_dana_kode: str
    sumber_dana_nama: str
    total: Decimal

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- where the lines come from -----------------------------------------------------------------------------------


def stage_is_frozen(stage: Stage) -> bool:
    """A stage is frozen (its StageLine snapshot exists) once it is closed or published."""
    return stage.frozen_at is not None or stage.status in (StageStatus.CLOSED, StageStatus.PUBLISHED)


@dataclass(frozen=True)
class LineSource:
    """The lines a summary reads: the live lines of a fiscal year, or the frozen lines of a stage."""

    fiscal_year: FiscalYear
    stage: Stage | None = None
    organisation_id: int | None = None

    @property
    def is_live(self) -> bool:
        return self.stage is None

    def base(self, keys: dict[str, str], *, akun: str | None = None,
             extra: dict[str, str] | None = None) -> tuple[str, list[Any]]:
        """The first aggregation step: `SELECT <keys>, SUM(total) AS total FROM <lines> l WHERE … GROUP BY <keys>`.

        Grouping by integer keys (agency, account id, …) first keeps the joins to the code lists on a few thousand
        aggregated rows instead of every line. `keys` maps an output alias to an SQL expression over `l`; `extra`
        adds aggregate columns (alias → aggregate expression)."""
        qn = connection.ops.quote_name
        if self.stage is None:
            table, where, params = BudgetLine._meta.db_table, "l.fiscal_year_id = %s", [self.fiscal_year.pk]
        else:
            table, where, params = StageLine._meta.db_table, "l.stage_id = %s", [self.stage.pk]
        if self.organisation_id is not None:
            where += " AND l.organisation_id = %s"
            params.append(self.organisation_id)
        if akun:
            where += " AND l.akun = %s"
            params.append(akun)
        select = ", ".join(f"{expr} AS {alias}" for alias, expr in {**keys, **(extra or {})}.items())
        group = ", ".join(keys.values())
        return (f"SELECT {select}, {sum_sql()} AS total FROM {qn(table)} l WHERE {where} GROUP BY {group}",
                params)


def line_source(*, fiscal_year: FiscalYear | None = None, stage: Stage | None = None,
                organisation: Organisation | int | None = None) -> LineSource:
    """Which lines to summarise: a frozen stage (its snapshot) or, without a stage, the live lines of a fiscal year.

    A stage that is not frozen yet is refused: its lines are still changing, read them live through the fiscal year.
    """
    org_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    if stage is not None:
        if not stage_is_frozen(stage):
            raise ApplicationError(
                _("Tahapan “%(stage)s” belum dibekukan; ringkasannya belum tersedia.") % {"stage": stage.nama},
                code="stage_not_frozen",
            )
        return LineSource(fiscal_year=stage.fiscal_year, stage=stage, organisation_id=org_id)
    if fiscal_year is None:
        raise ApplicationError(_("Pilih tahun anggaran atau tahapan."), code="source_required")
    return LineSource(fiscal_year=fiscal_year, organisation_id=org_id)


def _source(fiscal_year: FiscalYear | None, stage: Stage | None, organisation: Any,
            source: LineSource | None) -> LineSource:
    return source if source is not None else line_source(fiscal_year=fiscal_year, stage=stage,
                                                         organisation=organisation)


def sum_sql(column: str = "l.total") -> str:
    """SUM of a money column; in whole cents on SQLite (floating-point storage), exact numeric elsewhere."""
    if connection.vendor == "sqlite":
        return f"SUM(CAST(ROUND({column} * 100) AS INTEGER))"
    return f"SUM({column})"


def _money_from_cents(value: Any) -> Decimal:
    return ZERO if value is None else (Decimal(int(value)) / 100).quantize(CENT)


def _money_from_numeric(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(CENT)


def money_converter() -> Any:
    """The `money` function for the current database, looked up once (a summary converts hundreds of sums, and
    asking `connection.vendor` goes through a context-local proxy each time)."""
    return _money_from_cents if connection.vendor == "sqlite" else _money_from_numeric


def money(value: Any) -> Decimal:
    """A SUM from `sum_sql` as Decimal rupiah with two places."""
    return money_converter()(value)


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _account_names(kodes: set[str]) -> dict[str, str]:
    if not kodes:
        return {}
    return dict(Account.objects.filter(kode__in=kodes).values_list("kode", "nama"))


def _by_account_prefix(src: LineSource, width: int) -> list[tuple[Any, ...]]:
    """(account code prefix of `width` characters, SUM) — totals per account id first, then per prefix."""
    base, params = src.base({"account_id": "l.account_id"})
    return _fetch(f"SELECT substr(a.kode, 1, {width}), SUM(b.total) FROM ({base}) b "
                  f"INNER JOIN {_table(Account)} a ON a.id = b.account_id GROUP BY substr(a.kode, 1, {width})",
                  params)


# --- summaries ---------------------------------------------------------------------------------------------------


def apbd_identity(*, fiscal_year: FiscalYear | None = None, stage: Stage | None = None,
                  organisation: Organisation | int | None = None, source: LineSource | None = None) -> ApbdIdentity:
    """Pendapatan (akun 4), belanja (5), penerimaan (6.1) and pengeluaran (6.2) pembiayaan — one query."""
    src = _source(fiscal_year, stage, organisation, source)
    rows = _by_account_prefix(src, 3)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for prefix, amount in rows:
        value = money(amount)
        totals[prefix[:1]] += value
        totals[prefix] += value
    return ApbdIdentity(pendapatan=totals["4"], belanja=totals["5"], penerimaan_pembiayaan=totals["6.1"],
                        pengeluaran_pembiayaan=totals["6.2"])


def summary_by_account(*, fiscal_year: FiscalYear | None = None, stage: Stage | None = None,
                       organisation: Organisation | int | None = None, depth: int = 3,
                       source: LineSource | None = None) -> list[AccountGroupRow]:
    """Totals per akun → kelompok → jenis (→ objek with depth=4), in code order; parents include their children."""
    if depth not in ACCOUNT_PREFIX:
        raise ApplicationError(_("Kedalaman rekening harus 1 sampai 4."), code="invalid_depth")
    src = _source(fiscal_year, stage, organisation, source)
    rows = _by_account_prefix(src, ACCOUNT_PREFIX[depth])
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    levels: dict[str, int] = {}
    for kode, amount in rows:
        value = money(amount)
        for level in range(1, depth + 1):
            prefix = kode[: ACCOUNT_PREFIX[level]]
            if len(prefix) < ACCOUNT_PREFIX[level] and level > 1:
                break
            totals[prefix] += value
            levels[prefix] = level
    names = _account_names(set(totals))
    return [AccountGroupRow(kode=k, nama=names.get(k, ""), level=levels[k], total=totals[k]) for k in sorted(totals)]


def summary_by_organisation(*, fiscal_year: FiscalYear | None = None, stage: Stage | None = None,
                            source: LineSource | None = None) -> list[OrganisationRow]:
    """Per agency: pendapatan, belanja by kelompok (operasi, modal, tidak terduga, transfer), pembiayaan."""
    src = _source(fiscal_year, stage, None, source)
    base, params = src.base({"org_id": "l.organisation_id", "account_id": "l.account_id"})
    rows = _fetch(f"SELECT b.org_id, substr(a.kode, 1, 3), SUM(b.total) FROM ({base}) b "
                  f"INNER JOIN {_table(Account)} a ON a.id = b.account_id "
                  f"GROUP BY b.org_id, substr(a.kode, 1, 3)", params)
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in={r[0] for r in rows}).only("kode", "nama")}
    result: dict[int, OrganisationRow] = {}
    for org_id, prefix, amount in rows:
        org = orgs[org_id]
        row = result.get(org_id)
        if row is None:
            row = result[org_id] = OrganisationRow(organisation_id=org_id, kode=org.kode, nama=org.nama)
        value = money(amount)
        if prefix.startswith("4"):
            row.pendapatan += value
        elif prefix.startswith("5"):
            row.belanja += value
            name = BELANJA_KELOMPOK.get(prefix)
            if name:
                setattr(row, name, getattr(row, name) + value)
        elif prefix == "6.1":
            row.penerimaan_pembiayaan += value
        elif prefix == "6.2":
            row.pengeluaran_pembiayaan += value
    return sorted(result.values(), key=lambda r: (r.kode, r.nama))


@cache
def bidang_fungsi_map() -> dict[str, dict[str, str]]:
    """Bidang urusan → {kode_subfungsi, nama_subfungsi, kode_fungsi, nama_fungsi, nama_bidang, dasar}."""
    with (DATA_DIR / "bidang_fungsi.csv").open(encoding="utf-8", newline="") as handle:
        return {row["kode_bidang"]: row for row in csv.DictReader(handle)}


def _bidang_names(kodes: set[str]) -> dict[str, str]:
    """Names of urusan (`1`) and bidang urusan (`1.02`) codes: nomenclature first, then the urusan list."""
    names = dict(ProgramCode.objects.filter(kode__in=kodes, tingkat__in=["urusan", "bidang_urusan"])
                 .values_list("kode", "nama"))
    missing = kodes - set(names)
    if missing:
        names.update(Urusan.objects.filter(kode__in=missing).values_list("kode", "nama"))
    for kode in kodes - set(names):
        mapped = bidang_fungsi_map().get(kode)
        names[kode] = mapped["nama_bidang"] if mapped else ""
    return names


def _bidang_belanja(src: LineSource) -> dict[str, FunctionalRow]:
    """Belanja per bidang urusan (U.BB of the sub-kegiatan code; the agency's bidang when the code is X.XX)."""
    # integer keys first; a frozen line carries its sub-kegiatan code (the same for every line of a sub-kegiatan)
    extra = None if src.is_live else {"sub_kode": "MAX(l.sub_kegiatan_kode)"}
    base, params = src.base({"org_id": "l.organisation_id", "sub": "l.sub_activity_id",
                             "account_id": "l.account_id"}, akun="5", extra=extra)
    if src.is_live:
        kode, join = "s.kode", f"LEFT JOIN {_table(SubActivityBudget)} s ON s.id = b.sub "
    else:
        kode, join = "b.sub_kode", ""
    bidang = (f"CASE WHEN {kode} IS NULL OR {kode} = '' OR substr({kode}, 1, 1) = 'X' "
              f"THEN substr(o.bidang_urusan, 1, 4) ELSE substr({kode}, 1, 4) END")
    rows = _fetch(f"SELECT {bidang}, substr(a.kode, 1, 3), SUM(b.total) FROM ({base}) b "
                  f"INNER JOIN {_table(Account)} a ON a.id = b.account_id "
                  f"INNER JOIN {_table(Organisation)} o ON o.id = b.org_id {join}"
                  f"GROUP BY {bidang}, substr(a.kode, 1, 3)", params)
    result: dict[str, FunctionalRow] = {}
    for bidang_kode, prefix, amount in rows:
        bidang_kode = bidang_kode or ""
        row = result.setdefault(bidang_kode, FunctionalRow(kode=bidang_kode, nama="", level=2))
        value = money(amount)
        row.belanja += value
        name = BELANJA_KELOMPOK.get(prefix)
        if name:
            setattr(row, name, getattr(row, name) + value)
    return result


def summary_by_urusan(*, fiscal_year: FiscalYear | None = None, stage: Stage | None = None,
                      source: LineSource | None = None) -> list[FunctionalRow]:
    """Belanja per urusan (level 1) and bidang urusan (level 2), by kelompok belanja, in code order.

    The bidang comes from the sub-kegiatan code (`1.02.02.2.01.0002` → 1.02); support-program codes are already
    expanded to the agency's bidang (`1.02.01.2.06.0001`)."""
    src = _source(fiscal_year, stage, None, source)
    bidang = _bidang_belanja(src)
    rows: dict[str, FunctionalRow] = {}
    for kode, row in bidang.items():
        urusan_kode = kode[:1]
        parent = rows.setdefault(urusan_kode, FunctionalRow(kode=urusan_kode, nama="", level=1))
        parent.add(row)
        parent.bidang.append(kode)
        rows[kode] = row
    names = _bidang_names(set(rows))
    for kode, row in rows.items():
        row.nama = names.get(kode, "") or (_("Tanpa bidang urusan") if not kode else "")
    return [rows[k] for k in sorted(rows)]


def summary_by_fungsi(*, fiscal_year: FiscalYear | None = None, stage: Stage | None = None,
                      source: LineSource | None = None) -> list[FunctionalRow]:
    """Belanja per fungsi (level 1) and sub fungsi (level 2): each bidang urusan is booked under its sub fungsi
    (data/bidang_fungsi.csv); a bidang without a mapping goes under 99 "Belum terpetakan"."""
    src = _source(fiscal_year, stage, None, source)
    mapping = bidang_fungsi_map()
    rows: dict[str, FunctionalRow] = {}
    for kode, bidang_row in _bidang_belanja(src).items():
        mapped = mapping.get(kode)
        if mapped is None:
            sub_kode, sub_nama = f"{UNMAPPED_FUNGSI}.99", _("Bidang urusan belum terpetakan")
            fungsi_kode, fungsi_nama, inferred = UNMAPPED_FUNGSI, _("Belum terpetakan ke fungsi"), True
        else:
            sub_kode, sub_nama = mapped["kode_subfungsi"], mapped["nama_subfungsi"]
            fungsi_kode, fungsi_nama = mapped["kode_fungsi"], mapped["nama_fungsi"]
            inferred = mapped["dasar"] == "inferred"
        for key, nama, level in ((fungsi_kode, fungsi_nama, 1), (sub_kode, sub_nama, 2)):
            row = rows.setdefault(key, FunctionalRow(kode=key, nama=nama, level=level))
            row.add(bidang_row)
            row.bidang.append(kode)
            row.inferred = row.inferred or inferred
    for row in rows.values():
        row.bidang.sort()
    return [rows[k] for k in sorted(rows)]


def summary_by_organisation_account_sumber(*, fiscal_year: FiscalYear | None = None, stage: Stage | None = None,
                                           level: int = 3, akun: str = "5",
                                           source: LineSource | None = None) -> list[OpdAccountSumberRow]:
    """Agency × account group (kelompok with level=2, jenis with level=3) × funding source — one SQL query: the
    GROUP BY runs first, then the names of the (few) groups are joined in."""
    if level not in (1, 2, 3, 4):
        raise ApplicationError(_("Tingkat rekening harus 1 sampai 4."), code="invalid_level")
    src = _source(fiscal_year, stage, None, source)
    width = ACCOUNT_PREFIX[level]
    # lines without their own funding source take the sub-kegiatan's: keep their sub-kegiatan in the inner key
    base, params = src.base({"org_id": "l.organisation_id", "account_id": "l.account_id",
                             "sd_id": "l.sumber_dana_id",
                             "sub_id": "CASE WHEN l.sumber_dana_id IS NULL THEN l.sub_activity_id END"},
                            akun=akun or None)
    sumber = "COALESCE(b.sd_id, s.sumber_dana_id)"
    sql = (
        f"SELECT g.org_id, o.kode, o.nama, g.grp, n.nama, g.sd_id, sd.kode, sd.nama, g.total FROM ("
        f"SELECT b.org_id AS org_id, substr(a.kode, 1, {width}) AS grp, {sumber} AS sd_id, SUM(b.total) AS total "
        f"FROM ({base}) b INNER JOIN {_table(Account)} a ON a.id = b.account_id "
        f"LEFT JOIN {_table(SubActivityBudget)} s ON s.id = b.sub_id "
        f"GROUP BY b.org_id, substr(a.kode, 1, {width}), {sumber}) g "
        f"INNER JOIN {_table(Organisation)} o ON o.id = g.org_id "
        f"LEFT JOIN {_table(Account)} n ON n.kode = g.grp "
        f"LEFT JOIN {_table(SumberDana)} sd ON sd.id = g.sd_id "
        f"ORDER BY o.kode, g.org_id, g.grp, sd.kode"
    )
    to_money = money_converter()
    return [
        OpdAccountSumberRow(organisation_id=org_id, organisation_kode=org_kode, organisation_nama=org_nama,
                            akun_kode=grp, akun_nama=grp_nama or "", sumber_dana_id=sd_id,
                            sumber_dana_kode=sd_kode or "", sumber_dana_nama=sd_nama or "", total=to_money(total))
        for org_id, org_kode, org_nama, grp, grp_nama, sd_id, sd_kode, sd_nama, total in _fetch(sql, params)
    ]


def summary(kind: str, *, fiscal_year: FiscalYear | None = None, stage: Stage | None = None) -> list[Any]:
    """The summary named `kind` (a key of SUMMARY_KINDS)."""
    functions = {
        "akun": summary_by_account,
        "opd": summary_by_organisation,
        "urusan": summary_by_urusan,
        "fungsi": summary_by_fungsi,
        "opd_akun_sumber": summary_by_organisation_account_sumber,
    }
    if kind not in functions:
        raise ApplicationError(_("Jenis ringkasan “%(kind)s” tidak dikenal.") % {"kind": kind}, code="invalid_kind",
                               field="menurut")
    return functions[kind](fiscal_year=fiscal_year, stage=stage)  # type: ignore[operator]
