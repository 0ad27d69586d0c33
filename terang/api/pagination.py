"""Page-number pagination with a client-chosen page size (capped at 500)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from terang.core.errors import NotFoundError


class TerangPagination(PageNumberPagination):
    """`?page=2&page_size=100`; the answer is {"count", "next", "previous", "results"}."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    # Lazy, like DRF's own defaults (its stubs say str): the schema shows them in the requested language.
    page_query_description = _("Nomor halaman (mulai dari 1).")  # type: ignore[assignment]
    page_size_query_description = _("Jumlah data per halaman (bawaan 50, paling banyak 500).")  # type: ignore[assignment]

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            page = request.query_params.get(self.page_query_param, "")
            message = gettext("Halaman %(page)s tidak ada.") % {"page": repr(page)}
            raise NotFoundError(message, code="invalid_page") from exc
