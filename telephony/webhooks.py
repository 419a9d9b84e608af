"""The edge to Twilio: signature check for every /twilio/* request, and TwiML responses."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator
from twilio.twiml import TwiML

from core.context import context_of
from core.settings import Settings

log = logging.getLogger("fluxx.telephony")


def public_url(settings: Settings, request: Request) -> str:
    """The URL Twilio called: our public base URL (we may sit behind a TLS proxy) + path + raw query."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return settings.public_base_url + request.url.path + (f"?{query}" if query else "")


async def verified_twilio_form(request: Request) -> FormData:
    """The form Twilio posted, after checking X-Twilio-Signature over every parameter received.

    An unsigned or forged request is refused with 403 before anything is stored.
    """
    settings: Settings = context_of(request).settings
    form = await request.form()
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(settings.webhook_auth_token)
    if not signature or not validator.validate(public_url(settings, request), form, signature):
        # No numbers, no bodies in the log: only what was refused and why.
        log.warning("refused %s %s: %s signature", request.method, request.url.path, "bad" if signature else "no")
        raise HTTPException(status_code=403, detail="Ungültige Twilio-Signatur.")
    return without_nul(form)


def without_nul(form: FormData) -> FormData:
    """The form with NUL characters replaced by U+FFFD: PostgreSQL text cannot hold them, and an SMS
    refused for one would be lost (its resend would fail the same way)."""
    if not any("\x00" in key or (isinstance(value, str) and "\x00" in value) for key, value in form.multi_items()):
        return form
    return FormData(
        [
            (key.replace("\x00", "\ufffd"), value.replace("\x00", "\ufffd") if isinstance(value, str) else value)
            for key, value in form.multi_items()
        ]
    )


TwilioForm = Annotated[FormData, Depends(verified_twilio_form)]


def twiml(response: TwiML) -> Response:
    """TwiML as Twilio wants it: XML declaration first, text/xml."""
    return Response(content=str(response), media_type="text/xml")


def sign(token: str, url: str, params: dict[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send (for the simulator and tests)."""
    signature: str = RequestValidator(token).compute_signature(url, params)
    return signature
