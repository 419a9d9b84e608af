"""Call-back work and calls that are no case.

"Ich rufe zurück" is a claim taken with one conditional UPDATE, so two staff can never both claim the
same family; the second sees who has it. A claim older than CLAIM_TIMEOUT may be taken over (the first
person may have gone home). A call marked as no case (hung up, wrong number, test, silence) closes its
case as "closed without need" when the case holds nothing else; such cases are no counselling session.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select, update
from sqlalchemy.orm import Session

from casework import lifecycle, service
from casework.enums import CaseChannel, CaseStatus, NoCaseReason
from casework.models import Call, CareJob, CarePerson, CareWindow, Case, CaseNote
from casework.service import CaseworkError
from fluxx.core import audit
from fluxx.core.audit import Actor
from fluxx.core.models import Staff

CLAIM_TIMEOUT = timedelta(minutes=30)


class CallbackOutcome(enum.StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    GIVE_UP = "give_up"

    @property
    def label(self) -> str:
        return {
            "reached": "Erreicht",
            "not_reached": "Nicht erreicht, später noch einmal versuchen",
            "give_up": "Nicht erreicht, Fall schließen",
        }[self.value]


def claim(db: Session, *, case_id: int, actor: Actor) -> Staff | None:
    """Claim the call back for the acting staff member; returns who holds it if someone else does."""
    stale = actor.now - CLAIM_TIMEOUT
    result = db.execute(
        update(Case)
        .where(Case.id == case_id, Case.callback_needed.is_(True))
        .where(
            or_(
                Case.callback_claimed_by_id.is_(None),
                Case.callback_claimed_by_id == actor.staff_id,
                Case.callback_claimed_at < stale,
            )
        )
        .values(callback_claimed_by_id=actor.staff_id, callback_claimed_at=actor.now)
        .execution_options(synchronize_session=False)
    )
    case = db.get(Case, case_id, populate_existing=True)
    if case is None or not case.callback_needed:
        raise CaseworkError("Für diesen Fall ist kein Rückruf mehr nötig.")
    if result.rowcount == 0:  # type: ignore[attr-defined]
        return db.get(Staff, case.callback_claimed_by_id) if case.callback_claimed_by_id else None
    audit.record(db, actor, action="callback.claim", object_type="case", object_id=case_id, case_id=case_id)
    return None


def active_claimer_id(case: Case, now: datetime) -> int | None:
    """Who is calling back right now; a claim older than CLAIM_TIMEOUT no longer counts."""
    if case.callback_claimed_by_id and case.callback_claimed_at and case.callback_claimed_at >= now - CLAIM_TIMEOUT:
        return case.callback_claimed_by_id
    return None


def record_outcome(db: Session, *, case: Case, outcome: CallbackOutcome, note: str, actor: Actor) -> None:
    """Record how the call back went; only the person holding the claim (or nobody) may do so."""
    if not case.callback_needed:
        raise CaseworkError("Für diesen Fall ist kein Rückruf mehr nötig.")
    if active_claimer_id(case, actor.now) not in (None, actor.staff_id):
        raise CaseworkError("Diesen Rückruf hat schon jemand anderes übernommen.")
    if outcome == CallbackOutcome.GIVE_UP:
        # Refuse before writing anything: a refused close must not leave a note or a released claim.
        lifecycle.check_transition(
            case.status, CaseStatus.CLOSED_UNREACHABLE, jobs_searching=service.jobs_searching(db, case_id=case.id)
        )
    text = f"Rückruf: {outcome.label}." + (f" {note.strip()}" if note.strip() else "")
    service.add_note(db, case=case, body=text, actor=actor)
    case.callback_outcome = text
    case.callback_claimed_by_id, case.callback_claimed_at = None, None
    if outcome == CallbackOutcome.REACHED:
        case.callback_needed = False
        case.counsellor_id = case.counsellor_id or actor.staff_id
        service.advance_if_allowed(db, case=case, target=CaseStatus.IN_COUNSELLING, actor=actor)
    elif outcome == CallbackOutcome.GIVE_UP:
        service.set_status(db, case=case, target=CaseStatus.CLOSED_UNREACHABLE, actor=actor)
    audit.record(
        db,
        actor,
        action="callback.outcome",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"outcome": outcome.value},
    )


def _has_content(db: Session, case: Case, call: Call) -> bool:
    """Anything documented besides this call: notes, persons, windows, jobs or other real calls."""
    checks = (
        exists().where(CaseNote.case_id == case.id),
        exists().where(CarePerson.case_id == case.id),
        exists().where(CareWindow.case_id == case.id),
        exists().where(CareJob.case_id == case.id),
        exists().where(Call.case_id == case.id, Call.id != call.id, Call.no_case_reason.is_(None)),
    )
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
    case = call.case
    if case is None or case.status not in (CaseStatus.NEW, CaseStatus.IN_COUNSELLING) or _has_content(db, case, call):
        return False
    service.set_status(db, case=case, target=CaseStatus.CLOSED_NO_NEED, actor=actor)
    return True


def counselling_condition() -> ColumnElement[bool]:
    """SQL twin of lifecycle.counts_as_counselling for the statistics: the case is a counselling session."""
    real_call = exists().where(Call.case_id == Case.id, Call.no_case_reason.is_(None))
    any_call = exists().where(Call.case_id == Case.id)
    return or_(
        Case.channel == CaseChannel.MANUAL,
        Case.status != CaseStatus.CLOSED_NO_NEED,
        not_(any_call),
        real_call,
    )


def count_counselling(db: Session, *, where: list[ColumnElement[bool]] | None = None) -> int:
    """Counselling sessions among the cases matching `where`."""
    query = select(func.count()).select_from(Case).where(and_(counselling_condition(), *(where or [])))
    return db.scalar(query) or 0
