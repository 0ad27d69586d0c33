from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "terang.api"
    label = "api"
