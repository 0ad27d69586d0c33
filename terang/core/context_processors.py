"""Template context shared by every page: the request id (shown on error pages and in support requests).

Menus are not computed here: the staff layout asks `{% staff_menu %}` (terang/staff/templatetags/terang_staff.py)
only on staff pages, so public pages run no membership query.
"""

from __future__ import annotations

from django.http import HttpRequest


def terang(request: HttpRequest) -> dict[str, object]:
    return {"request_id": getattr(request, "request_id", "")}
