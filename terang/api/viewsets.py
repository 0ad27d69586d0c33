"""Base classes for API endpoints, so every app's endpoints authenticate, throttle and filter the same way."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions, viewsets

from .authentication import API_AUTHENTICATION
from .throttling import API_THROTTLES


class PublicReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Public facts (regions, agencies, reference codes): anyone may list and read; writes answer 405.

    Filtering, search (`q`) and ordering (`ordering`) are declared in the endpoint's FilterSet, so each
    query parameter appears once, documented, in the OpenAPI schema.
    """

    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.AllowAny]
    throttle_classes = API_THROTTLES
    filter_backends = [DjangoFilterBackend]
