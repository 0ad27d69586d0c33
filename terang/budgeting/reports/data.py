"""The content of the official documents (RKA-SKPD, DPA-SKPD), read from live lines or a frozen stage.

`rka_document(organisation=…, stage=… | fiscal_year=…)` returns everything the PDF, Excel and CSV writers print:
the agency header, one section per sub-kegiatan (program/kegiatan/sub-kegiatan, location, indicator and target,
funding sources, months) with its rows — account levels 1–6, "[#] kelompok", "[-] keterangan", then the line items
with koefisien ("10 Orang x 2 Hari x 1 Kali"), satuan, harga, PPN and jumlah — and the revenue and financing
sections of the agency. `dpa_document(dpa)` adds the cash plan (anggaran kas) per sub-kegiatan.

Frozen lines keep the four volume factors and their units (StageLine.vol1..4/sat1..4), so a frozen stage prints the
koefisien as it was frozen whatever happened to the live line since. Stages frozen before those columns existed
(vol1 null) fall back to the live line's factors while it is unchanged since the freeze (same `updated_at`),
otherwise to "<volume> <satuan>".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from terang.core.money import format_number
from terang.org.models import Organisation, Pemda
from terang.reference.models import Account, ProgramCode, SumberDana

from ..choices import LineType
from ..models import BudgetLine, CashPlan, Dpa, FiscalYear, Stage, StageLine, SubActivityBudget
from ..services.dpa import MONTH_NAMES, quarter_totals
from ..summaries import ZERO, line_source

MONTHS = MONTH_NAMES


@dataclass
class DocLine:
    """One line item as printed (from BudgetLine or StageLine)."""

    pk: int
    line_id: int | None
    line_key: Any
    organisation_id: int
    sub_activity_id: int | None
    sub_kegiatan_kode: str
    account_id: int
    akun: str
    sumber_dana_id: int | None
    kelompok: str
    keterangan: str
    line_type: str
    price_item_id: int | None
    uraian: str
    spesifikasi: str
    koefisien: str
    volume: Decimal
    satuan: str
    harga_satuan: Decimal
    ppn_amount: Decimal
    total: Decimal
    updated_at: datetime.datetime | None = None

    @property
    def is_undetailed(self) -> bool:
        return self.line_type == LineType.UNDETAILED


@dataclass
class DocRow:
    """A printed row of a rincian table: an account level, a [#] group, a [-] note, or a line item."""

    kind: str  # "account" | "kelompok" | "keterangan" | "line"
    kode: str
    uraian: str
    total: Decimal
    level: int = 0
    koefisien: str = ""
    satuan: str = ""
    harga: Decimal | None = None
    ppn: Decimal | None = None
    spesifikasi: str = ""
    undetailed: bool = False


@dataclass
class CashRow:
    account_kode: str
    account_nama: str
    total: Decimal
    months: list[Decimal]

    @property
    def quarters(self) -> list[Decimal]:
        return quarter_totals(self.months)


@dataclass
class Section:
    """One sub-kegiatan (or the agency's pendapatan / pembiayaan) with its printed rows."""

    title: str
    kode: str = ""
    nama: str = ""
    sub: SubActivityBudget | None = None
    header: list[tuple[str, str]] = field(default_factory=list)
    rows: list[DocRow] = field(default_factory=list)
    total: Decimal = ZERO
    line_count: int = 0
    cash: list[CashRow] = field(default_factory=list)
    cash_months: list[Decimal] = field(default_factory=list)

    @property
    def cash_quarters(self) -> list[Decimal]:
        return quarter_totals(self.cash_months) if self.cash_months else []

    @property
    def cash_month_pairs(self) -> list[tuple[str, Decimal, str, Decimal]]:
        """Six rows of (month, amount, month + 6, amount) for a compact portrait table."""
        return [(MONTHS[i], self.cash_months[i], MONTHS[i + 6], self.cash_months[i + 6]) for i in range(6)]


@dataclass
class Signer:
    jabatan: str
    nama: str
    nip: str
    caption: str = ""  # the line above the title, e.g. "Mengesahkan,"; the last signer gets the place and date


@dataclass
class RkaDocument:
    kind: str  # "rka" | "dpa"
    title: str
    pemda: Pemda
    fiscal_year: FiscalYear
    stage: Stage | None
    organisation: Organisation
    urusan: tuple[str, str]
    bidang: tuple[str, str]
    nomor: str = ""
    pendapatan: Section | None = None
    pembiayaan_penerimaan: Section | None = None
    pembiayaan_pengeluaran: Section | None = None
    sections: list[Section] = field(default_factory=list)
    ringkasan: list[DocRow] = field(default_factory=list)
    total_pendapatan: Decimal = ZERO
    total_belanja: Decimal = ZERO
    total_penerimaan: Decimal = ZERO
    total_pengeluaran: Decimal = ZERO
    line_count: int = 0
    signers: list[Signer] = field(default_factory=list)
    place: str = ""
    date: datetime.date | None = None
    cash_months: list[Decimal] = field(default_factory=list)

    @property
    def stage_label(self) -> str:
        return self.stage.nama if self.stage is not None else _("Data terkini (belum dibekukan)")

    @property
    def cash_quarters(self) -> list[Decimal]:
        return quarter_totals(self.cash_months) if self.cash_months else []

    @property
    def cash_month_pairs(self) -> list[tuple[str, Decimal, str, Decimal]]:
        return [(MONTHS[i], self.cash_months[i], MONTHS[i + 6], self.cash_months[i + 6]) for i in range(6)]


# --- reading lines -----------------------------------------------------------------------------------------------

_COMMON = ("id", "line_key", "organisation_id", "sub_activity_id", "account_id", "akun", "sumber_dana_id",
           "kelompok", "keterangan", "line_type", "price_item_id", "uraian", "spesifikasi", "volume", "satuan",
           "harga_satuan", "ppn_amount", "total", "updated_at")


def _koefisien(vols: Iterable[tuple[Any, str]]) -> str:
    parts = [f"{format_number(vol)} {sat}".strip() for vol, sat in vols if vol is not None]
    return " x ".join(parts)


def iter_lines(*, organisation: Organisation | None, stage: Stage | None = None,
               fiscal_year: FiscalYear | None = None, chunk_size: int = 2000) -> Iterator[DocLine]:
    """Lines of one agency (or of the whole budget when organisation is None), from a frozen stage or live, in
    printing order (sub-kegiatan code, account code, kelompok, keterangan, id)."""
    source = line_source(fiscal_year=fiscal_year, stage=stage, organisation=organisation)
    factor_fields = ("vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4")
    if source.stage is None:
        qs = BudgetLine.objects.filter(fiscal_year=source.fiscal_year)
        if organisation is not None:
            qs = qs.filter(organisation=organisation)
        qs = qs.order_by("sub_activity__kode", "account__kode", "kelompok", "keterangan", "pk")
        for row in qs.values(*_COMMON, *factor_fields, "sub_activity__kode").iterator(chunk_size=chunk_size):
            yield _doc_line(row, row["id"], row["sub_activity__kode"] or "",
                            _koefisien((row[f"vol{i}"], row[f"sat{i}"]) for i in range(1, 5)))
        return
    qs = StageLine.objects.filter(stage=source.stage)
    if organisation is not None:
        qs = qs.filter(organisation_id=organisation.pk)
    account_kode = dict(Account.objects.filter(
        pk__in=qs.values("account_id").distinct()).values_list("pk", "kode"))
    rows = list(qs.values(*_COMMON, *factor_fields, "line_id", "sub_kegiatan_kode"))
    rows.sort(key=lambda r: (r["sub_kegiatan_kode"], account_kode.get(r["account_id"], ""), r["kelompok"],
                             r["keterangan"], r["id"]))
    # stages frozen before the koefisien columns existed (vol1 null): the factors of lines unchanged since the freeze
    live: dict[int, dict[str, Any]] = {}
    ids = [r["line_id"] for r in rows if r["line_id"] and r["vol1"] is None]
    for start in range(0, len(ids), chunk_size):
        for row in BudgetLine.objects.filter(pk__in=ids[start:start + chunk_size]).values(
                "id", "updated_at", *factor_fields):
            live[row["id"]] = row
    for row in rows:
        current = live.get(row["line_id"])
        if row["vol1"] is not None:
            koef = _koefisien((row[f"vol{i}"], row[f"sat{i}"]) for i in range(1, 5))
        elif current is not None and current["updated_at"] == row["updated_at"]:
            koef = _koefisien((current[f"vol{i}"], current[f"sat{i}"]) for i in range(1, 5))
        else:
            koef = _koefisien([(row["volume"], row["satuan"])])
        yield _doc_line(row, row["line_id"], row["sub_kegiatan_kode"], koef)


def _doc_line(row: dict[str, Any], line_id: int | None, sub_kode: str, koefisien: str) -> DocLine:
    return DocLine(pk=row["id"], line_id=line_id, line_key=row["line_key"], organisation_id=row["organisation_id"],
                   sub_activity_id=row["sub_activity_id"], sub_kegiatan_kode=sub_kode, account_id=row["account_id"],
                   akun=row["akun"], sumber_dana_id=row["sumber_dana_id"], kelompok=row["kelompok"],
                   keterangan=row["keterangan"], line_type=row["line_type"], price_item_id=row["price_item_id"],
                   uraian=row["uraian"], spesifikasi=row["spesifikasi"], koefisien=koefisien,
                   volume=row["volume"], satuan=row["satuan"], harga_satuan=row["harga_satuan"],
                   ppn_amount=row["ppn_amount"], total=row["total"], updated_at=row["updated_at"])


# --- building rows -----------------------------------------------------------------------------------------------


def account_prefixes(kode: str) -> list[str]:
    """5.1.02.01.01.0024 → [5, 5.1, 5.1.02, 5.1.02.01, 5.1.02.01.01, 5.1.02.01.01.0024]."""
    parts = kode.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def build_rows(lines: list[DocLine], accounts: dict[int, Account], names: dict[str, str]) -> list[DocRow]:
    """Account levels 1–6 with subtotals, then [#] kelompok and [-] keterangan with subtotals, then the items."""
    totals: dict[tuple[str, ...], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        kode = accounts[line.account_id].kode
        for prefix in account_prefixes(kode):
            totals[("a", prefix)] += line.total
        totals[("k", kode, line.kelompok)] += line.total
        totals[("t", kode, line.kelompok, line.keterangan)] += line.total
    rows: list[DocRow] = []
    printed: set[str] = set()
    current: tuple[str, str, str] | None = None
    for line in lines:
        account = accounts[line.account_id]
        for level, prefix in enumerate(account_prefixes(account.kode), start=1):
            if prefix not in printed:
                printed.add(prefix)
                rows.append(DocRow(kind="account", kode=prefix, uraian=names.get(prefix, ""), level=level,
                                   total=totals[("a", prefix)]))
                current = None
        key = (account.kode, line.kelompok, line.keterangan)
        if current is None or current[:2] != key[:2]:
            if line.kelompok:
                rows.append(DocRow(kind="kelompok", kode="", uraian=f"[#] {line.kelompok}",
                                   total=totals[("k", account.kode, line.kelompok)]))
            current = None
        if current is None or current != key:
            if line.keterangan:
                rows.append(DocRow(kind="keterangan", kode="", uraian=f"[-] {line.keterangan}",
                                   total=totals[("t", *key)]))
            current = key
        rows.append(DocRow(kind="line", kode="", uraian=line.uraian, spesifikasi=line.spesifikasi,
                           koefisien=line.koefisien, satuan=line.satuan, harga=line.harga_satuan,
                           ppn=line.ppn_amount, total=line.total, undetailed=line.is_undetailed))
    return rows


def _month_label(first: int, last: int) -> str:
    return _("%(first)s s.d. %(last)s") % {"first": MONTHS[first - 1], "last": MONTHS[last - 1]}


def _program_names(subs: Iterable[SubActivityBudget]) -> dict[str, str]:
    """Names of the urusan, bidang, program and kegiatan of each sub-kegiatan (generic X.XX codes included)."""
    wanted: set[str] = set()
    for sub in subs:
        generic = sub.sub_kegiatan.kode
        for kode in (sub.kode, generic):
            wanted.update({kode[:1], kode[:4], kode[:7], kode[:12]})
    return dict(ProgramCode.objects.filter(kode__in=wanted).values_list("kode", "nama"))


def _name(names: dict[str, str], kode: str, generic: str, length: int) -> str:
    return names.get(kode[:length]) or names.get(generic[:length], "")


def _section_header(sub: SubActivityBudget, names: dict[str, str], sumber: str) -> list[tuple[str, str]]:
    generic = sub.sub_kegiatan.kode
    lokasi = ", ".join(region.nama for region in sub.lokasi.all()) or "—"
    target = f"{format_number(sub.target)} {sub.satuan}".strip() if sub.target is not None else sub.satuan
    return [
        (_("Urusan Pemerintahan"), f"{sub.kode[:1]} {_name(names, sub.kode, generic, 1)}"),
        (_("Bidang Urusan"), f"{sub.kode[:4]} {_name(names, sub.kode, generic, 4)}"),
        (_("Program"), f"{sub.kode[:7]} {_name(names, sub.kode, generic, 7)}"),
        (_("Kegiatan"), f"{sub.kode[:12]} {_name(names, sub.kode, generic, 12)}"),
        (_("Sub Kegiatan"), f"{sub.kode} {sub.nama}"),
        (_("Sumber Pendanaan"), sumber or "—"),
        (_("Lokasi"), lokasi),
        (_("Waktu Pelaksanaan"), _month_label(sub.bulan_mulai, sub.bulan_selesai)),
        (_("Keluaran Sub Kegiatan"), f"{sub.indikator or '—'}: {target or '—'}"),
    ]


def _signer_for(organisation: Organisation, jabatan: str) -> Signer:
    return Signer(jabatan=jabatan, nama=organisation.kepala_nama or "…………………………",
                  nip=organisation.kepala_nip or "…………………………")


def rka_document(*, organisation: Organisation, stage: Stage | None = None,
                 fiscal_year: FiscalYear | None = None, kind: str = "rka") -> RkaDocument:
    """Everything printed in the RKA-SKPD (or, with kind="dpa", the lines of a DPA-SKPD) of one agency."""
    source = line_source(fiscal_year=fiscal_year, stage=stage, organisation=organisation)
    fy = source.fiscal_year
    lines = list(iter_lines(organisation=organisation, stage=stage, fiscal_year=fiscal_year))
    account_ids = {line.account_id for line in lines}
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=account_ids).only("kode", "nama")}
    prefixes = {p for a in accounts.values() for p in account_prefixes(a.kode)}
    names = dict(Account.objects.filter(kode__in=prefixes).values_list("kode", "nama"))
    sumber_names = dict(SumberDana.objects.filter(
        pk__in={line.sumber_dana_id for line in lines if line.sumber_dana_id}).values_list("pk", "nama"))
    sub_ids = {line.sub_activity_id for line in lines if line.sub_activity_id}
    subs = {s.pk: s for s in SubActivityBudget.objects.filter(pk__in=sub_ids)
            .select_related("sub_kegiatan", "sumber_dana").prefetch_related("lokasi")}
    program_names = _program_names(subs.values())
    bidang_kode = organisation.bidang_urusan.split(";")[0] if organisation.bidang_urusan else ""
    header_names = dict(ProgramCode.objects.filter(kode__in={bidang_kode, bidang_kode[:1]})
                        .values_list("kode", "nama"))
    title = _("Rencana Kerja dan Anggaran Satuan Kerja Perangkat Daerah") if kind == "rka" else _(
        "Dokumen Pelaksanaan Anggaran Satuan Kerja Perangkat Daerah")
    doc = RkaDocument(kind=kind, title=title, pemda=organisation.pemda, fiscal_year=fy, stage=source.stage,
                      organisation=organisation, urusan=(bidang_kode[:1], header_names.get(bidang_kode[:1], "")),
                      bidang=(bidang_kode, header_names.get(bidang_kode, "")), line_count=len(lines))
    by_sub: dict[int | None, list[DocLine]] = defaultdict(list)
    pendapatan: list[DocLine] = []
    penerimaan: list[DocLine] = []
    pengeluaran: list[DocLine] = []
    for line in lines:
        kode = accounts[line.account_id].kode
        if line.akun == "4":
            pendapatan.append(line)
        elif line.akun == "6":
            (penerimaan if kode.startswith("6.1") else pengeluaran).append(line)
        else:
            by_sub[line.sub_activity_id].append(line)

    def key(line: DocLine) -> tuple[str, str, str, int]:
        return (accounts[line.account_id].kode, line.kelompok, line.keterangan, line.pk)

    for group, attr, label in ((pendapatan, "pendapatan", _("Pendapatan Daerah")),
                               (penerimaan, "pembiayaan_penerimaan", _("Penerimaan Pembiayaan")),
                               (pengeluaran, "pembiayaan_pengeluaran", _("Pengeluaran Pembiayaan"))):
        if group:
            group.sort(key=key)
            setattr(doc, attr, Section(title=label, rows=build_rows(group, accounts, names),
                                       total=sum((line.total for line in group), ZERO), line_count=len(group)))
    doc.total_pendapatan = doc.pendapatan.total if doc.pendapatan else ZERO
    doc.total_penerimaan = doc.pembiayaan_penerimaan.total if doc.pembiayaan_penerimaan else ZERO
    doc.total_pengeluaran = doc.pembiayaan_pengeluaran.total if doc.pembiayaan_pengeluaran else ZERO
    ordered = sorted(by_sub.items(), key=lambda item: (item[1][0].sub_kegiatan_kode, item[0] or 0))
    for sub_id, group in ordered:
        group.sort(key=key)
        sub = subs.get(sub_id) if sub_id else None
        default_sumber = sub.sumber_dana.nama if sub is not None and sub.sumber_dana is not None else ""
        sumber = ", ".join(sorted({sumber_names[line.sumber_dana_id] if line.sumber_dana_id else default_sumber
                                   for line in group} - {""}))
        section = Section(title=_("Rincian Belanja Sub Kegiatan"), kode=group[0].sub_kegiatan_kode,
                          nama=sub.nama if sub else "", sub=sub,
                          header=_section_header(sub, program_names, sumber) if sub else [],
                          rows=build_rows(group, accounts, names),
                          total=sum((line.total for line in group), ZERO), line_count=len(group))
        doc.sections.append(section)
    doc.total_belanja = sum((s.total for s in doc.sections), ZERO)
    doc.ringkasan = [row for row in build_rows(sorted(lines, key=key), accounts, names)
                     if row.kind == "account" and row.level <= 3]
    doc.signers = [_signer_for(organisation, _("Kepala %(org)s") % {"org": organisation.nama})]
    doc.place = place_name(organisation.pemda)
    doc.date = timezone.localdate()
    return doc


def place_name(pemda: Pemda) -> str:
    """Where documents are signed: the regency or city name without "Kabupaten"/"Kota" (Banyuwangi)."""
    name = pemda.region.nama if pemda.region_id else pemda.nama
    for prefix in ("pemerintah ", "kabupaten ", "kab. ", "kota "):
        if name.lower().startswith(prefix):
            name = name[len(prefix):]
    return name.title() if name.isupper() else name


def dpa_document(dpa: Dpa) -> RkaDocument:
    """The DPA-SKPD: the lines of the DPA's stage plus the cash plan per sub-kegiatan × account, and signature
    blocks of the agency head and the PPKD."""
    doc = rka_document(organisation=dpa.organisation, stage=dpa.stage, kind="dpa")
    doc.nomor = dpa.nomor
    plans = list(CashPlan.objects.filter(dpa=dpa).select_related("account").order_by("sub_activity_id",
                                                                                      "account__kode"))
    by_sub: dict[int | None, list[CashPlan]] = defaultdict(list)
    for plan in plans:
        by_sub[plan.sub_activity_id].append(plan)
    all_months = [ZERO] * 12
    for section in doc.sections:
        section_plans = by_sub.get(section.sub.pk if section.sub else None, [])
        section.cash = [CashRow(account_kode=p.account.kode, account_nama=p.account.nama, total=p.total,
                                months=p.months) for p in section_plans]
        months = [ZERO] * 12
        for plan in section_plans:
            for index, value in enumerate(plan.months):
                months[index] += value
                all_months[index] += value
        section.cash_months = months
    doc.cash_months = all_months
    ppkd = Organisation.objects.filter(pemda_id=dpa.pemda_id, is_ppkd=True).first()
    if ppkd is not None:
        approver = _signer_for(ppkd, _("Pejabat Pengelola Keuangan Daerah"))
    else:
        approver = Signer(jabatan=_("Pejabat Pengelola Keuangan Daerah"), nama="…………………………", nip="…………………………")
    approver.caption = _("Mengesahkan,")
    doc.signers = [approver, _signer_for(dpa.organisation, _("Kepala %(org)s") % {"org": dpa.organisation.nama})]
    return doc
