from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("tentang/", views.about, name="about"),
    path("wilayah/<str:kode>/", views.region, name="region"),
    path("wilayah/<str:kode>/peta.geojson", views.region_geojson, name="region_geojson"),
]
