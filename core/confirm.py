"""Destructive actions ask first, without JavaScript too.

A destructive route that is posted without `confirmed=1` changes nothing and answers a confirmation page
(templates/shell/confirm.html): what will happen, in German, a primary button that posts the same fields
again plus `confirmed=1`, and "Abbrechen" back to where the user came from. The CSRF token is the page's
own (it is bound to the browser, not to the form); a one-time form token travels with the other fields.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.datastructures import FormData

from core import web

FIELD = "confirmed"


def given(form: FormData) -> bool:
    """Whether the user confirmed on the confirmation page."""
    return form.get(FIELD) == "1"


def came_from(request: Request, form: FormData, default: str) -> str:
    """The local page the form was sent from (its `back` field or the Referer), for "Abbrechen"."""
    sent = form.get("back")
    back = sent if isinstance(sent, str) else None
    referer = urlsplit(request.headers.get("referer", ""))
    if not back and referer.netloc == request.url.netloc and referer.path != request.url.path:
        back = referer.path + (f"?{referer.query}" if referer.query else "")
    return web.safe_next(back or default)


def ask(
    request: Request,
    form: FormData,
    *,
    title: str,
    text: str,
    button: str,
    back: str,
    details: list[str] | None = None,
) -> Response:
    """The confirmation page for a destructive POST that arrived without `confirmed=1`."""
    resend = [
        (name, value)
        for name, value in form.multi_items()
        if isinstance(value, str) and name not in (web.CSRF_FIELD, FIELD)
    ]
    return web.render(
        request,
        "shell/confirm.html",
        title=title,
        text=text,
        details=details or [],
        button=button,
        action=request.url.path,
        fields=resend,
        back=web.safe_next(back),
    )
