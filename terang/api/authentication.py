"""API authentication: DRF token ("Authorization: Token <key>") and the browser session.

Token comes first so that a missing or wrong credential answers 401 with `WWW-Authenticate: Token`
(DRF takes the header from the first class; with the session first it answers 403).
"""

from __future__ import annotations

from rest_framework.authentication import SessionAuthentication, TokenAuthentication

API_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]
