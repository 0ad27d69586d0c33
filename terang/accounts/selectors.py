"""Reads of users and memberships, always restricted to the pemda the reader administers.

A user account belongs to the pemda named in `User.pemda`; accounts without one (made by fixtures or older data)
belong to the pemda of their memberships. A pemda administrator sees and manages only accounts that belong
entirely to a pemda they administer. Superusers are never listed (they are managed with `createsuperuser`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from terang.org.choices import RegionLevel
from terang.org.models import Organisation, Pemda, Region

from .models import Membership, User
from .permissions import pemda_ids

MANAGE_USERS = "accounts.manage_users"


def administered_pemda_ids(*, user: Any) -> set[int]:
    """Pemda ids where `user` holds a role that may manage users."""
    return pemda_ids(user, MANAGE_USERS)


def administered_pemdas(*, user: Any) -> QuerySet[Pemda]:
    return Pemda.objects.filter(pk__in=administered_pemda_ids(user=user)).order_by("kode")


def user_owner_pemda_ids(target: User) -> set[int]:
    """The pemda(s) an account belongs to: its `pemda`, else every pemda it has (had) a membership in."""
    if target.pemda_id:
        return {target.pemda_id}
    return set(Membership.objects.filter(user=target).values_list("pemda_id", flat=True))


def _users_in(pemda_id_set: set[int]) -> QuerySet[User]:
    if not pemda_id_set:
        return User.objects.none()
    ids = list(pemda_id_set)
    inside = Exists(Membership.objects.filter(user_id=OuterRef("pk"), pemda_id__in=ids))
    outside = Exists(Membership.objects.filter(user_id=OuterRef("pk")).exclude(pemda_id__in=ids))
    return User.objects.filter(is_superuser=False).filter(
        Q(pemda_id__in=ids) | (Q(pemda__isnull=True) & inside & ~outside)
    )


def users_for_admin(*, user: Any) -> QuerySet[User]:
    """Accounts the administrator may see and manage, with their memberships (inactive ones included)."""
    memberships = Membership.objects.select_related("pemda", "organisation", "region").order_by("-is_active", "role")
    return (
        _users_in(administered_pemda_ids(user=user))
        .select_related("pemda")
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("username")
    )


def user_for_admin(*, user: Any, pk: int) -> User | None:
    """One account if `user` administers it; None when missing or forbidden (they look the same)."""
    return users_for_admin(user=user).filter(pk=pk).first()


def memberships_for_admin(*, user: Any, target: User | None = None) -> QuerySet[Membership]:
    """Memberships inside the pemda(s) the administrator manages, optionally of one account."""
    qs = Membership.objects.filter(pemda_id__in=administered_pemda_ids(user=user)).select_related(
        "user", "pemda", "organisation", "region"
    )
    if target is not None:
        qs = qs.filter(user=target)
    return qs.order_by("user__username", "-is_active", "role")


def membership_for_admin(*, user: Any, pk: int) -> Membership | None:
    return memberships_for_admin(user=user).filter(pk=pk).first()


def memberships_of(*, user: Any) -> QuerySet[Membership]:
    """The signed-in user's own memberships (profile page)."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("pemda", "organisation", "region")


def grantable_organisations(*, user: Any, pemda: Pemda) -> QuerySet[Organisation]:
    """Agencies a membership may name: those of a pemda the administrator manages."""
    if pemda.pk not in administered_pemda_ids(user=user):
        return Organisation.objects.none()
    return Organisation.objects.filter(pemda=pemda, is_active=True).order_by("kode")


def grantable_regions(*, user: Any, pemda: Pemda) -> QuerySet[Region]:
    """Kecamatan, desa and kelurahan inside the territory of a pemda the administrator manages."""
    if pemda.pk not in administered_pemda_ids(user=user):
        return Region.objects.none()
    levels = [RegionLevel.KECAMATAN, RegionLevel.DESA, RegionLevel.KELURAHAN]
    root = pemda.region_id
    return (
        Region.objects.filter(level__in=levels)
        .filter(Q(parent_id=root) | Q(parent__parent_id=root) | Q(parent__parent__parent_id=root))
        .order_by("kode")
    )
