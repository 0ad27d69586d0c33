"""Pergeseran anggaran: documented moves of money between lines during the year, inside an open pergeseran stage.

A pergeseran document (`BudgetShift`) names its number, legal basis, reason and approval level, and records the
before/after of every line it touched (`ShiftLine`: full line snapshots and totals). The level follows from the
widest move (domain.md §2.6, Permendagri 77/2020 "Pergeseran Anggaran"):

- between sub rincian objek within ONE rincian objek (same first 5 account segments, same sub-kegiatan)
  → perubahan DPA, approved by the PPKD (BPKAD);
- between rincian objek / objek within ONE jenis (same first 3 segments, same sub-kegiatan)
  → perubahan Perkada Penjabaran APBD, approved by the Sekda;
- between jenis, sub-kegiatan, kegiatan, program or organisation → Perda APBD-P (approved by the Sekda here;
  the DPRD's approval is the Perda itself).

A pergeseran moves money, it does not add any: the line deltas must sum to zero, unless the level is Perda.
The changes are applied to the live lines when the document is created (inside the stage window) and the
document is then approved; a pergeseran stage is frozen only when every document in it is approved.

New lines: a pergeseran may ADD a catalogue-priced belanja line under an existing sub-kegiatan of the year (the
money usually comes from lines that go down). It is validated by the line service's rule function
(`services.lines._build_values`: level-6 account of the year's version, catalogue item allowed for the account,
price ≤ catalogue), its ShiftLine has before = {} and before_total 0, and its account and sub-kegiatan count in
the level rule like any other moved line.

Ceilings (KUA-PPAS plafon, `services.ceilings`): the ceilings are those of the stage's fiscal year — the agency
ceiling, agency × sub-kegiatan and agency × funding source, as for line entry — and every pergeseran is checked
against them through the same shared rule (`ceilings_check`), under the same locks, at every level:
- PPKD / Perkada shifts are zero-sum inside one sub-kegiatan, so agency and sub-kegiatan totals stay; they can
  still move money between funding sources, and must not push a funding-source ceiling above its amount;
- a Perda (APBD-P) shift may raise totals, but only up to the ceilings: raising a ceiling is KUPA-PPAS Perubahan
  (`ceiling_set`, audited, by Bappeda/BPKAD), which precedes the Perda APBD-P (domain.md §2.6). A shift that
  lowers or keeps an already-too-high total is never refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terang.accounts.choices import Role
from terang.accounts.permissions import active_memberships, require
from terang.audit.events import EventType
from terang.audit.services import ChangeEntry, record_change, record_changes_bulk, record_event, snapshot
from terang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from terang.core.money import format_rupiah, to_decimal
from terang.reference.models import Account

from ..calc import line_amounts
from ..choices import LineType, ShiftLevel, StageKind
from ..models import BudgetLine, BudgetShift, ShiftLine, Stage, SubActivityBudget
from ..selectors_stages import stage_input_allowed
from .ceilings import CeilingDelta, ceilings_require
from .lines import LINE_RELATIONS, LineInput, _build_values, _Lookups

MIN_REASON_LENGTH = 20
DECIMAL_FIELDS = ("vol1", "vol2", "vol3", "vol4", "harga_satuan")
TEXT_FIELDS = ("sat1", "sat2", "sat3", "sat4", "satuan", "uraian", "spesifikasi", "keterangan", "kelompok")
ALLOWED_FIELDS = (*DECIMAL_FIELDS, *TEXT_FIELDS, "ppn", "account")
LEVEL_ORDER = {ShiftLevel.PPKD: 1, ShiftLevel.PERKADA: 2, ShiftLevel.PERDA: 3}
# Who approves each level (a role held over the whole pemda).
APPROVER_ROLE: dict[str, str] = {ShiftLevel.PPKD: Role.BPKAD_OFFICER, ShiftLevel.PERKADA: Role.SEKDA,
                                 ShiftLevel.PERDA: Role.SEKDA}


@dataclass
class PlannedLine:
    """One line of a pergeseran as it would be written: the locked line, its new values and totals."""

    line: BudgetLine
    values: dict[str, Any]
    before: dict[str, Any]
    before_total: Decimal
    after_total: Decimal
    account: Account
    is_new: bool = False

    @property
    def delta(self) -> Decimal:
        return self.after_total - self.before_total


@dataclass
class ShiftPlan:
    """What a pergeseran would do: lines with before/after, net delta, the level the moves need and why."""

    lines: list[PlannedLine] = field(default_factory=list)
    required_level: str = ShiftLevel.PPKD
    explanation: str = ""

    @property
    def net_delta(self) -> Decimal:
        return sum((p.delta for p in self.lines), Decimal("0.00"))

    @property
    def moved(self) -> Decimal:
        """Money taken from lines that went down (= money given to lines that went up when zero-sum)."""
        return -sum((p.delta for p in self.lines if p.delta < 0), Decimal("0.00"))


def _line_label(line: BudgetLine) -> str:
    if line.pk is None:
        return _("Baris baru %(uraian)s") % {"uraian": line.uraian}
    return f"#{line.pk} {line.uraian}"


def _parse_decimal(value: Any, line: BudgetLine, name: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ApplicationError(_("%(line)s: %(field)s wajib diisi.") % {"line": _line_label(line), "field": name},
                                   code="invalid_change", field=name)
        return None
    try:
        number = to_decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("%(line)s: %(field)s bukan angka.") % {"line": _line_label(line), "field": name},
                               code="invalid_change", field=name) from exc
    if number < 0:
        raise ApplicationError(_("%(line)s: %(field)s tidak boleh negatif.") % {"line": _line_label(line),
                                                                                  "field": name},
                               code="invalid_change", field=name)
    return number.quantize(Decimal("0.01") if name == "harga_satuan" else Decimal("0.0001"))


def _account(line: BudgetLine, value: Any) -> Account:
    if value is None:
        return line.account
    account = value if isinstance(value, Account) else Account.objects.filter(kode=str(value).strip()).first()
    if account is None or not account.is_postable:
        raise ApplicationError(_("%(line)s: rekening %(kode)s tidak ada atau bukan rekening rinci.")
                               % {"line": _line_label(line), "kode": value}, code="invalid_account", field="account")
    if not account.kode.startswith(line.akun):
        raise ApplicationError(_("%(line)s: rekening harus tetap di akun %(akun)s.") % {"line": _line_label(line),
                                                                                          "akun": line.akun},
                               code="invalid_account", field="account")
    item = line.price_item
    if item is not None and not item.allowed_accounts.filter(pk=account.pk).exists():
        raise ApplicationError(_("%(line)s: komponen %(item)s tidak boleh dianggarkan di rekening %(kode)s.")
                               % {"line": _line_label(line), "item": item.nama, "kode": account.kode},
                               code="item_not_allowed", field="account")
    return account


def _plan_line(line: BudgetLine, data: dict[str, Any]) -> PlannedLine:
    unknown = sorted(set(data) - set(ALLOWED_FIELDS))
    if unknown:
        raise ApplicationError(_("%(line)s: kolom %(fields)s tidak dapat diubah lewat pergeseran.")
                               % {"line": _line_label(line), "fields": ", ".join(unknown)}, code="invalid_change")
    values: dict[str, Any] = {}
    for name in DECIMAL_FIELDS:
        if name in data:
            values[name] = _parse_decimal(data[name], line, name, required=name in ("vol1", "harga_satuan"))
    for name in TEXT_FIELDS:
        if name in data:
            values[name] = str(data[name] or "").strip()
    if "ppn" in data:
        values["ppn"] = bool(data["ppn"])
    account = _account(line, data.get("account"))
    if account.pk != line.account_id:
        values["account_id"] = account.pk
    merged = {name: values.get(name, getattr(line, name)) for name in (*DECIMAL_FIELDS, "ppn")}
    item = line.price_item
    if item is not None and line.line_type == LineType.ITEM and merged["harga_satuan"] > item.harga:
        raise ApplicationError(
            _("%(line)s: harga satuan %(price)s melebihi harga standar %(max)s.")
            % {"line": _line_label(line), "price": format_rupiah(merged["harga_satuan"]),
               "max": format_rupiah(item.harga)}, code="price_above_catalogue", field="harga_satuan")
    amounts = line_amounts(vol1=merged["vol1"], vol2=merged["vol2"], vol3=merged["vol3"], vol4=merged["vol4"],
                           harga_satuan=merged["harga_satuan"], ppn=merged["ppn"],
                           ppn_rate=line.fiscal_year.ppn_rate)
    values.update(volume=amounts.volume, ppn_amount=amounts.ppn_amount, total=amounts.total)
    changed = {k: v for k, v in values.items() if getattr(line, k) != v}
    if not changed:
        raise ApplicationError(_("%(line)s: tidak ada yang berubah.") % {"line": _line_label(line)},
                               code="no_change")
    return PlannedLine(line=line, values=changed, before=_line_state(line), before_total=line.total,
                       after_total=amounts.total, account=account)


def _line_state(line: BudgetLine) -> dict[str, Any]:
    return snapshot(line, exclude=("created_at", "created_by", "fiscal_year", "pemda"))


def _segments(kode: str, n: int) -> str:
    return ".".join(kode.split(".")[:n])


def required_level(lines: Sequence[PlannedLine]) -> tuple[str, str]:
    """The approval level the widest move needs, and why (Indonesian, for the user)."""
    positions = set()
    for p in lines:
        positions.add((p.line.organisation_id, p.line.sub_activity_id, p.line.account.kode))
        positions.add((p.line.organisation_id, p.line.sub_activity_id, p.account.kode))
    orgs = {pos[0] for pos in positions}
    subs = {pos[1] for pos in positions}
    kodes = {pos[2] for pos in positions}
    if len(orgs) > 1:
        return ShiftLevel.PERDA, _("pergeseran antar perangkat daerah")
    if len(subs) > 1:
        return ShiftLevel.PERDA, _("pergeseran antar sub kegiatan")
    if len({_segments(k, 5) for k in kodes}) == 1:
        return ShiftLevel.PPKD, _("pergeseran antar sub rincian objek dalam satu rincian objek %(kode)s") % {
            "kode": _segments(next(iter(kodes)), 5)}
    if len({_segments(k, 3) for k in kodes}) == 1:
        return ShiftLevel.PERKADA, _("pergeseran antar rincian objek/objek dalam satu jenis belanja %(kode)s") % {
            "kode": _segments(next(iter(kodes)), 3)}
    return ShiftLevel.PERDA, _("pergeseran antar jenis belanja (%(list)s)") % {
        "list": ", ".join(sorted({_segments(k, 3) for k in kodes}))}


def _normalise(changes: Iterable[Any]) -> list[tuple[BudgetLine | int, dict[str, Any]]]:
    result = []
    for item in changes:
        line, data = item
        result.append((line, dict(data or {})))
    return result


def _plan_new_lines(stage: Stage, new_lines: Iterable[tuple[SubActivityBudget | int, LineInput]]
                    ) -> list[PlannedLine]:
    """New catalogue-priced belanja lines under existing sub-kegiatan of the stage's year, priced and checked by
    the line service's rule function (nothing written)."""
    pairs = list(new_lines)
    if not pairs:
        return []
    sub_ids = [sub.pk if isinstance(sub, SubActivityBudget) else int(sub) for sub, _data in pairs]
    subs = {sub.pk: sub for sub in SubActivityBudget.objects.select_related(
        "organisation", "sumber_dana", "fiscal_year__account_version").filter(
        pk__in=sub_ids, fiscal_year_id=stage.fiscal_year_id)}
    lookups: _Lookups | None = None
    planned = []
    for number, ((_given, data), sub_id) in enumerate(zip(pairs, sub_ids, strict=True), 1):
        sub = subs.get(sub_id)
        if sub is None:
            raise ApplicationError(_("Baris baru %(n)s: sub kegiatan #%(pk)s tidak ada di tahun anggaran ini.")
                                   % {"n": number, "pk": sub_id}, code="sub_activity_not_found", field="new_lines")
        if (data.line_type or LineType.ITEM) != LineType.ITEM or data.price_item in (None, ""):
            raise ApplicationError(_("Baris baru %(n)s: baris baru dalam pergeseran harus memilih komponen dari "
                                     "standar harga.") % {"n": number}, code="price_item_required",
                                   field="price_item")
        lookups = lookups or _Lookups(sub.fiscal_year)
        try:
            values = _build_values(fiscal_year=sub.fiscal_year, organisation=sub.organisation, sub=sub, data=data,
                                   lookups=lookups)
        except ApplicationError as exc:
            raise ApplicationError(_("Baris baru %(n)s: %(msg)s") % {"n": number, "msg": exc.message},
                                   code=exc.code, field=exc.field) from exc
        line = BudgetLine(fiscal_year=sub.fiscal_year, pemda_id=sub.pemda_id, organisation=sub.organisation,
                          sub_activity=sub, **values)
        planned.append(PlannedLine(line=line, values=values, before={}, before_total=Decimal("0.00"),
                                   after_total=line.total, account=values["account"], is_new=True))
    return planned


def shift_plan(*, stage: Stage, changes: Iterable[Any], lock: bool = False,
               new_lines: Iterable[tuple[SubActivityBudget | int, LineInput]] = ()) -> ShiftPlan:
    """Validate `changes` [(line, new values)] and `new_lines` [(sub-kegiatan, LineInput)] against the stage and
    compute before/after, net delta and the required level, without writing. With `lock`, the lines are locked (in
    primary-key order) and their versions compared with the instances given (a stale line raises ConflictError)."""
    pairs = _normalise(changes)
    added = _plan_new_lines(stage, new_lines)
    if not pairs and not added:
        raise ApplicationError(_("Pergeseran belum memuat perubahan baris."), code="no_lines", field="changes")
    ids = [line.pk if isinstance(line, BudgetLine) else int(line) for line, _data in pairs]
    if len(set(ids)) != len(ids):
        raise ApplicationError(_("Satu baris hanya boleh muncul sekali dalam satu pergeseran."),
                               code="duplicate_line", field="changes")
    qs = BudgetLine.objects.select_related("account", "price_item", "fiscal_year", "organisation", "sub_activity",
                                           "sumber_dana").filter(pk__in=ids)
    if lock:
        qs = qs.select_for_update(of=("self",)).order_by("pk")
    found = {line.pk: line for line in qs}
    plan = ShiftPlan()
    for (given, data), pk in zip(pairs, ids, strict=True):
        line = found.get(pk)
        if line is None or line.fiscal_year_id != stage.fiscal_year_id:
            raise ApplicationError(_("Baris #%(pk)s tidak ada di tahun anggaran ini.") % {"pk": pk},
                                   code="line_not_found", field="changes")
        if isinstance(given, BudgetLine) and given.version != line.version:
            raise ConflictError(
                _("%(line)s sudah diubah orang lain (versi %(current)s, Anda membuka versi %(expected)s).")
                % {"line": _line_label(line), "current": line.version, "expected": given.version},
                details={"line": line.pk, "current": _line_state(line)})
        plan.lines.append(_plan_line(line, data))
    plan.lines.extend(added)
    plan.required_level, plan.explanation = required_level(plan.lines)
    if plan.net_delta != 0:
        plan.required_level = ShiftLevel.PERDA
        plan.explanation = _("jumlah anggaran berubah %(delta)s") % {"delta": format_rupiah(plan.net_delta)}
    return plan


_SHIFT_LOCK_CLASS = 460  # advisory-lock namespace for "creating a shift in stage <id>" (the SHIFT_CREATED event)


def _lock_stage_for_shift(stage_pk: int) -> Stage:
    """The stage, share-locked on PostgreSQL (a concurrent freeze waits for this transaction, and this one for a
    freeze), with shift creation in that stage serialised. SQLite serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_SHIFT_LOCK_CLASS, int(stage_pk)])
            cursor.execute(f"SELECT id FROM {Stage._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                           [stage_pk])
    return Stage.objects.select_related("fiscal_year").get(pk=stage_pk)


@transaction.atomic
def shift_create(*, actor: Any, stage: Stage, nomor: str, legal_basis: str, level: str, reason: str,
                 changes: Iterable[Any], new_lines: Iterable[tuple[SubActivityBudget | int, LineInput]] = ()
                 ) -> BudgetShift:
    """Record and apply a pergeseran in an open pergeseran stage: each changed or added line keeps its before/after.

    Needs budget.shift over the pemda. The deltas must sum to zero unless the level is Perda, the level must be
    the one the widest move needs, and no ceiling may be pushed above its amount (see module docstring); the error
    says which and why. Lock order: stage (shared, like every line save), lines (by pk), ceilings (by pk), audit
    chains. The stage is only share-locked — an exclusive lock here would deadlock against a line save that holds
    its line and waits for the stage's share lock — and shift documents of one stage are serialised by a
    transaction-level advisory lock instead (the document-number check below must not race).
    """
    stage = _lock_stage_for_shift(stage.pk)
    require(actor, "budget.shift", stage)
    nomor, legal_basis, reason = (nomor or "").strip(), (legal_basis or "").strip(), (reason or "").strip()
    if stage.kind != StageKind.PERGESERAN:
        raise ApplicationError(_("Pergeseran hanya dicatat pada tahapan pergeseran."), code="not_shift_stage")
    if not stage_input_allowed(stage=stage):
        raise ApplicationError(_("Jendela input tahapan %(stage)s tidak sedang terbuka.") % {"stage": stage.nama},
                               code="stage_closed")
    if not nomor:
        raise ApplicationError(_("Nomor dokumen pergeseran wajib diisi."), code="nomor_required", field="nomor")
    if BudgetShift.objects.filter(stage__fiscal_year_id=stage.fiscal_year_id, nomor=nomor).exists():
        raise ApplicationError(_("Nomor pergeseran %(nomor)s sudah dipakai tahun ini.") % {"nomor": nomor},
                               code="duplicate_nomor", field="nomor")
    if not legal_basis:
        raise ApplicationError(_("Dasar hukum pergeseran wajib diisi."), code="legal_basis_required",
                               field="legal_basis")
    if len(reason) < MIN_REASON_LENGTH:
        raise ApplicationError(_("Alasan pergeseran wajib ditulis, paling sedikit %(n)s karakter.")
                               % {"n": MIN_REASON_LENGTH}, code="reason_required", field="reason")
    if level not in ShiftLevel.values:
        raise ApplicationError(_("Tingkat persetujuan tidak dikenal."), code="invalid_level", field="level")
    plan = shift_plan(stage=stage, changes=changes, lock=True, new_lines=new_lines)
    if plan.net_delta != 0 and level != ShiftLevel.PERDA:
        raise ApplicationError(
            _("Jumlah pergeseran harus nol: baris yang dikurangi harus sama dengan yang ditambah (selisih "
              "%(delta)s). Perubahan jumlah anggaran hanya lewat Perda APBD-P.")
            % {"delta": format_rupiah(plan.net_delta)}, code="not_zero_sum", field="changes",
            details={"net_delta": str(plan.net_delta)})
    if level != plan.required_level:
        raise ApplicationError(
            _("Tingkat persetujuan harus “%(required)s” karena %(why)s, bukan “%(given)s”.")
            % {"required": ShiftLevel(plan.required_level).label, "why": plan.explanation,
               "given": ShiftLevel(level).label},
            code="level_mismatch", field="level", details={"required": plan.required_level})
    for org_id in {p.line.organisation_id for p in plan.lines}:
        if not stage_input_allowed(stage=stage, organisation=org_id):
            raise ApplicationError(_("Jendela input tertutup untuk salah satu perangkat daerah."),
                                   code="stage_closed")
    ceilings_require(fiscal_year=stage.fiscal_year, shift=True, deltas=[
        CeilingDelta(organisation=p.line.organisation, amount=p.delta, sub=p.line.sub_activity,
                     sumber=p.line.sumber_dana)
        for p in plan.lines if p.line.akun == "5" and p.delta != 0])
    shift = BudgetShift.objects.create(stage=stage, pemda_id=stage.pemda_id, nomor=nomor, legal_basis=legal_basis,
                                       level=level, reason=reason, created_by=actor)
    change_reason = _("Pergeseran %(nomor)s: %(reason)s") % {"nomor": nomor, "reason": reason}
    entries: list[ChangeEntry] = []
    shift_lines: list[ShiftLine] = []
    for planned in plan.lines:
        line = planned.line
        if planned.is_new:
            line.created_by = actor
        else:
            for key, value in planned.values.items():
                setattr(line, key, value)
            line.version += 1
        line.updated_by = actor
        line.clean_fields(exclude=LINE_RELATIONS)
        line.save(force_insert=planned.is_new)
        after = _line_state(line)
        shift_lines.append(ShiftLine(shift=shift, line_key=line.line_key, before_total=planned.before_total,
                                     after_total=planned.after_total, before=planned.before, after=after))
        entries.append(ChangeEntry(action="create" if planned.is_new else "update", instance=line,
                                   before=None if planned.is_new else planned.before, after=after,
                                   reason=change_reason))
    ShiftLine.objects.bulk_create(shift_lines)
    entries.append(ChangeEntry(action="create", instance=shift, after=snapshot(shift), reason=reason))
    record_changes_bulk(entries=entries, actor=actor)
    record_event(event_type=EventType.SHIFT_CREATED, instance=shift, actor=actor, payload={
        "stage": stage.pk, "nomor": nomor, "level": level, "legal_basis": legal_basis, "lines": len(plan.lines),
        "new_lines": sum(1 for p in plan.lines if p.is_new), "net_delta": str(plan.net_delta),
        "moved": str(plan.moved),
    })
    return shift


def can_approve_shift(actor: Any, shift: BudgetShift) -> bool:
    """BPKAD approves PPKD-level shifts; the Sekda approves Perkada and Perda levels (roles over the pemda)."""
    role = APPROVER_ROLE.get(shift.level)
    return any(m.role == role and m.pemda_id == shift.pemda_id for m in active_memberships(actor))


@transaction.atomic
def shift_approve(*, actor: Any, shift: BudgetShift) -> BudgetShift:
    """Approve a pergeseran at its level (budget.approve_shift; PPKD level: BPKAD, Perkada/Perda: Sekda). The person
    who recorded it cannot approve it."""
    shift = BudgetShift.objects.select_for_update().get(pk=shift.pk)
    require(actor, "budget.approve_shift", shift)
    if not can_approve_shift(actor, shift):
        raise PermissionDeniedError(
            _("Pergeseran tingkat “%(level)s” disetujui oleh %(role)s.")
            % {"level": shift.get_level_display(), "role": Role(APPROVER_ROLE[shift.level]).label})
    if shift.approved_at is not None:
        raise ApplicationError(_("Pergeseran %(nomor)s sudah disetujui.") % {"nomor": shift.nomor},
                               code="already_approved")
    if shift.created_by_id == getattr(actor, "pk", None):
        raise ApplicationError(_("Pencatat pergeseran tidak boleh menyetujuinya sendiri."), code="four_eyes")
    before = {"approved_by": None, "approved_at": None}
    shift.approved_by = actor
    shift.approved_at = timezone.now()
    shift.save(update_fields=["approved_by", "approved_at"])
    record_change(action="update", instance=shift, before=before,
                  after={"approved_by": actor.pk, "approved_at": shift.approved_at}, actor=actor)
    record_event(event_type=EventType.SHIFT_APPROVED, instance=shift, actor=actor,
                 payload={"nomor": shift.nomor, "level": shift.level, "stage": shift.stage_id})
    return shift
