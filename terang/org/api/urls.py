"""API routes of the org app, mounted under /api/v1/ by terang.api.urls."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("pemda", views.PemdaViewSet, basename="pemda")
router.register("wilayah", views.RegionViewSet, basename="wilayah")
router.register("perangkat-daerah", views.OrganisationViewSet, basename="perangkat-daerah")
router.register("dprd/anggota", views.DprdMemberViewSet, basename="dprd-anggota")
router.register("dprd/fraksi", views.FraksiViewSet, basename="dprd-fraksi")

urlpatterns = router.urls
