from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "terang.reference"
    label = "reference"
