"""A small hand-made history where every statistic is counted by hand (see the expected figures below).

The year 2026, seen on Thursday 26.11.2026 (the suite's clock):

| case | opened (local)        | what                                                                  | session |
| A    | Do. 15.01., 10:00     | phone call; child care 16.01., carer went, 3,5 h confirmed then       | yes     |
|      |                       | corrected to 4 h; lives in Springe (not yet a partner)               |         |
| B    | Mi. 01.04., 00:30     | (UTC: 31.03., 22:30, after the change to summer time) driving job     | yes     |
|      |                       | done                                                                  |         |
| C    | Mi. 01.07., 14:00     | the only call marked "Kein Fall" (aufgelegt), closed without need    | no      |
| D    | Do. 15.01., 11:00     | a repeat call, merged into A                                          | no      |
| E    | Mo. 02.03.            | relative care job, a carer assigned, then the job cancelled           | yes     |
| F    | Di. 12.05.            | employee of partner Leinewerke (a partner until 30.06.2026); child    | yes     |
|      |                       | care done, 2 h reported but not confirmed                             |         |
| G    | Di. 15.09.            | employee of Leinewerke after it left: no partner session              | yes     |
| H    | Do. 01.01., 00:30     | (UTC: 31.12.2025, 23:30) entered by hand                              | yes     |
| I    | Fr. 20.11.            | resident of Springe (a partner since 01.07.2026); child care on       | yes     |
|      |                       | 10.12. assigned, not yet done                                         |         |
| J    | Mi. 10.06.2025        | the year before: one session                                          |         |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.hours import service as hours
from casework.enums import CaseChannel, CaseStatus, HoursStatus, JobKind, JobStatus, Need, NoCaseReason
from casework.reference.models import Municipality, Partner
from core import audit
from tests.factories import make_call, make_case, make_job, make_volunteer
from tests.volunteers.builders import make_assignment
from volunteers.assignments.models import AssignmentStatus, HoursReport

NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)

EXPECTED_2026 = {
    "counselling_sessions": 7,  # A, B, E, F, G, H, I
    "emergencies": 2,  # A, F
    "care_hours": 4.0,  # A's corrected hours; F's are only reported
    "driving_services": 1,  # B
    "concrete_need_cases": 3,  # A, F, I (E's job was cancelled)
    "concrete_need_share": 42.9,  # 3 / 7
    "jobs": 4,  # A, B, F, I (E's cancelled)
    "jobs_filled": 4,
    "jobs_filled_share": 100.0,
    "volunteers_active": 2,  # Petra (A, F) and Jonas (B, I); Mia's job was cancelled
    "average_hours_to_assignment": 1.4,  # A, B, F, I one hour, E three hours: 7 / 5
}


@dataclass
class History:
    cases: dict[str, Any]
    partner: Partner
    springe: Municipality


def _at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _job(db: Session, case: Any, kind: JobKind, starts: datetime, volunteer: Any, *, assigned_after: float = 1) -> Any:
    job = make_job(
        db,
        case,
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        status=JobStatus.FILLED,
        active_code=None,
        created_at=case.opened_at,
    )
    make_assignment(db, job, volunteer, assigned_at=case.opened_at + timedelta(hours=assigned_after))
    return job


def build(db: Session) -> History:
    springe = db.scalar(select(Municipality).where(Municipality.name == "Springe"))
    springe.partner_from, springe.residents = date(2026, 7, 1), 29_500
    partner = Partner(
        name="Leinewerke Hannover GmbH", active_from=date(2015, 3, 1), active_until=date(2026, 6, 30), employees=1_200
    )
    other = Partner(name="Calenberger Bäckerei eG", active_from=date(2020, 1, 1), employees=85)
    db.add_all([partner, other])
    db.commit()
    petra, jonas, mia = (make_volunteer(db, name=n) for n in ("Petra Schulz", "Jonas Weber", "Mia Krause"))
    cases: dict[str, Any] = {}

    a = cases["A"] = make_case(
        db,
        opened_at=_at(2026, 1, 15),
        caller_phone="+4915111111111",
        need=Need.CHILD_CARE,
        municipality_id=springe.id,
        status=CaseStatus.COMPLETED,
    )
    make_call(db, a, started_at=a.opened_at)
    job = _job(db, a, JobKind.CHILD_CARE, _at(2026, 1, 16), petra)
    report = HoursReport(
        assignment_id=job_assignment(db, job).id,
        hours=Decimal("3.5"),
        source="sms",
        status=HoursStatus.CONFIRMED,
        reported_at=_at(2026, 1, 17),
        confirmed_at=_at(2026, 1, 17),
    )
    db.add(report)
    db.commit()
    hours.correct(
        db,
        job_id=job.id,
        report_id=report.id,
        hours=Decimal("4"),
        reason="Beginn war früher",
        actor=audit.Actor(None, None, NOW),
    )
    db.commit()

    b = cases["B"] = make_case(db, opened_at=_at(2026, 3, 31, 22, 30), caller_phone="+4915122222222", need=Need.DRIVING)
    make_call(db, b, started_at=b.opened_at)
    _job(db, b, JobKind.DRIVING, _at(2026, 4, 2), jonas)

    c = cases["C"] = make_case(
        db, opened_at=_at(2026, 7, 1, 12), caller_phone="+4915133333333", status=CaseStatus.CLOSED_NO_NEED
    )
    make_call(db, c, started_at=c.opened_at, no_case_reason=NoCaseReason.HUNG_UP)

    cases["D"] = make_case(db, opened_at=_at(2026, 1, 15, 10), caller_phone="+4915111111111", merged_into_id=a.id)

    e = cases["E"] = make_case(db, opened_at=_at(2026, 3, 2), need=Need.RELATIVE_CARE, channel=CaseChannel.MANUAL)
    cancelled = _job(db, e, JobKind.ELDER_CARE, _at(2026, 3, 3), mia, assigned_after=3)
    cancelled.status, cancelled.cancelled_at = JobStatus.CANCELLED, _at(2026, 3, 2, 15)
    db.commit()

    f = cases["F"] = make_case(
        db, opened_at=_at(2026, 5, 12), need=Need.CHILD_CARE, partner_id=partner.id, channel=CaseChannel.MANUAL
    )
    job = _job(db, f, JobKind.CHILD_CARE, _at(2026, 5, 13), petra)
    db.add(
        HoursReport(
            assignment_id=job_assignment(db, job).id,
            hours=Decimal("2"),
            source="sms",
            status=HoursStatus.REPORTED,
            reported_at=_at(2026, 5, 14),
        )
    )
    db.commit()

    cases["G"] = make_case(
        db, opened_at=_at(2026, 9, 15), need=Need.COUNSELLING, partner_id=partner.id, channel=CaseChannel.MANUAL
    )
    cases["H"] = make_case(db, opened_at=_at(2025, 12, 31, 23, 30), channel=CaseChannel.MANUAL, need=Need.OTHER)
    i = cases["I"] = make_case(
        db, opened_at=_at(2026, 11, 20), need=Need.CHILD_CARE, municipality_id=springe.id, channel=CaseChannel.MANUAL
    )
    _job(db, i, JobKind.CHILD_CARE, _at(2026, 12, 10), jonas)
    cases["J"] = make_case(db, opened_at=_at(2025, 6, 10), channel=CaseChannel.MANUAL)
    return History(cases, partner, springe)


def job_assignment(db: Session, job: Any) -> Any:
    from volunteers.assignments.models import Assignment

    return db.scalar(
        select(Assignment).where(Assignment.job_id == job.id, Assignment.status == AssignmentStatus.ACTIVE)
    )
