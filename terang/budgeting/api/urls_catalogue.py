"""API routes of the standard price catalogue, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import catalogue as views

router = SimpleRouter()
# the proposals first: "usulan" must not be read as an item id (item ids are digits only anyway)
router.register("standar-harga/usulan", views.PriceProposalViewSet, basename="standar-harga-usulan")
router.register("standar-harga", views.PriceItemViewSet, basename="standar-harga")

urlpatterns = router.urls
