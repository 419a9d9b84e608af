"""Serve an ASGI app on a free local port in a thread, for browser tests and the fake Twilio API."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(app: Any, port: int | None = None, before_start: Callable[[str], None] | None = None) -> Iterator[str]:
    """Run `app` on 127.0.0.1 until the block ends; yields its base URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    if before_start is not None:
        before_start(url)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)  # waiting for a socket to open, not for time to pass
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
