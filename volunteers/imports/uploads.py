"""Uploaded volunteer lists kept between the preview and the coordinator's confirmation.

The file stays on the server: the browser only holds a random token, and confirming re-reads and
re-checks the server's own copy, so what is imported is exactly what was previewed (nothing the client
sends can change it). A token belongs to the staff member who uploaded it and lapses after `TTL`.

The lists hold names and mobile numbers: they live in a private directory of the machine that serves the
pages (`private_directory`: mode 0700, owned by the service's user, one per installation), each file
0600. A file is deleted when its import is confirmed, and every upload and confirmation sweeps away what
is older than `TTL`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import stat
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

TTL = timedelta(minutes=30)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{40,64}")


class UploadGone(LookupError):
    """No such upload for this staff member (unknown token, someone else's, expired or altered)."""


@dataclass(frozen=True)
class Upload:
    token: str
    filename: str
    data: bytes
    sha256: str


class NotPrivate(RuntimeError):
    """The upload directory is not ours alone (another owner, a link, or open to others and not ours to fix)."""


def private_directory(installation: str) -> Path:
    """This installation's own directory under the system's temporary directory: the name carries the user
    id and a digest of `installation` (the database URL), so two installations never share one."""
    digest = hashlib.sha256(installation.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"fluxx-volunteer-imports-{os.getuid()}-{digest}"


def ensure_private(directory: Path) -> None:
    """Create `directory` with mode 0700, or make sure an existing one is a real directory of ours with
    that mode (someone else could have made it first, in a shared temporary directory)."""
    with suppress(FileExistsError):
        directory.mkdir(mode=0o700, parents=True)
    info = directory.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise NotPrivate(str(directory))
    if stat.S_IMODE(info.st_mode) != 0o700:
        directory.chmod(0o700)


def keep(directory: Path, *, staff_id: int, filename: str, data: bytes, now: datetime) -> Upload:
    """Store the file for `staff_id` (mode 0600); uploads past their time are removed on the way."""
    ensure_private(directory)
    sweep(directory, now)
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(data).hexdigest()
    meta = {"staff_id": staff_id, "filename": filename, "sha256": digest, "at": now.isoformat()}
    # The description first: a sweep running meanwhile never finds the data without it.
    _write_private(directory / f"{token}.json", json.dumps(meta).encode())
    _write_private(directory / f"{token}.bin", data)
    return Upload(token=token, filename=filename, data=data, sha256=digest)


def _write_private(path: Path, data: bytes) -> None:
    """A new file only the service's user can read, never through a link planted in its place."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def take(directory: Path, *, token: str, staff_id: int, now: datetime) -> Upload:
    """The upload behind `token` if it belongs to `staff_id`, is younger than TTL and unchanged; uploads
    past their time are removed on the way."""
    if directory.is_dir():
        sweep(directory, now)
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


def sweep(directory: Path, now: datetime) -> None:
    """Delete every upload older than TTL, and files without their other half (an interrupted upload)."""
    for meta_path in directory.glob("*.json"):
        try:
            at = datetime.fromisoformat(json.loads(meta_path.read_text(encoding="utf-8"))["at"])
        except (OSError, ValueError, KeyError, TypeError):  # being written, or broken: judged by its file time
            with suppress(OSError):
                if time.time() - meta_path.stat().st_mtime >= TTL.total_seconds():
                    discard(directory, meta_path.stem)
            continue
        if now - at >= TTL:
            discard(directory, meta_path.stem)
    for data_path in directory.glob("*.bin"):
        if not data_path.with_suffix(".json").exists():
            data_path.unlink(missing_ok=True)
