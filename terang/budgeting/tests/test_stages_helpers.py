"""Helpers shared by the stage, diff and pergeseran tests: lines created directly (the line services are tested
elsewhere), stages moved into a state quickly, and aware datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from terang.budgeting.calc import line_amounts
from terang.budgeting.choices import StageKind, StageStatus
from terang.budgeting.models import BudgetLine, Stage, SubActivityBudget
from terang.testing.budget import BudgetWorld


def add_line(world: BudgetWorld, sub: SubActivityBudget | None = None, *, org: str = "dinkes",
             account: str = "5.1.02.01.01.0024", item: str | None = "Refill Ballpoint", vol1: Any = 10,
             vol2: Any = None, harga: Any = None, uraian: str | None = None, user: Any = None,
             ppn: bool = False) -> BudgetLine:
    """A belanja line priced from the catalogue, with totals from calc.line_amounts."""
    if sub is None:
        sub = world.sub_activity(org, "1.02.01.2.06.0001") if not SubActivityBudget.objects.filter(
            organisation=world.orgs[org], kode="1.02.01.2.06.0001").exists() else SubActivityBudget.objects.get(
            organisation=world.orgs[org], kode="1.02.01.2.06.0001")
    price_item = world.items[item] if item else None
    price = Decimal(harga) if harga is not None else (price_item.harga if price_item else Decimal("1000"))
    fy = sub.fiscal_year
    amounts = line_amounts(vol1=Decimal(vol1), vol2=Decimal(vol2) if vol2 is not None else None,
                           harga_satuan=price, ppn=ppn, ppn_rate=fy.ppn_rate)
    return BudgetLine.objects.create(
        fiscal_year=fy, pemda=sub.pemda, organisation=sub.organisation, sub_activity=sub,
        account=world.accounts[account], akun=account[0], sumber_dana=world.sumber_dana["1.1"],
        price_item=price_item, uraian=uraian or (price_item.nama if price_item else "Belanja"),
        vol1=Decimal(vol1), sat1=price_item.satuan if price_item else "Paket",
        vol2=Decimal(vol2) if vol2 is not None else None, volume=amounts.volume,
        satuan=price_item.satuan if price_item else "Paket", harga_satuan=price, ppn=ppn,
        ppn_amount=amounts.ppn_amount, total=amounts.total, created_by=user, updated_by=user,
    )


def set_line(line: BudgetLine, *, vol1: Any = None, harga: Any = None, user: Any = None, **fields: Any) -> BudgetLine:
    """Change a line directly (recomputing its totals)."""
    if vol1 is not None:
        line.vol1 = Decimal(vol1)
    if harga is not None:
        line.harga_satuan = Decimal(harga)
    amounts = line_amounts(vol1=line.vol1, vol2=line.vol2, vol3=line.vol3, vol4=line.vol4,
                           harga_satuan=line.harga_satuan, ppn=line.ppn, ppn_rate=line.fiscal_year.ppn_rate)
    line.volume, line.ppn_amount, line.total = amounts.volume, amounts.ppn_amount, amounts.total
    for key, value in fields.items():
        setattr(line, key, value)
    if user is not None:
        line.updated_by = user
    line.version += 1
    line.save()
    return line


def at(days: float = 0, hours: float = 0) -> datetime:
    return timezone.now() + timedelta(days=days, hours=hours)


def force_status(stage: Stage, status: str, **fields: Any) -> Stage:
    """Put a stage in a state directly (test setup only; services go through the workflow)."""
    Stage.objects.filter(pk=stage.pk).update(status=status, **fields)
    stage.refresh_from_db()
    return stage


def apbd_frozen(world: BudgetWorld) -> Stage:
    """Close RKA and add a frozen APBD murni stage so pergeseran/APBD-P can be added."""
    force_status(world.rka, StageStatus.CLOSED, frozen_at=at(-1), closes_at=at(-1))
    return Stage.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, kind=StageKind.APBD, sequence=3,
                                nama="APBD murni", status=StageStatus.CLOSED, opens_at=at(-5), closes_at=at(-1),
                                frozen_at=at(-1))
