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

from sqlalchemy import delete, select, update
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


def phone_placeholder(volunteer_id: int) -> str:
    """What an anonymised volunteer's number column holds: it is unique and required, and this is no number
    anybody can have (an SMS from a real number never finds the row)."""
    return f"anonym-{volunteer_id}"


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


def anonymise_volunteer(db: Session, *, volunteer_id: int, now: datetime, condition: tuple[Any, ...] = ()) -> bool:
    """Anonymise one volunteer under their row lock, if still due (`condition`). Returns whether it was done."""
    query = select(Volunteer).where(Volunteer.id == volunteer_id, Volunteer.anonymised_at.is_(None), *condition)
    volunteer = db.scalars(query.with_for_update().execution_options(populate_existing=True)).one_or_none()
    if volunteer is None:
        return False
    for model in DELETED:
        db.execute(delete(model).where(model.volunteer_id == volunteer_id))
    # An SMS still waiting in the outbox (only an erasure meets one) is not sent any more.
    waiting = (Message.volunteer_id == volunteer_id, Message.status == MessageStatus.PENDING)
    db.execute(update(Message).where(*waiting).values(status=MessageStatus.FAILED, next_attempt_at=None))
    db.execute(
        update(Message).where(Message.volunteer_id == volunteer_id).values(body="", from_number="", to_number="")
    )
    db.execute(update(Assignment).where(Assignment.volunteer_id == volunteer_id).values(release_reason=None))
    about = (AuditEvent.object_type == "volunteer", AuditEvent.object_id == volunteer_id)
    db.execute(update(AuditEvent).where(*about).values(detail={}))
    volunteer.name, volunteer.phone, volunteer.notes = "", phone_placeholder(volunteer_id), None
    volunteer.sms_opt_in, volunteer.consent_at = False, None
    if volunteer.is_active:
        volunteer.is_active, volunteer.deactivated_at = False, now
    volunteer.anonymised_at = volunteer.updated_at = now
    db.flush()
    return True
