"""The verification board: exact counts per agency and status, open comments, who is waited on, totals against the
ceiling and progress; scoped to the reader; one aggregate query (pinned)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terang.accounts.choices import Role
from terang.budgeting.choices import FlagRule
from terang.budgeting.choices import SubActivityStatus as S
from terang.budgeting.models import RedFlag, SubActivityBudget
from terang.budgeting.selectors_verification import (
    fiscal_year_for_user,
    sub_activity_list,
    verification_board,
)
from terang.budgeting.services.verification import (
    sub_activity_lock,
    sub_activity_return,
    sub_activity_submit,
    sub_activity_verify,
    verification_comment_add,
)
from terang.testing.factories import UserFactory, make_user

from .test_flags_support import add_line, module_world

pytestmark = pytest.mark.django_db
D = Decimal


def _build(world) -> None:
    """Dinkes: one sub-kegiatan in each status plus a second submitted one with an open comment; Dispendik: one
    returned; BPKAD: only a ceiling; pemda B: one draft. Moved through the services."""
    u = world.users
    u["head_dispendik"] = make_user(Role.OPD_HEAD, pemda=world.pemda, organisation=world.orgs["dispendik"],
                                    username="kepala.dispendik")

    def make(kode, program, status, volume):
        org = world.orgs["dinkes"]
        sub = SubActivityBudget.objects.create(
            fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=org, sub_kegiatan=world.program[program],
            kode=kode, nama=world.program[program].nama)
        add_line(world, sub, item="Bata Merah", account="5.1.02.01.01.0001", vol1=volume)
        if status != S.DRAFT:
            sub = sub_activity_submit(actor=u["head"], sub_activity=sub)
        if status == S.RETURNED:
            sub = sub_activity_return(actor=u["tapd"], sub_activity=sub, reason="Perbaiki volume.")
        if status in (S.VERIFIED, S.LOCKED):
            sub = sub_activity_verify(actor=u["tapd"], sub_activity=sub)
        if status == S.LOCKED:
            sub = sub_activity_lock(actor=u["bpkad"], sub_activity=sub)
        return sub

    make("1.02.02.2.01.0001", "1.02.02.2.01.0001", S.DRAFT, 1000)  # Rp 1.850.000
    make("1.02.02.2.01.0002", "1.02.02.2.01.0002", S.SUBMITTED, 2000)  # Rp 3.700.000
    make("1.02.01.2.06.0001", "X.XX.01.2.06.0001", S.RETURNED, 100)  # Rp 185.000
    make("1.02.01.2.06.0002", "X.XX.01.2.06.0002", S.VERIFIED, 10)  # Rp 18.500
    make("1.02.01.2.06.0003", "X.XX.01.2.06.0002", S.LOCKED, 1)  # Rp 1.850
    submitted = make("1.02.02.2.01.0003", "1.02.02.2.01.0002", S.SUBMITTED, 1)  # Rp 1.850
    verification_comment_add(actor=u["tapd"], sub_activity=submitted, body="Cek.")
    disp = world.sub_activity("dispendik", "1.01.02.2.02.0024")
    add_line(world, disp, item="Refill Ballpoint", vol1=100)  # Rp 2.355.000
    disp = sub_activity_submit(actor=u["head_dispendik"], sub_activity=disp)
    sub_activity_return(actor=u["tapd"], sub_activity=disp, reason="Rincikan per sekolah.")
    b = world.sub_activity("dinkes_b", "1.02.02.2.01.0002")
    add_line(world, b, item="Bata Merah", account="5.1.02.01.01.0001", vol1=1)
    RedFlag.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=world.orgs["dinkes"],
                           rule=FlagRule.ROUND_TOTAL, message="uji", severity=1)


_world = module_world(_build)


@pytest.fixture
def world(shared_world, db):
    return shared_world


def rows(board) -> dict[str, tuple]:
    return {r.singkatan: (r.counts, r.open_comments, r.open_flags, r.total, r.ceiling, r.waiting_opd, r.waiting_tapd,
                          r.waiting_on, r.progress) for r in board.rows}


def counts(draft=0, submitted=0, returned=0, verified=0, locked=0) -> dict[str, int]:
    return {"draft": draft, "submitted": submitted, "returned": returned, "verified": verified, "locked": locked}


def test_board_counts_for_tapd(world):
    board = verification_board(user=world.users["tapd"], fiscal_year=world.fiscal_year)
    assert [r.singkatan for r in board.rows] == ["Dispendik", "Dinkes", "BPKAD"]  # by agency code
    assert rows(board) == {
        "Dispendik": (counts(returned=1), 1, 0, D("2355000.00"), D("90000000000.00"), 1, 0, "opd", 0),
        "Dinkes": (counts(draft=1, submitted=2, returned=1, verified=1, locked=1), 2, 1,
                   D("5757200.00"), D("5000000000.00"), 2, 2, "both", 33),
        "BPKAD": (counts(), 0, 0, D("0"), D("1000000000.00"), 0, 0, "", 0),
    }
    totals = board.totals
    assert (totals.counts, totals.open_comments, totals.total, totals.ceiling, totals.progress) == (
        counts(draft=1, submitted=2, returned=2, verified=1, locked=1), 3, D("8112200.00"), D("96000000000.00"), 29)
    dinkes = board.rows[1]
    assert (dinkes.sub_activities, dinkes.done, dinkes.ceiling_used) == (6, 2, D("0.1"))


def test_board_filters(world):
    tapd = world.users["tapd"]
    assert [r.singkatan for r in verification_board(user=tapd, fiscal_year=world.fiscal_year,
                                                    status=S.RETURNED).rows] == ["Dispendik", "Dinkes"]
    assert [r.singkatan for r in verification_board(user=tapd, fiscal_year=world.fiscal_year,
                                                    status=S.LOCKED).rows] == ["Dinkes"]
    assert [r.singkatan for r in verification_board(user=tapd, fiscal_year=world.fiscal_year,
                                                    waiting_on="tapd").rows] == ["Dinkes"]
    assert [r.singkatan for r in verification_board(user=tapd, fiscal_year=world.fiscal_year,
                                                    waiting_on="opd").rows] == ["Dispendik", "Dinkes"]


@pytest.mark.parametrize(("who", "expected"), [
    ("operator", ["Dinkes"]), ("head", ["Dinkes"]), ("operator_dispendik", ["Dispendik"]),
    ("bpkad", ["Dispendik", "Dinkes", "BPKAD"]), ("bappeda", ["Dispendik", "Dinkes", "BPKAD"]),
    ("admin", ["Dispendik", "Dinkes", "BPKAD"]), ("auditor", ["Dispendik", "Dinkes", "BPKAD"]),
    ("operator_b", []), ("tapd_b", []),
])
def test_board_is_scoped(world, who, expected):
    board = verification_board(user=world.users[who], fiscal_year=world.fiscal_year)
    assert [r.singkatan for r in board.rows] == expected


def test_other_pemda_board(world):
    board = verification_board(user=world.users["tapd_b"], fiscal_year=world.other_fiscal_year)
    assert rows(board) == {"DinkesB": (counts(draft=1), 0, 0, D("1850.00"), D("5000000000.00"), 1, 0, "opd", 0)}


def test_board_is_one_query(world, django_assert_num_queries):
    user = world.users["tapd"]
    user._terang_memberships = None  # not cached yet
    with django_assert_num_queries(2):  # memberships, the board
        verification_board(user=user, fiscal_year=world.fiscal_year)
    with django_assert_num_queries(1):
        board = verification_board(user=user, fiscal_year=world.fiscal_year)
        assert [r.progress for r in board.rows] == [0, 33, 0]


def test_sub_activity_list_of_one_agency(world, django_assert_num_queries):
    user = world.users["tapd"]
    with django_assert_num_queries(1):
        subs = list(sub_activity_list(user=user, fiscal_year=world.fiscal_year,
                                      organisation_id=world.orgs["dinkes"].pk))
    assert [(s.kode, s.status, s.belanja, s.open_comments) for s in subs] == [
        ("1.02.01.2.06.0001", S.RETURNED, D("185000.00"), 1),
        ("1.02.01.2.06.0002", S.VERIFIED, D("18500.00"), 0),
        ("1.02.01.2.06.0003", S.LOCKED, D("1850.00"), 0),
        ("1.02.02.2.01.0001", S.DRAFT, D("1850000.00"), 0),
        ("1.02.02.2.01.0002", S.SUBMITTED, D("3700000.00"), 0),
        ("1.02.02.2.01.0003", S.SUBMITTED, D("1850.00"), 1),
    ]
    assert list(sub_activity_list(user=world.users["operator_dispendik"], fiscal_year=world.fiscal_year,
                                  organisation_id=world.orgs["dinkes"].pk)) == []


def test_fiscal_year_for_user(world):
    assert fiscal_year_for_user(user=world.users["tapd"]) == world.fiscal_year
    assert fiscal_year_for_user(user=world.users["tapd_b"]) == world.other_fiscal_year
    assert fiscal_year_for_user(user=world.users["tapd"], pk=world.other_fiscal_year.pk) is None
    assert fiscal_year_for_user(user=world.users["tapd"], pk="abc") is None
    assert fiscal_year_for_user(user=UserFactory()) is None
