"""TAPD verification and red-flag API (authenticated, scoped like the staff pages).

/api/v1/anggaran/sub-kegiatan/{id}/transisi/      GET status and allowed transitions; POST a transition
/api/v1/anggaran/sub-kegiatan/{id}/catatan/       GET comments; POST a verifier's comment
/api/v1/anggaran/catatan/{id}/tanggapan/          POST the agency's response
/api/v1/anggaran/catatan/{id}/selesai/            POST: the verifier resolves a comment
/api/v1/anggaran/tanda-bahaya/                    GET red flags (paginated, filters)
/api/v1/anggaran/tanda-bahaya/{id}/abaikan/       POST: dismiss a flag with a reason
/api/v1/anggaran/verifikasi/papan/                GET the verification board

Request bodies use the service's argument names (to_status, reason, expected_version, body, line, response);
answers use Indonesian keys like the rest of the API. Missing and forbidden objects answer 404; a known object
the caller may read but not change answers 403. Classes carry no docstrings (drf-spectacular would publish them).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from terang.api.authentication import API_AUTHENTICATION
from terang.api.pagination import TerangPagination
from terang.api.throttling import API_THROTTLES
from terang.core.errors import NotFoundError
from terang.core.workflow import available_transitions

from .. import selectors_verification as sel
from ..choices import FlagRule, FlagStatus, SubActivityStatus
from ..models import RedFlag, SubActivityBudget, VerificationComment
from ..services import flags as flag_services
from ..services import verification as services
from ..workflows import SUB_ACTIVITY_WORKFLOW

TAG = "anggaran-verifikasi"
MONEY: dict[str, Any] = {"max_digits": 20, "decimal_places": 2}
ERROR = OpenApiResponse(description=_("Galat dengan bentuk {error: {code, message, request_id, details?}}"))
TA_PARAM = OpenApiParameter("ta", OpenApiTypes.INT, description=_(
    "Id tahun anggaran; bawaan: tahun anggaran terbaru yang sedang disusun di pemda pengguna."))


# --- serializers ---------------------------------------------------------------------------------------------------


class VerificationTransitionOptionSerializer(serializers.Serializer):
    ke = serializers.CharField(source="to_status")
    ke_label = serializers.CharField(source="to_label")
    label = serializers.CharField()  # type: ignore[assignment]  # the button text, not Field.label
    wajib_alasan = serializers.BooleanField(source="requires_reason")


class VerificationStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kode = serializers.CharField()
    nama = serializers.CharField()
    perangkat_daerah = serializers.IntegerField(source="organisation_id")
    tahun_anggaran = serializers.IntegerField(source="fiscal_year_id")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    versi = serializers.IntegerField(source="version")
    transisi_tersedia = serializers.SerializerMethodField()

    @extend_schema_field(VerificationTransitionOptionSerializer(many=True))
    def get_transisi_tersedia(self, obj: Any) -> Any:
        user = self.context["request"].user
        options = available_transitions(SUB_ACTIVITY_WORKFLOW, obj, user)
        return VerificationTransitionOptionSerializer(options, many=True).data


class VerificationTransitionRequestSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=SubActivityStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class VerificationCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    sub_kegiatan = serializers.IntegerField(source="sub_activity_id")
    rincian = serializers.IntegerField(source="line_id", allow_null=True)
    kunci_rincian = serializers.UUIDField(source="line_key", allow_null=True)
    verifikator = serializers.CharField(source="author.username")
    catatan = serializers.CharField(source="body")
    dibuat = serializers.DateTimeField(source="created_at")
    tanggapan = serializers.CharField(source="response")
    ditanggapi_oleh = serializers.CharField(source="responded_by.username", allow_null=True, default=None)
    ditanggapi = serializers.DateTimeField(source="responded_at", allow_null=True)
    selesai = serializers.BooleanField(source="resolved")


class VerificationCommentRequestSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)
    line = serializers.IntegerField(required=False, allow_null=True, default=None)


class VerificationResponseRequestSerializer(serializers.Serializer):
    response = serializers.CharField(max_length=4000)


class RedFlagSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    aturan = serializers.CharField(source="rule")
    aturan_label = serializers.CharField(source="get_rule_display")
    tingkat = serializers.IntegerField(source="severity")
    temuan = serializers.CharField(source="message")
    rincian_temuan = serializers.JSONField(source="details")
    status = serializers.CharField()
    perangkat_daerah = serializers.IntegerField(source="organisation_id")
    sub_kegiatan = serializers.IntegerField(source="sub_activity_id", allow_null=True)
    kode_sub_kegiatan = serializers.CharField(source="sub_activity.kode", allow_null=True, default=None)
    rincian = serializers.IntegerField(source="line_id", allow_null=True)
    kunci_rincian = serializers.UUIDField(source="line_key", allow_null=True)
    alasan_diabaikan = serializers.CharField(source="dismissed_reason")
    diabaikan_oleh = serializers.CharField(source="dismissed_by.username", allow_null=True, default=None)
    diabaikan = serializers.DateTimeField(source="dismissed_at", allow_null=True)
    ditemukan = serializers.DateTimeField(source="created_at")


class RedFlagDismissRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class VerificationBoardRowSerializer(serializers.Serializer):
    perangkat_daerah = serializers.IntegerField(source="organisation_id")
    kode = serializers.CharField()
    nama = serializers.CharField()
    singkatan = serializers.CharField()
    jumlah_per_status = serializers.DictField(source="counts", child=serializers.IntegerField())
    jumlah_sub_kegiatan = serializers.IntegerField(source="sub_activities")
    catatan_terbuka = serializers.IntegerField(source="open_comments")
    tanda_bahaya_terbuka = serializers.IntegerField(source="open_flags")
    menunggu_opd = serializers.IntegerField(source="waiting_opd")
    menunggu_tapd = serializers.IntegerField(source="waiting_tapd")
    menunggu = serializers.CharField(source="waiting_on")
    belanja = serializers.DecimalField(source="total", **MONEY)
    pagu = serializers.DecimalField(source="ceiling", allow_null=True, **MONEY)
    kemajuan_persen = serializers.IntegerField(source="progress")


class VerificationBoardSerializer(serializers.Serializer):
    tahun_anggaran = serializers.IntegerField(source="fiscal_year.pk")
    tahun = serializers.IntegerField(source="fiscal_year.tahun")
    perangkat_daerah = VerificationBoardRowSerializer(source="rows", many=True)
    jumlah = VerificationBoardRowSerializer(source="totals")


# --- views ---------------------------------------------------------------------------------------------------------


class _Authenticated(GenericAPIView):
    queryset: Any = SubActivityBudget.objects.none()  # for the schema only; reads go through the selectors
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = API_THROTTLES
    pagination_class: Any = None

    def sub_activity(self) -> Any:
        sub = sel.sub_activity_for_user(user=self.request.user, pk=self.kwargs["pk"])
        if sub is None:
            raise NotFoundError()
        return sub

    def comment(self) -> Any:
        comment = sel.comment_for_user(user=self.request.user, pk=self.kwargs["pk"])
        if comment is None:
            raise NotFoundError()
        return comment

    def fiscal_year(self) -> Any:
        fy = sel.fiscal_year_for_user(user=self.request.user, pk=self.request.query_params.get("ta"))
        if fy is None:
            raise NotFoundError()
        return fy


class SubActivityTransitionView(_Authenticated):
    serializer_class = VerificationStatusSerializer

    @extend_schema(summary=_("Status verifikasi satu sub kegiatan"), tags=[TAG], responses={
        200: VerificationStatusSerializer, 401: ERROR, 404: ERROR},
        description=_("Status, versi dan transisi yang boleh dilakukan pengguna saat ini."))
    def get(self, request: Request, pk: int) -> Response:
        return Response(VerificationStatusSerializer(self.sub_activity(), context={"request": request}).data)

    @extend_schema(
        summary=_("Ubah status sub kegiatan (ajukan, kembalikan, verifikasi, kunci)"), tags=[TAG],
        description=_("Transisi alur verifikasi TAPD. `reason` wajib saat mengembalikan; `expected_version` "
                      "menolak perubahan bila dokumen sudah diubah orang lain (409)."),
        request=VerificationTransitionRequestSerializer,
        responses={200: VerificationStatusSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, pk: int) -> Response:
        sub = self.sub_activity()
        data = VerificationTransitionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sub = services.sub_activity_transition(
            actor=request.user, sub_activity=sub, to_status=data.validated_data["to_status"],
            reason=data.validated_data["reason"], expected_version=data.validated_data["expected_version"])
        return Response(VerificationStatusSerializer(sub, context={"request": request}).data)


class CommentListView(_Authenticated):
    queryset = VerificationComment.objects.none()
    serializer_class = VerificationCommentSerializer

    @extend_schema(summary=_("Catatan verifikasi satu sub kegiatan"), tags=[TAG],
                   description=_("Semua catatan verifikator beserta tanggapan perangkat daerah, terlama dahulu."),
                   responses={200: VerificationCommentSerializer(many=True), 401: ERROR, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        sub = self.sub_activity()
        return Response(VerificationCommentSerializer(sel.comments_for_user(user=request.user, sub_activity=sub),
                                          many=True).data)

    @extend_schema(summary=_("Tulis catatan verifikasi"), tags=[TAG],
                   description=_("Verifikator TAPD mencatat pada sub kegiatan (atau satu rinciannya, `line`) yang "
                                 "berstatus diajukan."),
                   request=VerificationCommentRequestSerializer,
                   responses={201: VerificationCommentSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR})
    def post(self, request: Request, pk: int) -> Response:
        sub = self.sub_activity()
        data = VerificationCommentRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.verification_comment_add(actor=request.user, sub_activity=sub,
                                                    body=data.validated_data["body"], line=data.validated_data["line"])
        return Response(VerificationCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentRespondView(_Authenticated):
    queryset = VerificationComment.objects.none()
    serializer_class = VerificationCommentSerializer

    @extend_schema(summary=_("Tanggapi catatan verifikasi"), tags=[TAG],
                   description=_("Perangkat daerah menanggapi catatan selama sub kegiatan dikembalikan."),
                   request=VerificationResponseRequestSerializer,
                   responses={200: VerificationCommentSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR})
    def post(self, request: Request, pk: int) -> Response:
        comment = self.comment()
        data = VerificationResponseRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.verification_comment_respond(actor=request.user, comment=comment,
                                                        response=data.validated_data["response"])
        return Response(VerificationCommentSerializer(comment).data)


class CommentResolveView(_Authenticated):
    queryset = VerificationComment.objects.none()
    serializer_class = VerificationCommentSerializer

    @extend_schema(summary=_("Selesaikan catatan verifikasi"), tags=[TAG],
                   description=_("Verifikator TAPD menutup catatan (sub kegiatan berstatus diajukan)."),
                   request=None,
                   responses={200: VerificationCommentSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR})
    def post(self, request: Request, pk: int) -> Response:
        comment = services.verification_comment_resolve(actor=request.user, comment=self.comment())
        return Response(VerificationCommentSerializer(comment).data)


class FlagListView(_Authenticated):
    queryset = RedFlag.objects.none()
    serializer_class = RedFlagSerializer
    pagination_class = TerangPagination

    @extend_schema(
        summary=_("Tanda bahaya"), tags=[TAG],
        description=_("Temuan otomatis pada rincian, sub kegiatan dan perangkat daerah dalam lingkup pengguna, "
                      "paling serius dahulu."),
        parameters=[
            TA_PARAM,
            OpenApiParameter("aturan", OpenApiTypes.STR, enum=FlagRule.values, description=_("Aturan.")),
            OpenApiParameter("opd", OpenApiTypes.INT, description=_("Id perangkat daerah.")),
            OpenApiParameter("status", OpenApiTypes.STR, enum=FlagStatus.values, description=_("Status.")),
            OpenApiParameter("tingkat", OpenApiTypes.INT, enum=[1, 2, 3], description=_("Tingkat keseriusan.")),
            OpenApiParameter("sub_kegiatan", OpenApiTypes.INT, description=_("Id sub kegiatan.")),
        ],
        responses={200: RedFlagSerializer(many=True), 401: ERROR, 404: ERROR},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        rule = params.get("aturan", "")
        flag_status = params.get("status", "")
        filters = sel.FlagFilters(
            rule=rule if rule in FlagRule.values else "",
            organisation_id=_int(params.get("opd")),
            status=flag_status if flag_status in FlagStatus.values else "",
            severity=_int(params.get("tingkat")),
            sub_activity_id=_int(params.get("sub_kegiatan")),
        )
        qs = sel.flags_for_user(user=request.user, fiscal_year=self.fiscal_year(), filters=filters)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(RedFlagSerializer(page, many=True).data)


class FlagDismissView(_Authenticated):
    queryset = RedFlag.objects.none()
    serializer_class = RedFlagSerializer

    @extend_schema(summary=_("Abaikan tanda bahaya"), tags=[TAG],
                   description=_("Verifikator TAPD mengabaikan temuan dengan alasan minimal 10 karakter; alasan "
                                 "dicatat di jejak audit dan dipublikasikan."),
                   request=RedFlagDismissRequestSerializer,
                   responses={200: RedFlagSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR})
    def post(self, request: Request, pk: int) -> Response:
        flag = sel.flag_for_user(user=request.user, pk=pk)
        if flag is None:
            raise NotFoundError()
        data = RedFlagDismissRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag_services.flag_dismiss(actor=request.user, flag=flag, reason=data.validated_data["reason"])
        return Response(RedFlagSerializer(sel.flag_for_user(user=request.user, pk=pk)).data)


class BoardView(_Authenticated):
    serializer_class = VerificationBoardSerializer

    @extend_schema(
        summary=_("Papan verifikasi"), tags=[TAG],
        description=_("Per perangkat daerah: jumlah sub kegiatan per status, catatan terbuka, tanda bahaya terbuka, "
                      "yang menunggu perangkat daerah atau TAPD, belanja terhadap pagu dan kemajuan."),
        parameters=[
            TA_PARAM,
            OpenApiParameter("status", OpenApiTypes.STR, enum=SubActivityStatus.values,
                             description=_("Hanya perangkat daerah yang punya sub kegiatan berstatus ini.")),
            OpenApiParameter("menunggu", OpenApiTypes.STR, enum=["opd", "tapd"],
                             description=_("Hanya perangkat daerah yang ditunggu pihak ini.")),
        ],
        responses={200: VerificationBoardSerializer, 401: ERROR, 404: ERROR},
    )
    def get(self, request: Request) -> Response:
        board = sel.verification_board(user=request.user, fiscal_year=self.fiscal_year(),
                                       status=request.query_params.get("status", ""),
                                       waiting_on=request.query_params.get("menunggu", ""))
        return Response(VerificationBoardSerializer(board).data)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

