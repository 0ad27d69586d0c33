"""The shared test world is consistent: codes nest, postable accounts are level 6, catalogue items allow accounts."""

import pytest

from terang.budgeting.calc import line_amounts
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db


def test_world_builds_with_real_codes():
    world = make_budget_world()
    assert world.program["1.02.02.2.01.0001"].parent.kode == "1.02.02.2.01"
    assert world.accounts["5.1.02.01.01.0024"].is_postable
    assert not world.accounts["5.1.02.01.01"].is_postable
    assert list(world.items["Refill Ballpoint"].allowed_accounts.values_list("kode", flat=True)) == [
        "5.1.02.01.01.0024"]
    sub = world.sub_activity("dinkes", "1.02.01.2.06.0001")
    assert sub.sub_kegiatan.kode == "X.XX.01.2.06.0001"
    assert world.rka.window_is_open()


def test_lem_aibon_line_arithmetic():
    from decimal import Decimal

    amounts = line_amounts(vol1=Decimal(37500), vol2=Decimal(12), harga_satuan=Decimal(184000), ppn=False,
                           ppn_rate=Decimal("0.11"))
    assert amounts.volume == Decimal(450000)
    assert amounts.total == Decimal("82800000000.00")
    with_ppn = line_amounts(vol1=Decimal(3), harga_satuan=Decimal("23550"), ppn=True, ppn_rate=Decimal("0.11"))
    assert (with_ppn.subtotal, with_ppn.ppn_amount, with_ppn.total) == (
        Decimal("70650.00"), Decimal("7771.50"), Decimal("78421.50"))
