"""RKA lines as Excel (openpyxl write-only, constant memory): the import layout plus computed columns and totals,
and the import template with the agency's allowed codes.

Numbers are written as numbers (Decimal) with a rupiah or volume format, so the sheet sums and sorts; codes are
written as text. An exported sheet imports back unchanged (the totals row starts with "JUMLAH", which the importer
skips; the computed columns are ignored).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from terang.org.models import Organisation
from terang.reference.models import Account

from ..choices import LineType
from ..models import BudgetLine, FiscalYear, PriceItem
from ..services.rka_import import TEMPLATE_COLUMNS, TOTALS_MARKER

COMPUTED_COLUMNS = ("koefisien", "volume", "satuan", "ppn_rp", "jumlah")
RUPIAH_FORMAT = '"Rp" #,##0;-"Rp" #,##0'
RUPIAH_CENTS_FORMAT = '"Rp" #,##0.00;-"Rp" #,##0.00'
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00##"
MONEY_COLUMNS = {"harga_satuan", "ppn_rp", "jumlah"}
NUMBER_COLUMNS = {"vol1", "vol2", "vol3", "vol4", "volume"}
WIDTHS = {"kode_sub_kegiatan": 20, "kode_rekening": 19, "kelompok": 22, "keterangan": 22, "jenis_baris": 13,
          "kode_komponen": 24, "uraian": 36, "spesifikasi": 28, "harga_satuan": 15, "sumber_dana": 11,
          "koefisien": 30, "jumlah": 18, "ppn_rp": 14}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE7F5")


def _number_format(column: str, value: Any) -> str | None:
    if not isinstance(value, Decimal):
        return None
    whole = value == value.to_integral_value()
    if column in MONEY_COLUMNS:
        return RUPIAH_FORMAT if whole else RUPIAH_CENTS_FORMAT
    if column in NUMBER_COLUMNS:
        return INTEGER_FORMAT if whole else DECIMAL_FORMAT
    return None


def _row(ws: Any, columns: Iterable[str], values: dict[str, Any], *, bold: bool = False) -> list[Any]:
    cells = []
    for column in columns:
        value = values.get(column)
        if isinstance(value, Decimal):
            value = value.normalize() if value == value.to_integral_value() else value
            value = Decimal(int(value)) if value == value.to_integral_value() else value
        cell = WriteOnlyCell(ws, value=value if value not in (None, "") else None)
        fmt = _number_format(column, value)
        if fmt:
            cell.number_format = fmt
        if bold:
            cell.font = HEADER_FONT
        cells.append(cell)
    return cells


def _header(ws: Any, columns: Iterable[str]) -> list[Any]:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cells.append(cell)
    return cells


def _widths(ws: Any, columns: tuple[str, ...]) -> None:
    for index, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column, 9)


def line_record(line: BudgetLine) -> dict[str, Any]:
    """One line in the import layout plus the computed columns."""
    undetailed = line.line_type == LineType.UNDETAILED
    return {
        "kode_sub_kegiatan": line.sub_activity.kode if line.sub_activity is not None else "",
        "kode_rekening": line.account.kode,
        "kelompok": line.kelompok,
        "keterangan": line.keterangan,
        "jenis_baris": "belum_dirinci" if undetailed else "rincian",
        "kode_komponen": line.price_item.kode if line.price_item is not None else "",
        "uraian": line.uraian,
        "spesifikasi": line.spesifikasi,
        "vol1": line.vol1, "sat1": line.sat1, "vol2": line.vol2, "sat2": line.sat2,
        "vol3": line.vol3, "sat3": line.sat3, "vol4": line.vol4, "sat4": line.sat4,
        "harga_satuan": line.harga_satuan,
        "ppn": "ya" if line.ppn else "tidak",
        "sumber_dana": line.sumber_dana.kode if line.sumber_dana is not None else "",
        "koefisien": "" if undetailed else line.koefisien,
        "volume": line.volume,
        "satuan": line.satuan,
        "ppn_rp": line.ppn_amount,
        "jumlah": line.total,
    }


def write_rka_lines(*, lines: QuerySet[BudgetLine], target: str | Path | IO[bytes], title: str = "") -> dict[str, Any]:
    """Write `lines` (any scoped queryset) to `target`; returns the number of lines and their total."""
    columns = TEMPLATE_COLUMNS + COMPUTED_COLUMNS
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("RKA")
    _widths(ws, columns)
    ws.freeze_panes = "A2"
    ws.append(_header(ws, columns))
    qs = (lines.select_related("sub_activity", "account", "price_item", "sumber_dana")
          .order_by("sub_activity__kode", "account__kode", "kelompok", "keterangan", "pk"))
    count = 0
    totals = {"4": Decimal(0), "5": Decimal(0), "6": Decimal(0)}
    for line in qs.iterator(chunk_size=2000):
        ws.append(_row(ws, columns, line_record(line)))
        count += 1
        totals[line.akun] = totals.get(line.akun, Decimal(0)) + line.total
    ws.append([])
    labels = {"5": _("belanja"), "4": _("pendapatan"), "6": _("pembiayaan")}
    for akun in ("5", "4", "6"):
        if totals[akun]:
            ws.append(_row(ws, columns, {"kode_sub_kegiatan": TOTALS_MARKER, "kode_rekening": labels[akun],
                                         "jumlah": totals[akun]}, bold=True))
    if title:
        info = wb.create_sheet(_("Keterangan"))
        info.append([title])
        info.append([_("Jumlah baris"), count])
    wb.save(target)
    return {"lines": count, "totals": totals}


def template_accounts(fiscal_year: FiscalYear, organisation: Organisation) -> list[Account]:
    """Postable belanja accounts some catalogue item of the year allows, plus revenue (and financing for the PPKD)."""
    from terang.reference.selectors import accounts_for_version

    belanja_ids = PriceItem.objects.filter(fiscal_year=fiscal_year, is_active=True).values("allowed_accounts")
    cond = Q(pk__in=belanja_ids) | Q(kode__startswith="4.")
    if organisation.is_ppkd:
        cond |= Q(kode__startswith="6.")
    return list(accounts_for_version(fiscal_year.account_version.kode, postable_only=True).filter(cond)
                .order_by("kode"))


def write_rka_template(*, fiscal_year: FiscalYear, organisation: Organisation,
                       target: str | Path | IO[bytes]) -> None:
    """The import template: the layout with one example row, and the agency's sub-kegiatan, accounts and catalogue
    items of the year on further sheets."""
    from ..forms import agency_sub_kegiatan_options

    columns = TEMPLATE_COLUMNS
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("RKA")
    _widths(ws, columns)
    ws.append(_header(ws, columns))
    options = agency_sub_kegiatan_options(organisation, fiscal_year)
    items = list(PriceItem.objects.filter(fiscal_year=fiscal_year, is_active=True)
                 .prefetch_related(Prefetch("allowed_accounts", queryset=Account.objects.only("pk", "kode")))
                 .order_by("kode"))
    example = next((i for i in items if i.allowed_accounts.all()), None)
    if example is not None:
        ws.append(_row(ws, columns, {
            "kode_sub_kegiatan": options[0]["kode"] if options else "", "kode_rekening":
            example.allowed_accounts.all()[0].kode, "kelompok": _("Belanja ATK"), "keterangan": _("Rapat koordinasi"),
            "jenis_baris": "rincian", "kode_komponen": example.kode, "uraian": example.nama, "vol1": Decimal(10),
            "sat1": _("Orang"), "vol2": Decimal(2), "sat2": _("Kali"), "harga_satuan": example.harga, "ppn": "tidak",
        }))
    sheet = wb.create_sheet(_("Sub kegiatan"))
    sheet.append(_header(sheet, ("kode_sub_kegiatan", "nama", "indikator", "satuan")))
    for option in options:
        sheet.append([option["kode"], option["nama"], option["indikator"], option["satuan"]])
    sheet = wb.create_sheet(_("Rekening"))
    sheet.append(_header(sheet, ("kode_rekening", "nama")))
    for account in template_accounts(fiscal_year, organisation):
        sheet.append([account.kode, account.nama])
    sheet = wb.create_sheet(_("Komponen"))
    sheet.append(_header(sheet, ("kode_komponen", "nama", "spesifikasi", "satuan", "harga_satuan",
                                 "rekening_diizinkan")))
    for item in items:
        sheet.append(_row(sheet, ("kode_komponen", "nama", "spesifikasi", "satuan", "harga_satuan",
                                  "rekening_diizinkan"), {
            "kode_komponen": item.kode, "nama": item.nama, "spesifikasi": item.spesifikasi, "satuan": item.satuan,
            "harga_satuan": item.harga, "rekening_diizinkan": ", ".join(a.kode for a in item.allowed_accounts.all()),
        }))
    sheet = wb.create_sheet(_("Petunjuk"))
    for line in (
        _("Isi satu baris per rincian di lembar RKA. Kolom wajib: kode_sub_kegiatan (kosong untuk pendapatan/"
          "pembiayaan) dan kode_rekening (tingkat 6)."),
        _("jenis_baris: 'rincian' (komponen standar harga) atau 'belum_dirinci' (dana dicadangkan; isi harga_satuan "
          "dengan jumlahnya)."),
        _("kode_komponen: dari lembar Komponen; komponen harus mengizinkan rekening baris itu."),
        _("vol1..vol4 dan sat1..sat4: koefisien, mis. 10 Orang x 2 Hari x 1 Kali."),
        _("harga_satuan: kosong = harga standar; tidak boleh melebihi harga standar. ppn: ya/tidak."),
        _("Impor bersifat semua atau tidak sama sekali; setiap kesalahan dilaporkan per baris dan kolom."),
    ):
        sheet.append([line])
    wb.save(target)
