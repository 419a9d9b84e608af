"""Late yeses ("Spätere Zusagen"): a yes that could not win is kept on its job, never lost.

A yes after the job was filled, or with a code that matches no open offer of the sender (a typo, kept on the
job of their most recent offer), is recorded here (`record`). When the carer withdraws, these people are
asked first (`ask_again`): their offers open again and they get an SMS asking whether they can still come,
and the next wave to new people waits one wave interval for their answers. Staff may also assign one of them
at once ("Einteilen" on the job page), under the same job lock as every yes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.enums import JobStatus
from casework.jobs.models import CareJob
from core.db import insert_or_skip
from messaging.service import queue_sms
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.outreach import texts
from volunteers.outreach.models import LateYes, Offer, OfferStatus, Outreach
from volunteers.registry.models import Volunteer


def record(
    db: Session, *, job_id: int, volunteer_id: int, now: datetime, message_id: int | None, code_given: str | None = None
) -> None:
    """Keep a late yes on the job; the same yes again (a second SMS) keeps the first one's time.

    One statement (INSERT … ON CONFLICT DO NOTHING on the job and volunteer): late yeses are decided side by
    side under a shared job lock (`assignments._too_late`) and a yes with a wrong code without the job lock,
    so the same SMS twice at the same moment may both arrive here; the second keeps the first row."""
    row = {"job_id": job_id, "volunteer_id": volunteer_id, "said_at": now, "message_id": message_id,
           "code_given": code_given}  # fmt: skip
    db.connection().execute(insert_or_skip(db, LateYes, on=("job_id", "volunteer_id")), row)


def of_job(db: Session, *, job_id: int) -> list[LateYes]:
    return list(db.scalars(select(LateYes).where(LateYes.job_id == job_id).order_by(LateYes.said_at, LateYes.id)))


def get(db: Session, *, job_id: int, late_yes_id: int) -> LateYes | None:
    """The late yes `late_yes_id` if it belongs to the job."""
    late = db.get(LateYes, late_yes_id)
    return late if late is not None and late.job_id == job_id else None


def most_recent_offer(db: Session, *, volunteer_id: int, now: datetime) -> Offer | None:
    """The sender's newest offer of a job that is neither cancelled nor completed and has not started: where a
    yes with a wrong code most likely belongs."""
    query = (
        select(Offer)
        .join(CareJob, CareJob.id == Offer.job_id)
        .where(
            Offer.volunteer_id == volunteer_id,
            CareJob.status.not_in([JobStatus.CANCELLED, JobStatus.COMPLETED]),
            CareJob.starts_at > now,
        )
        .order_by(Offer.sent_at.desc(), Offer.id.desc())
        .limit(1)
    )
    return db.scalar(query)


def ask_again(db: Session, *, job: CareJob, now: datetime) -> int:
    """After a withdrawal, under the job lock: everyone whose yes came late and who is still reachable is
    asked whether they can still come; their offers wait for an answer again (a JA then competes like any
    first yes). Returns how many were asked."""
    if now >= job.starts_at:
        return 0
    holding = select(Assignment.volunteer_id).where(
        Assignment.job_id == job.id, Assignment.status == AssignmentStatus.ACTIVE
    )
    rows = db.execute(
        select(LateYes, Volunteer)
        .join(Volunteer, Volunteer.id == LateYes.volunteer_id)
        .where(
            LateYes.job_id == job.id,
            Volunteer.is_active.is_(True),
            Volunteer.sms_opt_in.is_(True),
            LateYes.volunteer_id.not_in(holding),
        )
        .order_by(LateYes.said_at, LateYes.id)
    ).all()
    asked = 0
    for late, volunteer in rows:
        offer = db.scalar(select(Offer).where(Offer.job_id == job.id, Offer.volunteer_id == volunteer.id))
        said_no = offer is not None and offer.status in (OfferStatus.DECLINED, OfferStatus.OPTED_OUT)
        if said_no and offer is not None and offer.answered_at is not None and offer.answered_at > late.said_at:
            continue  # they said no (or STOPP) after their late yes
        if offer is None:
            offer = Offer(job_id=job.id, volunteer_id=volunteer.id, wave=0, sent_at=now)
            db.add(offer)
        offer.status, offer.answered_at = OfferStatus.SENT, None
        late.asked_again_at = now
        message = queue_sms(
            db, to=volunteer.phone, body=texts.still_free(job.code, job.starts_at), now=now, case_id=job.case_id,
            job_id=job.id, volunteer_id=volunteer.id,
        )  # fmt: skip
        offer.message_id = message.id
        asked += 1
    db.flush()
    return asked


def answer_time(db: Session, *, job_id: int) -> timedelta:
    """How long the people asked again have before new people are texted: the search's wave interval."""
    minutes = db.scalar(select(Outreach.wave_interval_minutes).where(Outreach.job_id == job_id))
    return timedelta(minutes=minutes or 15)
