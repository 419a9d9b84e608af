"""The demo's bills: a finished job whose hours wait for confirmation, and last month's two issued bills.

Two families had care last month; their carers' hours are confirmed and billed (one at the partner rate,
one at the standard rate), so `/bills` shows two issued bills with PDF and GiroCode. A third family's job
ended yesterday: its carer reported 3,5 hours by SMS, so the dashboard shows "Stunden zu bestätigen".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.bills.service import Terms, issue_case
from casework.cases.models import Case
from casework.enums import Affiliation, HoursStatus, JobKind, JobStatus
from casework.jobs.models import CareJob
from casework.reference.models import Partner
from core.audit import Actor
from messaging.models import Message
from messaging.rules import MessageDirection, MessageStatus
from volunteers.assignments.models import Assignment, AssignmentSource, AssignmentStatus, HoursReport
from volunteers.registry.models import Volunteer

BERLIN = ZoneInfo("Europe/Berlin")


def load(db: Session, *, cases: list[Case], now: datetime, actor: Actor) -> None:
    """`cases`: three counselled child-care families (billed at the partner rate, the standard rate, and the
    one whose hours wait)."""
    carers = db.scalars(
        select(Volunteer).where(Volunteer.is_active.is_(True), Volunteer.sms_opt_in.is_(True)).order_by(Volunteer.id)
    ).all()[:3]
    today = now.astimezone(BERLIN).date()
    first_of_month = today.replace(day=1)
    last_month = (first_of_month - timedelta(days=1)).replace(day=1)
    partner = db.scalar(select(Partner).where(Partner.active_until.is_(None)).order_by(Partner.id))
    partnered, standard, waiting = cases
    if partner is not None:
        partnered.affiliation, partnered.partner_id = Affiliation.PARTNER_COMPANY, partner.id
    codes = iter(("7301", "7302", "7303", "7304"))
    for case, carer, days, hours in (
        (partnered, carers[0], (8, 9), ("3.5", "4")),
        (standard, carers[1], (15,), ("2.75",)),
    ):
        for day, figure in zip(days, hours, strict=True):
            job = _finished_job(db, case, last_month.replace(day=day), next(codes), now)
            _hours(db, job, carer, Decimal(figure), HoursStatus.CONFIRMED, now)
    db.flush()
    terms = Terms(zone=BERLIN, payment_days=14)
    for case in (partnered, standard):
        issue_case(db, case_id=case.id, month=last_month, terms=terms, actor=actor)
    yesterday = today - timedelta(days=1)
    job = _finished_job(db, waiting, yesterday, next(codes), now)
    _hours(db, job, carers[2], Decimal("3.5"), HoursStatus.REPORTED, now, sms=True)


def _finished_job(db: Session, case: Case, day: date, code: str, now: datetime) -> CareJob:
    starts = datetime.combine(day, time(8), BERLIN)
    job = CareJob(
        case_id=case.id, kind=JobKind.CHILD_CARE, starts_at=starts, ends_at=starts + timedelta(hours=4),
        municipality_id=case.municipality_id, code=code, active_code=None, status=JobStatus.FILLED,
        carers_needed=1, created_at=starts - timedelta(days=1), updated_at=starts,
    )  # fmt: skip
    db.add(job)
    db.flush()
    return job


def _hours(
    db: Session,
    job: CareJob,
    carer: Volunteer,
    hours: Decimal,
    status: HoursStatus,
    now: datetime,
    *,
    sms: bool = False,
) -> None:
    assignment = Assignment(
        job_id=job.id, volunteer_id=carer.id, status=AssignmentStatus.ACTIVE, source=AssignmentSource.STAFF,
        assigned_at=job.starts_at - timedelta(hours=20),
    )  # fmt: skip
    db.add(assignment)
    db.flush()
    reported = job.ends_at + timedelta(hours=2)
    message_id = None
    if sms:
        text = f"STUNDEN {job.code} {str(hours).replace('.', ',')}"
        message = Message(
            direction=MessageDirection.INBOUND, from_number=carer.phone, to_number="+4951116832110", body=text,
            status=MessageStatus.RECEIVED, attempts=0, volunteer_id=carer.id, job_id=job.id, case_id=job.case_id,
            handled_at=reported, created_at=reported, updated_at=reported,
        )  # fmt: skip
        db.add(message)
        db.flush()
        message_id = message.id
    db.add(HoursReport(
        assignment_id=assignment.id, hours=hours, source="sms" if sms else "staff", status=status,
        reported_at=min(reported, now), message_id=message_id,
        confirmed_at=min(reported + timedelta(hours=1), now) if status == HoursStatus.CONFIRMED else None,
    ))  # fmt: skip
