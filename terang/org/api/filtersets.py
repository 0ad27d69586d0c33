"""Query parameters of the org endpoints: filters, `q` search and `ordering`."""

from __future__ import annotations

import re

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from terang.org.choices import SKPD_KINDS, OrganisationKind, PemdaKind, RegionLevel
from terang.org.models import DprdMember, Fraksi, Organisation, Pemda, Region


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A filter on an integer id (documented as integer, not number)."""


class PemdaFilter(filters.FilterSet):
    jenis = filters.MultipleChoiceFilter(field_name="kind", choices=PemdaKind.choices, label=_("Jenis pemda"))
    q = filters.CharFilter(method="filter_q", label=_("Cari nama atau kode"))
    ordering = filters.OrderingFilter(fields=(("kode", "kode"), ("nama", "nama")), label=_("Urutan"))

    class Meta:
        model = Pemda
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(nama__icontains=value) | Q(kode__startswith=value))


class RegionFilter(filters.FilterSet):
    tingkat = filters.MultipleChoiceFilter(field_name="level", choices=RegionLevel.choices, label=_("Tingkat wilayah"))
    induk = filters.CharFilter(field_name="parent__kode", label=_("Kode wilayah induk (anak langsung)"))
    q = filters.CharFilter(method="filter_q", label=_("Cari nama atau awalan kode"))
    ordering = filters.OrderingFilter(
        fields=(("kode", "kode"), ("nama", "nama"), ("population", "penduduk"), ("area_km2", "luas_km2")),
        label=_("Urutan"),
    )

    class Meta:
        model = Region
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(nama__icontains=value) | Q(kode__startswith=value))


class OrganisationFilter(filters.FilterSet):
    pemda = filters.CharFilter(field_name="pemda__kode", label=_("Kode pemda"))
    jenis = filters.MultipleChoiceFilter(field_name="kind", choices=OrganisationKind.choices, label=_("Jenis"))
    skpd = filters.BooleanFilter(method="filter_skpd", label=_("Hanya SKPD (true) atau hanya unit lain (false)"))
    bidang_urusan = filters.CharFilter(method="filter_bidang_urusan", label=_("Kode bidang urusan, mis. 1.02"))
    induk = IdFilter(field_name="parent_id", label=_("Id perangkat daerah induk"))
    is_ppkd = filters.BooleanFilter(label="PPKD/BUD")
    q = filters.CharFilter(method="filter_q", label=_("Cari nama, singkatan atau kode"))
    ordering = filters.OrderingFilter(fields=(("kode", "kode"), ("nama", "nama")), label=_("Urutan"))

    class Meta:
        model = Organisation
        fields: list[str] = []

    def filter_skpd(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        kinds = [str(kind) for kind in SKPD_KINDS]
        return queryset.filter(kind__in=kinds) if value else queryset.exclude(kind__in=kinds)

    def filter_bidang_urusan(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # bidang_urusan holds codes separated by ';' (main one first): match one whole element.
        return queryset.filter(bidang_urusan__regex=rf"(^|;)\s*{re.escape(value.strip())}\s*(;|$)")

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(nama__icontains=value) | Q(singkatan__icontains=value) | Q(kode__startswith=value))


class DprdMemberFilter(filters.FilterSet):
    pemda = filters.CharFilter(field_name="pemda__kode", label=_("Kode pemda"))
    fraksi = IdFilter(field_name="fraksi_id", label=_("Id fraksi"))
    dapil = filters.CharFilter(field_name="dapil", lookup_expr="iexact", label=_("Daerah pemilihan"))
    q = filters.CharFilter(field_name="nama", lookup_expr="icontains", label=_("Cari nama"))

    class Meta:
        model = DprdMember
        fields: list[str] = []


class FraksiFilter(filters.FilterSet):
    pemda = filters.CharFilter(field_name="pemda__kode", label=_("Kode pemda"))

    class Meta:
        model = Fraksi
        fields: list[str] = []
