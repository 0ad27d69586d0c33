"""Fixtures of the accounts tests: a fast password hasher and a two-pemda world with every kind of scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from terang.accounts.choices import ROLE_SCOPE, ScopeKind
from terang.org.choices import OrganisationKind
from terang.org.models import Organisation, Pemda, Region
from terang.testing.factories import OrganisationFactory, PemdaFactory, make_region_tree, make_user

# Where a user of each scope kind sits: own scope (A), a sibling scope in the same pemda, and the other pemda.
# (pemda key, organisation key, region key)
SCOPES: dict[str, dict[str, tuple[str, str | None, str | None]]] = {
    ScopeKind.PEMDA: {"own": ("A", None, None), "foreign": ("B", None, None)},
    ScopeKind.ORGANISATION: {
        "own": ("A", "opd1", None),
        "sibling": ("A", "opd2", None),
        "foreign": ("B", "opdB", None),
    },
    ScopeKind.KECAMATAN: {"own": ("A", None, "kec1"), "sibling": ("A", None, "kec2"), "foreign": ("B", None, "kecB")},
    ScopeKind.DESA: {"own": ("A", None, "desa1"), "sibling": ("A", None, "desa2"), "foreign": ("B", None, "desaB")},
}

# Targets (named objects of the world) inside the "own" scope of each scope kind.
OWN_TARGETS: dict[str, set[str]] = {
    ScopeKind.PEMDA: {
        "pemdaA",
        "opd1",
        "opd1_unit",
        "opd2",
        "kec1",
        "kec2",
        "desa1",
        "desa2",
        "kel1",
        "kecoffice1",
        "kecoffice2",
        "desagov1",
        "desagov2",
    },
    ScopeKind.ORGANISATION: {"opd1", "opd1_unit"},
    ScopeKind.KECAMATAN: {"kec1", "desa1", "kel1", "kecoffice1", "desagov1"},
    ScopeKind.DESA: {"desa1", "desagov1"},
}


@dataclass
class World:
    pemdas: dict[str, Pemda]
    orgs: dict[str, Organisation]
    regions: dict[str, Region]
    _counter: list[int] = field(default_factory=lambda: [0])

    def target(self, name: str) -> Any:
        if name == "pemdaA":
            return self.pemdas["A"]
        if name == "pemdaB":
            return self.pemdas["B"]
        return self.orgs.get(name) or self.regions[name]

    @property
    def target_names(self) -> list[str]:
        return ["pemdaA", "pemdaB", *self.orgs, *self.regions]

    def user(self, role: str, where: str = "own", username: str | None = None) -> Any:
        pemda_key, org_key, region_key = SCOPES[ROLE_SCOPE[role]][where]
        self._counter[0] += 1
        return make_user(
            role,
            pemda=self.pemdas[pemda_key],
            organisation=self.orgs[org_key] if org_key else None,
            region=self.regions[region_key] if region_key else None,
            username=username or f"{role}_{where}_{self._counter[0]}",
        )


@pytest.fixture
def world(db) -> World:
    tree_a = make_region_tree("99.01")
    tree_b = make_region_tree("99.02")
    pemda_a = PemdaFactory(region=tree_a["kabupaten"])
    pemda_b = PemdaFactory(region=tree_b["kabupaten"])
    opd1 = OrganisationFactory(pemda=pemda_a, nama="Dinas Kesehatan", singkatan="Dinkes")
    orgs = {
        "opd1": opd1,
        "opd1_unit": OrganisationFactory(
            pemda=pemda_a, kind=OrganisationKind.PUSKESMAS, parent=opd1, nama="Puskesmas Satu", singkatan="PKM1"
        ),
        "opd2": OrganisationFactory(pemda=pemda_a, nama="Dinas Pendidikan", singkatan="Disdik"),
        "kecoffice1": OrganisationFactory(
            pemda=pemda_a, kind=OrganisationKind.KECAMATAN, region=tree_a["kec1"], singkatan="Kec1"
        ),
        "kecoffice2": OrganisationFactory(
            pemda=pemda_a, kind=OrganisationKind.KECAMATAN, region=tree_a["kec2"], singkatan="Kec2"
        ),
        "desagov1": OrganisationFactory(
            pemda=pemda_a, kind=OrganisationKind.PEMERINTAH_DESA, region=tree_a["desa1"], singkatan="Desa1"
        ),
        "desagov2": OrganisationFactory(
            pemda=pemda_a, kind=OrganisationKind.PEMERINTAH_DESA, region=tree_a["desa2"], singkatan="Desa2"
        ),
        "opdB": OrganisationFactory(pemda=pemda_b, nama="Dinas Kesehatan B", singkatan="DinkesB"),
        "kecofficeB": OrganisationFactory(
            pemda=pemda_b, kind=OrganisationKind.KECAMATAN, region=tree_b["kec1"], singkatan="KecB"
        ),
        "desagovB": OrganisationFactory(
            pemda=pemda_b, kind=OrganisationKind.PEMERINTAH_DESA, region=tree_b["desa1"], singkatan="DesaB"
        ),
    }
    regions = {
        "kec1": tree_a["kec1"],
        "kec2": tree_a["kec2"],
        "desa1": tree_a["desa1"],
        "desa2": tree_a["desa2"],
        "kel1": tree_a["kel1"],
        "kecB": tree_b["kec1"],
        "desaB": tree_b["desa1"],
    }
    return World(pemdas={"A": pemda_a, "B": pemda_b}, orgs=orgs, regions=regions)
