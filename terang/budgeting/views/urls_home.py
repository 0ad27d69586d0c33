"""The e-Budgeting staff home at /staf/anggaran/ (namespace "budgeting")."""

from django.urls import path

from . import home

urlpatterns = [
    path("", home.home, name="home"),
]
