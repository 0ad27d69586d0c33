"""Forms of the accounts pages. They parse input; every write goes through terang.accounts.services."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from terang.org.models import Organisation, Pemda, Region

from . import services
from .choices import ROLE_SCOPE, Role, ScopeKind
from .models import User


class BootstrapMixin:
    """Give widgets Bootstrap 5 classes so templates/accounts/_form.html can render any form."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class LoginForm(BootstrapMixin, auth_forms.AuthenticationForm):
    """Username + password; `authenticate` receives the request so django-axes can count failures."""

    username = auth_forms.UsernameField(
        label=_("Nama pengguna"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Kata sandi"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": _("Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil."),
        "inactive": _("Akun ini tidak aktif."),
    }


class OtpTokenForm(BootstrapMixin, forms.Form):
    """A 6-digit code from the authenticator app."""

    otp_token = forms.CharField(
        label=_("Kode 6 digit"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}", "autofocus": True}
        ),
    )

    def clean_otp_token(self) -> str:
        token = self.cleaned_data["otp_token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Kode terdiri dari 6 angka."))
        return token


class OtpVerifyForm(BootstrapMixin, forms.Form):
    """A code from the app, or one of the one-time backup codes."""

    otp_token = forms.CharField(
        label=_("Kode verifikasi atau kode cadangan"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_otp_token(self) -> str:
        return self.cleaned_data["otp_token"].replace(" ", "").replace("-", "").strip().lower()


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    """Django's form, with the write going through `services.password_change` (audited, never logged)."""

    def save(self, commit: bool = True) -> Any:
        return services.password_change(user=self.user, new_password=self.cleaned_data["new_password1"])


class SetPasswordForm(BootstrapMixin, auth_forms.SetPasswordForm):
    """Password from an e-mailed link; the write goes through `services.password_change`."""

    def save(self, commit: bool = True) -> Any:
        return services.password_change(user=self.user, new_password=self.cleaned_data["new_password1"])


class PasswordResetForm(BootstrapMixin, auth_forms.PasswordResetForm):
    """Reset by e-mail. Invited accounts (no password yet) may ask for a new link too."""

    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email: str) -> Any:
        model = get_user_model()
        wanted = _fold(email)
        return (
            u for u in model._default_manager.filter(email__iexact=email, is_active=True) if _fold(u.email) == wanted
        )


class UserForm(BootstrapMixin, forms.Form):
    """Identity details of an account."""

    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    nip = forms.CharField(label=_("NIP"), max_length=30, required=False)
    phone = forms.CharField(label=_("Telepon"), max_length=30, required=False)


class UserCreateForm(UserForm):
    """A new account in one of the administrator's pemda. Without a password an e-mail invitation is sent."""

    field_order = ["pemda", "username", "full_name", "email", "nip", "phone", "password"]

    pemda = forms.ModelChoiceField(label=_("Pemda"), queryset=Pemda.objects.none(), empty_label=None)
    username = forms.CharField(label=_("Nama pengguna"), max_length=150)
    password = forms.CharField(
        label=_("Kata sandi awal"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Kosongkan untuk mengirim tautan pembuatan kata sandi ke email pengguna."),
    )

    def __init__(self, *args: Any, pemdas: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["pemda"].queryset = pemdas

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("password") and not data.get("email"):
            raise forms.ValidationError(_("Isi email (untuk undangan) atau kata sandi awal."))
        return data


class MembershipGrantForm(BootstrapMixin, forms.Form):
    """A role within a scope: the whole pemda, one agency, one kecamatan or one desa."""

    role = forms.ChoiceField(label=_("Peran"), choices=Role.choices)
    organisation = forms.ModelChoiceField(
        label=_("Perangkat daerah"), queryset=Organisation.objects.none(), required=False
    )
    region = forms.ModelChoiceField(label=_("Kecamatan/desa"), queryset=Region.objects.none(), required=False)
    valid_until = forms.DateField(
        label=_("Berlaku sampai"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, organisations: Any, regions: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["region"].queryset = regions

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = ROLE_SCOPE.get(data.get("role", ""))
        if kind == ScopeKind.ORGANISATION and not data.get("organisation"):
            self.add_error("organisation", _("Pilih perangkat daerah untuk peran ini."))
        if kind in (ScopeKind.KECAMATAN, ScopeKind.DESA) and not data.get("region"):
            self.add_error("region", _("Pilih wilayah untuk peran ini."))
        if kind == ScopeKind.PEMDA:
            data["organisation"] = None
            data["region"] = None
        elif kind == ScopeKind.ORGANISATION:
            data["region"] = None
        else:
            data["organisation"] = None
        return data


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").casefold()


def user_initial(user: User) -> dict[str, str]:
    return {"full_name": user.full_name, "email": user.email, "nip": user.nip, "phone": user.phone}
