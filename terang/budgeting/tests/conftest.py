"""Fixtures shared by the e-Budgeting tests that work on the DPA/report world of `test_dpa_world`."""

from __future__ import annotations

import pytest

from .test_dpa_world import build_budget, freeze


@pytest.fixture
def budget():
    """Two agencies' lines, revenue and financing written through the ORM (see test_dpa_world.build_budget)."""
    return build_budget()


@pytest.fixture
def apbd(budget):
    """The budget frozen and published as APBD murni."""
    return freeze(budget)
