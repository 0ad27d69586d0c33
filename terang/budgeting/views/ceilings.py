"""Ceiling (pagu) page: every agency's KUA-PPAS ceiling, what is used, and a form to set it."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terang.accounts.permissions import can, pemda_ids
from terang.core.errors import ApplicationError
from terang.core.money import to_decimal
from terang.org.choices import SKPD_KINDS
from terang.org.models import Organisation

from ..models import BudgetLine, Ceiling, FiscalYear
from ..services.ceilings import ceiling_set


class CeilingForm(forms.Form):
    organisation = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.CharField(label=gettext_lazy("Pagu (Rp)"), max_length=30)
    reason = forms.CharField(label=gettext_lazy("Alasan"), required=False, max_length=500)


@login_required
def ceiling_list(request: HttpRequest, fiscal_year_id: int) -> HttpResponse:
    """Agencies of the fiscal year with ceiling, budgeted belanja and remainder; planners may set ceilings."""
    fiscal_year = FiscalYear.objects.select_related("pemda").filter(
        pk=fiscal_year_id, pemda_id__in=pemda_ids(request.user)).first()
    if fiscal_year is None:  # ceilings agreed in KUA-PPAS are readable by every official of the pemda
        raise Http404
    may_edit = can(request.user, "budget.manage_ceilings", fiscal_year.pemda)
    if request.method == "POST":
        if not may_edit:
            raise Http404
        form = CeilingForm(request.POST)
        if form.is_valid():
            organisation = Organisation.objects.filter(pk=form.cleaned_data["organisation"],
                                                       pemda=fiscal_year.pemda).first()
            try:
                if organisation is None:
                    raise ApplicationError(_("Perangkat daerah tidak ditemukan."))
                ceiling_set(actor=request.user, fiscal_year=fiscal_year, organisation=organisation,
                            amount=to_decimal(form.cleaned_data["amount"]), reason=form.cleaned_data["reason"])
                messages.success(request, _("Pagu %(opd)s disimpan.") % {"opd": organisation})
            except (ApplicationError, ArithmeticError, ValueError) as exc:
                messages.error(request, getattr(exc, "message", _("Nilai pagu tidak valid.")))
        return redirect(request.path)
    ceilings = {c.organisation_id: c for c in Ceiling.objects.filter(
        fiscal_year=fiscal_year, sub_kegiatan__isnull=True, sumber_dana__isnull=True)}
    used = dict(BudgetLine.objects.filter(fiscal_year=fiscal_year, akun="5").values_list("organisation")
                .annotate(s=Sum("total")).values_list("organisation", "s"))
    orgs = Organisation.objects.filter(pemda=fiscal_year.pemda, is_active=True).filter(
        Q(kind__in=list(SKPD_KINDS)) | Q(pk__in=list(ceilings)) | Q(pk__in=list(used))).order_by("kode")
    rows = []
    for org in orgs:
        ceiling = ceilings.get(org.pk)
        spent = used.get(org.pk) or Decimal(0)
        rows.append({"org": org, "ceiling": ceiling, "used": spent,
                     "remaining": (ceiling.amount - spent) if ceiling else None})
    totals = {"ceiling": sum((c.amount for c in ceilings.values()), Decimal(0)),
              "used": sum(used.values(), Decimal(0))}
    return render(request, "budgeting/ceilings/list.html", {
        "fiscal_year": fiscal_year, "rows": rows, "totals": totals, "may_edit": may_edit,
        "crumbs": [(_("Anggaran"), "budgeting:home"), (_("Pagu TA %(t)s") % {"t": fiscal_year.tahun}, "")],
    })
