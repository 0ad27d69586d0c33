"""flags_refresh: idempotent, dismissed flags stay dismissed while their finding holds, changed findings replace
them, vanished findings are removed, scoped refreshes touch only their scope; flag_dismiss rules; public_flags;
and a clean generated budget of ~2,000 lines has few flags (the rate is printed)."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.calc import line_amounts
from terang.budgeting.choices import CatalogueKind, FlagRule, FlagStatus, LineType, StageStatus
from terang.budgeting.models import BudgetLine, Ceiling, PriceItem, RedFlag, Stage, SubActivityBudget
from terang.budgeting.selectors_verification import public_flags
from terang.budgeting.services.flags import flag_dismiss, flags_refresh
from terang.core.errors import ApplicationError, PermissionDeniedError

from .test_flags_support import add_line, extra_agencies, module_world, peer_sub, ppas_line

pytestmark = pytest.mark.django_db
D = Decimal
REASON = "Harga sesuai kontrak payung e-katalog 2026."

_world = module_world()


@pytest.fixture
def world(shared_world, db):
    return shared_world


@pytest.fixture
def budget(world):
    """Dinkes with an overpriced line and a placeholder; Dispendik with a glue line bought per pupil."""
    dinkes = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    over = add_line(world, dinkes, item="Refill Ballpoint", vol1=10, harga=30000)
    reserved = add_line(world, dinkes, line_type=LineType.UNDETAILED, total="7500000")
    disp = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    glue = add_line(world, disp, item="Lem Kertas Cair", vol1=500, sat1="Siswa", vol2=12, sat2="Bulan")
    return {"over": over, "reserved": reserved, "glue": glue, "dinkes": dinkes, "disp": disp}


def snapshot() -> list[tuple]:
    return list(RedFlag.objects.order_by("pk").values_list("pk", "rule", "line_id", "status", "message", "details",
                                                           "dismissed_reason"))


def flag(line, rule) -> RedFlag:
    return RedFlag.objects.get(line=line, rule=rule)


# --- refresh -------------------------------------------------------------------------------------------------------


def test_refresh_creates_flags_and_records_one_event(world, budget):
    summary = flags_refresh(fiscal_year=world.fiscal_year, actor=world.users["tapd"])
    assert sorted(RedFlag.objects.values_list("rule", flat=True)) == [
        FlagRule.PLACEHOLDER, FlagRule.PRICE_ABOVE_CATALOGUE, FlagRule.VOLUME_OUTLIER]
    assert (summary.lines_checked, summary.created, summary.kept, summary.removed, summary.open,
            summary.dismissed) == (3, 3, 0, 0, 3, 0)
    event = DomainEvent.objects.order_by("-seq").first()
    assert (event.event_type, event.object_type, event.actor_username, event.pemda_id) == (
        EventType.FLAGS_REFRESHED, "budgeting.fiscalyear", "tapd", world.pemda.pk)
    assert event.payload == {
        "lines_checked": 3, "created": 3, "updated": 0, "replaced": 0, "kept": 0, "removed": 0, "open": 3,
        "dismissed": 0, "by_rule": {"placeholder": 1, "price_above_catalogue": 1, "volume_outlier": 1},
        "scope": "all"}
    assert flag(budget["glue"], FlagRule.VOLUME_OUTLIER).details["per_orang"]["per_orang_per_bulan"] == "1"


def test_refresh_is_idempotent(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    before = snapshot()
    summary = flags_refresh(fiscal_year=world.fiscal_year)
    assert snapshot() == before
    assert (summary.created, summary.updated, summary.replaced, summary.kept, summary.removed) == (0, 0, 0, 3, 0)


def test_dismissed_flag_stays_dismissed_while_the_finding_holds(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    price = flag(budget["over"], FlagRule.PRICE_ABOVE_CATALOGUE)
    flag_dismiss(actor=world.users["tapd"], flag=price, reason=REASON)
    before = snapshot()
    summary = flags_refresh(fiscal_year=world.fiscal_year)
    assert snapshot() == before
    assert (summary.open, summary.dismissed) == (2, 1)
    price.refresh_from_db()
    assert (price.status, price.dismissed_reason, price.dismissed_by) == (
        FlagStatus.DISMISSED, REASON, world.users["tapd"])


def test_changed_finding_replaces_a_dismissed_flag_and_updates_an_open_one(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    price = flag(budget["over"], FlagRule.PRICE_ABOVE_CATALOGUE)
    flag_dismiss(actor=world.users["tapd"], flag=price, reason=REASON)
    placeholder = flag(budget["reserved"], FlagRule.PLACEHOLDER)
    BudgetLine.objects.filter(pk=budget["over"].pk).update(harga_satuan=D("40000"), total=D("400000"))
    BudgetLine.objects.filter(pk=budget["reserved"].pk).update(harga_satuan=D("8000000"), total=D("8000000"))
    changes = ChangeRecord.objects.count()

    summary = flags_refresh(fiscal_year=world.fiscal_year)

    assert (summary.replaced, summary.updated, summary.kept, summary.created) == (1, 1, 1, 0)
    assert not RedFlag.objects.filter(pk=price.pk).exists()
    new = flag(budget["over"], FlagRule.PRICE_ABOVE_CATALOGUE)
    assert (new.status, new.dismissed_reason, new.details["harga_satuan"]) == (FlagStatus.OPEN, "", "40000")
    updated = flag(budget["reserved"], FlagRule.PLACEHOLDER)
    assert (updated.pk, updated.details["total"]) == (placeholder.pk, "8000000")
    # the old dismissal does not vanish silently
    assert ChangeRecord.objects.count() == changes + 1
    record = ChangeRecord.objects.order_by("-seq").first()
    assert (record.action, record.object_id, record.before["dismissed_reason"], record.reason) == (
        "delete", str(price.pk), REASON, "Temuan berubah; tanda bahaya dibuka kembali sebagai temuan baru.")


def test_flags_of_vanished_findings_are_removed(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    glue = flag(budget["glue"], FlagRule.VOLUME_OUTLIER)
    flag_dismiss(actor=world.users["tapd"], flag=glue, reason="Sudah dicek, lem untuk prakarya kelas.")
    BudgetLine.objects.filter(pk=budget["over"].pk).update(harga_satuan=D("23550"), total=D("235500"))
    BudgetLine.objects.filter(pk=budget["glue"].pk).update(sat1="Buah")  # 6.000 bottles, no longer per pupil
    summary = flags_refresh(fiscal_year=world.fiscal_year)
    assert summary.removed == 2
    assert sorted(RedFlag.objects.values_list("rule", flat=True)) == [FlagRule.PLACEHOLDER]
    record = ChangeRecord.objects.order_by("-seq").first()
    assert (record.action, record.reason) == ("delete", "Temuan tidak berlaku lagi.")


def test_refresh_of_one_agency_leaves_the_others_alone(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    BudgetLine.objects.filter(pk=budget["glue"].pk).update(harga_satuan=D("99999"))
    BudgetLine.objects.filter(pk=budget["over"].pk).update(harga_satuan=D("23550"))
    summary = flags_refresh(fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"])
    assert (summary.lines_checked, summary.removed) == (2, 1)
    rules = set(RedFlag.objects.values_list("organisation__singkatan", "rule"))
    assert rules == {("Dinkes", FlagRule.PLACEHOLDER), ("Dispendik", FlagRule.VOLUME_OUTLIER)}
    assert DomainEvent.objects.order_by("-seq").first().payload["organisation"] == world.orgs["dinkes"].pk


def test_refresh_of_some_lines(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    BudgetLine.objects.filter(pk__in=[budget["over"].pk, budget["glue"].pk]).update(harga_satuan=D("1"))
    summary = flags_refresh(fiscal_year=world.fiscal_year, lines=[budget["over"]])
    assert (summary.lines_checked, summary.removed) == (1, 1)
    assert not RedFlag.objects.filter(line=budget["over"]).exists()
    assert RedFlag.objects.filter(line=budget["glue"]).exists()  # not asked for
    assert RedFlag.objects.filter(line=budget["reserved"]).exists()


def test_refresh_query_count_does_not_grow_with_lines(world, budget, django_assert_max_num_queries):
    flags_refresh(fiscal_year=world.fiscal_year)
    for volume in range(1, 40):
        add_line(world, budget["dinkes"], item="Refill Ballpoint", vol1=volume, harga=23551)
    # lock, lines, items' accounts, items, accounts, sub-kegiatan, ceilings, KUA-PPAS stage, existing flags,
    # one bulk insert, counts, the audit event (chain heads): bounded, not per line
    with django_assert_max_num_queries(22):
        summary = flags_refresh(fiscal_year=world.fiscal_year)
    assert summary.created == 39


# --- dismissing ----------------------------------------------------------------------------------------------------


def _state(pk) -> tuple:
    f = RedFlag.objects.get(pk=pk)
    return f.status, f.dismissed_reason, f.dismissed_by_id, ChangeRecord.objects.count(), DomainEvent.objects.count()


def test_dismiss_records_who_why_and_an_event(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    price = flag(budget["over"], FlagRule.PRICE_ABOVE_CATALOGUE)
    result = flag_dismiss(actor=world.users["tapd"], flag=price.pk, reason=f"  {REASON} ")
    assert (result.status, result.dismissed_reason, result.dismissed_by) == (
        FlagStatus.DISMISSED, REASON, world.users["tapd"])
    assert result.dismissed_at is not None
    event = DomainEvent.objects.order_by("-seq").first()
    assert (event.event_type, event.object_id, event.payload["reason"]) == (
        EventType.FLAG_DISMISSED, str(price.pk), REASON)
    change = ChangeRecord.objects.order_by("-seq").first()
    assert (change.action, change.after["status"], change.after["dismissed_reason"]) == (
        "transition", "dismissed", REASON)


@pytest.mark.parametrize(("who", "reason", "exc", "code"), [
    ("tapd", "terlalu", ApplicationError, "reason_too_short"),
    ("tapd", "", ApplicationError, "reason_required"),
    ("head", REASON, PermissionDeniedError, "permission_denied"),
    ("bpkad", REASON, PermissionDeniedError, "permission_denied"),
    ("admin", REASON, PermissionDeniedError, "permission_denied"),
    ("tapd_b", REASON, PermissionDeniedError, "permission_denied"),
])
def test_dismiss_refused(world, budget, who, reason, exc, code):
    flags_refresh(fiscal_year=world.fiscal_year)
    price = flag(budget["over"], FlagRule.PRICE_ABOVE_CATALOGUE)
    before = _state(price.pk)
    with pytest.raises(exc) as info:
        flag_dismiss(actor=world.users[who], flag=price, reason=reason)
    assert info.value.code == code
    assert _state(price.pk) == before


def test_a_dismissed_flag_cannot_be_dismissed_again(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    price = flag(budget["over"], FlagRule.PRICE_ABOVE_CATALOGUE)
    flag_dismiss(actor=world.users["tapd"], flag=price, reason=REASON)
    before = _state(price.pk)
    with pytest.raises(ApplicationError) as info:
        flag_dismiss(actor=world.users["tapd"], flag=price, reason="Alasan lain yang panjang.")
    assert info.value.code == "transition_not_allowed"
    assert _state(price.pk) == before


# --- published -----------------------------------------------------------------------------------------------------


def test_public_flags_only_for_lines_in_a_published_stage(world, budget):
    flags_refresh(fiscal_year=world.fiscal_year)
    assert list(public_flags(fiscal_year=world.fiscal_year)) == []  # everything is still a draft
    from terang.budgeting.models import StageLine

    line = budget["over"]
    StageLine.objects.create(stage=world.kua_ppas, line_key=line.line_key, line_id=line.pk, pemda_id=world.pemda.pk,
                             organisation_id=line.organisation_id, sub_activity_id=line.sub_activity_id,
                             sub_kegiatan_kode="1.02.02.2.01.0002", account_id=line.account_id, akun="5",
                             line_type="item", uraian=line.uraian, volume=line.volume, harga_satuan=line.harga_satuan,
                             ppn_amount=D(0), total=line.total)
    price = flag(line, FlagRule.PRICE_ABOVE_CATALOGUE)
    flag_dismiss(actor=world.users["tapd"], flag=price, reason=REASON)
    published = list(public_flags(fiscal_year=world.fiscal_year))
    assert [(f.rule, f.status, f.dismissed_reason) for f in published] == [
        (FlagRule.PRICE_ABOVE_CATALOGUE, FlagStatus.DISMISSED, REASON)]
    assert list(public_flags(fiscal_year=world.fiscal_year, stage=world.rka)) == []  # RKA is not published
    assert [f.pk for f in public_flags(fiscal_year=world.fiscal_year, stage=world.kua_ppas)] == [price.pk]
    Stage.objects.filter(pk=world.kua_ppas.pk).update(status=StageStatus.CLOSED)
    assert list(public_flags(fiscal_year=world.fiscal_year)) == []


# --- a clean budget has few flags ----------------------------------------------------------------------------------


def _clean_budget(world, rng: random.Random) -> int:
    """~2,000 plausible lines over 8 agencies: prices at or below the catalogue, items under their accounts,
    volumes log-normally spread (σ 0,5) around a per-item typical volume scaled by the agency's size (0,5–2×),
    sub-kegiatan in KUA-PPAS with ±10 % changes, ceilings 5 % above the totals."""
    fy = world.fiscal_year
    accounts = {
        "atk": world.accounts["5.1.02.01.01.0024"], "bangunan": world.accounts["5.1.02.01.01.0001"],
        "makan": world.accounts["5.1.02.01.01.0052"],
    }
    catalogue = []
    for i in range(45):
        kind = ("atk", "bangunan", "makan")[i % 3]
        harga = D(rng.choice([2500, 7800, 15400, 23550, 56000, 87500, 145000, 312000, 1250000])) + i * 10
        item = PriceItem.objects.create(
            fiscal_year=fy, pemda=world.pemda, kind=CatalogueKind.SSH,
            kode=f"{'1.1.12.01.03' if kind == 'atk' else '1.1.12.01.01'}.9{i:03d}.00001", nama=f"Barang uji {i}",
            satuan="Buah", harga=harga)
        item.allowed_accounts.set([accounts[kind]])
        typical = D(rng.choice([4, 10, 24, 60, 150, 400]))
        catalogue.append((item, accounts[kind], typical))
    orgs = [world.orgs["dinkes"], world.orgs["dispendik"], *extra_agencies(world, 6)]
    codes = ["1.02.02.2.01.0001", "1.02.02.2.01.0002", "X.XX.01.2.06.0001", "X.XX.01.2.06.0002"]
    lines: list[BudgetLine] = []
    subs = []
    for org in orgs:
        size = D(str(round(rng.uniform(0.5, 2.0), 2)))  # agencies differ in size
        for n in range(6):
            code = world.program[codes[n % 4]]
            sub = SubActivityBudget.objects.create(
                fiscal_year=fy, pemda=world.pemda, organisation=org, sub_kegiatan=code, kode=f"{code.kode}-{n}",
                nama=code.nama, sumber_dana=world.sumber_dana["1.1"], planning_trace="" if n % 2 else "Renja 2026")
            subs.append(sub)
            for item, account, typical in rng.sample(catalogue, 42):
                spread = D(str(round(math.exp(rng.gauss(0, 0.5)), 3)))
                volume = max(D(1), (typical * size * spread).to_integral_value())
                factor = D(str(rng.choice([1, 1, 1, "0.98", "0.95", "0.9"])))
                harga = (item.harga * factor).quantize(D(1), rounding=ROUND_HALF_UP)
                people = rng.random() < 0.1 and account.kode == "5.1.02.01.01.0024"
                vol1, sat1, vol2, sat2 = (volume, "Buah", None, "")
                if people:  # a few ATK lines counted per person and month (a quarter unit each), same volume
                    vol1, sat1, vol2, sat2 = (max(D(1), (volume / 3).to_integral_value()), "Orang", D(12), "Bulan")
                amounts = line_amounts(vol1=vol1, vol2=vol2, harga_satuan=harga, ppn=False, ppn_rate=fy.ppn_rate)
                if people:
                    amounts = line_amounts(vol1=vol1, vol2=vol2, vol3=D("0.25"), harga_satuan=harga, ppn=False,
                                           ppn_rate=fy.ppn_rate)
                lines.append(BudgetLine(
                    fiscal_year=fy, pemda=world.pemda, organisation=org, sub_activity=sub, account=account, akun="5",
                    sumber_dana=sub.sumber_dana, price_item=item, uraian=item.nama, vol1=vol1, sat1=sat1,
                    vol2=vol2, sat2=sat2, vol3=D("0.25") if people else None, sat3="Buah" if people else "",
                    volume=amounts.volume, satuan="Buah", harga_satuan=harga, total=amounts.total))
    BudgetLine.objects.bulk_create(lines, batch_size=500)
    totals: dict[int, Decimal] = {}
    for line in lines:
        totals[line.sub_activity_id] = totals.get(line.sub_activity_id, D(0)) + line.total
    for sub in subs:
        ppas_line(world, sub, (totals[sub.pk] * D(str(round(rng.uniform(0.9, 1.1), 3)))).quantize(D(1)))
    for org in orgs:
        org_total = sum((t for s, t in totals.items() if any(x.pk == s and x.organisation_id == org.pk
                                                                for x in subs)), D(0))
        Ceiling.objects.update_or_create(fiscal_year=fy, organisation=org, sub_kegiatan=None, sumber_dana=None,
                                         defaults={"pemda": world.pemda, "amount": (org_total * D("1.05")).quantize(
                                             D(1000))})
    return len(lines)


def test_a_clean_generated_budget_has_few_flags(world, capsys):
    count = _clean_budget(world, random.Random(2026))
    summary = flags_refresh(fiscal_year=world.fiscal_year)
    flagged_lines = RedFlag.objects.filter(line__isnull=False).values("line").distinct().count()
    rate = flagged_lines / count
    with capsys.disabled():
        print(f"\nclean budget: {count} lines, {summary.open} flags ({summary.by_rule}), "
              f"{flagged_lines} flagged lines = {rate:.2%}, refresh {summary.seconds:.2f} s")
    assert 1900 <= count <= 2100
    assert rate < 0.02
    assert summary.open / count < 0.02
    # the same budget with the two Jakarta patterns planted is caught
    disp = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    aibon = add_line(world, disp, item="Lem Kertas Cair", vol1=37500, sat1="Orang", vol2=12, sat2="Bulan",
                     harga=184000)
    inserted = peer_sub(world, world.orgs["dispendik"], "1.02.02.2.01.0001")
    ups = add_line(world, inserted, item="UPS 1.200 VA", account="5.2.02.05.02.0006", vol1=25, sat1="Unit",
                   harga=5800000000)
    flags_refresh(fiscal_year=world.fiscal_year)
    assert {FlagRule.PRICE_ABOVE_CATALOGUE, FlagRule.VOLUME_OUTLIER} <= set(
        RedFlag.objects.filter(line=aibon).values_list("rule", flat=True))
    assert FlagRule.PRICE_ABOVE_CATALOGUE in set(RedFlag.objects.filter(line=ups).values_list("rule", flat=True))
    assert RedFlag.objects.filter(sub_activity=inserted, line__isnull=True, rule=FlagRule.NEW_AFTER_PPAS).exists()
