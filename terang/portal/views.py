"""Public portal pages (read-only, anonymous)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from terang.org.models import Pemda


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"pemda_list": Pemda.objects.filter(is_active=True)})
