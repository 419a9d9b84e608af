"""What the job page shows of the search: the rows of the job read once and handed to the pure rule
(`volunteers.outreach.state.derive`), with the volunteers the lines name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.jobs.models import CareJob
from messaging.models import Message
from volunteers.assignments.models import Assignment, AssignmentSource
from volunteers.outreach import late as late_yeses
from volunteers.outreach import service as outreach
from volunteers.outreach.state import (
    AssignmentFacts,
    JobFacts,
    JobView,
    LateYesFacts,
    OfferFacts,
    SearchFacts,
    derive,
)
from volunteers.registry.models import Volunteer

REASON_SHOWN = 300  # characters of a withdrawal SMS shown as its reason


@dataclass(frozen=True)
class JobPage:
    view: JobView
    volunteers: dict[int, Volunteer]  # everyone the lines name
    assignments: dict[int, Assignment]  # volunteer id -> their assignment of this job (for "Freigeben")
    wave_size: int | None  # the search's policy, shown beside its state
    wave_interval_minutes: int | None


def load(db: Session, *, job: CareJob, now: datetime, candidates_left: int) -> JobPage:
    """The job's state and every person's line, now (`candidates_left`: ranked volunteers not yet asked)."""
    found = outreach.overview(db, job=job, candidates_left=candidates_left)
    row = found.outreach
    search = SearchFacts(row.status.value, row.waves_sent, found.waves_expected, found.next_wave_at) if row else None
    offers = [
        OfferFacts(o.volunteer_id, o.wave, o.status.value, o.sent_at, o.answered_at) for o, _volunteer in found.offers
    ]
    rows = db.execute(
        select(Assignment, Message.body)
        .outerjoin(Message, Message.id == Assignment.withdrawal_message_id)
        .where(Assignment.job_id == job.id)
        .order_by(Assignment.assigned_at, Assignment.id)
    ).all()
    assignments = [
        AssignmentFacts(
            a.volunteer_id, a.status.value, a.assigned_at, by_hand=a.source == AssignmentSource.STAFF,
            released_at=a.released_at, withdrawn_at=a.withdrawn_at,
            withdrawal_reason=(body or "")[:REASON_SHOWN] or None,
        )
        for a, body in rows
    ]  # fmt: skip
    late = [
        LateYesFacts(y.id, y.volunteer_id, y.said_at, y.code_given if y.code_given != job.code else None,
                     y.asked_again_at)
        for y in late_yeses.of_job(db, job_id=job.id)
    ]  # fmt: skip
    view = derive(
        job=JobFacts(job.status.value, job.carers_needed, job.starts_at),
        search=search, offers=offers, assignments=assignments, late_yeses=late, now=now,
    )  # fmt: skip
    ids = {person.volunteer_id for person in view.people}
    volunteers = {v.id: v for v in db.scalars(select(Volunteer).where(Volunteer.id.in_(ids)))} if ids else {}
    return JobPage(
        view=view,
        volunteers=volunteers,
        assignments={a.volunteer_id: a for a, _body in rows},
        wave_size=row.wave_size if row else None,
        wave_interval_minutes=row.wave_interval_minutes if row else None,
    )
