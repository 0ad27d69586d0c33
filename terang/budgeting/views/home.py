"""The e-Budgeting staff home (/staf/anggaran/): per fiscal year, the agencies in the user's scope with their
belanja against the ceiling, revenue, sub-kegiatan by status, the open stage and its window, and — for pemda-wide
roles — the APBD identity of the draft."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import selectors
from ..models import FiscalYear


@login_required
def home(request: HttpRequest) -> HttpResponse:
    years = list(selectors.fiscal_years_for_user(user=request.user))
    if not years and not selectors.view_pemda_ids(request.user):
        raise PermissionDenied
    fiscal_year = None
    if request.GET.get("tahun"):
        fiscal_year = next((fy for fy in years if str(fy.pk) == request.GET["tahun"]), None)
    if fiscal_year is None and years:
        fiscal_year = years[0]
    context: dict[str, Any] = {"years": years, "fiscal_year": fiscal_year, "crumbs": [(_("Anggaran"), None)]}
    if fiscal_year is not None:
        organisations = list(selectors.organisations_for_budget(user=request.user, fiscal_year=fiscal_year))
        summaries = selectors.agency_summaries(fiscal_year=fiscal_year, organisations=organisations)
        stage = selectors.current_stage(fiscal_year)
        pemda_wide = selectors.is_pemda_wide(request.user, fiscal_year.pemda_id)
        context.update(
            summaries=summaries,
            stage=stage,
            window=selectors.window_text(stage),
            pemda_wide=pemda_wide,
            identity=_identity(fiscal_year) if pemda_wide else None,
            total_belanja=sum((s.belanja.total for s in summaries), start=selectors.ZERO),
            total_ceiling=sum((s.belanja.ceiling or 0 for s in summaries), start=selectors.ZERO),
        )
    return render(request, "budgeting/home.html", context)


def _identity(fiscal_year: FiscalYear) -> Any:
    """The APBD identity of the live (draft) lines, for pemda-wide staff."""
    from ..summaries import apbd_identity

    return apbd_identity(fiscal_year=fiscal_year)
