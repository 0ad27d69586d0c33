"""API routes of the reference app, mounted under /api/v1/ by terang.api.urls."""

urlpatterns: list = []
