"""The edge to Twilio: signature check for every /twilio/* request, and TwiML responses."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile
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
    form = await _form(request)
    signature = request.headers.get("X-Twilio-Signature", "")
    url = public_url(settings, request)
    if not signature or not signature_valid(settings.webhook_auth_token, url, form, signature):
        # No numbers, no bodies in the log: only what was refused and why.
        log.warning("refused %s %s: %s signature", request.method, request.url.path, "bad" if signature else "no")
        raise HTTPException(status_code=403, detail="Ungültige Twilio-Signatur.")
    return without_nul(form)


FORM_FIELDS = 1000  # what Starlette's request.form() accepts; Twilio sends about thirty
URLENCODED = "application/x-www-form-urlencoded"


async def _form(request: Request) -> FormData:
    """The posted form. Twilio posts urlencoded: parsed by the standard library (14 µs for a call's
    parameters against 46 µs through Starlette's streaming parser, the same pairs: names and values
    percent-decoded as UTF-8, other bytes read as Latin-1); any other body takes Starlette's parser."""
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != URLENCODED:
        return await request.form()
    body = await request.body()  # bounded before it is read (core.limits)
    try:
        pairs: list[tuple[str, str | UploadFile]] = list(
            parse_qsl(body.decode("latin-1"), keep_blank_values=True, max_num_fields=FORM_FIELDS)
        )
    except ValueError:
        raise HTTPException(status_code=400, detail="Zu viele Formularfelder.") from None
    return FormData(pairs)


def signature_valid(token: str, url: str, params: Mapping[str, str] | FormData, signature: str) -> bool:
    """Whether `signature` signs `params` posted to `url` with our token.

    Twilio signs the URL it called, which is our public URL as configured: one HMAC answers a genuine request.
    Only a mismatch takes the library's full check, which tries the URL with and without its port (two
    more)."""
    validator = RequestValidator(token)
    expected = validator.compute_signature(url, params)
    if hmac.compare_digest(expected.encode(), signature.encode()):
        return True
    valid: bool = validator.validate(url, params, signature)
    return valid


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
