"""A local fake of the parts of Twilio's REST API we call, for tests and runs without internet.

Speaks Twilio's JSON shapes and error format, checks basic auth, fails on demand (429, 500, an error
code, a slow answer) and keeps every message it accepted. The real `twilio.rest.Client` reaches it
through FLUXX_TWILIO_API_URL. Start it with `fluxx fake-twilio --port 8765`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

API = "/2010-04-01/Accounts/{account}"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# A few bytes that start like an MP3 file; enough for code that streams or stores the media.
FAKE_MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400


@dataclass(frozen=True)
class Failure:
    """How one upcoming request fails: an HTTP status with a Twilio error code, after `delay` seconds.

    `status=None` answers normally after the delay (to provoke client timeouts only).
    """

    status: int | None = 500
    code: int | None = None
    message: str = ""
    delay: float = 0.0


DEFAULT_ERRORS = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _date(at: datetime) -> str:
    return format_datetime(at, usegmt=False).replace("-0000", "+0000")


def _segments(body: str) -> int:
    # Roughly GSM-7 (Latin-1 letters such as umlauts) versus UCS-2 (emoji, other scripts).
    gsm = all(ord(char) < 256 for char in body)
    single, multi = (160, 153) if gsm else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)


class FakeTwilio:
    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "fake-token") -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: dict[str, dict[str, Any]] = {}
        self.opted_out: set[str] = set()
        self.deleted_recordings: list[str] = []  # the recordings deleted through the API, in order
        self.request_count = 0
        self._failures: deque[Failure] = deque()
        self._lock = threading.Lock()
        base = API
        self.app = Starlette(
            routes=[
                Route(base + "/Messages.json", self._create_message, methods=["POST"]),
                Route(base + "/Messages/{sid}.json", self._fetch_message, methods=["GET"]),
                Route(base + "/Recordings/{sid}.mp3", self._recording, methods=["GET"]),
                Route(base + "/Recordings/{sid}.json", self._delete_recording, methods=["DELETE"]),
            ]
        )

    # --- what tests program and inspect -------------------------------------------------------------

    def fail_next(self, count: int = 1, *, status: int | None = 500, code: int | None = None,
                  message: str = "", delay: float = 0.0) -> None:  # fmt: skip
        """The next `count` requests fail this way (a code alone means a 400 with that code)."""
        with self._lock:
            self._failures.extend([Failure(status, code, message, delay)] * count)

    @property
    def accepted(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.messages.values())

    def send_status(
        self, http: httpx.Client, sid: str, status: str, *, error_code: int | None = None
    ) -> httpx.Response:
        """POST a signed MessageStatus callback to the message's StatusCallback, as Twilio does."""
        message = self.messages[sid]
        message["status"] = status
        params = {
            "AccountSid": self.account_sid, "ApiVersion": "2010-04-01", "From": message["from"] or "",
            "To": message["to"], "MessageSid": sid, "SmsSid": sid, "SmsStatus": status,
            "MessageStatus": status,
        }  # fmt: skip
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        url = message["status_callback"]
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        return http.post(url, data=params, headers={"X-Twilio-Signature": signature})

    # --- the API ------------------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == self.account_sid == request.path_params["account"] and password == self.auth_token

    async def _gate(self, request: Request) -> Response | None:
        """Auth, then any programmed failure; None lets the request through."""
        if not self._authorized(request):
            body = error_body(401, 20003, "Authenticate") | {"detail": "Your AccountSid or AuthToken was incorrect."}
            return JSONResponse(body, status_code=401)
        with self._lock:
            self.request_count += 1
            failure = self._failures.popleft() if self._failures else None
        if failure is None:
            return None
        if failure.delay:
            await asyncio.sleep(failure.delay)
            if await request.is_disconnected():
                # The client gave up waiting: the request is dropped, as a half-received one would be at Twilio.
                # Accepting it later would land in whatever test is running by then.
                return Response(status_code=499)
        if failure.status is None:
            return None
        code, text = DEFAULT_ERRORS.get(failure.status, (failure.code or 20001, "Error"))
        if failure.code is not None:
            code = failure.code
        return JSONResponse(error_body(failure.status, code, failure.message or text), status_code=failure.status)

    async def _create_message(self, request: Request) -> Response:
        form = await request.form()
        if (failed := await self._gate(request)) is not None:
            return failed
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        sender, service = form.get("From"), form.get("MessagingServiceSid")
        problem = self._problem(to, body, sender, service)
        if problem:
            return JSONResponse(error_body(400, *problem), status_code=400)
        return JSONResponse(self._accept(to, body, sender, service, form.get("StatusCallback")), status_code=201)

    def _problem(self, to: str, body: str, sender: Any, service: Any) -> tuple[int, str] | None:
        if not E164.match(to):
            return 21211, f"The 'To' number {to} is not a valid phone number."
        if not sender and not service:
            return 21603, "A 'From' phone number is required."
        if not body:
            return 21602, "Message body is required."
        if len(body) > 1600:
            return 21617, "The concatenated message body exceeds the 1600 character limit."
        if to in self.opted_out:
            return 21610, "Attempt to send to unsubscribed recipient"
        return None

    def _accept(self, to: str, body: str, sender: Any, service: Any, callback: Any) -> dict[str, Any]:
        sid = "SM" + uuid.uuid4().hex
        now = _date(datetime.now(UTC))
        uri = f"{API.format(account=self.account_sid)}/Messages/{sid}"
        message = {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": str(sender) if sender else None,
            "messaging_service_sid": str(service) if service else None, "num_media": "0",
            "num_segments": str(_segments(body)), "price": None, "price_unit": "USD", "sid": sid,
            "status": "accepted" if service else "queued", "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": to, "uri": f"{uri}.json",
        }  # fmt: skip
        with self._lock:
            self.messages[sid] = message | {"status_callback": str(callback) if callback else None}
        return message

    async def _fetch_message(self, request: Request) -> Response:
        if (failed := await self._gate(request)) is not None:
            return failed
        message = self.messages.get(request.path_params["sid"])
        if message is None:
            body = error_body(404, 20404, f"The requested resource {request.url.path} was not found")
            return JSONResponse(body, status_code=404)
        return JSONResponse({key: value for key, value in message.items() if key != "status_callback"})

    async def _recording(self, request: Request) -> Response:
        if (failed := await self._gate(request)) is not None:
            return failed
        if request.path_params["sid"] in self.deleted_recordings:
            body = error_body(404, 20404, f"The requested resource {request.url.path} was not found")
            return JSONResponse(body, status_code=404)
        return Response(FAKE_MP3, media_type="audio/mpeg")

    async def _delete_recording(self, request: Request) -> Response:
        """As Twilio: 204 No Content, and 404 for a recording that is gone already."""
        if (failed := await self._gate(request)) is not None:
            return failed
        sid = request.path_params["sid"]
        with self._lock:
            if sid in self.deleted_recordings:
                body = error_body(404, 20404, f"The requested resource {request.url.path} was not found")
                return JSONResponse(body, status_code=404)
            self.deleted_recordings.append(sid)
        return Response(status_code=204)
