from django.urls import path

from . import views

app_name = "reference"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.code_list, name="list"),
    path("<slug:slug>/<str:kode>/", views.code_detail, name="detail"),
]
