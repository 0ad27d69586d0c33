"""RKA line entry: sub-kegiatan budgets and their lines, priced from the catalogue, inside the ceilings.

Every write here:
- checks the actor's permission and scope (`budget.edit_lines` over the agency);
- checks that input is allowed now (an open stage window, or an unexpired reopening for the agency);
- locks, in a fixed order (sub-kegiatan rows, the stage share lock, ceilings by pk, the audit chains), the
  ceilings the change touches and re-sums under the lock through the one shared rule
  (`services.ceilings.ceilings_check`), so parallel savers can never push a total above a ceiling;
- refuses stale edits (optimistic `version`), showing both versions;
- records a change record and a domain event (LINE_CREATED/UPDATED/DELETED) in the same transaction.

`line_create_many` is the door for many new lines at once (the RKA importer): every row is validated by the same
rule function, errors are collected with the row index, the ceilings are locked once and checked against the
totals after all rows, the lines are bulk-inserted with one change record each and ONE event for the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from terang.accounts.permissions import require
from terang.audit.events import EventType
from terang.audit.services import ChangeEntry, record_change, record_changes_bulk, record_event, snapshot
from terang.core.errors import ApplicationError, ConflictError
from terang.core.money import format_rupiah
from terang.org.models import Organisation
from terang.reference import codes
from terang.reference.models import Account, SumberDana
from terang.reference.selectors import sub_kegiatan_by_kode

from ..calc import line_amounts
from ..choices import LineType, StageStatus, SubActivityStatus
from ..models import BudgetLine, FiscalYear, PriceItem, Stage, SubActivityBudget
from .ceilings import CeilingDelta, ceilings_check, ceilings_require
from .flags import flags_refresh_soon

EDITABLE_SUB_ACTIVITY = (SubActivityStatus.DRAFT, SubActivityStatus.RETURNED)
LINE_FIELDS = (
    "account_id", "sumber_dana_id", "kelompok", "keterangan", "line_type", "price_item_id", "uraian", "spesifikasi",
    "vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4", "volume", "satuan", "harga_satuan", "ppn",
    "ppn_amount", "total", "penerima", "version",
)
# Relations the services resolve and check themselves; `clean_fields` skips them (no query per foreign key), and the
# value constraints (akun, belanja under a sub-kegiatan, non-negative amounts) are guaranteed by `_build_values` and
# enforced again by the database.
LINE_RELATIONS = ["line_key", "fiscal_year", "pemda", "organisation", "sub_activity", "account", "sumber_dana",
                  "price_item", "created_by", "updated_by"]


@dataclass
class LineInput:
    """What a user types for one line. Volumes and prices are Decimals (or text in Indonesian format)."""

    account: Account | str
    uraian: str = ""
    line_type: str = LineType.ITEM
    price_item: PriceItem | int | None = None
    spesifikasi: str = ""
    vol1: Any = 1
    sat1: str = ""
    vol2: Any = None
    sat2: str = ""
    vol3: Any = None
    sat3: str = ""
    vol4: Any = None
    sat4: str = ""
    satuan: str = ""
    harga_satuan: Any = None
    ppn: bool = False
    sumber_dana: SumberDana | str | None = None
    kelompok: str = ""
    keterangan: str = ""
    penerima: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- input window -----------------------------------------------------------------------------------------------


def editable_stage(*, fiscal_year: FiscalYear, organisation: Organisation, at: Any = None,
                   lock: bool = True) -> Stage:
    """The stage whose input window lets `organisation` edit now, or an ApplicationError saying why not.

    With `lock` (every write), on PostgreSQL the stage row is share-locked for the rest of the transaction, so a
    save cannot commit after a concurrent freeze (which locks the row for update) has taken its snapshot. Pages
    that only ask whether editing is possible pass `lock=False`.
    """
    from ..selectors_stages import input_window

    now = at or timezone.now()
    window = input_window(fiscal_year=fiscal_year, organisation=organisation, at=now)
    if window.allowed and window.stage is not None:
        if lock and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id FROM {Stage._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                               [window.stage.pk])
        return window.stage
    stage = next(iter(Stage.objects.filter(fiscal_year=fiscal_year, status=StageStatus.OPEN).order_by("sequence")),
                 None)
    if stage is not None:
        when = stage.closes_at if stage.closes_at and now >= stage.closes_at else stage.opens_at
        raise ApplicationError(
            _("Jendela input tahapan %(stage)s tidak sedang terbuka (%(when)s). Perubahan hanya lewat pembukaan "
              "kembali oleh pejabat berwenang.") % {"stage": stage.nama,
                                                    "when": timezone.localtime(when).strftime("%d-%m-%Y %H:%M")
                                                    if when else "-"},
            code="stage_closed",
        )
    raise ApplicationError(
        _("Tidak ada tahapan yang dibuka untuk TA %(tahun)s; input anggaran ditutup.") % {"tahun": fiscal_year.tahun},
        code="stage_closed",
    )


# --- sub-kegiatan -------------------------------------------------------------------------------------------------


@transaction.atomic
def sub_activity_create(
    *, actor: Any, fiscal_year: FiscalYear, organisation: Organisation, kode: str, **fields: Any
) -> SubActivityBudget:
    """Add a sub-kegiatan to an agency's RKA. Support-program codes are expanded to the agency's own bidang; other
    codes must belong to one of the agency's bidang urusan. Indicator and unit default to the nomenclature."""
    require(actor, "budget.edit_lines", organisation)
    if organisation.pemda_id != fiscal_year.pemda_id:
        raise ApplicationError(_("Perangkat daerah bukan milik pemda tahun anggaran ini."), code="wrong_pemda")
    editable_stage(fiscal_year=fiscal_year, organisation=organisation)
    code = sub_kegiatan_by_kode(kode, version_code=fiscal_year.program_version.kode)
    if code is None:
        raise ApplicationError(
            _("Sub kegiatan %(kode)s tidak ada di nomenklatur %(versi)s.")
            % {"kode": kode, "versi": fiscal_year.program_version.kode},
            code="unknown_sub_kegiatan", field="kode",
        )
    canonical = codes.normalize_program_code(kode)
    bidang_list = [b for b in organisation.bidang_urusan.split(";") if b]
    if code.is_support:
        if canonical.startswith("X"):
            canonical = codes.expand_support_code(code.kode, organisation.main_bidang)
        if canonical[:4] not in bidang_list:
            raise ApplicationError(
                _("Program penunjang harus memakai kode bidang perangkat daerah (%(bidang)s), bukan %(kode)s.")
                % {"bidang": ", ".join(bidang_list), "kode": canonical[:4]},
                code="wrong_bidang", field="kode",
            )
    elif canonical[:4] not in bidang_list:
        raise ApplicationError(
            _("Sub kegiatan %(kode)s termasuk bidang %(bidang)s yang bukan urusan %(opd)s (%(own)s).")
            % {"kode": canonical, "bidang": canonical[:4], "opd": organisation, "own": ", ".join(bidang_list)},
            code="wrong_bidang", field="kode",
        )
    lokasi = fields.pop("lokasi", None)
    values = {
        "nama": code.nama, "indikator": code.indikator, "satuan": code.satuan,
        **{k: v for k, v in fields.items() if v not in (None, "")},
    }
    sub = SubActivityBudget(fiscal_year=fiscal_year, pemda_id=fiscal_year.pemda_id, organisation=organisation,
                            sub_kegiatan=code, kode=canonical, **values)
    sub.full_clean()
    sub.save()
    if lokasi:
        sub.lokasi.set(lokasi)
    record_change(action="create", instance=sub, after=snapshot(sub), actor=actor)
    return sub


@transaction.atomic
def sub_activity_update(*, actor: Any, sub_activity: SubActivityBudget, expected_version: int,
                        **fields: Any) -> SubActivityBudget:
    """Change location, indicator/target, months, funding source or planning trace of a sub-kegiatan."""
    sub = SubActivityBudget.objects.select_for_update().get(pk=sub_activity.pk)
    require(actor, "budget.edit_lines", sub.organisation)
    _check_sub_editable(sub)
    editable_stage(fiscal_year=sub.fiscal_year, organisation=sub.organisation)
    if sub.version != expected_version:
        raise ConflictError(_("Sub kegiatan ini sudah diubah orang lain. Muat ulang lalu ulangi perubahan."),
                            details={"current": snapshot(sub), "current_version": sub.version,
                                     "yours": {k: None if v in (None, "") else str(v) for k, v in fields.items()}})
    before = snapshot(sub)
    lokasi = fields.pop("lokasi", None)
    allowed = {"indikator", "target", "satuan", "bulan_mulai", "bulan_selesai", "sumber_dana", "planning_trace"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(_("Kolom tidak dapat diubah: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for key, value in fields.items():
        setattr(sub, key, value)
    sub.version += 1
    sub.full_clean()
    sub.save()
    if lokasi is not None:
        sub.lokasi.set(lokasi)
    record_change(action="update", instance=sub, before=before, after=snapshot(sub), actor=actor)
    return sub


def _check_sub_editable(sub: SubActivityBudget) -> None:
    if sub.status not in EDITABLE_SUB_ACTIVITY:
        raise ApplicationError(
            _("Sub kegiatan %(kode)s berstatus %(status)s; rincian hanya dapat diubah saat draf atau dikembalikan.")
            % {"kode": sub.kode, "status": sub.get_status_display()},
            code="sub_activity_not_editable",
        )


# --- lines ----------------------------------------------------------------------------------------------------------


def _decimal(value: Any, field_name: str, *, required: bool = False) -> Decimal | None:
    from terang.core.money import to_decimal

    if value is None or value == "":
        if required:
            raise ApplicationError(_("Kolom %(f)s wajib diisi.") % {"f": field_name}, code="required", field=field_name)
        return None
    try:
        number = to_decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("Kolom %(f)s: '%(v)s' bukan angka.") % {"f": field_name, "v": value},
                               code="not_a_number", field=field_name) from exc
    if number < 0:
        raise ApplicationError(_("Kolom %(f)s tidak boleh negatif.") % {"f": field_name}, code="negative",
                               field=field_name)
    return number


class _Lookups:
    """Per-call caches for validating many rows against one fiscal year: accounts by code, catalogue items by
    (item, account) with the allowed-account check folded in, funding sources by code."""

    def __init__(self, fiscal_year: FiscalYear):
        self.fiscal_year = fiscal_year
        self._version_ids: list[int] | None = None
        self.accounts: dict[str, Account | None] = {}
        self.items: dict[tuple[int, int], PriceItem | None] = {}
        self.sumber: dict[str, SumberDana | None] = {}

    def version_ids(self) -> list[int]:
        if self._version_ids is None:
            self._version_ids = [v.pk for v in self.fiscal_year.account_version.lineage()]
        return self._version_ids

    def account(self, canonical: str) -> Account | None:
        if canonical not in self.accounts:
            self.accounts[canonical] = Account.objects.filter(kode=canonical,
                                                              versions__in=self.version_ids()).first()
        return self.accounts[canonical]

    def item(self, item_id: int, account: Account) -> PriceItem | None:
        """The active catalogue item of this fiscal year, annotated `allowed` (for `account`), in one query."""
        key = (item_id, account.pk)
        if key not in self.items:
            through = PriceItem.allowed_accounts.through
            self.items[key] = (PriceItem.objects.filter(pk=item_id, fiscal_year=self.fiscal_year, is_active=True)
                               .annotate(allowed=Exists(through.objects.filter(priceitem_id=OuterRef("pk"),
                                                                               account_id=account.pk)))
                               .first())
        return self.items[key]


def _resolve_account(lookups: _Lookups, account: Account | str) -> Account:
    fiscal_year = lookups.fiscal_year
    kode = account.kode if isinstance(account, Account) else str(account)
    try:
        canonical = codes.normalize_account_code(kode)
    except codes.InvalidCodeError as exc:
        raise ApplicationError(_("Kode rekening '%(k)s' tidak valid.") % {"k": kode}, code="invalid_account",
                               field="account") from exc
    found = lookups.account(canonical)
    if found is None:
        raise ApplicationError(
            _("Kode rekening %(k)s tidak ada di versi %(v)s.")
            % {"k": canonical, "v": fiscal_year.account_version.kode},
            code="unknown_account", field="account")
    if not found.is_postable:
        raise ApplicationError(
            _("Kode rekening %(k)s bukan sub rincian objek (tingkat 6); hanya tingkat 6 yang dapat dianggarkan.")
            % {"k": canonical}, code="account_not_postable", field="account")
    if found.kode[0] not in ("4", "5", "6"):
        raise ApplicationError(
            _("Kode rekening %(k)s bukan pendapatan, belanja atau pembiayaan (akun 4, 5 atau 6).") % {"k": canonical},
            code="wrong_akun", field="account")
    return found


def _resolve_sumber(value: SumberDana | str | None, default: SumberDana | None,
                    lookups: _Lookups | None = None) -> SumberDana | None:
    if value is None or value == "":
        return default
    if isinstance(value, SumberDana):
        return value
    from terang.reference.selectors import sumber_dana_by_kode

    kode = str(value)
    if lookups is not None and kode in lookups.sumber:
        found = lookups.sumber[kode]
    else:
        found = sumber_dana_by_kode(kode)
        if lookups is not None:
            lookups.sumber[kode] = found
    if found is None:
        raise ApplicationError(_("Sumber dana '%(k)s' tidak dikenal.") % {"k": value}, code="unknown_sumber_dana",
                               field="sumber_dana")
    return found


def _build_values(*, fiscal_year: FiscalYear, organisation: Organisation, sub: SubActivityBudget | None,
                  data: LineInput, lookups: _Lookups | None = None) -> dict[str, Any]:
    """The rule function for one line: account (level 6, of the year's version, right akun for the place), catalogue
    item allowed for the account and price at most the catalogue's, volumes and units, funding source, totals."""
    lookups = lookups or _Lookups(fiscal_year)
    account = _resolve_account(lookups, data.account)
    akun = account.kode[0]
    if akun == "5" and sub is None:
        raise ApplicationError(_("Belanja harus dicatat di bawah satu sub kegiatan."), code="needs_sub_activity")
    if akun != "5" and sub is not None:
        raise ApplicationError(_("Rekening %(k)s (pendapatan/pembiayaan) tidak dicatat di bawah sub kegiatan.")
                               % {"k": account.kode}, code="wrong_akun", field="account")
    if akun == "6" and not organisation.is_ppkd:
        raise ApplicationError(_("Pembiayaan (akun 6) hanya dianggarkan oleh PPKD."), code="financing_ppkd_only",
                               field="account")
    line_type = data.line_type or LineType.ITEM
    item: PriceItem | None = None
    if line_type == LineType.UNDETAILED:
        if akun != "5":
            raise ApplicationError(_("Baris 'belum dirinci' hanya untuk belanja."), code="undetailed_belanja_only")
        harga = _decimal(data.harga_satuan, "harga_satuan", required=True)
        vols = (Decimal(1), None, None, None)
        uraian = data.uraian or _("Belum dirinci")
        spesifikasi, satuan = data.spesifikasi, data.satuan or _("paket")
        ppn = False
    elif akun == "5":
        if data.price_item in (None, ""):
            raise ApplicationError(_("Rincian belanja harus memilih komponen dari standar harga."),
                                   code="price_item_required", field="price_item")
        item_id = data.price_item.pk if isinstance(data.price_item, PriceItem) else int(data.price_item)
        item = lookups.item(item_id, account)
        if item is None:
            raise ApplicationError(_("Komponen tidak ada di standar harga TA %(t)s.") % {"t": fiscal_year.tahun},
                                   code="unknown_price_item", field="price_item")
        if not item.allowed:
            raise ApplicationError(
                _("Komponen %(item)s tidak diizinkan untuk rekening %(acc)s %(nama)s.")
                % {"item": f"{item.kode} {item.nama}", "acc": account.kode, "nama": account.nama},
                code="item_not_allowed", field="price_item")
        harga = _decimal(data.harga_satuan, "harga_satuan")
        harga = item.harga if harga is None else harga
        if harga > item.harga:
            raise ApplicationError(
                _("Harga satuan %(h)s melebihi harga standar %(s)s untuk %(item)s.")
                % {"h": format_rupiah(harga), "s": format_rupiah(item.harga), "item": item.nama},
                code="price_above_catalogue", field="harga_satuan")
        vols = (
            _decimal(data.vol1, "vol1", required=True),
            _decimal(data.vol2, "vol2"), _decimal(data.vol3, "vol3"), _decimal(data.vol4, "vol4"),
        )
        uraian = data.uraian or item.nama
        spesifikasi = data.spesifikasi or item.spesifikasi
        satuan = item.satuan
        ppn = bool(data.ppn)
    else:  # revenue and financing: an amount, optionally as volume × price
        harga = _decimal(data.harga_satuan, "harga_satuan", required=True)
        vols = (_decimal(data.vol1, "vol1") or Decimal(1), _decimal(data.vol2, "vol2"), None, None)
        uraian = data.uraian or account.nama
        spesifikasi, satuan, ppn = data.spesifikasi, data.satuan, False
    vols = tuple(v.quantize(Decimal("0.0001")) if v is not None else None for v in vols)
    for index, (vol, sat) in enumerate(zip(vols, (data.sat1, data.sat2, data.sat3, data.sat4), strict=True), 1):
        if vol is None and sat:
            raise ApplicationError(_("Satuan %(i)s diisi tanpa volume %(i)s.") % {"i": index},
                                   code="unit_without_volume", field=f"vol{index}")
    amounts = line_amounts(vol1=vols[0], vol2=vols[1], vol3=vols[2], vol4=vols[3], harga_satuan=harga, ppn=ppn,
                           ppn_rate=fiscal_year.ppn_rate)
    sumber = _resolve_sumber(data.sumber_dana, sub.sumber_dana if sub else None, lookups)
    return {
        "account": account, "akun": akun, "sumber_dana": sumber, "kelompok": data.kelompok.strip(),
        "keterangan": data.keterangan.strip(), "line_type": line_type, "price_item": item, "uraian": uraian[:500],
        "spesifikasi": spesifikasi, "vol1": vols[0], "sat1": data.sat1, "vol2": vols[1], "sat2": data.sat2,
        "vol3": vols[2], "sat3": data.sat3, "vol4": vols[3], "sat4": data.sat4, "volume": amounts.volume,
        "satuan": satuan, "harga_satuan": harga, "ppn": ppn, "ppn_amount": amounts.ppn_amount,
        "total": amounts.total, "penerima": data.penerima,
    }


def _line_event(event_type: EventType, line: BudgetLine, actor: Any, sub: SubActivityBudget | None,
                before: Decimal | None, after: Decimal | None) -> None:
    record_event(event_type=event_type, instance=line, actor=actor, payload={
        "line_key": str(line.line_key), "sub_activity": sub.kode if sub is not None else None,
        "total_before": None if before is None else str(before), "total_after": None if after is None else str(after),
    })
    # the agency's red flags follow the saved lines in the background (debounced, after COMMIT only)
    flags_refresh_soon(line.fiscal_year_id, line.organisation_id)


def _clean_line(line: BudgetLine) -> None:
    """Field checks (lengths, digits) without a query per foreign key: the services resolved every relation."""
    line.clean_fields(exclude=LINE_RELATIONS)


@transaction.atomic
def line_create(*, actor: Any, data: LineInput, sub_activity: SubActivityBudget | None = None,
                organisation: Organisation | None = None) -> BudgetLine:
    """Add one line (belanja under a sub-kegiatan; pendapatan/pembiayaan under an agency)."""
    if sub_activity is not None:
        sub = SubActivityBudget.objects.select_for_update(of=("self",)).select_related(
            "fiscal_year__account_version", "organisation", "sumber_dana").get(pk=sub_activity.pk)
        organisation = sub.organisation
        fiscal_year = sub.fiscal_year
    else:
        if organisation is None:
            raise ApplicationError(_("Pilih sub kegiatan atau perangkat daerah."), code="missing_scope")
        sub = None
        fiscal_year = data.extra.get("fiscal_year")
        if fiscal_year is None:
            raise ApplicationError(_("Tahun anggaran wajib untuk pendapatan/pembiayaan."), code="missing_fiscal_year")
    require(actor, "budget.edit_lines", organisation)
    if sub is not None:
        _check_sub_editable(sub)
    editable_stage(fiscal_year=fiscal_year, organisation=organisation)
    values = _build_values(fiscal_year=fiscal_year, organisation=organisation, sub=sub, data=data)
    if values["akun"] == "5":
        ceilings_require(fiscal_year=fiscal_year, deltas=[
            CeilingDelta(organisation=organisation, amount=values["total"], sub=sub, sumber=values["sumber_dana"])])
    line = BudgetLine(fiscal_year=fiscal_year, pemda_id=fiscal_year.pemda_id, organisation=organisation,
                      sub_activity=sub, created_by=actor, updated_by=actor, **values)
    _clean_line(line)
    line.save(force_insert=True)
    record_change(action="create", instance=line, after=_line_state(line), actor=actor)
    _line_event(EventType.LINE_CREATED, line, actor, sub, None, line.total)
    return line


# --- many lines at once ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineIssue:
    """Why row `index` (0-based, in the order given) of a batch was refused; `index` None: the batch as a whole."""

    index: int | None
    field: str | None
    code: str
    message: str


class LineBatchError(ApplicationError):
    """A batch refused: every issue by row, and the rows that were valid (unsaved), so callers can report totals."""

    def __init__(self, issues: list[LineIssue], lines: list[BudgetLine]):
        self.issues = issues
        self.lines = lines
        codes_seen = {issue.code for issue in issues}
        if len(issues) == 1:
            issue = issues[0]
            message = issue.message if issue.index is None else _("Baris ke-%(n)s: %(msg)s") % {
                "n": issue.index + 1, "msg": issue.message}
        else:
            message = _("%(n)s kesalahan; tidak ada baris yang disimpan.") % {"n": len(issues)}
        super().__init__(message, code=codes_seen.pop() if len(codes_seen) == 1 else "invalid_rows", details={
            "kesalahan": [{"baris": None if i.index is None else i.index + 1, "kolom": i.field, "kode": i.code,
                           "pesan": i.message} for i in issues]})


def _issue(index: int | None, exc: Exception) -> LineIssue:
    if isinstance(exc, ApplicationError):
        return LineIssue(index, exc.field, exc.code, exc.message)
    assert isinstance(exc, ValidationError)
    if hasattr(exc, "error_dict"):
        name, errors = next(iter(exc.message_dict.items()))
        return LineIssue(index, name, "invalid", str(errors[0]))
    return LineIssue(index, None, "invalid", "; ".join(exc.messages))


@transaction.atomic
def line_create_many(*, actor: Any, fiscal_year: FiscalYear, organisation: Organisation,
                     items: Sequence[tuple[SubActivityBudget | None, LineInput]], reason: str = "",
                     event_type: EventType = EventType.LINE_CREATED, event_payload: dict[str, Any] | None = None,
                     dry_run: bool = False) -> list[BudgetLine]:
    """Add many lines of one agency at once, all or nothing (the RKA importer's door).

    Every row goes through `_build_values` (as `line_create`); errors are collected with the row index and raised
    together as a `LineBatchError` (with the valid rows, unsaved). The sub-kegiatan rows are locked (by pk), then
    the stage share lock, then the ceilings the batch touches ONCE (by pk) and checked against the totals after ALL
    rows (`ceilings_check`: one message per ceiling naming its amount and the excess, at the row that crossed it).
    The lines are bulk-inserted with one change record each (`record_changes_bulk`) and ONE domain event for the
    batch (`event_type`, default LINE_CREATED; `event_payload` adds to lines/total/agency/year). With `dry_run`,
    everything is checked and the unsaved lines are returned.
    """
    require(actor, "budget.edit_lines", organisation)
    if organisation.pemda_id != fiscal_year.pemda_id:
        raise ApplicationError(_("Perangkat daerah bukan milik pemda tahun anggaran ini."), code="wrong_pemda")
    if not items:
        raise ApplicationError(_("Tidak ada baris untuk disimpan."), code="no_lines")
    sub_ids = sorted({sub.pk for sub, _data in items if sub is not None})
    subs = {s.pk: s for s in SubActivityBudget.objects.select_for_update(of=("self",)).select_related("sumber_dana")
            .filter(pk__in=sub_ids, fiscal_year=fiscal_year, organisation=organisation).order_by("pk")}
    editable_stage(fiscal_year=fiscal_year, organisation=organisation)
    lookups = _Lookups(fiscal_year)
    issues: list[LineIssue] = []
    lines: list[BudgetLine] = []
    deltas: list[CeilingDelta] = []
    sub_problems: dict[int, ApplicationError | None] = {}
    for index, (given, data) in enumerate(items):
        try:
            sub = None
            if given is not None:
                sub = subs.get(given.pk)
                if sub is None:
                    raise ApplicationError(_("Sub kegiatan %(kode)s bukan milik RKA %(opd)s TA %(t)s.")
                                           % {"kode": given.kode, "opd": organisation, "t": fiscal_year.tahun},
                                           code="wrong_sub_activity", field="sub_activity")
                if sub.pk not in sub_problems:
                    try:
                        _check_sub_editable(sub)
                        sub_problems[sub.pk] = None
                    except ApplicationError as exc:
                        sub_problems[sub.pk] = exc
                if sub_problems[sub.pk] is not None:
                    raise sub_problems[sub.pk]
            values = _build_values(fiscal_year=fiscal_year, organisation=organisation, sub=sub, data=data,
                                   lookups=lookups)
            line = BudgetLine(fiscal_year=fiscal_year, pemda_id=fiscal_year.pemda_id, organisation=organisation,
                              sub_activity=sub, created_by=actor, updated_by=actor, **values)
            _clean_line(line)
        except (ApplicationError, ValidationError) as exc:
            issues.append(_issue(index, exc))
            continue
        lines.append(line)
        if values["akun"] == "5":
            deltas.append(CeilingDelta(organisation=organisation, amount=line.total, sub=sub,
                                       sumber=values["sumber_dana"], index=index))
    try:
        breaches = ceilings_check(fiscal_year=fiscal_year, deltas=deltas)
    except ApplicationError as exc:  # no agency ceiling
        issues.append(_issue(exc.details.get("index"), exc))
    else:
        issues.extend(_issue(b.index, b.error()) for b in breaches)
    if issues:
        issues.sort(key=lambda i: (-1 if i.index is None else i.index))
        raise LineBatchError(issues, lines)
    if dry_run:
        return lines
    BudgetLine.objects.bulk_create(lines, batch_size=500)
    record_changes_bulk(entries=[ChangeEntry(action="create", instance=line, after=_line_state(line), reason=reason)
                                 for line in lines], actor=actor)
    total = sum((line.total for line in lines), Decimal("0.00"))
    record_event(event_type=event_type, instance=organisation, pemda=fiscal_year.pemda_id, actor=actor, payload={
        "fiscal_year": fiscal_year.pk, "tahun": fiscal_year.tahun, "organisation": organisation.pk,
        "lines": len(lines), "total": str(total), **(event_payload or {}),
    })
    flags_refresh_soon(fiscal_year.pk, organisation.pk)
    return lines


# --- one line -------------------------------------------------------------------------------------------------------


def _input_state(data: LineInput) -> dict[str, Any]:
    """What the user submitted, JSON-safe (empty stays null), to show next to the saved version."""
    state: dict[str, Any] = {}
    for name in LineInput.__dataclass_fields__:
        if name == "extra":
            continue
        value = getattr(data, name)
        if hasattr(value, "pk"):
            value = getattr(value, "kode", value.pk)
        state[name] = None if value in (None, "") else (value if isinstance(value, bool) else str(value))
    return state


def _line_state(line: BudgetLine) -> dict[str, Any]:
    return snapshot(line, exclude=("created_at", "updated_at", "created_by", "fiscal_year", "pemda"))


def _locked_line(line: BudgetLine | int) -> tuple[BudgetLine, SubActivityBudget | None]:
    """The line locked, then its sub-kegiatan locked (the order every line write uses): two queries."""
    pk = line.pk if isinstance(line, BudgetLine) else line
    found = (BudgetLine.objects.select_for_update(of=("self",))
             .select_related("fiscal_year__account_version", "organisation", "sumber_dana")
             # no ORDER BY: the model's default ordering would join six more tables to sort a single row
             .filter(pk=pk).order_by().first())
    if found is None:
        raise ApplicationError(_("Rincian tidak ditemukan (mungkin sudah dihapus)."), code="not_found",
                               status_code=404)
    sub = None
    if found.sub_activity_id is not None:
        sub = SubActivityBudget.objects.select_for_update(of=("self",)).select_related("sumber_dana").get(
            pk=found.sub_activity_id)
        found.sub_activity = sub
    return found, sub


def _check_version(line: BudgetLine, expected_version: int, submitted: dict[str, Any] | None = None) -> None:
    if line.version != expected_version:
        raise ConflictError(
            _("Rincian ini sudah diubah oleh %(who)s pada %(when)s. Perubahan Anda tidak disimpan; bandingkan kedua "
              "versi lalu simpan ulang.")
            % {"who": line.updated_by.get_username() if line.updated_by_id else _("sistem"),
               "when": timezone.localtime(line.updated_at).strftime("%d-%m-%Y %H:%M:%S")},
            details={"current": _line_state(line), "yours": submitted or {}, "current_version": line.version},
        )


@transaction.atomic
def line_update(*, actor: Any, line: BudgetLine | int, data: LineInput, expected_version: int) -> BudgetLine:
    """Change one line; refused when someone else saved it since `expected_version` (both versions returned)."""
    current, sub = _locked_line(line)
    require(actor, "budget.edit_lines", current.organisation)
    if sub is not None:
        _check_sub_editable(sub)
    editable_stage(fiscal_year=current.fiscal_year, organisation=current.organisation)
    _check_version(current, expected_version, _input_state(data))
    values = _build_values(fiscal_year=current.fiscal_year, organisation=current.organisation, sub=sub, data=data)
    if values["akun"] != current.akun:
        raise ApplicationError(
            _("Akun baris tidak dapat diganti (pendapatan/belanja/pembiayaan); hapus dan buat baru."),
            code="akun_change", field="account")
    if values["akun"] == "5":
        ceilings_require(fiscal_year=current.fiscal_year, deltas=[
            CeilingDelta(organisation=current.organisation, amount=values["total"], sub=sub,
                         sumber=values["sumber_dana"]),
            CeilingDelta(organisation=current.organisation, amount=-current.total, sub=sub,
                         sumber=current.sumber_dana),
        ])
    before = _line_state(current)
    before_total = current.total
    for key, value in values.items():
        setattr(current, key, value)
    current.version += 1
    current.updated_by = actor
    _clean_line(current)
    current.save()
    record_change(action="update", instance=current, before=before, after=_line_state(current), actor=actor,
                  reason=str(data.extra.get("reason", "")))
    _line_event(EventType.LINE_UPDATED, current, actor, sub, before_total, current.total)
    return current


@transaction.atomic
def line_delete(*, actor: Any, line: BudgetLine | int, expected_version: int, reason: str = "") -> None:
    """Remove one line (audited with its last state)."""
    current, sub = _locked_line(line)
    require(actor, "budget.edit_lines", current.organisation)
    if sub is not None:
        _check_sub_editable(sub)
    editable_stage(fiscal_year=current.fiscal_year, organisation=current.organisation)
    _check_version(current, expected_version)
    before = _line_state(current)
    record_change(action="delete", instance=current, before=before, actor=actor, reason=reason)
    _line_event(EventType.LINE_DELETED, current, actor, sub, current.total, None)
    current.delete()
