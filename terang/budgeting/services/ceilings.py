"""KUA-PPAS ceilings (plafon): set by Bappeda/BPKAD, never below what agencies have already budgeted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from terang.accounts.permissions import require
from terang.audit.events import EventType
from terang.audit.services import record_change, record_event, snapshot
from terang.core.errors import ApplicationError, ConflictError
from terang.core.money import format_rupiah
from terang.org.models import Organisation
from terang.reference.models import ProgramCode, SumberDana

from ..models import BudgetLine, Ceiling, FiscalYear, SubActivityBudget


def ceiling_used(ceiling: Ceiling) -> Decimal:
    """Belanja already budgeted against a ceiling (live lines)."""
    lines = BudgetLine.objects.filter(fiscal_year_id=ceiling.fiscal_year_id, organisation_id=ceiling.organisation_id,
                                      akun="5")
    if ceiling.sub_kegiatan_id:
        lines = lines.filter(sub_activity__sub_kegiatan_id=ceiling.sub_kegiatan_id)
    if ceiling.sumber_dana_id:
        lines = lines.filter(sumber_dana_id=ceiling.sumber_dana_id)
    return lines.aggregate(s=Sum("total"))["s"] or Decimal(0)


@transaction.atomic
def ceiling_set(
    *,
    actor: Any,
    fiscal_year: FiscalYear,
    organisation: Organisation,
    amount: Decimal,
    sub_kegiatan: ProgramCode | None = None,
    sumber_dana: SumberDana | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> Ceiling:
    """Create or change one ceiling (agency, agency × sub-kegiatan, or agency × funding source)."""
    require(actor, "budget.manage_ceilings", fiscal_year.pemda)
    if organisation.pemda_id != fiscal_year.pemda_id:
        raise ApplicationError(_("Perangkat daerah bukan milik pemda tahun anggaran ini."), code="wrong_pemda")
    if sub_kegiatan is not None and sumber_dana is not None:
        raise ApplicationError(_("Pagu berlaku untuk sub kegiatan atau sumber dana, tidak keduanya."),
                               code="ceiling_scope")
    amount = Decimal(amount)
    if amount < 0:
        raise ApplicationError(_("Pagu tidak boleh negatif."), code="negative", field="amount")
    ceiling = (Ceiling.objects.select_for_update()
               .filter(fiscal_year=fiscal_year, organisation=organisation, sub_kegiatan=sub_kegiatan,
                       sumber_dana=sumber_dana).first())
    if ceiling is None:
        ceiling = Ceiling(fiscal_year=fiscal_year, pemda_id=fiscal_year.pemda_id, organisation=organisation,
                          sub_kegiatan=sub_kegiatan, sumber_dana=sumber_dana, amount=amount)
        before = None
    else:
        if expected_version is not None and ceiling.version != expected_version:
            raise ConflictError(_("Pagu ini sudah diubah orang lain; muat ulang halaman."),
                                details={"current": snapshot(ceiling), "current_version": ceiling.version})
        before = snapshot(ceiling)
        used = ceiling_used(ceiling)
        if amount < used:
            raise ApplicationError(
                _("Pagu %(opd)s tidak dapat diturunkan menjadi %(new)s karena belanja yang sudah dianggarkan "
                  "%(used)s. Kurangi rincian dulu.")
                % {"opd": organisation, "new": format_rupiah(amount), "used": format_rupiah(used)},
                code="ceiling_below_used", field="amount")
        ceiling.amount = amount
        ceiling.version += 1
    ceiling.full_clean()
    ceiling.save()
    record_change(action="create" if before is None else "update", instance=ceiling, before=before,
                  after=snapshot(ceiling), actor=actor, reason=reason)
    record_event(event_type=EventType.CEILING_SET, instance=ceiling, actor=actor,
                 payload={"organisation": organisation.pk, "amount": str(amount),
                          "sub_kegiatan": sub_kegiatan.kode if sub_kegiatan else None,
                          "sumber_dana": sumber_dana.kode if sumber_dana else None})
    return ceiling


# --- the one ceiling check every belanja write goes through ----------------------------------------------------------


@dataclass(frozen=True)
class CeilingDelta:
    """A change of belanja counted against ceilings: `amount` (negative when money leaves) of one agency, at a
    sub-kegiatan and a funding source. `index` names the batch row it comes from (None for single saves)."""

    organisation: Organisation
    amount: Decimal
    sub: SubActivityBudget | None = None
    sumber: SumberDana | None = None
    index: int | None = None


@dataclass(frozen=True)
class CeilingBreach:
    """A ceiling the change would push above its amount."""

    ceiling: Ceiling
    label: str
    before: Decimal
    after: Decimal
    index: int | None

    @property
    def excess(self) -> Decimal:
        return self.after - self.ceiling.amount

    def error(self, *, shift: bool = False) -> ApplicationError:
        values = {"label": self.label, "after": format_rupiah(self.after), "pagu": format_rupiah(self.ceiling.amount),
                  "over": format_rupiah(self.excess)}
        if shift:
            message = _("Jumlah belanja %(label)s menjadi %(after)s, melebihi pagu %(pagu)s (kelebihan %(over)s). "
                        "Pergeseran tidak disimpan; pagu hanya dapat dinaikkan lewat KUPA-PPAS Perubahan.") % values
        else:
            message = _("Jumlah belanja %(label)s menjadi %(after)s, melebihi pagu %(pagu)s (kelebihan %(over)s). "
                        "Baris tidak disimpan.") % values
        return ApplicationError(message, code="ceiling_exceeded", details={
            "ceiling_id": self.ceiling.pk, "pagu": str(self.ceiling.amount), "used": str(self.before),
            "after": str(self.after), "requested": str(self.after - self.before), "excess": str(self.excess),
            "index": self.index})


def lock_ceilings(*, fiscal_year: FiscalYear, organisation: Organisation) -> list[Ceiling]:
    """Lock every ceiling of one agency (by pk, the order `ceilings_check` uses), for writers that add rows in
    several steps and must hold the ceilings before they touch anything else (the RKA importer)."""
    return list(Ceiling.objects.select_for_update().filter(fiscal_year=fiscal_year, organisation=organisation)
                .order_by("pk"))


def _covers(ceiling: Ceiling, delta: CeilingDelta) -> bool:
    if delta.organisation.pk != ceiling.organisation_id:
        return False
    if ceiling.sub_kegiatan_id is not None:
        return delta.sub is not None and delta.sub.sub_kegiatan_id == ceiling.sub_kegiatan_id
    if ceiling.sumber_dana_id is not None:
        return delta.sumber is not None and delta.sumber.pk == ceiling.sumber_dana_id
    return True


def _anything_grows(deltas: Sequence[CeilingDelta]) -> bool:
    """Whether some (agency, sub-kegiatan, funding source) gains money once the deltas are netted: an update is
    "+ new total, − old total" on the same key, and moving money to another sub-kegiatan or funding source grows
    that one."""
    net: dict[tuple[int, int | None, int | None], Decimal] = {}
    for d in deltas:
        key = (d.organisation.pk, d.sub.pk if d.sub is not None else None,
               d.sumber.pk if d.sumber is not None else None)
        net[key] = net.get(key, Decimal(0)) + d.amount
    return any(amount > 0 for amount in net.values())


def ceilings_check(*, fiscal_year: FiscalYear, deltas: Sequence[CeilingDelta]) -> list[CeilingBreach]:
    """Lock the ceilings the deltas touch and return the ones the change would push above their amount.

    The one rule for every belanja write (line_create, line_update, line_create_many, pergeseran): the ceilings
    touched (agency, agency × sub-kegiatan, agency × funding source) are locked in one query in primary-key order,
    summed under the lock in one query, and a ceiling is breached when its total after ALL deltas is above its
    amount AND higher than before (a change that lowers or keeps an already-too-high total is not refused). An
    agency that gains belanja without an agency ceiling is refused ("no_ceiling", raised). The breach names the row
    (`index`) at which the running total last crossed the amount.
    """
    if not _anything_grows(deltas):
        # nothing grows, so nothing can be breached ("higher than before" never holds): no lock, no sum — a save
        # that lowers a line costs two queries less, and never waits for writers that raise the same ceiling
        return []
    organisations = {d.organisation.pk: d.organisation for d in deltas}
    scope = Q(pk__in=[])
    for org_id in organisations:
        mine = [d for d in deltas if d.organisation.pk == org_id]
        part = Q(sub_kegiatan__isnull=True, sumber_dana__isnull=True)
        subs = {d.sub.sub_kegiatan_id for d in mine if d.sub is not None}
        sumbers = {d.sumber.pk for d in mine if d.sumber is not None}
        if subs:
            part |= Q(sub_kegiatan_id__in=subs)
        if sumbers:
            part |= Q(sumber_dana_id__in=sumbers)
        scope |= Q(organisation_id=org_id) & part
    ceilings = list(Ceiling.objects.select_for_update().filter(fiscal_year=fiscal_year).filter(scope).order_by("pk"))
    with_agency_ceiling = {c.organisation_id for c in ceilings
                           if c.sub_kegiatan_id is None and c.sumber_dana_id is None}
    for delta in deltas:
        if delta.amount > 0 and delta.organisation.pk not in with_agency_ceiling:
            raise ApplicationError(
                _("Pagu %(opd)s untuk TA %(t)s belum ditetapkan; belanja belum dapat diinput.")
                % {"opd": delta.organisation, "t": fiscal_year.tahun}, code="no_ceiling",
                details={"index": delta.index})
    if not ceilings:
        return []
    sums = {}
    for ceiling in ceilings:
        condition = Q(organisation_id=ceiling.organisation_id)
        if ceiling.sub_kegiatan_id is not None:
            condition &= Q(sub_activity__sub_kegiatan_id=ceiling.sub_kegiatan_id)
        elif ceiling.sumber_dana_id is not None:
            condition &= Q(sumber_dana_id=ceiling.sumber_dana_id)
        sums[f"c{ceiling.pk}"] = Sum("total", filter=condition)
    used = BudgetLine.objects.filter(fiscal_year=fiscal_year, organisation_id__in=list(organisations),
                                     akun="5").aggregate(**sums)
    breaches = []
    for ceiling in ceilings:
        before = Decimal(used[f"c{ceiling.pk}"] or 0)
        running, crossed_at, named_by = before, None, None
        for delta in deltas:
            if not _covers(ceiling, delta):
                continue
            running += delta.amount
            if running <= ceiling.amount:
                crossed_at = None
            elif crossed_at is None and delta.amount > 0:
                crossed_at = delta.index
            named_by = named_by or delta
        if named_by is not None and running > ceiling.amount and running > before:
            breaches.append(CeilingBreach(ceiling=ceiling, label=_ceiling_label(ceiling, named_by), before=before,
                                          after=running, index=crossed_at))
    return breaches


def _ceiling_label(ceiling: Ceiling, delta: CeilingDelta) -> str:
    if ceiling.sub_kegiatan_id is not None:
        return _("sub kegiatan %(k)s") % {"k": delta.sub.kode if delta.sub else ceiling.sub_kegiatan_id}
    if ceiling.sumber_dana_id is not None:
        return _("sumber dana %(k)s") % {"k": delta.sumber.nama if delta.sumber else ceiling.sumber_dana_id}
    return str(delta.organisation)


def ceilings_require(*, fiscal_year: FiscalYear, deltas: Sequence[CeilingDelta], shift: bool = False) -> None:
    """`ceilings_check`, raising the first breach (by ceiling pk) as an ApplicationError."""
    breaches = ceilings_check(fiscal_year=fiscal_year, deltas=deltas)
    if breaches:
        raise breaches[0].error(shift=shift)
