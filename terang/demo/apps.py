from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "terang.demo"
    label = "demo"
