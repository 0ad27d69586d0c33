"""API of the standard price catalogue.

/api/v1/standar-harga/ — public, read-only: items of fiscal years with at least one published stage.
/api/v1/standar-harga/usulan/ — authenticated, scoped like the staff pages: list, detail, create, attach evidence
(POST …/{id}/bukti/) and workflow transitions (POST …/{id}/transisi/ {to_status, reason, version}).

Serializer and view classes carry no docstrings (drf-spectacular would publish them); descriptions are in
extend_schema, in Indonesian.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from terang.api.authentication import API_AUTHENTICATION
from terang.api.throttling import API_THROTTLES
from terang.api.viewsets import PublicReadOnlyViewSet
from terang.core.errors import ApplicationError, NotFoundError
from terang.org.models import Organisation

from .. import selectors_catalogue as sel
from ..choices import CatalogueKind, ProposalKind, ProposalStatus
from ..models import PriceChange, PriceItem, PriceProposal, PriceProposalEvidence
from ..services import catalogue as services

NS = "v1"
ERROR = OpenApiResponse(description=_("Galat dengan bentuk {error: {code, message, request_id, details?}}"))


# --- serializers ---------------------------------------------------------------------------------------------------


class AccountRefSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()


class PriceItemSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:standar-harga-detail")
    tahun = serializers.IntegerField(source="fiscal_year.tahun")
    pemda = serializers.CharField(source="pemda.kode")
    jenis = serializers.CharField(source="kind", help_text=_("ssh, hspk, asb atau sbu."))
    zona = serializers.CharField(source="zone")
    harga = serializers.DecimalField(max_digits=20, decimal_places=2,
                                     help_text=_("Harga satuan maksimum, tidak termasuk PPN."))
    rekening = AccountRefSerializer(source="allowed_accounts", many=True)
    id_sipd = serializers.CharField(source="source_id")
    berlaku_mulai = serializers.DateField(source="valid_from", allow_null=True)

    class Meta:
        model = PriceItem
        fields = ["id", "tahun", "pemda", "jenis", "kode", "kode_kelompok", "nama_kelompok", "nama", "spesifikasi",
                  "satuan", "harga", "zona", "rekening", "id_sipd", "berlaku_mulai", "url"]


class PriceHistorySerializer(serializers.ModelSerializer):
    berlaku_mulai = serializers.DateField(source="effective_from")
    harga_lama = serializers.DecimalField(source="old_harga", max_digits=20, decimal_places=2, allow_null=True)
    harga_baru = serializers.DecimalField(source="new_harga", max_digits=20, decimal_places=2, allow_null=True)
    rekening_ditambahkan = serializers.SlugRelatedField(source="added_accounts", slug_field="kode", many=True,
                                                        read_only=True)
    usulan = serializers.IntegerField(source="proposal_id", allow_null=True)

    class Meta:
        model = PriceChange
        fields = ["berlaku_mulai", "harga_lama", "harga_baru", "rekening_ditambahkan", "usulan"]


class PriceItemDetailSerializer(PriceItemSerializer):
    riwayat_harga = serializers.SerializerMethodField()

    class Meta(PriceItemSerializer.Meta):
        fields = [*PriceItemSerializer.Meta.fields, "riwayat_harga"]

    @extend_schema_field(PriceHistorySerializer(many=True))
    def get_riwayat_harga(self, obj: PriceItem) -> list[dict[str, Any]]:
        changes = (PriceChange.objects.filter(item=obj, applied=True).prefetch_related("added_accounts")
                   .order_by("-effective_from", "-pk"))
        return list(PriceHistorySerializer(changes, many=True).data)


class ProposalOrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "kode", "nama", "singkatan"]


class ProposalItemSerializer(serializers.ModelSerializer):
    zona = serializers.CharField(source="zone")

    class Meta:
        model = PriceItem
        fields = ["id", "kode", "nama", "satuan", "harga", "zona"]


class ProposalEvidenceSerializer(serializers.ModelSerializer):
    keterangan = serializers.CharField(source="description")
    diunggah = serializers.DateTimeField(source="uploaded_at")

    class Meta:
        model = PriceProposalEvidence
        fields = ["id", "keterangan", "sha256", "diunggah"]


class ProposalSerializer(serializers.ModelSerializer):
    tahun = serializers.IntegerField(source="fiscal_year.tahun")
    pemda = serializers.CharField(source="pemda.kode")
    perangkat_daerah = ProposalOrganisationSerializer(source="organisation")
    jenis = serializers.CharField(source="kind", help_text=_("new_item, new_price atau new_account."))
    status = serializers.CharField(help_text=_("draft, submitted, admin_approved, approved atau rejected."))
    status_label = serializers.CharField(source="get_status_display")
    komponen = ProposalItemSerializer(source="item", allow_null=True)
    jenis_standar = serializers.CharField(source="catalogue_kind")
    rekening = serializers.SlugRelatedField(source="accounts", slug_field="kode", many=True, read_only=True)
    berlaku_mulai = serializers.DateField(source="effective_from", allow_null=True)
    catatan_admin = serializers.CharField(source="admin_note")
    catatan_tapd = serializers.CharField(source="tapd_note")
    bukti = ProposalEvidenceSerializer(source="evidence", many=True)
    versi = serializers.IntegerField(source="version")
    dibuat = serializers.DateTimeField(source="created_at")
    diterapkan = serializers.DateTimeField(source="applied_at", allow_null=True)

    class Meta:
        model = PriceProposal
        fields = ["id", "tahun", "pemda", "perangkat_daerah", "jenis", "status", "status_label", "komponen",
                  "jenis_standar", "kode", "kode_kelompok", "nama", "spesifikasi", "satuan", "harga", "rekening",
                  "alasan", "berlaku_mulai", "catatan_admin", "catatan_tapd", "bukti", "versi", "dibuat",
                  "diterapkan"]


class ProposalCreateSerializer(serializers.Serializer):
    tahun = serializers.IntegerField(help_text=_("Tahun anggaran, mis. 2026."))
    pemda = serializers.CharField(required=False, default="",
                                  help_text=_("Kode pemda bila pengguna di beberapa pemda."))
    perangkat_daerah = serializers.IntegerField(help_text=_("Id perangkat daerah pengusul."))
    jenis = serializers.CharField(help_text=_("new_item (komponen baru), new_price (harga baru) atau new_account "
                                              "(rekening baru)."))
    komponen = serializers.IntegerField(required=False, allow_null=True,
                                        help_text=_("Id komponen (harga baru, rekening baru)."))
    jenis_standar = serializers.CharField(required=False, allow_blank=True, default="",
                                          help_text=_("Komponen baru: ssh, hspk, asb atau sbu."))
    kode = serializers.CharField(required=False, allow_blank=True, max_length=60)
    kode_kelompok = serializers.CharField(required=False, allow_blank=True, max_length=40)
    nama = serializers.CharField(required=False, allow_blank=True, max_length=500)
    spesifikasi = serializers.CharField(required=False, allow_blank=True)
    satuan = serializers.CharField(required=False, allow_blank=True, max_length=60)
    harga = serializers.DecimalField(max_digits=20, decimal_places=2, required=False, allow_null=True)
    rekening = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    alasan = serializers.CharField()
    berlaku_mulai = serializers.DateField(required=False, allow_null=True)


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.CharField(help_text=_("submitted, admin_approved, approved atau rejected."))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True,
                                       help_text=_("Versi yang dilihat; bila berbeda, ditolak (409)."))


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("PDF, JPG, PNG atau XLSX (diperiksa dari isinya), paling besar 10 MB."))
    keterangan = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


# --- filters -------------------------------------------------------------------------------------------------------


class PriceItemFilter(filters.FilterSet):
    tahun = filters.NumberFilter(field_name="fiscal_year__tahun", label=_("Tahun anggaran"))
    pemda = filters.CharFilter(field_name="pemda__kode", label=_("Kode pemda, mis. 35.10"))
    jenis = filters.ChoiceFilter(field_name="kind", choices=CatalogueKind.choices, label=_("Jenis standar"))
    rekening = filters.CharFilter(method="filter_rekening",
                                  label=_("Kode rekening (lebar apa pun) atau awalannya: hanya komponen yang "
                                          "diizinkan untuk rekening itu"))
    q = filters.CharFilter(method="filter_q", label=_("Cari awalan kode atau kata di uraian/spesifikasi"))

    class Meta:
        model = PriceItem
        fields: list[str] = []

    def filter_rekening(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return sel.filter_items(queryset, rekening=value)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return sel.filter_items(queryset, q=value)


@extend_schema_field(OpenApiTypes.INT)
class IntFilter(filters.NumberFilter):
    pass


class ProposalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ProposalStatus.choices, label=_("Status"))
    jenis = filters.ChoiceFilter(field_name="kind", choices=ProposalKind.choices, label=_("Jenis usulan"))
    tahun = IntFilter(field_name="fiscal_year__tahun", label=_("Tahun anggaran"))
    perangkat_daerah = IntFilter(field_name="organisation_id", label=_("Id perangkat daerah"))
    komponen = IntFilter(field_name="item_id", label=_("Id komponen"))

    class Meta:
        model = PriceProposal
        fields: list[str] = []


# --- views ---------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Daftar standar harga"),
        description=_("Komponen standar harga (SSH, HSPK, ASB, SBU) yang berlaku, dari tahun anggaran yang sudah "
                      "memiliki tahapan dipublikasikan: harga satuan maksimum (tanpa PPN), satuan, spesifikasi, "
                      "zona dan rekening yang diizinkan."),
        tags=["standar-harga"]),
    retrieve=extend_schema(
        summary=_("Satu komponen standar harga"),
        description=_("Komponen beserta riwayat perubahan harga dan rekening yang sudah diterapkan."),
        tags=["standar-harga"]),
)
class PriceItemViewSet(PublicReadOnlyViewSet):
    filterset_class = PriceItemFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[PriceItem]:
        return sel.public_price_items()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return PriceItemDetailSerializer if self.action == "retrieve" else PriceItemSerializer


@extend_schema_view(
    list=extend_schema(
        summary=_("Daftar usulan standar harga"),
        description=_("Usulan komponen baru, harga baru atau rekening baru. Perangkat daerah melihat usulannya "
                      "sendiri; administrator, TAPD dan pembaca pemda melihat usulan pemdanya."),
        tags=["standar-harga"], responses={200: ProposalSerializer(many=True), 401: ERROR}),
    retrieve=extend_schema(summary=_("Satu usulan standar harga"),
                           description=_("Usulan dengan bukti, catatan dan statusnya."),
                           tags=["standar-harga"], responses={200: ProposalSerializer, 401: ERROR, 404: ERROR}),
)
class PriceProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = API_THROTTLES
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProposalFilter
    serializer_class = ProposalSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[PriceProposal]:
        return (sel.price_proposals_for_user(user=self.request.user).select_related("pemda")
                .prefetch_related("accounts", "evidence"))

    def get_object(self) -> PriceProposal:
        proposal = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if proposal is None:
            raise NotFoundError()
        return proposal

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        proposal = self.get_queryset().get(pk=pk)
        return Response(ProposalSerializer(proposal, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary=_("Buat usulan standar harga (draf)"),
        description=_("Perangkat daerah membuat draf usulan. Komponen baru dan harga baru perlu paling sedikit satu "
                      "bukti (POST …/bukti/) sebelum diajukan."),
        tags=["standar-harga"], request=ProposalCreateSerializer,
        responses={201: ProposalSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request: Request) -> Response:
        payload = ProposalCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        fiscal_year = sel.catalogue_fiscal_year_for_user(user=request.user, tahun=data["tahun"], pemda=data["pemda"])
        if fiscal_year is None:
            raise NotFoundError(field="tahun")
        organisation = Organisation.objects.filter(pk=data["perangkat_daerah"], pemda_id=fiscal_year.pemda_id).first()
        if organisation is None:
            raise NotFoundError(field="perangkat_daerah")
        item = None
        if data.get("komponen"):
            item = PriceItem.objects.filter(pk=data["komponen"], fiscal_year=fiscal_year).first()
            if item is None:
                raise NotFoundError(field="komponen")
        proposal = services.price_proposal_create(
            actor=request.user, fiscal_year=fiscal_year, organisation=organisation,
            data=services.ProposalInput(
                kind=data["jenis"], alasan=data["alasan"], item=item, catalogue_kind=data.get("jenis_standar", ""),
                kode=data.get("kode", ""), kode_kelompok=data.get("kode_kelompok", ""), nama=data.get("nama", ""),
                spesifikasi=data.get("spesifikasi", ""), satuan=data.get("satuan", ""), harga=data.get("harga"),
                accounts=data.get("rekening") or [], effective_from=data.get("berlaku_mulai")),
        )
        return self._detail(proposal.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Ubah status usulan"),
        description=_("Ajukan (perangkat daerah), setujui atau tolak (administrator, lalu TAPD). Menolak wajib "
                      "dengan alasan. Persetujuan TAPD menjadwalkan perubahan sejak tanggal berlakunya dan "
                      "langsung menerapkannya bila tanggal itu sudah tiba."),
        tags=["standar-harga"], request=TransitionSerializer,
        responses={200: ProposalSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="transisi")
    def transisi(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.price_proposal_transition(
            actor=request.user, proposal=proposal, to_status=payload.validated_data["to_status"],
            reason=payload.validated_data["reason"], expected_version=payload.validated_data.get("version"))
        return self._detail(proposal.pk)

    @extend_schema(
        summary=_("Lampirkan bukti usulan"),
        description=_("Unggah satu berkas bukti (multipart) ke usulan yang masih draf."),
        tags=["standar-harga"], request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: ProposalSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="bukti", parser_classes=[MultiPartParser, FormParser])
    def bukti(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        payload = EvidenceUploadSerializer(data=request.data)
        if not payload.is_valid():
            raise ApplicationError(str(_("Pilih berkas yang akan dilampirkan.")), field="file",
                                   details=payload.errors)
        services.price_proposal_evidence_add(actor=request.user, proposal=proposal,
                                             file=payload.validated_data["file"],
                                             description=payload.validated_data["keterangan"])
        return self._detail(proposal.pk, status.HTTP_201_CREATED)
