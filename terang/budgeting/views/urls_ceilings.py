from django.urls import path

from . import ceilings

urlpatterns = [
    path("<int:fiscal_year_id>/", ceilings.ceiling_list, name="ceiling_list"),
]
