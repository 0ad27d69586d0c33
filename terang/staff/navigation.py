"""The staff menu: entries shown according to the user's roles, linking only to pages that exist.

Apps add pages by adding one line to MENU (label, URL name, action code or None for every signed-in user).
An entry whose URL name cannot be reversed yet is left out, so the menu never breaks while apps land.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from terang.accounts.permissions import effective_roles, user_roles


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str | Promise
    url_name: str
    action: str | None = None  # None: every signed-in user


@dataclass(frozen=True)
class MenuLink:
    key: str
    label: str | Promise
    url: str
    active: bool


MENU: list[MenuItem] = [
    MenuItem("home", _("Beranda"), "staff:home"),
    MenuItem("org", _("Organisasi"), "org:index", "scope.view"),
    MenuItem("budget", _("Anggaran"), "budgeting:home", "budget.view"),
    MenuItem("users", _("Pengguna"), "accounts:users", "accounts.manage_users"),
    MenuItem("audit", _("Audit"), "audit:index", "audit.view"),
    MenuItem("reference", _("Referensi"), "reference:index"),
    MenuItem("api", _("API"), "api-docs"),
]

# Links in the user menu (account settings), shown to every signed-in user when the page exists.
USER_MENU: list[MenuItem] = [
    MenuItem("two_factor", _("Verifikasi dua langkah"), "accounts:two_factor"),
    MenuItem("portal", _("Portal publik"), "portal:home"),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _allowed(item: MenuItem, roles: set[str]) -> bool:
    if item.action is None:
        return True
    return bool(roles & effective_roles(item.action))


def _links(items: list[MenuItem], user: Any, path: str) -> list[MenuLink]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    roles = user_roles(user)
    links = []
    for item in items:
        if not _allowed(item, roles):
            continue
        url = _url(item.url_name)
        if url is None:
            continue
        active = path == url if item.key == "home" else bool(path) and path.startswith(url)
        links.append(MenuLink(item.key, item.label, url, active))
    return links


def staff_menu(user: Any, path: str = "") -> list[MenuLink]:
    """Main navigation entries for `user`, the one matching `path` marked active."""
    return _links(MENU, user, path)


def user_menu(user: Any, path: str = "") -> list[MenuLink]:
    return _links(USER_MENU, user, path)
