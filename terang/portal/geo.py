"""Boundary polygons for the public maps, read from `static/geo/<pemda kode>/` once per process.

Each pemda with boundary files has a directory named by its Kemendagri code (`35.10`) holding
`kabupaten.geojson`, `kecamatan.geojson`, `desa_kelurahan.geojson` and optionally `titik.csv` (one interior point
per wilayah). A region's map shows its children (kabupaten → kecamatan, kecamatan → desa/kelurahan) or, for a
desa/kelurahan, its own polygon. Regions outside every directory simply have no map.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

LAYER_FILES = ("kabupaten.geojson", "kecamatan.geojson", "desa_kelurahan.geojson")
POINTS_FILE = "titik.csv"
ATTRIBUTION = "© Cahya DSN, MIT"


@dataclass
class GeoSet:
    """All boundary features of one pemda, indexed by kode and by parent kode."""

    prefix: str
    features: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    points: dict[str, tuple[float, float]] = field(default_factory=dict)


_lock = threading.Lock()
_sets: dict[str, GeoSet] = {}


def geo_dir() -> Path:
    return Path(getattr(settings, "TERANG_GEO_DIR", settings.BASE_DIR / "static" / "geo"))


@lru_cache(maxsize=8)
def _prefixes(directory: Path) -> tuple[str, ...]:
    if not directory.is_dir():
        return ()
    found = [p.name for p in directory.iterdir() if p.is_dir() and any((p / f).exists() for f in LAYER_FILES)]
    # longest first, so that a kota directory nested in a province prefix would win
    return tuple(sorted(found, key=len, reverse=True))


def _prefix_for(kode: str) -> str | None:
    for prefix in _prefixes(geo_dir()):
        if kode == prefix or kode.startswith(prefix + "."):
            return prefix
    return None


def parent_kode(kode: str) -> str | None:
    return kode.rsplit(".", 1)[0] if "." in kode else None


def _load(prefix: str) -> GeoSet:
    directory = geo_dir() / prefix
    geo = GeoSet(prefix=prefix)
    for name in LAYER_FILES:
        path = directory / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            collection = json.load(fh)
        for feature in collection.get("features", []):
            kode = str(feature.get("properties", {}).get("kode", ""))
            if not kode:
                continue
            geo.features[kode] = feature
            parent = parent_kode(kode)
            if parent is not None:
                geo.children.setdefault(parent, []).append(kode)
    for kodes in geo.children.values():
        kodes.sort()
    points = directory / POINTS_FILE
    if points.exists():
        with points.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                lat = row.get("lat_dalam") or row.get("lat")
                lng = row.get("lng_dalam") or row.get("lng")
                if lat and lng:
                    geo.points[row["kode"]] = (float(lat), float(lng))
    return geo


def geo_set_for(kode: str) -> GeoSet | None:
    """The boundary set covering `kode`, loaded on first use and kept in memory."""
    prefix = _prefix_for(kode)
    if prefix is None:
        return None
    geo = _sets.get(prefix)
    if geo is None:
        with _lock:
            geo = _sets.get(prefix)
            if geo is None:
                geo = _sets[prefix] = _load(prefix)
    return geo


def map_codes(kode: str) -> list[str]:
    """Codes drawn on the map of `kode`: its children that have polygons, else itself, else nothing."""
    geo = geo_set_for(kode)
    if geo is None:
        return []
    children = geo.children.get(kode)
    if children:
        return list(children)
    return [kode] if kode in geo.features else []


def has_map(kode: str) -> bool:
    return bool(map_codes(kode))


def area_km2(kode: str) -> float | None:
    """The geodesic area of the region's polygon (a fallback when the region has no official area)."""
    geo = geo_set_for(kode)
    if geo is None or kode not in geo.features:
        return None
    value = geo.features[kode].get("properties", {}).get("luas_km2")
    return float(value) if value is not None else None


def _feature_out(geo: GeoSet, kode: str, url: str | None) -> dict[str, Any]:
    source = geo.features[kode]
    props = source.get("properties", {})
    properties: dict[str, Any] = {"kode": kode, "nama": props.get("nama", kode), "url": url}
    if props.get("jenis"):
        properties["jenis"] = props["jenis"]
    if props.get("luas_km2") is not None:
        properties["luas_km2"] = props["luas_km2"]
    if kode in geo.points:
        properties["titik"] = list(geo.points[kode])
    return {"type": "Feature", "properties": properties, "geometry": source["geometry"]}


_bytes_cache: dict[tuple[str, frozenset[str]], bytes] = {}
_BYTES_CACHE_MAX = 1024


def feature_collection_bytes(kode: str, known: Iterable[str], url_for: Callable[[str], str]) -> bytes | None:
    """The map of `kode` as GeoJSON bytes; features whose region is in `known` carry the URL of its page.

    Cached per (kode, known codes): the files do not change while the process runs.
    """
    geo = geo_set_for(kode)
    codes = map_codes(kode)
    if geo is None or not codes:
        return None
    key = (kode, frozenset(known))
    cached = _bytes_cache.get(key)
    if cached is not None:
        return cached
    collection = {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "features": [_feature_out(geo, c, url_for(c) if c in key[1] else None) for c in codes],
    }
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with _lock:
        if len(_bytes_cache) >= _BYTES_CACHE_MAX:
            _bytes_cache.clear()
        _bytes_cache[key] = body
    return body


def clear_cache() -> None:
    """Forget loaded files (tests that point TERANG_GEO_DIR elsewhere call this)."""
    with _lock:
        _sets.clear()
        _bytes_cache.clear()
    _prefixes.cache_clear()
