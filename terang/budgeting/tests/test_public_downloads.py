"""Downloads of a published stage: streamed CSV and JSON of every line, summaries by agency and by account."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from terang.budgeting import selectors_public as sel

from .test_public_selectors import BELANJA, PENDAPATAN, build_public_world, clear_summary_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_summary_cache()
    yield
    clear_summary_cache()


@pytest.fixture
def pw(db):
    return build_public_world()

STAGE_TOTAL = BELANJA + PENDAPATAN + Decimal("100000000")


def get(client, pw, name, **query):
    path = reverse(f"apbd:{name}", args=[pw.pemda.kode, 2026])
    return client.get(path, query)


def text(response):
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_lines_csv_is_streamed_and_adds_up_to_the_stage_total(client, pw):
    response = get(client, pw, "download_lines_csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="apbd-{pw.pemda.kode}-2026-apbd-murni-rincian.csv"'
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert list(rows[0]) == sel.LINE_EXPORT_FIELDS
    assert len(rows) == 8
    assert sum(Decimal(r["jumlah"]) for r in rows) == STAGE_TOTAL
    ups = next(r for r in rows if r["uraian"] == "UPS 1.200 VA")
    assert {k: ups[k] for k in ("perangkat_daerah", "kode_sub_kegiatan", "sub_kegiatan", "kode_rekening", "volume",
                                "satuan", "harga_satuan", "ppn", "jumlah", "kode_komponen", "harga_standar",
                                "melebihi_standar", "terakhir_diubah_oleh", "terakhir_diubah_pada")} == {
        "perangkat_daerah": "Dinas Kesehatan",
        "kode_sub_kegiatan": "1.02.02.2.01.0002",
        "sub_kegiatan": "Pembangunan Puskesmas",
        "kode_rekening": "5.2.02.05.02.0006",
        "volume": "2.0000",
        "satuan": "Unit",
        "harga_satuan": "4000000.00",
        "ppn": "880000.00",
        "jumlah": "8880000.00",
        "kode_komponen": "1.3.2.05.02.06.003",
        "harga_standar": "3500000.00",
        "melebihi_standar": "true",
        "terakhir_diubah_oleh": "op.dinkes",
        "terakhir_diubah_pada": "2026-01-10T02:08:00+00:00",
    }
    placeholder = next(r for r in rows if r["uraian"] == "Cadangan BOP sekolah")
    assert placeholder["jenis_baris"] == "Belum dirinci"


def test_lines_json_is_a_streamed_array(client, pw):
    response = get(client, pw, "download_lines_json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].endswith('-2026-apbd-murni-rincian.json"')
    records = json.loads(text(response))
    assert isinstance(records, list) and len(records) == 8
    assert sum(Decimal(r["jumlah"]) for r in records) == STAGE_TOTAL
    lem = next(r for r in records if r["uraian"] == "Lem Kertas Cair")
    assert (lem["volume"], lem["harga_satuan"], lem["jumlah"], lem["melebihi_standar"]) == (
        "450000.0000", "9800.00", "4410000000.00", False)


def test_older_stage_download_by_id(client, pw):
    response = get(client, pw, "download_lines_csv", tahapan=pw.kua.pk)
    assert response["Content-Disposition"].endswith('-2026-kua-ppas-rincian.csv"')
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert sorted((r["uraian"], r["jumlah"]) for r in rows) == [("DAU", "3000000000.00"),
                                                                ("UPS 1.200 VA", "7000000.00")]


def test_empty_stage_downloads_are_valid(client, pw):
    from terang.budgeting.models import StageLine

    StageLine.objects.filter(stage=pw.kua).delete()
    assert json.loads(text(get(client, pw, "download_lines_json", tahapan=pw.kua.pk))) == []
    assert text(get(client, pw, "download_lines_csv", tahapan=pw.kua.pk)).splitlines() == [
        ",".join(sel.LINE_EXPORT_FIELDS)]


def test_summary_by_organisation_csv(client, pw):
    response = get(client, pw, "download_by_organisation_csv")
    assert response["Content-Disposition"].endswith('-2026-apbd-murni-ringkasan-opd.csv"')
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert sum(Decimal(r["belanja"]) for r in rows) == BELANJA
    assert sum(Decimal(r["pendapatan"]) for r in rows) == PENDAPATAN
    assert sum(int(r["jumlah_baris"]) for r in rows) == 8
    dispendik = next(r for r in rows if r["perangkat_daerah"] == "Dinas Pendidikan")
    assert dispendik["belum_dirinci"] == "500000000.00"


def test_summary_by_account_csv(client, pw):
    rows = list(csv.DictReader(io.StringIO(text(get(client, pw, "download_by_account_csv")))))
    by_kode = {r["kode_rekening"]: (r["nama_rekening"], r["tingkat"], Decimal(r["jumlah"])) for r in rows}
    assert by_kode["5"] == ("BELANJA DAERAH", "1", BELANJA)
    assert by_kode["4"][2] == PENDAPATAN
    assert by_kode["5.1.02.01.01.0024"][2] == Decimal("2614050") + Decimal("500000000") + Decimal("4410000000")
    assert sum(Decimal(r["jumlah"]) for r in rows if r["tingkat"] == "1") == STAGE_TOTAL


def test_download_reads_lines_in_chunks(pw, django_assert_max_num_queries):
    """Lookups are loaded once; the lines come through one cursor whatever their number (flat memory)."""
    # accounts, agencies, sub-kegiatan codes, their names, funding sources, catalogue items, users; the lines
    with django_assert_max_num_queries(8):
        records = list(sel.iter_line_records(stage=pw.apbd, chunk_size=3))
    assert len(records) == 8


def test_summary_pdf_of_a_published_stage(client, pw):
    path = reverse("apbd:download_summary_pdf", args=[pw.pemda.kode, 2026, "akun"])
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].endswith('-2026-apbd-murni-ringkasan-akun.pdf"')
    for stage in (pw.rapbd, pw.world.rka):
        assert client.get(path, {"tahapan": stage.pk}).status_code == 404
    assert client.get(reverse("apbd:download_summary_pdf", args=[pw.pemda.kode, 2026, "rahasia"])).status_code == 404
