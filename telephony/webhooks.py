"""The edge to Twilio: signature check for every /twilio/* request, and TwiML responses."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile
from twilio.request_validator import RequestValidator
from twilio.twiml import TwiML

from core.context import context_of
from core.settings import Settings

log = logging.getLogger("fluxx.telephony")
T = TypeVar("T")


def public_url(settings: Settings, request: Request) -> str:
    """The URL Twilio called: our public base URL (we may sit behind a TLS proxy) + path + raw query.

    The path as `request.url.path` gives it, without building the whole URL (host header, netloc, parsing) for
    every webhook: the scope's path with the three characters Starlette escapes escaped."""
    scope = request.scope
    path: str = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = scope.get("query_string", b"").decode("latin-1")
    return settings.public_base_url + path + (f"?{query}" if query else "")


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


# How many webhook units of work run at once. The server has one interpreter: more threads only take turns
# on it, and each turn costs. A yes storm (bench/yes_storm.py: 200 "JA" within a second, PostgreSQL) on the
# anyio pool's 40 threads: server CPU 4.7–8.1 ms per answer, p99 0.56–1.5 s; on 8 threads 5.2–5.6 ms, p99
# 0.37–1.1 s; on 2 threads 3.8–5.2 ms, p99 0.09–0.31 s (bench/notes.md). Requests beyond these wait on the
# event loop, where waiting costs nothing. (Inbound SMS have since got a writer of their own, which handles
# those arriving together in one transaction: `telephony.sms.views._intake`.)
WEBHOOK_THREADS = 2
# How long a webhook waits for one of them. Twilio gives up after 15 s, and on SQLite the unit of work may then
# wait up to 10 s for the writer (core.db.BUSY_TIMEOUT_SECONDS): a webhook queued longer gets the safe fallback
# (`WebhooksBusy`) instead of Twilio's own error. In a yes storm the longest wait is under half a second.
WEBHOOK_WAIT_SECONDS = 4.0
_webhook_threads: RunVar[CapacityLimiter] = RunVar("fluxx_webhook_threads")
_webhook_workers: RunVar[CapacityLimiter] = RunVar("fluxx_webhook_workers")


class WebhooksBusy(Exception):
    """Every webhook thread stayed taken for `WEBHOOK_WAIT_SECONDS` (a database lock held far too long): the app
    answers as for a database error, callers with the fallback, texters with a request to resend."""


def _webhook_limiter(*, threads: bool = False) -> CapacityLimiter:
    """The webhooks' tokens (or, `threads`, the threads their holders run work on): one set per event loop (the
    server has one; tests start many)."""
    var = _webhook_workers if threads else _webhook_threads
    try:
        return var.get()
    except LookupError:
        limiter = CapacityLimiter(WEBHOOK_THREADS)
        var.set(limiter)
        return limiter


@asynccontextmanager
async def _webhook_token() -> AsyncIterator[None]:
    """One of the webhooks' tokens, held for the block; `WebhooksBusy` after `WEBHOOK_WAIT_SECONDS` without."""
    limiter = _webhook_limiter()
    try:
        with anyio.fail_after(WEBHOOK_WAIT_SECONDS):
            await limiter.acquire()
    except TimeoutError:
        raise WebhooksBusy() from None
    try:
        yield
    finally:
        limiter.release()


async def in_webhook_thread(work: Callable[[], T]) -> T:
    """Run a webhook's blocking unit of work on the webhooks' own threads (`WEBHOOK_THREADS` at most), not in
    the pool staff pages share: a burst of webhooks neither thrashes the interpreter nor waits behind a slow
    staff page. Not cancelled when the client goes away: what it writes commits."""
    async with _webhook_token():
        # The token is held: the thread comes from a limiter of the same size that no webhook waits on.
        return await anyio.to_thread.run_sync(work, limiter=_webhook_limiter(threads=True))


class WebhookRoute(APIRoute):
    """A webhook route of FastAPI's (its dependencies and endpoint run in the shared thread pool) handled with
    one of the webhooks' tokens held, so that at most `WEBHOOK_THREADS` webhook requests are worked on at once,
    as `in_webhook_thread` does for the plain routes. The body is read before the token is taken: a client
    that sends its body slowly holds no token while it does (at most `core.limits`' size)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def limited(request: Request) -> Response:
            await request.body()  # kept by the request: the form is parsed from it
            async with _webhook_token():
                return await handle(request)

        return limited


def sign(token: str, url: str, params: dict[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send (for the simulator and tests)."""
    signature: str = RequestValidator(token).compute_signature(url, params)
    return signature
