"""Background work that follows an assignment, as worker tasks (`core.worker`), and their handlers.

- `assignment.reminder` (dedupe `reminder:{assignment_id}`): the evening before the job, or at once when
  it starts sooner; sends the reminder only if the assignment is still active and the job not started.
- `assignment.filled_notices` (dedupe `filled:{job_id}:{assignment_id}`): once a job is full, everyone
  still waiting for an answer to its offer is told it is filled and the offer expires. A task, not part
  of the winning transaction: a yes that is being decided at that very moment answers its own offer
  first (TOO_LATE, "schon vergeben") and so is not told twice.

- `assignment.hours_request` (dedupe `hours:{assignment_id}`): when the job's window ends, asks the carer
  for the hours (`STUNDEN 4821 3,5`) if the assignment is still active, the job not cancelled and no hours
  are reported yet (`rules.ask_for_hours`); then schedules
- `assignment.hours_reminder` (dedupe `hours-reminder:{assignment_id}`): a day later, one reminder under the
  same condition. Without an answer after that, the dashboard lists the job under "Stunden fehlen"
  (`volunteers.assignments.service.hours_missing`).

When a job waits for a carer again (a withdrawal, a release), `volunteers.outreach.service.resume`
restarts its search: the next wave is due at once.

The service schedules them (`volunteers.assignments.service`); `handlers()` gives the app the functions that
run them (`fluxx.wiring.task_handlers`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.enums import JobStatus
from casework.jobs.models import CareJob
from casework.reference.models import Municipality
from core.models import ScheduledTask
from core.worker import Handler, schedule_once
from messaging.service import queue_sms
from volunteers.assignments import rules
from volunteers.assignments.models import Assignment, AssignmentStatus, HoursReport
from volunteers.assignments.service import FILLED_NOTICES, HOURS_REMINDER, HOURS_REQUEST, REMINDER
from volunteers.outreach import service as outreach
from volunteers.outreach import texts
from volunteers.registry.models import Volunteer


def send_reminder(db: Session, task: ScheduledTask, now: datetime) -> None:
    assignment = db.get(Assignment, task.payload["assignment_id"])
    if assignment is None or assignment.status != AssignmentStatus.ACTIVE:
        return  # released or withdrawn meanwhile: nothing to remind of
    job = db.get_one(CareJob, assignment.job_id)
    if now >= job.starts_at or job.status == JobStatus.CANCELLED:
        return
    volunteer = db.get_one(Volunteer, assignment.volunteer_id)
    address = (db.get_one(Case, job.case_id).address or "").strip().splitlines()
    municipality = db.get(Municipality, job.municipality_id) if job.municipality_id is not None else None
    place = address[0] if address else (municipality.name if municipality else "")
    body = texts.reminder(job.kind.label, job.starts_at, job.ends_at, place, job.code, now)
    queue_sms(db, to=volunteer.phone, body=body, now=now, case_id=job.case_id, job_id=job.id, volunteer_id=volunteer.id)


def send_filled_notices(db: Session, task: ScheduledTask, now: datetime) -> None:
    job = db.get(CareJob, task.payload["job_id"])
    if job is None or job.status != JobStatus.FILLED:
        return  # a carer was released meanwhile: the open offers are still wanted
    outreach.tell_filled(db, job=job, now=now)


def _ask_for_hours(db: Session, task: ScheduledTask, now: datetime, *, reminder: bool) -> bool:
    """Send the hours request (or its reminder) if `rules.ask_for_hours` says so; True when sent."""
    assignment = db.get(Assignment, task.payload["assignment_id"])
    if assignment is None:
        return False
    # The job row lock, as every change of its assignments and hours takes it (`service.lock_job`): a
    # release or an hours report at this moment is decided before or after us, never in between.
    locked = select(CareJob).where(CareJob.id == assignment.job_id).with_for_update()
    job = db.scalars(locked.execution_options(populate_existing=True)).one()
    db.refresh(assignment)
    reported = db.scalar(select(exists().where(HoursReport.assignment_id == assignment.id))) or False
    decision = rules.ask_for_hours(
        active=assignment.status == AssignmentStatus.ACTIVE,
        job_cancelled=job.status == JobStatus.CANCELLED,
        reported=reported,
    )
    if decision is not rules.HoursAsk.SEND:
        return False
    volunteer = db.get_one(Volunteer, assignment.volunteer_id)
    body = texts.hours_reminder(job.code, job.starts_at) if reminder else texts.hours_request(job.code)
    queue_sms(db, to=volunteer.phone, body=body, now=now, case_id=job.case_id, job_id=job.id, volunteer_id=volunteer.id)
    return True


def send_hours_request(db: Session, task: ScheduledTask, now: datetime) -> None:
    if _ask_for_hours(db, task, now, reminder=False):
        assignment_id = task.payload["assignment_id"]
        due_at = rules.hours_reminder_due(requested_at=now)
        schedule_once(
            db, kind=HOURS_REMINDER, key=f"hours-reminder:{assignment_id}", due_at=due_at, now=now,
            payload={"assignment_id": assignment_id}, renew=True,
        )  # fmt: skip


def send_hours_reminder(db: Session, task: ScheduledTask, now: datetime) -> None:
    _ask_for_hours(db, task, now, reminder=True)


def handlers() -> dict[str, Handler]:
    """This module's worker tasks, for the app to assemble (`fluxx.wiring.task_handlers`)."""
    return {
        REMINDER: send_reminder,
        FILLED_NOTICES: send_filled_notices,
        HOURS_REQUEST: send_hours_request,
        HOURS_REMINDER: send_hours_reminder,
    }
