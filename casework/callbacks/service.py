"""Call-back work: "Ich rufe zurück" and how the call back went.

"Ich rufe zurück" is a claim taken with one conditional UPDATE, so two staff can never both claim the
same family; the second sees who has it. A claim older than `rules.CLAIM_TIMEOUT` may be taken over (the
first person may have gone home).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Select, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from casework.callbacks import rules
from casework.callbacks.models import CallbackAttempt
from casework.callbacks.rules import CallbackOutcome
from casework.calls.models import Call
from casework.cases import rules as case_rules
from casework.cases import service as cases
from casework.cases.models import Case
from casework.cases.service import CaseworkError
from casework.enums import CaseStatus
from core import audit
from core.audit import Actor
from core.models import Staff


def claim(db: Session, *, case_id: int, actor: Actor) -> Staff | None:
    """Claim the call back for the acting staff member; returns who holds it if someone else does.

    The claimer becomes the case's counsellor when it has none; a counsellor already set stays."""
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
    _make_responsible(db, case=case, actor=actor)
    return None


def _make_responsible(db: Session, *, case: Case, actor: Actor) -> None:
    """Whoever calls the family back counsels the case, unless somebody does already (they stay)."""
    if case.counsellor_id is None and actor.staff_id is not None:
        cases.assign(db, case=case, staff_id=actor.staff_id, actor=actor)


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
    db.add(
        CallbackAttempt(
            case_id=case.id, staff_id=actor.staff_id, at=actor.now, outcome=outcome, note=note.strip() or None
        )
    )
    case.callback_outcome = text
    case.callback_claimed_by_id, case.callback_claimed_at = None, None
    if outcome == CallbackOutcome.REACHED:
        case.callback_needed = False
        _make_responsible(db, case=case, actor=actor)
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


# What the call-back boxes show: the attempts so far and the family's voicemail.


@dataclass(frozen=True)
class AttemptSummary:
    """The attempts of a call-back still open, for the dashboard ("2. Versuch, zuletzt 14:20")."""

    count: int
    last_at: datetime

    @property
    def next_number(self) -> int:
        return self.count + 1


@dataclass(frozen=True)
class NumberedAttempt:
    number: int  # within its call-back: a later call-back of the same case counts from 1 again
    attempt: CallbackAttempt


def attempts(db: Session, *, case_id: int) -> list[NumberedAttempt]:
    """Every call-back attempt of a case, oldest first, numbered within its call-back."""
    query = (
        select(CallbackAttempt)
        .where(CallbackAttempt.case_id == case_id)
        .order_by(CallbackAttempt.at, CallbackAttempt.id)
        .options(joinedload(CallbackAttempt.staff))
    )
    found = list(db.scalars(query))
    numbers = rules.attempt_numbers(attempt.outcome for attempt in found)
    return [NumberedAttempt(number, attempt) for number, attempt in zip(numbers, found, strict=True)]


def attempt_summaries(db: Session, *, case_ids: Collection[int]) -> dict[int, AttemptSummary]:
    """Case id → the attempts of its open call-back, for many cases in one grouped query."""
    if not case_ids:
        return {}
    found = db.execute(_attempt_summaries(), {"case_ids": list(case_ids)})
    return {case_id: AttemptSummary(count, last_at) for case_id, count, last_at in found}


@cache
def _attempt_summaries() -> Select[int, int, datetime]:
    """The statement of `attempt_summaries`, built once (its alias proxies every column anew: a tenth of a
    dashboard poll's CPU when built per poll)."""
    ended = aliased(CallbackAttempt)
    # Attempts before the last one that ended a call-back belong to an earlier call-back.
    round_start = (
        select(func.max(ended.at))
        .where(ended.case_id == CallbackAttempt.case_id, ended.outcome.in_(rules.ENDING))
        .scalar_subquery()
    )
    return (
        select(CallbackAttempt.case_id, func.count(), func.max(CallbackAttempt.at))
        .where(CallbackAttempt.case_id.in_(bindparam("case_ids", expanding=True)))
        .where(or_(round_start.is_(None), CallbackAttempt.at > round_start))
        .group_by(CallbackAttempt.case_id)
    )


@dataclass(frozen=True)
class Voicemail:
    """A case's newest voicemail as the dashboard and the case page show it: when, how long, and the call to
    play it from."""

    id: int  # the call's id: /calls/{id}/voicemail plays it
    case_id: int
    started_at: datetime
    recording_duration_seconds: int | None


@cache
def _voicemails() -> Select[int, int | None, datetime, int | None]:
    return (
        select(Call.id, Call.case_id, Call.started_at, Call.recording_duration_seconds)
        .where(Call.case_id.in_(bindparam("case_ids", expanding=True)), Call.recording_sid.is_not(None))
        .order_by(Call.started_at.desc(), Call.id.desc())
    )


def latest_voicemails(db: Session, *, case_ids: Collection[int]) -> dict[int, Voicemail]:
    """Case id → the newest voicemail of the case, for many cases in one query. Plain rows, not calls: the
    dashboard polls it every 3 s for up to 30 cases, whose calls the same poll has loaded with other columns
    (as entities they took a fifth of the poll's CPU)."""
    if not case_ids:
        return {}
    latest: dict[int, Voicemail] = {}
    for call_id, case_id, started_at, seconds in db.execute(_voicemails(), {"case_ids": list(case_ids)}):
        if case_id is not None:
            latest.setdefault(case_id, Voicemail(call_id, case_id, started_at, seconds))
    return latest


def with_voicemail(db: Session, *, case_ids: Collection[int]) -> set[int]:
    """Which of these cases have a call that left a voicemail (the case list's marker), in one query."""
    if not case_ids:
        return set()
    query = select(Call.case_id).where(Call.case_id.in_(case_ids), Call.recording_sid.is_not(None)).distinct()
    return {case_id for case_id in db.scalars(query) if case_id is not None}
