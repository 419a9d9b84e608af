"""The port SMS leave through: Twilio's REST client in production, the simulator without credentials.

Both sides of the port are real code paths: tests drive `TwilioGateway` (the official
`twilio.rest.Client`) against the local fake API in `telephony.fake_twilio`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from core.phone import try_e164
from core.settings import Settings
from messaging import rules as sms_status
from messaging.rules import MessageStatus

DEFAULT_TIMEOUT = 10.0
# The SDK logs every request's headers at INFO; one line per SMS at WARNING and above is enough.
_http_log = logging.getLogger("fluxx.sms.twilio_http")
_http_log.setLevel(logging.WARNING)


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: MessageStatus


class SendError(Exception):
    """Twilio did not take the message; `retryable` says whether trying again later may help."""

    def __init__(self, message: str, *, code: int | None = None, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable


class SmsGateway(Protocol):
    sender: str

    def send(self, to: str, body: str, status_callback: str) -> SendResult: ...


class RewritingHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no types: its base class is Any
    """Twilio's own HTTP client, sent to FLUXX_TWILIO_API_URL instead of https://api.twilio.com.

    The twilio SDK has no base-URL option, so scheme and host are rewritten per request; everything
    else (auth, form encoding, error parsing) stays the SDK's.
    """

    def __init__(self, api_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target = urlsplit(api_url)
        self._scheme, self._netloc = target.scheme, target.netloc

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        rewritten = urlunsplit((self._scheme, self._netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, rewritten, *args, **kwargs)


def is_retryable(status: int) -> bool:
    """429 and 5xx are Twilio being busy or down; any other 4xx will fail the same way again."""
    return status == 429 or status >= 500


class TwilioGateway:
    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        http_client = RewritingHttpClient(settings.twilio_api_url, timeout=timeout, logger=_http_log)
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client)
        self.sender = settings.twilio_from

    def send(self, to: str, body: str, status_callback: str) -> SendResult:
        origin = {"messaging_service_sid": self.sender} if self.sender.startswith("MG") else {"from_": self.sender}
        try:
            message = self.client.messages.create(to=to, body=body, status_callback=status_callback, **origin)
        except TwilioRestException as exc:
            raise SendError(str(exc.msg), code=exc.code, retryable=is_retryable(exc.status)) from exc
        except requests.RequestException as exc:
            # Timeouts and refused connections: Twilio may be down. Retrying is right, though a read
            # timeout after Twilio accepted the message can mean it goes out twice (at least once).
            raise SendError(f"{type(exc).__name__}: {exc}", retryable=True) from exc
        return SendResult(
            sid=str(message.sid), status=sms_status.from_twilio(str(message.status)) or MessageStatus.QUEUED
        )


class SimulatorGateway:
    """Simulation mode: the message counts as delivered at once; the simulator shows it from the log."""

    def __init__(self, settings: Settings) -> None:
        self.sender = settings.twilio_from

    def send(self, to: str, body: str, status_callback: str) -> SendResult:
        if try_e164(to) is None:
            raise SendError(f"The 'To' number {to} is not a valid phone number.", code=21211, retryable=False)
        return SendResult(sid="SM" + uuid.uuid4().hex, status=MessageStatus.DELIVERED)


class RecordingGone(Exception):
    """A voicemail recording could not be deleted at Twilio (yet): the purge keeps it and tries again."""


class Recordings(Protocol):
    def delete(self, recording_sid: str) -> None: ...


class TwilioRecordings:
    """Deletes voicemail recordings at Twilio (DELETE …/Recordings/{sid}.json, through the SDK): the
    retention purge removes them where they are stored, not only our reference to them."""

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        http_client = RewritingHttpClient(settings.twilio_api_url, timeout=timeout, logger=_http_log)
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client)

    def delete(self, recording_sid: str) -> None:
        """Delete the recording; one Twilio no longer has (404) counts as deleted. Raises RecordingGone
        for anything else (Twilio down, refused), so the reference is kept for the next try."""
        try:
            self.client.recordings(recording_sid).delete()
        except TwilioRestException as exc:
            if exc.status != 404:
                raise RecordingGone(f"Twilio {exc.status}: {exc.code}") from exc
        except requests.RequestException as exc:
            raise RecordingGone(type(exc).__name__) from exc


class SimulatedRecordings:
    """Simulation mode: the simulator's recordings live nowhere else, so there is nothing to delete."""

    def delete(self, recording_sid: str) -> None:
        return None


def recordings_for(settings: Settings) -> Recordings:
    return SimulatedRecordings() if settings.simulation else TwilioRecordings(settings)


def gateway_for(settings: Settings) -> SmsGateway:
    return SimulatorGateway(settings) if settings.simulation else TwilioGateway(settings)
