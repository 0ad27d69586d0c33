"""Roles grant actions; memberships give scope. Every permission check in Terang goes through here.

`can(user, action, target)` answers one question: does any active membership of `user` grant `action`
over `target` (a pemda, an organisation, a region, or an object carrying pemda/organisation/region)?
Selectors use `scope_filter` to restrict querysets the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from .choices import ROLE_SCOPE, Role, ScopeKind

# Action codes. Later modules add theirs here, one line each, with the roles that hold them.
ROLE_ACTIONS: dict[str, set[str]] = {
    # read every record of the pemda, drafts included (no change rights by itself)
    "pemda.view_all": {Role.PEMDA_ADMIN, Role.AUDITOR, Role.BAPPEDA_PLANNER, Role.TAPD_VERIFIER, Role.BPKAD_OFFICER},
    # read drafts inside one's own scope
    "scope.view": set(Role.values),
    "audit.view": {Role.AUDITOR, Role.PEMDA_ADMIN},
    "accounts.manage_users": {Role.PEMDA_ADMIN},
    "org.manage": {Role.PEMDA_ADMIN},
    "org.request_profile_change": {Role.OPD_OPERATOR, Role.OPD_HEAD},
    "org.submit_profile_change": {Role.OPD_HEAD},
    "org.review_profile_change": {Role.PEMDA_ADMIN},
    "reference.manage": {Role.PEMDA_ADMIN},
    # e-Budgeting
    "budget.view": {Role.OPD_OPERATOR, Role.OPD_HEAD, Role.DPRD_MEMBER, Role.SEKDA},
    "budget.manage_stages": {Role.BPKAD_OFFICER},
    "budget.reopen_stage": {Role.BPKAD_OFFICER, Role.PEMDA_ADMIN},
    "budget.manage_ceilings": {Role.BAPPEDA_PLANNER, Role.BPKAD_OFFICER},
    "budget.edit_lines": {Role.OPD_OPERATOR, Role.OPD_HEAD},
    "budget.submit": {Role.OPD_HEAD},
    "budget.verify": {Role.TAPD_VERIFIER},
    "budget.dismiss_flag": {Role.TAPD_VERIFIER},
    "budget.shift": {Role.BPKAD_OFFICER},
    "budget.approve_shift": {Role.BPKAD_OFFICER, Role.SEKDA},
    "budget.dpa": {Role.BPKAD_OFFICER},
    "budget.cash_plan": {Role.OPD_OPERATOR, Role.OPD_HEAD},
    "budget.quarter_override": {Role.SEKDA},
    "catalogue.import": {Role.PEMDA_ADMIN, Role.BPKAD_OFFICER},
    "catalogue.propose": {Role.OPD_OPERATOR, Role.OPD_HEAD},
    "catalogue.review_admin": {Role.PEMDA_ADMIN},
    "catalogue.review_tapd": {Role.TAPD_VERIFIER},
}


# Read actions that are NOT widened to the pemda.view_all roles: the audit trail is for auditors and administrators.
RESTRICTED_VIEWS: set[str] = {"audit.view"}


def roles_for(action: str) -> set[str]:
    try:
        return ROLE_ACTIONS[action]
    except KeyError as exc:
        raise KeyError(f"unknown action {action!r}; declare it in ROLE_ACTIONS") from exc


@dataclass(frozen=True)
class Target:
    """What an action is applied to, reduced to its scope coordinates."""

    pemda_id: int | None
    organisation_id: int | None = None
    organisation_parent_id: int | None = None
    region_id: int | None = None
    region_parent_id: int | None = None


def target_of(obj: Any) -> Target:
    """Reduce a Pemda, Organisation, Region or any object with pemda/organisation/region fields to a Target."""
    from terang.org.models import Organisation, Pemda, Region

    if isinstance(obj, Target):
        return obj
    if isinstance(obj, Pemda):
        return Target(pemda_id=obj.pk)
    if isinstance(obj, Organisation):
        return Target(
            pemda_id=obj.pemda_id,
            organisation_id=obj.pk,
            organisation_parent_id=obj.parent_id,
            region_id=obj.region_id,
            region_parent_id=obj.region.parent_id if obj.region_id else None,
        )
    if isinstance(obj, Region):
        pemda_id = _pemda_id_for_region(obj)
        return Target(pemda_id=pemda_id, region_id=obj.pk, region_parent_id=obj.parent_id)
    organisation = getattr(obj, "organisation", None)
    if organisation is not None:
        return target_of(organisation)
    region = getattr(obj, "region", None)
    pemda_id = getattr(obj, "pemda_id", None)
    if region is not None:
        return Target(pemda_id=pemda_id, region_id=region.pk, region_parent_id=region.parent_id)
    return Target(pemda_id=pemda_id)


def _pemda_id_for_region(region: Any) -> int | None:
    from terang.org.models import Pemda

    node = region
    for _ in range(4):
        if node is None:
            return None
        pemda = Pemda.objects.filter(region_id=node.pk).values_list("pk", flat=True).first()
        if pemda:
            return pemda
        node = node.parent
    return None


def active_memberships(user: Any) -> list[Any]:
    """The user's active memberships (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_terang_memberships", None)
    if cached is None:
        today = timezone.localdate()
        cached = list(
            user.memberships.filter(is_active=True)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .select_related("pemda", "organisation", "region")
        )
        user._terang_memberships = cached
    return cached


def _covers(membership: Any, target: Target) -> bool:
    if target.pemda_id is None or membership.pemda_id != target.pemda_id:
        return False
    kind = ROLE_SCOPE[membership.role]
    if kind == ScopeKind.PEMDA:
        return True
    if kind == ScopeKind.ORGANISATION:
        return membership.organisation_id is not None and membership.organisation_id in (
            target.organisation_id,
            target.organisation_parent_id,
        )
    if kind == ScopeKind.KECAMATAN:
        return membership.region_id is not None and membership.region_id in (target.region_id, target.region_parent_id)
    if kind == ScopeKind.DESA:
        return membership.region_id is not None and membership.region_id == target.region_id
    return False


def effective_roles(action: str) -> set[str]:
    """Roles that hold `action`: those declared for it, plus, for read actions (`*.view`), every role that may
    read everything in the pemda (except the restricted views such as the audit trail)."""
    allowed = roles_for(action)
    if action != "pemda.view_all" and action not in RESTRICTED_VIEWS and action.endswith((".view", ".view_drafts")):
        allowed = allowed | ROLE_ACTIONS["pemda.view_all"]
    return allowed


def can(user: Any, action: str, target: Any) -> bool:
    """True when one active membership of `user` holds a role granting `action` and covers `target`."""
    allowed = effective_roles(action)
    resolved = target_of(target)
    return any(m.role in allowed and _covers(m, resolved) for m in active_memberships(user))


def pemda_ids(user: Any, action: str | None = None) -> set[int]:
    """Pemda ids where the user holds any role (or a role granting `action`)."""
    allowed = roles_for(action) if action else None
    return {m.pemda_id for m in active_memberships(user) if allowed is None or m.role in allowed}


def user_roles(user: Any) -> set[str]:
    return {m.role for m in active_memberships(user)}


def scope_filter(
    user: Any,
    action: str,
    *,
    pemda_field: str = "pemda",
    organisation_field: str | None = "organisation",
    region_field: str | None = "region",
) -> Q:
    """A Q that keeps only rows inside the scopes where `user` holds `action`. Empty scope -> matches nothing."""
    allowed = roles_for(action)
    condition = Q(pk__in=[])
    for m in active_memberships(user):
        if m.role not in allowed:
            continue
        kind = ROLE_SCOPE[m.role]
        part = Q(**{f"{pemda_field}_id": m.pemda_id})
        if kind == ScopeKind.PEMDA:
            condition |= part
        elif kind == ScopeKind.ORGANISATION and organisation_field:
            condition |= part & (
                Q(**{f"{organisation_field}_id": m.organisation_id})
                | Q(**{f"{organisation_field}__parent_id": m.organisation_id})
            )
        elif kind == ScopeKind.KECAMATAN and region_field:
            condition |= part & (
                Q(**{f"{region_field}_id": m.region_id}) | Q(**{f"{region_field}__parent_id": m.region_id})
            )
        elif kind == ScopeKind.DESA and region_field:
            condition |= part & Q(**{f"{region_field}_id": m.region_id})
    return condition


def require(user: Any, action: str, target: Any) -> None:
    """Raise PermissionDeniedError unless `can(user, action, target)`."""
    from terang.core.errors import PermissionDeniedError

    if not can(user, action, target):
        raise PermissionDeniedError()


def grant_roles(action: str, roles: Iterable[str]) -> None:
    """Used by later modules at import time to declare their actions."""
    ROLE_ACTIONS.setdefault(action, set()).update(roles)
