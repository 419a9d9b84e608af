"""Undo a closing or a "Kein Fall": what the action changed is kept in a small record (sealed into the undo
button by the web layer); undoing restores it, audited, within 15 minutes and only while nobody changed the
case since (see rules.py).

What the two actions change (casework.cases.service.set_status, casework.calls.service.mark_no_case):
closing sets the status and closed_at, clears the call-back and its claim, and completes the case's staffed
jobs (freeing their SMS codes); "Kein Fall" sets the call's reason and closes an otherwise empty case as
"closed without need". Undoing puts every one of these back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.calls.models import Call
from casework.cases import service as cases
from casework.cases.models import Case, CaseStatusChange
from casework.cases.service import CaseworkError
from casework.enums import CaseStatus, JobStatus
from casework.jobs.models import CareJob
from casework.undo import rules
from core import audit
from core.audit import Actor
from core.models import AuditEvent

CLOSE = "close"
NO_CASE = "no_case"


class UndoRefused(CaseworkError):
    """Too late, or the case changed since; the message is German and shown to staff."""


@dataclass(frozen=True)
class CaseState:
    """What an undoable action may change on a case, as it was before."""

    status: CaseStatus
    callback_needed: bool
    claimed_by_id: int | None
    claimed_at: datetime | None
    filled_jobs: tuple[tuple[int, str], ...]  # (job id, SMS code) of staffed jobs, which a closing completes


def state_of(db: Session, *, case: Case) -> CaseState:
    jobs = db.execute(
        select(CareJob.id, CareJob.active_code).where(CareJob.case_id == case.id, CareJob.status == JobStatus.FILLED)
    ).all()
    return CaseState(
        status=case.status,
        callback_needed=case.callback_needed,
        claimed_by_id=case.callback_claimed_by_id,
        claimed_at=case.callback_claimed_at,
        filled_jobs=tuple((job_id, code) for job_id, code in jobs if code),
    )


@dataclass(frozen=True)
class Undo:
    """One undoable action: which, on what, the state before, and the last audit event it wrote."""

    kind: str
    case_id: int
    call_id: int | None
    before: CaseState
    after_status: CaseStatus
    mark: int
    done_at: datetime

    def to_dict(self) -> dict[str, Any]:
        b = self.before
        return {
            "kind": self.kind, "case": self.case_id, "call": self.call_id, "status": b.status.value,
            "callback": b.callback_needed, "claimed_by": b.claimed_by_id,
            "claimed_at": b.claimed_at.isoformat() if b.claimed_at else None,
            "jobs": [list(job) for job in b.filled_jobs], "after": self.after_status.value, "mark": self.mark,
            "at": self.done_at.isoformat(),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Undo:
        """The record back from the undo button; ValueError for anything malformed."""
        try:
            before = CaseState(
                status=CaseStatus(data["status"]),
                callback_needed=bool(data["callback"]),
                claimed_by_id=int(data["claimed_by"]) if data["claimed_by"] is not None else None,
                claimed_at=datetime.fromisoformat(data["claimed_at"]) if data["claimed_at"] else None,
                filled_jobs=tuple((int(job_id), str(code)) for job_id, code in data["jobs"]),
            )
            kind = str(data["kind"])
            if kind not in (CLOSE, NO_CASE):
                raise ValueError(kind)
            return cls(
                kind=kind,
                case_id=int(data["case"]),
                call_id=int(data["call"]) if data["call"] is not None else None,
                before=before,
                after_status=CaseStatus(data["after"]),
                mark=int(data["mark"]),
                done_at=datetime.fromisoformat(data["at"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError("malformed undo record") from exc


def _last_audit_id(db: Session) -> int:
    return db.scalar(select(func.max(AuditEvent.id))) or 0


def after_close(db: Session, *, case: Case, before: CaseState, actor: Actor) -> Undo:
    """The undo record of a closing that just happened (call right after set_status)."""
    db.flush()
    return Undo(CLOSE, case.id, None, before, case.status, _last_audit_id(db), actor.now)


def after_no_case(db: Session, *, call: Call, before: CaseState, actor: Actor) -> Undo | None:
    """The undo record of a "Kein Fall" that just happened (call right after mark_no_case)."""
    if call.case_id is None:
        return None
    db.flush()
    case = db.get_one(Case, call.case_id)
    return Undo(NO_CASE, case.id, call.id, before, case.status, _last_audit_id(db), actor.now)


def _changed_since(db: Session, *, record: Undo, case: Case, call: Call | None) -> bool:
    actions = list(
        db.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id, AuditEvent.id > record.mark))
    )
    if rules.changes(actions) or case.status != record.after_status or case.updated_at > record.done_at:
        return True
    return record.kind == NO_CASE and (call is None or call.no_case_reason is None or call.case_id != case.id)


def undo(db: Session, *, record: Undo, actor: Actor) -> str:
    """Put back what the action changed; returns what happened (German) or raises UndoRefused."""
    case = cases.get_case(db, case_id=record.case_id, for_update=True)
    call = db.get(Call, record.call_id) if record.call_id is not None else None
    problem = rules.refusal(
        done_at=record.done_at, now=actor.now, changed_since=_changed_since(db, record=record, case=case, call=call)
    )
    if problem:
        raise UndoRefused(problem)
    reopened = case.status != record.before.status
    if reopened:
        _restore(db, case=case, record=record, actor=actor)
    if call is not None and record.kind == NO_CASE:
        reason = call.no_case_reason
        call.no_case_reason = None
        call.updated_at = actor.now
        db.flush()
        audit.record(db, actor, action="call.no_case_undo", object_type="call", object_id=call.id, case_id=case.id,
                     detail={"reason": reason.value if reason else None})  # fmt: skip
        if reopened:
            return f"„Kein Fall“ zurückgenommen. Fall {case.number} ist wieder offen ({case.status.label})."
        return "„Kein Fall“ zurückgenommen."
    return f"Fall {case.number} ist wieder offen ({case.status.label})."


def _restore(db: Session, *, case: Case, record: Undo, actor: Actor) -> None:
    before, closed = record.before, case.status
    for job_id, code in before.filled_jobs:
        job = db.get(CareJob, job_id)
        if job is None or job.status != JobStatus.COMPLETED:
            continue
        taken = db.scalar(select(CareJob.id).where(CareJob.active_code == code, CareJob.id != job_id))
        if taken is not None:
            raise UndoRefused(
                f"Rückgängig machen geht nicht mehr: Der SMS-Code {code} von Einsatz {job.code} ist inzwischen an "
                "einen anderen Einsatz vergeben. Bitte prüfen Sie den Fall auf der Fallseite."
            )
        job.status, job.active_code, job.updated_at = JobStatus.FILLED, code, actor.now
    case.status = before.status
    case.closed_at = None
    case.callback_needed = before.callback_needed
    case.callback_claimed_by_id = before.claimed_by_id
    case.callback_claimed_at = before.claimed_at
    case.updated_at = actor.now
    db.add(CaseStatusChange(case_id=case.id, from_status=closed, to_status=before.status,
                            changed_by_id=actor.staff_id, at=actor.now))  # fmt: skip
    db.flush()
    audit.record(db, actor, action="case.status_undo", object_type="case", object_id=case.id, case_id=case.id,
                 detail={"from": closed.value, "to": before.status.value})  # fmt: skip
