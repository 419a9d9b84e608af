"""Call-back work: "Ich rufe zurück" and how the call back went.

"Ich rufe zurück" is a claim taken with one conditional UPDATE, so two staff can never both claim the
same family; the second sees who has it. A claim older than `rules.CLAIM_TIMEOUT` may be taken over (the
first person may have gone home).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.orm import Session

from casework.callbacks import rules
from casework.callbacks.rules import CallbackOutcome
from casework.cases import rules as case_rules
from casework.cases import service as cases
from casework.cases.models import Case
from casework.cases.service import CaseworkError
from casework.enums import CaseStatus
from fluxx.core import audit
from fluxx.core.audit import Actor
from fluxx.core.models import Staff


def claim(db: Session, *, case_id: int, actor: Actor) -> Staff | None:
    """Claim the call back for the acting staff member; returns who holds it if someone else does."""
    # An UPDATE answers with a CursorResult, whose rowcount says whether the claim was taken.
    result = cast(
        "CursorResult[Any]",
        db.execute(
            update(Case)
            .where(Case.id == case_id, Case.callback_needed.is_(True))
            .where(
                or_(
                    Case.callback_claimed_by_id.is_(None),
                    Case.callback_claimed_by_id == actor.staff_id,
                    Case.callback_claimed_at < rules.stale_before(actor.now),
                )
            )
            .values(callback_claimed_by_id=actor.staff_id, callback_claimed_at=actor.now)
            .execution_options(synchronize_session=False)
        ),
    )
    case = db.get(Case, case_id, populate_existing=True)
    if case is None or not case.callback_needed:
        raise CaseworkError("Für diesen Fall ist kein Rückruf mehr nötig.")
    if result.rowcount == 0:
        return db.get(Staff, case.callback_claimed_by_id) if case.callback_claimed_by_id else None
    audit.record(db, actor, action="callback.claim", object_type="case", object_id=case_id, case_id=case_id)
    return None


def record_outcome(db: Session, *, case: Case, outcome: CallbackOutcome, note: str, actor: Actor) -> None:
    """Record how the call back went; only the person holding the claim (or nobody) may do so."""
    if not case.callback_needed:
        raise CaseworkError("Für diesen Fall ist kein Rückruf mehr nötig.")
    if rules.active_claimer_id(case, actor.now) not in (None, actor.staff_id):
        raise CaseworkError("Diesen Rückruf hat schon jemand anderes übernommen.")
    if outcome == CallbackOutcome.GIVE_UP:
        # Refuse before writing anything: a refused close must not leave a note or a released claim.
        case_rules.check_transition(
            case.status, CaseStatus.CLOSED_UNREACHABLE, jobs_searching=cases.jobs_searching(db, case_id=case.id)
        )
    text = f"Rückruf: {outcome.label}." + (f" {note.strip()}" if note.strip() else "")
    cases.add_note(db, case=case, body=text, actor=actor)
    case.callback_outcome = text
    case.callback_claimed_by_id, case.callback_claimed_at = None, None
    if outcome == CallbackOutcome.REACHED:
        case.callback_needed = False
        case.counsellor_id = case.counsellor_id or actor.staff_id
        cases.advance_if_allowed(db, case=case, target=CaseStatus.IN_COUNSELLING, actor=actor)
    elif outcome == CallbackOutcome.GIVE_UP:
        cases.set_status(db, case=case, target=CaseStatus.CLOSED_UNREACHABLE, actor=actor)
    audit.record(
        db,
        actor,
        action="callback.outcome",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"outcome": outcome.value},
    )
