"""Request size limits, enforced before anything reads the body.

Twilio's webhooks carry a few kilobytes, staff forms a few more; without a limit an anonymous 900 MB
post to `/twilio/sms/incoming` grew the server by a gigabyte before the signature check refused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KIB = 1024
MIB = 1024 * KIB
# Longest prefix wins. A 1,600-character SMS full of emoji is under 30 KiB form-encoded.
LIMITS: Mapping[str, int] = {
    "/twilio/": 64 * KIB,
    "/volunteers/import": 6 * MIB,  # a volunteer list as .csv or .xlsx (the importer allows 5 MB)
}
DEFAULT_LIMIT = 256 * KIB
MESSAGE = "Die Anfrage ist zu groß.".encode()


def limit_for(path: str, limits: Mapping[str, int] = LIMITS, default: int = DEFAULT_LIMIT) -> int:
    matches = [prefix for prefix in limits if path.startswith(prefix)]
    return limits[max(matches, key=len)] if matches else default


class BodySizeLimit:
    """ASGI middleware: 413 for a declared or streamed body above the path's limit.

    A body that turns out too large while it streams is answered with 413 at once; the app then
    reads a disconnect (as if the client had gone) and whatever it answers to that is dropped.
    Raising an exception instead would reach the app's handlers wrapped in other errors.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send)
            return
        received = 0
        started = refused = False

        async def counting_receive() -> Any:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Any) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, guarded_send)


async def _refuse(send: Any) -> None:
    # The security headers come from core.web.SecurityHeaders, which wraps this middleware.
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(MESSAGE)).encode()),
                    (b"connection", b"close")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": MESSAGE})
