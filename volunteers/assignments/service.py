"""Who takes a job: the first valid yeses up to the carers needed, staff assigning by hand and releasing,
a volunteer's withdrawal, and what follows each (SMS through the outbox, reminder, outreach resuming);
and the hours the carer reports afterwards (`report_hours`).

Every change to a job's assignments first locks the job row (SELECT … FOR UPDATE on PostgreSQL; on
SQLite every transaction begins as the one writer) and then counts the job's active assignments with a
fresh query: yeses arriving at the same moment are decided one after the other, and each sees the ones
before it. Services flush, never commit; the request or worker job owns the transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, distinct, exists, func, select
from sqlalchemy.orm import Session, SessionTransaction, aliased, joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from casework.cases import service as cases
from casework.cases.models import CarePerson, Case
from casework.enums import HoursStatus, JobStatus
from casework.jobs.models import CareJob
from casework.jobs.rules import WAITING_FOR_CARER
from core import audit
from core.errors import DomainError
from core.phone import display, is_mobile
from core.worker import schedule_once
from messaging.service import queue_sms
from volunteers.assignments import rules
from volunteers.assignments import texts as staff_texts
from volunteers.assignments.models import Assignment, AssignmentSource, AssignmentStatus, HoursReport
from volunteers.outreach import late as late_yeses
from volunteers.outreach import service as outreach
from volunteers.outreach import texts
from volunteers.outreach.models import Offer, OfferStatus
from volunteers.outreach.rules import offer_expired
from volunteers.outreach.service import active_assignments
from volunteers.registry.models import Volunteer


class AssignmentError(DomainError):
    """An assignment cannot be made or changed; the message is German, for staff."""


@dataclass(frozen=True)
class Outcome:
    """What became of a yes: the assignment it won, or None when the job was already full (or over)."""

    assignment: Assignment | None
    already_held: bool = False  # the same volunteer's yes had already won (a second SMS, a retry)

    @property
    def won(self) -> bool:
        return self.assignment is not None and not self.already_held


def lock_job(db: Session, job_id: int) -> CareJob:
    """The job row, locked until the transaction ends, with its current values (not a cached copy). Its case's
    row is locked first (`cases.lock_case_of_job`): a change of carers may move the case (`cases.follow_jobs`),
    and closing a case locks the case before its jobs."""
    cases.lock_case_of_job(db, job_id=job_id)
    state = _in_transaction(db)
    state.closed_jobs.pop(job_id, None)  # its carers may change now
    state.jobs_locked += 1
    query = select(CareJob).where(CareJob.id == job_id).with_for_update().execution_options(populate_existing=True)
    return db.scalars(query).one()


REMINDER = "assignment.reminder"
FILLED_NOTICES = "assignment.filled_notices"
HOURS_REQUEST = "assignment.hours_request"
HOURS_REMINDER = "assignment.hours_reminder"


def schedule_reminder(db: Session, *, job: CareJob, assignment: Assignment, now: datetime, hour: int) -> None:
    """The carer's reminder at `hour` (FLUXX_REMINDER_HOUR) the evening before the job (`tasks.send_reminder`)."""
    due_at = rules.reminder_due(starts_at=job.starts_at, now=now, hour=hour)
    if due_at is not None:
        payload = {"assignment_id": assignment.id}
        key = f"reminder:{assignment.id}"
        schedule_once(db, kind=REMINDER, key=key, due_at=due_at, now=now, payload=payload, renew=True)


def schedule_hours_request(db: Session, *, job: CareJob, assignment: Assignment, now: datetime) -> None:
    """Ask for the hours when the job's window ends (renewed with the assignment, like the reminder)."""
    due_at = rules.hours_request_due(ends_at=job.ends_at, now=now)
    key = f"hours:{assignment.id}"
    payload = {"assignment_id": assignment.id}
    schedule_once(db, kind=HOURS_REQUEST, key=key, due_at=due_at, now=now, payload=payload, renew=True)


def schedule_filled_notices(db: Session, *, job: CareJob, assignment: Assignment, now: datetime) -> None:
    key = f"filled:{job.id}:{assignment.id}"
    schedule_once(db, kind=FILLED_NOTICES, key=key, due_at=now, now=now, payload={"job_id": job.id}, renew=True)


def resume_search(db: Session, *, job: CareJob, now: datetime) -> None:
    """Outreach goes on where it stopped, if the job waits for a carer and has not started (a job that
    was staffed by hand, without outreach, has none to resume: staff see the withdrawal). Those whose yes
    came late are asked first; new people are texted only a wave interval later."""
    if job.status in WAITING_FOR_CARER and not offer_expired(now=now, starts_at=job.starts_at):
        asked = late_yeses.ask_again(db, job=job, now=now)
        due_at = now + late_yeses.answer_time(db, job_id=job.id) if asked else None
        outreach.resume(db, job_id=job.id, now=now, due_at=due_at)


def active_of(db: Session, *, job_id: int, volunteer_id: int) -> Assignment | None:
    return db.scalar(
        select(Assignment).where(
            Assignment.job_id == job_id,
            Assignment.volunteer_id == volunteer_id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    )


@dataclass(frozen=True)
class Carers:
    """A job's active assignments, read with one fresh query under its lock: how many, and the sender's own."""

    active: int
    held: Assignment | None


def _carers(db: Session, *, job_id: int, volunteer_id: int) -> Carers:
    found = _active(db, job_id=job_id)
    return Carers(len(found), _held(found, volunteer_id))


def _active(db: Session, *, job_id: int) -> tuple[Assignment, ...]:
    return tuple(db.scalars(_ACTIVE_ON_JOB, {"job_id": job_id}))


def _held(active: tuple[Assignment, ...], volunteer_id: int) -> Assignment | None:
    return next((assignment for assignment in active if assignment.volunteer_id == volunteer_id), None)


_ACTIVE_ON_JOB = select(Assignment).where(
    Assignment.job_id == bindparam("job_id"), Assignment.status == AssignmentStatus.ACTIVE
)


def accept(
    db: Session,
    *,
    offer: Offer,
    now: datetime,
    reminder_hour: int,
    message_id: int | None = None,
    seen_taken: bool = False,
) -> Outcome:
    """A volunteer's yes to `offer`: it wins while the job waits, has not started and has room. A yes that
    cannot win is kept on the job as a late yes (`volunteers.outreach.late`), unless the job was cancelled.

    `seen_taken`: the sender's offer was found closed, the job filled a moment ago. Such a yes is decided
    under a shared lock first (`_too_late`), beside the other late ones, and only takes the job's exclusive
    lock if the job turns out to have room after all."""
    if seen_taken:
        late = _too_late(db, offer=offer, now=now, message_id=message_id)
        if late is not None:
            return late
    job = lock_job(db, offer.job_id)
    db.refresh(offer)  # a second yes of the same volunteer may have been decided while we waited
    carers = _carers(db, job_id=job.id, volunteer_id=offer.volunteer_id)
    if carers.held is not None:
        return Outcome(carers.held, already_held=True)
    offer.answered_at = now
    if not _open_for_yes(job=job, now=now, active=carers.active):
        _keep_late(db, job=job, offer=offer, now=now, message_id=message_id)
        return Outcome(None)
    offer.status = OfferStatus.ACCEPTED
    volunteer = db.get_one(Volunteer, offer.volunteer_id)
    actor = audit.Actor(staff_id=None, ip=None, now=now)
    return Outcome(
        _assign(db, job=job, volunteer=volunteer, source=AssignmentSource.SMS, actor=actor, reminder_hour=reminder_hour)
    )


def _open_for_yes(*, job: CareJob, now: datetime, active: int) -> bool:
    """Whether a yes can win now: the job waits for a carer, has not started and has room (`active` carers)."""
    if job.status not in WAITING_FOR_CARER or offer_expired(now=now, starts_at=job.starts_at):
        return False
    return not rules.is_full(active=active, needed=job.carers_needed)


def _keep_late(db: Session, *, job: CareJob, offer: Offer, now: datetime, message_id: int | None) -> None:
    offer.status, offer.answered_at = OfferStatus.TOO_LATE, now
    if job.status != JobStatus.CANCELLED:
        late_yeses.record(db, job_id=job.id, volunteer_id=offer.volunteer_id, now=now, message_id=message_id)


def _too_late(db: Session, *, offer: Offer, now: datetime, message_id: int | None) -> Outcome | None:
    """Decide a yes to a job that was seen taken under a shared lock of its case's and its own row (FOR SHARE,
    in the order of `lock_job`), or return None when, under that lock, the job has room after all.

    A storm of yeses ("JA 4821" from two hundred volunteers within a second) then no longer queues on the job's
    exclusive lock for a decision that changes nothing: the late ones are kept side by side. Whatever changes
    the job's carers takes the exclusive lock and waits for them, so a carer withdrawing right now sees every
    late yes decided here and asks it again (`resume_search`). When the job has room (a withdrawal committed
    between the sender's first look and the lock), the savepoint is rolled back, which releases the shared
    locks (PostgreSQL releases the row locks taken after a savepoint it rolls back to), and the yes is decided
    under the exclusive lock like any other. On SQLite the transaction is the one writer anyway.

    A job found full (or no longer waiting) stays so while this transaction holds its shared lock and has not
    changed its carers itself (`lock_job` forgets it): the next late yes to it in the same transaction (the
    SMS that arrive together, `telephony.sms.service.receive_many`) is decided on what this one read."""
    seen = _closed_jobs(db).get(offer.job_id)
    if seen is None:
        savepoint = db.begin_nested()
        cases.lock_case_of_job(db, job_id=offer.job_id, shared=True)
        job = db.scalars(_JOB_SHARED, {"job_id": offer.job_id}).one()
        # Unlike `accept`, the offer is not read again: a late yes answers it (TOO_LATE) whatever it says now,
        # and a yes of the same volunteer that won meanwhile is found as their active assignment.
        active = _active(db, job_id=job.id)
        if _held(active, offer.volunteer_id) is None and _open_for_yes(job=job, now=now, active=len(active)):
            savepoint.rollback()
            return None
        savepoint.commit()  # the locks stay until the transaction ends; the late yes is written after the savepoint
        if _closed(job=job, active=len(active)) and not db.in_nested_transaction():
            _closed_jobs(db)[job.id] = (job, active)
    else:
        job, active = seen
    held = _held(active, offer.volunteer_id)
    if held is not None:
        return Outcome(held, already_held=True)
    _keep_late(db, job=job, offer=offer, now=now, message_id=message_id)
    return Outcome(None)


@dataclass
class _InTransaction:
    """What a transaction learnt about jobs, kept in its session (`_in_transaction`) until it ends."""

    transaction: SessionTransaction | None
    # The jobs it found closed to yeses under their shared lock (`_too_late`), with their active assignments.
    closed_jobs: dict[int, tuple[CareJob, tuple[Assignment, ...]]] = field(default_factory=dict)
    # How many times it took a job's exclusive lock (`lock_job`): every change of a job's carers takes one.
    jobs_locked: int = 0


def _in_transaction(db: Session) -> _InTransaction:
    transaction = db.get_transaction()
    state = db.info.get(_IN_TRANSACTION)
    if not isinstance(state, _InTransaction) or state.transaction is not transaction:
        state = db.info[_IN_TRANSACTION] = _InTransaction(transaction)
    return state


_IN_TRANSACTION = "fluxx.jobs_in_transaction"


def _closed_jobs(db: Session) -> dict[int, tuple[CareJob, tuple[Assignment, ...]]]:
    """The jobs this transaction found closed to yeses under their shared lock (`_too_late`), with their active
    assignments. Not for a lock taken in a savepoint that may still be rolled back (`_too_late` keeps none then)."""
    return _in_transaction(db).closed_jobs


def jobs_locked(db: Session) -> int:
    """How many times this transaction has taken a job's exclusive lock so far. While the count stays the same,
    no job's carers changed in it: what was read about jobs and offers before is still what it would read now
    (`telephony.sms.service.receive_many` relies on it for the situations it reads together)."""
    return _in_transaction(db).jobs_locked


def _closed(*, job: CareJob, active: int) -> bool:
    """Whether no yes can win the job whatever the time: it no longer waits for a carer, or it is full."""
    return job.status not in WAITING_FOR_CARER or rules.is_full(active=active, needed=job.carers_needed)


_JOB_SHARED = (
    select(CareJob)
    .where(CareJob.id == bindparam("job_id"))
    .with_for_update(read=True)
    .execution_options(populate_existing=True)
)


def assign_by_hand(
    db: Session, *, job: CareJob, volunteer: Volunteer, actor: audit.Actor, reminder_hour: int
) -> Assignment:
    """A coordinator assigns `volunteer`; the same rule as a yes (room left, job waiting). The volunteer
    gets the assignment SMS with address and contact. Raises AssignmentError."""
    job = lock_job(db, job.id)
    if job.status not in WAITING_FOR_CARER:
        raise AssignmentError(staff_texts.job_closed(job.code, job.status.label))
    if not volunteer.is_active:
        raise AssignmentError(staff_texts.volunteer_inactive(volunteer.name))
    carers = _carers(db, job_id=job.id, volunteer_id=volunteer.id)
    if carers.held is not None:
        raise AssignmentError(staff_texts.already_assigned(volunteer.name, job.code))
    if rules.is_full(active=carers.active, needed=job.carers_needed):
        raise AssignmentError(staff_texts.job_full(job.code))
    offer = db.scalar(select(Offer).where(Offer.job_id == job.id, Offer.volunteer_id == volunteer.id))
    if offer is not None and offer.status in (OfferStatus.SENT, OfferStatus.TOO_LATE):
        offer.status, offer.answered_at = OfferStatus.ACCEPTED, actor.now
    assignment = _assign(
        db, job=job, volunteer=volunteer, source=AssignmentSource.STAFF, actor=actor, reminder_hour=reminder_hour
    )
    queue_sms(
        db, to=volunteer.phone, body=assigned_text(db, job), now=actor.now, case_id=job.case_id, job_id=job.id,
        volunteer_id=volunteer.id,
    )  # fmt: skip
    return assignment


def _assign(
    db: Session, *, job: CareJob, volunteer: Volunteer, source: AssignmentSource, actor: audit.Actor, reminder_hour: int
) -> Assignment:
    """Make (or renew a released) assignment under the job lock, then everything that follows it: the
    filled notices, the carer's reminder at `reminder_hour` the evening before, the hours request."""
    now = actor.now
    assignment = db.scalar(
        select(Assignment).where(Assignment.job_id == job.id, Assignment.volunteer_id == volunteer.id)
    )
    if assignment is None:  # one row per job and volunteer: someone released and taken back renews theirs
        assignment = Assignment(job_id=job.id, volunteer_id=volunteer.id, assigned_at=now)
        db.add(assignment)
    assignment.status, assignment.source, assignment.assigned_at = AssignmentStatus.ACTIVE, source, now
    assignment.assigned_by_id = actor.staff_id
    assignment.released_at = assignment.released_by_id = assignment.release_reason = None
    assignment.withdrawn_at = assignment.withdrawal_message_id = None
    volunteer.last_assigned_at = now  # the fairness key of matching: least recently assigned first
    db.flush()
    if rules.is_full(active=active_assignments(db, job_id=job.id), needed=job.carers_needed):
        job.status = JobStatus.FILLED
        schedule_filled_notices(db, job=job, assignment=assignment, now=now)
    job.updated_at = now
    schedule_reminder(db, job=job, assignment=assignment, now=now, hour=reminder_hour)
    schedule_hours_request(db, job=job, assignment=assignment, now=now)
    _tell_family(db, job=job, volunteer=volunteer, now=now)
    audit.record(
        db, actor, action="assignment.create", object_type="assignment", object_id=assignment.id,
        case_id=job.case_id, detail={"job_id": job.id, "volunteer_id": volunteer.id, "source": source.value},
    )  # fmt: skip
    cases.follow_jobs(db, case_id=job.case_id, actor=actor, job_id=job.id, event="assignment")
    return assignment


def _tell_family(db: Session, *, job: CareJob, volunteer: Volunteer, now: datetime) -> None:
    """A short SMS that a carer is coming: only when the family agreed on the phone and called from a
    mobile number (a landline cannot receive it)."""
    case = db.get_one(Case, job.case_id)
    if not case.sms_consent or case.anonymised_at is not None or not is_mobile(case.caller_phone):
        return
    body = texts.family_carer_coming(volunteer.name, job.starts_at)
    queue_sms(db, to=case.caller_phone or "", body=body, now=now, case_id=case.id, job_id=job.id)


def care_persons(db: Session, *, case_id: int) -> list[CarePerson]:
    """Who is cared for in a case, in the order the case records them (the job page, the carer's SMS)."""
    return list(db.scalars(select(CarePerson).where(CarePerson.case_id == case_id).order_by(CarePerson.id)))


def briefing_of(persons: list[CarePerson]) -> str:
    """The carer's sentence about `persons` (`rules.carer_briefing`: names, ages, allergies; no diagnosis)."""
    return rules.carer_briefing(
        [rules.PersonFacts(p.label, p.age_label, p.special_requirements, p.need_description) for p in persons]
    )


def assigned_text(db: Session, job: CareJob) -> str:
    """The SMS to the assigned volunteer: time, address, who they look after, the family's contact, how to
    withdraw."""
    case = db.get_one(Case, job.case_id)
    return texts.assigned(
        job.kind.label,
        job.starts_at,
        job.ends_at,
        address=(case.address or "").strip() or staff_texts.ADDRESS_FROM_STAFF,
        contact_name=(case.caller_name or "").strip() or staff_texts.FAMILY,
        contact_phone=display(case.caller_phone) if case.caller_phone else "",
        code=job.code,
        persons=briefing_of(care_persons(db, case_id=case.id)),
    )


def release(
    db: Session, *, assignment: Assignment, actor: audit.Actor, reason: str, resume_outreach: bool = True
) -> None:
    """Staff release an assignment: the volunteer is told not to go, the job waits for a carer again and
    (unless told otherwise) outreach resumes. Raises AssignmentError."""
    if not reason.strip():
        raise AssignmentError(staff_texts.REASON_MISSING)
    job = _end(db, assignment=assignment, now=actor.now, reason=reason.strip()[:200])
    assignment.released_by_id = actor.staff_id
    volunteer = db.get_one(Volunteer, assignment.volunteer_id)
    queue_sms(
        db, to=volunteer.phone, body=texts.released(job.code, job.starts_at), now=actor.now,
        case_id=job.case_id, job_id=job.id, volunteer_id=volunteer.id,
    )  # fmt: skip
    if resume_outreach:
        resume_search(db, job=job, now=actor.now)
    audit.record(
        db, actor, action="assignment.release", object_type="assignment", object_id=assignment.id,
        case_id=job.case_id, detail={"job_id": job.id, "volunteer_id": volunteer.id},
    )  # fmt: skip
    cases.follow_jobs(db, case_id=job.case_id, actor=actor, job_id=job.id, event="release")


def withdraw(db: Session, *, assignment: Assignment, message_id: int | None, now: datetime) -> None:
    """The volunteer withdrew by SMS (ABSAGE): the job waits again, outreach resumes and staff are
    alerted (see `open_withdrawals`); the family is told by staff, not by us."""
    job = _end(db, assignment=assignment, now=now, reason=staff_texts.WITHDRAWN_BY_VOLUNTEER)
    assignment.withdrawn_at, assignment.withdrawal_message_id = now, message_id
    assignment.family_informed_at = assignment.family_informed_by_id = None
    resume_search(db, job=job, now=now)
    system = audit.Actor(staff_id=None, ip=None, now=now)
    audit.record(
        db, system, action="assignment.withdraw", object_type="assignment",
        object_id=assignment.id, case_id=job.case_id,
        detail={"job_id": job.id, "volunteer_id": assignment.volunteer_id, "message_id": message_id},
    )  # fmt: skip
    cases.follow_jobs(db, case_id=job.case_id, actor=system, job_id=job.id, event="withdrawal")


def _end(db: Session, *, assignment: Assignment, now: datetime, reason: str) -> CareJob:
    job = lock_job(db, assignment.job_id)
    db.refresh(assignment)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise AssignmentError(staff_texts.NOT_ACTIVE)
    assignment.status, assignment.released_at, assignment.release_reason = AssignmentStatus.RELEASED, now, reason
    if job.status == JobStatus.FILLED:
        job.status = JobStatus.SEARCHING
    job.updated_at = now
    db.flush()
    return job


def active_on_job(db: Session, *, job_id: int) -> list[tuple[Assignment, Volunteer]]:
    """The job's active assignments with their volunteers, in the order they were made: the job page's
    list "Eingeteilt"."""
    query = (
        select(Assignment, Volunteer)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .where(Assignment.job_id == job_id, Assignment.status == AssignmentStatus.ACTIVE)
        .order_by(Assignment.assigned_at, Assignment.id)
    )
    return [(assignment, volunteer) for assignment, volunteer in db.execute(query)]


def of_job(db: Session, *, job_id: int, assignment_id: int) -> Assignment | None:
    """The assignment `assignment_id` if it belongs to the job (any status), else None."""
    assignment = db.get(Assignment, assignment_id)
    return assignment if assignment is not None and assignment.job_id == job_id else None


def _listed() -> tuple[ORMOption, ...]:
    """The dashboard's lists name each assignment's volunteer, job and case."""
    return joinedload(Assignment.volunteer), selectinload(Assignment.job).joinedload(CareJob.case)


def open_withdrawals(db: Session, *, now: datetime | None = None) -> list[Assignment]:
    """Assignments a volunteer withdrew from by SMS whose family staff have not yet told (`family_informed`),
    newest first: the dashboard's urgent alert, also once a late yes or someone new took the job (the family
    must hear who comes instead). Not for a cancelled or completed job, nor (with `now`) one that is over.
    (The case page names every withdrawal of its jobs: `withdrawals_of_case`.)"""
    if now is None:
        return list(db.scalars(_open_withdrawals(until_now=False)))
    return list(db.scalars(_open_withdrawals(until_now=True), {"now": now}))


@cache
def _open_withdrawals(*, until_now: bool) -> Select[Assignment]:
    """The statement of `open_withdrawals` (parameter `now` where asked), built once: the dashboard asks it
    every 3 s, and building it cost more than running it."""
    query = (
        select(Assignment)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(
            Assignment.withdrawn_at.is_not(None),
            Assignment.status == AssignmentStatus.RELEASED,
            Assignment.family_informed_at.is_(None),
            CareJob.status.not_in([JobStatus.CANCELLED, JobStatus.COMPLETED]),
        )
        .order_by(Assignment.withdrawn_at.desc(), Assignment.id.desc())
        .options(*_listed(), joinedload(Assignment.withdrawal_message))
    )
    if until_now:
        query = query.where(CareJob.ends_at > bindparam("now", type_=CareJob.ends_at.type))
    return query


def withdrawals_of_case(db: Session, *, case_id: int) -> list[Assignment]:
    """Every withdrawal on the case's jobs, newest first, with the volunteer and their SMS: the case page
    names them under their job, with whether the family was told."""
    query = (
        select(Assignment)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .where(Assignment.withdrawn_at.is_not(None), CareJob.case_id == case_id)
        .order_by(Assignment.withdrawn_at.desc(), Assignment.id.desc())
        .options(joinedload(Assignment.volunteer), joinedload(Assignment.withdrawal_message))
    )
    return list(db.scalars(query))


def family_informed(db: Session, *, assignment: Assignment, actor: audit.Actor) -> CareJob:
    """Staff told the family about the volunteer's withdrawal ("Familie informiert"): it leaves the dashboard's
    urgent list; audited. A second click changes nothing. Raises AssignmentError for no withdrawal."""
    if assignment.withdrawn_at is None:
        raise AssignmentError(staff_texts.NOT_WITHDRAWN)
    job = db.get_one(CareJob, assignment.job_id)
    if assignment.family_informed_at is None:
        assignment.family_informed_at, assignment.family_informed_by_id = actor.now, actor.staff_id
        db.flush()
        audit.record(
            db, actor, action="assignment.family_informed", object_type="assignment", object_id=assignment.id,
            case_id=job.case_id, detail={"job_id": job.id, "volunteer_id": assignment.volunteer_id},
        )  # fmt: skip
    return job


def assigned_since(db: Session, *, since: datetime, limit: int = 30) -> list[Assignment]:
    """Active assignments made since `since` (e.g. today), newest first: the dashboard's good news."""
    return list(db.scalars(_assigned_since(), {"since": since, "limit": limit}))


@cache
def _assigned_since() -> Select[Assignment]:
    """The statement of `assigned_since` (parameters `since`, `limit`), built once: the dashboard asks every 3 s."""
    return (
        select(Assignment)
        .where(Assignment.status == AssignmentStatus.ACTIVE,
               Assignment.assigned_at >= bindparam("since", type_=Assignment.assigned_at.type))
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(bindparam("limit", type_=Integer()))
        .options(*_listed())
    )  # fmt: skip


@dataclass(frozen=True)
class MissingHoursEntry:
    """One carer who was asked and reminded and has not reported hours: a line under "Stunden fehlen"."""

    assignment_id: int
    job_id: int
    code: str
    ends_at: datetime
    case_id: int
    case_number: str
    volunteer_id: int
    first_name: str


@dataclass(frozen=True)
class MissingHours:
    jobs: int  # how many jobs lack hours, also beyond the entries listed
    entries: list[MissingHoursEntry]  # the longest overdue first, at most `limit`


def hours_missing(db: Session, *, now: datetime, limit: int = 30) -> MissingHours:
    """Active assignments of jobs that took place (not cancelled) whose carer was asked for the hours and
    reminded a day later (`rules.hours_missing_for_jobs_ended_before`; an assignment made after the job
    ended is asked later) and has no hours report: the dashboard's "Stunden fehlen". One query, the count
    of jobs as a scalar subquery in it."""
    before = rules.hours_missing_for_jobs_ended_before(now)
    rows = db.execute(_hours_missing_query(), {"before": before, "limit": limit}).all()
    entries = [
        MissingHoursEntry(
            assignment_id=assignment_id,
            job_id=job_id,
            code=code,
            ends_at=ends_at,
            case_id=case_id,
            case_number=number,
            volunteer_id=volunteer_id,
            first_name=(name.split() or [name])[0],
        )
        for assignment_id, job_id, code, ends_at, case_id, number, volunteer_id, name, _ in rows
    ]
    return MissingHours(jobs=rows[0][-1] if rows else 0, entries=entries)


@cache
def _hours_missing_query() -> Select[Any]:
    """The statement of `hours_missing`, built once (parameters `before` and `limit`): building it, with two
    aliases of wide tables, took a fifth of a dashboard poll's CPU."""
    before = bindparam("before", type_=CareJob.ends_at.type)

    def missing(assignment: Any, job: Any) -> tuple[Any, ...]:  # the tables or their aliases
        return (
            assignment.status == AssignmentStatus.ACTIVE,
            job.ends_at <= before,
            assignment.assigned_at <= before,
            job.status != JobStatus.CANCELLED,
            ~exists().where(HoursReport.assignment_id == assignment.id),
        )

    counted_assignment, counted_job = (
        aliased(Assignment, name="counted_assignment"),
        aliased(CareJob, name="counted_job"),
    )
    jobs = (
        select(func.count(distinct(counted_job.id)))
        .select_from(counted_assignment)
        .join(counted_job, counted_job.id == counted_assignment.job_id)
        .where(*missing(counted_assignment, counted_job))
        .scalar_subquery()
    )
    return (
        select(
            Assignment.id, CareJob.id, CareJob.code, CareJob.ends_at, Case.id, Case.number, Volunteer.id,
            Volunteer.name, jobs,
        )
        .select_from(Assignment)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .join(Case, Case.id == CareJob.case_id)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .where(*missing(Assignment, CareJob))
        .order_by(CareJob.ends_at, CareJob.id, Assignment.id)
        .limit(bindparam("limit", type_=Integer()))
    )  # fmt: skip


class HoursResult(enum.StrEnum):
    RECORDED = "recorded"  # a new report, waiting for staff to confirm it
    REPLACED = "replaced"  # the unconfirmed report of the assignment now holds the new figure
    NOT_STARTED = "not_started"  # the job has not begun: nothing stored
    BEYOND_WINDOW = "beyond_window"  # more than the job's window plus an hour: nothing stored
    NOT_POSITIVE = "not_positive"  # zero or negative: nothing stored
    JOB_CANCELLED = "job_cancelled"  # the job was cancelled, nobody went: nothing stored
    ALREADY_CONFIRMED = "already_confirmed"  # staff confirmed the hours: nothing changed


# What `rules.check_hours` refuses, as the outcome of a report.
_REFUSED = {
    rules.HoursCheck.NOT_STARTED: HoursResult.NOT_STARTED,
    rules.HoursCheck.BEYOND_WINDOW: HoursResult.BEYOND_WINDOW,
    rules.HoursCheck.NOT_POSITIVE: HoursResult.NOT_POSITIVE,
    rules.HoursCheck.JOB_CANCELLED: HoursResult.JOB_CANCELLED,
}


@dataclass(frozen=True)
class HoursOutcome:
    result: HoursResult
    job: CareJob
    report: HoursReport | None = None  # the stored report (RECORDED, REPLACED) or the confirmed one
    previous: Decimal | None = None  # REPLACED: the figure it held before

    @property
    def stored(self) -> bool:
        return self.result in (HoursResult.RECORDED, HoursResult.REPLACED)


def report_hours(
    db: Session, *, assignment: Assignment, hours: Decimal, source: str, message_id: int | None, now: datetime
) -> HoursOutcome:
    """Hours the carer reports for `assignment`, for staff to confirm. One unconfirmed report per
    assignment: a second one replaces its figure (a correction, or the same SMS sent again), so five
    reports of 24 hours never add up. Nothing is stored for a cancelled job, before the job starts, for zero
    or less or more than its window plus an hour (`rules.check_hours`), or once staff confirmed the hours
    (they decide about a change).

    Locks the job row first, like every change around a job's assignments: two reports at the same
    moment are decided one after the other, and the second finds the first."""
    job = lock_job(db, assignment.job_id)
    check = rules.check_hours(
        hours, starts_at=job.starts_at, ends_at=job.ends_at, now=now, job_cancelled=job.status == JobStatus.CANCELLED
    )
    if check in _REFUSED:
        return HoursOutcome(_REFUSED[check], job)
    reports = db.scalars(
        select(HoursReport)
        .where(
            HoursReport.assignment_id == assignment.id,
            HoursReport.status.in_([HoursStatus.REPORTED, HoursStatus.CONFIRMED]),
        )
        .order_by(HoursReport.reported_at.desc(), HoursReport.id.desc())
    ).all()
    confirmed = next((report for report in reports if report.status == HoursStatus.CONFIRMED), None)
    if confirmed is not None:
        return HoursOutcome(HoursResult.ALREADY_CONFIRMED, job, report=confirmed)
    actor = audit.Actor(staff_id=None, ip=None, now=now)
    if reports:  # the newest unconfirmed report takes the new figure
        report, previous = reports[0], reports[0].hours
        report.hours, report.source, report.reported_at, report.message_id = hours, source, now, message_id
        report.reported_by_id = None
        db.flush()
        audit.record(
            db, actor, action="hours.replace", object_type="hours_report", object_id=report.id,
            case_id=job.case_id,
            detail={"assignment_id": assignment.id, "source": source, "previous": str(previous), "hours": str(hours)},
        )  # fmt: skip
        return HoursOutcome(HoursResult.REPLACED, job, report=report, previous=previous)
    report = HoursReport(
        assignment_id=assignment.id, hours=hours, source=source, status=HoursStatus.REPORTED, reported_at=now,
        message_id=message_id,
    )  # fmt: skip
    db.add(report)
    db.flush()
    audit.record(
        db, actor, action="hours.report", object_type="hours_report", object_id=report.id, case_id=job.case_id,
        detail={"assignment_id": assignment.id, "source": source},
    )  # fmt: skip
    return HoursOutcome(HoursResult.RECORDED, job, report=report)


def codes_awaiting_hours(db: Session, *, volunteer_id: int, now: datetime) -> frozenset[str]:
    """The codes of the jobs whose hours this volunteer still owes: an active assignment, the job's window
    over, the job not cancelled, no hours confirmed (a report waiting for staff may still be corrected). With
    exactly one, an hours SMS may leave out the code (`volunteers.replies.rules.resolve`)."""
    query = (
        select(CareJob.code)
        .join(Assignment, Assignment.job_id == CareJob.id)
        .where(Assignment.volunteer_id == volunteer_id, Assignment.status == AssignmentStatus.ACTIVE,
               awaiting_hours(now))
    )  # fmt: skip
    return frozenset(db.scalars(query))


def awaiting_hours(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """Whether the hours of an active assignment (`Assignment` joined to its `CareJob`) are still owed at `now`:
    the job's window over, the job not cancelled, no hours confirmed."""
    confirmed = exists().where(HoursReport.assignment_id == Assignment.id, HoursReport.status == HoursStatus.CONFIRMED)
    return and_(CareJob.ends_at <= now, CareJob.status != JobStatus.CANCELLED, ~confirmed)
