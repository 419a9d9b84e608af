"""Hours with the database: staff enter, confirm and correct the hours of a job's carers.

Only confirmed hours are billed and counted. A carer's SMS (`volunteers.assignments.service.report_hours`)
or staff's entry makes a report; staff confirm it. A change after confirmation needs a reason and is
audited with the figures before and after; hours on an issued bill are not changed here: the bill is
cancelled first (then corrected, `billing.bills.service.correct`). Every change locks the job row first,
as every change around a job's assignments does, so an SMS report and a staff entry at the same moment
are decided one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

from billing.models import Bill, BillLine
from casework.cases.models import Case
from casework.enums import BillStatus, HoursStatus
from casework.jobs.models import CareJob
from core import audit
from core.errors import DomainError, NotFound
from core.formats import hours_de
from volunteers.assignments import rules as assignment_rules
from volunteers.assignments.models import Assignment, AssignmentStatus, HoursReport
from volunteers.assignments.service import lock_job
from volunteers.registry.models import Volunteer

MAX_REASON = 300
WENT = (AssignmentStatus.ACTIVE, AssignmentStatus.COMPLETED)  # a carer who went (not released or withdrawn)


class HoursError(DomainError):
    """Hours that cannot be entered, confirmed or corrected; the German message says why."""


@dataclass(frozen=True)
class Row:
    """One carer of a job and their hours (the latest report that counts, if any)."""

    assignment: Assignment
    volunteer: Volunteer
    report: HoursReport | None
    bill_number: str | None  # the issued bill holding the confirmed hours


@dataclass(frozen=True)
class Waiting:
    """Reported hours waiting for staff: the dashboard's "Stunden zu bestätigen"."""

    report: HoursReport
    job: CareJob
    volunteer: Volunteer
    case_number: str


def _current(db: Session, assignment_id: int) -> HoursReport | None:
    """The report that counts for an assignment: the confirmed one, else the newest reported one."""
    reports = db.scalars(
        select(HoursReport)
        .where(
            HoursReport.assignment_id == assignment_id,
            HoursReport.status.in_([HoursStatus.REPORTED, HoursStatus.CONFIRMED]),
        )
        .order_by(HoursReport.reported_at.desc(), HoursReport.id.desc())
    ).all()
    return next((r for r in reports if r.status == HoursStatus.CONFIRMED), reports[0] if reports else None)


def _bill_of(db: Session, report_id: int) -> str | None:
    return db.scalar(
        select(Bill.number)
        .join(BillLine, BillLine.bill_id == Bill.id)
        .where(BillLine.hours_report_id == report_id, Bill.status == BillStatus.ISSUED)
    )


def rows_for_job(db: Session, *, job_id: int) -> list[Row]:
    """Every carer who went (an active or completed assignment) with their hours, by assignment."""
    found = db.execute(
        select(Assignment, Volunteer)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .where(
            Assignment.job_id == job_id, Assignment.status.in_([AssignmentStatus.ACTIVE, AssignmentStatus.COMPLETED])
        )
        .order_by(Assignment.assigned_at, Assignment.id)
    ).all()
    rows = []
    for assignment, volunteer in found:
        report = _current(db, assignment.id)
        bill = _bill_of(db, report.id) if report is not None and report.status == HoursStatus.CONFIRMED else None
        rows.append(Row(assignment, volunteer, report, bill))
    return rows


def waiting(db: Session, *, limit: int = 30) -> tuple[int, list[Waiting]]:
    """Reported hours no one confirmed yet, oldest first: how many, and the first `limit` of them."""
    # How many, counted over all of them before the limit (a window): one statement, not a count beside it.
    found = db.execute(_waiting(), {"limit": limit}).all()
    count = found[0][4] if found else 0
    return count, [Waiting(report, job, volunteer, number) for report, job, volunteer, number, _count in found]


@cache
def _waiting() -> Select[HoursReport, CareJob, Volunteer, str, int]:
    """The statement of `waiting` (parameter `limit`), built once: the dashboard asks it every 3 s."""
    return (
        select(HoursReport, CareJob, Volunteer, Case.number, func.count().over())
        .join(Assignment, Assignment.id == HoursReport.assignment_id)
        .join(CareJob, CareJob.id == Assignment.job_id)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .join(Case, Case.id == CareJob.case_id)
        .where(HoursReport.status == HoursStatus.REPORTED)
        .order_by(HoursReport.reported_at, HoursReport.id)
        .limit(bindparam("limit", type_=Integer()))
    )


def _assignment_of_job(db: Session, *, job: CareJob, assignment_id: int) -> Assignment:
    assignment = db.get(Assignment, assignment_id)
    if assignment is None or assignment.job_id != job.id:
        raise NotFound("Diese Einteilung gibt es bei diesem Einsatz nicht.")
    if assignment.status not in WENT:
        raise HoursError("Für eine zurückgenommene Einteilung werden keine Stunden erfasst.")
    return assignment


def _check_range(job: CareJob, hours: Decimal, now: datetime) -> None:
    check = assignment_rules.check_hours(hours, starts_at=job.starts_at, ends_at=job.ends_at, now=now)
    if check is assignment_rules.HoursCheck.NOT_STARTED:
        raise HoursError(f"Einsatz {job.code} hat noch nicht begonnen; Stunden erst danach erfassen.")
    if check is assignment_rules.HoursCheck.BEYOND_WINDOW:
        window = assignment_rules.window_hours(starts_at=job.starts_at, ends_at=job.ends_at)
        raise HoursError(
            f"Mehr Stunden als das Zeitfenster von Einsatz {job.code} ({hours_de(window)} Std.) plus eine Stunde; "
            "bitte prüfen."
        )


def enter(
    db: Session,
    *,
    job_id: int,
    assignment_id: int,
    hours: Decimal,
    actor: audit.Actor,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    confirm: bool = False,
) -> HoursReport:
    """Staff enter a carer's hours (replacing an unconfirmed report), and confirm them at once if asked.
    Hours already confirmed are corrected with a reason instead (`correct`)."""
    job = lock_job(db, job_id)
    assignment = _assignment_of_job(db, job=job, assignment_id=assignment_id)
    _check_range(job, hours, actor.now)
    report = _current(db, assignment.id)
    if report is not None and report.status == HoursStatus.CONFIRMED:
        raise HoursError("Diese Stunden sind schon bestätigt; eine Änderung braucht einen Grund (Korrigieren).")
    previous = None if report is None else report.hours
    if report is None:
        report = HoursReport(assignment_id=assignment.id, hours=hours, source="staff", reported_at=actor.now)
        db.add(report)
    report.hours, report.source, report.reported_at, report.reported_by_id = hours, "staff", actor.now, actor.staff_id
    report.status, report.message_id = HoursStatus.REPORTED, None
    report.started_at, report.ended_at = started_at, ended_at
    db.flush()
    audit.record(
        db, actor, action="hours.enter", object_type="hours_report", object_id=report.id, case_id=job.case_id,
        detail={"job_id": job.id, "assignment_id": assignment.id, "hours": str(hours),
                "previous": None if previous is None else str(previous)},
    )  # fmt: skip
    if confirm:
        _confirm(db, job=job, report=report, actor=actor)
    return report


def confirm(db: Session, *, job_id: int, report_id: int, actor: audit.Actor) -> HoursReport:
    """Staff confirm reported hours: from now on they are billed and counted."""
    job = lock_job(db, job_id)
    report = _report_of_job(db, job=job, report_id=report_id)
    if report.status == HoursStatus.CONFIRMED:
        raise HoursError("Diese Stunden sind schon bestätigt.")
    if report.status != HoursStatus.REPORTED:
        raise HoursError("Diese Angabe gilt nicht mehr; bitte die aktuelle Angabe bestätigen.")
    if _current(db, report.assignment_id) is not report:
        raise HoursError("Inzwischen gibt es eine neuere Angabe; bitte die Seite neu laden.")
    _check_range(job, report.hours, actor.now)
    _confirm(db, job=job, report=report, actor=actor)
    return report


def _confirm(db: Session, *, job: CareJob, report: HoursReport, actor: audit.Actor) -> None:
    report.status, report.confirmed_at, report.confirmed_by_id = HoursStatus.CONFIRMED, actor.now, actor.staff_id
    db.flush()
    audit.record(
        db, actor, action="hours.confirm", object_type="hours_report", object_id=report.id, case_id=job.case_id,
        detail={"job_id": job.id, "assignment_id": report.assignment_id, "hours": str(report.hours)},
    )  # fmt: skip


def correct(
    db: Session,
    *,
    job_id: int,
    report_id: int,
    hours: Decimal,
    reason: str,
    actor: audit.Actor,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
) -> HoursReport:
    """Change confirmed hours: a reason is required and the change is audited (before, after, reason).
    Hours on an issued bill stay as billed until the bill is cancelled."""
    reason = " ".join(reason.split())[:MAX_REASON]
    if not reason:
        raise HoursError("Bitte einen Grund für die Änderung bestätigter Stunden angeben.")
    job = lock_job(db, job_id)
    report = _report_of_job(db, job=job, report_id=report_id)
    if report.status != HoursStatus.CONFIRMED:
        raise HoursError("Nur bestätigte Stunden werden korrigiert; gemeldete Stunden bitte neu erfassen.")
    bill = _bill_of(db, report.id)
    if bill is not None:
        raise HoursError(
            f"Diese Stunden stehen auf Rechnung {bill}. Bitte die Rechnung stornieren, dann die Stunden korrigieren "
            "und die Rechnung neu stellen."
        )
    _check_range(job, hours, actor.now)
    before = report.hours
    report.hours, report.started_at, report.ended_at = hours, started_at, ended_at
    db.flush()
    audit.record(
        db, actor, action="hours.correct", object_type="hours_report", object_id=report.id, case_id=job.case_id,
        detail={"job_id": job.id, "assignment_id": report.assignment_id, "before": str(before), "after": str(hours),
                "reason": reason},
    )  # fmt: skip
    return report


def _report_of_job(db: Session, *, job: CareJob, report_id: int) -> HoursReport:
    report = db.get(HoursReport, report_id, populate_existing=True)
    assignment = db.get(Assignment, report.assignment_id) if report is not None else None
    if report is None or assignment is None or assignment.job_id != job.id:
        raise NotFound("Diese Stundenangabe gibt es bei diesem Einsatz nicht.")
    return report
