from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "terang.staff"
    label = "staff"
