from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "terang.accounts"
    label = "accounts"
    verbose_name = _("Pengguna dan peran")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the django-axes lockout receiver)
