"""Query filters of the reference API: versi, tingkat, induk, q (code-aware search)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from .. import selectors
from ..code_lists import CODE_LISTS, CodeList


class CodeFilterSet(filters.FilterSet):
    """Filters shared by every code list; subclasses set `code_list`."""

    code_list: CodeList

    versi = filters.CharFilter(
        method="filter_versi", label=_("Kode versi regulasi, mis. 900.1.15.5-1317/2023 (hanya kode versi itu).")
    )
    tingkat = filters.CharFilter(method="filter_tingkat", label=_("Nama tingkat (mis. sub_kegiatan) atau nomor level."))
    induk = filters.CharFilter(method="filter_induk", label=_("Kode induk: hanya rincian langsung kode ini."))
    q = filters.CharFilter(
        method="filter_q", label=_("Cari awalan kode (format lama maupun baru) atau kata dalam nama.")
    )

    def filter_versi(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.in_version(qs, value.strip())

    def filter_tingkat(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.filter_level(qs, value, self.code_list)

    def filter_induk(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.filter_parent(qs, value, self.code_list)

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.search(qs, value, self.code_list.scheme)


def filterset_for(slug: str, **extra: filters.Filter) -> type[CodeFilterSet]:
    cl = CODE_LISTS[slug]
    meta = type("Meta", (), {"model": cl.model, "fields": []})
    name = f"{cl.model.__name__}FilterSet"
    return type(name, (CodeFilterSet,), {"Meta": meta, "code_list": cl, **extra})


UrusanFilterSet = filterset_for("urusan")
ProgramCodeFilterSet = filterset_for("program")
AccountFilterSet = filterset_for(
    "rekening",
    is_postable=filters.BooleanFilter(
        field_name="is_postable", label=_("Hanya kode yang dapat dianggarkan (tingkat 6).")
    ),
)
FungsiFilterSet = filterset_for("fungsi")
SumberDanaFilterSet = filterset_for("sumber-dana")
VillageActivityFilterSet = filterset_for("desa-kegiatan")
VillageAccountFilterSet = filterset_for("desa-rekening")
