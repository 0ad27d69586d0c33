"""API routes of the accounts app, mounted under /api/v1/ by terang.api.urls."""

urlpatterns: list = []
