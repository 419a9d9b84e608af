"""Care jobs (Einsätze): created from a case with a concrete need, edited, cancelled.

Each open job carries a four-digit code for SMS. The code is picked at random among the codes not in
use; if another job takes the same code at the same moment, the unique constraint on `active_code`
refuses the second insert and we try again inside a savepoint. Cancelling frees the code.
"""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from casework.cases import service as cases
from casework.cases.models import Case
from casework.cases.rules import is_open
from casework.cases.service import CaseworkError
from casework.enums import CaseStatus, JobStatus
from casework.jobs import rules
from casework.jobs.forms import JobDetails
from casework.jobs.models import CareJob
from core import audit
from core.audit import Actor
from core.errors import NotFound

CODE_ATTEMPTS = 10
_system_random = random.SystemRandom()


def active_codes(db: Session) -> set[str]:
    return set(db.scalars(select(CareJob.active_code).where(CareJob.active_code.is_not(None))))


def check_case_takes_jobs(case: Case) -> None:
    if not is_open(case.status):
        raise CaseworkError("Der Fall ist geschlossen. Bitte öffnen Sie ihn wieder, bevor Sie einen Einsatz anlegen.")
    if case.need not in rules.CONCRETE_NEEDS:
        raise CaseworkError(
            "Einsätze gibt es nur für einen konkreten Bedarf (Kinderbetreuung, Betreuung von Angehörigen "
            "oder Fahrdienst). Bitte tragen Sie zuerst den Bedarf im Fall ein."
        )


def _apply(job: CareJob, details: JobDetails) -> None:
    job.kind, job.starts_at, job.ends_at = details.kind, details.starts_at, details.ends_at
    job.municipality_id, job.district = details.municipality_id, details.district
    job.requirements, job.carers_needed, job.notes = (
        list(details.requirements),
        details.carers_needed,
        details.notes,
    )


def create_job(
    db: Session, *, case: Case, details: JobDetails, actor: Actor, rng: random.Random | None = None
) -> CareJob:
    """A new open job with a fresh code; the case moves on to "care needed" where the rules allow."""
    check_case_takes_jobs(case)
    rng = rng or _system_random
    for _ in range(CODE_ATTEMPTS):
        code = rules.pick_code(rng, active_codes(db))
        job = CareJob(
            case_id=case.id,
            code=code,
            active_code=code,
            status=JobStatus.OPEN,
            created_by_id=actor.staff_id,
            created_at=actor.now,
            updated_at=actor.now,
        )
        _apply(job, details)
        try:
            with db.begin_nested():
                db.add(job)
                db.flush()
        except IntegrityError:
            continue  # someone took this code a moment ago
        break
    else:
        raise rules.NoFreeCode("Es konnte kein freier Einsatzcode gefunden werden. Bitte noch einmal versuchen.")
    audit.record(db, actor, action="job.create", object_type="care_job", object_id=job.id, case_id=case.id)
    if case.status == CaseStatus.NEW:
        cases.advance_if_allowed(db, case=case, target=CaseStatus.IN_COUNSELLING, actor=actor)
    if case.status in (CaseStatus.IN_COUNSELLING, CaseStatus.CARE_ARRANGED):
        cases.advance_if_allowed(db, case=case, target=CaseStatus.CARE_NEEDED, actor=actor)
    return job


def update_job(db: Session, *, job: CareJob, details: JobDetails, actor: Actor) -> None:
    if job.status not in rules.EDITABLE:
        raise CaseworkError(f"Ein Einsatz mit dem Status „{job.status.label}“ kann nicht mehr geändert werden.")
    _apply(job, details)
    job.updated_at = actor.now
    db.flush()
    audit.record(db, actor, action="job.update", object_type="care_job", object_id=job.id, case_id=job.case_id)


def cancel_job(db: Session, *, job: CareJob, actor: Actor) -> None:
    """Cancel a job; its code becomes free for new jobs at once. Under the case's and the job's row locks, in
    the order every change of a job's carers takes them (a yes arriving at the same moment waits)."""
    cases.lock_case_of_job(db, job_id=job.id)
    # The job row locked on its own (the job may have been loaded with its case and municipality joined, and an
    # outer join cannot be locked on PostgreSQL), then its status read again as the lock found it.
    db.execute(select(CareJob.id).where(CareJob.id == job.id).with_for_update())
    db.refresh(job, attribute_names=["status", "active_code"])
    if job.status in (JobStatus.CANCELLED, JobStatus.COMPLETED):
        raise CaseworkError(f"Der Einsatz ist schon „{job.status.label}“.")
    job.status, job.active_code = JobStatus.CANCELLED, None
    job.cancelled_at = job.updated_at = actor.now
    db.flush()
    audit.record(db, actor, action="job.cancel", object_type="care_job", object_id=job.id, case_id=job.case_id)
    # The last job still waiting may have been this one: the others' carers now arrange the case's care.
    cases.follow_jobs(db, case_id=job.case_id, actor=actor, job_id=job.id, event="cancel")


def get_job(db: Session, *, job_id: int) -> CareJob | None:
    return db.get(CareJob, job_id)


def require_job(db: Session, *, job_id: int) -> CareJob:
    """The job a URL names, with its case and municipality (the job pages name both); NotFound (a German 404)
    if there is none."""
    query = select(CareJob).where(CareJob.id == job_id)
    job = db.scalar(query.options(joinedload(CareJob.case), joinedload(CareJob.municipality)))
    if job is None:
        raise NotFound("Diesen Einsatz gibt es nicht.")
    return job
