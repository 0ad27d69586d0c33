"""BudgetLine declares no database-level foreign key for fiscal_year, pemda, created_by and updated_by
(docs/decisions/0003-budgetline-foreign-keys.md). The bulk import checks and locks those parents once instead; the
references that vary by row keep their database constraints; the ORM still refuses to delete a parent in use."""

from __future__ import annotations

import copy

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from terang.accounts.models import User
from terang.budgeting.models import BudgetLine
from terang.budgeting.services.bulk_import import lines_bulk_import_csv
from terang.budgeting.tests.test_demo_bulk_import import _row, _write
from terang.core.errors import ApplicationError
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = make_budget_world()
    w.sub = w.sub_activity("dinkes", "1.02.02.2.01.0002")
    return w


def test_only_the_row_varying_references_are_database_foreign_keys(postgres_only):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, BudgetLine._meta.db_table)
    columns = {c["columns"][0] for c in constraints.values() if c["foreign_key"]}
    assert columns == {"organisation_id", "sub_activity_id", "account_id", "sumber_dana_id", "price_item_id"}


def test_a_fiscal_year_missing_from_the_database_is_refused_and_nothing_is_written(world, tmp_path):
    ghost = copy.copy(world.fiscal_year)
    ghost.pk = world.fiscal_year.pk + 10_000
    with pytest.raises(ApplicationError) as excinfo:
        lines_bulk_import_csv(fiscal_year=ghost, path=_write(tmp_path, [_row(world)]))
    assert (excinfo.value.code, excinfo.value.message) == (
        "bulk_import_parent", "Tahun anggaran 2026 tidak ada di basis data; tidak ada rincian yang disimpan.")
    assert not BudgetLine.objects.exists()


def test_a_fiscal_year_named_with_another_pemda_is_refused(world, tmp_path):
    mixed = copy.copy(world.fiscal_year)
    mixed.pemda_id = world.other_pemda.pk
    with pytest.raises(ApplicationError) as excinfo:
        lines_bulk_import_csv(fiscal_year=mixed, path=_write(tmp_path, [_row(world)]))
    assert excinfo.value.code == "bulk_import_parent"
    assert not BudgetLine.objects.exists()


def test_an_actor_missing_from_the_database_is_refused_and_nothing_is_written(world, tmp_path):
    ghost = copy.copy(world.users["operator"])
    ghost.pk = User.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    with pytest.raises(ApplicationError) as excinfo:
        lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, [_row(world)]), actor=ghost)
    assert excinfo.value.code == "bulk_import_parent"
    assert "tidak ada di basis data" in excinfo.value.message
    assert not BudgetLine.objects.exists()


def test_an_unknown_sub_kegiatan_or_item_is_still_a_row_error(world, tmp_path):
    rows = [_row(world, kode_sub_kegiatan="1.02.02.2.01.0099"), _row(world, kode_komponen="9.9.9")]
    with pytest.raises(ApplicationError) as excinfo:
        lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, rows))
    assert [(e["baris"], e["kolom"]) for e in excinfo.value.details["kesalahan"]] == [
        (2, "kode_sub_kegiatan"), (3, "kode_komponen")]
    assert not BudgetLine.objects.exists()


def test_parents_in_use_cannot_be_deleted_through_the_orm(world, tmp_path):
    lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, [_row(world)]),
                          actor=world.users["operator"])
    for parent in (world.fiscal_year, world.pemda, world.users["operator"]):
        with pytest.raises(ProtectedError), transaction.atomic():
            parent.delete()
    line = BudgetLine.objects.get()
    assert (line.fiscal_year_id, line.pemda_id, line.created_by_id) == (
        world.fiscal_year.pk, world.pemda.pk, world.users["operator"].pk)


def test_row_varying_references_are_still_enforced_by_the_database(world, tmp_path, postgres_only):
    lines_bulk_import_csv(fiscal_year=world.fiscal_year, path=_write(tmp_path, [_row(world)]))
    line = BudgetLine.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(pk=line.pk).update(sub_activity_id=line.sub_activity_id + 10_000)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert BudgetLine.objects.get().sub_activity_id == line.sub_activity_id
