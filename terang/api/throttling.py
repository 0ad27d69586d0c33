"""Rate limits. Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]; counters live in the default cache.

With the default per-process memory cache each gunicorn worker counts on its own; docs/deployment.md explains.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class TokenObtainThrottle(AnonRateThrottle):
    """Per client address, for POST /api/v1/auth/token/ (on top of django-axes' per-account lockout)."""

    scope = "auth_token"
    default_rate = "20/min"

    def get_rate(self) -> str | None:
        return str(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope, self.default_rate))


API_THROTTLES = [AnonRateThrottle, UserRateThrottle]
