from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "terang.core"
    label = "core"
    verbose_name = "Terang core"
