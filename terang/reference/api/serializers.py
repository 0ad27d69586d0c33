"""Serializers of the reference API: explicit fields, read-only."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import (
    Account,
    Fungsi,
    ProgramCode,
    RegulationVersion,
    SumberDana,
    Urusan,
    VillageAccount,
    VillageActivity,
)

BASE_FIELDS = ["kode", "nama", "tingkat", "level", "kode_induk", "keterangan", "versi", "has_children"]


class RegulationVersionSerializer(serializers.ModelSerializer):
    amends: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="kode", read_only=True, allow_null=True
    )

    class Meta:
        model = RegulationVersion
        fields = ["kode", "nama", "singkatan", "jenis", "tanggal", "amends", "keterangan"]
        read_only_fields = fields


class CodeSerializer(serializers.ModelSerializer):
    """Fields every code list shares."""

    kode_induk = serializers.CharField(source="parent.kode", read_only=True, allow_null=True, default=None)
    versi: serializers.SlugRelatedField = serializers.SlugRelatedField(
        source="versions", many=True, read_only=True, slug_field="kode"
    )
    has_children = serializers.BooleanField(read_only=True, default=False, help_text=_("Memiliki kode rincian."))

    class Meta:
        fields = BASE_FIELDS
        read_only_fields = fields


class UrusanSerializer(CodeSerializer):
    class Meta(CodeSerializer.Meta):
        model = Urusan
        fields = [*BASE_FIELDS, "sumber_data"]
        read_only_fields = fields


class ProgramCodeSerializer(CodeSerializer):
    is_support = serializers.BooleanField(read_only=True, help_text=_("Bagian program penunjang X.XX.01."))

    class Meta(CodeSerializer.Meta):
        model = ProgramCode
        fields = [*BASE_FIELDS, "kinerja", "indikator", "satuan", "spm", "jenis", "is_support"]
        read_only_fields = fields


class AccountSerializer(CodeSerializer):
    class Meta(CodeSerializer.Meta):
        model = Account
        fields = [*BASE_FIELDS, "is_postable"]
        read_only_fields = fields


class FungsiSerializer(CodeSerializer):
    class Meta(CodeSerializer.Meta):
        model = Fungsi


class SumberDanaSerializer(CodeSerializer):
    class Meta(CodeSerializer.Meta):
        model = SumberDana


class VillageActivitySerializer(CodeSerializer):
    class Meta(CodeSerializer.Meta):
        model = VillageActivity
        fields = [*BASE_FIELDS, "is_regional_addition", "is_detailable"]
        read_only_fields = fields


class VillageAccountSerializer(CodeSerializer):
    class Meta(CodeSerializer.Meta):
        model = VillageAccount
