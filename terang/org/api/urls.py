"""API routes of the org app, mounted under /api/v1/ by terang.api.urls."""

urlpatterns: list = []
