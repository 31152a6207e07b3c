"""Errors of the supervision services; each carries the HTTP status, problem slug and title it maps to."""

from __future__ import annotations

from typing import Any


class SupervisionError(Exception):
    """A refused supervision request; ``extra`` is added to the problem body (e.g. the field)."""

    status = 422
    slug = "invalid-field"
    title = "Invalid field"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extra = extra


class SupervisionInputError(SupervisionError):
    """A field of the request is wrong; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)


class NoValidCodeError(SupervisionError):
    """无码不批: the project has no valid project code, so nothing may be approved for it.

    409 when the project exists but has no code yet; 422 when the code given is malformed.
    """

    slug = "no-code-no-approval"
    title = "No project code, no approval (无码不批)"

    def __init__(self, message: str, *, status: int = 409, **extra: Any) -> None:
        super().__init__(
            f"{message}. 无码不批: an approval item is opened only for a project with a valid project code "
            "(投资项目代码), assigned by the NDRC on approval of the proposal.",
            **extra,
        )
        self.status = status


class SupervisionConflictError(SupervisionError):
    """The request contradicts what is already recorded (HTTP 409)."""

    status = 409
    slug = "supervision-conflict"
    title = "Conflicts with the record"


class DocumentAlreadyIssuedError(SupervisionConflictError):
    """批文引用: an issued document is referenced by its number, never uploaded again."""

    slug = "document-already-issued"
    title = "Document already issued: reference it (批文引用)"
