"""{% staff_menu as menu %} and {% staff_memberships as memberships %} for the staff layout."""

from __future__ import annotations

from typing import Any

from django import template

from terang.accounts.permissions import active_memberships

from .. import navigation

register = template.Library()


def _user_and_path(context: template.Context) -> tuple[Any, str]:
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    return user, getattr(request, "path", "")


@register.simple_tag(takes_context=True)
def staff_menu(context: template.Context) -> list[navigation.MenuLink]:
    user, path = _user_and_path(context)
    return navigation.staff_menu(user, path)


@register.simple_tag(takes_context=True)
def staff_user_menu(context: template.Context) -> list[navigation.MenuLink]:
    user, path = _user_and_path(context)
    return navigation.user_menu(user, path)


@register.simple_tag(takes_context=True)
def staff_memberships(context: template.Context) -> list[Any]:
    user, _ = _user_and_path(context)
    return active_memberships(user)
