"""Calls attached to cases: every incoming call opens a counselling case exactly once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.cases import open_case
from casework.enums import CallStatus, CaseChannel
from casework.models import Call, CallEvent
from fluxx.phone import try_e164


def get_by_sid(db: Session, *, call_sid: str) -> Call | None:
    return db.scalar(select(Call).where(Call.call_sid == call_sid))


def register_incoming_call(
    db: Session,
    *,
    call_sid: str,
    from_number: str | None,
    to_number: str | None,
    now: datetime,
    zone: ZoneInfo,
) -> Call:
    """Find the call by its CallSid or create it with a new case; a retried webhook creates nothing new."""
    call = get_by_sid(db, call_sid=call_sid)
    if call is not None:
        return call
    caller = try_e164(from_number)  # None for "anonymous" or withheld numbers
    try:
        with db.begin_nested():
            case = open_case(db, channel=CaseChannel.PHONE, now=now, zone=zone, caller_phone=caller)
            call = Call(
                call_sid=call_sid, case_id=case.id, from_number=caller, to_number=try_e164(to_number),
                status=CallStatus.RINGING, started_at=now, created_at=now, updated_at=now,
            )  # fmt: skip
            db.add(call)
            db.flush()
            db.add(CallEvent(call_id=call.id, source="incoming", status=CallStatus.RINGING.value, at=now))
            db.flush()
    except IntegrityError:
        # The same webhook ran twice at once and the other request won: use its call and case.
        existing = get_by_sid(db, call_sid=call_sid)
        if existing is None:
            raise
        return existing
    return call
