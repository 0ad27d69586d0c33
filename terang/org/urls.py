"""Staff pages of the org app, mounted at /staf/organisasi/."""

from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("permohonan/", views.profile_request_list, name="profile_request_list"),
    path("permohonan/baru/", views.profile_request_create, name="profile_request_create"),
    path("permohonan/<int:pk>/", views.profile_request_detail, name="profile_request_detail"),
    path("permohonan/<int:pk>/ubah/", views.profile_request_edit, name="profile_request_edit"),
    path("permohonan/<int:pk>/status/", views.profile_request_transition_view, name="profile_request_transition"),
]
