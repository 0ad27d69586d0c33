"""The input window rule: [opens_at, closes_at) of an open stage, or an unexpired reopening for the agency / all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from terang.budgeting.choices import StageStatus
from terang.budgeting.models import StageReopening
from terang.budgeting.selectors_stages import active_reopening, input_window, stage_input_allowed
from terang.org.choices import OrganisationKind
from terang.testing.budget import make_budget_world
from terang.testing.factories import OrganisationFactory

from .test_stages_helpers import at, force_status

pytestmark = pytest.mark.django_db

US = timedelta(microseconds=1)


@pytest.fixture
def world():
    return make_budget_world(with_users=True)


def test_window_boundaries_opens_inclusive_closes_exclusive(world):
    opens, closes = at(-1), at(1)
    stage = force_status(world.rka, StageStatus.OPEN, opens_at=opens, closes_at=closes)
    dinkes = world.orgs["dinkes"]
    assert not stage_input_allowed(stage=stage, organisation=dinkes, at=opens - US)
    assert stage_input_allowed(stage=stage, organisation=dinkes, at=opens)
    assert stage_input_allowed(stage=stage, organisation=dinkes, at=closes - US)
    assert not stage_input_allowed(stage=stage, organisation=dinkes, at=closes)


@pytest.mark.parametrize("status", [StageStatus.PLANNED, StageStatus.PUBLISHED])
def test_planned_and_published_stages_never_accept_input(world, status):
    stage = force_status(world.rka, status, opens_at=at(-1), closes_at=at(1))
    StageReopening.objects.create(stage=stage, pemda=world.pemda, reason="x" * 30, reopened_by=world.users["bpkad"],
                                  until=at(1))
    assert not stage_input_allowed(stage=stage, organisation=world.orgs["dinkes"])


def test_reopening_for_one_agency_its_units_or_for_all(world):
    stage = force_status(world.rka, StageStatus.CLOSED, opens_at=at(-3), closes_at=at(-1), frozen_at=at(-1))
    dinkes, dispendik = world.orgs["dinkes"], world.orgs["dispendik"]
    puskesmas = OrganisationFactory(pemda=world.pemda, parent=dinkes, kind=OrganisationKind.PUSKESMAS,
                                    nama="Puskesmas Kota")
    assert not stage_input_allowed(stage=stage, organisation=dinkes)
    reopening = StageReopening.objects.create(stage=stage, pemda=world.pemda, organisation=dinkes, reason="x" * 30,
                                              reopened_by=world.users["bpkad"], until=at(0, hours=2))
    assert stage_input_allowed(stage=stage, organisation=dinkes)
    assert stage_input_allowed(stage=stage, organisation=puskesmas)
    assert not stage_input_allowed(stage=stage, organisation=dispendik)
    assert not stage_input_allowed(stage=stage, organisation=None)
    # `until` is exclusive too
    assert stage_input_allowed(stage=stage, organisation=dinkes, at=reopening.until - US)
    assert not stage_input_allowed(stage=stage, organisation=dinkes, at=reopening.until)
    # a reopening does not reach back before it was made
    assert not stage_input_allowed(stage=stage, organisation=dinkes, at=reopening.reopened_at - US)
    StageReopening.objects.create(stage=stage, pemda=world.pemda, organisation=None, reason="y" * 30,
                                  reopened_by=world.users["bpkad"], until=at(0, hours=1))
    assert stage_input_allowed(stage=stage, organisation=dispendik)
    assert active_reopening(stage=stage, organisation=dinkes) == reopening  # the one lasting longest


def test_input_window_names_the_stage_and_the_end(world):
    window = input_window(fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"])
    assert (window.allowed, window.stage, window.until, window.reopening) == (True, world.rka, world.rka.closes_at,
                                                                             None)
    force_status(world.rka, StageStatus.OPEN, closes_at=at(-0.01))
    window = input_window(fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"])
    assert (window.allowed, window.stage) == (False, world.rka)
    until = at(1)
    reopening = StageReopening.objects.create(stage=world.rka, pemda=world.pemda, organisation=world.orgs["dinkes"],
                                              reason="z" * 30, reopened_by=world.users["bpkad"], until=until)
    window = input_window(fiscal_year=world.fiscal_year, organisation=world.orgs["dinkes"])
    assert (window.allowed, window.until, window.reopening) == (True, until, reopening)
