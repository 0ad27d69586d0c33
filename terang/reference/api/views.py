"""Read-only public API of the national code lists (`/api/v1/referensi/...`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from .. import selectors
from ..code_lists import CODE_LISTS
from ..models import RegulationVersion
from . import filtersets
from . import serializers as s

KODE_PARAMETER = OpenApiParameter(
    "kode",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Kode dalam format apa pun yang dikenal (mis. lebar lama dan baru); dinormalkan sebelum dicari.",
)


class CodeViewSet(viewsets.ReadOnlyModelViewSet):
    """Shared behaviour: list with filters (versi, tingkat, induk, q), detail by code in any known width."""

    slug: str
    permission_classes = [AllowAny]
    filter_backends = [DjangoFilterBackend]
    lookup_field = "kode"
    lookup_value_regex = r"[0-9A-Za-z.]+"

    def get_queryset(self) -> QuerySet:
        cl = CODE_LISTS[self.slug]
        return selectors.with_list_relations(cl.model._default_manager.all()).order_by("kode")

    def get_object(self) -> Any:
        obj = selectors.public_code(CODE_LISTS[self.slug], self.kwargs[self.lookup_field])
        if obj is None:
            raise NotFound("Kode tidak ditemukan.")
        return obj


def _code_viewset(name: str, slug: str, serializer: type[s.CodeSerializer], filterset: type, title: str) -> type:
    cls = type(
        name,
        (CodeViewSet,),
        {
            "slug": slug,
            "serializer_class": serializer,
            "filterset_class": filterset,
            "__module__": __name__,
            "__doc__": f"{title[0].upper()}{title[1:]}: daftar dan rincian kode.",
        },
    )
    return extend_schema_view(
        list=extend_schema(summary=f"Daftar {title}", tags=["referensi"]),
        retrieve=extend_schema(summary=f"Rincian satu kode {title}", tags=["referensi"], parameters=[KODE_PARAMETER]),
    )(cls)


UrusanViewSet = _code_viewset(
    "UrusanViewSet", "urusan", s.UrusanSerializer, filtersets.UrusanFilterSet, "urusan dan bidang urusan"
)
ProgramCodeViewSet = _code_viewset(
    "ProgramCodeViewSet",
    "program",
    s.ProgramCodeSerializer,
    filtersets.ProgramCodeFilterSet,
    "program, kegiatan dan sub kegiatan",
)
AccountViewSet = _code_viewset(
    "AccountViewSet", "rekening", s.AccountSerializer, filtersets.AccountFilterSet, "kode rekening APBD"
)
FungsiViewSet = _code_viewset("FungsiViewSet", "fungsi", s.FungsiSerializer, filtersets.FungsiFilterSet, "fungsi")
SumberDanaViewSet = _code_viewset(
    "SumberDanaViewSet", "sumber-dana", s.SumberDanaSerializer, filtersets.SumberDanaFilterSet, "sumber dana"
)
VillageActivityViewSet = _code_viewset(
    "VillageActivityViewSet",
    "desa-kegiatan",
    s.VillageActivitySerializer,
    filtersets.VillageActivityFilterSet,
    "bidang dan kegiatan desa",
)
VillageAccountViewSet = _code_viewset(
    "VillageAccountViewSet",
    "desa-rekening",
    s.VillageAccountSerializer,
    filtersets.VillageAccountFilterSet,
    "kode rekening desa",
)


@extend_schema_view(
    list=extend_schema(summary="Daftar versi regulasi", tags=["referensi"]),
    retrieve=extend_schema(
        summary="Rincian satu versi regulasi",
        tags=["referensi"],
        parameters=[OpenApiParameter("kode", OpenApiTypes.STR, OpenApiParameter.PATH, description="Kode versi.")],
    ),
)
class RegulationVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regulation versions the codes are linked to."""

    permission_classes = [AllowAny]
    filter_backends: list[type] = []
    serializer_class = s.RegulationVersionSerializer
    queryset = RegulationVersion.objects.select_related("amends")
    lookup_field = "kode"
    lookup_value_regex = r"[0-9A-Za-z.\-/]+"
