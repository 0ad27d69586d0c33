"""One error type for the domain: a stable code, an Indonesian message, optional field and details.

The API maps it to one JSON shape; pages show `message` to the user.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class ApplicationError(Exception):
    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.details = details or {}
        if status_code is not None:
            self.status_code = status_code

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.details:
            data["details"] = self.details
        return data


class PermissionDeniedError(ApplicationError):
    status_code = 403

    def __init__(self, message: str | None = None, **kwargs: Any):
        kwargs.setdefault("code", "permission_denied")
        super().__init__(_("Anda tidak berwenang melakukan tindakan ini.") if message is None else message, **kwargs)


class NotFoundError(ApplicationError):
    """Missing and forbidden look the same to the caller."""

    status_code = 404

    def __init__(self, message: str | None = None, **kwargs: Any):
        kwargs.setdefault("code", "not_found")
        super().__init__(_("Data tidak ditemukan.") if message is None else message, **kwargs)


class ConflictError(ApplicationError):
    status_code = 409

    def __init__(self, message: str, **kwargs: Any):
        kwargs.setdefault("code", "conflict")
        super().__init__(message, **kwargs)
