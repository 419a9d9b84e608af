"""Uploaded volunteer lists kept between the preview and the coordinator's confirmation.

The file stays on the server: the browser only holds a random token, and confirming re-reads and
re-checks the server's own copy, so what is imported is exactly what was previewed (nothing the client
sends can change it). A token belongs to the staff member who uploaded it and lapses after `TTL`.
The files live in one directory on the machine that serves the pages (a single `fluxx serve` process, or
a directory shared by all web processes).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

TTL = timedelta(minutes=30)
DEFAULT_DIRECTORY = Path(tempfile.gettempdir()) / "fluxx-volunteer-imports"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{40,64}")


class UploadGone(LookupError):
    """No such upload for this staff member (unknown token, someone else's, expired or altered)."""


@dataclass(frozen=True)
class Upload:
    token: str
    filename: str
    data: bytes
    sha256: str


def keep(directory: Path, *, staff_id: int, filename: str, data: bytes, now: datetime) -> Upload:
    """Store the file for `staff_id`; uploads past their time are removed on the way."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _purge(directory, now)
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(data).hexdigest()
    (directory / f"{token}.bin").write_bytes(data)
    meta = {"staff_id": staff_id, "filename": filename, "sha256": digest, "at": now.isoformat()}
    (directory / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return Upload(token=token, filename=filename, data=data, sha256=digest)


def take(directory: Path, *, token: str, staff_id: int, now: datetime) -> Upload:
    """The upload behind `token` if it belongs to `staff_id`, is younger than TTL and unchanged."""
    if not _TOKEN.fullmatch(token):
        raise UploadGone(token)
    try:
        meta = json.loads((directory / f"{token}.json").read_text(encoding="utf-8"))
        data = (directory / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        raise UploadGone(token) from None
    fresh = now - datetime.fromisoformat(meta["at"]) < TTL
    if meta["staff_id"] != staff_id or not fresh or hashlib.sha256(data).hexdigest() != meta["sha256"]:
        raise UploadGone(token)
    return Upload(token=token, filename=meta["filename"], data=data, sha256=meta["sha256"])


def discard(directory: Path, token: str) -> None:
    if _TOKEN.fullmatch(token):
        for suffix in (".bin", ".json"):
            (directory / f"{token}{suffix}").unlink(missing_ok=True)


def _purge(directory: Path, now: datetime) -> None:
    for meta_path in directory.glob("*.json"):
        try:
            at = datetime.fromisoformat(json.loads(meta_path.read_text(encoding="utf-8"))["at"])
        except (OSError, ValueError, KeyError):
            continue
        if now - at >= TTL:
            discard(directory, meta_path.stem)
