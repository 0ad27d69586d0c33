"""Fixtures for the org tests: the people around one agency's profile request."""

from __future__ import annotations

import pytest

from terang.accounts.choices import Role
from terang.audit.models import ChangeRecord, DomainEvent
from terang.org.models import Organisation, OrganisationProfileRequest
from terang.org.services import PROFILE_FIELDS
from terang.testing.factories import OrganisationFactory, make_user


@pytest.fixture
def other_opd(pemda):
    return OrganisationFactory(pemda=pemda, nama="Dinas Pendidikan", singkatan="Disdik")


@pytest.fixture
def people(pemda, other_pemda, opd, other_opd):
    """operator/head of `opd`, the pemda administrator and auditor, and people who must be refused."""
    return {
        "operator": make_user(Role.OPD_OPERATOR, pemda=pemda, organisation=opd, username="operator"),
        "head": make_user(Role.OPD_HEAD, pemda=pemda, organisation=opd, username="kepala"),
        "admin": make_user(Role.PEMDA_ADMIN, pemda=pemda, username="admin"),
        "auditor": make_user(Role.AUDITOR, pemda=pemda, username="auditor"),
        "planner": make_user(Role.BAPPEDA_PLANNER, pemda=pemda, username="perencana"),
        "other_operator": make_user(Role.OPD_OPERATOR, pemda=pemda, organisation=other_opd, username="op_lain"),
        "other_head": make_user(Role.OPD_HEAD, pemda=pemda, organisation=other_opd, username="kepala_lain"),
        "other_admin": make_user(Role.PEMDA_ADMIN, pemda=other_pemda, username="admin_lain"),
        "nobody": make_user(Role.DPRD_MEMBER, pemda=other_pemda, username="orang_lain"),
    }


def state(request: OrganisationProfileRequest) -> tuple:
    """Everything a refused action must leave untouched."""
    request = OrganisationProfileRequest.objects.get(pk=request.pk)
    org = Organisation.objects.get(pk=request.organisation_id)
    return (
        request.status, request.version, request.changes, request.alasan, request.catatan_verifikator,
        tuple(getattr(org, f) for f in PROFILE_FIELDS),
        ChangeRecord.objects.count(), DomainEvent.objects.count(),
    )
