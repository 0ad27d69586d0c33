"""Public read endpoints: pemda, wilayah, perangkat daerah, DPRD. Reads go through the public selectors.

View classes carry Indonesian `description`s in extend_schema (docstrings would leak into the schema).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from terang.api.viewsets import PublicReadOnlyViewSet
from terang.org import selectors
from terang.org.models import DprdMember, Fraksi, Organisation, Pemda, Region

from . import selectors as api_selectors
from . import serializers
from .filtersets import DprdMemberFilter, FraksiFilter, OrganisationFilter, PemdaFilter, RegionFilter

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Region and pemda codes look like 35, 35.10, 35.10.01, 35.10.01.2001.
KODE_REGEX = r"[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*"


def _docs(
    tag: str,
    list_summary: StrOrPromise,
    list_description: StrOrPromise,
    detail_summary: StrOrPromise,
    detail_description: StrOrPromise,
) -> Any:
    return extend_schema_view(
        list=extend_schema(summary=list_summary, description=list_description, tags=[tag]),
        retrieve=extend_schema(summary=detail_summary, description=detail_description, tags=[tag]),
    )


@_docs(
    "pemda",
    _("Daftar pemerintah daerah"),
    _("Pemerintah daerah yang aktif di instalasi Terang ini (satu instalasi dapat melayani beberapa pemda)."),
    _("Satu pemerintah daerah"),
    _("Pemerintah daerah menurut kodenya, mis. `35.10`."),
)
class PemdaViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.PemdaSerializer
    filterset_class = PemdaFilter
    lookup_field = "kode"
    lookup_value_regex = KODE_REGEX

    def get_queryset(self) -> QuerySet[Pemda]:
        return selectors.public_pemda_list()


@_docs(
    "wilayah",
    _("Daftar wilayah"),
    _(
        "Wilayah menurut kode Kemendagri: provinsi → kabupaten/kota → kecamatan → desa/kelurahan. "
        "Gunakan `induk` untuk anak langsung satu wilayah dan `tingkat` untuk satu tingkat."
    ),
    _("Satu wilayah"),
    _(
        "Wilayah menurut kodenya (mis. `35.10.01`), dengan induk, anak langsung (beserta jumlah desa dan kelurahan), "
        "penduduk, luas dan koordinat."
    ),
)
class RegionViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "kode"
    lookup_value_regex = KODE_REGEX

    def get_queryset(self) -> QuerySet[Region]:
        return selectors.public_regions()

    def get_serializer_class(self) -> type[serializers.RegionSerializer]:
        if self.action == "retrieve":
            return serializers.RegionDetailSerializer
        return serializers.RegionSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        region = self.get_object()
        region.child_list = list(selectors.region_children(region))  # type: ignore[attr-defined]
        return Response(self.get_serializer(region).data)


@_docs(
    "perangkat-daerah",
    _("Daftar perangkat daerah"),
    _(
        "Perangkat daerah yang aktif (OPD/SKPD), unit di bawahnya (UPTD, puskesmas, kelurahan), kantor kecamatan dan "
        "pemerintah desa. `kode_generated` menandai kode yang tidak ada di sumber dan dibuat dengan pola resmi."
    ),
    _("Satu perangkat daerah"),
    _("Perangkat daerah menurut id-nya."),
)
class OrganisationViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.OrganisationSerializer
    filterset_class = OrganisationFilter

    def get_queryset(self) -> QuerySet[Organisation]:
        return selectors.public_organisations()


@_docs(
    "dprd",
    _("Daftar anggota DPRD"),
    _("Anggota DPRD yang aktif, dengan fraksi dan daerah pemilihan."),
    _("Satu anggota DPRD"),
    _("Anggota DPRD menurut id-nya."),
)
class DprdMemberViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.DprdMemberSerializer
    filterset_class = DprdMemberFilter

    def get_queryset(self) -> QuerySet[DprdMember]:
        return api_selectors.public_dprd_members_all()


@_docs(
    "dprd",
    _("Daftar fraksi DPRD"),
    _("Fraksi DPRD dengan jumlah anggota aktifnya."),
    _("Satu fraksi DPRD"),
    _("Fraksi DPRD menurut id-nya."),
)
class FraksiViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.FraksiSerializer
    filterset_class = FraksiFilter

    def get_queryset(self) -> QuerySet[Fraksi]:
        return api_selectors.public_fraksi()
