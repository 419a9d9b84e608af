"""Calls attached to cases: every incoming call opens a counselling case exactly once.

A call marked as no case (hung up, wrong number, test, silence) closes its case as "closed without need"
when the case holds nothing else; such cases are no counselling session in the statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, Integer, Select, Table, bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from casework.calls.models import Call, CallEvent
from casework.calls.rules import FINAL_STATUSES, advance
from casework.cases import family
from casework.cases import service as cases
from casework.cases.models import Case
from casework.cases.opening import PhoneCase, open_case, open_phone_cases
from casework.enums import CallStatus, CaseChannel, CaseStatus, Need, NoCaseReason
from core import audit, case_owned
from core.audit import Actor
from core.db import insert_rows
from core.formats import BERLIN
from core.models import Staff
from core.phone import try_e164

MAX_PARALLEL_RINGS = 10  # Twilio rings at most ten <Number>s of one <Dial>


def get_by_sid(db: Session, *, call_sid: str) -> Call | None:
    """The call with its case: every voice step reads or changes both (need, call-back, voicemail)."""
    return db.scalar(_call_with_case(by_sid=True), {"key": call_sid})


def get_with_case(db: Session, *, call_id: int) -> Call | None:
    """A call by id with its case (`Call.case` is never loaded lazily)."""
    return db.scalar(_call_with_case(by_sid=False), {"key": call_id})


@cache
def _call_with_case(*, by_sid: bool) -> Select[Call]:
    """A call by CallSid or id (parameter `key`) with its case, built once: every voice step asks it, and
    building it anew was a tenth of its cost (py-spy, the realistic hour at 80×)."""
    key = Call.call_sid if by_sid else Call.id
    return select(Call).where(key == bindparam("key", type_=key.type)).options(joinedload(Call.case))


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
                call_sid=call_sid, case=case, from_number=caller, to_number=try_e164(to_number),
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


@dataclass(frozen=True)
class NewCall:
    """What a new incoming call stores, worked out before the write transaction (`new_call`)."""

    call_sid: str
    from_number: str | None
    to_number: str | None
    now: datetime
    year: int  # the case number's year: the local year of `now`
    callback_needed: bool


def new_call(
    *, call_sid: str, from_number: str | None, to_number: str | None, now: datetime, zone: ZoneInfo,
    callback_needed: bool = False,
) -> NewCall:  # fmt: skip
    """The rows of a new call, prepared outside the transaction (parsing numbers is not free)."""
    return NewCall(
        call_sid=call_sid, from_number=try_e164(from_number), to_number=try_e164(to_number), now=now,
        year=now.astimezone(zone).year, callback_needed=callback_needed,
    )  # fmt: skip


_CALL = cast(Table, Call.__table__)
_CALL_EVENT = cast(Table, CallEvent.__table__)


def store_new_call(db: Session, call: NewCall) -> int:
    """Store a call Twilio announces for the first time, with its new case (`store_new_calls`); its id."""
    return store_new_calls(db, [call])[0]


def store_new_calls(db: Session, new_calls: Sequence[NewCall]) -> list[int]:
    """Store calls Twilio announces for the first time, each with its new case: five SQL statements however
    many calls (a group commit writes the calls arriving together: `core.group_commit`), no ORM unit of
    work, nothing read first (the incoming webhook's hot path). Returns the calls' ids in order.

    The same rows as `register_incoming_call`, plus `needs_callback` when `callback_needed`. A CallSid
    already stored (Twilio's retry, the same webhook twice at once) raises IntegrityError on the call's unique
    CallSid: the caller rolls back and goes the way of `register_incoming_call`, which finds that call.
    """
    case_ids = open_phone_cases(
        db, [PhoneCase(year=call.year, now=call.now, caller_phone=call.from_number,
                       callback_needed=call.callback_needed) for call in new_calls],
    )  # fmt: skip
    rows = [
        {
            "call_sid": call.call_sid, "case_id": case_id, "from_number": call.from_number,
            "to_number": call.to_number, "status": CallStatus.RINGING, "started_at": call.now,
            "created_at": call.now, "updated_at": call.now,
        }
        for call, case_id in zip(new_calls, case_ids, strict=True)
    ]  # fmt: skip
    connection = db.connection()  # plain Core statements (see casework.cases.opening.take_numbers)
    call_ids = insert_rows(connection, _CALL, rows, key="call_sid")
    events = [
        {"call_id": call_id, "source": "incoming", "status": CallStatus.RINGING.value, "at": call.now}
        for call_id, call in zip(call_ids, new_calls, strict=True)
    ]
    insert_rows(connection, _CALL_EVENT, events)
    return call_ids


def set_need(call: Call, need: Need, *, now: datetime) -> None:
    """The caller's menu choice becomes the case's need (staff may refine it later). Like `needs_callback` and
    `store_voicemail`, it wants the call with its case loaded (`get_by_sid`, `register_incoming_call`)."""
    if call.case is not None and call.case.need is None:
        call.case.need = need
        call.case.updated_at = now


def staff_to_ring(db: Session, *, now: datetime, limit: int = MAX_PARALLEL_RINGS) -> list[Staff]:
    """Active staff on duty with a phone; with more than Twilio's ten, the least recently rung first."""
    staff = db.scalars(_staff_to_ring(), {"limit": limit}).all()
    for person in staff:
        person.last_rung_at = now
    return list(staff)


@cache
def _staff_to_ring() -> Select[Staff]:
    """The statement of `staff_to_ring` (parameter `limit`), built once: every menu choice asks it."""
    return (
        select(Staff)
        .where(Staff.on_duty.is_(True), Staff.is_active.is_(True), Staff.phone.is_not(None))
        .order_by(Staff.last_rung_at.is_not(None), Staff.last_rung_at, Staff.id)
        .limit(bindparam("limit", type_=Integer()))
    )


# Whoever presses 1 first takes the call (`accept`): a plain UPDATE of the table (`accept` sets the values on
# the call it holds itself), built once: every screening answer runs it.
_ACCEPT = (
    update(_CALL)
    .where(_CALL.c.id == bindparam("call_id"), _CALL.c.accepted_by_id.is_(None))
    .values(accepted_by_id=bindparam("staff_id"), answered_at=bindparam("now", type_=_CALL.c.answered_at.type),
            updated_at=bindparam("now", type_=_CALL.c.updated_at.type))
)  # fmt: skip


def accept(db: Session, *, call: Call, staff_id: int, now: datetime, zone: ZoneInfo = BERLIN) -> bool:
    """Record who took the call. Two staff pressing 1 at once: only the first one wins (atomic).

    The family was reached: their other open cases need no call-back any more (see `family.settle_callbacks`)."""
    won = cast(
        "CursorResult[Any]",
        db.execute(_ACCEPT, {"call_id": call.id, "staff_id": staff_id, "now": now}),
    ).rowcount
    if not won:
        db.refresh(call)  # who took it
        return call.accepted_by_id == staff_id
    # The values just written, without reading the row back (the refresh was a fifth of this step's CPU at 80×).
    for key, value in (("accepted_by_id", staff_id), ("answered_at", now), ("updated_at", now)):
        set_committed_value(call, key, value)
    case = db.get(Case, call.case_id) if call.case_id is not None else None
    if case is not None:
        case.counsellor_id = case.counsellor_id or staff_id
        case.callback_needed = False
        case.updated_at = now
        if case.status == CaseStatus.NEW:
            cases.set_status(db, case=case, target=CaseStatus.IN_COUNSELLING,
                               actor=Actor(staff_id=staff_id, ip=None, now=now))  # fmt: skip
    db.add(CallEvent(call_id=call.id, source="screening", status="accepted", at=now))
    family.settle_callbacks(db, call=call, staff_id=staff_id, now=now, zone=zone)
    return True


def needs_callback(call: Call, *, now: datetime) -> None:
    """Nobody took the call: the case goes on the "Rückruf nötig" list."""
    if call.case is not None and call.accepted_by_id is None:
        call.case.callback_needed = True
        call.case.updated_at = now


def record_dial_result(db: Session, *, call: Call, dial_status: str, now: datetime) -> None:
    call.dial_status = dial_status[:20]
    call.updated_at = now
    db.add(CallEvent(call_id=call.id, source="dial", status=dial_status[:30], at=now))


def store_voicemail(call: Call, *, recording_sid: str, url: str, duration: int | None, now: datetime) -> None:
    """Keep the voicemail's Twilio reference (the audio stays at Twilio, fetched through our route)."""
    call.recording_sid = recording_sid
    call.recording_url = url
    if duration is not None:
        call.recording_duration_seconds = duration
    call.updated_at = now
    if call.case is not None and call.accepted_by_id is None:
        call.case.channel = CaseChannel.VOICEMAIL


def apply_status(
    db: Session, *, call: Call, reported: CallStatus, duration: int | None, source: str, now: datetime
) -> None:
    """A status callback: stored in the history always, applied only when it moves the call forward."""
    db.add(CallEvent(call_id=call.id, source=source, status=reported.value, at=now))
    new = advance(call.status, reported)
    if new != call.status:
        call.status = new
        if new == CallStatus.IN_PROGRESS and call.answered_at is None:
            call.answered_at = now
        if new in FINAL_STATUSES:
            call.ended_at = now
            needs_callback(call, now=now)
    if duration is not None and call.duration_seconds is None and new in FINAL_STATUSES:
        call.duration_seconds = duration
    call.updated_at = now


def _has_content(db: Session, case: Case) -> bool:
    """Anything entered into the case: a row in a table the case owns that counts as content (notes, persons,
    windows, jobs, bills, calls not marked "kein Fall", so not the call just marked; `core.case_owned`)."""
    checks = []
    for declared in case_owned.tables().content():
        where = [declared.model.case_id == case.id]
        if declared.content_unless is not None:
            where.append(getattr(declared.model, declared.content_unless).is_(None))
        checks.append(exists().where(*where))
    return any(db.scalar(select(check)) for check in checks)


def mark_no_case(db: Session, *, call: Call, reason: NoCaseReason, actor: Actor) -> bool:
    """Mark a call as no case; returns True when its case was closed because of it."""
    call.no_case_reason = reason
    call.updated_at = actor.now
    db.flush()
    audit.record(
        db,
        actor,
        action="call.no_case",
        object_type="call",
        object_id=call.id,
        case_id=call.case_id,
        detail={"reason": reason.value},
    )
    case = db.get(Case, call.case_id) if call.case_id is not None else None
    if case is None or case.status not in (CaseStatus.NEW, CaseStatus.IN_COUNSELLING) or _has_content(db, case):
        return False
    cases.set_status(db, case=case, target=CaseStatus.CLOSED_NO_NEED, actor=actor)
    return True
