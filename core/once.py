"""Forms that create something take effect once: a double click or a resent form creates nothing twice.

Every page that renders such a form gives it a random one-time token (`form_token`). The first
sending claims the token in the same transaction as what it creates and records where it led; a
second sending with the same token finds that and is sent there instead. Concurrent sendings queue on
the token's primary key (PostgreSQL) or the single writer (SQLite), so the second always sees the
first one's outcome. A sending that was refused (a form error) created nothing and may be sent again.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import FormSubmission

FIELD = "form_token"
KEEP = timedelta(days=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def earlier_result(db: Session, *, token: str, staff_id: int, now: datetime) -> str | None:
    """Claim `token` for this sending; return where an earlier successful sending led, else None."""
    if not _TOKEN.fullmatch(token):
        return None  # no token (an old page, a script): nothing to compare with
    found = db.get(FormSubmission, token)
    if found is None:
        try:
            with db.begin_nested():
                db.add(FormSubmission(token=token, staff_id=staff_id, created_at=now))
                db.flush()
        except IntegrityError:  # sent twice at the same moment: the other sending has finished now
            found = db.get(FormSubmission, token)
    db.execute(delete(FormSubmission).where(FormSubmission.created_at < now - KEEP))
    if found is None or found.staff_id != staff_id:
        return None
    return found.result_url


def record_result(db: Session, *, token: str, url: str) -> None:
    """Where this sending led, for a repeat of it."""
    found = db.get(FormSubmission, token) if _TOKEN.fullmatch(token) else None
    if found is not None:
        found.result_url = url
