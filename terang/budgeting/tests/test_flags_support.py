"""Helpers shared by the verification and red-flag tests: lines written directly with the ORM (the line services
are not what these tests exercise), KUA-PPAS snapshot rows, and extra agencies to compare volumes with."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from terang.budgeting.calc import line_amounts
from terang.budgeting.choices import LineType
from terang.budgeting.models import BudgetLine, PriceItem, StageLine, SubActivityBudget
from terang.testing.budget import BudgetWorld, make_budget_world
from terang.testing.factories import OrganisationFactory

D = Decimal


def add_line(world: BudgetWorld, sub: SubActivityBudget, *, item: str | PriceItem | None = None,
             account: str = "5.1.02.01.01.0024", vol1: Any = 1, sat1: str = "Buah", vol2: Any = None,
             sat2: str = "", vol3: Any = None, sat3: str = "", harga: Any = None, ppn: bool = False,
             line_type: str = LineType.ITEM, uraian: str | None = None, total: Any = None,
             **extra: Any) -> BudgetLine:
    """A belanja line of `sub`, priced from the catalogue item (at its maximum price unless `harga` is given)."""
    price_item = world.items[item] if isinstance(item, str) else item
    harga_satuan = D(str(harga)) if harga is not None else (price_item.harga if price_item else D(0))
    amounts = line_amounts(vol1=D(str(vol1)), vol2=D(str(vol2)) if vol2 is not None else None,
                           vol3=D(str(vol3)) if vol3 is not None else None, harga_satuan=harga_satuan, ppn=ppn,
                           ppn_rate=sub.fiscal_year.ppn_rate)
    if line_type == LineType.UNDETAILED:
        amount = D(str(total))
        amounts = line_amounts(vol1=D(1), harga_satuan=amount, ppn=False, ppn_rate=D(0))
        harga_satuan = amount
    return BudgetLine.objects.create(
        fiscal_year=sub.fiscal_year, pemda=sub.pemda, organisation=sub.organisation, sub_activity=sub,
        account=world.accounts[account], akun=account[0], sumber_dana=sub.sumber_dana, line_type=line_type,
        price_item=price_item, uraian=uraian or (price_item.nama if price_item else "Belum dirinci"),
        vol1=D(str(vol1)) if line_type == LineType.ITEM else D(1), sat1=sat1 if line_type == LineType.ITEM else "",
        vol2=D(str(vol2)) if vol2 is not None else None, sat2=sat2, vol3=D(str(vol3)) if vol3 is not None else None,
        sat3=sat3, volume=amounts.volume, satuan=price_item.satuan if price_item else "",
        harga_satuan=harga_satuan, ppn=ppn, ppn_amount=amounts.ppn_amount, total=amounts.total, **extra,
    )


def extra_agencies(world: BudgetWorld, n: int) -> list:
    """`n` more agencies of pemda A (peers for the volume rule)."""
    return [OrganisationFactory(pemda=world.pemda, nama=f"Dinas Uji {i}", singkatan=f"DU{i}",
                                bidang_urusan="1.02") for i in range(n)]


def peer_sub(world: BudgetWorld, org: Any, kode: str = "1.02.02.2.01.0002") -> SubActivityBudget:
    return SubActivityBudget.objects.create(
        fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=org, sub_kegiatan=world.program[kode],
        kode=kode, nama=world.program[kode].nama, sumber_dana=world.sumber_dana["1.1"])


def ppas_line(world: BudgetWorld, sub: SubActivityBudget, total: Any, *, account: str = "5.1.02.01.01.0024"
              ) -> StageLine:
    """A row of the frozen KUA-PPAS snapshot for `sub` with the given total."""
    return StageLine.objects.create(
        stage=world.kua_ppas, line_key=uuid.uuid4(), pemda_id=sub.pemda_id, organisation_id=sub.organisation_id,
        sub_activity_id=sub.pk, sub_kegiatan_kode=sub.kode, account_id=world.accounts[account].pk, akun="5",
        line_type=LineType.ITEM, uraian="KUA-PPAS", volume=D(1), harga_satuan=D(str(total)), ppn_amount=D(0),
        total=D(str(total)))


def module_world(setup: Callable[[BudgetWorld], None] | None = None, **kwargs: Any) -> Any:
    """A module-scoped fixture named `shared_world`: one `make_budget_world()` for every test of a module, kept
    inside an outer transaction that is rolled back when the module ends (each test still runs in its own nested
    transaction through the `db` fixture). Use as `_world = module_world()` and ask for `shared_world` together
    with `db`."""

    @pytest.fixture(scope="module", name="shared_world")
    def fixture(django_db_setup: Any, django_db_blocker: Any) -> Iterator[BudgetWorld]:
        # the root conftest's fast hasher is function-scoped: apply it here too, or every user costs an Argon2 hash
        fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
        with django_db_blocker.unblock(), fast:
            outer = transaction.atomic()
            outer.__enter__()
            try:
                world = make_budget_world(**kwargs)
                if setup is not None:
                    setup(world)
                yield world
            finally:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)

    return fixture
