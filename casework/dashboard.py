"""What the dashboard shows: work waiting for staff and who is on duty."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.enums import CaseStatus, JobStatus
from casework.models import CareJob, Case
from fluxx.models import Staff

OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_COUNSELLING, CaseStatus.CARE_NEEDED, CaseStatus.CARE_ARRANGED)


@dataclass(frozen=True)
class DashboardSummary:
    callbacks: int
    open_cases: int
    my_open_cases: int
    unassigned_cases: int
    jobs_waiting: int
    on_duty: list[Staff]


def summary(db: Session, *, staff: Staff) -> DashboardSummary:
    """Counts of waiting work and the list of staff on duty."""
    open_case = Case.status.in_(OPEN_STATUSES)

    def count(*where: object) -> int:
        return db.scalar(select(func.count()).select_from(Case).where(*where)) or 0  # type: ignore[arg-type]

    jobs_waiting = db.scalar(
        select(func.count())
        .select_from(CareJob)
        .where(CareJob.status.in_((JobStatus.OPEN, JobStatus.SEARCHING, JobStatus.UNFILLED)))
    )
    on_duty = db.scalars(
        select(Staff).where(Staff.on_duty.is_(True), Staff.is_active.is_(True)).order_by(Staff.name)
    ).all()
    return DashboardSummary(
        callbacks=count(Case.callback_needed.is_(True)),
        open_cases=count(open_case),
        my_open_cases=count(open_case, Case.counsellor_id == staff.id),
        unassigned_cases=count(open_case, Case.counsellor_id.is_(None)),
        jobs_waiting=jobs_waiting or 0,
        on_duty=list(on_duty),
    )
