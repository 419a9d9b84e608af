"""Builders for billing tests: a case's job, worked by a volunteer, with hours reported or confirmed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from casework.enums import HoursStatus, JobKind, JobStatus
from tests.factories import T0, make_job, make_volunteer
from tests.volunteers.builders import make_assignment, make_family_case
from volunteers.assignments.models import AssignmentStatus, HoursReport

# T0 is Thursday 26.11.2026, 09:30 in Hannover: jobs a day later are on Friday 27.11.2026.
NOVEMBER = T0 + timedelta(days=1)


def family(db: Session, **overrides: Any) -> Any:
    return make_family_case(db, **overrides)


def worked(
    db: Session,
    case: Any,
    *,
    hours: str = "3.5",
    at: Any = NOVEMBER,
    status: HoursStatus = HoursStatus.CONFIRMED,
    kind: JobKind = JobKind.CHILD_CARE,
    volunteer: Any = None,
) -> HoursReport:
    """A finished job of `case` at `at` (four hours), its carer, and their hours (confirmed by default)."""
    job = make_job(db, case, kind=kind, starts_at=at, ends_at=at + timedelta(hours=4), status=JobStatus.FILLED)
    volunteer = volunteer or make_volunteer(db, name="Petra Schulz")
    assignment = make_assignment(db, job, volunteer, status=AssignmentStatus.ACTIVE)
    job.status = JobStatus.FILLED
    report = HoursReport(
        assignment_id=assignment.id, hours=Decimal(hours), source="sms", status=status,
        reported_at=at + timedelta(hours=5),
        confirmed_at=at + timedelta(hours=6) if status == HoursStatus.CONFIRMED else None,
    )  # fmt: skip
    db.add(report)
    db.commit()
    return report
