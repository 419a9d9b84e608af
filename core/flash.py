"""One-time messages after a form was sent: "Änderungen gespeichert.", "Fall 2026-000010 geschlossen — Rückgängig".

A route that answers a POST with a redirect adds its message to that redirect (`flash.add`); the message
travels in a signed cookie to the next full page, which shows it once in its role="status" box
(templates/shell/base.html) and deletes the cookie. Fragments polled in the background never take it, so
the live dashboard cannot swallow a message before the page itself is shown.

The cookie is signed with the app's secret key and bound to the login session, so neither a script nor
another session can put words (or an undo button) on a staff member's page. `sign`/`unsign` also seal
the undo record an undo button sends back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from core.context import context_of

COOKIE = "fluxx_flash"
MAX_AGE_SECONDS = 300  # a message not shown within five minutes (browser closed) is dropped
MAX_TEXT = 300


@dataclass(frozen=True)
class Message:
    text: str
    undo: str | None = None  # a sealed undo record (see casework.undo), sent back by the "Rückgängig" button
    undo_label: str = "Rückgängig"


def _key(request: Request, purpose: str) -> bytes:
    secret: str = context_of(request).settings.secret_key
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


def _cookie_name(request: Request) -> str:
    # As in core.web.cookie_name: __Host- on https.
    return ("__Host-" if context_of(request).settings.secure_cookies else "") + COOKIE


def _session(request: Request) -> str:
    prefix = "__Host-" if context_of(request).settings.secure_cookies else ""
    return request.cookies.get(prefix + "fluxx_session", "")


def sign(request: Request, data: dict[str, Any], *, purpose: str = "undo") -> str:
    """`data` as a URL-safe string that only this app can have written (and only for this login session)."""
    body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    mac = hmac.new(_key(request, purpose), f"{body}.{_session(request)}".encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(request: Request, token: str, *, purpose: str = "undo") -> dict[str, Any] | None:
    """What `sign` sealed, or None for anything tampered with, foreign or malformed."""
    body, _, mac = token.strip().rpartition(".")
    if not body or len(token) > 4000:
        return None
    expected = hmac.new(_key(request, purpose), f"{body}.{_session(request)}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac.encode(), expected.encode()):  # bytes: a non-ASCII str would raise
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def add(response: Response, request: Request, text: str, *, undo: str | None = None) -> Response:
    """Show `text` once on the next full page (after the redirect `response`); returns the response."""
    payload: dict[str, Any] = {"text": text[:MAX_TEXT]}
    if undo:
        payload["undo"] = undo
    response.set_cookie(
        _cookie_name(request),
        sign(request, payload, purpose="flash"),
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=context_of(request).settings.secure_cookies,
        path="/",
    )
    return response


class Reader:
    """Given to every template as `flash`; the page layout calls `take()` once. `taken` tells `render` to
    delete the cookie, so the message is not shown again."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.taken = False

    def take(self) -> Message | None:
        token = self.request.cookies.get(_cookie_name(self.request))
        if not token:
            return None
        self.taken = True
        data = unsign(self.request, token, purpose="flash")
        if data is None or not isinstance(data.get("text"), str):
            return None
        undo = data.get("undo")
        return Message(text=data["text"], undo=undo if isinstance(undo, str) else None)

    def clear(self, response: Response) -> None:
        if self.taken:
            # With https the name is `__Host-…`: browsers ignore a deletion of such a cookie without Secure,
            # so the deletion carries the same attributes as the cookie (else the message came back for 5 min).
            secure = context_of(self.request).settings.secure_cookies
            response.delete_cookie(_cookie_name(self.request), path="/", secure=secure, httponly=True, samesite="lax")
