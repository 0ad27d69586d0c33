"""Shapes of the authentication endpoints: token request/answer and the signed-in user with memberships."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from terang.accounts.models import Membership


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, label=_("Nama pengguna"))
    password = serializers.CharField(
        max_length=128, write_only=True, trim_whitespace=False, style={"input_type": "password"}, label=_("Kata sandi")
    )
    otp_token = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        write_only=True,
        label=_("Kode dua faktor"),
        help_text=_(
            "Wajib bila pengguna memakai autentikasi dua faktor: kode 6 digit dari aplikasi atau kode cadangan."
        ),
    )


class PemdaBriefSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()


class OrganisationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kode = serializers.CharField()
    nama = serializers.CharField()


class RegionBriefSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()
    tingkat = serializers.CharField(source="level")


# One role within one scope (the whole pemda, one agency, one kecamatan or one desa). No docstrings on these
# serializers: drf-spectacular would publish them as (English) descriptions in the schema.
class MembershipSerializer(serializers.ModelSerializer):
    peran = serializers.CharField(source="role")
    peran_label = serializers.CharField(source="get_role_display")
    lingkup = serializers.CharField(source="scope_kind", help_text=_("pemda, organisation, kecamatan atau desa"))
    lingkup_label = serializers.CharField(source="scope_label")
    pemda = PemdaBriefSerializer()
    perangkat_daerah = OrganisationBriefSerializer(source="organisation", allow_null=True)
    wilayah = RegionBriefSerializer(source="region", allow_null=True)
    berlaku_sampai = serializers.DateField(source="valid_until", allow_null=True)

    class Meta:
        model = Membership
        fields = [
            "peran",
            "peran_label",
            "lingkup",
            "lingkup_label",
            "pemda",
            "perangkat_daerah",
            "wilayah",
            "berlaku_sampai",
        ]


class TwoFactorStatusSerializer(serializers.Serializer):
    wajib = serializers.BooleanField(help_text=_("Peran pengguna mewajibkan autentikasi dua faktor."))
    aktif = serializers.BooleanField(help_text=_("Pengguna punya perangkat TOTP yang sudah dikonfirmasi."))


class MeSerializer(serializers.Serializer):  # built by accounts.api.views.me_payload
    id = serializers.IntegerField()
    username = serializers.CharField()
    nama = serializers.CharField()
    email = serializers.EmailField()
    dua_faktor = TwoFactorStatusSerializer()
    keanggotaan = MembershipSerializer(many=True, help_text=_("Keanggotaan yang aktif hari ini."))


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Kirim sebagai header `Authorization: Token <token>`."))
    pengguna = MeSerializer()
