"""Reads for the staff home page: what lies inside the signed-in user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from terang.accounts.choices import ROLE_SCOPE, ScopeKind
from terang.accounts.permissions import active_memberships
from terang.org.choices import RegionLevel
from terang.org.models import Region
from terang.org.selectors import organisations_for_user


def _region_scope(user: Any) -> Q:
    condition = Q(pk__in=[])
    for m in active_memberships(user):
        kind = ROLE_SCOPE.get(m.role)
        if kind == ScopeKind.PEMDA:
            condition |= Q(kode__startswith=m.pemda.region.kode + ".")
        elif kind in (ScopeKind.KECAMATAN, ScopeKind.DESA) and m.region_id:
            condition |= Q(pk=m.region_id) | Q(parent_id=m.region_id)
        elif kind == ScopeKind.ORGANISATION and m.organisation_id and m.organisation.region_id:
            condition |= Q(pk=m.organisation.region_id) | Q(parent_id=m.organisation.region_id)
    return condition


def scope_summary(*, user: Any) -> dict[str, int]:
    """Counts of agencies and regions (kecamatan, desa, kelurahan) inside any of the user's memberships."""
    counts = Region.objects.filter(_region_scope(user)).aggregate(
        kecamatan=Count("pk", filter=Q(level=RegionLevel.KECAMATAN)),
        desa=Count("pk", filter=Q(level=RegionLevel.DESA)),
        kelurahan=Count("pk", filter=Q(level=RegionLevel.KELURAHAN)),
    )
    return {
        "organisations": organisations_for_user(user=user).filter(is_active=True).count(),
        "kecamatan": counts["kecamatan"] or 0,
        "desa": counts["desa"] or 0,
        "kelurahan": counts["kelurahan"] or 0,
    }
