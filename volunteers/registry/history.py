"""What a volunteer did: the offers they got, the jobs they took and the hours they reported. Read-only.

The volunteer page lists these; outreach and billing write them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.jobs.models import CareJob
from volunteers.assignments.models import Assignment, HoursReport
from volunteers.outreach.models import Offer

LIMIT = 50
"""Newest entries per list; the page is an overview, not an archive."""


@dataclass(frozen=True)
class History:
    offers: list[tuple[Offer, CareJob]]
    assignments: list[tuple[Assignment, CareJob]]
    hours: list[tuple[HoursReport, CareJob]]

    @property
    def confirmed_hours(self) -> Decimal:
        return sum((report.hours for report, _ in self.hours if report.status == "confirmed"), Decimal(0))


def of(db: Session, *, volunteer_id: int, limit: int = LIMIT) -> History:
    """The newest offers, assignments and hours reports of one volunteer, each with its job."""
    offers = db.execute(
        select(Offer, CareJob)
        .join(CareJob, CareJob.id == Offer.job_id)
        .where(Offer.volunteer_id == volunteer_id)
        .order_by(Offer.sent_at.desc(), Offer.id.desc())
        .limit(limit)
    )
    assignments = db.execute(
        select(Assignment, CareJob)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(Assignment.volunteer_id == volunteer_id)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(limit)
    )
    hours = db.execute(
        select(HoursReport, CareJob)
        .join(Assignment, Assignment.id == HoursReport.assignment_id)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(Assignment.volunteer_id == volunteer_id)
        .order_by(HoursReport.reported_at.desc(), HoursReport.id.desc())
        .limit(limit)
    )
    return History(
        offers=[(o, j) for o, j in offers],
        assignments=[(a, j) for a, j in assignments],
        hours=[(h, j) for h, j in hours],
    )
