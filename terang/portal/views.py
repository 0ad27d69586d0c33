"""Public portal pages (read-only, anonymous): the pemda list and the region pages with their maps."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from terang.org.choices import RegionLevel
from terang.org.models import Region
from terang.org.selectors import (
    pemda_for_region,
    public_pemda_list,
    public_region_by_kode,
    region_ancestors,
    region_children,
)

from . import geo

VILLAGE_LEVELS = (RegionLevel.DESA, RegionLevel.KELURAHAN)

# Official names: "Kecamatan Pesanggaran", "Desa Sarongan" (kabupaten/kota names already carry their prefix).
# These are proper names and stay Indonesian in every language.
TITLE_PREFIX = {
    RegionLevel.PROVINSI: "Provinsi",
    RegionLevel.KECAMATAN: "Kecamatan",
    RegionLevel.DESA: "Desa",
    RegionLevel.KELURAHAN: "Kelurahan",
}


def region_title(region: Region) -> str:
    prefix = TITLE_PREFIX.get(region.level)  # type: ignore[call-overload]
    if prefix and not region.nama.lower().startswith(prefix.lower() + " "):
        return f"{prefix} {region.nama}"
    return region.nama


def _children_title(region: Region, title: str) -> str:
    if region.level == RegionLevel.PROVINSI:
        return _("Kabupaten dan kota di %(name)s") % {"name": title}
    if region.level in (RegionLevel.KABUPATEN, RegionLevel.KOTA):
        return _("Kecamatan di %(name)s") % {"name": title}
    return _("Desa dan kelurahan di %(name)s") % {"name": title}


def density(population: int | None, area: Decimal | float | None) -> Decimal | None:
    """Inhabitants per km², rounded to whole people; None when either figure is missing."""
    if not population or not area:
        return None
    area_dec = area if isinstance(area, Decimal) else Decimal(str(area))
    if area_dec <= 0:
        return None
    return (Decimal(population) / area_dec).quantize(Decimal(1), rounding=ROUND_HALF_UP)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    pemda_list = list(public_pemda_list())
    rows = [
        {
            "pemda": p,
            "region": p.region,
            "density": density(p.region.population, p.region.area_km2),
            "has_map": geo.has_map(p.region.kode),
        }
        for p in pemda_list
    ]
    return render(request, "portal/home.html", {"rows": rows, "pemda_list": pemda_list})


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html", {})


def _region_or_404(kode: str) -> Region:
    region = public_region_by_kode(kode)
    if region is None:
        raise Http404
    return region


@require_GET
def region(request: HttpRequest, kode: str) -> HttpResponse:
    region = _region_or_404(kode)
    children = list(region_children(region))
    area = region.area_km2
    area_from_map = False
    if area is None:
        mapped = geo.area_km2(region.kode)
        if mapped is not None:
            area, area_from_map = Decimal(str(mapped)), True
    totals = {
        "children": len(children),
        # annotated by region_children()
        "desa": sum(getattr(c, "jumlah_desa", 0) for c in children),
        "kelurahan": sum(getattr(c, "jumlah_kelurahan", 0) for c in children),
    }
    ancestors = region_ancestors(region)
    title = region_title(region)
    crumbs = [(_("Beranda"), reverse("portal:home"))]
    crumbs += [(region_title(a), reverse("portal:region", args=[a.kode])) for a in ancestors]
    crumbs.append((title, ""))
    context = {
        "region": region,
        "title": title,
        "crumbs": crumbs,
        "ancestors": ancestors,
        "children_title": _children_title(region, title),
        "village_counts": {
            "desa": sum(1 for c in children if c.level == RegionLevel.DESA),
            "kelurahan": sum(1 for c in children if c.level == RegionLevel.KELURAHAN),
        },
        "children": children,
        "children_have_population": any(c.population for c in children),
        "children_are_villages": any(c.level in VILLAGE_LEVELS for c in children),
        "children_have_villages": totals["desa"] + totals["kelurahan"] > 0,
        "is_village": region.level in VILLAGE_LEVELS,
        "pemda": pemda_for_region(region),
        "area": area,
        "area_from_map": area_from_map,
        "density": density(region.population, area),
        "totals": totals,
        "map_url": reverse("portal:region_geojson", args=[region.kode]) if geo.has_map(region.kode) else "",
        "map_attribution": geo.ATTRIBUTION,
    }
    return render(request, "portal/region.html", context)


@require_GET
def region_geojson(request: HttpRequest, kode: str) -> HttpResponse:
    """GeoJSON of the polygons drawn on a region's map (children, or the desa itself), with page URLs."""
    region = _region_or_404(kode)
    codes = geo.map_codes(region.kode)
    if not codes:
        raise Http404
    known = Region.objects.filter(kode__in=codes).values_list("kode", flat=True)
    body = geo.feature_collection_bytes(region.kode, list(known), lambda c: reverse("portal:region", args=[c]))
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response
