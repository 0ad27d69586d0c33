"""Public representations of pemda, regions, agencies and the DPRD. Keys are Indonesian, like the portal.

Serializer classes carry no docstrings: drf-spectacular would publish them in the schema as descriptions.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from terang.org.models import DprdMember, Fraksi, Organisation, Pemda, Region

NS = "v1"


class SemicolonListField(serializers.ListField):
    """A text field holding codes separated by ';', shown as a list (main code first)."""

    child = serializers.CharField()

    def to_representation(self, data: Any) -> list[str]:
        return [part.strip() for part in (data or "").split(";") if part.strip()]


class RegionRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:wilayah-detail", lookup_field="kode")
    tingkat = serializers.CharField(source="level")

    class Meta:
        model = Region
        fields = ["kode", "nama", "tingkat", "url"]


class PemdaRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:pemda-detail", lookup_field="kode")

    class Meta:
        model = Pemda
        fields = ["kode", "nama", "url"]


class PemdaSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:pemda-detail", lookup_field="kode")
    jenis = serializers.CharField(source="kind")
    jenis_label = serializers.CharField(source="get_kind_display")
    wilayah = RegionRefSerializer(source="region")
    situs_web = serializers.URLField(source="website")

    class Meta:
        model = Pemda
        fields = ["kode", "nama", "slug", "jenis", "jenis_label", "wilayah", "situs_web", "url"]


class RegionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:wilayah-detail", lookup_field="kode")
    tingkat = serializers.CharField(source="level")
    tingkat_label = serializers.CharField(source="get_level_display")
    induk = RegionRefSerializer(source="parent", allow_null=True)
    penduduk = serializers.IntegerField(source="population", allow_null=True)
    luas_km2 = serializers.DecimalField(
        source="area_km2", max_digits=12, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True)

    class Meta:
        model = Region
        fields = ["kode", "nama", "tingkat", "tingkat_label", "induk", "penduduk", "luas_km2", "lat", "lng", "url"]


class RegionChildSerializer(RegionRefSerializer):
    jumlah_desa = serializers.IntegerField()
    jumlah_kelurahan = serializers.IntegerField()

    class Meta(RegionRefSerializer.Meta):
        fields = [*RegionRefSerializer.Meta.fields, "jumlah_desa", "jumlah_kelurahan"]


class RegionDetailSerializer(RegionSerializer):  # one region, its parent and its direct children
    penduduk_laki_laki = serializers.IntegerField(source="population_male", allow_null=True)
    penduduk_perempuan = serializers.IntegerField(source="population_female", allow_null=True)
    sumber = serializers.CharField(source="source")
    anak = RegionChildSerializer(source="child_list", many=True)

    class Meta(RegionSerializer.Meta):
        fields = [
            *RegionSerializer.Meta.fields,
            "penduduk_laki_laki",
            "penduduk_perempuan",
            "sumber",
            "anak",
        ]


class OrganisationRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:perangkat-daerah-detail")

    class Meta:
        model = Organisation
        fields = ["id", "kode", "nama", "url"]


class OrganisationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:perangkat-daerah-detail")
    pemda = PemdaRefSerializer()
    jenis = serializers.CharField(source="kind")
    jenis_label = serializers.CharField(source="get_kind_display")
    bidang_urusan = SemicolonListField()
    induk = OrganisationRefSerializer(source="parent", allow_null=True)
    wilayah = RegionRefSerializer(source="region", allow_null=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "pemda",
            "kode",
            "kode_generated",
            "nama",
            "singkatan",
            "jenis",
            "jenis_label",
            "bidang_urusan",
            "induk",
            "wilayah",
            "is_ppkd",
            "kepala_nama",
            "alamat",
            "telepon",
            "email",
            "url",
        ]


class FraksiRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:dprd-fraksi-detail")

    class Meta:
        model = Fraksi
        fields = ["id", "nama", "singkatan", "url"]


class FraksiSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:dprd-fraksi-detail")
    pemda = PemdaRefSerializer()
    jumlah_anggota = serializers.IntegerField()

    class Meta:
        model = Fraksi
        fields = ["id", "pemda", "nama", "singkatan", "jumlah_anggota", "url"]


class DprdMemberSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{NS}:dprd-anggota-detail")
    pemda = PemdaRefSerializer()
    fraksi = FraksiRefSerializer()

    class Meta:
        model = DprdMember
        fields = ["id", "pemda", "nama", "fraksi", "dapil", "jabatan", "periode_mulai", "periode_selesai", "url"]
