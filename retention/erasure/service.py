"""Erase what `retention.subject.service.find` found about a person (Art. 17 DSGVO).

Their cases are anonymised as the retention purge does it, but now (`retention.service.erase_case`): bill data
within its retention period stays until the purge takes it; their volunteer record keeps what the statistics count
(`retention.volunteers.service`); SMS and calls by their number lose text and numbers; failed logins with their
address go. Voicemails are deleted at Twilio first, outside any transaction (no lock waits for the network); if
Twilio refuses one, nothing else is erased and the admin tries again later. The audit entries name the reason by
its key and count what was erased: never the person's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from casework.calls.models import Call
from casework.cases.models import Case
from casework.cases.rules import CLOSED_STATUSES
from core import audit
from core.db import transaction
from core.errors import DomainError
from core.models import LoginFailure
from messaging.gateway import RecordingGone, Recordings
from messaging.models import Message
from retention import service as retention
from retention.subject import service as subjects
from retention.subject import texts
from retention.subject.rules import Query
from retention.volunteers import service as volunteer_purge
from volunteers.assignments.models import Assignment, AssignmentStatus


class ErasureRefused(DomainError):
    """The person's data cannot be erased yet (an open case, an active assignment, Twilio unreachable)."""

    status_code = 409


@dataclass
class Erased:
    counts: dict[str, int] = field(default_factory=dict)
    bills_kept: list[tuple[str, date]] = field(default_factory=list)


def blockers(db: Session, subject: subjects.Subject) -> list[str]:
    """Why the person's data cannot be erased now (German, for the page); empty when it can."""
    found: list[str] = []
    cases = select(Case.number).where(
        Case.id.in_(subject.case_ids), Case.status.not_in(CLOSED_STATUSES), Case.merged_into_id.is_(None)
    )
    found += [texts.open_case(number) for number in db.scalars(cases.order_by(Case.number))]
    for volunteer_id in subject.volunteer_ids:
        active = select(Assignment.id).where(
            Assignment.volunteer_id == volunteer_id, Assignment.status == AssignmentStatus.ACTIVE
        )
        count = len(db.scalars(active).all())
        if count:
            found.append(texts.busy_volunteer(count))
    return found


def _voicemails(factory: sessionmaker[Session], subject: subjects.Subject) -> list[tuple[int, str]]:
    with factory() as db:
        query = select(Call.id, Call.recording_sid).where(
            Call.id.in_(subject.call_ids), Call.recording_sid.is_not(None)
        )
        return [(call_id, str(sid)) for call_id, sid in db.execute(query)]


def erase(
    factory: sessionmaker[Session], recordings: Recordings, *, query: Query, reason: str, actor: audit.Actor,
    today: date,
) -> Erased:  # fmt: skip
    """Erase everything found about the person `query` names. Raises ErasureRefused (nothing erased but the
    voicemails deleted at Twilio) while a case is open, an assignment active or Twilio refuses a deletion."""
    if reason not in texts.REASONS:
        raise ValueError(f"unknown erasure reason {reason!r}")
    with factory() as db:
        found = blockers(db, subjects.find(db, query))
    if found:
        raise ErasureRefused(" ".join(found))
    with factory() as db:
        subject = subjects.find(db, query)
    gone, refused = [], 0
    for call_id, sid in _voicemails(factory, subject):
        try:
            recordings.delete(sid)
        except RecordingGone:
            refused += 1
            continue
        gone.append((call_id, sid))
    with transaction(factory) as db:
        for call_id, sid in gone:
            retention.forget_voicemail(db, call_id=call_id, sid=sid, now=actor.now)
    if refused:
        raise ErasureRefused(
            f"{refused} Sprachnachricht(en) konnten bei Twilio gerade nicht gelöscht werden. Es wurde nichts "
            "weiter gelöscht; bitte später noch einmal versuchen."
        )
    with transaction(factory) as db:
        return _erase(db, subjects.find(db, query), reason=reason, actor=actor, today=today)


def _erase(db: Session, subject: subjects.Subject, *, reason: str, actor: audit.Actor, today: date) -> Erased:
    found = blockers(db, subject)  # again, under the transaction: a case may have been reopened meanwhile
    if found:
        raise ErasureRefused(" ".join(found))
    now = actor.now
    erased = Erased(bills_kept=list(subject.kept_bills))
    erased.counts["cases"] = sum(retention.erase_case(db, case_id=i, now=now, today=today) for i in subject.case_ids)
    for case_id in subject.case_ids:
        audit.record(db, actor, action="case.erase", object_type="case", object_id=case_id, case_id=case_id,
                     detail={"reason": reason})  # fmt: skip
    erased.counts["volunteers"] = sum(
        volunteer_purge.anonymise_volunteer(db, volunteer_id=i, now=now) for i in subject.volunteer_ids
    )
    for volunteer_id in subject.volunteer_ids:
        audit.record(db, actor, action="volunteer.erase", object_type="volunteer", object_id=volunteer_id,
                     case_id=None, detail={"reason": reason})  # fmt: skip
    db.execute(update(Message).where(Message.id.in_(subject.message_ids)).values(body="", from_number="", to_number=""))
    erased.counts["messages"] = len(subject.message_ids)
    db.execute(update(Call).where(Call.id.in_(subject.call_ids)).values(from_number=None, to_number=None))
    erased.counts["calls"] = len(subject.call_ids)
    db.execute(delete(LoginFailure).where(LoginFailure.id.in_(subject.login_failure_ids)))
    erased.counts["login_failures"] = len(subject.login_failure_ids)
    detail = {"reason": reason, "kind": subject.query.kind.value, **erased.counts,
              "bills_kept": len(erased.bills_kept)}  # fmt: skip
    audit.record(db, actor, action="subject.erase", object_type="subject", object_id=None, case_id=None, detail=detail)
    return erased
