"""factory-boy factories for the foundation models."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from terang.accounts.models import Membership
from terang.org.choices import OrganisationKind, PemdaKind, RegionLevel
from terang.org.models import Organisation, Pemda, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("kode",)

    kode = factory.Sequence(lambda n: f"99.{n:02d}")
    nama = factory.Sequence(lambda n: f"Kabupaten Uji {n}")
    level = RegionLevel.KABUPATEN


class PemdaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pemda
        django_get_or_create = ("kode",)

    region = factory.SubFactory(RegionFactory)
    kode = factory.SelfAttribute("region.kode")
    nama = factory.LazyAttribute(lambda o: f"Pemerintah {o.region.nama}")
    slug = factory.LazyAttribute(lambda o: o.region.kode.replace(".", "-"))
    kind = PemdaKind.KABUPATEN


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    pemda = factory.SubFactory(PemdaFactory)
    kode = factory.Sequence(lambda n: f"1.02.0.00.0.00.{n % 100:02d}.{n // 100:04d}")
    nama = factory.Sequence(lambda n: f"Dinas Uji {n}")
    singkatan = factory.Sequence(lambda n: f"DU{n}")
    kind = OrganisationKind.DINAS
    bidang_urusan = "1.02"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"pengguna{n}")
    full_name = factory.Sequence(lambda n: f"Pengguna {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@contoh.go.id")
    password = factory.PostGenerationMethodCall("set_password", "rahasia-uji-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    pemda = factory.SubFactory(PemdaFactory)


def make_region_tree(prefix: str = "99.01") -> dict[str, Region]:
    """A kabupaten with two kecamatan, each with one desa and one kelurahan."""
    kab = RegionFactory(kode=prefix, nama=f"Kabupaten {prefix}", level=RegionLevel.KABUPATEN)
    tree = {"kabupaten": kab}
    for k in (1, 2):
        kec = RegionFactory(kode=f"{prefix}.0{k}", nama=f"Kecamatan {k}", level=RegionLevel.KECAMATAN, parent=kab)
        tree[f"kec{k}"] = kec
        tree[f"desa{k}"] = RegionFactory(
            kode=f"{prefix}.0{k}.2001", nama=f"Desa {k}", level=RegionLevel.DESA, parent=kec
        )
        tree[f"kel{k}"] = RegionFactory(
            kode=f"{prefix}.0{k}.1001", nama=f"Kelurahan {k}", level=RegionLevel.KELURAHAN, parent=kec
        )
    return tree


def make_user(role: str, *, pemda: Pemda, organisation: Organisation | None = None, region: Region | None = None,
              username: str | None = None, **user_fields: object):
    """A user holding one membership (role within scope)."""
    kwargs = {"username": username} if username else {}
    user = UserFactory(**kwargs, **user_fields)
    Membership.objects.create(user=user, role=role, pemda=pemda, organisation=organisation, region=region)
    return user


def make_kecamatan_office(pemda: Pemda, kecamatan: Region) -> Organisation:
    return OrganisationFactory(pemda=pemda, kind=OrganisationKind.KECAMATAN, region=kecamatan,
                               nama=f"Kecamatan {kecamatan.nama}", bidang_urusan="7.01")
