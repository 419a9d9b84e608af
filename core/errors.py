"""Errors a service raises for the web layer to answer; no web framework here, the app maps them.

`DomainError` is a refusal a person reads: its message is German and says why, its `status_code` is the
HTTP status the app answers with when no view catches it (fluxx.factory maps it once: the error page for
browsers, `{"detail": ...}` for scripts). Every domain's refusals derive from it (casework, volunteers,
billing, reporting, messaging and the core's own); technical failures (a lost connection, a bad
configuration, Twilio's errors) do not. A view that shows a form again with the reason runs the service
in `core.db.refusable`, so that nothing the refused service wrote is kept.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A request the rules refuse; `message` (and `str(exc)`) is German and shown to the person.

    Answered with `status_code` when it leaves a route: 409 (refused) unless a subclass says otherwise.
    """

    status_code: ClassVar[int] = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldErrors(DomainError):
    """A form refused field by field: `errors` maps a form field to its German message; answered 422."""

    status_code: ClassVar[int] = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class NotFound(DomainError, LookupError):
    """The record a request names does not exist; answered 404 with this German message."""

    status_code: ClassVar[int] = 404
