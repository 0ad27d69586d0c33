"""Typed domain events. Each app owns a range of numbers; numbers are never reused or renumbered."""

from __future__ import annotations

from enum import IntEnum


class EventType(IntEnum):
    # 100-199 accounts
    USER_CREATED = 100
    MEMBERSHIP_GRANTED = 101
    MEMBERSHIP_REVOKED = 102
    TWO_FACTOR_ENABLED = 110
    TWO_FACTOR_DISABLED = 111
    LOGIN_LOCKED_OUT = 120
    # 200-299 org
    ORGANISATION_CREATED = 200
    ORGANISATION_UPDATED = 201
    PROFILE_REQUEST_CREATED = 210
    PROFILE_REQUEST_SUBMITTED = 211
    PROFILE_REQUEST_RETURNED = 212
    PROFILE_REQUEST_APPROVED = 213
    PROFILE_REQUEST_REJECTED = 214
    # 300-399 reference
    REFERENCE_LOADED = 300
    REFERENCE_IMPORTED = 301
    # 900-999 generic
    WORKFLOW_TRANSITION = 900

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()
