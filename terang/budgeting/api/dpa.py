"""API of the APBD summaries (public for published stages), the DPA and the cash plan (authenticated, scoped).

/api/v1/anggaran/ringkasan/                          ?pemda&tahun&tahapan&menurut=akun|opd|urusan|fungsi|opd_akun_sumber
/api/v1/anggaran/dpa/                                DPA list (scoped) and creation (BPKAD)
/api/v1/anggaran/dpa/{id}/                           one DPA
/api/v1/anggaran/dpa/{id}/anggaran-kas/              its cash plans
/api/v1/anggaran/anggaran-kas/{id}/                  one cash plan; PUT sets the twelve months (with `versi`)
/api/v1/anggaran/anggaran-kas/{id}/izin-triwulan/    the Sekda opens a locked quarter (with a reason)

Missing and forbidden answer the same 404. Serializer and view classes carry no docstrings (drf-spectacular would
publish them); descriptions are Indonesian, in extend_schema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from terang.accounts.permissions import can, pemda_ids
from terang.api.authentication import API_AUTHENTICATION
from terang.api.pagination import TerangPagination
from terang.api.throttling import API_THROTTLES
from terang.core.errors import ApplicationError, NotFoundError
from terang.org.models import Organisation, Pemda

from .. import summaries
from ..choices import StageKind, StageStatus
from ..models import CashPlan, Dpa, FiscalYear, Stage
from ..services import dpa as services

TAG_SUMMARY = "anggaran-ringkasan"
TAG_DPA = "dpa"
ERROR = OpenApiResponse(description=_("Galat dengan bentuk {error: {code, message, request_id, details?}}"))
MONEY = {"max_digits": 20, "decimal_places": 2}
KINDS = tuple(summaries.SUMMARY_KINDS)


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(summaries.CENT))


# --------------------------------------------------------------------------------------------------------------
# Ringkasan APBD


class RingkasanQuerySerializer(serializers.Serializer):
    pemda = serializers.CharField(help_text=_("Kode pemda (mis. `35.10`) atau slug-nya."))
    tahun = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("Tahun anggaran."))
    tahapan = serializers.CharField(
        required=False, allow_blank=True,
        help_text=_("Id tahapan, atau jenisnya (`apbd`, `rapbd`, `apbd_p`, `pergeseran-2`). Tanpa isian: tahapan "
                    "terakhir yang dipublikasikan."))
    menurut = serializers.ChoiceField(
        choices=KINDS, default="akun",
        help_text=_("akun (akun → kelompok → jenis), opd (perangkat daerah), urusan (urusan → bidang), fungsi "
                    "(fungsi → sub fungsi), opd_akun_sumber (perangkat daerah × jenis belanja × sumber dana)."))
    tingkat = serializers.IntegerField(
        required=False, min_value=1, max_value=4,
        help_text=_("Kedalaman rekening: 1 akun, 2 kelompok, 3 jenis (bawaan), 4 objek; untuk `akun` dan "
                    "`opd_akun_sumber`."))
    identitas = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Sertakan identitas APBD untuk `urusan`, `fungsi` dan `opd_akun_sumber` (satu kueri lagi). "
                    "Untuk `akun` dan `opd` identitas selalu disertakan."))


class IdentitasSerializer(serializers.Serializer):
    pendapatan = serializers.DecimalField(**MONEY)
    belanja = serializers.DecimalField(**MONEY)
    surplus_defisit = serializers.DecimalField(**MONEY)
    penerimaan_pembiayaan = serializers.DecimalField(**MONEY)
    pengeluaran_pembiayaan = serializers.DecimalField(**MONEY)
    pembiayaan_netto = serializers.DecimalField(**MONEY)
    silpa = serializers.DecimalField(**MONEY, help_text=_("SiLPA tahun berkenaan = surplus/defisit + netto."))


class RingkasanTahapanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    jenis = serializers.CharField()
    nomor = serializers.IntegerField()
    nama = serializers.CharField()
    status = serializers.CharField()


class RingkasanPemdaSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()


class RingkasanBarisSerializer(serializers.Serializer):
    kode = serializers.CharField(required=False, help_text=_("akun, opd, urusan, fungsi"))
    nama = serializers.CharField(required=False, help_text=_("akun, opd, urusan, fungsi"))
    tingkat = serializers.CharField(
        required=False, help_text=_("akun: akun/kelompok/jenis/objek; urusan: urusan/bidang_urusan; "
                                    "fungsi: fungsi/subfungsi"))
    jumlah = serializers.DecimalField(**MONEY, required=False, help_text=_("akun, opd_akun_sumber"))
    perangkat_daerah_id = serializers.IntegerField(required=False, help_text=_("opd, opd_akun_sumber"))
    perangkat_daerah_kode = serializers.CharField(required=False, help_text=_("opd_akun_sumber"))
    perangkat_daerah_nama = serializers.CharField(required=False, help_text=_("opd_akun_sumber"))
    pendapatan = serializers.DecimalField(**MONEY, required=False, help_text=_("opd"))
    belanja_operasi = serializers.DecimalField(**MONEY, required=False, help_text=_("opd, urusan, fungsi"))
    belanja_modal = serializers.DecimalField(**MONEY, required=False, help_text=_("opd, urusan, fungsi"))
    belanja_tidak_terduga = serializers.DecimalField(**MONEY, required=False, help_text=_("opd, urusan, fungsi"))
    belanja_transfer = serializers.DecimalField(**MONEY, required=False, help_text=_("opd, urusan, fungsi"))
    belanja = serializers.DecimalField(**MONEY, required=False, help_text=_("opd, urusan, fungsi"))
    penerimaan_pembiayaan = serializers.DecimalField(**MONEY, required=False, help_text=_("opd"))
    pengeluaran_pembiayaan = serializers.DecimalField(**MONEY, required=False, help_text=_("opd"))
    bidang_urusan = serializers.ListField(child=serializers.CharField(), required=False,
                                          help_text=_("urusan, fungsi: bidang urusan yang dijumlahkan"))
    disimpulkan = serializers.BooleanField(
        required=False, help_text=_("fungsi: pemetaan bidang urusan → sub fungsi disimpulkan dari nama"))
    rekening_kode = serializers.CharField(required=False, help_text=_("opd_akun_sumber"))
    rekening_nama = serializers.CharField(required=False, help_text=_("opd_akun_sumber"))
    sumber_dana_kode = serializers.CharField(required=False, allow_blank=True, help_text=_("opd_akun_sumber"))
    sumber_dana_nama = serializers.CharField(required=False, allow_blank=True, help_text=_("opd_akun_sumber"))


class RingkasanSerializer(serializers.Serializer):
    pemda = RingkasanPemdaSerializer()
    tahun = serializers.IntegerField()
    tahapan = RingkasanTahapanSerializer()
    menurut = serializers.CharField()
    identitas = IdentitasSerializer(allow_null=True)
    baris = RingkasanBarisSerializer(many=True)


_BELANJA = (*summaries.BELANJA_FIELDS, "belanja")
_LEVELS = {"urusan": {1: "urusan", 2: "bidang_urusan"}, "fungsi": {1: "fungsi", 2: "subfungsi"}}


def _rows(kind: str, rows: list[Any]) -> list[dict[str, Any]]:
    """Plain dicts (amounts as strings, as DecimalField renders them) — no per-row serializer on big answers."""
    if kind == "akun":
        return [{"kode": r.kode, "nama": r.nama, "tingkat": r.tingkat, "jumlah": _money(r.total)} for r in rows]
    if kind == "opd":
        return [{"perangkat_daerah_id": r.organisation_id, "kode": r.kode, "nama": r.nama,
                 "pendapatan": _money(r.pendapatan), **{f: _money(getattr(r, f)) for f in _BELANJA},
                 "penerimaan_pembiayaan": _money(r.penerimaan_pembiayaan),
                 "pengeluaran_pembiayaan": _money(r.pengeluaran_pembiayaan)} for r in rows]
    if kind in _LEVELS:
        out = []
        for r in rows:
            item = {"kode": r.kode, "nama": r.nama, "tingkat": _LEVELS[kind][r.level],
                    **{f: _money(getattr(r, f)) for f in _BELANJA}, "bidang_urusan": r.bidang or [r.kode]}
            if kind == "fungsi":
                item["disimpulkan"] = r.inferred
            out.append(item)
        return out
    return [{"perangkat_daerah_id": r.organisation_id, "perangkat_daerah_kode": r.organisation_kode,
             "perangkat_daerah_nama": r.organisation_nama, "rekening_kode": r.akun_kode,
             "rekening_nama": r.akun_nama, "sumber_dana_kode": r.sumber_dana_kode,
             "sumber_dana_nama": r.sumber_dana_nama, "jumlah": str(r.total)} for r in rows]  # already 2 places


def _identity_from(kind: str, rows: list[Any]) -> summaries.ApbdIdentity | None:
    """The identity read off the summary rows themselves (no extra query) where the rows hold it."""
    zero = summaries.ZERO
    if kind == "akun":
        by_kode = {r.kode: r.total for r in rows}
        if rows and any(r.level == 1 for r in rows) and any(r.level == 2 for r in rows):
            return summaries.ApbdIdentity(pendapatan=by_kode.get("4", zero), belanja=by_kode.get("5", zero),
                                          penerimaan_pembiayaan=by_kode.get("6.1", zero),
                                          pengeluaran_pembiayaan=by_kode.get("6.2", zero))
        return None
    if kind == "opd":
        return summaries.ApbdIdentity(
            pendapatan=sum((r.pendapatan for r in rows), zero), belanja=sum((r.belanja for r in rows), zero),
            penerimaan_pembiayaan=sum((r.penerimaan_pembiayaan for r in rows), zero),
            pengeluaran_pembiayaan=sum((r.pengeluaran_pembiayaan for r in rows), zero))
    return None


def find_pemda(value: str) -> Pemda:
    pemda = Pemda.objects.filter(Q(kode=value) | Q(slug=value), is_active=True).first()
    if pemda is None:
        raise NotFoundError(gettext("Pemda “%(pemda)s” tidak ditemukan.") % {"pemda": value})
    return pemda


def resolve_stage(*, fiscal_year: FiscalYear, tahapan: str, user: Any) -> Stage:
    """The stage a summary reads: by id or kind(-number), or the latest published one. A stage that is not published
    is visible only to pemda-wide readers and only once frozen; otherwise it does not exist (404)."""
    stages = list(fiscal_year.stages.order_by("sequence"))
    staff = can(user, "budget.view", fiscal_year.pemda)
    visible = [s for s in stages if s.status == StageStatus.PUBLISHED
               or (staff and summaries.stage_is_frozen(s))]
    tahapan = (tahapan or "").strip().lower()
    if not tahapan:
        published = [s for s in visible if s.status == StageStatus.PUBLISHED]
        if not published:
            raise NotFoundError(gettext("Belum ada tahapan yang dipublikasikan untuk tahun ini."))
        return published[-1]
    for stage in visible:
        kind_number = f"{stage.kind}-{stage.number}"
        if tahapan == str(stage.pk) or tahapan == kind_number or (tahapan == stage.kind and (
                stage.kind != StageKind.PERGESERAN or stage.number == 1)):
            return stage
    raise NotFoundError(gettext("Tahapan “%(tahapan)s” tidak ditemukan.") % {"tahapan": tahapan})


class RingkasanView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.AllowAny]
    throttle_classes = API_THROTTLES

    @extend_schema(
        tags=[TAG_SUMMARY],
        summary=_("Ringkasan APBD"),
        description=_(
            "Ringkasan APBD satu tahapan, dihitung dengan satu GROUP BY atas potret beku tahapan: menurut akun "
            "(dengan identitas APBD: pendapatan, belanja, surplus/defisit, pembiayaan, SiLPA), perangkat daerah, "
            "urusan/bidang urusan, fungsi/sub fungsi, atau perangkat daerah × jenis belanja × sumber dana. Terbuka "
            "untuk tahapan yang dipublikasikan; tahapan beku yang belum dipublikasikan hanya untuk pembaca "
            "seluruh pemda (selain itu 404). Jumlah dalam rupiah, string dua desimal."),
        parameters=[RingkasanQuerySerializer],
        responses={200: RingkasanSerializer, 400: ERROR, 404: ERROR},
    )
    def get(self, request: Request) -> Response:
        query = RingkasanQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        pemda = find_pemda(params["pemda"])
        fiscal_year = FiscalYear.objects.filter(pemda=pemda, tahun=params["tahun"]).select_related("pemda").first()
        if fiscal_year is None:
            raise NotFoundError(gettext("Tahun anggaran %(tahun)s tidak ada untuk pemda ini.")
                                % {"tahun": params["tahun"]})
        stage = resolve_stage(fiscal_year=fiscal_year, tahapan=params.get("tahapan", ""), user=request.user)
        stage.fiscal_year = fiscal_year
        kind = params["menurut"]
        source = summaries.line_source(stage=stage)
        depth = params.get("tingkat") or 3
        if kind == "akun":
            rows: list[Any] = summaries.summary_by_account(source=source, depth=depth)
        elif kind == "opd_akun_sumber":
            rows = summaries.summary_by_organisation_account_sumber(source=source, level=depth)
        else:
            rows = {"opd": summaries.summary_by_organisation, "urusan": summaries.summary_by_urusan,
                    "fungsi": summaries.summary_by_fungsi}[kind](source=source)
        identity = _identity_from(kind, rows)
        if identity is None and (params.get("identitas") or kind == "akun"):
            identity = summaries.apbd_identity(source=source)
        return Response({
            "pemda": {"kode": pemda.kode, "nama": pemda.nama},
            "tahun": fiscal_year.tahun,
            "tahapan": {"id": stage.pk, "jenis": stage.kind, "nomor": stage.number, "nama": stage.nama,
                        "status": stage.status},
            "menurut": kind,
            "identitas": {k: _money(v) for k, v in identity.as_dict().items()} if identity else None,
            "baris": _rows(kind, rows),
        })


# --------------------------------------------------------------------------------------------------------------
# DPA and cash plan


class _Authenticated(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = API_THROTTLES


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kode = serializers.CharField()
    nama = serializers.CharField()


class DpaStageRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    jenis = serializers.CharField(source="kind")
    nomor = serializers.IntegerField(source="number")
    nama = serializers.CharField()


class DpaSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    nomor = serializers.CharField()
    tahun = serializers.IntegerField(source="fiscal_year.tahun")
    perangkat_daerah = RefSerializer(source="organisation")
    tahapan = DpaStageRefSerializer(source="stage")
    jumlah = serializers.DecimalField(source="total", **MONEY, help_text=_("Jumlah belanja DPA."))
    jumlah_anggaran_kas = serializers.IntegerField(source="cash_plan_count",
                                                   help_text=_("Banyaknya baris anggaran kas."))
    dibuat = serializers.DateTimeField(source="created_at")
    disahkan = serializers.DateTimeField(source="approved_at", allow_null=True)


class DpaCreateSerializer(serializers.Serializer):
    tahapan = serializers.IntegerField(help_text=_("Id tahapan APBD, pergeseran atau APBD-P yang sudah beku."))
    perangkat_daerah = serializers.IntegerField(help_text=_("Id perangkat daerah."))


class OverrideSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    anggaran_kas = serializers.IntegerField(source="cash_plan_id")
    triwulan = serializers.IntegerField(source="quarter")
    alasan = serializers.CharField(source="reason")
    disetujui_oleh = serializers.CharField(source="approved_by.username")
    disetujui_pada = serializers.DateTimeField(source="approved_at")


class CashPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    dpa = serializers.IntegerField(source="dpa_id")
    sub_kegiatan = serializers.SerializerMethodField()
    rekening = RefSerializer(source="account")
    anggaran = serializers.DecimalField(source="total", **MONEY)
    bulan = serializers.ListField(child=serializers.DecimalField(**MONEY), source="months",
                                  help_text=_("Dua belas jumlah, Januari sampai Desember."))
    jumlah_kas = serializers.SerializerMethodField()
    selisih = serializers.SerializerMethodField(help_text=_("Jumlah kas − anggaran; harus 0."))
    versi = serializers.IntegerField(source="version")
    triwulan_terkunci = serializers.SerializerMethodField(
        help_text=_("Triwulan yang sudah lewat dan terkunci (kunci triwulan aktif, belum ada izin Sekda)."))
    izin = OverrideSerializer(source="overrides", many=True)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_sub_kegiatan(self, obj: CashPlan) -> dict[str, Any] | None:
        sub = obj.sub_activity
        return {"id": sub.pk, "kode": sub.kode, "nama": sub.nama} if sub else None

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_jumlah_kas(self, obj: CashPlan) -> str:
        return _money(sum(obj.months, summaries.ZERO))

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_selisih(self, obj: CashPlan) -> str:
        return _money(sum(obj.months, summaries.ZERO) - obj.total)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_triwulan_terkunci(self, obj: CashPlan) -> list[int]:
        fy = obj.dpa.fiscal_year
        if not fy.quarter_locks:
            return []
        past = services.past_quarters(tahun=fy.tahun, today=timezone.localdate())
        return sorted(past - {o.quarter for o in obj.overrides.all()})


class CashPlanUpdateSerializer(serializers.Serializer):
    bulan = serializers.ListField(child=serializers.DecimalField(**MONEY), min_length=12, max_length=12,
                                  help_text=_("Dua belas jumlah (Januari–Desember); jumlahnya harus sama dengan "
                                              "anggaran."))
    versi = serializers.IntegerField(help_text=_("Versi yang Anda ubah; versi usang ditolak (409)."))


class OverrideCreateSerializer(serializers.Serializer):
    triwulan = serializers.IntegerField(min_value=1, max_value=4)
    alasan = serializers.CharField(help_text=_("Paling sedikit 20 karakter; dicatat di jejak audit."))


def _dpas(user: Any) -> QuerySet[Dpa]:
    return services.dpa_list_for_user(user=user).annotate(cash_plan_count=Count("cash_plans"))


def _dpa(user: Any, pk: int) -> Dpa:
    dpa = _dpas(user).filter(pk=pk).first()
    if dpa is None:
        raise NotFoundError()
    return dpa


def _cash_plans(dpa_ids: Any) -> QuerySet[CashPlan]:
    return (CashPlan.objects.filter(dpa__in=dpa_ids)
            .select_related("account", "sub_activity", "dpa__fiscal_year")
            .prefetch_related("overrides__approved_by").order_by("sub_activity__kode", "account__kode", "pk"))


def _cash_plan(user: Any, pk: int) -> CashPlan:
    plan = _cash_plans(services.dpa_list_for_user(user=user)).filter(pk=pk).first()
    if plan is None:
        raise NotFoundError()
    return plan


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    if value == "":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ApplicationError(gettext("Parameter %(name)s harus bilangan bulat.") % {"name": name},
                               code="invalid", field=name) from exc


class DpaListView(_Authenticated):
    @extend_schema(
        tags=[TAG_DPA], summary=_("Daftar DPA"),
        description=_("DPA-SKPD dalam lingkup Anda: perangkat daerah Anda sendiri, atau seluruh pemda bagi pembaca "
                      "seluruh pemda."),
        parameters=[OpenApiParameter("tahun", int, description=_("Tahun anggaran.")),
                    OpenApiParameter("perangkat_daerah", int, description=_("Id perangkat daerah.")),
                    OpenApiParameter("tahapan", int, description=_("Id tahapan sumber.")),
                    OpenApiParameter("page", int, description=_("Nomor halaman (mulai dari 1).")),
                    OpenApiParameter("page_size", int, description=_("Jumlah data per halaman (bawaan 50)."))],
        responses={200: DpaSerializer(many=True), 400: ERROR, 401: ERROR},
    )
    def get(self, request: Request) -> Response:
        qs = _dpas(request.user)
        for param, field in (("tahun", "fiscal_year__tahun"), ("perangkat_daerah", "organisation_id"),
                             ("tahapan", "stage_id")):
            value = _int_param(request, param)
            if value is not None:
                qs = qs.filter(**{field: value})
        paginator = TerangPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DpaSerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG_DPA], summary=_("Buat DPA"),
        description=_("Membuat DPA-SKPD satu perangkat daerah dari tahapan APBD, pergeseran atau APBD Perubahan yang "
                      "sudah beku (BPKAD). Ditolak bila masih ada baris “belum dirinci”; pesan menyebut barisnya. "
                      "Anggaran kas awal dibagi rata pada bulan pelaksanaan sub kegiatan."),
        request=DpaCreateSerializer, responses={201: DpaSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR,
                                                409: ERROR},
    )
    def post(self, request: Request) -> Response:
        data = DpaCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stage = Stage.objects.select_related("fiscal_year").filter(
            pk=data.validated_data["tahapan"], pemda_id__in=pemda_ids(request.user)).first()
        organisation = Organisation.objects.filter(pk=data.validated_data["perangkat_daerah"]).first()
        if stage is None or organisation is None or organisation.pemda_id != stage.pemda_id:
            raise NotFoundError()
        dpa = services.dpa_create(actor=request.user, stage=stage, organisation=organisation)
        return Response(DpaSerializer(_dpa(request.user, dpa.pk)).data, status=status.HTTP_201_CREATED)


class DpaDetailView(_Authenticated):
    @extend_schema(tags=[TAG_DPA], summary=_("Satu DPA"), description=_("DPA-SKPD menurut id-nya."),
                   responses={200: DpaSerializer, 401: ERROR, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(DpaSerializer(_dpa(request.user, pk)).data)


class DpaCashPlanListView(_Authenticated):
    @extend_schema(
        tags=[TAG_DPA], summary=_("Anggaran kas satu DPA"),
        description=_("Setiap baris anggaran kas (sub kegiatan × rekening) dengan dua belas bulan, selisih terhadap "
                      "anggaran, triwulan yang terkunci dan izin Sekda."),
        parameters=[OpenApiParameter("page", int, description=_("Nomor halaman (mulai dari 1).")),
                    OpenApiParameter("page_size", int, description=_("Jumlah data per halaman (bawaan 50)."))],
        responses={200: CashPlanSerializer(many=True), 401: ERROR, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        dpa = _dpa(request.user, pk)
        paginator = TerangPagination()
        page = paginator.paginate_queryset(_cash_plans([dpa.pk]), request, view=self)
        return paginator.get_paginated_response(CashPlanSerializer(page, many=True).data)


class CashPlanDetailView(_Authenticated):
    @extend_schema(tags=[TAG_DPA], summary=_("Satu baris anggaran kas"), description=_("Anggaran kas menurut id-nya."),
                   responses={200: CashPlanSerializer, 401: ERROR, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CashPlanSerializer(_cash_plan(request.user, pk)).data)

    @extend_schema(
        tags=[TAG_DPA], summary=_("Tetapkan anggaran kas"),
        description=_("Menetapkan dua belas bulan satu baris anggaran kas (operator/kepala perangkat daerah). "
                      "Jumlahnya harus sama persis dengan anggaran (pesan menyebut selisihnya); bulan negatif "
                      "ditolak; `versi` usang ditolak dengan 409 beserta nilai terbaru. Dengan kunci triwulan, bulan "
                      "pada triwulan yang sudah lewat tidak dapat diubah tanpa izin Sekda."),
        request=CashPlanUpdateSerializer,
        responses={200: CashPlanSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR})
    def put(self, request: Request, pk: int) -> Response:
        plan = _cash_plan(request.user, pk)
        data = CashPlanUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cash_plan_set(actor=request.user, cash_plan=plan, months=data.validated_data["bulan"],
                               expected_version=data.validated_data["versi"])
        return Response(CashPlanSerializer(_cash_plan(request.user, pk)).data)


class QuarterOverrideView(_Authenticated):
    @extend_schema(
        tags=[TAG_DPA], summary=_("Izin triwulan terkunci"),
        description=_("Sekretaris Daerah mengizinkan perubahan anggaran kas pada triwulan yang sudah lewat, dengan "
                      "alasan tertulis (paling sedikit 20 karakter; dicatat di jejak audit)."),
        request=OverrideCreateSerializer,
        responses={201: OverrideSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request: Request, pk: int) -> Response:
        plan = _cash_plan(request.user, pk)
        data = OverrideCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        override = services.quarter_override_grant(actor=request.user, cash_plan=plan,
                                                   quarter=data.validated_data["triwulan"],
                                                   reason=data.validated_data["alasan"])
        return Response(OverrideSerializer(override).data, status=status.HTTP_201_CREATED)
