"""API of RKA entry (authenticated, scoped like the staff pages).

/api/v1/anggaran/tahun/                 fiscal years the caller may read
/api/v1/anggaran/sub-kegiatan/          sub-kegiatan of an agency's RKA: list, create, detail, update (version)
/api/v1/anggaran/rincian/               lines: list (filters), create, detail, PUT/PATCH and DELETE with If-Match
/api/v1/anggaran/opd/{id}/pagu/         an agency's totals against its ceilings

Reads need `budget.view` over the agency (agency staff: their agency; pemda-wide roles: every agency of their
pemda); anything outside the scope answers 404 like a missing record. Writes go through the line services, which
check `budget.edit_lines`, the input window and the ceilings. A stale version answers 409 with both versions in
`error.details` (`current`, `yours`, `current_version`); nothing is overwritten.

Serializer and view classes carry no docstrings (drf-spectacular would publish them); descriptions are in
extend_schema, in Indonesian.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters as filters
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from terang.api.authentication import API_AUTHENTICATION
from terang.api.throttling import API_THROTTLES
from terang.core.errors import ApplicationError, NotFoundError
from terang.core.money import format_number, to_decimal
from terang.org.models import Region

from .. import selectors
from ..choices import LineType, SubActivityStatus
from ..models import BudgetLine, Ceiling, FiscalYear, SubActivityBudget
from ..services import lines as services

ERROR = OpenApiResponse(description=_("Galat dengan bentuk {error: {code, message, request_id, details?}}"))
CONFLICT = OpenApiResponse(description=_(
    "Versi kedaluwarsa: {error: {code: \"conflict\", message, details: {current, yours, current_version}}}. "
    "Tidak ada yang ditimpa; kirim ulang dengan versi terbaru bila tetap ingin menyimpan."))
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=_("Versi baris yang Anda ubah (dari `version` atau header ETag). Boleh juga `version` di isi."),
)


# --- fields ---------------------------------------------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": True,
                      "description": "Angka JSON atau teks berformat Indonesia (1.250.000 atau 2,5)."})
class LooseDecimalField(serializers.Field):
    """A number from JSON (exact) or text written the Indonesian way; null or "" for empty."""

    def to_internal_value(self, data: Any) -> Decimal | None:
        if data is None or data == "":
            return None
        if isinstance(data, bool):
            raise serializers.ValidationError(gettext("Harus berupa angka."))
        try:
            if isinstance(data, int | float):
                return Decimal(str(data))
            return to_decimal(str(data))
        except (InvalidOperation, ValueError) as exc:
            raise serializers.ValidationError(gettext("Harus berupa angka.")) from exc

    def to_representation(self, value: Any) -> Any:
        return None if value is None else str(value)


def _version(request: Request, body_version: Any) -> int:
    """The expected version from If-Match ("3", W/"3") or the body; 428 when neither is given."""
    header = request.headers.get("If-Match", "").strip()
    raw = header.removeprefix("W/").strip('"') if header else body_version
    if raw in (None, ""):
        raise ApplicationError(gettext("Sertakan versi yang diubah: header If-Match atau kolom version."),
                               code="precondition_required", status_code=428)
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(gettext("Versi '%(v)s' bukan bilangan bulat.") % {"v": raw}, code="invalid_version",
                               field="version") from exc


def _etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


# --- fiscal years -------------------------------------------------------------------------------------------------


class FiscalYearSerializer(serializers.ModelSerializer):
    pemda = serializers.CharField(source="pemda.kode")
    pemda_nama = serializers.CharField(source="pemda.nama")
    versi_nomenklatur = serializers.CharField(source="program_version.kode")
    versi_rekening = serializers.CharField(source="account_version.kode")
    tarif_ppn = serializers.DecimalField(source="ppn_rate", max_digits=5, decimal_places=4)
    status = serializers.CharField(help_text=_("preparation (penyusunan), execution (pelaksanaan) atau closed."))

    class Meta:
        model = FiscalYear
        fields = ["id", "tahun", "pemda", "pemda_nama", "status", "versi_nomenklatur", "versi_rekening", "tarif_ppn"]


@extend_schema_view(
    list=extend_schema(summary=_("Tahun anggaran dalam lingkup Anda"), tags=["anggaran"],
                       description=_("Tahun anggaran setiap pemda tempat Anda boleh membaca anggaran.")),
    retrieve=extend_schema(summary=_("Satu tahun anggaran"), tags=["anggaran"],
                           description=_("Tahun anggaran menurut id-nya (404 di luar lingkup Anda).")),
)
class FiscalYearViewSet(viewsets.ReadOnlyModelViewSet):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = API_THROTTLES
    serializer_class = FiscalYearSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[FiscalYear]:
        return selectors.fiscal_years_for_user(user=self.request.user)


# --- sub-kegiatan -------------------------------------------------------------------------------------------------


class SubActivitySerializer(serializers.ModelSerializer):
    tahun = serializers.IntegerField(source="fiscal_year_id")
    opd = serializers.IntegerField(source="organisation_id")
    opd_nama = serializers.CharField(source="organisation.nama")
    lokasi: Any = serializers.SlugRelatedField(slug_field="kode", many=True, read_only=True)
    sumber_dana: Any = serializers.SlugRelatedField(slug_field="kode", read_only=True)
    jumlah = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True, allow_null=True)
    jumlah_baris = serializers.IntegerField(read_only=True)
    status = serializers.CharField(help_text=_("draft, submitted, returned, verified atau locked."))

    class Meta:
        model = SubActivityBudget
        fields = ["id", "tahun", "opd", "opd_nama", "kode", "nama", "status", "lokasi", "indikator", "target",
                  "satuan", "bulan_mulai", "bulan_selesai", "sumber_dana", "planning_trace", "jumlah",
                  "jumlah_baris", "version", "updated_at"]


class SubActivityWriteSerializer(serializers.Serializer):
    tahun = serializers.IntegerField(required=False, help_text=_("Id tahun anggaran (wajib saat membuat)."))
    opd = serializers.IntegerField(required=False, help_text=_("Id perangkat daerah (wajib saat membuat)."))
    kode = serializers.CharField(required=False, max_length=40, help_text=_("Kode sub kegiatan (saat membuat)."))
    lokasi = serializers.ListField(child=serializers.CharField(), required=False,
                                   help_text=_("Kode wilayah (kabupaten, kecamatan, desa/kelurahan)."))
    indikator = serializers.CharField(required=False, allow_blank=True)
    target = LooseDecimalField(required=False, allow_null=True)
    satuan = serializers.CharField(required=False, allow_blank=True, max_length=100)
    bulan_mulai = serializers.IntegerField(required=False, min_value=1, max_value=12)
    bulan_selesai = serializers.IntegerField(required=False, min_value=1, max_value=12)
    sumber_dana = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    planning_trace = serializers.CharField(required=False, allow_blank=True, max_length=255)
    version = serializers.IntegerField(required=False, help_text=_("Versi yang diubah (atau header If-Match)."))


def _sub_fields(data: dict[str, Any], pemda_region_kode: str) -> dict[str, Any]:
    from terang.reference.selectors import sumber_dana_by_kode

    fields: dict[str, Any] = {}
    for key in ("indikator", "target", "satuan", "bulan_mulai", "bulan_selesai", "planning_trace"):
        if key in data:
            fields[key] = data[key]
    if "sumber_dana" in data:
        kode = data["sumber_dana"]
        fields["sumber_dana"] = sumber_dana_by_kode(kode) if kode else None
        if kode and fields["sumber_dana"] is None:
            raise ApplicationError(gettext("Sumber dana '%(k)s' tidak dikenal.") % {"k": kode},
                                   code="unknown_sumber_dana", field="sumber_dana")
    if "lokasi" in data:
        codes_ = list(dict.fromkeys(data["lokasi"]))
        regions = list(Region.objects.filter(kode__in=codes_))
        inside = [r for r in regions if r.kode == pemda_region_kode or r.kode.startswith(pemda_region_kode + ".")]
        if len(inside) != len(codes_):
            found = {r.kode for r in inside}
            missing = [c for c in codes_ if c not in found]
            raise ApplicationError(gettext("Lokasi di luar wilayah pemda atau tidak dikenal: %(k)s")
                                   % {"k": ", ".join(missing)}, code="invalid_location", field="lokasi")
        fields["lokasi"] = inside
    return fields


class SubActivityFilter(filters.FilterSet):
    tahun = filters.NumberFilter(field_name="fiscal_year_id", label=_("Id tahun anggaran"))
    opd = filters.NumberFilter(field_name="organisation_id", label=_("Id perangkat daerah"))
    status = filters.ChoiceFilter(choices=SubActivityStatus.choices, label=_("Status"))
    kode = filters.CharFilter(field_name="kode", lookup_expr="startswith", label=_("Awalan kode"))

    class Meta:
        model = SubActivityBudget
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(summary=_("Sub kegiatan RKA"), tags=["anggaran"], description=_(
        "Sub kegiatan dalam RKA perangkat daerah yang boleh Anda baca, dengan jumlah belanja dan jumlah baris.")),
    retrieve=extend_schema(summary=_("Satu sub kegiatan RKA"), tags=["anggaran"], responses={200: SubActivitySerializer,
                                                                                             404: ERROR}),
    create=extend_schema(summary=_("Tambah sub kegiatan ke RKA"), tags=["anggaran"],
                         request=SubActivityWriteSerializer, responses={201: SubActivitySerializer, 400: ERROR,
                                                                        403: ERROR, 404: ERROR}),
    update=extend_schema(summary=_("Ubah sub kegiatan"), tags=["anggaran"], parameters=[IF_MATCH],
                         request=SubActivityWriteSerializer,
                         responses={200: SubActivitySerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: CONFLICT,
                                    428: ERROR}),
    partial_update=extend_schema(summary=_("Ubah sebagian sub kegiatan"), tags=["anggaran"], parameters=[IF_MATCH],
                                 request=SubActivityWriteSerializer,
                                 responses={200: SubActivitySerializer, 400: ERROR, 403: ERROR, 404: ERROR,
                                            409: CONFLICT, 428: ERROR}),
)
class SubActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = API_THROTTLES
    serializer_class = SubActivitySerializer
    filterset_class = SubActivityFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    filter_backends = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet[SubActivityBudget]:
        return selectors.sub_activities_for_user(user=self.request.user).prefetch_related("lokasi")

    def _detail(self, pk: Any) -> SubActivityBudget:
        sub = self.get_queryset().filter(pk=pk).first()
        if sub is None:
            raise NotFoundError()
        return sub

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sub = self._detail(kwargs["pk"])
        return _etag(Response(SubActivitySerializer(sub).data), sub.version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = SubActivityWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        fiscal_year = selectors.fiscal_year_for_user(user=request.user, pk=values.pop("tahun", None))
        if fiscal_year is None:
            raise NotFoundError(gettext("Tahun anggaran tidak ditemukan."))
        organisation = selectors.organisation_for_budget(user=request.user, fiscal_year=fiscal_year,
                                                         pk=values.pop("opd", None))
        if organisation is None:
            raise NotFoundError(gettext("Perangkat daerah tidak ditemukan."))
        kode = values.pop("kode", "")
        if not kode:
            raise ApplicationError(gettext("Kode sub kegiatan wajib diisi."), code="required", field="kode")
        fields = _sub_fields(values, fiscal_year.pemda.region.kode)
        sub = services.sub_activity_create(actor=request.user, fiscal_year=fiscal_year, organisation=organisation,
                                           kode=kode, **fields)
        sub = self._detail(sub.pk)
        return _etag(Response(SubActivitySerializer(sub).data, status=status.HTTP_201_CREATED), sub.version)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sub = self._detail(kwargs["pk"])
        data = SubActivityWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        expected = _version(request, values.pop("version", None))
        values.pop("tahun", None)
        values.pop("opd", None)
        if values.get("kode") and values["kode"] != sub.kode:
            raise ApplicationError(gettext("Kode sub kegiatan tidak dapat diubah."), code="read_only", field="kode")
        fields = _sub_fields(values, sub.fiscal_year.pemda.region.kode)
        services.sub_activity_update(actor=request.user, sub_activity=sub, expected_version=expected, **fields)
        sub = self._detail(sub.pk)
        return _etag(Response(SubActivitySerializer(sub).data), sub.version)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)


# --- lines --------------------------------------------------------------------------------------------------------


class FieldsOnceMixin:
    """Build a serializer class's fields once per process: ModelSerializer introspects the model for every instance
    (a few ms per save); each instance gets a deep copy, as DRF does with declared fields."""

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        template = cls.__dict__.get("_fields_template")
        if template is None:
            template = super().get_fields()  # type: ignore[misc]
            cls._fields_template = template  # type: ignore[attr-defined]
        return copy.deepcopy(template)


class LineSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    tahun = serializers.IntegerField(source="fiscal_year_id")
    opd = serializers.IntegerField(source="organisation_id")
    sub_kegiatan = serializers.IntegerField(source="sub_activity_id", allow_null=True)
    kode_sub_kegiatan = serializers.SerializerMethodField()
    kode_rekening = serializers.CharField(source="account.kode")
    nama_rekening = serializers.CharField(source="account.nama")
    jenis_baris = serializers.CharField(source="line_type", help_text=_("item (rincian) atau belum_dirinci."))
    komponen = serializers.IntegerField(source="price_item_id", allow_null=True)
    kode_komponen = serializers.SerializerMethodField()
    koefisien = serializers.CharField()
    ppn_rp = serializers.DecimalField(source="ppn_amount", max_digits=20, decimal_places=2)
    jumlah = serializers.DecimalField(source="total", max_digits=20, decimal_places=2)
    sumber_dana: Any = serializers.SlugRelatedField(slug_field="kode", read_only=True)
    diubah_oleh = serializers.SerializerMethodField()
    diubah_pada = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = BudgetLine
        fields = ["id", "line_key", "tahun", "opd", "sub_kegiatan", "kode_sub_kegiatan", "akun", "kode_rekening",
                  "nama_rekening", "kelompok", "keterangan", "jenis_baris", "komponen", "kode_komponen", "uraian",
                  "spesifikasi", "vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4", "koefisien",
                  "volume", "satuan", "harga_satuan", "ppn", "ppn_rp", "jumlah", "sumber_dana", "version",
                  "diubah_oleh", "diubah_pada"]

    def get_kode_sub_kegiatan(self, line: BudgetLine) -> str | None:
        return line.sub_activity.kode if line.sub_activity is not None else None

    def get_kode_komponen(self, line: BudgetLine) -> str | None:
        return line.price_item.kode if line.price_item is not None else None

    def get_diubah_oleh(self, line: BudgetLine) -> str | None:
        return line.updated_by.get_username() if line.updated_by is not None else None


LINE_WRITE_FIELDS = ("kode_rekening", "kelompok", "keterangan", "jenis_baris", "komponen", "kode_komponen", "uraian",
                     "spesifikasi", "vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4", "harga_satuan",
                     "ppn", "sumber_dana")


class LineWriteSerializer(serializers.Serializer):
    sub_kegiatan = serializers.IntegerField(required=False, allow_null=True,
                                            help_text=_("Id sub kegiatan (belanja). Kosong untuk pendapatan/"
                                                        "pembiayaan: isi opd dan tahun."))
    opd = serializers.IntegerField(required=False, allow_null=True)
    tahun = serializers.IntegerField(required=False, allow_null=True)
    kode_rekening = serializers.CharField(required=False, max_length=40)
    kelompok = serializers.CharField(required=False, allow_blank=True, max_length=255)
    keterangan = serializers.CharField(required=False, allow_blank=True, max_length=255)
    jenis_baris = serializers.ChoiceField(choices=LineType.choices, required=False)
    komponen = serializers.IntegerField(required=False, allow_null=True, help_text=_("Id komponen standar harga."))
    kode_komponen = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                          help_text=_("Atau kode komponen standar harga."))
    uraian = serializers.CharField(required=False, allow_blank=True, max_length=500)
    spesifikasi = serializers.CharField(required=False, allow_blank=True)
    vol1 = LooseDecimalField(required=False, allow_null=True)
    sat1 = serializers.CharField(required=False, allow_blank=True, max_length=40)
    vol2 = LooseDecimalField(required=False, allow_null=True)
    sat2 = serializers.CharField(required=False, allow_blank=True, max_length=40)
    vol3 = LooseDecimalField(required=False, allow_null=True)
    sat3 = serializers.CharField(required=False, allow_blank=True, max_length=40)
    vol4 = LooseDecimalField(required=False, allow_null=True)
    sat4 = serializers.CharField(required=False, allow_blank=True, max_length=40)
    harga_satuan = LooseDecimalField(required=False, allow_null=True,
                                     help_text=_("Kosong: harga standar komponen. Untuk belum_dirinci: jumlahnya."))
    ppn = serializers.BooleanField(required=False)
    sumber_dana = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    alasan = serializers.CharField(required=False, allow_blank=True, help_text=_("Dicatat di jejak audit."))
    version = serializers.IntegerField(required=False, help_text=_("Versi yang diubah (atau header If-Match)."))


def _current_values(line: BudgetLine) -> dict[str, Any]:
    """A saved line in the write layout (the base a PATCH is merged onto)."""
    return {
        "kode_rekening": line.account.kode, "kelompok": line.kelompok, "keterangan": line.keterangan,
        "jenis_baris": line.line_type, "komponen": line.price_item_id, "uraian": line.uraian,
        "spesifikasi": line.spesifikasi, "vol1": line.vol1, "sat1": line.sat1, "vol2": line.vol2, "sat2": line.sat2,
        "vol3": line.vol3, "sat3": line.sat3, "vol4": line.vol4, "sat4": line.sat4,
        "harga_satuan": line.harga_satuan, "ppn": line.ppn,
        # the saved source itself (not its code): the service takes it as is instead of looking the code up again
        "sumber_dana": line.sumber_dana,
    }


def _line_input(values: dict[str, Any], fiscal_year: FiscalYear, reason: str = "") -> services.LineInput:
    from ..models import PriceItem

    item = values.get("komponen")
    if not item and values.get("kode_komponen"):
        item = (PriceItem.objects.filter(fiscal_year=fiscal_year, kode=values["kode_komponen"], is_active=True)
                .order_by("zone").values_list("pk", flat=True).first())
        if item is None:
            raise ApplicationError(gettext("Komponen %(k)s tidak ada di standar harga TA %(t)s.")
                                   % {"k": values["kode_komponen"], "t": fiscal_year.tahun},
                                   code="unknown_price_item", field="price_item")
    if not values.get("kode_rekening"):
        raise ApplicationError(gettext("Kode rekening wajib diisi."), code="required", field="account")
    extra: dict[str, Any] = {"fiscal_year": fiscal_year}
    if reason:
        extra["reason"] = reason
    line_type = values.get("jenis_baris") or LineType.ITEM
    return services.LineInput(
        account=values["kode_rekening"], kelompok=values.get("kelompok") or "",
        keterangan=values.get("keterangan") or "", line_type=line_type,
        price_item=None if line_type == LineType.UNDETAILED else item,
        uraian=values.get("uraian") or "", spesifikasi=values.get("spesifikasi") or "",
        vol1=values.get("vol1") if values.get("vol1") is not None else (1 if line_type == LineType.UNDETAILED
                                                                         else None),
        sat1=values.get("sat1") or "", vol2=values.get("vol2"), sat2=values.get("sat2") or "",
        vol3=values.get("vol3"), sat3=values.get("sat3") or "", vol4=values.get("vol4"),
        sat4=values.get("sat4") or "", harga_satuan=values.get("harga_satuan"), ppn=bool(values.get("ppn")),
        sumber_dana=values.get("sumber_dana") or None, extra=extra,
    )


class LineFilter(filters.FilterSet):
    tahun = filters.NumberFilter(field_name="fiscal_year_id", label=_("Id tahun anggaran"))
    opd = filters.NumberFilter(field_name="organisation_id", label=_("Id perangkat daerah"))
    sub_kegiatan = filters.NumberFilter(field_name="sub_activity_id", label=_("Id sub kegiatan"))
    akun = filters.ChoiceFilter(choices=[("4", "4"), ("5", "5"), ("6", "6")],
                                label=_("Akun: 4 pendapatan, 5 belanja, 6 pembiayaan"))
    line_type = filters.ChoiceFilter(choices=LineType.choices, label=_("Jenis baris"))
    kode_rekening = filters.CharFilter(field_name="account__kode", lookup_expr="startswith",
                                       label=_("Awalan kode rekening"))

    class Meta:
        model = BudgetLine
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(summary=_("Rincian anggaran"), tags=["anggaran"], description=_(
        "Baris anggaran (belanja per sub kegiatan, pendapatan, pembiayaan) yang boleh Anda baca, termasuk draf.")),
    retrieve=extend_schema(summary=_("Satu rincian"), tags=["anggaran"],
                           responses={200: LineSerializer, 404: ERROR}),
    create=extend_schema(summary=_("Tambah rincian"), tags=["anggaran"], request=LineWriteSerializer,
                         description=_("Dihitung dan diperiksa oleh layanan yang sama dengan halaman input: rekening "
                                       "tingkat 6, komponen yang diizinkan, harga ≤ standar, pagu."),
                         responses={201: LineSerializer, 400: ERROR, 403: ERROR, 404: ERROR}),
    update=extend_schema(summary=_("Ganti rincian"), tags=["anggaran"], parameters=[IF_MATCH],
                         request=LineWriteSerializer,
                         responses={200: LineSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: CONFLICT,
                                    428: ERROR}),
    partial_update=extend_schema(summary=_("Ubah sebagian rincian"), tags=["anggaran"], parameters=[IF_MATCH],
                                 request=LineWriteSerializer,
                                 responses={200: LineSerializer, 400: ERROR, 403: ERROR, 404: ERROR,
                                            409: CONFLICT, 428: ERROR}),
    destroy=extend_schema(summary=_("Hapus rincian"), tags=["anggaran"], parameters=[
        IF_MATCH, OpenApiParameter("alasan", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
                                   description=_("Alasan (dicatat di jejak audit)."))],
        responses={204: None, 403: ERROR, 404: ERROR, 409: CONFLICT, 428: ERROR}),
)
class LineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = API_THROTTLES
    serializer_class = LineSerializer
    filterset_class = LineFilter

    filter_backends = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet[BudgetLine]:
        return selectors.lines_for_user(user=self.request.user).order_by(
            "organisation_id", "sub_activity__kode", "account__kode", "kelompok", "keterangan", "pk")

    def _detail(self, pk: Any) -> BudgetLine:
        line = selectors.line_for_user(user=self.request.user, pk=pk)
        if line is None:
            raise NotFoundError()
        return line

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        line = self._detail(kwargs["pk"])
        return _etag(Response(LineSerializer(line).data), line.version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = LineWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        sub = None
        if values.get("sub_kegiatan"):
            sub = selectors.sub_activity_for_user(user=request.user, pk=values["sub_kegiatan"])
            if sub is None:
                raise NotFoundError(gettext("Sub kegiatan tidak ditemukan."))
            fiscal_year = sub.fiscal_year
            organisation = None
        else:
            found = selectors.fiscal_year_for_user(user=request.user, pk=values.get("tahun"))
            if found is None:
                raise NotFoundError(gettext("Tahun anggaran tidak ditemukan."))
            fiscal_year = found
            organisation = selectors.organisation_for_budget(user=request.user, fiscal_year=fiscal_year,
                                                             pk=values.get("opd"))
            if organisation is None:
                raise NotFoundError(gettext("Perangkat daerah tidak ditemukan."))
        line = services.line_create(actor=request.user, sub_activity=sub, organisation=organisation,
                                    data=_line_input(values, fiscal_year))
        line = self._detail(line.pk)
        return _etag(Response(LineSerializer(line).data, status=status.HTTP_201_CREATED), line.version)

    def _for_save(self, pk: Any) -> BudgetLine:
        """The line in the caller's scope with only what a save reads before the service locks it again (account
        and funding source for the PATCH base, fiscal year for the catalogue): fewer joins than the detail."""
        try:
            pk = int(pk)
        except (TypeError, ValueError) as exc:
            raise NotFoundError() from exc
        line = (selectors.lines_for_user(user=self.request.user).select_related(None)
                .select_related("account", "sumber_dana", "fiscal_year").filter(pk=pk).order_by().first())
        if line is None:
            raise NotFoundError()
        return line

    def _save(self, request: Request, pk: Any, *, partial: bool) -> Response:
        line = self._for_save(pk)
        data = LineWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        expected = _version(request, given.pop("version", None))
        reason = given.pop("alasan", "")
        for key in ("sub_kegiatan", "opd", "tahun"):
            given.pop(key, None)
        if "kode_komponen" in given and "komponen" not in given:
            given["komponen"] = None
        values = {**_current_values(line), **given} if partial else given
        saved = services.line_update(actor=request.user, line=line,
                                     data=_line_input(values, line.fiscal_year, reason), expected_version=expected)
        # the service returns the saved row with its relations (account, sub-kegiatan, item, source, editor): it is
        # answered as is, without reading it again (test_perf_api_save pins that it equals a fresh GET)
        return _etag(Response(LineSerializer(saved).data), saved.version)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, kwargs["pk"], partial=False)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, kwargs["pk"], partial=True)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        line = self._detail(kwargs["pk"])
        body_version = request.query_params.get("version")
        if body_version is None and hasattr(request, "data") and isinstance(request.data, dict):
            body_version = request.data.get("version")
        expected = _version(request, body_version)
        services.line_delete(actor=request.user, line=line, expected_version=expected,
                             reason=request.query_params.get("alasan", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- totals against ceilings --------------------------------------------------------------------------------------


class CeilingRowSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()
    pagu = serializers.DecimalField(max_digits=20, decimal_places=2)
    jumlah = serializers.DecimalField(max_digits=20, decimal_places=2)
    sisa = serializers.DecimalField(max_digits=20, decimal_places=2)


class AgencyCeilingSerializer(serializers.Serializer):
    opd = serializers.IntegerField()
    opd_nama = serializers.CharField()
    tahun = serializers.IntegerField(help_text=_("Id tahun anggaran."))
    tahun_anggaran = serializers.IntegerField()
    belanja = serializers.DecimalField(max_digits=20, decimal_places=2)
    pagu = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    sisa = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    persen = serializers.IntegerField()
    belum_dirinci = serializers.DecimalField(max_digits=20, decimal_places=2)
    pendapatan = serializers.DecimalField(max_digits=20, decimal_places=2)
    penerimaan_pembiayaan = serializers.DecimalField(max_digits=20, decimal_places=2)
    pengeluaran_pembiayaan = serializers.DecimalField(max_digits=20, decimal_places=2)
    jumlah_baris = serializers.IntegerField()
    sub_kegiatan_per_status = serializers.DictField(child=serializers.IntegerField())
    pagu_sub_kegiatan = CeilingRowSerializer(many=True)
    pagu_sumber_dana = CeilingRowSerializer(many=True)
    teks = serializers.CharField(help_text=_("Ringkasan untuk dibaca orang."))


class AgencyCeilingView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = API_THROTTLES

    @extend_schema(
        summary=_("Jumlah anggaran perangkat daerah terhadap pagu"), tags=["anggaran"],
        parameters=[OpenApiParameter("tahun", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                                     description=_("Id tahun anggaran (bawaan: tahun terbaru pemda OPD)."))],
        description=_("Belanja terhadap pagu OPD, per pagu sub kegiatan dan per pagu sumber dana; pendapatan dan "
                      "pembiayaan; sub kegiatan per status."),
        responses={200: AgencyCeilingSerializer, 401: ERROR, 404: ERROR},
    )
    def get(self, request: Request, pk: int) -> Response:
        from terang.org.models import Organisation

        org = Organisation.objects.filter(pk=pk).first()
        if org is None:
            raise NotFoundError()
        years = selectors.fiscal_years_for_user(user=request.user).filter(pemda_id=org.pemda_id)
        tahun = request.query_params.get("tahun")
        try:
            fiscal_year = years.filter(pk=int(tahun)).first() if tahun else years.order_by("-tahun").first()
        except ValueError:
            fiscal_year = None
        if fiscal_year is None:
            raise NotFoundError()
        organisation = selectors.organisation_for_budget(user=request.user, fiscal_year=fiscal_year, pk=pk)
        if organisation is None:
            raise NotFoundError()
        summary = selectors.agency_summaries(fiscal_year=fiscal_year, organisations=[organisation])[0]
        belanja = BudgetLine.objects.filter(fiscal_year=fiscal_year, organisation=organisation, akun="5")
        by_sub = dict(belanja.values("sub_activity__sub_kegiatan_id").annotate(s=Sum("total"))
                      .values_list("sub_activity__sub_kegiatan_id", "s"))
        by_sumber = dict(belanja.values("sumber_dana_id").annotate(s=Sum("total")).values_list("sumber_dana_id", "s"))
        sub_rows, sumber_rows = [], []
        for c in (Ceiling.objects.filter(fiscal_year=fiscal_year, organisation=organisation)
                  .select_related("sub_kegiatan", "sumber_dana").order_by("pk")):
            if c.sub_kegiatan is not None:
                used = by_sub.get(c.sub_kegiatan.pk) or Decimal(0)
                sub_rows.append({"kode": c.sub_kegiatan.kode, "nama": c.sub_kegiatan.nama, "pagu": c.amount,
                                 "jumlah": used, "sisa": c.amount - used})
            elif c.sumber_dana is not None:
                used = by_sumber.get(c.sumber_dana.pk) or Decimal(0)
                sumber_rows.append({"kode": c.sumber_dana.kode, "nama": c.sumber_dana.nama, "pagu": c.amount,
                                    "jumlah": used, "sisa": c.amount - used})
        b = summary.belanja
        text = gettext("Belanja %(b)s dari pagu %(p)s") % {
            "b": "Rp " + format_number(b.total), "p": "Rp " + format_number(b.ceiling) if b.ceiling is not None
            else gettext("(belum ditetapkan)")}
        payload = {
            "opd": organisation.pk, "opd_nama": organisation.nama, "tahun": fiscal_year.pk,
            "tahun_anggaran": fiscal_year.tahun, "belanja": b.total, "pagu": b.ceiling, "sisa": b.remaining,
            "persen": b.percent, "belum_dirinci": summary.undetailed, "pendapatan": summary.pendapatan,
            "penerimaan_pembiayaan": summary.penerimaan_pembiayaan,
            "pengeluaran_pembiayaan": summary.pengeluaran_pembiayaan, "jumlah_baris": summary.lines,
            "sub_kegiatan_per_status": summary.by_status, "pagu_sub_kegiatan": sub_rows,
            "pagu_sumber_dana": sumber_rows, "teks": text,
        }
        return Response(AgencyCeilingSerializer(payload).data)
