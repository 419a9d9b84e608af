"""Outreach waves: staff start, cancel and widen the SMS search for a job; the worker sends each wave.

The worker runs `run_wave` for tasks of kind "outreach.wave". It locks the job's outreach row first
(FOR UPDATE on PostgreSQL; SQLite has one writer at a time), asks `rules.next_step`, and writes the
offers, their SMS (the outbox) and the task for the next wave in the same transaction as
`waves_sent`: a wave has gone out completely or not at all, and a second worker, a retried task or a
restart that runs the same task finds it sent and only waits. Dedupe keys keep each task single:
`outreach:{job_id}:{wave}` for the wave after a sent one, `outreach:{job_id}:{start|widen|resume}:{n}`
for the first run after staff or the reply code asked, `outreach:{job_id}:{wave}:at:{time}` for a
wake-up the chain does not cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from casework.cases import service as cases
from casework.enums import JobStatus
from casework.jobs.models import CareJob
from casework.jobs.rules import WAITING_FOR_CARER
from casework.reference.models import Municipality
from core import audit
from core.audit import Actor
from core.errors import DomainError
from core.models import ScheduledTask, Staff, StaffRole, TaskStatus
from core.phone import try_e164
from core.worker import Handler, schedule_once
from messaging.service import queue_sms
from volunteers.assignments.models import Assignment, AssignmentStatus
from volunteers.matching import rules as matching_rules
from volunteers.matching import service as matching
from volunteers.matching.rules import Candidate, JobNotMatchable
from volunteers.outreach import rules, texts
from volunteers.outreach.models import Offer, OfferStatus, Outreach, OutreachStatus
from volunteers.outreach.rules import OutreachPolicy, Step, StepKind
from volunteers.registry import service as registry
from volunteers.registry.models import Volunteer

TASK_KIND = "outreach.wave"
# A search that ended with these waits for staff: the dashboard shows the job under "keine Zusage".
NEEDS_STAFF = (OutreachStatus.EXHAUSTED, OutreachStatus.LIMIT_REACHED, OutreachStatus.TOO_LATE)
MAX_WAVE_SIZE = 50


class OutreachError(DomainError, ValueError):
    """Staff asked for something outreach cannot do; the message is German, for staff."""


def get(db: Session, *, job_id: int, lock: bool = False) -> Outreach | None:
    """The job's outreach; with `lock`, the row is locked until the transaction ends."""
    query = select(Outreach).where(Outreach.job_id == job_id)
    if lock:
        # populate_existing: the values another transaction committed while we waited for the lock.
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.scalars(query).one_or_none()


def policy_of(outreach: Outreach) -> OutreachPolicy:
    """The rules' policy from the stored row."""
    return OutreachPolicy(
        wave_size=outreach.wave_size,
        wave_interval=timedelta(minutes=outreach.wave_interval_minutes),
        stop_before_start=timedelta(minutes=outreach.stop_before_start_minutes),
        max_waves=outreach.max_waves,
    )


def start(
    db: Session, *, job: CareJob, policy: OutreachPolicy, staff: Staff, now: datetime, ip: str | None = None
) -> Outreach:
    """Start the SMS search for a job; the first wave goes out as soon as the worker runs."""
    _require(staff, StaffRole.COUNSELLOR)
    _check_searchable(job, policy, now)
    if policy.wave_size > MAX_WAVE_SIZE:
        raise OutreachError(f"Eine Welle hat höchstens {MAX_WAVE_SIZE} SMS.")
    outreach = get(db, job_id=job.id, lock=True)
    if outreach is not None and outreach.status != OutreachStatus.CANCELLED:
        raise OutreachError("Für diesen Einsatz wurde schon gesucht. Die Koordination kann die Suche erweitern.")
    if outreach is None:
        outreach = Outreach(job_id=job.id, waves_sent=0)
        db.add(outreach)
    outreach.wave_size, outreach.max_waves = policy.wave_size, policy.max_waves
    outreach.wave_interval_minutes = int(policy.wave_interval / timedelta(minutes=1))
    outreach.stop_before_start_minutes = int(policy.stop_before_start / timedelta(minutes=1))
    outreach.started_at, outreach.started_by_id = now, staff.id
    _activate(outreach, job, now)
    _kick(db, job_id=job.id, label="start", now=now)
    _audit(db, staff, now, ip, "outreach.start", job, {"wave_size": policy.wave_size})
    return outreach


def cancel(db: Session, *, job: CareJob, staff: Staff, now: datetime, ip: str | None = None) -> Outreach:
    """Stop the search (coordinators): no more waves; unanswered offers expire; the job is open again."""
    _require(staff, StaffRole.COORDINATOR)
    outreach = get(db, job_id=job.id, lock=True)
    if outreach is None or outreach.status not in (OutreachStatus.ACTIVE, *NEEDS_STAFF):
        raise OutreachError("Für diesen Einsatz läuft keine Suche.")
    _finish(outreach, OutreachStatus.CANCELLED, now, reason=f"cancelled by staff {staff.id}")
    _expire_waiting(db, job_id=job.id)
    if job.status in (JobStatus.SEARCHING, JobStatus.UNFILLED):
        job.status, job.updated_at = JobStatus.OPEN, now
    db.flush()
    _audit(db, staff, now, ip, "outreach.cancel", job, {})
    return outreach


def widen(
    db: Session,
    *,
    job: CareJob,
    staff: Staff,
    now: datetime,
    wave_size: int | None = None,
    ip: str | None = None,
) -> Outreach:
    """Search on after "keine Zusage" (coordinators), optionally with bigger waves and no wave limit."""
    _require(staff, StaffRole.COORDINATOR)
    outreach = get(db, job_id=job.id, lock=True)
    if outreach is None or outreach.status not in (OutreachStatus.ACTIVE, *NEEDS_STAFF):
        raise OutreachError("Erweitern geht nur bei einer laufenden oder erfolglosen Suche.")
    if wave_size is not None:
        if not 1 <= wave_size <= MAX_WAVE_SIZE:
            raise OutreachError(f"Eine Welle hat 1 bis {MAX_WAVE_SIZE} SMS.")
        outreach.wave_size = wave_size
    outreach.max_waves = None
    _check_searchable(job, policy_of(outreach), now)
    _activate(outreach, job, now)
    _kick(db, job_id=job.id, label="widen", now=now)
    _audit(db, staff, now, ip, "outreach.widen", job, {"wave_size": outreach.wave_size})
    return outreach


def resume(db: Session, *, job_id: int, now: datetime, due_at: datetime | None = None) -> bool:
    """After a withdrawal or a release: search on where the waves stopped, at once or at `due_at` (when those
    whose yes came late were asked first: `volunteers.outreach.late.ask_again`). False: no search."""
    outreach = get(db, job_id=job_id, lock=True)
    job = db.get_one(CareJob, job_id)
    if outreach is None or outreach.status == OutreachStatus.CANCELLED or job.status == JobStatus.CANCELLED:
        return False
    _activate(outreach, job, now)
    _kick(db, job_id=job_id, label="resume", now=now, due_at=due_at)
    return True


def run_wave(db: Session, *, job_id: int, now: datetime) -> Step | None:
    """Do what `rules.next_step` says for the job now; None when no search is active."""
    outreach = get(db, job_id=job_id, lock=True)
    if outreach is None or outreach.status != OutreachStatus.ACTIVE:
        return None  # cancelled or stopped since the task was scheduled
    job = db.get_one(CareJob, job_id)
    policy = policy_of(outreach)
    accepted = active_assignments(db, job_id=job_id)
    candidates = _candidates(db, job, limit=policy.wave_size * max(job.carers_needed - accepted, 1))
    step = rules.next_step(
        now=now,
        starts_at=job.starts_at,
        carers_needed=job.carers_needed,
        accepted=accepted,
        waves_sent=outreach.waves_sent,
        last_wave_at=outreach.last_wave_at,
        candidates_left=len(candidates),
        cancelled=job.status == JobStatus.CANCELLED,
        policy=policy,
    )
    if step.kind == StepKind.SEND_WAVE:
        _send_wave(db, outreach, job, candidates[: step.count], wave=step.wave, now=now)
    elif step.kind == StepKind.WAIT_UNTIL and step.at is not None:
        _wake(db, outreach, at=step.at, now=now)
    else:
        _stop(db, outreach, job, step, now)
    return step


def _wave_task(db: Session, task: ScheduledTask, now: datetime) -> None:
    run_wave(db, job_id=int(task.payload["job_id"]), now=now)


def handlers() -> dict[str, Handler]:
    """The waves' worker task, for the app to assemble (`fluxx.wiring.task_handlers`)."""
    return {TASK_KIND: _wave_task}


@dataclass(frozen=True)
class Overview:
    """What the job page shows of the search: the row, every offer with its volunteer, the next wave."""

    outreach: Outreach | None
    offers: list[tuple[Offer, Volunteer]]
    next_wave_at: datetime | None
    waves_expected: int | None  # the waves sent plus those the candidates left would fill


def overview(db: Session, *, job: CareJob, candidates_left: int) -> Overview:
    """The search for the job as staff see it (`candidates_left`: ranked volunteers not yet asked)."""
    found = get(db, job_id=job.id)
    offers = db.execute(
        select(Offer, Volunteer).join(Volunteer, Volunteer.id == Offer.volunteer_id).where(Offer.job_id == job.id)
        .order_by(Offer.wave, Offer.id)
    ).all()  # fmt: skip
    if found is None or found.status != OutreachStatus.ACTIVE:
        return Overview(found, [(o, v) for o, v in offers], None, None)
    next_wave_at = db.scalar(
        select(func.min(ScheduledTask.due_at)).where(*_wave_tasks(job.id, TaskStatus.PENDING, TaskStatus.RUNNING))
    )
    per_wave = found.wave_size * max(job.carers_needed - active_assignments(db, job_id=job.id), 1)
    expected = found.waves_sent + -(-candidates_left // per_wave)
    return Overview(found, [(o, v) for o, v in offers], next_wave_at, expected)


def lookup(db: Session, *, text: str, limit: int = 5) -> list[Volunteer]:
    """Volunteers whose name contains `text`, or whose mobile number it is; with their rows, which the job page
    checks against the job (`matching.explain`)."""
    text = text.strip()
    if not text:
        return []
    phone = try_e164(text)
    match = Volunteer.phone == phone if phone else Volunteer.name.ilike(f"%{text}%")
    return list(db.scalars(registry.with_rows(select(Volunteer).where(match).order_by(Volunteer.name).limit(limit))))


def _wave_tasks(job_id: int, *statuses: TaskStatus) -> tuple[ColumnElement[bool], ...]:
    return (
        ScheduledTask.kind == TASK_KIND,
        ScheduledTask.status.in_(statuses),
        ScheduledTask.dedupe_key.like(f"outreach:{job_id}:%"),
    )


def active_assignments(db: Session, *, job_id: int) -> int:
    """How many carers have the job now (released ones do not count): what a wave asks before it sends and
    what an assignment counts under the job lock (`volunteers.assignments.service`), with a fresh query."""
    query = select(func.count()).where(Assignment.job_id == job_id, Assignment.status == AssignmentStatus.ACTIVE)
    return db.scalar(query) or 0


def _candidates(db: Session, job: CareJob, *, limit: int) -> list[Candidate]:
    try:
        return matching.rank(db, job, limit=limit)
    except JobNotMatchable:
        return []  # the municipality was removed after the start: nobody more can be asked


def _send_wave(
    db: Session, outreach: Outreach, job: CareJob, chosen: list[Candidate], *, wave: int, now: datetime
) -> None:
    municipality = db.get(Municipality, job.municipality_id) if job.municipality_id is not None else None
    body = texts.offer(
        job.kind.label,
        municipality.name if municipality else "",
        job.district,
        job.starts_at,
        job.ends_at,
        job.code,
    )
    ids = [candidate.volunteer_id for candidate in chosen]
    phones = {
        row.id: row.phone for row in db.execute(select(Volunteer.id, Volunteer.phone).where(Volunteer.id.in_(ids)))
    }
    for candidate in chosen:
        volunteer_id = candidate.volunteer_id
        message = queue_sms(db, to=phones[volunteer_id], body=body, now=now, job_id=job.id, volunteer_id=volunteer_id)
        db.add(Offer(job_id=job.id, volunteer_id=volunteer_id, wave=wave, status=OfferStatus.SENT, sent_at=now,
                     message_id=message.id))  # fmt: skip
    outreach.waves_sent, outreach.last_wave_at = wave, now
    if job.status in (JobStatus.OPEN, JobStatus.UNFILLED):
        job.status, job.updated_at = JobStatus.SEARCHING, now
    db.flush()
    due = rules.wake_after_wave(sent_at=now, starts_at=job.starts_at, policy=policy_of(outreach))
    _schedule_wave(db, job_id=job.id, key=f"outreach:{job.id}:{wave + 1}", due_at=due, now=now)


def _wake(db: Session, outreach: Outreach, *, at: datetime, now: datetime) -> None:
    """Make sure a wave task runs at `at`: the chain's pending task if it comes in time, else a new one."""
    # Only pending ones: the running task (this one) is done when this returns.
    due_in_time = (*_wave_tasks(outreach.job_id, TaskStatus.PENDING), ScheduledTask.due_at <= at)
    pending = db.scalar(select(func.count()).where(*due_in_time))
    if not pending:
        key = f"outreach:{outreach.job_id}:{outreach.waves_sent + 1}:at:{at:%Y%m%dT%H%M%S}"
        _schedule_wave(db, job_id=outreach.job_id, key=key, due_at=at, now=now)


def _stop(db: Session, outreach: Outreach, job: CareJob, step: Step, now: datetime) -> None:
    _finish(outreach, OutreachStatus(rules.STOP_STATUS[step.kind]), now, reason=step.kind.value)
    if step.needs_staff and job.status in (JobStatus.OPEN, JobStatus.SEARCHING):
        job.status, job.updated_at = JobStatus.UNFILLED, now
    elif step.kind == StepKind.FILLED:
        if job.status in WAITING_FOR_CARER:
            job.status, job.updated_at = JobStatus.FILLED, now
        tell_filled(db, job=job, now=now)
    elif step.kind == StepKind.CANCELLED:
        _expire_waiting(db, job_id=job.id)
    db.flush()


def tell_filled(db: Session, *, job: CareJob, now: datetime) -> None:
    """Those still waiting hear the job is filled; every waiting offer expires, so nobody is told twice.

    The waiting offers are locked first (FOR UPDATE on PostgreSQL): a yes being decided at this very moment
    answers its own offer (TOO_LATE, "schon vergeben"), and that offer is no longer waiting once we read it.
    Used when a wave finds the job filled and by the task that follows the assignment that filled it
    (`volunteers.assignments.tasks`)."""
    offers = db.scalars(
        select(Offer)
        .where(Offer.job_id == job.id, Offer.status == OfferStatus.SENT)
        .order_by(Offer.id)
        .with_for_update()
    ).all()
    for offer in rules.to_tell_filled(offers, now=now, starts_at=job.starts_at):
        volunteer = db.get_one(Volunteer, offer.volunteer_id)
        queue_sms(
            db, to=volunteer.phone, body=texts.filled_notice(job.code), now=now, case_id=job.case_id,
            job_id=job.id, volunteer_id=volunteer.id,
        )  # fmt: skip
    for offer in offers:
        offer.status = OfferStatus.EXPIRED


def _expire_waiting(db: Session, *, job_id: int) -> None:
    db.execute(
        update(Offer).where(Offer.job_id == job_id, Offer.status == OfferStatus.SENT).values(status=OfferStatus.EXPIRED)
    )


def _activate(outreach: Outreach, job: CareJob, now: datetime) -> None:
    outreach.status, outreach.stopped_at, outreach.stop_reason = OutreachStatus.ACTIVE, None, None
    if job.status in (JobStatus.OPEN, JobStatus.UNFILLED, JobStatus.FILLED):
        job.status, job.updated_at = JobStatus.SEARCHING, now


def _finish(outreach: Outreach, status: OutreachStatus, now: datetime, *, reason: str) -> None:
    outreach.status, outreach.stopped_at, outreach.stop_reason = status, now, reason


def _kick(db: Session, *, job_id: int, label: str, now: datetime, due_at: datetime | None = None) -> None:
    """A wave task due now; numbered, so every start, widening or resumption gets one of its own."""
    prefix = f"outreach:{job_id}:{label}:"
    earlier = db.scalar(select(func.count()).where(ScheduledTask.dedupe_key.like(f"{prefix}%"))) or 0
    db.flush()
    _schedule_wave(db, job_id=job_id, key=f"{prefix}{earlier + 1}", due_at=due_at or now, now=now)


def _schedule_wave(db: Session, *, job_id: int, key: str, due_at: datetime, now: datetime) -> bool:
    """A wave task under `key`, unless one exists (another worker, an earlier try)."""
    return schedule_once(db, kind=TASK_KIND, key=key, due_at=due_at, now=now, payload={"job_id": job_id})


def _require(staff: Staff, role: StaffRole) -> None:
    if not staff.role.covers(role):
        raise OutreachError("Dafür fehlt Ihnen die Berechtigung.")


def _check_searchable(job: CareJob, policy: OutreachPolicy, now: datetime) -> None:
    if job.municipality_id is None:
        raise OutreachError("Bitte tragen Sie zuerst die Kommune des Einsatzes ein, sonst findet die Suche niemanden.")
    if job.status not in WAITING_FOR_CARER:
        raise OutreachError(f"Der Einsatz ist „{job.status.label}“ und wartet auf keine Betreuung.")
    if now >= job.starts_at - policy.stop_before_start:
        raise OutreachError("Der Einsatz beginnt zu bald für eine SMS-Suche. Bitte suchen Sie telefonisch.")


def _audit(
    db: Session, staff: Staff, now: datetime, ip: str | None, action: str, job: CareJob, detail: dict[str, int]
) -> None:
    actor = Actor(staff_id=staff.id, ip=ip, now=now)
    audit.record(db, actor, action=action, object_type="care_job", object_id=job.id, case_id=job.case_id, detail=detail)


def ask_directly(
    db: Session, *, job: CareJob, volunteer_id: int, staff: Staff, now: datetime, ip: str | None = None
) -> Offer:
    """Send one near miss (`matching.near_misses`) the job's offer SMS, when nobody fits (coordinators): an offer
    like a wave's (wave 0, asked by hand), so their "JA 4821" is decided like any yes, under the job lock,
    and never books a job twice. Checked again under the job's lock: the job still waits and has room, and the
    volunteer is still a near miss or fits (free at that time, never asked for this job). Audited."""
    _require(staff, StaffRole.COORDINATOR)
    cases.lock_case_of_job(db, job_id=job.id)
    job = db.scalars(
        select(CareJob).where(CareJob.id == job.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    if job.status not in WAITING_FOR_CARER or now >= job.starts_at:
        raise OutreachError(texts.DIRECT_JOB_CLOSED)
    if active_assignments(db, job_id=job.id) >= max(job.carers_needed, 1):
        raise OutreachError(texts.DIRECT_JOB_FULL)
    volunteer = db.scalars(registry.with_rows(select(Volunteer).where(Volunteer.id == volunteer_id))).one_or_none()
    if volunteer is None:
        raise OutreachError(texts.DIRECT_UNKNOWN)
    try:
        needs = matching.needs_for(db, job)
    except JobNotMatchable as exc:
        raise OutreachError(str(exc)) from exc
    facts = matching.facts_of(db, volunteer, needs)
    fits = not matching_rules.exclusion_reasons(facts, needs)
    if not fits and matching_rules.near_miss(facts, needs, area_names={}) is None:
        raise OutreachError(texts.direct_not_near(volunteer.name, matching_rules.exclusion_reasons(facts, needs)))
    municipality = db.get(Municipality, job.municipality_id) if job.municipality_id is not None else None
    body = texts.offer(
        job.kind.label, municipality.name if municipality else "", job.district, job.starts_at, job.ends_at, job.code
    )
    message = queue_sms(db, to=volunteer.phone, body=body, now=now, job_id=job.id, volunteer_id=volunteer.id)
    offer = Offer(job_id=job.id, volunteer_id=volunteer.id, wave=0, status=OfferStatus.SENT, sent_at=now,
                  message_id=message.id)  # fmt: skip
    db.add(offer)
    db.flush()
    actor = Actor(staff_id=staff.id, ip=ip, now=now)
    audit.record(db, actor, action="offer.direct", object_type="care_job", object_id=job.id, case_id=job.case_id,
                 detail={"volunteer_id": volunteer.id})  # fmt: skip
    return offer
