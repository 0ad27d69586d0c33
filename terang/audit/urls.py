from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.index, name="index"),
    path("peristiwa/", views.events, name="events"),
    path("perubahan/<int:seq>/", views.change_detail, name="change_detail"),
    path("peristiwa/<int:seq>/", views.event_detail, name="event_detail"),
    path("verifikasi/", views.verify, name="verify"),
]
