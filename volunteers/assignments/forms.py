"""The assignment forms on the job page: whom to assign by hand, and why an assignment is released."""

from __future__ import annotations

from collections.abc import Mapping

from core.formats import ascii_int
from volunteers.assignments import texts
from volunteers.outreach.forms import FormErrors

REASON_LENGTH = 200  # assignment.release_reason


def parse_assign(form: Mapping[str, str]) -> int:
    """The id of the volunteer to assign; raises FormErrors."""
    volunteer_id = ascii_int(form.get("volunteer_id", ""))
    if volunteer_id is None:
        raise FormErrors({"volunteer_id": texts.VOLUNTEER_MISSING})
    return volunteer_id


def parse_release(form: Mapping[str, str]) -> str:
    """The reason for a release on one line (NUL, which PostgreSQL text cannot hold, as U+FFFD); raises
    FormErrors when it is missing or too long."""
    reason = " ".join(form.get("reason", "").replace("\x00", "\ufffd").split())
    if not reason:
        raise FormErrors({"reason": texts.REASON_MISSING})
    if len(reason) > REASON_LENGTH:
        raise FormErrors({"reason": texts.REASON_TOO_LONG})
    return reason
