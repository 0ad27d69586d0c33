"""Read-only public API of the national code lists (`/api/v1/referensi/...`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
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

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

KODE_PARAMETER = OpenApiParameter(
    "kode",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_("Kode dalam format apa pun yang dikenal (mis. lebar lama dan baru); dinormalkan sebelum dicari."),
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
            raise NotFound(gettext("Kode tidak ditemukan."))
        return obj


def _code_viewset(
    name: str, slug: str, serializer: type[s.CodeSerializer], filterset: type, title: StrOrPromise
) -> type:
    cls = type(
        name,
        (CodeViewSet,),
        {
            "slug": slug,
            "serializer_class": serializer,
            "filterset_class": filterset,
            "__module__": __name__,
        },
    )
    # The description drf-spectacular would otherwise take from the class docstring.
    description = format_lazy(_("{title}: daftar dan rincian kode."), title=capfirst(title))
    return extend_schema_view(
        list=extend_schema(
            summary=format_lazy(_("Daftar {title}"), title=title), description=description, tags=["referensi"]
        ),
        retrieve=extend_schema(
            summary=format_lazy(_("Rincian satu kode {title}"), title=title),
            description=description,
            tags=["referensi"],
            parameters=[KODE_PARAMETER],
        ),
    )(cls)


UrusanViewSet = _code_viewset(
    "UrusanViewSet", "urusan", s.UrusanSerializer, filtersets.UrusanFilterSet, _("urusan dan bidang urusan")
)
ProgramCodeViewSet = _code_viewset(
    "ProgramCodeViewSet",
    "program",
    s.ProgramCodeSerializer,
    filtersets.ProgramCodeFilterSet,
    _("program, kegiatan dan sub kegiatan"),
)
AccountViewSet = _code_viewset(
    "AccountViewSet", "rekening", s.AccountSerializer, filtersets.AccountFilterSet, _("kode rekening APBD")
)
FungsiViewSet = _code_viewset("FungsiViewSet", "fungsi", s.FungsiSerializer, filtersets.FungsiFilterSet, _("fungsi"))
SumberDanaViewSet = _code_viewset(
    "SumberDanaViewSet", "sumber-dana", s.SumberDanaSerializer, filtersets.SumberDanaFilterSet, _("sumber dana")
)
VillageActivityViewSet = _code_viewset(
    "VillageActivityViewSet",
    "desa-kegiatan",
    s.VillageActivitySerializer,
    filtersets.VillageActivityFilterSet,
    _("bidang dan kegiatan desa"),
)
VillageAccountViewSet = _code_viewset(
    "VillageAccountViewSet",
    "desa-rekening",
    s.VillageAccountSerializer,
    filtersets.VillageAccountFilterSet,
    _("kode rekening desa"),
)


@extend_schema_view(
    list=extend_schema(summary=_("Daftar versi regulasi"), tags=["referensi"]),
    retrieve=extend_schema(
        summary=_("Rincian satu versi regulasi"),
        tags=["referensi"],
        parameters=[OpenApiParameter("kode", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("Kode versi."))],
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
