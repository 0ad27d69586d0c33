"""Public APBD API: published stages only (drafts answer 404), read through `terang.budgeting.selectors_public`.

/api/v1/apbd/                                  pemda, their fiscal years and published stages
/api/v1/apbd/{pemda}/{tahun}/ringkasan/        identity, per-capita figures, totals by agency and account group
/api/v1/apbd/{pemda}/{tahun}/rincian/          every line of a stage, paginated, with filters

Serializer and view classes carry no docstrings: drf-spectacular would publish them; descriptions are given in
extend_schema in Indonesian.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from terang.api.authentication import API_AUTHENTICATION
from terang.api.pagination import TerangPagination
from terang.api.throttling import API_THROTTLES
from terang.core.errors import NotFoundError

from .. import selectors_public as sel
from ..choices import LineType
from ..models import FiscalYear, Stage

TAG = "apbd"
ERROR = OpenApiResponse(description=_("Galat dengan bentuk {error: {code, message, request_id, details?}}"))


def money(**kwargs: Any) -> serializers.DecimalField:
    """Rupiah with two decimals, as a string (no float rounding)."""
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


# --------------------------------------------------------------------------------------------------------------
# Serializers


class ApbdStageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    jenis = serializers.CharField(source="kind")
    jenis_label = serializers.CharField(source="get_kind_display")
    nomor = serializers.IntegerField(source="number")
    urutan = serializers.IntegerField(source="sequence")
    nama = serializers.CharField()
    dasar_hukum = serializers.CharField(source="legal_basis")
    dibekukan = serializers.DateTimeField(source="frozen_at", allow_null=True)
    dipublikasikan = serializers.DateTimeField(source="published_at", allow_null=True)


class ApbdYearSerializer(serializers.Serializer):
    tahun = serializers.IntegerField()
    tahapan_terbaru = serializers.IntegerField(source="latest.pk")
    tahapan = ApbdStageSerializer(source="stages", many=True)


class ApbdPemdaSerializer(serializers.Serializer):
    kode = serializers.CharField(source="pemda.kode")
    nama = serializers.CharField(source="pemda.nama")
    tahun_anggaran = ApbdYearSerializer(source="years", many=True)


class ApbdPemdaRefSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()


class ApbdIdentitySerializer(serializers.Serializer):
    pendapatan = money()
    belanja = money()
    surplus_defisit = money()
    penerimaan_pembiayaan = money()
    pengeluaran_pembiayaan = money()
    pembiayaan_netto = money()
    silpa = money()


class ApbdPerCapitaSerializer(serializers.Serializer):
    penduduk = serializers.IntegerField(source="population", allow_null=True)
    jumlah_kecamatan = serializers.IntegerField(source="kecamatan")
    belanja_per_penduduk = serializers.DecimalField(max_digits=20, decimal_places=0, allow_null=True)
    pendapatan_per_penduduk = serializers.DecimalField(max_digits=20, decimal_places=0, allow_null=True)
    belanja_per_kecamatan = serializers.DecimalField(max_digits=20, decimal_places=0, allow_null=True)


class ApbdOrganisationTotalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kode = serializers.CharField()
    nama = serializers.CharField()
    pendapatan = money()
    belanja = money()
    penerimaan_pembiayaan = money()
    pengeluaran_pembiayaan = money()
    belum_dirinci = money()
    jumlah_baris = serializers.IntegerField(source="lines")


class ApbdAccountTotalSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()
    tingkat = serializers.IntegerField(source="level")
    jumlah = money(source="total")
    jumlah_baris = serializers.IntegerField(source="lines")


class ApbdSummarySerializer(serializers.Serializer):
    pemda = ApbdPemdaRefSerializer()
    tahun = serializers.IntegerField()
    tahapan = ApbdStageSerializer()
    identitas = ApbdIdentitySerializer()
    per_kapita = ApbdPerCapitaSerializer()
    jumlah_baris = serializers.IntegerField()
    belum_dirinci = money()
    per_perangkat_daerah = ApbdOrganisationTotalSerializer(many=True)
    per_kelompok_rekening = ApbdAccountTotalSerializer(many=True)


class ApbdOrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kode = serializers.CharField()
    nama = serializers.CharField()


class ApbdCatalogueRefSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()
    satuan = serializers.CharField()
    harga_maksimum = money(source="harga")


class ApbdFlagSerializer(serializers.Serializer):
    aturan = serializers.CharField(source="rule")
    aturan_label = serializers.CharField(source="get_rule_display")
    tingkat = serializers.IntegerField(source="severity")
    temuan = serializers.CharField(source="message")
    status = serializers.CharField()
    alasan_diabaikan = serializers.CharField(source="dismissed_reason")


class ApbdFactorSerializer(serializers.Serializer):
    volume = serializers.DecimalField(max_digits=16, decimal_places=4)
    satuan = serializers.CharField()


class ApbdLineSerializer(serializers.Serializer):
    kunci_baris = serializers.UUIDField(source="line.line_key")
    perangkat_daerah = ApbdOrganisationRefSerializer(source="organisation", allow_null=True)
    kode_sub_kegiatan = serializers.CharField(source="line.sub_kegiatan_kode")
    sub_kegiatan = serializers.CharField(source="sub_kegiatan_nama")
    kode_rekening = serializers.CharField(source="account_kode")
    nama_rekening = serializers.CharField(source="account_nama")
    akun = serializers.CharField(source="line.akun")
    sumber_dana = serializers.CharField()
    kelompok = serializers.CharField(source="line.kelompok")
    keterangan = serializers.CharField(source="line.keterangan")
    jenis_baris = serializers.ChoiceField(source="line.line_type", choices=LineType.choices)
    uraian = serializers.CharField(source="line.uraian")
    spesifikasi = serializers.CharField(source="line.spesifikasi")
    koefisien = serializers.CharField(help_text=_("Koefisien seperti dicetak di RKA, mis. \"10 Orang x 2 Hari\" "
                                                  "(tahapan yang dibekukan sebelum faktor volume disimpan: volume "
                                                  "dan satuan)."))
    faktor_volume = ApbdFactorSerializer(source="factors", many=True, help_text=_(
        "vol1..vol4 dengan satuannya saat tahapan dibekukan (kosong untuk tahapan yang dibekukan sebelumnya)."))
    volume = serializers.DecimalField(source="line.volume", max_digits=24, decimal_places=4)
    satuan = serializers.CharField(source="line.satuan")
    harga_satuan = money(source="line.harga_satuan")
    ppn = money(source="line.ppn_amount")
    jumlah = money(source="line.total")
    standar_harga = ApbdCatalogueRefSerializer(source="price_item", allow_null=True)
    melebihi_standar = serializers.BooleanField(source="above_catalogue")
    terakhir_diubah_oleh = serializers.CharField(source="updated_by")
    terakhir_diubah_pada = serializers.DateTimeField(source="line.updated_at", allow_null=True)
    tanda_bahaya = ApbdFlagSerializer(source="flags", many=True)


class ApbdLineQuerySerializer(serializers.Serializer):
    tahapan = serializers.IntegerField(required=False)
    opd = serializers.IntegerField(required=False)
    akun = serializers.RegexField(r"^[0-9]+(\.[0-9]+)*\.?$", max_length=40, required=False)
    sub_kegiatan = serializers.CharField(max_length=40, required=False)
    q = serializers.CharField(max_length=100, required=False)


# --------------------------------------------------------------------------------------------------------------
# Views


TAHAPAN = OpenApiParameter(
    "tahapan", OpenApiTypes.INT, OpenApiParameter.QUERY,
    description=_("Id tahapan yang dipublikasikan (lihat /apbd/); bawaan: tahapan terbaru yang dipublikasikan."),
)
PEMDA = OpenApiParameter("pemda", OpenApiTypes.STR, OpenApiParameter.PATH,
                         description=_("Kode pemda, mis. `35.10`."))
TAHUN = OpenApiParameter("tahun", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Tahun anggaran."))


class _PublicApbdView(GenericAPIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.AllowAny]
    throttle_classes = API_THROTTLES
    filter_backends: list[Any] = []
    pagination_class: type[BasePagination] | None = None

    def selection(self, pemda: str, tahun: int, tahapan: Any) -> tuple[FiscalYear, list[Stage], Stage]:
        fiscal_year = sel.public_fiscal_year(pemda_kode=pemda, tahun=tahun)
        if fiscal_year is None:
            raise NotFoundError()
        stages = sel.public_stages(fiscal_year=fiscal_year)
        stage = sel.pick_stage(stages, tahapan)
        if stage is None:
            raise NotFoundError()  # a draft, another year's stage or a wrong id look the same
        return fiscal_year, stages, stage


class ApbdIndexView(_PublicApbdView):
    serializer_class = ApbdPemdaSerializer

    @extend_schema(
        tags=[TAG],
        summary=_("Daftar APBD yang dipublikasikan"),
        description=_("Pemda dengan tahun anggaran dan tahapan (KUA-PPAS, RKA, APBD murni, pergeseran, APBD-P) yang "
                      "sudah dipublikasikan. Tahapan yang sudah dipublikasikan tidak pernah hilang; draf tidak pernah "
                      "tampil."),
        responses=ApbdPemdaSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return Response(ApbdPemdaSerializer(sel.public_apbd_index(), many=True).data)


class ApbdSummaryView(_PublicApbdView):
    serializer_class = ApbdSummarySerializer

    @extend_schema(
        tags=[TAG],
        summary=_("Ringkasan APBD satu tahapan"),
        description=_("Identitas APBD (pendapatan, belanja, surplus/defisit, pembiayaan netto, SiLPA), angka per "
                      "penduduk, jumlah per perangkat daerah dan per kelompok rekening (akun, kelompok, jenis) dari "
                      "baris beku tahapan yang dipublikasikan."),
        parameters=[PEMDA, TAHUN, TAHAPAN],
        responses={200: ApbdSummarySerializer, 404: ERROR},
    )
    def get(self, request: Request, pemda: str, tahun: int) -> Response:
        fiscal_year, _stages, stage = self.selection(pemda, tahun, request.query_params.get("tahapan"))
        summary = sel.stage_summary(stage=stage)
        data = {
            "pemda": fiscal_year.pemda,
            "tahun": fiscal_year.tahun,
            "tahapan": stage,
            "identitas": summary.identity.as_dict(),
            "per_kapita": sel.per_capita(identity=summary.identity, region=fiscal_year.pemda.region),
            "jumlah_baris": summary.line_count,
            "belum_dirinci": summary.belum_dirinci_total,
            "per_perangkat_daerah": summary.organisations,
            "per_kelompok_rekening": [a for a in summary.accounts if a.level <= 3],
        }
        return Response(ApbdSummarySerializer(data).data)


class ApbdLinesView(_PublicApbdView):
    serializer_class = ApbdLineSerializer
    pagination_class = TerangPagination

    @extend_schema(
        tags=[TAG],
        summary=_("Rincian APBD satu tahapan"),
        description=_("Setiap baris rincian tahapan yang dipublikasikan (urut perangkat daerah, sub kegiatan, "
                      "rekening), dengan kode rekening, komponen standar harga (dan tanda bila harga melebihi "
                      "standar), baris \"belum dirinci\", siapa dan kapan terakhir mengubah, serta tanda bahaya. "
                      "Untuk seluruh data sekaligus "
                      "gunakan unduhan CSV/JSON di portal."),
        parameters=[
            PEMDA, TAHUN, TAHAPAN,
            OpenApiParameter("opd", OpenApiTypes.INT, description=_("Id perangkat daerah.")),
            OpenApiParameter("akun", OpenApiTypes.STR,
                             description=_("Awalan kode rekening, mis. `5`, `5.1.02` atau `5.1.02.01.01.0024`.")),
            OpenApiParameter("sub_kegiatan", OpenApiTypes.STR,
                             description=_("Kode sub kegiatan, mis. `1.02.02.2.01.0002`.")),
            OpenApiParameter("q", OpenApiTypes.STR,
                             description=_("Cari di uraian, spesifikasi, kelompok, keterangan; awalan kode rekening "
                                           "atau sub kegiatan.")),
        ],
        responses={200: ApbdLineSerializer(many=True), 400: ERROR, 404: ERROR},
    )
    def get(self, request: Request, pemda: str, tahun: int) -> Response:
        query = ApbdLineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        fiscal_year, _stages, stage = self.selection(pemda, tahun, params.get("tahapan"))
        lines = sel.public_lines(stage=stage, organisation_id=params.get("opd"),
                                 sub_kegiatan=params.get("sub_kegiatan", ""), akun=params.get("akun", ""),
                                 q=params.get("q", ""), print_order=False)
        page = self.paginate_queryset(lines)
        resolved = sel.resolve_lines(list(page if page is not None else lines), fiscal_year_id=fiscal_year.pk)
        return self.get_paginated_response(ApbdLineSerializer(resolved, many=True).data)
