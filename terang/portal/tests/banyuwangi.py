"""A small piece of the real Banyuwangi region tree (real Kemendagri codes, so the boundary files match)."""

from __future__ import annotations

from decimal import Decimal

from terang.org.choices import RegionLevel
from terang.org.models import Pemda, Region
from terang.testing.factories import PemdaFactory, RegionFactory


def make_banyuwangi() -> dict[str, Region | Pemda]:
    """Jawa Timur → Kabupaten Banyuwangi → Pesanggaran (Sarongan, Pesanggaran) and Banyuwangi (Kelurahan Pakis)."""
    jatim = RegionFactory(kode="35", nama="Jawa Timur", level=RegionLevel.PROVINSI, population=41919906)
    kab = RegionFactory(
        kode="35.10",
        nama="Kabupaten Banyuwangi",
        level=RegionLevel.KABUPATEN,
        parent=jatim,
        population=1791789,
        population_male=894056,
        population_female=897733,
        area_km2=Decimal("3593.849"),
    )
    pesanggaran = RegionFactory(
        kode="35.10.01", nama="Pesanggaran", level=RegionLevel.KECAMATAN, parent=kab, area_km2=Decimal("441.230")
    )
    sarongan = RegionFactory(
        kode="35.10.01.2001", nama="Sarongan", level=RegionLevel.DESA, parent=pesanggaran, area_km2=Decimal("188.230")
    )
    desa_pesanggaran = RegionFactory(
        kode="35.10.01.2002", nama="Pesanggaran", level=RegionLevel.DESA, parent=pesanggaran
    )
    kec_banyuwangi = RegionFactory(kode="35.10.16", nama="Banyuwangi", level=RegionLevel.KECAMATAN, parent=kab)
    pakis = RegionFactory(kode="35.10.16.1001", nama="Pakis", level=RegionLevel.KELURAHAN, parent=kec_banyuwangi)
    pemda = PemdaFactory(region=kab, nama="Pemerintah Kabupaten Banyuwangi")
    return {
        "jatim": jatim,
        "kabupaten": kab,
        "pesanggaran": pesanggaran,
        "sarongan": sarongan,
        "desa_pesanggaran": desa_pesanggaran,
        "kec_banyuwangi": kec_banyuwangi,
        "pakis": pakis,
        "pemda": pemda,
    }
