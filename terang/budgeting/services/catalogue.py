"""Writes of the standard price catalogue (SSH, HSPK, ASB, SBU): import, price-change proposals with evidence, and
applying approved changes from their date.

Every function here is the one door for its change: it checks permission and scope, validates, writes, and appends
the audit records in the same transaction. Proposal status changes go through the workflow engine
(terang.core.workflow.transition with PRICE_PROPOSAL_WORKFLOW); nothing here assigns `status`.

Lock order: fiscal year row → catalogue items (import); proposal row (engine) → price change → item (approval and
scheduled application); audit chain heads last (terang.audit.services).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from terang.accounts.permissions import require
from terang.audit.events import EventType
from terang.audit.services import ChangeEntry, record_change, record_changes_bulk, record_event, snapshot
from terang.core.errors import ApplicationError, ConflictError, NotFoundError
from terang.core.money import format_rupiah, to_decimal
from terang.core.workflow import transition
from terang.reference import codes
from terang.reference.models import Account
from terang.reference.selectors import accounts_for_version

from ..choices import CatalogueKind, FiscalYearStatus, ProposalKind, ProposalStatus
from ..importers.catalogue_columns import (
    KNOWN_COLUMNS,
    REQUIRED_COLUMNS,
    CatalogueFile,
    CatalogueRow,
    is_blank,
    normalize_header,
    zone_of_price_column,
)
from ..models import FiscalYear, PriceChange, PriceItem, PriceProposal, PriceProposalEvidence

ACCOUNT_COLUMN = "kode_rekening_2026"
ACCOUNT_SEPARATORS = re.compile(r"[,;\r\n]+")
# SIPD kelompok codes (domain.md §2.5): 1 = SSH, 2 = HSPK, 3 = ASB, 4 = SBU
KIND_BY_TEXT = {
    "1": CatalogueKind.SSH, "2": CatalogueKind.HSPK, "3": CatalogueKind.ASB, "4": CatalogueKind.SBU,
    **{str(k): CatalogueKind(k) for k in CatalogueKind.values},
}
MAX_PRICE = Decimal("1e18")  # DecimalField(max_digits=20, decimal_places=2)
CENT = Decimal("0.01")
THROUGH = PriceItem.allowed_accounts.through
BATCH = 1000


def _lengths() -> dict[str, int]:
    meta = PriceItem._meta
    return {name: meta.get_field(name).max_length for name in  # type: ignore[misc]
            ("kode", "kode_kelompok", "nama_kelompok", "nama", "satuan", "zone", "source_id")}


# --- import ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRowError:
    """One problem of an import file: row number as a spreadsheet shows it (None: the whole file) and column."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return _("Baris %(row)s, kolom %(column)s: %(message)s") % {
                "row": self.row, "column": self.column, "message": self.message}
        return _("Baris %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass(frozen=True)
class ImportItemChange:
    """What an import does (or would do) to one item: create it, or change some of its fields."""

    row: int
    kode: str
    zone: str
    nama: str
    action: str  # "create" | "update"
    fields: tuple[str, ...] = ()
    old_harga: Decimal | None = None
    new_harga: Decimal | None = None


@dataclass
class ImportReport:
    """Outcome of one catalogue import. `errors` non-empty means nothing was saved."""

    fiscal_year: str
    account_version: str
    source: str = ""
    rows_read: int = 0
    items_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    price_changes: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    changes: list[ImportItemChange] = field(default_factory=list)
    errors: list[ImportRowError] = field(default_factory=list)
    dry_run: bool = False
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def messages(self) -> list[str]:
        return [str(e) for e in self.errors]

    def summary(self) -> str:
        if self.errors:
            return _("%(n)s masalah ditemukan; tidak ada yang disimpan.") % {"n": len(self.errors)}
        values = {"rows": self.rows_read, "created": self.created, "updated": self.updated,
                  "unchanged": self.unchanged, "fy": self.fiscal_year}
        if self.dry_run:
            return _("Uji coba %(fy)s: %(rows)s baris terbaca; %(created)s komponen baru, %(updated)s berubah, "
                     "%(unchanged)s tetap akan disimpan.") % values
        return _("Tersimpan ke standar harga %(fy)s: %(rows)s baris; %(created)s komponen baru, %(updated)s "
                 "diperbarui, %(unchanged)s tetap.") % values


@dataclass
class _Parsed:
    row: int
    kind: str
    kode: str
    zone: str
    kode_kelompok: str
    nama_kelompok: str
    nama: str
    spesifikasi: str
    satuan: str
    harga: Decimal
    source_id: str
    account_ids: tuple[int, ...]

    def values(self) -> dict[str, Any]:
        return {"kind": self.kind, "kode_kelompok": self.kode_kelompok, "nama_kelompok": self.nama_kelompok,
                "nama": self.nama, "spesifikasi": self.spesifikasi, "satuan": self.satuan, "harga": self.harga,
                "source_id": self.source_id, "is_active": True}


@dataclass
class _Update:
    item: PriceItem
    parsed: _Parsed
    old_accounts: set[int]
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    @property
    def accounts_changed(self) -> bool:
        return self.old_accounts != set(self.parsed.account_ids)

    @property
    def added_accounts(self) -> list[int]:
        return sorted(set(self.parsed.account_ids) - self.old_accounts)

    @property
    def makes_price_change(self) -> bool:
        return "harga" in self.before or bool(self.added_accounts)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


def _spec(value: Any) -> str:
    text = _text(value)
    return "" if text in ("-", "–") else text


def _price(value: Any, *, row: int, column: str, errors: list[ImportRowError]) -> Decimal | None:
    if is_blank(value):
        errors.append(ImportRowError(row, column, _("wajib diisi.")))
        return None
    try:
        amount = to_decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        errors.append(ImportRowError(row, column, _("'%(value)s' bukan angka.") % {"value": _text(value)}))
        return None
    if not amount.is_finite():
        errors.append(ImportRowError(row, column, _("'%(value)s' bukan angka.") % {"value": _text(value)}))
        return None
    if amount <= 0:
        errors.append(ImportRowError(row, column, _("harga harus lebih dari 0.")))
        return None
    if amount != amount.quantize(CENT):
        errors.append(ImportRowError(row, column, _("harga paling banyak 2 angka desimal.")))
        return None
    if amount >= MAX_PRICE:
        errors.append(ImportRowError(row, column, _("harga terlalu besar.")))
        return None
    return amount.quantize(CENT)


def _kind(value: Any, default: str | None, *, row: int, errors: list[ImportRowError]) -> str | None:
    text = _text(value).lower()
    if not text:
        return default or CatalogueKind.SSH
    kind = KIND_BY_TEXT.get(text)
    if kind is None:
        errors.append(ImportRowError(row, "jenis", _("'%(value)s' bukan jenis standar (ssh, hspk, asb, sbu atau "
                                                     "1–4).") % {"value": _text(value)}))
        return None
    return str(kind)


def _rows_from_mappings(rows: Iterable[Mapping[str, Any]]) -> CatalogueFile:
    result = CatalogueFile()
    columns: list[str] = []
    for number, mapping in enumerate(rows, start=2):
        cells = {normalize_header(k): v for k, v in mapping.items()}
        for name in cells:
            if name not in columns:
                columns.append(name)
        if all(is_blank(v) for v in cells.values()):
            continue
        result.rows.append(CatalogueRow(number=number, cells=cells))
    result.columns = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing and result.rows:
        result.errors.append(_("Kolom wajib tidak ada: %(cols)s.") % {"cols": ", ".join(missing)})
    return result


def _load_accounts(version_code: str) -> dict[str, int]:
    """{canonical kode: pk} of the postable accounts valid in the version (one query)."""
    return dict(accounts_for_version(version_code, postable_only=True).values_list("kode", "pk"))


def _parse_accounts(
    value: Any, *, row: int, postable: dict[str, int], errors: list[ImportRowError],
    missing: list[tuple[int, str, str]],
) -> tuple[int, ...] | None:
    tokens = [t.strip() for t in ACCOUNT_SEPARATORS.split(_text(value)) if t.strip()]
    if not tokens:
        errors.append(ImportRowError(row, ACCOUNT_COLUMN, _("wajib diisi (paling sedikit satu rekening).")))
        return None
    ids: list[int] = []
    ok = True
    for token in tokens:
        try:
            canonical = codes.normalize_account_code(token)
        except codes.InvalidCodeError:
            errors.append(ImportRowError(row, ACCOUNT_COLUMN, _("kode rekening '%(kode)s' tidak valid.")
                                         % {"kode": token}))
            ok = False
            continue
        pk = postable.get(canonical)
        if pk is None:
            missing.append((row, token, canonical))
            ok = False
            continue
        if pk not in ids:
            ids.append(pk)
    return tuple(sorted(ids)) if ok else None


def _missing_account_errors(missing: list[tuple[int, str, str]], version_code: str) -> list[ImportRowError]:
    if not missing:
        return []
    wanted = sorted({canonical for _row, _token, canonical in missing})
    not_postable: set[str] = set()
    for start in range(0, len(wanted), 500):
        not_postable |= set(accounts_for_version(version_code).filter(
            kode__in=wanted[start:start + 500], is_postable=False).values_list("kode", flat=True))
    out = []
    for row, token, canonical in missing:
        if canonical in not_postable:
            message = _("rekening %(kode)s bukan rekening rincian (sub rincian objek) sehingga tidak dapat "
                        "dianggarkan.") % {"kode": token}
        else:
            message = _("rekening %(kode)s tidak ada di versi %(versi)s.") % {"kode": token, "versi": version_code}
        out.append(ImportRowError(row, ACCOUNT_COLUMN, message))
    return out


def _parse_rows(
    parsed_file: CatalogueFile, *, version_code: str, kind_default: str | None
) -> tuple[list[_Parsed], list[ImportRowError]]:
    """Validate every row (no writes); returns the items (zones expanded) and every problem, in row order."""
    errors: list[ImportRowError] = []
    missing: list[tuple[int, str, str]] = []
    postable = _load_accounts(version_code)
    lengths = _lengths()
    zone_columns = [(c, z) for c in parsed_file.columns if (z := zone_of_price_column(c))]
    items: list[_Parsed] = []
    seen: dict[tuple[str, str], int] = {}
    text_columns = (
        ("kode_barang", "kode", True), ("uraian_barang", "nama", True), ("satuan", "satuan", True),
        ("kode_kelompok_barang", "kode_kelompok", False), ("uraian_kelompok_barang", "nama_kelompok", False),
        ("id_standar_harga", "source_id", False), ("zona", "zone", False),
    )
    for record in parsed_file.rows:
        cells, row = record.cells, record.number
        before = len(errors) + len(missing)
        values: dict[str, str] = {}
        for column, name, required in text_columns:
            text = _text(cells.get(column))
            if required and not text:
                errors.append(ImportRowError(row, column, _("wajib diisi.")))
            elif len(text) > lengths[name]:
                errors.append(ImportRowError(row, column, _("paling panjang %(max)s karakter.")
                                             % {"max": lengths[name]}))
            values[name] = text
        kind = _kind(cells.get("jenis"), kind_default, row=row, errors=errors)
        harga = _price(cells.get("harga_satuan"), row=row, column="harga_satuan", errors=errors)
        zone_prices: list[tuple[str, str, Decimal | None]] = []
        for column, zone in zone_columns:
            value = cells.get(column)
            if not is_blank(value):
                zone_prices.append((column, zone, _price(value, row=row, column=column, errors=errors)))
        account_ids = _parse_accounts(cells.get(ACCOUNT_COLUMN), row=row, postable=postable, errors=errors,
                                      missing=missing)
        if len(errors) + len(missing) > before or kind is None or harga is None or account_ids is None:
            continue
        variants = [(values["zone"], harga, "kode_barang")]
        variants += [(zone, price, column) for column, zone, price in zone_prices if price is not None]
        for zone, price, column in variants:
            key = (values["kode"], zone)
            if key in seen:
                label = values["kode"] + (_(" zona %(zona)s") % {"zona": zone} if zone else "")
                errors.append(ImportRowError(row, column, _("kode %(kode)s sudah ada di baris %(first)s.")
                                             % {"kode": label, "first": seen[key]}))
                continue
            seen[key] = row
            items.append(_Parsed(
                row=row, kind=kind, kode=values["kode"], zone=zone, kode_kelompok=values["kode_kelompok"],
                nama_kelompok=values["nama_kelompok"], nama=values["nama"],
                spesifikasi=_spec(cells.get("spesifikasi")), satuan=values["satuan"], harga=price,
                source_id=values["source_id"], account_ids=account_ids,
            ))
    errors.extend(_missing_account_errors(missing, version_code))
    errors.sort(key=lambda e: (e.row or 0, KNOWN_COLUMNS.index(e.column) if e.column in KNOWN_COLUMNS else 99))
    return items, errors


def _require_writable(fiscal_year: FiscalYear) -> None:
    if fiscal_year.status == FiscalYearStatus.CLOSED:
        raise ApplicationError(_("Tahun anggaran %(tahun)s sudah ditutup; standar harganya tidak dapat diubah.")
                               % {"tahun": fiscal_year.tahun}, code="fiscal_year_closed")


@transaction.atomic
def catalogue_import(
    *,
    actor: Any,
    fiscal_year: FiscalYear,
    rows: Iterable[Mapping[str, Any]] | None = None,
    path: str | Path | None = None,
    kind_default: str | None = None,
    dry_run: bool = False,
    source_name: str = "",
) -> ImportReport:
    """Import a standard price catalogue (SIPD export layout, CSV or Excel) into one fiscal year, all or nothing.

    Every row is validated first; when any row has a problem nothing is written and the report lists every problem
    by row and column. Items are matched on (kode, zona): existing ones are updated (a PriceChange for each item
    whose price changed or that gained accounts; the import's change record holds every updated item's before and
    after), new ones are bulk-created. One CATALOGUE_IMPORTED event with the counts. `actor=None` is the system
    (management command); otherwise the actor needs `catalogue.import` over the fiscal year's pemda.
    """
    if actor is not None:
        require(actor, "catalogue.import", fiscal_year.pemda)
    if (rows is None) == (path is None):
        raise ValueError("give exactly one of rows or path")
    if kind_default and kind_default not in CatalogueKind.values:
        raise ApplicationError(_("Jenis standar '%(kind)s' tidak dikenal.") % {"kind": kind_default},
                               field="jenis")
    fiscal_year = FiscalYear.objects.select_for_update(of=("self",)).select_related(
        "account_version", "pemda").get(pk=fiscal_year.pk)
    _require_writable(fiscal_year)
    version_code = fiscal_year.account_version.kode
    report = ImportReport(fiscal_year=str(fiscal_year), account_version=version_code, dry_run=dry_run)
    digest = ""
    if path is not None:
        from ..importers.catalogue_excel import read_catalogue_file

        report.source = source_name or Path(path).name
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        parsed_file = read_catalogue_file(path)
    else:
        report.source = source_name
        parsed_file = _rows_from_mappings(rows or [])
    report.rows_read = len(parsed_file.rows)
    if parsed_file.errors:
        report.errors = [ImportRowError(None, None, message) for message in parsed_file.errors]
        return report
    if not parsed_file.rows:
        report.errors = [ImportRowError(None, None, _("Tidak ada baris data."))]
        return report
    items, errors = _parse_rows(parsed_file, version_code=version_code, kind_default=kind_default)
    report.items_read = len(items)
    if errors:
        report.errors = errors
        return report

    existing = {(i.kode, i.zone): i for i in PriceItem.objects.select_for_update().filter(fiscal_year=fiscal_year)}
    current_accounts: dict[int, set[int]] = {}
    for item_id, account_id in THROUGH.objects.filter(priceitem__fiscal_year=fiscal_year).values_list(
            "priceitem_id", "account_id"):
        current_accounts.setdefault(item_id, set()).add(account_id)

    to_create: list[tuple[PriceItem, _Parsed]] = []
    to_update: list[_Update] = []
    for parsed in items:
        report.by_kind[parsed.kind] = report.by_kind.get(parsed.kind, 0) + 1
        item = existing.get((parsed.kode, parsed.zone))
        if item is None:
            to_create.append((PriceItem(fiscal_year=fiscal_year, pemda_id=fiscal_year.pemda_id, kode=parsed.kode,
                                        zone=parsed.zone, **parsed.values()), parsed))
            report.changes.append(ImportItemChange(row=parsed.row, kode=parsed.kode, zone=parsed.zone,
                                                   nama=parsed.nama, action="create", new_harga=parsed.harga))
            continue
        update = _Update(item=item, parsed=parsed, old_accounts=current_accounts.get(item.pk, set()))
        for name, value in parsed.values().items():
            if getattr(item, name) != value:
                update.before[name], update.after[name] = getattr(item, name), value
        if not update.before and not update.accounts_changed:
            report.unchanged += 1
            continue
        to_update.append(update)
        changed = tuple(update.before) + (("allowed_accounts",) if update.accounts_changed else ())
        report.changes.append(ImportItemChange(
            row=parsed.row, kode=parsed.kode, zone=parsed.zone, nama=parsed.nama, action="update", fields=changed,
            old_harga=item.harga, new_harga=parsed.harga))
    report.created = len(to_create)
    report.updated = len(to_update)
    report.price_changes = sum(1 for u in to_update if u.makes_price_change)
    if dry_run:
        return report

    today = timezone.localdate()
    # new items and their accounts
    created = PriceItem.objects.bulk_create([item for item, _p in to_create], batch_size=BATCH)
    THROUGH.objects.bulk_create(
        [THROUGH(priceitem_id=item.pk, account_id=account_id)
         for item, (_i, parsed) in zip(created, to_create, strict=True) for account_id in parsed.account_ids],
        batch_size=BATCH * 2,
    )
    # updated items: one bulk_update per set of changed fields (a re-import usually changes prices only)
    by_fields: dict[tuple[str, ...], list[PriceItem]] = {}
    for update in to_update:
        for name, value in update.after.items():
            setattr(update.item, name, value)
        if update.before:
            by_fields.setdefault(tuple(sorted(update.before)), []).append(update.item)
    for fields, objs in by_fields.items():
        PriceItem.objects.bulk_update(objs, list(fields), batch_size=BATCH // 2)
    bumped = [u.item.pk for u in to_update]
    for start in range(0, len(bumped), 500):
        PriceItem.objects.filter(pk__in=bumped[start:start + 500]).update(version=F("version") + 1)
    reset = [u.item.pk for u in to_update if u.accounts_changed]
    for start in range(0, len(reset), 500):
        THROUGH.objects.filter(priceitem_id__in=reset[start:start + 500]).delete()
    THROUGH.objects.bulk_create(
        [THROUGH(priceitem_id=u.item.pk, account_id=account_id)
         for u in to_update if u.accounts_changed for account_id in u.parsed.account_ids],
        batch_size=BATCH * 2,
    )
    # price history: a PriceChange per item whose price changed or that gained accounts
    with_change = [u for u in to_update if u.makes_price_change]
    created_changes = PriceChange.objects.bulk_create(
        [PriceChange(item=u.item, pemda_id=u.item.pemda_id, old_harga=u.before.get("harga"),
                     new_harga=u.after.get("harga"), effective_from=today, applied=True) for u in with_change],
        batch_size=BATCH)
    change_through = PriceChange.added_accounts.through
    change_through.objects.bulk_create(
        [change_through(pricechange_id=change.pk, account_id=account_id)
         for change, u in zip(created_changes, with_change, strict=True) for account_id in u.added_accounts],
        batch_size=BATCH * 2,
    )
    account_ids = {pk for u in to_update if u.accounts_changed for pk in (*u.old_accounts, *u.parsed.account_ids)}
    kode_of = dict(Account.objects.filter(pk__in=account_ids).values_list("pk", "kode")) if account_ids else {}
    reason = _("Impor standar harga %(source)s") % {"source": report.source or "-"}
    before_items: dict[str, dict[str, Any]] = {}
    after_items: dict[str, dict[str, Any]] = {}
    for u in to_update:
        if u.accounts_changed:
            u.before["allowed_accounts"] = sorted(kode_of[pk] for pk in u.old_accounts)
            u.after["allowed_accounts"] = sorted(kode_of[pk] for pk in u.parsed.account_ids)
        before_items[str(u.item.pk)] = u.before
        after_items[str(u.item.pk)] = {"kode": u.item.kode, "zona": u.item.zone, **u.after}
    payload = {"source": report.source, "sha256": digest, "rows": report.rows_read, "items": report.items_read,
               "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
               "price_changes": report.price_changes, "by_kind": report.by_kind}
    # One change record per updated item (so an item's history shows the import), appended in bulk with a single
    # move of the audit chain head, then one record for the whole import.
    record_changes_bulk(entries=[
        ChangeEntry(action="update", instance=u.item, before=u.before, after=after_items[str(u.item.pk)],
                    reason=reason)
        for u in to_update
    ], actor=actor)
    record_change(action="import", instance=fiscal_year, before={"items": before_items},
                  after={**payload, "updated_items": after_items}, reason=reason, actor=actor)
    record_event(event_type=EventType.CATALOGUE_IMPORTED, instance=fiscal_year, payload=payload, actor=actor)
    report.saved = True
    return report


# --- proposals -----------------------------------------------------------------------------------------------------


@dataclass
class ProposalInput:
    """What an agency fills in for a price proposal. Accounts are codes in any known width."""

    kind: str
    alasan: str = ""
    item: PriceItem | None = None
    catalogue_kind: str = ""
    kode: str = ""
    kode_kelompok: str = ""
    nama: str = ""
    spesifikasi: str = ""
    satuan: str = ""
    harga: Decimal | str | None = None
    accounts: Sequence[str] = ()
    effective_from: date | None = None


EDITABLE_STATUSES = (ProposalStatus.DRAFT,)
PROPOSAL_FIELDS = ("kind", "item_id", "catalogue_kind", "kode", "kode_kelompok", "nama", "spesifikasi", "satuan",
                   "harga", "alasan", "effective_from")


def _proposal_values(data: ProposalInput, fiscal_year: FiscalYear) -> tuple[dict[str, Any], list[Account]]:
    """Validate the proposal form (types, references, lengths); completeness is checked when it is submitted."""
    if data.kind not in ProposalKind.values:
        raise ApplicationError(_("Jenis usulan tidak dikenal."), field="kind")
    alasan = (data.alasan or "").strip()
    if not alasan:
        raise ApplicationError(_("Alasan dan dasar harga wajib diisi."), field="alasan")
    item = data.item
    if data.kind == ProposalKind.NEW_ITEM:
        item = None
    elif item is not None and item.fiscal_year_id != fiscal_year.pk:
        raise ApplicationError(_("Komponen tidak ada di standar harga tahun anggaran ini."), field="item")
    catalogue_kind = (data.catalogue_kind or "").strip()
    if catalogue_kind and catalogue_kind not in CatalogueKind.values:
        raise ApplicationError(_("Jenis standar tidak dikenal."), field="catalogue_kind")
    harga: Decimal | None = None
    if data.harga not in (None, ""):
        try:
            harga = to_decimal(data.harga)
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise ApplicationError(_("'%(value)s' bukan angka.") % {"value": data.harga}, field="harga") from exc
        if not harga.is_finite() or harga <= 0:
            raise ApplicationError(_("Harga harus lebih dari 0."), field="harga")
        if harga != harga.quantize(CENT) or harga >= MAX_PRICE:
            raise ApplicationError(_("Harga paling banyak 2 angka desimal dan kurang dari 10^18."), field="harga")
        harga = harga.quantize(CENT)
    lengths = {n: PriceProposal._meta.get_field(n).max_length for n in ("kode", "kode_kelompok", "nama", "satuan")}
    values: dict[str, Any] = {
        "kind": data.kind, "item": item, "catalogue_kind": catalogue_kind if data.kind == ProposalKind.NEW_ITEM
        else (item.kind if item else ""), "alasan": alasan, "harga": harga, "effective_from": data.effective_from,
    }
    for name in ("kode", "kode_kelompok", "nama", "spesifikasi", "satuan"):
        text = (getattr(data, name) or "").strip()
        if data.kind != ProposalKind.NEW_ITEM:
            text = ""  # the item carries its own name and code
        if name in lengths and len(text) > lengths[name]:
            raise ApplicationError(_("%(field)s paling panjang %(max)s karakter.")
                                   % {"field": name, "max": lengths[name]}, field=name)
        values[name] = text
    if data.kind == ProposalKind.NEW_ACCOUNT:
        values["harga"] = None
    accounts = _proposal_accounts(data.accounts, fiscal_year) if data.kind != ProposalKind.NEW_PRICE else []
    return values, accounts


def _proposal_accounts(tokens: Sequence[str], fiscal_year: FiscalYear) -> list[Account]:
    version = fiscal_year.account_version.kode
    wanted: list[str] = []
    for token in tokens:
        for part in ACCOUNT_SEPARATORS.split(token or ""):
            part = part.strip()
            if not part:
                continue
            try:
                canonical = codes.normalize_account_code(part)
            except codes.InvalidCodeError as exc:
                raise ApplicationError(_("Kode rekening '%(kode)s' tidak valid.") % {"kode": part},
                                       field="accounts") from exc
            if canonical not in wanted:
                wanted.append(canonical)
    found = {a.kode: a for a in accounts_for_version(version, postable_only=True).filter(kode__in=wanted)}
    for canonical in wanted:
        if canonical not in found:
            raise ApplicationError(
                _("Rekening %(kode)s tidak ada di versi %(versi)s atau bukan rekening rincian.")
                % {"kode": canonical, "versi": version}, field="accounts")
    return [found[c] for c in wanted]


def proposal_problems(proposal: PriceProposal) -> list[str]:
    """What is missing before a proposal may be submitted or approved (empty: complete)."""
    problems: list[str] = []
    kind = proposal.kind
    accounts = list(proposal.accounts.all())
    evidence = proposal.evidence.count()
    if kind == ProposalKind.NEW_ITEM:
        for name, label in (("catalogue_kind", _("jenis standar")), ("nama", _("uraian")), ("satuan", _("satuan"))):
            if not getattr(proposal, name):
                problems.append(_("%(field)s wajib diisi.") % {"field": label.capitalize()})
        if proposal.harga is None:
            problems.append(_("Harga usulan wajib diisi."))
        if not accounts:
            problems.append(_("Paling sedikit satu rekening wajib diisi."))
        if proposal.kode and PriceItem.objects.filter(fiscal_year_id=proposal.fiscal_year_id, kode=proposal.kode,
                                                      zone="").exclude(pk=proposal.item_id or 0).exists():
            problems.append(_("Kode barang %(kode)s sudah ada di standar harga.") % {"kode": proposal.kode})
    else:
        item = proposal.item
        if item is None:
            problems.append(_("Komponen yang diusulkan wajib dipilih."))
        elif kind == ProposalKind.NEW_PRICE:
            if proposal.harga is None:
                problems.append(_("Harga usulan wajib diisi."))
            elif proposal.harga == item.harga and proposal.status in (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED):
                problems.append(_("Harga usulan sama dengan harga saat ini (%(harga)s).")
                                % {"harga": format_rupiah(item.harga)})
        elif kind == ProposalKind.NEW_ACCOUNT:
            if not accounts:
                problems.append(_("Paling sedikit satu rekening wajib diisi."))
            elif proposal.status == ProposalStatus.DRAFT:
                allowed = set(item.allowed_accounts.values_list("pk", flat=True))
                if all(a.pk in allowed for a in accounts):
                    problems.append(_("Semua rekening yang diusulkan sudah diizinkan untuk komponen ini."))
    if kind in (ProposalKind.NEW_ITEM, ProposalKind.NEW_PRICE) and not evidence:
        problems.append(_("Lampirkan paling sedikit satu bukti (survei harga, penawaran, foto)."))
    return problems


def _lock_proposal(proposal: PriceProposal | int) -> PriceProposal:
    pk = proposal if isinstance(proposal, int) else proposal.pk
    obj = PriceProposal.objects.select_for_update(of=("self",)).select_related(
        "fiscal_year__account_version").filter(pk=pk).first()
    if obj is None:
        raise NotFoundError()
    return obj


def _proposal_snapshot(proposal: PriceProposal) -> dict[str, Any]:
    data = snapshot(proposal, exclude=("created_at", "updated_at"))
    data["accounts"] = sorted(proposal.accounts.values_list("kode", flat=True))
    return data


@transaction.atomic
def price_proposal_create(
    *,
    actor: Any,
    fiscal_year: FiscalYear,
    organisation: Any,
    data: ProposalInput,
    evidence: Sequence[Any] = (),
) -> PriceProposal:
    """An agency drafts a proposal (new item, new price or new allowed account), optionally with evidence files."""
    require(actor, "catalogue.propose", organisation)
    if organisation.pemda_id != fiscal_year.pemda_id:
        raise NotFoundError()
    _require_writable(fiscal_year)
    values, accounts = _proposal_values(data, fiscal_year)
    proposal = PriceProposal(fiscal_year=fiscal_year, pemda_id=fiscal_year.pemda_id, organisation=organisation,
                             created_by=actor, **values)
    proposal.full_clean(exclude=["status"])
    proposal.save()
    proposal.accounts.set(accounts)
    record_change(action="create", instance=proposal, after=_proposal_snapshot(proposal), actor=actor)
    _add_evidence_files(actor=actor, proposal=proposal, files=evidence)
    return proposal


def _add_evidence_files(*, actor: Any, proposal: PriceProposal, files: Sequence[Any]) -> None:
    """Attach several files; when one is refused, the files already stored for this call are removed again
    (the transaction rolls the rows back)."""
    stored: list[PriceProposalEvidence] = []
    try:
        for upload in files:
            stored.append(price_proposal_evidence_add(actor=actor, proposal=proposal, file=upload))
    except Exception:
        for row in stored:
            row.file.delete(save=False)
        raise


@transaction.atomic
def price_proposal_update(
    *, actor: Any, proposal: PriceProposal | int, data: ProposalInput, expected_version: int,
    evidence: Sequence[Any] = (),
) -> PriceProposal:
    """The agency revises its draft (and may attach more files). A stale version is refused (ConflictError),
    nothing is overwritten."""
    obj = _lock_proposal(proposal)
    require(actor, "catalogue.propose", obj)
    if obj.status not in EDITABLE_STATUSES:
        raise ApplicationError(_("Usulan berstatus “%(status)s” tidak dapat diubah.")
                               % {"status": obj.get_status_display()}, code="not_editable")
    if obj.version != expected_version:
        raise ConflictError(
            _("Usulan sudah diubah orang lain (versi %(current)s, Anda membuka versi %(expected)s). Muat ulang "
              "halaman lalu ulangi.") % {"current": obj.version, "expected": expected_version},
            details={"current_version": obj.version})
    before = _proposal_snapshot(obj)
    values, accounts = _proposal_values(data, obj.fiscal_year)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.version += 1
    obj.full_clean(exclude=["status"])
    obj.save()
    obj.accounts.set(accounts)
    after = _proposal_snapshot(obj)
    changed = {k for k in after if before.get(k) != after.get(k)}
    record_change(action="update", instance=obj, before={k: before.get(k) for k in sorted(changed)},
                  after={k: after[k] for k in sorted(changed)}, actor=actor)
    _add_evidence_files(actor=actor, proposal=obj, files=evidence)
    return obj


def price_proposal_transition(
    *, actor: Any, proposal: PriceProposal | int, to_status: str, reason: str = "",
    expected_version: int | None = None,
) -> PriceProposal:
    """Submit, approve (administrator, then TAPD) or reject a proposal through the workflow engine."""
    from ..workflows_catalogue import PRICE_PROPOSAL_WORKFLOW

    pk = proposal if isinstance(proposal, int) else proposal.pk
    obj = transition(workflow=PRICE_PROPOSAL_WORKFLOW, obj_or_pk=pk, to_status=to_status, actor=actor,
                     reason=reason, expected_version=expected_version)
    return obj  # type: ignore[return-value]


# --- evidence ------------------------------------------------------------------------------------------------------

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_FILES = 10
EVIDENCE_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def sniff_evidence_type(upload: Any) -> str | None:
    """The file type by its content (first bytes; for xlsx also the zip directory), or None when not allowed."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


def _file_size(upload: Any) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
        upload.seek(0)
    return int(size)


@transaction.atomic
def price_proposal_evidence_add(
    *, actor: Any, proposal: PriceProposal | int, file: Any, description: str = ""
) -> PriceProposalEvidence:
    """Attach a supporting file (PDF, JPG, PNG or XLSX by content, at most 10 MB) to a draft proposal.

    The stored name is the file's SHA-256 with the extension of its real type; the original name is kept as the
    description when none is given.
    """
    obj = _lock_proposal(proposal)
    require(actor, "catalogue.propose", obj)
    if obj.status not in EDITABLE_STATUSES:
        raise ApplicationError(_("Bukti hanya dapat ditambahkan selama usulan masih draf."), code="not_editable",
                               field="file")
    original = Path(getattr(file, "name", "") or "berkas").name
    size = _file_size(file)
    if size == 0:
        raise ApplicationError(_("Berkas %(name)s kosong.") % {"name": original}, field="file")
    if size > EVIDENCE_MAX_BYTES:
        raise ApplicationError(_("Berkas %(name)s lebih besar dari 10 MB.") % {"name": original}, field="file",
                               code="file_too_large")
    kind = sniff_evidence_type(file)
    if kind is None:
        raise ApplicationError(
            _("Isi berkas %(name)s bukan PDF, JPG, PNG atau XLSX.") % {"name": original}, field="file",
            code="file_type_not_allowed")
    if obj.evidence.count() >= EVIDENCE_MAX_FILES:
        raise ApplicationError(_("Paling banyak %(n)s bukti per usulan.") % {"n": EVIDENCE_MAX_FILES},
                               field="file")
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    sha = digest.hexdigest()
    if obj.evidence.filter(sha256=sha).exists():
        raise ApplicationError(_("Berkas %(name)s sudah dilampirkan.") % {"name": original}, field="file",
                               code="duplicate_file")
    evidence = PriceProposalEvidence(proposal=obj, sha256=sha, uploaded_by=actor,
                                     description=((description or "").strip() or original)[:255])
    evidence.file.save(f"{sha[:32]}.{kind}", File(file), save=False)
    try:
        evidence.save()
        record_change(action="create", instance=evidence, pemda=obj.pemda_id,
                      after=snapshot(evidence, exclude=("uploaded_at",)), actor=actor)
    except Exception:
        evidence.file.delete(save=False)  # no orphan file when the row cannot be written
        raise
    return evidence


@transaction.atomic
def price_proposal_evidence_delete(*, actor: Any, evidence: PriceProposalEvidence | int) -> None:
    """Remove a supporting file from a draft proposal (audited; the stored file is deleted after commit)."""
    pk = evidence if isinstance(evidence, int) else evidence.pk
    row = PriceProposalEvidence.objects.filter(pk=pk).select_related("proposal").first()
    if row is None:
        raise NotFoundError()
    obj = _lock_proposal(row.proposal_id)
    require(actor, "catalogue.propose", obj)
    if obj.status not in EDITABLE_STATUSES:
        raise ApplicationError(_("Bukti hanya dapat dihapus selama usulan masih draf."), code="not_editable")
    before = snapshot(row, exclude=("uploaded_at",))
    name = row.file.name
    row.delete()
    record_change(action="delete", instance=obj, object_type=PriceProposalEvidence._meta.label_lower,
                  object_id=pk, object_repr=before.get("description") or name, before=before, actor=actor)
    storage = row.file.storage
    transaction.on_commit(lambda: storage.delete(name))


# --- approved changes ------------------------------------------------------------------------------------------------


def _item_state(item: PriceItem) -> dict[str, Any]:
    return {"harga": item.harga, "is_active": item.is_active,
            "allowed_accounts": sorted(item.allowed_accounts.values_list("kode", flat=True))}


def _apply_change(change: PriceChange, *, actor: Any) -> PriceChange:
    """Apply one locked, not yet applied change to its item (audited)."""
    item = PriceItem.objects.select_for_update().get(pk=change.item_id)
    before = _item_state(item)
    fields = ["version"]
    activating = not item.is_active  # a new item approved ahead of its date
    if change.new_harga is not None:
        change.old_harga = None if activating else item.harga  # the price it really replaces, at its date
        item.harga = change.new_harga
        fields.append("harga")
    if activating:
        item.is_active = True
        fields.append("is_active")
    added = list(change.added_accounts.all())
    if added:
        item.allowed_accounts.add(*added)
    item.version += 1
    item.save(update_fields=fields)
    change.applied = True
    change.save(update_fields=["applied", "old_harga"])
    after = _item_state(item)
    reason = (_("Usulan standar harga #%(pk)s berlaku mulai %(date)s")
              % {"pk": change.proposal_id, "date": change.effective_from.isoformat()}) if change.proposal_id else ""
    record_change(action="update", instance=item, before=before, after=after, reason=reason, actor=actor)
    record_event(event_type=EventType.PRICE_CHANGE_APPLIED, instance=change, actor=actor, payload={
        "item": item.pk, "kode": item.kode, "proposal": change.proposal_id,
        "effective_from": change.effective_from.isoformat(), "old_harga": change.old_harga,
        "new_harga": change.new_harga, "added_accounts": [a.kode for a in added]})
    return change


def price_change_for_proposal(*, proposal: PriceProposal, actor: Any, today: date | None = None) -> PriceChange:
    """Turn an approved proposal (locked by the workflow engine) into a PriceChange from its date.

    A new item is created at once (inactive until its date when the date lies ahead). The change is applied
    immediately when its date has come, otherwise left scheduled for `price_change_apply_due`.
    """
    today = today or timezone.localdate()
    effective = proposal.effective_from or today
    accounts = list(proposal.accounts.all())
    if proposal.kind == ProposalKind.NEW_ITEM:
        kode = proposal.kode or f"USULAN.{proposal.fiscal_year.tahun}.{proposal.pk:05d}"
        if PriceItem.objects.filter(fiscal_year_id=proposal.fiscal_year_id, kode=kode, zone="").exists():
            raise ApplicationError(_("Kode barang %(kode)s sudah ada di standar harga.") % {"kode": kode},
                                   code="duplicate_item", field="kode")
        item = PriceItem.objects.create(
            fiscal_year_id=proposal.fiscal_year_id, pemda_id=proposal.pemda_id, kind=proposal.catalogue_kind,
            kode=kode, kode_kelompok=proposal.kode_kelompok, nama=proposal.nama, spesifikasi=proposal.spesifikasi,
            satuan=proposal.satuan, harga=proposal.harga, valid_from=effective, is_active=False)
        record_change(action="create", instance=item, after=snapshot(item), actor=actor,
                      reason=_("Usulan standar harga #%(pk)s disetujui") % {"pk": proposal.pk})
        proposal.item = item
        change = PriceChange.objects.create(item=item, pemda_id=proposal.pemda_id, proposal=proposal,
                                            old_harga=None, new_harga=proposal.harga, effective_from=effective)
    elif proposal.kind == ProposalKind.NEW_PRICE:
        item = PriceItem.objects.select_for_update().get(pk=proposal.item_id)
        change = PriceChange.objects.create(item=item, pemda_id=proposal.pemda_id, proposal=proposal,
                                            old_harga=item.harga, new_harga=proposal.harga,
                                            effective_from=effective)
    else:
        item = PriceItem.objects.select_for_update().get(pk=proposal.item_id)
        allowed = set(item.allowed_accounts.values_list("pk", flat=True))
        accounts = [a for a in accounts if a.pk not in allowed]
        change = PriceChange.objects.create(item=item, pemda_id=proposal.pemda_id, proposal=proposal,
                                            effective_from=effective)
    if accounts:
        change.added_accounts.set(accounts)
    if effective <= today:
        _apply_change(change, actor=actor)
        proposal.applied_at = timezone.now()
    return change


@transaction.atomic
def price_change_apply_due(*, today: date, actor: Any = None) -> int:
    """Apply every scheduled change whose date has come (all pemda), oldest first; returns how many were applied.

    Idempotent: an applied change is marked and never applied again; rows are locked so two runs cannot both
    apply one change. Meant for the daily background task `terang.budgeting.tasks.apply_due_price_changes`.
    """
    due = list(PriceChange.objects.select_for_update().filter(applied=False, effective_from__lte=today)
               .order_by("effective_from", "pk"))
    now = timezone.now()
    for change in due:
        _apply_change(change, actor=actor)
        if change.proposal_id:
            PriceProposal.objects.filter(pk=change.proposal_id, applied_at__isnull=True).update(applied_at=now)
    return len(due)
