"""Thin public reads the API needs that terang.org.selectors does not offer yet (candidates to move there)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from terang.org.models import DprdMember, Fraksi


def public_dprd_members_all() -> QuerySet[DprdMember]:
    """Active DPRD members of every active pemda (terang.org.selectors.public_dprd_members needs one pemda)."""
    return DprdMember.objects.filter(is_active=True, pemda__is_active=True).select_related("pemda", "fraksi")


def public_fraksi() -> QuerySet[Fraksi]:
    """DPRD fractions of every active pemda, with their number of active members."""
    return (
        Fraksi.objects.filter(pemda__is_active=True)
        .select_related("pemda")
        .annotate(jumlah_anggota=Count("members", filter=Q(members__is_active=True)))
        .order_by("pemda__kode", "nama")  # Meta.ordering is dropped from GROUP BY queries
    )
