from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "terang.portal"
    label = "portal"
