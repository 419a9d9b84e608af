"""Volunteers' share of retention: the SMS exchanged with them about a job go with the job's case, and a volunteer
deactivated longer than the retention period (or one who asked to be erased) keeps only what the statistics count.

What stays of an anonymised volunteer: the row itself (the statistics count distinct carers), their skills and
areas (what and where they helped; they identify nobody), their offers, assignments and hours (hours of past
assignments are counted and billed), and their SMS rows without text or numbers. What goes: name, mobile
number, notes, languages, weekly times, absences, certificates, the reason a coordinator gave for a release and
the details of the audit entries about them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, delete, literal, select, update
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.jobs.models import CareJob
from core.models import AuditEvent
from messaging.models import Message
from messaging.rules import MessageStatus
from retention import rules
from volunteers.assignments.models import Assignment
from volunteers.registry.models import (
    Volunteer,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerCertificate,
    VolunteerLanguage,
)

# Rows about the person that no figure counts; deleted with the volunteer's personal data.
DELETED = (VolunteerLanguage, VolunteerAvailability, VolunteerAbsence, VolunteerCertificate)


PLACEHOLDER_PREFIX = "anonym-"


def phone_placeholder(volunteer_id: int) -> str:
    """What an anonymised volunteer's number column holds: it is unique and required, and this is no number
    anybody can have (an SMS from a real number never finds the row)."""
    return f"{PLACEHOLDER_PREFIX}{volunteer_id}"


def replies_due(cases: tuple[Any, ...]) -> tuple[Any, ...]:
    """SMS with a text about a job of the cases `cases` selects: offers to volunteers and their replies. (The
    family's own SMS carry the case and go with it.)"""
    jobs = select(CareJob.id).join(Case, Case.id == CareJob.case_id).where(*cases)
    return (Message.job_id.in_(jobs), Message.body != "")


def blank_replies(db: Session, ids: list[int], cases: tuple[Any, ...]) -> int:
    """Empty the texts of these SMS (those still due); how many."""
    result = db.execute(
        update(Message)
        .where(Message.id.in_(ids), *replies_due(cases))
        .values(body="")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def volunteers_due(now: datetime, days: int) -> tuple[Any, ...]:
    """Volunteers deactivated longer than `days` and not anonymised yet."""
    cutoff = rules.case_cutoff(now, days)
    return (Volunteer.anonymised_at.is_(None), Volunteer.is_active.is_(False), Volunteer.deactivated_at < cutoff)


def anonymise_volunteer(db: Session, *, volunteer_id: int, now: datetime) -> bool:
    """Anonymise one volunteer now (an erasure request), under their row lock, unless done already. The erasure
    has read the volunteer into its session: the object there is brought up to date. Returns whether it was done."""
    return anonymise_volunteers(db, [volunteer_id], now=now, synchronize="fetch") == 1


def anonymise_volunteers(
    db: Session, volunteer_ids: list[int], *, now: datetime, condition: tuple[Any, ...] = (),
    synchronize: str | bool = False,
) -> int:  # fmt: skip
    """Anonymise those of these volunteers still due (`condition`), set-wise: locked and checked again in one
    query, then each table written in one statement. Returns how many were anonymised. `synchronize`: how ORM
    objects of theirs in the session are brought up to date (none in the purge's own transaction)."""
    query = select(Volunteer.id).where(Volunteer.id.in_(volunteer_ids), Volunteer.anonymised_at.is_(None), *condition)
    due = list(db.scalars(query.order_by(Volunteer.id).with_for_update()))
    if not due:
        return 0
    options = {"synchronize_session": synchronize}
    for model in DELETED:
        db.execute(delete(model).where(model.volunteer_id.in_(due)).execution_options(**options))
    # An SMS still waiting in the outbox (only an erasure meets one) is not sent any more.
    waiting = (Message.volunteer_id.in_(due), Message.status == MessageStatus.PENDING)
    failed = update(Message).where(*waiting).values(status=MessageStatus.FAILED, next_attempt_at=None)
    db.execute(failed.execution_options(**options))
    blanked = update(Message).where(Message.volunteer_id.in_(due)).values(body="", from_number="", to_number="")
    db.execute(blanked.execution_options(**options))
    released = update(Assignment).where(Assignment.volunteer_id.in_(due)).values(release_reason=None)
    db.execute(released.execution_options(**options))
    about = (AuditEvent.object_type == "volunteer", AuditEvent.object_id.in_(due))
    db.execute(update(AuditEvent).where(*about).values(detail={}).execution_options(**options))
    # Deactivated now if still active (only an erasure meets one): SET reads the row as it was before.
    now_utc = literal(now, Volunteer.__table__.c.deactivated_at.type)  # stored as the column stores it (UTC)
    deactivated_at = case((Volunteer.is_active, now_utc), else_=Volunteer.deactivated_at)
    placeholder = PLACEHOLDER_PREFIX + cast(Volunteer.id, String)  # phone_placeholder, in SQL
    statement = update(Volunteer).where(Volunteer.id.in_(due)).values(
        name="", phone=placeholder, notes=None, sms_opt_in=False, consent_at=None, is_active=False,
        deactivated_at=deactivated_at, anonymised_at=now, updated_at=now,
    )  # fmt: skip
    db.execute(statement.execution_options(**options))
    return len(due)
