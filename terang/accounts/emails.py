"""E-mails about passwords: the set-password link for a new account and the reset link (console backend in the demo)."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template import loader
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User


def password_link_context(*, user: User, request: HttpRequest) -> dict[str, object]:
    """What the templates need to build /akun/sandi/atur/<uid>/<token>/ for `user`."""
    return {
        "email": user.email,
        "domain": request.get_host(),
        "site_name": "Terang",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
    }


def password_link_send(*, user: User, request: HttpRequest, invitation: bool = False) -> bool:
    """Send a one-use set-password link to the user's e-mail. False when the account has no e-mail address."""
    if not user.email or not user.is_active:
        return False
    prefix = "accounts/email/invitation" if invitation else "accounts/email/password_reset"
    context = password_link_context(user=user, request=request)
    subject = "".join(loader.render_to_string(f"{prefix}_subject.txt", context).splitlines())
    body = loader.render_to_string(f"{prefix}_email.txt", context)
    EmailMultiAlternatives(subject, body, None, [user.email]).send()
    return True
