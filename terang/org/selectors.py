"""Reads of regions, pemda and agencies. Regions and active agencies are public facts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from terang.accounts.permissions import can

from .choices import RegionLevel
from .models import DprdMember, Organisation, OrganisationProfileRequest, Pemda, Region


def public_pemda_list() -> QuerySet[Pemda]:
    return Pemda.objects.filter(is_active=True).select_related("region")


def public_regions() -> QuerySet[Region]:
    return Region.objects.select_related("parent")


def public_region_by_kode(kode: str) -> Region | None:
    return public_regions().filter(kode=kode).first()


def region_children(region: Region) -> QuerySet[Region]:
    return region.children.annotate(
        jumlah_desa=Count("children", filter=Q(children__level=RegionLevel.DESA)),
        jumlah_kelurahan=Count("children", filter=Q(children__level=RegionLevel.KELURAHAN)),
    ).order_by("kode")


def region_ancestors(region: Region) -> list[Region]:
    """From the top (provinsi or kabupaten) down to the region's parent."""
    chain: list[Region] = []
    node = region.parent
    while node is not None:
        chain.insert(0, node)
        node = node.parent
    return chain


def pemda_for_region(region: Region) -> Pemda | None:
    """The pemda whose territory contains `region`."""
    node: Region | None = region
    while node is not None:
        pemda = Pemda.objects.filter(region=node).first()
        if pemda is not None:
            return pemda
        node = node.parent
    return None


def public_organisations(*, pemda: Pemda | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(is_active=True, pemda__is_active=True).select_related("pemda", "parent", "region")
    if pemda is not None:
        qs = qs.filter(pemda=pemda)
    return qs


def public_dprd_members(*, pemda: Pemda) -> QuerySet[DprdMember]:
    return DprdMember.objects.filter(pemda=pemda, is_active=True).select_related("fraksi")


def organisations_for_user(*, user: Any, action: str = "scope.view") -> QuerySet[Organisation]:
    """Agencies inside the user's scope for `action` (pemda-wide roles see all of their pemda)."""
    return Organisation.objects.filter(_org_scope(user, action)).select_related("pemda", "parent", "region")


def _org_scope(user: Any, action: str) -> Q:
    from terang.accounts.choices import ROLE_SCOPE, ScopeKind
    from terang.accounts.permissions import active_memberships, roles_for

    allowed = roles_for(action)
    condition = Q(pk__in=[])
    for m in active_memberships(user):
        if m.role not in allowed:
            continue
        kind = ROLE_SCOPE[m.role]
        if kind == ScopeKind.PEMDA:
            condition |= Q(pemda_id=m.pemda_id)
        elif kind == ScopeKind.ORGANISATION:
            condition |= Q(pemda_id=m.pemda_id) & (Q(pk=m.organisation_id) | Q(parent_id=m.organisation_id))
        elif kind == ScopeKind.KECAMATAN:
            condition |= Q(pemda_id=m.pemda_id) & (Q(region_id=m.region_id) | Q(region__parent_id=m.region_id))
        elif kind == ScopeKind.DESA:
            condition |= Q(pemda_id=m.pemda_id, region_id=m.region_id)
    return condition


def organisation_for_user(*, user: Any, pk: int, action: str = "scope.view") -> Organisation | None:
    """One agency if the user may act on it; None when missing or forbidden (they look the same)."""
    org = Organisation.objects.select_related("pemda", "region").filter(pk=pk).first()
    if org is None or not can(user, action, org):
        return None
    return org


def profile_requests_for_user(*, user: Any) -> QuerySet[OrganisationProfileRequest]:
    """Profile change requests the user may read: its own agency's (and sub-units') requests for agency staff,
    every request of the pemda for pemda-wide readers (administrator, auditor, …)."""
    from terang.accounts.permissions import scope_filter

    condition = scope_filter(user, "pemda.view_all", organisation_field=None, region_field=None) | scope_filter(
        user, "org.request_profile_change", region_field=None
    ) | scope_filter(user, "org.submit_profile_change", region_field=None)
    return OrganisationProfileRequest.objects.filter(condition).select_related(
        "organisation", "pemda", "created_by"
    ).order_by("-created_at", "-pk")


def profile_request_for_user(*, user: Any, pk: int) -> OrganisationProfileRequest | None:
    """One request if the user may read it; None when missing or forbidden (they look the same)."""
    return profile_requests_for_user(user=user).filter(pk=pk).first()
