"""Accounts pages: login with a second factor, password reset and change, profile, and user administration.

Views parse input, call a service or selector and render; missing and forbidden objects both answer 404.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from terang.core.errors import ApplicationError

from . import emails, forms, selectors, services, two_factor
from .middleware import two_factor_exempt

# --- helpers -------------------------------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, default: str | None = None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _second_factor_url(user: Any, next_url: str) -> str:
    target = "accounts:two_factor_verify" if two_factor.has_confirmed_device(user) else "accounts:two_factor"
    return _with_next(target, next_url)


def _show_error(request: HttpRequest, exc: Exception, form: Any = None) -> None:
    """Put a service error on the form (field errors) or in the page messages."""
    if isinstance(exc, ValidationError):
        if form is not None:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return
        for message in exc.messages:
            messages.error(request, message)
        return
    if isinstance(exc, ApplicationError):
        if form is not None and exc.field and exc.field in form.fields:
            form.add_error(exc.field, exc.message)
        elif form is not None:
            form.add_error(None, exc.message)
        else:
            messages.error(request, exc.message)
        return
    raise exc


# --- login, logout -------------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Password login; users who need 2FA continue to the code page (or to setup) before any staff page."""

    form_class = forms.LoginForm
    template_name = "accounts/login.html"

    def get_success_url(self) -> str:
        url = self.get_redirect_url() or resolve_url(settings.LOGIN_REDIRECT_URL)
        user = self.request.user
        if two_factor.verification_needed(user):
            return _second_factor_url(user, url)
        return url


login_view = two_factor_exempt(LoginView.as_view())
logout_view = two_factor_exempt(auth_views.LogoutView.as_view())


# --- two-factor authentication -------------------------------------------------------------------------------------


def _backup_codes_page(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    response = render(request, "accounts/two_factor_backup_codes.html", {"codes": codes, "next": next_url})
    response["Cache-Control"] = "no-store"
    return response


@two_factor_exempt
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up TOTP (QR code + secret, confirm with a code, then backup codes) or manage an active setup."""
    user = request.user
    next_url = _safe_next(request)
    device = two_factor.confirmed_totp_device(user)
    verified = two_factor.is_verified(user)
    if device is not None and not verified:
        # a second device may only be added by someone who already passed the current one
        return redirect(_with_next("accounts:two_factor_verify", request.get_full_path()))

    if device is not None:
        action = request.POST.get("action") if request.method == "POST" else None
        if action == "regenerate":
            codes = services.backup_codes_regenerate(user=user)
            return _backup_codes_page(request, codes, reverse("accounts:two_factor"))
        if action == "disable":
            services.two_factor_disable(actor=user, user=user, reason=_("dinonaktifkan oleh pengguna"))
            messages.success(request, _("Autentikasi dua faktor dinonaktifkan."))
            return redirect("accounts:two_factor")
        return render(
            request,
            "accounts/two_factor_status.html",
            {
                "device": device,
                "backup_codes_left": two_factor.backup_codes_left(user),
                "required": two_factor.user_requires_two_factor(user),
            },
        )

    pending = services.totp_device_start(user=user)
    form = forms.OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_device_confirm(user=user, device=pending, token=form.cleaned_data["otp_token"])
        except ApplicationError as exc:
            _show_error(request, exc, form)
        else:
            confirmed = TOTPDevice.objects.get(pk=pending.pk)
            request.session.cycle_key()
            django_otp.login(request, confirmed)
            messages.success(request, _("Autentikasi dua faktor aktif."))
            return _backup_codes_page(request, codes, next_url)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(pending),
            "secret": two_factor.secret_grouped(pending),
            "required": two_factor.user_requires_two_factor(user),
            "next": next_url,
        },
    )


@two_factor_exempt
@sensitive_post_parameters("otp_token")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Second step of the login: a code from the app or a one-time backup code."""
    user = request.user
    next_url = _safe_next(request)
    if two_factor.is_verified(user):
        return HttpResponseRedirect(next_url)
    if not two_factor.has_confirmed_device(user):
        return redirect(_with_next("accounts:two_factor", next_url))
    form = forms.OtpVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify_second_factor(user, form.cleaned_data["otp_token"])
        if device is not None:
            request.session.cycle_key()
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, _("Kode cadangan dipakai. Sisa kode cadangan: %(n)d.") % {"n": left})
            return HttpResponseRedirect(next_url)
        form.add_error("otp_token", _("Kode salah atau sudah dipakai. Tunggu kode berikutnya lalu coba lagi."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


# --- passwords -----------------------------------------------------------------------------------------------------

password_reset = two_factor_exempt(
    auth_views.PasswordResetView.as_view(
        form_class=forms.PasswordResetForm,
        template_name="accounts/password_reset_form.html",
        email_template_name="accounts/email/password_reset_email.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = two_factor_exempt(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = two_factor_exempt(
    auth_views.PasswordResetConfirmView.as_view(
        form_class=forms.SetPasswordForm,
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = two_factor_exempt(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")
)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["crumbs"] = [(_("Profil saya"), reverse("accounts:profile")), (_("Ubah kata sandi"), "")]
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Kata sandi berhasil diubah."))
        return response


password_change = PasswordChangeView.as_view()


# --- profile -------------------------------------------------------------------------------------------------------


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's account, roles, 2FA status and API token."""
    user = request.user
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "token_create":
                new_token = services.api_token_create(user=user).key
                messages.success(request, _("Token API baru dibuat. Salin sekarang; token tidak ditampilkan lagi."))
            elif action == "token_revoke":
                services.api_token_revoke(user=user)
                messages.success(request, _("Token API dihapus."))
                return redirect("accounts:profile")
        except ApplicationError as exc:
            _show_error(request, exc)
            return redirect("accounts:profile")
    response = render(
        request,
        "accounts/profile.html",
        {
            "account": user,
            "memberships": selectors.memberships_of(user=user),
            "two_factor_device": two_factor.confirmed_totp_device(user),
            "two_factor_required": two_factor.user_requires_two_factor(user),
            "backup_codes_left": two_factor.backup_codes_left(user),
            "has_token": Token.objects.filter(user=user).exists(),
            "new_token": new_token,
            "crumbs": [(_("Profil saya"), "")],
        },
    )
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


# --- user administration -------------------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "POST"])
def users(request: HttpRequest) -> HttpResponse:
    """A pemda administrator's list of accounts in their pemda, with the form to create one."""
    pemdas = selectors.administered_pemdas(user=request.user)
    if not pemdas.exists():
        raise PermissionDenied
    form = forms.UserCreateForm(request.POST or None, pemdas=pemdas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.user_create(
                actor=request.user,
                pemda=data["pemda"],
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                nip=data["nip"],
                phone=data["phone"],
                password=data["password"] or None,
            )
        except (ApplicationError, ValidationError) as exc:
            _show_error(request, exc, form)
        else:
            if not data["password"] and emails.password_link_send(user=created, request=request, invitation=True):
                messages.success(
                    request,
                    _("Akun dibuat; tautan pembuatan kata sandi dikirim ke %(email)s.") % {"email": created.email},
                )
            else:
                messages.success(request, _("Akun dibuat."))
            return redirect("accounts:user_detail", pk=created.pk)
    return render(
        request,
        "accounts/users.html",
        {
            "users": selectors.users_for_admin(user=request.user),
            "form": form,
            "pemdas": pemdas,
            "crumbs": [(_("Pengguna"), "")],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: edit details, grant and revoke memberships, deactivate, reset 2FA, send a password link."""
    account = selectors.user_for_admin(user=request.user, pk=pk)
    if account is None:
        raise Http404
    pemda = account.pemda or selectors.administered_pemdas(user=request.user).first()
    organisations = selectors.grantable_organisations(user=request.user, pemda=pemda)
    regions = selectors.grantable_regions(user=request.user, pemda=pemda)
    action = request.POST.get("action") if request.method == "POST" else None
    user_form = forms.UserForm(request.POST if action == "update" else None, initial=forms.user_initial(account))
    grant_form = forms.MembershipGrantForm(
        request.POST if action == "grant" else None, organisations=organisations, regions=regions
    )
    if action:
        try:
            done = _user_detail_action(request, account, action, pemda, user_form, grant_form)
        except (ApplicationError, ValidationError) as exc:
            _show_error(request, exc, {"update": user_form, "grant": grant_form}.get(action))
        else:
            if done:
                return redirect("accounts:user_detail", pk=account.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "pemda": pemda,
            "memberships": selectors.memberships_for_admin(user=request.user, target=account),
            "user_form": user_form,
            "grant_form": grant_form,
            "two_factor_device": two_factor.confirmed_totp_device(account),
            "crumbs": [(_("Pengguna"), reverse("accounts:users")), (account.username, "")],
        },
    )


def _user_detail_action(
    request: HttpRequest, account: Any, action: str, pemda: Any, user_form: Any, grant_form: Any
) -> bool:
    actor = request.user
    if action == "update":
        if not user_form.is_valid():
            return False
        services.user_update(actor=actor, user=account, **user_form.cleaned_data)
        messages.success(request, _("Data akun disimpan."))
    elif action == "grant":
        if not grant_form.is_valid():
            return False
        data = grant_form.cleaned_data
        services.membership_grant(
            actor=actor,
            user=account,
            role=data["role"],
            pemda=pemda,
            organisation=data["organisation"],
            region=data["region"],
            valid_until=data["valid_until"],
        )
        messages.success(request, _("Peran diberikan."))
    elif action == "revoke":
        membership = selectors.membership_for_admin(user=actor, pk=_int(request.POST.get("membership")))
        if membership is None or membership.user_id != account.pk:
            raise Http404
        services.membership_revoke(actor=actor, membership=membership, reason=request.POST.get("reason", ""))
        messages.success(request, _("Peran dicabut."))
    elif action == "deactivate":
        services.user_deactivate(actor=actor, user=account, reason=request.POST.get("reason", ""))
        messages.success(request, _("Akun dinonaktifkan."))
    elif action == "reactivate":
        services.user_reactivate(actor=actor, user=account)
        messages.success(request, _("Akun diaktifkan kembali."))
    elif action == "reset_2fa":
        services.two_factor_disable(actor=actor, user=account, reason=request.POST.get("reason", ""))
        messages.success(request, _("Autentikasi dua faktor pengguna diatur ulang; pengguna harus mengaturnya lagi."))
    elif action == "send_link":
        if emails.password_link_send(user=account, request=request):
            sent = _("Tautan atur ulang kata sandi dikirim ke %(email)s.") % {"email": account.email}
            messages.success(request, sent)
        else:
            messages.error(request, _("Akun ini tidak aktif atau tidak memiliki email."))
    else:
        raise Http404
    return True


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
