"""Tables behind every export: the columns (with kinds, so Excel writes numbers as numbers) and the rows.

One definition per table feeds both writers (excel.py, csv.py): RKA lines of an agency, DPA cash plans, and each
APBD summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from terang.reference.models import Account, SumberDana

from .. import summaries
from ..choices import LineType
from ..models import CashPlan, Dpa, FiscalYear, Stage
from ..models.dpa import MONTH_FIELDS
from ..services.dpa import MONTH_NAMES
from .data import iter_lines

TEXT, MONEY, NUMBER, INTEGER, BOOLEAN = "text", "money", "number", "integer", "boolean"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    width: int = 14


@dataclass
class Table:
    """A titled table: `rows` yields tuples in column order (may be a generator, read once)."""

    title: str
    subtitle: str
    columns: list[Column]
    rows: Iterable[tuple[Any, ...]]
    sheet: str = "Data"


def _stage_label(stage: Stage | None) -> str:
    return stage.nama if stage is not None else _("Data terkini (belum dibekukan)")


# --- RKA lines ---------------------------------------------------------------------------------------------------


def rka_lines_table(*, organisation: Any, stage: Stage | None = None,
                    fiscal_year: FiscalYear | None = None) -> Table:
    """Every line of one agency, flat: sub-kegiatan, account, group, note, item, koefisien, unit, price, PPN, total."""
    columns = [
        Column("sub_kegiatan_kode", _("Kode sub kegiatan"), width=20),
        Column("sub_kegiatan", _("Sub kegiatan"), width=36),
        Column("kode_rekening", _("Kode rekening"), width=20),
        Column("rekening", _("Nama rekening"), width=36),
        Column("kelompok", _("Kelompok [#]"), width=20),
        Column("keterangan", _("Keterangan [-]"), width=20),
        Column("jenis_baris", _("Jenis baris"), width=12),
        Column("uraian", _("Uraian"), width=36),
        Column("spesifikasi", _("Spesifikasi"), width=30),
        Column("koefisien", _("Koefisien"), width=24),
        Column("volume", _("Volume"), NUMBER, 10),
        Column("satuan", _("Satuan"), width=10),
        Column("harga_satuan", _("Harga satuan"), MONEY, 16),
        Column("ppn", _("PPN"), MONEY, 14),
        Column("jumlah", _("Jumlah"), MONEY, 18),
        Column("sumber_dana", _("Sumber dana"), width=30),
    ]
    fy = stage.fiscal_year if stage is not None else fiscal_year
    return Table(
        title=_("Rincian RKA-SKPD %(org)s") % {"org": organisation.nama},
        subtitle=_("%(pemda)s · Tahun Anggaran %(tahun)s · %(stage)s")
        % {"pemda": organisation.pemda.nama, "tahun": fy.tahun if fy else "", "stage": _stage_label(stage)},
        columns=columns, rows=_rka_rows(organisation=organisation, stage=stage, fiscal_year=fiscal_year),
        sheet="RKA")


def _rka_rows(*, organisation: Any, stage: Stage | None, fiscal_year: FiscalYear | None) -> Iterator[tuple[Any, ...]]:
    from ..models import SubActivityBudget

    accounts = {pk: (kode, nama) for pk, kode, nama in Account.objects.values_list("pk", "kode", "nama")}
    sumber = dict(SumberDana.objects.values_list("pk", "nama"))
    sub_names = dict(SubActivityBudget.objects.filter(organisation=organisation).values_list("pk", "nama"))
    labels = dict(LineType.choices)
    for line in iter_lines(organisation=organisation, stage=stage, fiscal_year=fiscal_year):
        yield (line.sub_kegiatan_kode, sub_names.get(line.sub_activity_id, ""),
               *accounts.get(line.account_id, ("", "")), line.kelompok,
               line.keterangan, str(labels.get(line.line_type, line.line_type)), line.uraian, line.spesifikasi,
               line.koefisien, line.volume, line.satuan, line.harga_satuan, line.ppn_amount, line.total,
               sumber.get(line.sumber_dana_id, "") if line.sumber_dana_id else "")


# --- DPA cash plan -----------------------------------------------------------------------------------------------


def dpa_cash_table(*, dpa: Dpa) -> Table:
    """One row per cash plan (sub-kegiatan × account): total, the twelve months and the difference."""
    columns = [
        Column("sub_kegiatan_kode", _("Kode sub kegiatan"), width=20),
        Column("sub_kegiatan", _("Sub kegiatan"), width=36),
        Column("kode_rekening", _("Kode rekening"), width=20),
        Column("rekening", _("Nama rekening"), width=36),
        Column("anggaran", _("Anggaran"), MONEY, 18),
        *[Column(field, MONTH_NAMES[i], MONEY, 15) for i, field in enumerate(MONTH_FIELDS)],
        Column("jumlah_kas", _("Jumlah anggaran kas"), MONEY, 18),
        Column("selisih", _("Selisih"), MONEY, 14),
    ]

    def rows() -> Iterator[tuple[Any, ...]]:
        plans = CashPlan.objects.filter(dpa=dpa).select_related("account", "sub_activity").order_by(
            "sub_activity__kode", "account__kode")
        for plan in plans.iterator(chunk_size=1000):
            months = plan.months
            jumlah = sum(months, plan.total * 0)
            yield (plan.sub_activity.kode if plan.sub_activity else "", plan.sub_activity.nama if plan.sub_activity
                   else "", plan.account.kode, plan.account.nama, plan.total, *months, jumlah, jumlah - plan.total)

    return Table(title=_("Anggaran kas %(nomor)s") % {"nomor": dpa.nomor},
                 subtitle=_("%(org)s · %(stage)s") % {"org": dpa.organisation.nama, "stage": dpa.stage.nama},
                 columns=columns, rows=rows(), sheet="Anggaran kas")


# --- summaries ---------------------------------------------------------------------------------------------------

def summary_columns(kind: str) -> list[Column]:
    belanja = [Column("belanja_operasi", _("Belanja operasi"), MONEY, 18),
               Column("belanja_modal", _("Belanja modal"), MONEY, 18),
               Column("belanja_tidak_terduga", _("Belanja tidak terduga"), MONEY, 18),
               Column("belanja_transfer", _("Belanja transfer"), MONEY, 18),
               Column("belanja", _("Jumlah belanja"), MONEY, 18)]
    if kind == "akun":
        return [Column("kode", _("Kode"), width=12), Column("nama", _("Uraian"), width=50),
                Column("tingkat", _("Tingkat"), width=10), Column("total", _("Jumlah"), MONEY, 20)]
    if kind == "opd":
        return [Column("kode", _("Kode"), width=24), Column("nama", _("Perangkat daerah"), width=44),
                Column("pendapatan", _("Pendapatan"), MONEY, 18), *belanja,
                Column("penerimaan_pembiayaan", _("Penerimaan pembiayaan"), MONEY, 18),
                Column("pengeluaran_pembiayaan", _("Pengeluaran pembiayaan"), MONEY, 18)]
    if kind in ("urusan", "fungsi"):
        extra = [Column("inferred", _("Pemetaan disimpulkan"), BOOLEAN, 12)] if kind == "fungsi" else []
        return [Column("kode", _("Kode"), width=10), Column("nama", _("Uraian"), width=50),
                Column("level", _("Tingkat"), INTEGER, 8), *belanja, *extra]
    if kind == "opd_akun_sumber":
        return [Column("organisation_kode", _("Kode perangkat daerah"), width=24),
                Column("organisation_nama", _("Perangkat daerah"), width=40),
                Column("akun_kode", _("Kode rekening"), width=12), Column("akun_nama", _("Rekening"), width=36),
                Column("sumber_dana_kode", _("Kode sumber dana"), width=12),
                Column("sumber_dana_nama", _("Sumber dana"), width=36), Column("total", _("Jumlah"), MONEY, 20)]
    raise KeyError(kind)


def summary_table(kind: str, *, stage: Stage | None = None, fiscal_year: FiscalYear | None = None) -> Table:
    """One APBD summary as a table (rows computed now; summaries are small)."""
    rows = summaries.summary(kind, fiscal_year=fiscal_year, stage=stage)
    columns = summary_columns(kind)
    fy = stage.fiscal_year if stage is not None else fiscal_year
    data = [row.as_dict() for row in rows]
    return Table(title=str(summaries.SUMMARY_KINDS[kind]),
                 subtitle=_("%(pemda)s · Tahun Anggaran %(tahun)s · %(stage)s")
                 % {"pemda": fy.pemda.nama if fy else "", "tahun": fy.tahun if fy else "",
                    "stage": _stage_label(stage)},
                 columns=columns, rows=[tuple(item[c.key] for c in columns) for item in data], sheet=kind)
