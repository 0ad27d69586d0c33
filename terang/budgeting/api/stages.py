"""API of fiscal-year stages, stage diffs and pergeseran (/api/v1/tahapan/…, /api/v1/pergeseran/…).

Stage metadata and reopenings are public; frozen digests and diffs are public for published stages; everything
else needs a role in the stage's pemda (missing and forbidden both answer 404). Workflow actions (open, close and
freeze, publish, reopen, record and approve a pergeseran) call the services, which check permission and scope.
View classes carry Indonesian `description`s in extend_schema (docstrings would leak into the schema).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from terang.accounts.permissions import pemda_ids
from terang.api.authentication import API_AUTHENTICATION
from terang.api.pagination import TerangPagination
from terang.api.throttling import API_THROTTLES
from terang.org.models import Organisation

from .. import selectors_stages as sel
from ..choices import StageKind, StageStatus
from ..diff import DEFAULT_STATUSES, STATUSES, DiffResult, stage_diff
from ..models import BudgetLine, BudgetShift, ShiftLine, Stage, StageReopening
from ..services import shifts as shift_services
from ..services import stages as services

TAG = "tahapan"
SHIFT_TAG = "pergeseran"
ERROR = OpenApiResponse(description=_("Galat dengan bentuk {error: {code, message, request_id, details?}}"))
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


class CsvRenderer(BaseRenderer):
    """Lets `?format=csv` pass content negotiation; the view answers with a streamed CSV itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return b""


class _Base(APIView):
    authentication_classes = API_AUTHENTICATION
    throttle_classes = API_THROTTLES
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]


class _Action(_Base):
    permission_classes = [permissions.IsAuthenticated]


# --- serializers ----------------------------------------------------------------------------------------------


class FrozenSerializer(serializers.Serializer):
    baris = serializers.IntegerField()
    jumlah = serializers.CharField(help_text=_("Jumlah seluruh baris beku (Rp, dua desimal)."))
    digest = serializers.CharField(help_text=_("SHA-256 isi beku; hitung ulang lewat /verifikasi/."))
    dibekukan = serializers.DateTimeField()


class ReopeningSerializer(serializers.ModelSerializer):
    tahapan = serializers.IntegerField(source="stage_id")
    opd = serializers.SerializerMethodField()
    alasan = serializers.CharField(source="reason")
    dibuka_oleh = serializers.CharField(source="reopened_by.username")
    dibuka_pada = serializers.DateTimeField(source="reopened_at")
    sampai = serializers.DateTimeField(source="until")

    class Meta:
        model = StageReopening
        fields = ["id", "tahapan", "opd", "alasan", "dibuka_oleh", "dibuka_pada", "sampai"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_opd(self, obj: StageReopening) -> str | None:
        return obj.organisation.nama if obj.organisation is not None else None


class StageSerializer(serializers.ModelSerializer):
    pemda = serializers.CharField(source="pemda.kode")
    tahun = serializers.IntegerField(source="fiscal_year.tahun")
    jenis = serializers.CharField(source="kind", help_text=_("kua_ppas, rka, rapbd, apbd, pergeseran, kupa_ppas, "
                                                               "apbd_p."))
    nomor = serializers.IntegerField(source="number")
    urutan = serializers.IntegerField(source="sequence")
    status = serializers.CharField(help_text=_("planned, open, closed atau published."))
    status_label = serializers.CharField(source="get_status_display")
    dibuka = serializers.DateTimeField(source="opens_at", allow_null=True)
    ditutup = serializers.DateTimeField(source="closes_at", allow_null=True)
    dibekukan = serializers.DateTimeField(source="frozen_at", allow_null=True)
    dipublikasikan = serializers.DateTimeField(source="published_at", allow_null=True)
    dasar_hukum = serializers.CharField(source="legal_basis")
    versi = serializers.IntegerField(source="version")
    beku = serializers.SerializerMethodField()

    class Meta:
        model = Stage
        fields = ["id", "pemda", "tahun", "jenis", "nomor", "urutan", "nama", "status", "status_label", "dibuka",
                  "ditutup", "dibekukan", "dipublikasikan", "dasar_hukum", "versi", "beku"]

    @extend_schema_field(FrozenSerializer(allow_null=True))
    def get_beku(self, obj: Stage) -> dict[str, Any] | None:
        info = self.context.get("frozen", {}).get(obj.pk)
        if info is None or not (obj.is_public or obj.pemda_id in self.context.get("staff_pemda", set())):
            return None
        return {"baris": info.lines, "jumlah": info.total, "digest": info.digest, "dibekukan": info.frozen_at}


class StageDetailSerializer(StageSerializer):
    pembukaan_kembali = serializers.SerializerMethodField()

    class Meta(StageSerializer.Meta):
        fields = [*StageSerializer.Meta.fields, "pembukaan_kembali"]

    @extend_schema_field(ReopeningSerializer(many=True))
    def get_pembukaan_kembali(self, obj: Stage) -> list[dict[str, Any]]:
        return ReopeningSerializer(sel.reopenings(stages=[obj]), many=True).data  # type: ignore[return-value]


class WindowSerializer(serializers.Serializer):
    dibuka = serializers.DateTimeField()
    ditutup = serializers.DateTimeField()
    versi = serializers.IntegerField(required=False, help_text=_("Versi tahapan yang Anda lihat (penguncian "
                                                                 "optimistis)."))


class VersionSerializer(serializers.Serializer):
    versi = serializers.IntegerField(required=False)


class ReopenSerializer(serializers.Serializer):
    alasan = serializers.CharField(help_text=_("Alasan tertulis, paling sedikit 20 karakter; dipublikasikan."))
    sampai = serializers.DateTimeField()
    opd = serializers.IntegerField(required=False, allow_null=True, help_text=_("Id perangkat daerah; kosong = "
                                                                                "semua."))


class VerifySerializer(serializers.Serializer):
    utuh = serializers.BooleanField(help_text=_("True bila isi sekarang sama dengan saat dibekukan."))
    baris = serializers.IntegerField()
    jumlah = serializers.CharField()
    digest = serializers.CharField()
    digest_tercatat = serializers.CharField()


class DiffOpdSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    kode = serializers.CharField()
    nama = serializers.CharField()


class DiffRowSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=_("added, removed, changed atau unchanged."))
    kunci_baris = serializers.CharField()
    id_baris = serializers.IntegerField(allow_null=True)
    opd = DiffOpdSerializer()
    sub_kegiatan_kode = serializers.CharField()
    rekening_kode = serializers.CharField()
    rekening_lama_kode = serializers.CharField()
    uraian = serializers.CharField()
    satuan = serializers.CharField()
    volume_lama = serializers.CharField(allow_null=True)
    volume_baru = serializers.CharField(allow_null=True)
    harga_satuan_lama = serializers.CharField(allow_null=True)
    harga_satuan_baru = serializers.CharField(allow_null=True)
    jumlah_lama = serializers.CharField(allow_null=True)
    jumlah_baru = serializers.CharField(allow_null=True)
    selisih = serializers.CharField()
    kolom_berubah = serializers.ListField(child=serializers.CharField())
    diubah_oleh = serializers.CharField()
    alasan = serializers.CharField()
    sumber_alasan = serializers.CharField(help_text=_("pergeseran, audit, atau kosong."))
    dasar_hukum = serializers.CharField()
    nomor_pergeseran = serializers.CharField()
    tingkat_pergeseran = serializers.CharField()


class DiffGroupSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()
    ditambah = serializers.IntegerField()
    dihapus = serializers.IntegerField()
    diubah = serializers.IntegerField()
    tetap = serializers.IntegerField()
    jumlah_lama = serializers.CharField()
    jumlah_baru = serializers.CharField()
    selisih = serializers.CharField()
    rincian = serializers.ListField(child=serializers.DictField(), required=False,
                                    help_text=_("Kelompok di bawahnya: sub kegiatan, lalu rekening."))


class DiffSummarySerializer(serializers.Serializer):
    baris = serializers.IntegerField()
    total = DiffGroupSerializer()
    per_opd = DiffGroupSerializer(many=True)


class StageRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    nama = serializers.CharField()
    jumlah = serializers.CharField()


class DiffResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    dari = StageRefSerializer()
    ke = StageRefSerializer()
    ringkasan = DiffSummarySerializer()
    results = DiffRowSerializer(many=True)


class ShiftLineSerializer(serializers.ModelSerializer):
    kunci_baris = serializers.UUIDField(source="line_key")
    sebelum = serializers.DecimalField(source="before_total", max_digits=20, decimal_places=2)
    sesudah = serializers.DecimalField(source="after_total", max_digits=20, decimal_places=2)
    rincian_sebelum = serializers.JSONField(source="before")
    rincian_sesudah = serializers.JSONField(source="after")

    class Meta:
        model = ShiftLine
        fields = ["kunci_baris", "sebelum", "sesudah", "rincian_sebelum", "rincian_sesudah"]


class ShiftSerializer(serializers.ModelSerializer):
    tahapan = serializers.IntegerField(source="stage_id")
    dasar_hukum = serializers.CharField(source="legal_basis")
    tingkat = serializers.CharField(source="level", help_text=_("ppkd, perkada atau perda."))
    alasan = serializers.CharField(source="reason")
    dicatat_oleh = serializers.CharField(source="created_by.username")
    dicatat_pada = serializers.DateTimeField(source="created_at")
    disetujui_oleh = serializers.CharField(source="approved_by.username", allow_null=True, default=None)
    disetujui_pada = serializers.DateTimeField(source="approved_at", allow_null=True)

    class Meta:
        model = BudgetShift
        fields = ["id", "tahapan", "nomor", "dasar_hukum", "tingkat", "alasan", "dicatat_oleh", "dicatat_pada",
                  "disetujui_oleh", "disetujui_pada"]


class ShiftDetailSerializer(ShiftSerializer):
    baris = ShiftLineSerializer(source="lines", many=True)

    class Meta(ShiftSerializer.Meta):
        fields = [*ShiftSerializer.Meta.fields, "baris"]


class ShiftChangeSerializer(serializers.Serializer):
    id_baris = serializers.IntegerField()
    versi = serializers.IntegerField(help_text=_("Versi baris yang Anda lihat; baris yang sudah berubah ditolak."))
    vol1 = serializers.CharField(required=False)
    vol2 = serializers.CharField(required=False, allow_null=True)
    vol3 = serializers.CharField(required=False, allow_null=True)
    vol4 = serializers.CharField(required=False, allow_null=True)
    harga_satuan = serializers.CharField(required=False)
    rekening = serializers.CharField(required=False, help_text=_("Kode rekening baru (akun yang sama)."))
    uraian = serializers.CharField(required=False)
    keterangan = serializers.CharField(required=False, allow_blank=True)


class ShiftNewLineSerializer(serializers.Serializer):
    id_sub_kegiatan = serializers.IntegerField(help_text=_("Sub kegiatan RKA yang sudah ada (tahun yang sama)."))
    rekening = serializers.CharField(help_text=_("Kode rekening belanja tingkat 6."))
    kode_komponen = serializers.CharField(help_text=_("Kode komponen standar harga."))
    vol1 = serializers.CharField()
    sat1 = serializers.CharField(required=False, allow_blank=True, default="")
    vol2 = serializers.CharField(required=False, allow_null=True, default=None)
    sat2 = serializers.CharField(required=False, allow_blank=True, default="")
    harga_satuan = serializers.CharField(required=False, allow_null=True, default=None,
                                         help_text=_("Kosong: harga standar."))
    uraian = serializers.CharField(required=False, allow_blank=True, default="")
    keterangan = serializers.CharField(required=False, allow_blank=True, default="")
    ppn = serializers.BooleanField(required=False, default=False)


class ShiftCreateSerializer(serializers.Serializer):
    nomor = serializers.CharField()
    dasar_hukum = serializers.CharField()
    tingkat = serializers.CharField(help_text=_("ppkd, perkada atau perda."))
    alasan = serializers.CharField()
    perubahan = ShiftChangeSerializer(many=True, required=False, default=list)
    baris_baru = ShiftNewLineSerializer(many=True, required=False, default=list,
                                        help_text=_("Rincian baru (komponen standar harga) di sub kegiatan yang ada."))


# --- helpers --------------------------------------------------------------------------------------------------


def _context(stages: list[Stage], request: Request) -> dict[str, Any]:
    return {"frozen": sel.frozen_info(stages), "staff_pemda": pemda_ids(request.user), "request": request}


def _stage(pk: int) -> Stage:
    stage = Stage.objects.select_related("fiscal_year", "pemda").filter(pk=pk).first()
    if stage is None:
        raise Http404
    return stage


def _staff_stage(request: Request, pk: int) -> Stage:
    stage = sel.stage_for_user(user=request.user, pk=pk)
    if stage is None:
        raise Http404
    return stage


# --- stages ---------------------------------------------------------------------------------------------------

TAHUN = OpenApiParameter("tahun", OpenApiTypes.INT, description=_("Tahun anggaran, mis. 2026."))
PEMDA = OpenApiParameter("pemda", OpenApiTypes.STR, description=_("Kode pemda, mis. `35.10`."))
STATUS = OpenApiParameter("status", OpenApiTypes.STR, enum=StageStatus.values, description=_("Status tahapan."))
PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description=_("Nomor halaman (mulai dari 1).")),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=_("Jumlah data per halaman (bawaan 50, paling "
                                                                  "banyak 500).")),
]


class StageListView(_Base):
    @extend_schema(
        summary=_("Daftar tahapan anggaran"), tags=[TAG],
        description=_("Semua tahapan (KUA-PPAS, RKA, RAPBD, APBD, pergeseran, APBD-P) dengan jendela input dan "
                      "statusnya. `beku` (jumlah baris, jumlah Rp, digest SHA-256) tampil untuk tahapan yang "
                      "dipublikasikan, dan untuk staf pemda itu juga tahapan yang sudah dibekukan."),
        responses={200: StageSerializer(many=True)}, parameters=[TAHUN, PEMDA, STATUS, *PAGE_PARAMETERS],
    )
    def get(self, request: Request) -> Response:
        paginator = TerangPagination()
        qs: QuerySet[Stage] = Stage.objects.select_related("fiscal_year", "pemda").order_by("pemda__kode",
                                                                                             "-fiscal_year__tahun",
                                                                                             "sequence")
        if request.query_params.get("tahun", "").isdigit():
            qs = qs.filter(fiscal_year__tahun=int(request.query_params["tahun"]))
        if request.query_params.get("pemda"):
            qs = qs.filter(pemda__kode=request.query_params["pemda"])
        if request.query_params.get("status") in StageStatus.values:
            qs = qs.filter(status=request.query_params["status"])
        stages = list(paginator.paginate_queryset(qs, request, view=self) or [])
        return paginator.get_paginated_response(
            StageSerializer(stages, many=True, context=_context(stages, request)).data)


class StageDetailView(_Base):
    @extend_schema(summary=_("Satu tahapan"), tags=[TAG], responses={200: StageDetailSerializer, 404: ERROR},
                   description=_("Tahapan dengan pembukaan kembali dan alasannya (publik)."))
    def get(self, request: Request, pk: int) -> Response:
        stage = _stage(pk)
        return Response(StageDetailSerializer(stage, context=_context([stage], request)).data)


class StageVerifyView(_Base):
    @extend_schema(
        summary=_("Periksa keutuhan tahapan beku"), tags=[TAG], responses={200: VerifySerializer, 404: ERROR},
        description=_("Menghitung ulang digest SHA-256 isi beku tahapan dan membandingkannya dengan digest yang "
                      "tercatat saat dibekukan. Publik untuk tahapan yang dipublikasikan."),
    )
    def get(self, request: Request, pk: int) -> Response:
        stage = _stage(pk)
        if stage.frozen_at is None or not (stage.is_public or stage.pemda_id in pemda_ids(request.user)):
            raise Http404
        ok, current, recorded = services.stage_verify(stage)
        return Response({"utuh": ok, "baris": current.lines, "jumlah": f"{current.total:.2f}",
                         "digest": current.digest, "digest_tercatat": recorded})


def _stage_response(stage: Stage, request: Request) -> Response:
    stage = _stage(stage.pk)
    return Response(StageDetailSerializer(stage, context=_context([stage], request)).data)


class StageOpenView(_Action):
    @extend_schema(summary=_("Buka atau jadwalkan ulang jendela input"), tags=[TAG], request=WindowSerializer,
                   responses={200: StageDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
                   description=_("Hanya pejabat BPKAD; hanya satu tahapan yang boleh dibuka dalam satu tahun."))
    def post(self, request: Request, pk: int) -> Response:
        stage = _staff_stage(request, pk)
        data = WindowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stage = services.stage_open(actor=request.user, stage=stage, opens_at=data.validated_data["dibuka"],
                                    closes_at=data.validated_data["ditutup"],
                                    expected_version=data.validated_data.get("versi"))
        return _stage_response(stage, request)


class StageCloseView(_Action):
    @extend_schema(summary=_("Tutup dan bekukan tahapan"), tags=[TAG], request=VersionSerializer,
                   responses={200: StageDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
                   description=_("Menutup jendela input sekarang dan menyalin setiap baris ke salinan beku (satu "
                                 "pernyataan SQL), dengan digest SHA-256. Juga membekukan ulang setelah pembukaan "
                                 "kembali berakhir."))
    def post(self, request: Request, pk: int) -> Response:
        stage = _staff_stage(request, pk)
        data = VersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stage = services.stage_close_and_freeze(actor=request.user, stage=stage,
                                                expected_version=data.validated_data.get("versi"))
        return _stage_response(stage, request)


class StagePublishView(_Action):
    @extend_schema(summary=_("Publikasikan tahapan beku"), tags=[TAG], request=VersionSerializer,
                   responses={200: StageDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
                   description=_("Tahapan yang dipublikasikan terbuka untuk umum selamanya."))
    def post(self, request: Request, pk: int) -> Response:
        stage = _staff_stage(request, pk)
        data = VersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stage = services.stage_publish(actor=request.user, stage=stage,
                                       expected_version=data.validated_data.get("versi"))
        return _stage_response(stage, request)


class StageReopenView(_Action):
    @extend_schema(summary=_("Buka kembali tahapan"), tags=[TAG], request=ReopenSerializer,
                   responses={201: ReopeningSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
                   description=_("Pejabat BPKAD atau administrator pemda, dengan alasan tertulis (≥ 20 karakter) "
                                 "yang dicatat dan dipublikasikan."))
    def post(self, request: Request, pk: int) -> Response:
        stage = _staff_stage(request, pk)
        data = ReopenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organisation = None
        if data.validated_data.get("opd"):
            organisation = Organisation.objects.filter(pk=data.validated_data["opd"]).first()
            if organisation is None:
                raise Http404
        reopening = services.stage_reopen(actor=request.user, stage=stage, reason=data.validated_data["alasan"],
                                          until=data.validated_data["sampai"], organisation=organisation)
        return Response(ReopeningSerializer(reopening).data, status=201)


# --- diff -----------------------------------------------------------------------------------------------------

DIFF_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, many=True, enum=list(STATUSES),
                     description=_("added, removed, changed, unchanged (bawaan: tiga yang pertama)."), explode=True),
    OpenApiParameter("opd", OpenApiTypes.INT, description=_("Hanya satu perangkat daerah (id).")),
    OpenApiParameter("min_selisih", OpenApiTypes.NUMBER, description=_("Hanya baris dengan |selisih| ≥ nilai "
                                                                      "ini (Rp).")),
    OpenApiParameter("page", OpenApiTypes.INT, description=_("Nomor halaman (mulai dari 1).")),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=_("Baris per halaman (bawaan 100, paling banyak "
                                                                  "1000).")),
]


def _diff_for(request: Request, pk: int, other: int | None) -> tuple[Stage, Stage | None, DiffResult]:
    base = _stage(pk)
    target = _stage(other) if other is not None else None
    if base.frozen_at is None or (target is not None and target.frozen_at is None):
        raise Http404
    visible, scope = sel.diff_scope_for_user(user=request.user, base=base, target=target)
    if not visible:
        raise Http404
    params = request.query_params
    statuses = [s for s in params.getlist("status") if s in STATUSES] or list(DEFAULT_STATUSES)
    try:
        min_delta = Decimal(params.get("min_selisih") or "0")
    except InvalidOperation:
        min_delta = Decimal(0)
    organisation: Any = scope
    opd = params.get("opd", "")
    if opd.isdigit():
        organisation = [int(opd)] if scope is None or int(opd) in scope else []
    result = stage_diff(base=base, target=target, organisation=organisation, statuses=statuses,
                        min_delta=abs(min_delta) or None)
    return base, target, result


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() and int(value) > 0 else default


def _csv(base: Stage, target: Stage | None, result: DiffResult) -> StreamingHttpResponse:
    response = StreamingHttpResponse(result.csv_lines(), content_type="text/csv; charset=utf-8")
    name = f"banding-{base.pk}-{target.pk if target else 'kerja'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _diff_response(request: Request, pk: int, other: int | None) -> Any:
    base, target, result = _diff_for(request, pk, other)
    if getattr(request, "accepted_renderer", None) is not None and request.accepted_renderer.format == "csv":
        return _csv(base, target, result)
    size = min(_int(request.query_params.get("page_size"), DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    number = _int(request.query_params.get("page"), 1)
    page = result.page(number, size)
    base_total, target_total = result.stage_totals()

    def link(n: int) -> str:
        query = request.query_params.copy()
        query["page"] = str(n)
        return request.build_absolute_uri(request.path) + "?" + query.urlencode()

    return Response({
        "count": page.count,
        "next": link(number + 1) if page.has_next else None,
        "previous": link(number - 1) if number > 1 else None,
        "dari": {"id": base.pk, "nama": base.nama, "jumlah": f"{base_total:.2f}"},
        "ke": {"id": target.pk if target else None, "nama": target.nama if target else str(_("Data kerja")),
               "jumlah": f"{target_total:.2f}"},
        "ringkasan": page.summary.as_dict(),
        "results": [row.as_dict() for row in page.rows],
    })


class StageDiffView(_Base):
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        summary=_("Banding dua tahapan"), tags=[TAG], parameters=DIFF_PARAMETERS,
        responses={200: DiffResponseSerializer, 404: ERROR},
        description=_("Perbandingan baris demi baris dua tahapan beku dari tahun yang sama: ditambah, dihapus, "
                      "diubah (volume, harga, jumlah lama/baru, selisih Rp), dengan siapa yang mengubah dan "
                      "alasannya, serta ringkasan per OPD → sub kegiatan → rekening. Publik bila kedua tahapan "
                      "dipublikasikan. `?format=csv` mengunduh CSV lengkap (tanpa halaman)."),
    )
    def get(self, request: Request, pk: int, other: int) -> Any:
        return _diff_response(request, pk, other)


class StageDiffCsvView(_Base):
    renderer_classes = [CsvRenderer]

    @extend_schema(
        summary=_("Banding dua tahapan (CSV)"), tags=[TAG], parameters=DIFF_PARAMETERS[:3],
        operation_id="tahapan_banding_csv",
        responses={(200, "text/csv"): OpenApiTypes.STR, 404: ERROR},
        description=_("Seluruh baris banding sebagai CSV yang dialirkan (memori tetap)."),
    )
    def get(self, request: Request, pk: int, other: int) -> StreamingHttpResponse:
        base, target, result = _diff_for(request, pk, other)
        return _csv(base, target, result)


class StageLiveDiffView(_Base):
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        summary=_("Banding tahapan beku dengan data kerja"), tags=[TAG], parameters=DIFF_PARAMETERS,
        responses={200: DiffResponseSerializer, 404: ERROR},
        description=_("Perubahan data kerja (belum dibekukan) sejak tahapan ini dibekukan. Hanya staf pemda; staf "
                      "OPD melihat OPD-nya sendiri."),
    )
    def get(self, request: Request, pk: int) -> Any:
        return _diff_response(request, pk, None)


# --- pergeseran -----------------------------------------------------------------------------------------------


def _shift_visible(request: Request, stage: Stage) -> bool:
    return stage.is_public or sel.line_scope_for_user(user=request.user, pemda_id=stage.pemda_id) is None


class ShiftListView(_Base):
    @extend_schema(summary=_("Daftar pergeseran satu tahapan"), tags=[SHIFT_TAG],
                   responses={200: ShiftSerializer(many=True), 404: ERROR},
                   description=_("Dokumen pergeseran: nomor, dasar hukum, tingkat persetujuan, alasan. Publik bila "
                                 "tahapannya dipublikasikan."))
    def get(self, request: Request, pk: int) -> Response:
        stage = _stage(pk)
        if stage.kind != StageKind.PERGESERAN or not _shift_visible(request, stage):
            raise Http404
        return Response(ShiftSerializer(sel.shifts_for_stage(stage=stage), many=True).data)


class ShiftCreateView(_Action):
    @extend_schema(
        summary=_("Catat pergeseran"), tags=[SHIFT_TAG], request=ShiftCreateSerializer,
        responses={201: ShiftDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        description=_("Mencatat dan menerapkan pergeseran pada tahapan pergeseran yang terbuka. Jumlah selisih "
                      "harus nol kecuali tingkat Perda; tingkat harus sesuai pergeseran terluas (antar sub "
                      "rincian objek: PPKD; antar rincian objek dalam satu jenis: Perkada; selebihnya: Perda). "
                      "Rincian baru (`baris_baru`) ikut dihitung; tidak ada pagu yang boleh terlampaui."),
    )
    def post(self, request: Request, pk: int) -> Response:
        stage = _staff_stage(request, pk)
        data = ShiftCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        lines = {line.pk: line for line in BudgetLine.objects.filter(
            pk__in=[c["id_baris"] for c in values["perubahan"]], fiscal_year_id=stage.fiscal_year_id)}
        changes = []
        for change in values["perubahan"]:
            line = lines.get(change["id_baris"])
            if line is None:
                raise Http404
            line.version = change["versi"]  # the version the caller saw; the service compares it under lock
            new = {k: v for k, v in change.items() if k not in ("id_baris", "versi", "rekening")}
            if "rekening" in change:
                new["account"] = change["rekening"]
            changes.append((line, new))
        shift = shift_services.shift_create(actor=request.user, stage=stage, nomor=values["nomor"],
                                            legal_basis=values["dasar_hukum"], level=values["tingkat"],
                                            reason=values["alasan"], changes=changes,
                                            new_lines=_shift_new_lines(stage, values["baris_baru"]))
        return Response(ShiftDetailSerializer(shift).data, status=201)


def _shift_new_lines(stage: Stage, rows: list[dict[str, Any]]) -> list[tuple[int, Any]]:
    """`baris_baru` as [(sub-kegiatan id, LineInput)]; the catalogue code is looked up here (zone "" first)."""
    from terang.core.errors import ApplicationError

    from ..models import PriceItem
    from ..services.lines import LineInput

    result = []
    for number, row in enumerate(rows, 1):
        item = (PriceItem.objects.filter(fiscal_year_id=stage.fiscal_year_id, kode=row["kode_komponen"].strip(),
                                         is_active=True).order_by("zone").first())
        if item is None:
            raise ApplicationError(_("Baris baru %(n)s: komponen %(k)s tidak ada di standar harga TA %(t)s.")
                                   % {"n": number, "k": row["kode_komponen"], "t": stage.fiscal_year.tahun},
                                   code="unknown_price_item", field="baris_baru")
        result.append((row["id_sub_kegiatan"], LineInput(
            account=row["rekening"], price_item=item, vol1=row["vol1"], sat1=row["sat1"], vol2=row["vol2"],
            sat2=row["sat2"], harga_satuan=row["harga_satuan"], uraian=row["uraian"], keterangan=row["keterangan"],
            ppn=row["ppn"])))
    return result


class ShiftDetailView(_Base):
    @extend_schema(summary=_("Satu pergeseran"), tags=[SHIFT_TAG], responses={200: ShiftDetailSerializer,
                                                                                404: ERROR},
                   description=_("Dokumen pergeseran dengan sebelum/sesudah setiap baris."))
    def get(self, request: Request, shift_pk: int) -> Response:
        shift = BudgetShift.objects.select_related("stage", "created_by", "approved_by").filter(pk=shift_pk).first()
        if shift is None or not _shift_visible(request, shift.stage):
            raise Http404
        return Response(ShiftDetailSerializer(shift).data)


class ShiftApproveView(_Action):
    @extend_schema(summary=_("Setujui pergeseran"), tags=[SHIFT_TAG], request=None,
                   responses={200: ShiftDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
                   description=_("Tingkat PPKD disetujui pejabat BPKAD; Perkada dan Perda oleh Sekda. Pencatat tidak "
                                 "boleh menyetujui sendiri."))
    def post(self, request: Request, shift_pk: int) -> Response:
        shift = BudgetShift.objects.filter(pk=shift_pk, pemda_id__in=pemda_ids(request.user)).first()
        if shift is None:
            raise Http404
        shift = shift_services.shift_approve(actor=request.user, shift=shift)
        return Response(ShiftDetailSerializer(shift).data)
