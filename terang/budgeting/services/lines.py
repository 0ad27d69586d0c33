"""RKA line entry: sub-kegiatan budgets and their lines, priced from the catalogue, inside the ceilings.

Every write here:
- checks the actor's permission and scope (`budget.edit_lines` over the agency);
- checks that input is allowed now (an open stage window, or an unexpired reopening for the agency);
- locks, in a fixed order, the ceilings the change touches and re-sums under the lock, so parallel savers can
  never push a total above a ceiling;
- refuses stale edits (optimistic `version`), showing both versions;
- records a change record in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from terang.accounts.permissions import require
from terang.audit.services import record_change, snapshot
from terang.core.errors import ApplicationError, ConflictError
from terang.core.money import format_rupiah
from terang.org.models import Organisation
from terang.reference import codes
from terang.reference.models import Account, SumberDana
from terang.reference.selectors import accounts_for_version, sub_kegiatan_by_kode

from ..calc import line_amounts
from ..choices import LineType, StageStatus, SubActivityStatus
from ..models import BudgetLine, Ceiling, FiscalYear, PriceItem, Stage, SubActivityBudget

EDITABLE_SUB_ACTIVITY = (SubActivityStatus.DRAFT, SubActivityStatus.RETURNED)
LINE_FIELDS = (
    "account_id", "sumber_dana_id", "kelompok", "keterangan", "line_type", "price_item_id", "uraian", "spesifikasi",
    "vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4", "volume", "satuan", "harga_satuan", "ppn",
    "ppn_amount", "total", "penerima", "version",
)


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


def _resolve_account(fiscal_year: FiscalYear, account: Account | str) -> Account:
    kode = account.kode if isinstance(account, Account) else str(account)
    try:
        canonical = codes.normalize_account_code(kode)
    except codes.InvalidCodeError as exc:
        raise ApplicationError(_("Kode rekening '%(k)s' tidak valid.") % {"k": kode}, code="invalid_account",
                               field="account") from exc
    found = accounts_for_version(fiscal_year.account_version.kode, postable_only=False).filter(
        kode=canonical).first()
    if found is None:
        raise ApplicationError(
            _("Kode rekening %(k)s tidak ada di versi %(v)s.")
            % {"k": canonical, "v": fiscal_year.account_version.kode},
            code="unknown_account", field="account")
    if not found.is_postable:
        raise ApplicationError(
            _("Kode rekening %(k)s bukan sub rincian objek (tingkat 6); hanya tingkat 6 yang dapat dianggarkan.")
            % {"k": canonical}, code="account_not_postable", field="account")
    return found


def _resolve_sumber(value: SumberDana | str | None, default: SumberDana | None) -> SumberDana | None:
    if value is None or value == "":
        return default
    if isinstance(value, SumberDana):
        return value
    from terang.reference.selectors import sumber_dana_by_kode

    found = sumber_dana_by_kode(str(value))
    if found is None:
        raise ApplicationError(_("Sumber dana '%(k)s' tidak dikenal.") % {"k": value}, code="unknown_sumber_dana",
                               field="sumber_dana")
    return found


def _build_values(*, fiscal_year: FiscalYear, organisation: Organisation, sub: SubActivityBudget | None,
                  data: LineInput) -> dict[str, Any]:
    account = _resolve_account(fiscal_year, data.account)
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
        item = PriceItem.objects.filter(pk=item_id, fiscal_year=fiscal_year, is_active=True).first()
        if item is None:
            raise ApplicationError(_("Komponen tidak ada di standar harga TA %(t)s.") % {"t": fiscal_year.tahun},
                                   code="unknown_price_item", field="price_item")
        if not item.allowed_accounts.filter(pk=account.pk).exists():
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
    sumber = _resolve_sumber(data.sumber_dana, sub.sumber_dana if sub else None)
    return {
        "account": account, "akun": akun, "sumber_dana": sumber, "kelompok": data.kelompok.strip(),
        "keterangan": data.keterangan.strip(), "line_type": line_type, "price_item": item, "uraian": uraian[:500],
        "spesifikasi": spesifikasi, "vol1": vols[0], "sat1": data.sat1, "vol2": vols[1], "sat2": data.sat2,
        "vol3": vols[2], "sat3": data.sat3, "vol4": vols[3], "sat4": data.sat4, "volume": amounts.volume,
        "satuan": satuan, "harga_satuan": harga, "ppn": ppn, "ppn_amount": amounts.ppn_amount,
        "total": amounts.total, "penerima": data.penerima,
    }


def _ceiling_check(*, fiscal_year: FiscalYear, organisation: Organisation, sub: SubActivityBudget | None,
                   sumber: SumberDana | None, exclude_line_id: int | None, new_total: Decimal) -> None:
    """Lock every ceiling this belanja line counts against (fixed order: by pk) and re-sum under the lock."""
    scope = Q(organisation=organisation, sub_kegiatan__isnull=True, sumber_dana__isnull=True)
    if sub is not None:
        scope |= Q(organisation=organisation, sub_kegiatan_id=sub.sub_kegiatan_id)
    if sumber is not None:
        scope |= Q(organisation=organisation, sumber_dana=sumber)
    ceilings = list(Ceiling.objects.select_for_update().filter(fiscal_year=fiscal_year).filter(scope).order_by("pk"))
    if not any(c.sub_kegiatan_id is None and c.sumber_dana_id is None for c in ceilings):
        raise ApplicationError(
            _("Pagu %(opd)s untuk TA %(t)s belum ditetapkan; belanja belum dapat diinput.")
            % {"opd": organisation, "t": fiscal_year.tahun}, code="no_ceiling")
    base = BudgetLine.objects.filter(fiscal_year=fiscal_year, organisation=organisation, akun="5")
    if exclude_line_id is not None:
        base = base.exclude(pk=exclude_line_id)
    for ceiling in ceilings:
        lines = base
        label = str(organisation)
        if ceiling.sub_kegiatan_id is not None:
            lines = lines.filter(sub_activity__sub_kegiatan_id=ceiling.sub_kegiatan_id)
            label = _("sub kegiatan %(k)s") % {"k": sub.kode if sub else ceiling.sub_kegiatan_id}
        elif ceiling.sumber_dana_id is not None:
            lines = lines.filter(sumber_dana_id=ceiling.sumber_dana_id)
            label = _("sumber dana %(k)s") % {"k": sumber.nama if sumber else ceiling.sumber_dana_id}
        current = lines.aggregate(s=Sum("total"))["s"] or Decimal(0)
        if current + new_total > ceiling.amount:
            raise ApplicationError(
                _("Jumlah belanja %(label)s menjadi %(after)s, melebihi pagu %(pagu)s (kelebihan %(over)s). "
                  "Baris tidak disimpan.")
                % {"label": label, "after": format_rupiah(current + new_total), "pagu": format_rupiah(ceiling.amount),
                   "over": format_rupiah(current + new_total - ceiling.amount)},
                code="ceiling_exceeded",
                details={"ceiling_id": ceiling.pk, "pagu": str(ceiling.amount), "used": str(current),
                         "requested": str(new_total)},
            )


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
        _ceiling_check(fiscal_year=fiscal_year, organisation=organisation, sub=sub, sumber=values["sumber_dana"],
                       exclude_line_id=None, new_total=values["total"])
    line = BudgetLine(fiscal_year=fiscal_year, pemda_id=fiscal_year.pemda_id, organisation=organisation,
                      sub_activity=sub, created_by=actor, updated_by=actor, **values)
    line.full_clean(exclude=["line_key"])
    line.save()
    record_change(action="create", instance=line, after=_line_state(line), actor=actor)
    return line


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


def _locked_line(line: BudgetLine | int) -> BudgetLine:
    pk = line.pk if isinstance(line, BudgetLine) else line
    found = (BudgetLine.objects.select_for_update(of=("self",))
             .select_related("fiscal_year__account_version", "organisation", "sub_activity__sumber_dana")
             .filter(pk=pk).first())
    if found is None:
        raise ApplicationError(_("Rincian tidak ditemukan (mungkin sudah dihapus)."), code="not_found",
                               status_code=404)
    return found


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
    current = _locked_line(line)
    require(actor, "budget.edit_lines", current.organisation)
    sub = current.sub_activity
    if sub is not None:
        sub = SubActivityBudget.objects.select_for_update().get(pk=sub.pk)
        _check_sub_editable(sub)
    editable_stage(fiscal_year=current.fiscal_year, organisation=current.organisation)
    _check_version(current, expected_version, _input_state(data))
    values = _build_values(fiscal_year=current.fiscal_year, organisation=current.organisation, sub=sub, data=data)
    if values["akun"] != current.akun:
        raise ApplicationError(
            _("Akun baris tidak dapat diganti (pendapatan/belanja/pembiayaan); hapus dan buat baru."),
            code="akun_change", field="account")
    if values["akun"] == "5":
        _ceiling_check(fiscal_year=current.fiscal_year, organisation=current.organisation, sub=sub,
                       sumber=values["sumber_dana"], exclude_line_id=current.pk, new_total=values["total"])
    before = _line_state(current)
    for key, value in values.items():
        setattr(current, key, value)
    current.version += 1
    current.updated_by = actor
    current.full_clean(exclude=["line_key"])
    current.save()
    record_change(action="update", instance=current, before=before, after=_line_state(current), actor=actor,
                  reason=str(data.extra.get("reason", "")))
    return current


@transaction.atomic
def line_delete(*, actor: Any, line: BudgetLine | int, expected_version: int, reason: str = "") -> None:
    """Remove one line (audited with its last state)."""
    current = _locked_line(line)
    require(actor, "budget.edit_lines", current.organisation)
    if current.sub_activity_id:
        _check_sub_editable(SubActivityBudget.objects.select_for_update().get(pk=current.sub_activity_id))
    editable_stage(fiscal_year=current.fiscal_year, organisation=current.organisation)
    _check_version(current, expected_version)
    before = _line_state(current)
    record_change(action="delete", instance=current, before=before, actor=actor, reason=reason)
    current.delete()
