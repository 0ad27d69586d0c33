"""API routes of the reference app, mounted under /api/v1/ by terang.api.urls (URL names `v1:reference-...`)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("referensi/versi", views.RegulationVersionViewSet, basename="reference-versi")
router.register("referensi/urusan", views.UrusanViewSet, basename="reference-urusan")
router.register("referensi/program", views.ProgramCodeViewSet, basename="reference-program")
router.register("referensi/rekening", views.AccountViewSet, basename="reference-rekening")
router.register("referensi/fungsi", views.FungsiViewSet, basename="reference-fungsi")
router.register("referensi/sumber-dana", views.SumberDanaViewSet, basename="reference-sumber-dana")
router.register("referensi/desa/kegiatan", views.VillageActivityViewSet, basename="reference-desa-kegiatan")
router.register("referensi/desa/rekening", views.VillageAccountViewSet, basename="reference-desa-rekening")

urlpatterns = router.urls
