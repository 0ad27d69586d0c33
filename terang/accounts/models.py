"""Users and their memberships: a role within a scope (pemda, OPD, kecamatan or desa)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ROLE_SCOPE, Role, ScopeKind


class User(AbstractUser):
    """A person who signs in to Terang (officials only; citizens read the portal without an account).

    `pemda` is the tenant that administers the account; what the user may do comes from their memberships.
    """

    full_name = models.CharField(_("nama lengkap"), max_length=150, blank=True)
    nip = models.CharField(_("NIP"), max_length=30, blank=True)
    phone = models.CharField(_("telepon"), max_length=30, blank=True)
    pemda = models.ForeignKey(
        "org.Pemda",
        verbose_name=_("pemda asal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Pemda yang mengelola akun ini; kosong untuk akun sistem."),
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Membership(models.Model):
    """Gives a user one role inside one scope. A user may hold several memberships."""

    user = models.ForeignKey(User, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("peran"), max_length=24, choices=Role.choices)
    pemda = models.ForeignKey("org.Pemda", verbose_name=_("pemda"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("perangkat daerah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("wilayah (kecamatan/desa)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    valid_until = models.DateField(_("berlaku sampai"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("keanggotaan")
        verbose_name_plural = _("keanggotaan")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "pemda"],
                condition=Q(organisation__isnull=True, region__isnull=True),
                name="accounts_membership_unique_pemda",
                violation_error_message=_("Pengguna sudah memiliki peran ini di lingkup yang sama."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=Q(organisation__isnull=False),
                name="accounts_membership_unique_org",
                violation_error_message=_("Pengguna sudah memiliki peran ini di lingkup yang sama."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(region__isnull=False),
                name="accounts_membership_unique_region",
                violation_error_message=_("Pengguna sudah memiliki peran ini di lingkup yang sama."),
            ),
            models.CheckConstraint(
                condition=~(Q(organisation__isnull=False) & Q(region__isnull=False)),
                name="accounts_membership_one_scope",
                violation_error_message=_("Lingkup keanggotaan hanya satu: perangkat daerah atau wilayah."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_label}"

    @property
    def scope_kind(self) -> str:
        return ROLE_SCOPE[self.role]

    @property
    def scope_label(self) -> str:
        if self.organisation_id:
            return str(self.organisation)
        if self.region_id:
            return str(self.region)
        return str(self.pemda)

    def clean(self) -> None:
        kind = ROLE_SCOPE.get(self.role)
        if kind == ScopeKind.ORGANISATION and not self.organisation_id:
            raise ValidationError({"organisation": _("Peran ini harus terikat pada satu perangkat daerah.")})
        if kind in (ScopeKind.KECAMATAN, ScopeKind.DESA) and not self.region_id:
            raise ValidationError({"region": _("Peran ini harus terikat pada satu wilayah.")})
        if kind == ScopeKind.PEMDA and (self.organisation_id or self.region_id):
            raise ValidationError(_("Peran ini berlaku untuk seluruh pemda; jangan isi perangkat daerah/wilayah."))
        if self.organisation_id and self.organisation.pemda_id != self.pemda_id:
            raise ValidationError({"organisation": _("Perangkat daerah bukan milik pemda ini.")})
        if self.region_id:
            from .permissions import target_of

            if target_of(self.region).pemda_id != self.pemda_id:
                raise ValidationError({"region": _("Wilayah bukan bagian dari pemda ini.")})
        if self.region_id and kind:
            expected = {"kecamatan": ("kecamatan",), "desa": ("desa", "kelurahan")}.get(kind, ())
            if self.region.level not in expected:
                raise ValidationError({"region": _("Tingkat wilayah tidak sesuai dengan peran.")})
