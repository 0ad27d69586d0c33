"""KUA-PPAS ceilings (plafon): set by Bappeda/BPKAD, never below what agencies have already budgeted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from terang.accounts.permissions import require
from terang.audit.events import EventType
from terang.audit.services import record_change, record_event, snapshot
from terang.core.errors import ApplicationError, ConflictError
from terang.core.money import format_rupiah
from terang.org.models import Organisation
from terang.reference.models import ProgramCode, SumberDana

from ..models import BudgetLine, Ceiling, FiscalYear


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
