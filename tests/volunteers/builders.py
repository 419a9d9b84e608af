"""Builders for offers and assignments (to move into tests/factories.py when the outreach work lands)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.enums import JobStatus
from tests.factories import T0, make_case, make_job, make_volunteer
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.outreach.models import Offer, OfferStatus, Outreach

FAMILY_PHONE = "+4915112345678"


def make_family_case(db: Session, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "caller_name": "Familie Yılmaz",
        "caller_phone": FAMILY_PHONE,
        "address": "Lindenstraße 4, 30159 Hannover",
        "sms_consent": True,
    }
    values.update(overrides)
    return make_case(db, **values)


def make_offer(db: Session, job: Any, volunteer: Any, **overrides: Any) -> Offer:
    values: dict[str, Any] = {"job_id": job.id, "volunteer_id": volunteer.id, "wave": 1, "sent_at": T0}
    values.update(overrides)
    offer = Offer(status=OfferStatus.SENT, **values) if "status" not in values else Offer(**values)
    db.add(offer)
    db.commit()
    return offer


def make_assignment(db: Session, job: Any, volunteer: Any, **overrides: Any) -> Assignment:
    values: dict[str, Any] = {
        "job_id": job.id, "volunteer_id": volunteer.id, "status": AssignmentStatus.ACTIVE, "assigned_at": T0,
    }  # fmt: skip
    values.update(overrides)
    assignment = Assignment(**values)
    db.add(assignment)
    job.status = JobStatus.FILLED
    db.commit()
    return assignment


def offered_job(db: Session, *, code: str = "4821", volunteers: int = 1, **job_overrides: Any) -> tuple[Any, list[Any]]:
    """A job of a consenting family, offered to `volunteers` fresh volunteers (status searching)."""
    case = make_family_case(db)
    job = make_job(db, case, code=code, status=JobStatus.SEARCHING, **job_overrides)
    people = [make_volunteer(db) for _ in range(volunteers)]
    for volunteer in people:
        make_offer(db, job, volunteer)
    make_outreach(db, job)
    return job, people


def make_outreach(db: Session, job: Any) -> Outreach:
    """The search that sent a job's offers (one wave), so a withdrawal has a search to resume."""
    outreach = Outreach(job_id=job.id, wave_size=5, wave_interval_minutes=15, stop_before_start_minutes=30,
                        waves_sent=1, last_wave_at=T0, started_at=T0)  # fmt: skip
    db.add(outreach)
    db.commit()
    return outreach
